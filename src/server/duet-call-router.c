/* duet-call-router.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The call state machine: the calls and the index of each user's call, the
 * call requests of the WebSocket protocol, the events they send, the ring
 * and grace timers, and what waits for a user who is offline. It reaches
 * the users' connections only through a DuetCallHost.
 */
#include "config.h"

#include <string.h>
#include <sodium.h>

#include "duet-call-router.h"
#include "duet-cc-param-private.h"
#include "duet-server-error.h"

struct _DuetCallRouter
{
  GObject                parent_instance;

  DuetCallHost          *host;          /* not owned: it owns the router */
  DuetStore             *store;
  guint8                 cc_key[DUET_STORE_SECRET_LENGTH];
  DuetCallRouterOptions  options;
  DuetMetrics           *metrics;       /* the host's, for /metrics */

  GHashTable            *calls;         /* call_id → DuetCallRecord* owned */
  GHashTable            *user_calls;    /* "service/user" → DuetCallRecord* */
  GHashTable            *new_calls_of;  /* account ids with calls since the last take */
};

G_DEFINE_FINAL_TYPE (DuetCallRouter, duet_call_router, G_TYPE_OBJECT)

enum {
  CALL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  DuetCallRouter *router;
  DuetCallRecord *call;
  DuetCallParty   party;
} CallTimer;

/* ---- small helpers ---------------------------------------------------- */

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static void
remove_call_timers (DuetCallRecord *call)
{
  g_clear_handle_id (&call->ring_timer, g_source_remove);
  g_clear_handle_id (&call->grace_timer[0], g_source_remove);
  g_clear_handle_id (&call->grace_timer[1], g_source_remove);
}

DuetCallRecord *
duet_call_router_lookup_user_call (DuetCallRouter *self,
                                   const char     *service,
                                   const char     *user)
{
  g_autofree char *key = duet_user_key (service, user);

  return g_hash_table_lookup (self->user_calls, key);
}

/* The connection of the party's device in the call: the caller's device;
 * the callee's answering device, or before the answer the one that
 * verified first (it sets up media). NULL when it has none (or, for a
 * callee, no device verified yet). */
static DuetSession *
party_session (DuetCallRouter *self,
               DuetCallRecord *call,
               DuetCallParty   party)
{
  const char *device = party == DUET_CALL_PARTY_CALLER ? call->caller_device : call->callee_device;

  if (party == DUET_CALL_PARTY_CALLEE && device == NULL && call->answered_at == 0 &&
      call->state != DUET_CALL_RECORD_STATE_CONNECTED)
    return NULL;
  return duet_call_host_device_session (self->host, duet_call_record_party_service (call, party),
                                        duet_call_record_party_user (call, party), device);
}

/* The connections of the callee's devices that ring for @call */
static GPtrArray *
ringing_sessions (DuetCallRouter *self,
                  DuetCallRecord *call)
{
  GPtrArray *sessions = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; call->legs != NULL && i < call->legs->len; i++)
    {
      DuetCallLeg *leg = g_ptr_array_index (call->legs, i);
      DuetSession *session = duet_call_host_device_session (self->host, call->callee_service,
                                                            call->callee_user, leg->device_id);

      if (session != NULL)
        g_ptr_array_add (sessions, g_object_ref (session));
    }
  return sessions;
}

static gboolean
is_answered (DuetCallRecord *call)
{
  return call->answered_at > 0 || call->state == DUET_CALL_RECORD_STATE_CONNECTED;
}

static DuetDisconnectSource
party_source (DuetCallParty party)
{
  return party == DUET_CALL_PARTY_CALLER ? DUET_DISCONNECT_SOURCE_CALLER
                                         : DUET_DISCONNECT_SOURCE_CALLEE;
}

/* The other nodes keep a copy of each call (DuetDirectory) */
static void
call_changed (DuetCallRouter *self,
              DuetCallRecord *call)
{
  g_signal_emit (self, signals[CALL_CHANGED], 0, call);
}

static void
save_call (DuetCallRouter *self,
           DuetCallRecord *call)
{
  g_autoptr(GError) error = NULL;

  if (!duet_store_save_call (self->store, call, &error))
    g_warning ("Cannot save call %s: %s", call->call_id, error->message);
  call_changed (self, call);
}

/* The user's call, whichever node owns it */
static DuetCallRecord *
any_user_call (DuetCallRouter *self,
               const char     *service,
               const char     *user)
{
  DuetCallRecord *call = duet_call_router_lookup_user_call (self, service, user);

  return call != NULL ? call : duet_call_host_user_call_elsewhere (self->host, service, user);
}

/* ---- events ----------------------------------------------------------- */

static void
send_incoming_call (DuetSession    *session,
                    DuetCallRecord *call,
                    DuetCallLeg    *leg)
{
  DuetIncomingCallEvent event = {
    .call_id = call->call_id,
    .cc_param = leg->cc_param,
    .caller_user = call->caller_user,
    .caller_service = call->caller_service,
    .media_type = call->media_type,
  };

  duet_session_send (session, duet_incoming_call_event_build (&event));
}

static void
send_missed_call (DuetSession    *session,
                  DuetCallRecord *call)
{
  DuetMissedCallEvent event = {
    .call_id = call->call_id,
    .caller_user = call->caller_user,
    .caller_service = call->caller_service,
    .media_type = call->media_type,
    .invited_at = call->invited_at,
    .reason = call->reason,
  };

  duet_session_send (session, duet_missed_call_event_build (&event));
}

static void
send_disconnected (DuetSession    *session,
                   DuetCallRecord *call,
                   gboolean        by_remote)
{
  DuetDisconnectedEvent event = {
    .call_id = call->call_id,
    .reason = call->reason,
    .source = call->source,
    .by_remote = by_remote,
    .user_code = call->user_code,
  };

  duet_session_send (session, duet_disconnected_event_build (&event));
}

/* What another device of the callee gets when one of them answered or
 * declined: PlanetKit's MULTIDEV_ reasons, from the cloud */
static void
send_multidevice_end (DuetSession          *session,
                      DuetCallRecord       *call,
                      DuetDisconnectReason  reason)
{
  DuetDisconnectedEvent event = {
    .call_id = call->call_id,
    .reason = reason,
    .source = DUET_DISCONNECT_SOURCE_CLOUD_SERVER,
    .by_remote = TRUE,
  };

  duet_session_send (session, duet_disconnected_event_build (&event));
}

/* A device of the callee starts ringing: a cc_param of its own */
static DuetCallLeg *
add_leg (DuetCallRouter *self,
         DuetCallRecord *call,
         const char     *device_id)
{
  /* issued with the call, and good until its ring timer runs out */
  gint64 issued = call->invited_at / 1000;

  return duet_call_record_add_leg (call, device_id,
                                   duet_cc_param_sign_for_device (call->call_id, call->caller_user,
                                                                  call->caller_service, call->callee_user,
                                                                  call->callee_service, device_id,
                                                                  call->media_type, issued,
                                                                  issued + self->options.ring_timeout,
                                                                  self->cc_key, sizeof self->cc_key));
}

/* The party that ended the call, from the stored source */
static DuetCallParty
ender_of (DuetCallRecord *call)
{
  if (call->source == DUET_DISCONNECT_SOURCE_CALLER)
    return DUET_CALL_PARTY_CALLER;
  if (call->source == DUET_DISCONNECT_SOURCE_CALLEE)
    return DUET_CALL_PARTY_CALLEE;
  return DUET_CALL_PARTY_NONE;
}

/* A callee that never saw the call ring learns of it as a missed call */
static gboolean
callee_gets_missed_call (DuetCallRecord *call)
{
  return call->verified_at == 0 && call->answered_at == 0;
}

/* A device of the callee that is online while the call is unanswered
 * rings: at make_call, or when it signs in. Its cc_param is good for one
 * verify: once verified, the call is only listed in hello.calls. */
static void
ring_device (DuetCallRouter *self,
             DuetCallRecord *call,
             DuetSession    *session)
{
  const char *device_id = duet_session_get_device_id (session);
  DuetCallLeg *leg;

  if (call->state != DUET_CALL_RECORD_STATE_WAITING && call->state != DUET_CALL_RECORD_STATE_RINGING)
    return;
  if (duet_call_record_get_party (call, duet_session_get_account_id (session)) != DUET_CALL_PARTY_CALLEE)
    return;

  leg = duet_call_record_find_leg (call, device_id);
  if (leg == NULL)
    {
      leg = add_leg (self, call, device_id);
      call_changed (self, call);
    }
  else if (leg->verified)
    return;
  /* a callee with a device that rings is there */
  g_clear_handle_id (&call->grace_timer[DUET_CALL_PARTY_CALLEE], g_source_remove);
  send_incoming_call (session, call, leg);
}

/* A request that waits for the store: who asked, under which id */
typedef struct
{
  DuetSession *session;
  char        *id;
  gint64       account;
} StoreRequest;

static StoreRequest *
store_request_new (DuetSession *session,
                   const char  *id)
{
  StoreRequest *request = g_new0 (StoreRequest, 1);

  request->session = g_object_ref (session);
  request->id = g_strdup (id);
  request->account = duet_session_get_account_id (session);
  return request;
}

static void
store_request_free (StoreRequest *request)
{
  g_object_unref (request->session);
  g_free (request->id);
  g_free (request);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (StoreRequest, store_request_free)

/* What ended while the device was away, newest --missed-calls-max of
 * each kind: a flood of calls costs the user a bounded sign-in, and the
 * rest stays in the history only. Missed calls are the user's (every
 * device hears of them, until one marks them seen); the end of a call is
 * told to the device that was in it. Missed calls first, then the
 * disconnects, each oldest first. */
static void
on_events_loaded (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(StoreRequest) request = user_data;
  DuetSession *session = request->session;
  gint64 account = request->account;
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetStoreEvents) events = duet_store_load_events_finish (DUET_STORE (source), result, &error);
  g_autoptr(GHashTable) told = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr(GPtrArray) ended = g_ptr_array_new ();

  if (events == NULL)
    {
      g_warning ("Cannot load pending events: %s", error->message);
      return;
    }
  if (!duet_session_is_open (session))
    return;   /* they stay pending for its next visit */

  for (guint i = events->missed->len; i-- > 0;)
    {
      DuetCallRecord *m = g_ptr_array_index (events->missed, i);

      g_hash_table_add (told, m->call_id);
      send_missed_call (session, m);
    }
  for (guint i = events->pending->len; i-- > 0;)
    {
      DuetCallRecord *p = g_ptr_array_index (events->pending, i);
      DuetCallParty party = duet_call_record_get_party (p, account);

      if (party == DUET_CALL_PARTY_CALLEE && callee_gets_missed_call (p))
        {
          if (!g_hash_table_contains (told, p->call_id))
            send_missed_call (session, p);
        }
      else
        g_ptr_array_add (ended, p);
    }
  for (guint i = 0; i < ended->len; i++)
    {
      DuetCallRecord *e = g_ptr_array_index (ended, i);

      send_disconnected (session, e, ender_of (e) != duet_call_record_get_party (e, account));
    }

  if (events->pending->len > 0 &&
      !duet_store_clear_pending (DUET_STORE (source), account, duet_session_get_device_id (session), &error))
    g_warning ("Cannot clear pending events: %s", error->message);
}

/* A device that signs in: it rings at once if its user's call is still
 * ringing; what it missed follows when the store has it */
void
duet_call_router_deliver_pending (DuetCallRouter *self,
                                  DuetSession    *session,
                                  gint64          last_seen_ms)
{
  DuetCallRecord *call = duet_call_router_lookup_user_call (self, duet_session_get_service (session),
                                                            duet_session_get_user (session));

  if (call != NULL)
    ring_device (self, call, session);
  duet_store_load_events_async (self->store, duet_session_get_account_id (session),
                                duet_session_get_device_id (session), last_seen_ms,
                                self->options.missed_calls_max, NULL, on_events_loaded,
                                store_request_new (session, NULL));
}

/* ---- ending calls ----------------------------------------------------- */

static gboolean
on_grace_timeout (gpointer user_data)
{
  CallTimer *timer = user_data;

  g_message ("Call %s: %s did not come back", timer->call->call_id,
             duet_call_record_party_user (timer->call, timer->party));
  timer->call->grace_timer[timer->party] = 0;
  duet_call_router_end_call (timer->router, timer->call, DUET_DISCONNECT_REASON_NETWORK_UNSTABLE,
                             DUET_DISCONNECT_SOURCE_CLOUD_SERVER);
  return G_SOURCE_REMOVE;
}

static void
start_grace_timer (DuetCallRouter *self,
                   DuetCallRecord *call,
                   DuetCallParty   party)
{
  CallTimer *timer;

  if (call->grace_timer[party] != 0)
    return;

  timer = g_new0 (CallTimer, 1);
  timer->router = self;
  timer->call = call;
  timer->party = party;
  call->grace_timer[party] = g_timeout_add_full (G_PRIORITY_DEFAULT,
                                                 self->options.grace_period * 1000,
                                                 on_grace_timeout, timer, g_free);
}

/* A device of the user signed in again: its part of the call goes on */
void
duet_call_router_device_came_back (DuetCallRouter *self,
                                   DuetCallRecord *call,
                                   DuetSession    *session)
{
  DuetCallParty party = duet_session_get_call_party (session, call);

  if (party != DUET_CALL_PARTY_NONE)
    g_clear_handle_id (&call->grace_timer[party], g_source_remove);
}

/* A device lost its connection: its party's grace period starts, except
 * that a callee whose other devices still ring is still there */
void
duet_call_router_device_went_away (DuetCallRouter *self,
                                   DuetCallRecord *call,
                                   DuetSession    *session)
{
  DuetCallParty party = duet_session_get_call_party (session, call);

  if (party == DUET_CALL_PARTY_NONE)
    return;
  if (party == DUET_CALL_PARTY_CALLEE && !is_answered (call))
    {
      g_autoptr(GPtrArray) ringing = ringing_sessions (self, call);

      if (ringing->len > 0)
        return;
    }
  start_grace_timer (self, call, party);
}

/* A device signed out cannot come back: the call it is in ends at once;
 * one that only rang stops ringing */
void
duet_call_router_device_signed_out (DuetCallRouter *self,
                                    DuetCallRecord *call,
                                    gint64          account_id,
                                    const char     *device_id)
{
  DuetCallParty party = duet_call_record_get_device_party (call, account_id, device_id);
  g_autoptr(GPtrArray) ringing = NULL;

  if (party == DUET_CALL_PARTY_NONE)
    return;
  if (party == DUET_CALL_PARTY_CALLER || is_answered (call))
    {
      duet_call_router_end_call (self, call, DUET_DISCONNECT_REASON_AUTH_ERROR,
                                 DUET_DISCONNECT_SOURCE_CLOUD_SERVER);
      return;
    }

  g_ptr_array_remove (call->legs, duet_call_record_find_leg (call, device_id));
  if (g_strcmp0 (call->callee_device, device_id) == 0)
    g_clear_pointer (&call->callee_device, g_free);
  ringing = ringing_sessions (self, call);
  if (ringing->len == 0)
    start_grace_timer (self, call, DUET_CALL_PARTY_CALLEE);
}

static void
unindex_call (DuetCallRouter *self,
              DuetCallRecord *call)
{
  for (DuetCallParty party = DUET_CALL_PARTY_CALLER; party <= DUET_CALL_PARTY_CALLEE; party++)
    {
      g_autofree char *key = duet_call_record_party_key (call, party);

      if (g_hash_table_lookup (self->user_calls, key) == call)
        g_hash_table_remove (self->user_calls, key);
    }
}

/* Refused at make_call: every device of the callee hears of it as a
 * missed call now, or at its next sign-in */
static void
tell_refused_callee (DuetCallRouter *self,
                     DuetCallRecord *call)
{
  g_autoptr(GPtrArray) sessions = duet_call_host_user_sessions (self->host, call->callee_service,
                                                                call->callee_user);

  call->callee_pending = FALSE;
  for (guint i = 0; i < sessions->len; i++)
    send_missed_call (g_ptr_array_index (sessions, i), call);
}

/* Ended before the answer: each device that rang hears why; when one of
 * them declined, the others hear it was on another device. The device
 * that set up media keeps the end for its return; the others learn of a
 * missed call at their next sign-in. */
static void
tell_ringing_devices (DuetCallRouter *self,
                      DuetCallRecord *call,
                      DuetCallParty   ender)
{
  g_autoptr(GPtrArray) ringing = ringing_sessions (self, call);
  gboolean declined = ender == DUET_CALL_PARTY_CALLEE && call->ender_device != NULL;
  DuetSession *lead = party_session (self, call, DUET_CALL_PARTY_CALLEE);

  call->callee_pending = call->callee_device != NULL && (lead == NULL || !duet_session_is_open (lead));
  for (guint i = 0; i < ringing->len; i++)
    {
      DuetSession *session = g_ptr_array_index (ringing, i);

      if (declined && g_strcmp0 (duet_session_get_device_id (session), call->ender_device) != 0)
        send_multidevice_end (session, call, DUET_DISCONNECT_REASON_MULTIDEV_DECLINE);
      else
        send_disconnected (session, call, ender != DUET_CALL_PARTY_CALLEE);
    }
}

/* Tells both parties (or keeps it for when they return), stores, forgets.
 * @source says who ended it, as PlanetKit reports 1-to-1 calls: a party,
 * or CLOUD_SERVER (remote to both) */
void
duet_call_router_end_call (DuetCallRouter       *self,
                           DuetCallRecord       *call,
                           DuetDisconnectReason  reason,
                           DuetDisconnectSource  source)
{
  /* keeps CALL alive until we return, after the tables drop it */
  g_autoptr(DuetCallRecord) ref = duet_call_record_ref (call);
  DuetSession *caller, *callee;
  DuetCallParty ender;

  (void) ref;  /* only held; clang's -Wunused-variable (-Werror in tools/fuzz) */
  remove_call_timers (call);
  call->state = DUET_CALL_RECORD_STATE_ENDED;
  call->ended_at = now_ms ();
  call->reason = reason;
  call->source = source;
  ender = ender_of (call);
  unindex_call (self, call);

  g_message ("Call %s ended: %s by %s", call->call_id,
             duet_disconnect_reason_to_string (reason), duet_disconnect_source_to_string (source));

  caller = party_session (self, call, DUET_CALL_PARTY_CALLER);
  call->caller_pending = caller == NULL || !duet_session_is_open (caller);
  if (!call->caller_pending)
    send_disconnected (caller, call, ender != DUET_CALL_PARTY_CALLER);

  if (call->refused)
    tell_refused_callee (self, call);
  else if (is_answered (call))
    {
      callee = party_session (self, call, DUET_CALL_PARTY_CALLEE);
      call->callee_pending = callee == NULL || !duet_session_is_open (callee);
      if (!call->callee_pending)
        send_disconnected (callee, call, ender != DUET_CALL_PARTY_CALLEE);
    }
  else
    tell_ringing_devices (self, call, ender);

  save_call (self, call);
  self->metrics->active_calls--;
  duet_metrics_call_ended (self->metrics, reason);
  g_hash_table_remove (self->calls, call->call_id);
}

static gboolean
on_ring_timeout (gpointer user_data)
{
  CallTimer *timer = user_data;

  /* PlanetKit: the caller's kit gives up ringing, so the caller ends it */
  timer->call->ring_timer = 0;
  duet_call_router_end_call (timer->router, timer->call, DUET_DISCONNECT_REASON_NOANSWER,
                             DUET_DISCONNECT_SOURCE_CALLER);
  return G_SOURCE_REMOVE;
}

/* ---- requests --------------------------------------------------------- */

typedef void (*RequestHandler) (DuetCallRouter *self,
                                DuetSession *session,
                                JsonObject  *message,
                                const char  *id);

static void
reply_empty (DuetSession *session,
             const char  *id)
{
  duet_session_send (session, duet_empty_reply_build (id));
}

static void
reply_start_failed (DuetSession         *session,
                    const char          *id,
                    DuetProtocolError    code,
                    DuetStartFailReason  reason,
                    const char          *detail,
                    const char          *message)
{
  DuetErrorMessage error = {
    .code = code,
    .message = (char *) message,
    .detail = (char *) detail,
    .start_fail_reason = reason,
  };

  duet_session_send_error_message (session, id, &error);
}

/* What the parser cannot know: who the peer is, and whether it exists */
static gboolean
check_make_call (DuetCallRouter      *self,
                 DuetSession         *session,
                 const char          *id,
                 DuetMakeCallRequest *request,
                 gint64              *out_peer_id)
{
  const char *me = duet_session_get_user (session);
  const char *my_service = duet_session_get_service (session);
  g_autoptr(GError) error = NULL;
  DuetCallRecord *mine;

  if (request->peer_service == NULL)
    request->peer_service = g_strdup (my_service);

  if (g_str_equal (request->peer_user, me) && g_str_equal (request->peer_service, my_service))
    {
      reply_start_failed (session, id, DUET_PROTOCOL_ERROR_START_FAILED,
                          DUET_START_FAIL_REASON_ID_CONFLICT, NULL, "You cannot call yourself");
      return FALSE;
    }
  if (!duet_store_lookup_user (self->store, request->peer_service, request->peer_user, out_peer_id,
                               NULL, NULL, &error))
    {
      g_autofree char *text = g_strdup_printf ("There is no user “%s” in service “%s”",
                                               request->peer_user, request->peer_service);
      if (!g_error_matches (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND))
        duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_INTERNAL, "Database error");
      else
        reply_start_failed (session, id, DUET_PROTOCOL_ERROR_START_FAILED,
                            DUET_START_FAIL_REASON_UNKNOWN_PEER, NULL, text);
      return FALSE;
    }
  if ((mine = any_user_call (self, my_service, me)) != NULL &&
      duet_session_get_call_party (session, mine) != DUET_CALL_PARTY_NONE)
    {
      reply_start_failed (session, id, DUET_PROTOCOL_ERROR_START_FAILED,
                          DUET_START_FAIL_REASON_ALREADY_EXIST, NULL, "You already have a call");
      return FALSE;
    }
  return TRUE;
}

/* The user is in a call on another device: PlanetKit starts the call and
 * ends it at once with MULTIDEV_IN_USE. Nothing is kept, and the callee
 * hears nothing. */
static gboolean
refuse_in_use (DuetCallRouter *self,
               DuetSession    *session,
               const char     *id)
{
  g_autofree char *call_id = NULL;
  DuetMakeCallReply reply;
  DuetDisconnectedEvent event;

  if (any_user_call (self, duet_session_get_service (session), duet_session_get_user (session)) == NULL)
    return FALSE;

  call_id = g_uuid_string_random ();
  reply = (DuetMakeCallReply) { .call_id = call_id, .state = DUET_WIRE_CALL_STATE_WAITING };
  event = (DuetDisconnectedEvent) {
    .call_id = call_id,
    .reason = DUET_DISCONNECT_REASON_MULTIDEV_IN_USE,
    .source = DUET_DISCONNECT_SOURCE_CLOUD_SERVER,
    .by_remote = TRUE,
  };
  duet_session_send (session, duet_make_call_reply_build (id, &reply));
  duet_session_send (session, duet_disconnected_event_build (&event));
  return TRUE;
}

static void
note_new_call_of (DuetCallRouter *self,
                  gint64          account_id)
{
  g_hash_table_add (self->new_calls_of, g_memdup2 (&account_id, sizeof account_id));
}

static DuetCallRecord *
new_call (DuetCallRouter *self,
          DuetSession    *caller,
          const char     *peer_user,
          const char     *peer_service,
          gint64          peer_id,
          DuetMediaType   media)
{
  DuetCallRecord *call = duet_call_record_new ();

  call->call_id = g_uuid_string_random ();
  call->caller_id = duet_session_get_account_id (caller);
  call->callee_id = peer_id;
  note_new_call_of (self, call->caller_id);
  note_new_call_of (self, call->callee_id);
  call->caller_user = g_strdup (duet_session_get_user (caller));
  call->caller_service = g_strdup (duet_session_get_service (caller));
  call->caller_device = g_strdup (duet_session_get_device_id (caller));
  call->callee_user = g_strdup (peer_user);
  call->callee_service = g_strdup (peer_service);
  call->media_type = media;
  call->state = DUET_CALL_RECORD_STATE_WAITING;
  call->invited_at = now_ms ();
  return call;
}

/* Calls cost the callee (a ring, a missed call, history rows), so each
 * account may place only so many, however it reconnects */
static gboolean
take_call_budget (DuetCallRouter *self,
                  DuetSession    *session,
                  const char     *id)
{
  DuetTokenBucket *budget = duet_call_host_call_budget (self->host, duet_session_get_account_id (session));
  DuetErrorMessage error;

  if (duet_token_bucket_take (budget))
    return TRUE;

  self->metrics->calls_rate_limited++;
  error = (DuetErrorMessage) {
    .code = DUET_PROTOCOL_ERROR_RATE_LIMITED,
    .message = "Too many calls in a short time; try again later",
    .start_fail_reason = DUET_START_FAIL_REASON_TOO_MANY_CALLS,
    .retry_after = duet_token_bucket_retry_after (budget),
  };
  duet_session_send_error_message (session, id, &error);
  return FALSE;
}

static void
handle_make_call (DuetCallRouter *self,
                  DuetSession    *session,
                  JsonObject     *message,
                  const char     *id)
{
  g_auto(DuetMakeCallRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  DuetCallRecord *call, *peer_call;
  DuetMakeCallReply reply;
  g_autoptr(GPtrArray) callees = NULL;
  CallTimer *timer;
  gint64 peer_id = 0;

  if (!duet_make_call_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  if (!check_make_call (self, session, id, &request, &peer_id) ||
      refuse_in_use (self, session, id) ||
      !take_call_budget (self, session, id))
    return;

  call = new_call (self, session, request.peer_user, request.peer_service, peer_id, request.media_type);
  if (!duet_store_save_call (self->store, call, &error))
    {
      g_warning ("Cannot store call: %s", error->message);
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_INTERNAL, "Database error");
      duet_call_record_unref (call);
      return;
    }

  g_hash_table_insert (self->calls, call->call_id, call);
  self->metrics->active_calls++;
  self->metrics->calls_started++;
  g_message ("Call %s: %s/%s → %s/%s", call->call_id, call->caller_service, call->caller_user,
             call->callee_service, call->callee_user);

  reply = (DuetMakeCallReply) { .call_id = call->call_id, .state = DUET_WIRE_CALL_STATE_WAITING };
  duet_session_send (session, duet_make_call_reply_build (id, &reply));

  /* Refused before the callee hears of it, with PlanetKit's sources: BUSY
   * comes from the callee, ALREADY_GOT_A_CALL from the cloud */
  peer_call = any_user_call (self, call->callee_service, call->callee_user);
  if (peer_call != NULL)
    {
      call->refused = TRUE;
      if (peer_call->state == DUET_CALL_RECORD_STATE_CONNECTED)
        duet_call_router_end_call (self, call, DUET_DISCONNECT_REASON_BUSY, DUET_DISCONNECT_SOURCE_CALLEE);
      else
        duet_call_router_end_call (self, call, DUET_DISCONNECT_REASON_ALREADY_GOT_A_CALL,
                                   DUET_DISCONNECT_SOURCE_CLOUD_SERVER);
      return;
    }

  g_hash_table_insert (self->user_calls, duet_call_record_party_key (call, DUET_CALL_PARTY_CALLER), call);
  g_hash_table_insert (self->user_calls, duet_call_record_party_key (call, DUET_CALL_PARTY_CALLEE), call);
  call_changed (self, call);

  timer = g_new0 (CallTimer, 1);
  timer->router = self;
  timer->call = call;
  call->ring_timer = g_timeout_add_full (G_PRIORITY_DEFAULT, self->options.ring_timeout * 1000,
                                         on_ring_timeout, timer, g_free);

  /* every device of the callee that is online rings */
  callees = duet_call_host_user_sessions (self->host, call->callee_service, call->callee_user);
  for (guint i = 0; i < callees->len; i++)
    ring_device (self, call, g_ptr_array_index (callees, i));
}

static void
cc_param_refused (DuetSession         *session,
                  const char          *id,
                  const char          *detail,
                  DuetStartFailReason  reason,
                  const char          *message)
{
  reply_start_failed (session, id, DUET_PROTOCOL_ERROR_INVALID_CC_PARAM, reason, detail, message);
}

/* The call @text names, if it may be verified by @session; else answers */
static DuetCallRecord *
check_cc_param (DuetCallRouter  *self,
                DuetSession     *session,
                const char      *id,
                const char      *text,
                DuetCallLeg    **out_leg)
{
  g_autoptr(DuetCcParam) cc = NULL;
  DuetCallRecord *call;
  DuetCallLeg *leg;

  /* The order of the checks is part of the protocol */
  cc = duet_cc_param_new_from_string (text, NULL);
  if (cc == NULL)
    {
      cc_param_refused (session, id, "malformed", DUET_START_FAIL_REASON_DECODE_CALL_PARAM,
                        "The cc_param cannot be read");
      return NULL;
    }
  if (!duet_cc_param_check_signature (cc, self->cc_key, sizeof self->cc_key))
    {
      cc_param_refused (session, id, "bad_signature", DUET_START_FAIL_REASON_DECODE_CALL_PARAM,
                        "The cc_param was not signed by this server");
      return NULL;
    }
  if (duet_cc_param_get_expires_at (cc) <= (g_get_real_time () / G_USEC_PER_SEC))
    {
      cc_param_refused (session, id, "expired", DUET_START_FAIL_REASON_INVALID_PARAM,
                        "The cc_param has expired");
      return NULL;
    }
  if (g_strcmp0 (duet_cc_param_get_callee_user (cc), duet_session_get_user (session)) != 0 ||
      g_strcmp0 (duet_cc_param_get_callee_service (cc), duet_session_get_service (session)) != 0)
    {
      cc_param_refused (session, id, "wrong_user", DUET_START_FAIL_REASON_INVALID_PARAM,
                        "The cc_param is for another user");
      return NULL;
    }

  if (g_strcmp0 (duet_cc_param_get_callee_device (cc), duet_session_get_device_id (session)) != 0)
    {
      cc_param_refused (session, id, "wrong_device", DUET_START_FAIL_REASON_INVALID_PARAM,
                        "The cc_param is for another of your devices");
      return NULL;
    }

  call = g_hash_table_lookup (self->calls, duet_cc_param_get_call_id (cc));
  leg = call != NULL ? duet_call_record_find_leg (call, duet_session_get_device_id (session)) : NULL;
  if (leg != NULL && leg->verified)
    {
      cc_param_refused (session, id, "replayed", DUET_START_FAIL_REASON_REUSE,
                        "The cc_param was already used");
      return NULL;
    }
  /* answered on another device, or this one stopped ringing */
  if (call == NULL || leg == NULL || call->state == DUET_CALL_RECORD_STATE_ENDED || is_answered (call))
    {
      cc_param_refused (session, id, "call_ended", DUET_START_FAIL_REASON_INVALID_PARAM,
                        "The call has ended");
      return NULL;
    }
  *out_leg = leg;
  return call;
}

static void
handle_verify_call (DuetCallRouter *self,
                    DuetSession    *session,
                    JsonObject     *message,
                    const char     *id)
{
  g_auto(DuetVerifyCallRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  DuetVerifyCallReply reply;
  DuetVerifiedEvent verified;
  DuetCallRecord *call;
  DuetCallLeg *leg = NULL;
  DuetSession *caller;
  gboolean first;

  if (!duet_verify_call_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  call = check_cc_param (self, session, id, request.cc_param, &leg);
  if (call == NULL)
    return;

  /* the first device to verify sets up media with the caller while the
   * others ring */
  leg->verified = TRUE;
  first = call->state == DUET_CALL_RECORD_STATE_WAITING;
  if (first)
    {
      call->state = DUET_CALL_RECORD_STATE_RINGING;
      call->verified_at = now_ms ();
      call->callee_prepares = request.use_responder_preparation;
      g_free (call->callee_device);
      call->callee_device = g_strdup (duet_session_get_device_id (session));
      save_call (self, call);
    }

  reply = (DuetVerifyCallReply) {
    .call_id = call->call_id,
    .caller_user = call->caller_user,
    .caller_service = call->caller_service,
    .media_type = call->media_type,
  };
  duet_session_send (session, duet_verify_call_reply_build (id, &reply));
  if (!first)
    {
      call_changed (self, call);
      return;
    }

  caller = party_session (self, call, DUET_CALL_PARTY_CALLER);
  verified = (DuetVerifiedEvent) {
    .call_id = call->call_id,
    .peer_use_responder_preparation = call->callee_prepares,
  };
  if (caller != NULL)
    duet_session_send (caller, duet_verified_event_build (&verified));
}

/* Same answer for "no such call" and "not yours": calls cannot be probed */
static DuetCallRecord *
lookup_own_call (DuetCallRouter *self,
                 DuetSession    *session,
                 const char     *call_id,
                 const char     *id,
                 DuetCallParty  *out_party)
{
  DuetCallRecord *call = g_hash_table_lookup (self->calls, call_id);

  if (call != NULL)
    *out_party = duet_session_get_call_party (session, call);
  if (call == NULL || *out_party == DUET_CALL_PARTY_NONE)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_NO_SUCH_CALL, "There is no such call");
      return NULL;
    }
  return call;
}

/* The sender's call, which must be connected (media_state, short_data) */
static DuetCallRecord *
lookup_own_connected_call (DuetCallRouter *self,
                           DuetSession    *session,
                           const char     *call_id,
                           const char     *id,
                           DuetCallParty  *out_party)
{
  DuetCallRecord *call = lookup_own_call (self, session, call_id, id, out_party);

  if (call != NULL && call->state != DUET_CALL_RECORD_STATE_CONNECTED)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE, "The call is not connected");
      return NULL;
    }
  return call;
}

static DuetCallParty
other_party (DuetCallParty party)
{
  return party == DUET_CALL_PARTY_CALLER ? DUET_CALL_PARTY_CALLEE : DUET_CALL_PARTY_CALLER;
}

/* Both learn whether the callee prepares; only the callee must finish */
static void
send_connected (DuetCallRouter *self,
                DuetCallRecord *call,
                DuetCallParty   party,
                gboolean        renegotiate)
{
  DuetSession *session = party_session (self, call, party);
  DuetConnectedEvent event = {
    .call_id = call->call_id,
    .is_in_responder_preparation = call->in_preparation,
    .should_finish_preparation = call->in_preparation && party == DUET_CALL_PARTY_CALLEE,
    .renegotiate = renegotiate && party == DUET_CALL_PARTY_CALLER,
  };

  if (session != NULL)
    duet_session_send (session, duet_connected_event_build (&event));
}

static void
handle_accept_call (DuetCallRouter *self,
                    DuetSession    *session,
                    JsonObject     *message,
                    const char     *id)
{
  g_auto(DuetAcceptCallRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) others = NULL;
  const char *device = duet_session_get_device_id (session);
  DuetCallParty party = DUET_CALL_PARTY_NONE;
  DuetCallRecord *call;
  DuetCallLeg *leg;
  gboolean renegotiate;

  if (!duet_accept_call_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  call = lookup_own_call (self, session, request.call_id, id, &party);
  if (call == NULL)
    return;
  if (party != DUET_CALL_PARTY_CALLEE)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE, "Only the callee can accept");
      return;
    }
  leg = duet_call_record_find_leg (call, device);
  if (call->state != DUET_CALL_RECORD_STATE_RINGING || leg == NULL || !leg->verified)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE, "The call is not ringing");
      return;
    }

  /* first answer wins; media was set up with the first device to verify */
  renegotiate = g_strcmp0 (call->callee_device, device) != 0;
  others = ringing_sessions (self, call);
  g_clear_pointer (&call->legs, g_ptr_array_unref);
  g_clear_handle_id (&call->ring_timer, g_source_remove);
  g_clear_handle_id (&call->grace_timer[DUET_CALL_PARTY_CALLEE], g_source_remove);
  g_free (call->callee_device);
  call->callee_device = g_strdup (device);
  call->state = DUET_CALL_RECORD_STATE_CONNECTED;
  call->answered_at = now_ms ();
  call->in_preparation = request.use_responder_preparation;
  save_call (self, call);

  reply_empty (session, id);
  send_connected (self, call, DUET_CALL_PARTY_CALLER, renegotiate);
  send_connected (self, call, DUET_CALL_PARTY_CALLEE, FALSE);
  for (guint i = 0; i < others->len; i++)
    if (g_ptr_array_index (others, i) != session)
      send_multidevice_end (g_ptr_array_index (others, i), call, DUET_DISCONNECT_REASON_MULTIDEV_ANSWER);
}

/* Reasons a client may name in duet_call_router_end_call, besides the default one */
static gboolean
end_reason_allowed (DuetCallRecord       *call,
                    DuetCallParty         party,
                    DuetDisconnectReason  reason,
                    DuetDisconnectReason  default_reason)
{
  if (reason == default_reason)
    return TRUE;

  switch (reason)
    {
    case DUET_DISCONNECT_REASON_DECLINE:
    case DUET_DISCONNECT_REASON_BUSY:
      return party == DUET_CALL_PARTY_CALLEE && call->state != DUET_CALL_RECORD_STATE_CONNECTED;
    case DUET_DISCONNECT_REASON_NETWORK_UNSTABLE:
    case DUET_DISCONNECT_REASON_INTERNAL_KIT_ERROR:
    case DUET_DISCONNECT_REASON_AUDIO_TX_NO_SRC:
    case DUET_DISCONNECT_REASON_USER_ERROR:
    case DUET_DISCONNECT_REASON_APP_DESTROY:
    case DUET_DISCONNECT_REASON_SYSTEM_SLEEP:
    case DUET_DISCONNECT_REASON_SYSTEM_LOGOFF:
    case DUET_DISCONNECT_REASON_DESKTOP_SCREEN_LOCKED:
      return TRUE;
    default:
      return FALSE;
    }
}

static void
handle_end_call (DuetCallRouter *self,
                 DuetSession    *session,
                 JsonObject     *message,
                 const char     *id)
{
  g_auto(DuetEndCallRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  DuetCallParty party = DUET_CALL_PARTY_NONE;
  DuetDisconnectReason reason;
  DuetCallRecord *call;

  if (!duet_end_call_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  call = lookup_own_call (self, session, request.call_id, id, &party);
  if (call == NULL)
    return;

  if (call->state == DUET_CALL_RECORD_STATE_CONNECTED)
    reason = DUET_DISCONNECT_REASON_NORMAL;
  else
    reason = party == DUET_CALL_PARTY_CALLER ? DUET_DISCONNECT_REASON_CANCEL
                                             : DUET_DISCONNECT_REASON_DECLINE;
  if (request.reason != 0)
    {
      if (!end_reason_allowed (call, party, request.reason, reason))
        {
          duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                                   "This reason cannot be used here");
          return;
        }
      reason = request.reason;
    }

  call->user_code = g_steal_pointer (&request.user_code);
  call->ender_device = g_strdup (duet_session_get_device_id (session));
  reply_empty (session, id);
  duet_call_router_end_call (self, call, reason, party_source (party));
}

static void
handle_signal (DuetCallRouter *self,
               DuetSession    *session,
               JsonObject     *message,
               const char     *id)
{
  g_auto(DuetSignalRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  DuetCallParty party = DUET_CALL_PARTY_NONE;
  DuetSignalEvent event;
  DuetCallRecord *call;
  DuetSession *peer;

  if (!duet_signal_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  call = lookup_own_call (self, session, request.call_id, id, &party);
  if (call == NULL)
    return;
  if (call->state != DUET_CALL_RECORD_STATE_RINGING && call->state != DUET_CALL_RECORD_STATE_CONNECTED)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE,
                               "Signalling starts once the callee has verified");
      return;
    }
  /* calls kept from before devices have none: any device of the party */
  if (party == DUET_CALL_PARTY_CALLEE && (call->callee_device != NULL || !is_answered (call)) &&
      g_strcmp0 (call->callee_device, duet_session_get_device_id (session)) != 0)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE,
                               "Another of your devices sets up this call");
      return;
    }

  reply_empty (session, id);

  /* rebuilt from what was parsed: only the payload's own fields go on */
  peer = party_session (self, call, other_party (party));
  event = (DuetSignalEvent) { .call_id = call->call_id, .payload = request.payload };
  if (peer != NULL)
    duet_session_send (peer, duet_signal_event_build (&event));
}

static void
handle_media_state (DuetCallRouter *self,
                    DuetSession    *session,
                    JsonObject     *message,
                    const char     *id)
{
  g_auto(DuetMediaStateRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  DuetCallParty party = DUET_CALL_PARTY_NONE;
  DuetPeerMediaStateEvent event;
  DuetCallRecord *call;
  DuetSession *peer;

  if (!duet_media_state_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  call = lookup_own_connected_call (self, session, request.call_id, id, &party);
  if (call == NULL)
    return;

  reply_empty (session, id);

  peer = party_session (self, call, other_party (party));
  event = (DuetPeerMediaStateEvent) {
    .call_id = call->call_id,
    .has_mic_muted = request.has_mic_muted,
    .mic_muted = request.mic_muted,
    .has_video_state = request.has_video_state,
    .video_state = request.video_state,
    .reason = request.reason,
  };
  if (peer != NULL)
    duet_session_send (peer, duet_peer_media_state_event_build (&event));
}

/* PlanetKit's finishPreparation(): the callee that accepted with
 * use_responder_preparation is ready; the caller hears of it */
static void
handle_finish_preparation (DuetCallRouter *self,
                           DuetSession    *session,
                           JsonObject     *message,
                           const char     *id)
{
  g_auto(DuetFinishPreparationRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  DuetCallParty party = DUET_CALL_PARTY_NONE;
  DuetPreparationFinishedEvent event;
  DuetCallRecord *call;
  DuetSession *caller;

  if (!duet_finish_preparation_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  call = lookup_own_call (self, session, request.call_id, id, &party);
  if (call == NULL)
    return;
  if (party != DUET_CALL_PARTY_CALLEE || call->state != DUET_CALL_RECORD_STATE_CONNECTED || !call->in_preparation)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE,
                               "Only the callee of a call in responder preparation can finish it");
      return;
    }

  call->in_preparation = FALSE;
  call_changed (self, call);
  reply_empty (session, id);

  caller = party_session (self, call, DUET_CALL_PARTY_CALLER);
  event = (DuetPreparationFinishedEvent) { .call_id = call->call_id };
  if (caller != NULL)
    duet_session_send (caller, duet_preparation_finished_event_build (&event));
}

/* PlanetKit's sendShortData(): relayed to the peer's connection, or refused */
static void
handle_short_data (DuetCallRouter *self,
                   DuetSession    *session,
                   JsonObject     *message,
                   const char     *id)
{
  g_auto(DuetShortDataRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  DuetCallParty party = DUET_CALL_PARTY_NONE;
  DuetShortDataEvent event;
  DuetCallRecord *call;
  DuetSession *peer;

  if (!duet_short_data_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  call = lookup_own_connected_call (self, session, request.call_id, id, &party);
  if (call == NULL)
    return;
  peer = party_session (self, call, other_party (party));
  if (peer == NULL || !duet_session_is_open (peer))
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE, "The peer is not connected");
      return;
    }

  event = (DuetShortDataEvent) {
    .call_id = call->call_id,
    .data_type = request.data_type,
    .data = request.data,
  };
  duet_session_send (peer, duet_short_data_event_build (&event));
  reply_empty (session, id);
}

static void
on_history_loaded (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(StoreRequest) request = user_data;
  g_auto(DuetHistoryReply) reply = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) calls = duet_store_load_history_finish (DUET_STORE (source), result, &error);

  if (!duet_session_is_open (request->session))
    return;
  if (calls == NULL)
    {
      g_warning ("Cannot load history: %s", error->message);
      duet_session_send_error (request->session, request->id, DUET_PROTOCOL_ERROR_INTERNAL, "Database error");
      return;
    }

  reply.calls = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_history_entry_free);
  for (guint i = 0; i < calls->len; i++)
    {
      DuetCallRecord *call = g_ptr_array_index (calls, i);

      g_ptr_array_add (reply.calls, duet_call_record_to_history (call, duet_call_record_get_party (call, request->account)));
    }
  duet_session_send (request->session, duet_history_reply_build (request->id, &reply));
}

static void
handle_history (DuetCallRouter *self,
                DuetSession    *session,
                JsonObject     *message,
                const char     *id)
{
  g_auto(DuetHistoryRequest) request = { 0 };
  g_autoptr(GError) error = NULL;

  if (!duet_history_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  duet_store_load_history_async (self->store, duet_session_get_account_id (session), request.before,
                                 request.limit, NULL, on_history_loaded, store_request_new (session, id));
}

static const RequestHandler request_handlers[] = {
  [DUET_REQUEST_MAKE_CALL] = handle_make_call,
  [DUET_REQUEST_VERIFY_CALL] = handle_verify_call,
  [DUET_REQUEST_ACCEPT_CALL] = handle_accept_call,
  [DUET_REQUEST_END_CALL] = handle_end_call,
  [DUET_REQUEST_SIGNAL] = handle_signal,
  [DUET_REQUEST_MEDIA_STATE] = handle_media_state,
  [DUET_REQUEST_HISTORY] = handle_history,
  [DUET_REQUEST_FINISH_PREPARATION] = handle_finish_preparation,
  [DUET_REQUEST_SHORT_DATA] = handle_short_data,
};

/* The call a request is about, if it names one: verify_call names it in
 * its cc_param, whose checks are the owner's */
static char *
request_call_id (DuetRequestType  request,
                 JsonObject      *message)
{
  const char *text;
  g_autoptr(DuetCcParam) cc = NULL;

  if (request == DUET_REQUEST_MAKE_CALL || request == DUET_REQUEST_HISTORY)
    return NULL;
  if (request != DUET_REQUEST_VERIFY_CALL)
    return g_strdup (json_object_get_string_member_with_default (message, "call_id", NULL));

  text = json_object_get_string_member_with_default (message, "cc_param", NULL);
  cc = text != NULL ? duet_cc_param_new_from_string (text, NULL) : NULL;
  return cc != NULL ? g_strdup (duet_cc_param_get_call_id (cc)) : NULL;
}

/**
 * duet_call_router_device_arrived:
 *
 * A device of a user in one of our calls signed in to another node:
 * as duet_call_router_device_came_back(), and it rings if it should.
 */
void
duet_call_router_device_arrived (DuetCallRouter *self,
                                 DuetSession    *session)
{
  DuetCallRecord *call = duet_call_router_lookup_user_call (self, duet_session_get_service (session),
                                                            duet_session_get_user (session));

  if (call == NULL)
    return;
  duet_call_router_device_came_back (self, call, session);
  ring_device (self, call, session);
}

/**
 * duet_call_router_handle_request:
 *
 * Handles @message if it is a call request (making, answering and ending
 * calls, their signals and media state, history) from a signed-in @session.
 *
 * Returns: FALSE if @type is not one of them, for the caller to handle
 */
gboolean
duet_call_router_handle_request (DuetCallRouter *self,
                                 DuetSession    *session,
                                 JsonObject     *message,
                                 const char     *type,
                                 const char     *id)
{
  DuetRequestType request = duet_request_type_from_string (type);
  g_autofree char *call_id = NULL;

  if ((guint) request >= G_N_ELEMENTS (request_handlers) || request_handlers[request] == NULL)
    return FALSE;

  /* a call another node owns is that node's to answer (never forwarded
   * twice: a stand-in's request came from another node) */
  call_id = request_call_id (request, message);
  if (call_id != NULL && !duet_session_is_remote (session) &&
      !g_hash_table_contains (self->calls, call_id) &&
      duet_call_host_forward_request (self->host, session, call_id, message))
    return TRUE;

  request_handlers[request] (self, session, message, id);
  return TRUE;
}

/* ---- life cycle ------------------------------------------------------- */

/**
 * duet_call_router_adopt_call:
 *
 * Takes on a call that no router has (after a restart, or when its node
 * died): a connected call goes on, and the grace period starts for each
 * party that has no device in it signed in; a call that was still
 * ringing ends, as its ring state is lost.
 */
void
duet_call_router_adopt_call (DuetCallRouter *self,
                             DuetCallRecord *call)
{
  if (g_hash_table_contains (self->calls, call->call_id))
    return;

  call = duet_call_record_ref (call);
  g_hash_table_insert (self->calls, call->call_id, call);
  self->metrics->active_calls++;
  if (call->state != DUET_CALL_RECORD_STATE_CONNECTED)
    {
      duet_call_router_end_call (self, call, DUET_DISCONNECT_REASON_SERVICE_MAINTENANCE,
                                 DUET_DISCONNECT_SOURCE_CLOUD_SERVER);
      return;
    }

  g_message ("Call %s resumed here", call->call_id);
  g_hash_table_insert (self->user_calls, duet_call_record_party_key (call, DUET_CALL_PARTY_CALLER), call);
  g_hash_table_insert (self->user_calls, duet_call_record_party_key (call, DUET_CALL_PARTY_CALLEE), call);
  for (DuetCallParty party = DUET_CALL_PARTY_CALLER; party <= DUET_CALL_PARTY_CALLEE; party++)
    if (party_session (self, call, party) == NULL)
      start_grace_timer (self, call, party);
  call_changed (self, call);
}

/* Connected calls survive a restart; anything else left behind did not */
gboolean
duet_call_router_load_open_calls (DuetCallRouter  *self,
                                  GError         **error)
{
  g_autoptr(GPtrArray) calls = duet_store_load_open_calls (self->store, error);

  if (calls == NULL)
    return FALSE;

  for (guint i = 0; i < calls->len; i++)
    duet_call_router_adopt_call (self, g_ptr_array_index (calls, i));
  return TRUE;
}

/* Whether this router owns @call_id */
gboolean
duet_call_router_has_call (DuetCallRouter *self,
                           const char     *call_id)
{
  return g_hash_table_contains (self->calls, call_id);
}

/**
 * duet_call_router_list_calls:
 *
 * Returns: (transfer full) (element-type DuetCallRecord): a reference on
 *   every call, for walking them while some end
 */
GPtrArray *
duet_call_router_list_calls (DuetCallRouter *self)
{
  GPtrArray *calls = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_call_record_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (calls, duet_call_record_ref (value));
  return calls;
}

/* The accounts that placed or received a call since the last take, whose
 * history may need pruning */
GArray *
duet_call_router_take_new_callers (DuetCallRouter *self)
{
  GArray *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->new_calls_of);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_array_append_val (ids, *(gint64 *) key);
  g_hash_table_remove_all (self->new_calls_of);
  return ids;
}

/* Shutting down: connected calls stay stored, to be picked up again after
 * the restart; the others end now */
void
duet_call_router_stop (DuetCallRouter *self)
{
  g_autoptr(GPtrArray) calls = duet_call_router_list_calls (self);

  for (guint i = 0; i < calls->len; i++)
    {
      DuetCallRecord *call = g_ptr_array_index (calls, i);

      if (call->state == DUET_CALL_RECORD_STATE_CONNECTED)
        remove_call_timers (call);
      else
        duet_call_router_end_call (self, call, DUET_DISCONNECT_REASON_SERVICE_MAINTENANCE,
                                   DUET_DISCONNECT_SOURCE_CLOUD_SERVER);
    }
}

/* ---- GObject ---------------------------------------------------------- */

static void
duet_call_router_dispose (GObject *object)
{
  DuetCallRouter *self = DUET_CALL_ROUTER (object);
  GHashTableIter iter;
  gpointer value;

  if (self->calls != NULL)
    {
      g_hash_table_iter_init (&iter, self->calls);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        remove_call_timers (value);
    }
  g_clear_pointer (&self->user_calls, g_hash_table_unref);
  g_clear_pointer (&self->calls, g_hash_table_unref);
  g_clear_pointer (&self->new_calls_of, g_hash_table_unref);
  g_clear_object (&self->store);

  G_OBJECT_CLASS (duet_call_router_parent_class)->dispose (object);
}

static void
duet_call_router_finalize (GObject *object)
{
  DuetCallRouter *self = DUET_CALL_ROUTER (object);

  sodium_memzero (self->cc_key, sizeof self->cc_key);

  G_OBJECT_CLASS (duet_call_router_parent_class)->finalize (object);
}

static void
duet_call_router_class_init (DuetCallRouterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_call_router_dispose;
  object_class->finalize = duet_call_router_finalize;

  /**
   * DuetCallRouter::call-changed:
   * @call: (type DuetCallRecord): a call of ours that changed, or ended
   */
  signals[CALL_CHANGED] = g_signal_new ("call-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                        0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_POINTER);
}

static void
duet_call_router_init (DuetCallRouter *self)
{
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) duet_call_record_unref);
  self->user_calls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->new_calls_of = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

/**
 * duet_call_router_new:
 * @host: what holds the users' connections; it must outlive the router
 * @cc_key: the key cc_params are signed with (DUET_STORE_SECRET_LENGTH bytes)
 * @metrics: the counters the router keeps up to date
 */
DuetCallRouter *
duet_call_router_new (DuetCallHost                *host,
                      DuetStore                   *store,
                      const guint8                *cc_key,
                      const DuetCallRouterOptions *options,
                      DuetMetrics                 *metrics)
{
  DuetCallRouter *self = g_object_new (DUET_TYPE_CALL_ROUTER, NULL);

  self->host = host;
  self->store = g_object_ref (store);
  memcpy (self->cc_key, cc_key, sizeof self->cc_key);
  self->options = *options;
  self->metrics = metrics;
  return self;
}
