/* duet-call-centre.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The calls the user takes part in, whatever window shows them: the
 * ringing call (incoming, verified, not answered yet) and the active call
 * (dialled or accepted). Everything that reacts to a call subscribes here
 * (the ringer, the notifier, the incoming window and the call window
 * follow `ringing-call` and `active-call` and the signals), so that none
 * of them has to be driven by hand and a call works with no window open.
 *
 * A call being dialled has no DuetCall until the server answers: the
 * window that waits for it follows `active-call` and `call-failed`. Only
 * the newest attempt reaches the windows; an older one still in flight
 * has lost its window and is ended when it arrives, as is one whose
 * window was closed (duet_call_centre_abandon_dial()).
 */
#define G_LOG_DOMAIN "DuetCallCentre"

#include "config.h"

#include <glib/gi18n.h>

#include "duet-call-centre.h"

struct _DuetCallCentre
{
  GObject      parent_instance;

  DuetManager *manager;
  DuetAccount *account;
  DuetCall    *ringing;   /* an incoming call not yet answered */
  DuetCall    *active;    /* the call in progress, once accepted or made */
  struct Dial *dial;      /* the newest call being dialled */
};

G_DEFINE_FINAL_TYPE (DuetCallCentre, duet_call_centre, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_RINGING_CALL,
  PROP_ACTIVE_CALL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum {
  CALL_ADDED,
  CALL_FAILED,
  CALL_ENDED,
  CALL_MISSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* One make_call request in flight */
typedef struct Dial
{
  DuetCallCentre *centre;
  gboolean        abandoned;   /* its window was closed */
  gboolean        superseded;  /* a newer attempt took the windows */
} Dial;

static void
dial_free (Dial *dial)
{
  if (dial->centre->dial == dial)
    dial->centre->dial = NULL;
  g_object_unref (dial->centre);
  g_free (dial);
}

/* Nobody waits for the current attempt's outcome any more */
static void
supersede_dial (DuetCallCentre *self)
{
  if (self->dial != NULL)
    self->dial->superseded = TRUE;
  self->dial = NULL;
}

static void
set_active (DuetCallCentre *self,
            DuetCall       *call)
{
  if (!g_set_object (&self->active, call))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE_CALL]);
}

static void
on_call_disconnected (DuetCall             *call,
                      DuetDisconnectReason  reason,
                      DuetDisconnectSource  source,
                      gboolean              by_remote,
                      const char           *user_code,
                      DuetCallCentre       *self)
{
  g_autoptr(DuetCall) ended = g_object_ref (call);

  g_signal_handlers_disconnect_by_data (call, self);
  if (self->active == call)
    set_active (self, NULL);
  g_signal_emit (self, signals[CALL_ENDED], 0, ended, reason, by_remote);
}

/* Watched until it ends, so that its end is announced */
static void
track_call (DuetCallCentre *self,
            DuetCall       *call)
{
  g_signal_connect (call, "disconnected", G_CALLBACK (on_call_disconnected), self);
}

/* ---- ringing ---- */

static DuetCall *
take_ringing (DuetCallCentre *self)
{
  DuetCall *call = g_steal_pointer (&self->ringing);

  if (call != NULL)
    {
      g_signal_handlers_disconnect_by_data (call, self);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RINGING_CALL]);
    }
  return call;
}

static void
on_ringing_call_disconnected (DuetCall             *call,
                         DuetDisconnectReason  reason,
                         DuetDisconnectSource  source,
                         gboolean              by_remote,
                         const char           *user_code,
                         DuetCallCentre       *self)
{
  g_autoptr(DuetCall) ringing = NULL;

  if (self->ringing != call)
    return;
  ringing = take_ringing (self);

  /* Answered or declined on another of the user's devices: not missed,
   * and nothing to say (the other device shows the call) */
  if (reason == DUET_DISCONNECT_REASON_MULTIDEV_ANSWER || reason == DUET_DISCONNECT_REASON_MULTIDEV_DECLINE)
    g_debug ("The call from %s was %s on another device", duet_call_get_peer_user_id (call),
             reason == DUET_DISCONNECT_REASON_MULTIDEV_ANSWER ? "answered" : "declined");
  /* Cancelled by the caller or not answered in time: missed */
  else if (by_remote)
    g_signal_emit (self, signals[CALL_MISSED], 0, duet_call_get_call_id (call),
                   duet_call_get_peer_user_id (call), duet_call_get_media_type (call), (gint64) 0);
  g_signal_emit (self, signals[CALL_ENDED], 0, ringing, reason, by_remote);
}

static void
verify_call_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(DuetCallCentre) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetCall) call = NULL;
  g_autoptr(DuetCall) replaced = NULL;
  DuetStartFailReason reason;

  call = duet_manager_verify_call_finish (DUET_MANAGER (source), result, &reason, &error);
  if (call == NULL)
    {
      g_message ("Not ringing for an incoming call (%s): %s",
                 duet_start_fail_reason_to_string (reason), error->message);
      return;
    }

  replaced = g_steal_pointer (&self->ringing);
  if (replaced != NULL)
    g_signal_handlers_disconnect_by_data (replaced, self);
  self->ringing = g_steal_pointer (&call);
  g_signal_connect (self->ringing, "disconnected", G_CALLBACK (on_ringing_call_disconnected), self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RINGING_CALL]);
}

static void
on_manager_incoming_call (DuetCallCentre *self,
                          DuetCcParam    *cc_param)
{
  g_autoptr(DuetVerifyCallParamBuilder) builder = duet_verify_call_param_builder_new ();
  g_autoptr(DuetVerifyCallParam) param = NULL;
  g_autoptr(GError) error = NULL;

  duet_verify_call_param_builder_set_my_user_id (builder, duet_account_get_user_id (self->account));
  duet_verify_call_param_builder_set_my_service_id (builder, duet_account_get_service_id (self->account));
  duet_verify_call_param_builder_set_cc_param (builder, cc_param);
  duet_verify_call_param_builder_set_access_token (builder, duet_account_get_token (self->account));
  duet_verify_call_param_builder_set_server_url (builder, duet_account_get_server_url (self->account));
  param = duet_verify_call_param_builder_build (builder, &error);
  if (param == NULL)
    {
      g_warning ("Cannot answer an incoming call: %s", error->message);
      return;
    }
  duet_manager_verify_call_async (self->manager, param, NULL, verify_call_cb, g_object_ref (self));
}

/* Missed while nothing rang here (offline, or another device's call):
 * the same signal as a ringing call the caller gave up on */
static void
on_manager_missed_call (DuetCallCentre       *self,
                        DuetCallHistoryEntry *entry)
{
  GDateTime *invited_at = duet_call_history_entry_get_invited_at (entry);

  g_signal_emit (self, signals[CALL_MISSED], 0,
                 duet_call_history_entry_get_call_id (entry),
                 duet_call_history_entry_get_peer_user_id (entry),
                 duet_call_history_entry_get_media_type (entry),
                 invited_at ? g_date_time_to_unix (invited_at) * 1000 : (gint64) 0);
}

/* ---- dialling ---- */

/**
 * duet_call_centre_describe_start_failure:
 *
 * Returns: why a call did not start, translated, for the user
 */
const char *
duet_call_centre_describe_start_failure (DuetStartFailReason reason)
{
  switch (reason)
    {
    case DUET_START_FAIL_REASON_UNKNOWN_PEER:
      return _("There is no such user on this server");
    case DUET_START_FAIL_REASON_ID_CONFLICT:
      return _("You cannot call yourself");
    case DUET_START_FAIL_REASON_ALREADY_EXIST:
      return _("Another call is still in progress");
    case DUET_START_FAIL_REASON_INVALID_PEER_ID:
    case DUET_START_FAIL_REASON_INVALID_USER_ID:
      return _("That is not a valid user ID");
    case DUET_START_FAIL_REASON_SERVER_UNREACHABLE:
    case DUET_START_FAIL_REASON_NOT_INITIALIZED:
      return _("Duet is offline; try again when it is connected");
    case DUET_START_FAIL_REASON_INVALID_AUTHENTICATION:
      return _("Your sign-in is no longer valid");
    case DUET_START_FAIL_REASON_TOO_MANY_CALLS:
      return _("You have started too many calls in a short time; wait a minute and try again");
    default:
      return _("The call could not be started");
    }
}

static void
make_call_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  Dial *dial = user_data;
  DuetCallCentre *self = dial->centre;
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetCall) call = NULL;
  DuetStartFailReason reason;

  call = duet_manager_make_call_finish (DUET_MANAGER (source), result, &reason, &error);
  if (call == NULL)
    {
      g_message ("The call did not start (%s): %s",
                 duet_start_fail_reason_to_string (reason), error->message);
      /* A superseded attempt's window is gone and another waits: say nothing */
      if (!dial->superseded)
        g_signal_emit (self, signals[CALL_FAILED], 0, duet_call_centre_describe_start_failure (reason));
    }
  else if (dial->abandoned || dial->superseded)
    {
      /* Its window was closed while dialling */
      track_call (self, call);
      duet_call_end_call (call);
    }
  else
    {
      track_call (self, call);
      set_active (self, call);
    }
  dial_free (dial);
}

static DuetMakeCallParam *
build_make_call_param (DuetCallCentre  *self,
                       const char      *peer,
                       DuetMediaType    media_type,
                       GError         **error)
{
  g_autoptr(DuetMakeCallParamBuilder) builder = duet_make_call_param_builder_new ();
  DuetAccount *account = self->account;

  duet_make_call_param_builder_set_my_user_id (builder, duet_account_get_user_id (account));
  duet_make_call_param_builder_set_my_service_id (builder, duet_account_get_service_id (account));
  duet_make_call_param_builder_set_peer_user_id (builder, peer);
  duet_make_call_param_builder_set_peer_service_id (builder, duet_account_get_service_id (account));
  duet_make_call_param_builder_set_access_token (builder, duet_account_get_token (account));
  duet_make_call_param_builder_set_server_url (builder, duet_account_get_server_url (account));
  duet_make_call_param_builder_set_media_type (builder, media_type);
  return duet_make_call_param_builder_build (builder, error);
}

/**
 * duet_call_centre_dial:
 * @error: why the call cannot be made, with a message for the user
 *   (%G_IO_ERROR_BUSY while another call rings or goes on)
 *
 * Starts a call to @peer_user_id: #DuetCallCentre::call-added at once,
 * then #DuetCallCentre:active-call, or #DuetCallCentre::call-failed.
 */
gboolean
duet_call_centre_dial (DuetCallCentre  *self,
                       const char      *peer_user_id,
                       DuetMediaType    media_type,
                       GError         **error)
{
  g_autoptr(DuetMakeCallParam) param = NULL;
  g_autoptr(GError) local_error = NULL;
  Dial *dial;

  g_return_val_if_fail (DUET_IS_CALL_CENTRE (self), FALSE);

  if (duet_account_get_state (self->account) != DUET_ACCOUNT_SIGNED_IN)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, _("Sign in to make calls"));
      return FALSE;
    }
  if (duet_call_centre_get_busy (self))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_BUSY, _("Another call is still in progress"));
      return FALSE;
    }
  param = build_make_call_param (self, peer_user_id, media_type, &local_error);
  if (param == NULL)
    {
      g_message ("Cannot call %s: %s", peer_user_id, local_error->message);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, _("That is not a valid user ID"));
      return FALSE;
    }

  /* The windows of an older attempt close here, before this one is current */
  g_signal_emit (self, signals[CALL_ADDED], 0, peer_user_id, media_type, TRUE);
  supersede_dial (self);
  dial = g_new0 (Dial, 1);
  dial->centre = g_object_ref (self);
  self->dial = dial;
  duet_manager_make_call_async (self->manager, param, NULL, make_call_cb, dial);
  return TRUE;
}

/**
 * duet_call_centre_abandon_dial:
 *
 * The window waiting for the call being dialled has gone: the call is
 * ended as soon as it is made.
 */
void
duet_call_centre_abandon_dial (DuetCallCentre *self)
{
  g_return_if_fail (DUET_IS_CALL_CENTRE (self));

  if (self->dial != NULL)
    self->dial->abandoned = TRUE;
}

/* ---- answering ---- */

/**
 * duet_call_centre_accept:
 * @video: whether to send video from the start
 *
 * Answers the ringing call, which becomes the active call; or
 * #DuetCallCentre::call-failed.
 */
void
duet_call_centre_accept (DuetCallCentre *self,
                         gboolean        video)
{
  g_autoptr(DuetCall) call = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (DUET_IS_CALL_CENTRE (self));

  if ((call = take_ringing (self)) == NULL)
    return;

  supersede_dial (self);
  g_signal_emit (self, signals[CALL_ADDED], 0, duet_call_get_peer_user_id (call),
                 duet_call_get_media_type (call), FALSE);
  if (!duet_call_accept_call (call, FALSE, video ? DUET_INITIAL_VIDEO_STATE_RESUME
                                          : DUET_INITIAL_VIDEO_STATE_PAUSE, &error))
    {
      g_message ("Cannot accept the call: %s", error->message);
      g_signal_emit (self, signals[CALL_FAILED], 0, _("The call could not be accepted"));
      g_signal_emit (self, signals[CALL_ENDED], 0, call, DUET_DISCONNECT_REASON_INTERNAL_KIT_ERROR, FALSE);
      return;
    }
  track_call (self, call);
  set_active (self, call);
}

void
duet_call_centre_decline (DuetCallCentre *self)
{
  g_autoptr(DuetCall) call = NULL;

  g_return_if_fail (DUET_IS_CALL_CENTRE (self));

  if ((call = take_ringing (self)) == NULL)
    return;
  duet_call_end_call (call);
  g_signal_emit (self, signals[CALL_ENDED], 0, call, DUET_DISCONNECT_REASON_DECLINE, FALSE);
}

/**
 * duet_call_centre_end_all:
 *
 * Hangs up the active call and the ringing one, so that neither waits at
 * the server for its grace period (quitting, signing out).
 */
void
duet_call_centre_end_all (DuetCallCentre *self)
{
  g_return_if_fail (DUET_IS_CALL_CENTRE (self));

  if (self->active != NULL)
    duet_call_end_call (self->active);
  if (self->ringing != NULL)
    duet_call_end_call (self->ringing);
}

/* ---- GObject ---- */

static void
duet_call_centre_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DuetCallCentre *self = DUET_CALL_CENTRE (object);

  switch (prop_id)
    {
    case PROP_RINGING_CALL:
      g_value_set_object (value, self->ringing);
      break;
    case PROP_ACTIVE_CALL:
      g_value_set_object (value, self->active);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_call_centre_dispose (GObject *object)
{
  DuetCallCentre *self = DUET_CALL_CENTRE (object);

  if (self->active != NULL)
    g_signal_handlers_disconnect_by_data (self->active, self);
  if (self->ringing != NULL)
    g_signal_handlers_disconnect_by_data (self->ringing, self);
  g_clear_object (&self->active);
  g_clear_object (&self->ringing);
  g_clear_object (&self->manager);
  g_clear_object (&self->account);

  G_OBJECT_CLASS (duet_call_centre_parent_class)->dispose (object);
}

static void
duet_call_centre_class_init (DuetCallCentreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_call_centre_dispose;
  object_class->get_property = duet_call_centre_get_property;

  /* An incoming call, verified, that nobody has answered yet */
  properties[PROP_RINGING_CALL] =
    g_param_spec_object ("ringing-call", NULL, NULL, DUET_TYPE_CALL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The call in progress, once made or accepted, until it ends */
  properties[PROP_ACTIVE_CALL] =
    g_param_spec_object ("active-call", NULL, NULL, DUET_TYPE_CALL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DuetCallCentre::call-added:
   * @peer_user_id: who the call is with
   * @media_type: audio or audio and video
   * @outgoing: dialled rather than accepted
   *
   * A call is being dialled or accepted; its #DuetCall follows as
   * #DuetCallCentre:active-call, or #DuetCallCentre::call-failed.
   */
  signals[CALL_ADDED] =
    g_signal_new ("call-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, G_TYPE_STRING, DUET_TYPE_MEDIA_TYPE, G_TYPE_BOOLEAN);
  /**
   * DuetCallCentre::call-failed:
   * @message: why, translated
   *
   * The call of the last #DuetCallCentre::call-added did not start.
   */
  signals[CALL_FAILED] =
    g_signal_new ("call-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * DuetCallCentre::call-ended:
   * @call: the ringing or active call
   * @reason: why
   * @by_remote: whether the other side (or the server) ended it
   */
  signals[CALL_ENDED] =
    g_signal_new ("call-ended", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 3, DUET_TYPE_CALL, DUET_TYPE_DISCONNECT_REASON, G_TYPE_BOOLEAN);
  /**
   * DuetCallCentre::call-missed:
   * @call_id: the call's id
   * @peer_user_id: who called
   * @media_type: audio or audio and video
   * @invited_at_ms: when, in Unix milliseconds, or 0 for just now
   *
   * A call rang here until the caller gave up, or rang while this
   * device was away.
   */
  signals[CALL_MISSED] =
    g_signal_new ("call-missed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 4, G_TYPE_STRING, G_TYPE_STRING, DUET_TYPE_MEDIA_TYPE, G_TYPE_INT64);
}

static void
duet_call_centre_init (DuetCallCentre *self)
{
}

DuetCallCentre *
duet_call_centre_new (DuetManager *manager,
                      DuetAccount *account)
{
  DuetCallCentre *self = g_object_new (DUET_TYPE_CALL_CENTRE, NULL);

  self->manager = g_object_ref (manager);
  self->account = g_object_ref (account);
  g_signal_connect_object (manager, "incoming-call",
                           G_CALLBACK (on_manager_incoming_call), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (manager, "missed-call",
                           G_CALLBACK (on_manager_missed_call), self, G_CONNECT_SWAPPED);
  return self;
}

/**
 * duet_call_centre_get_ringing_call:
 *
 * Returns: (transfer none) (nullable): the incoming call not answered yet
 */
DuetCall *
duet_call_centre_get_ringing_call (DuetCallCentre *self)
{
  g_return_val_if_fail (DUET_IS_CALL_CENTRE (self), NULL);
  return self->ringing;
}

/**
 * duet_call_centre_get_active_call:
 *
 * Returns: (transfer none) (nullable): the call in progress
 */
DuetCall *
duet_call_centre_get_active_call (DuetCallCentre *self)
{
  g_return_val_if_fail (DUET_IS_CALL_CENTRE (self), NULL);
  return self->active;
}

/* A call rings or goes on: no other may start */
gboolean
duet_call_centre_get_busy (DuetCallCentre *self)
{
  g_return_val_if_fail (DUET_IS_CALL_CENTRE (self), FALSE);
  return self->active != NULL || self->ringing != NULL;
}
