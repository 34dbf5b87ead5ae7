/* duet-call-history-entry.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DuetCallHistoryEntry"

#include "config.h"

#include "duet-call-history-entry-private.h"
#include "duet-enum-types.h"
#include "duet-kit-enum-types.h"
#include "duet-kit-error.h"

struct _DuetCallHistoryEntry
{
  GObject               parent_instance;

  char                 *call_id;
  gboolean              outgoing;
  char                 *peer_user_id;
  char                 *peer_service_id;
  DuetMediaType         media_type;
  DuetCallState         state;
  GDateTime            *invited_at;
  GDateTime            *answered_at;
  GDateTime            *ended_at;
  GTimeSpan             duration;
  DuetDisconnectReason  reason;
  DuetDisconnectSource  source;
  gboolean              missed;
  gboolean              seen;
  char                 *user_code;
};

/**
 * DuetCallHistoryEntry:
 *
 * One call of the signed-in user's history, from
 * duet_manager_fetch_history_finish(), or a call the user missed, from
 * #DuetManager::missed-call.
 */
G_DEFINE_FINAL_TYPE (DuetCallHistoryEntry, duet_call_history_entry, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CALL_ID,
  PROP_OUTGOING,
  PROP_PEER_USER_ID,
  PROP_PEER_SERVICE_ID,
  PROP_MEDIA_TYPE,
  PROP_STATE,
  PROP_INVITED_AT,
  PROP_ANSWERED_AT,
  PROP_ENDED_AT,
  PROP_DURATION,
  PROP_DISCONNECT_REASON,
  PROP_DISCONNECT_SOURCE,
  PROP_MISSED,
  PROP_SEEN,
  PROP_USER_CODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
duet_call_history_entry_finalize (GObject *object)
{
  DuetCallHistoryEntry *self = DUET_CALL_HISTORY_ENTRY (object);

  g_free (self->call_id);
  g_free (self->peer_user_id);
  g_free (self->peer_service_id);
  g_clear_pointer (&self->invited_at, g_date_time_unref);
  g_clear_pointer (&self->answered_at, g_date_time_unref);
  g_clear_pointer (&self->ended_at, g_date_time_unref);
  g_free (self->user_code);

  G_OBJECT_CLASS (duet_call_history_entry_parent_class)->finalize (object);
}

static void
duet_call_history_entry_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  DuetCallHistoryEntry *self = DUET_CALL_HISTORY_ENTRY (object);

  switch (prop_id)
    {
    case PROP_CALL_ID:           g_value_set_string (value, self->call_id); break;
    case PROP_OUTGOING:          g_value_set_boolean (value, self->outgoing); break;
    case PROP_PEER_USER_ID:      g_value_set_string (value, self->peer_user_id); break;
    case PROP_PEER_SERVICE_ID:   g_value_set_string (value, self->peer_service_id); break;
    case PROP_MEDIA_TYPE:        g_value_set_enum (value, self->media_type); break;
    case PROP_STATE:             g_value_set_enum (value, self->state); break;
    case PROP_INVITED_AT:        g_value_set_boxed (value, self->invited_at); break;
    case PROP_ANSWERED_AT:       g_value_set_boxed (value, self->answered_at); break;
    case PROP_ENDED_AT:          g_value_set_boxed (value, self->ended_at); break;
    case PROP_DURATION:          g_value_set_int64 (value, self->duration); break;
    case PROP_DISCONNECT_REASON: g_value_set_enum (value, self->reason); break;
    case PROP_DISCONNECT_SOURCE: g_value_set_enum (value, self->source); break;
    case PROP_MISSED:            g_value_set_boolean (value, self->missed); break;
    case PROP_SEEN:              g_value_set_boolean (value, self->seen); break;
    case PROP_USER_CODE:         g_value_set_string (value, self->user_code); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_call_history_entry_class_init (DuetCallHistoryEntryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = duet_call_history_entry_finalize;
  object_class->get_property = duet_call_history_entry_get_property;

  /**
   * DuetCallHistoryEntry:call-id:
   *
   * The call's id, as #DuetCall:call-id had it.
   */
  properties[PROP_CALL_ID] = g_param_spec_string ("call-id", NULL, NULL, NULL, flags);
  /**
   * DuetCallHistoryEntry:outgoing:
   *
   * Whether the user placed the call (%FALSE: the user was called).
   */
  properties[PROP_OUTGOING] = g_param_spec_boolean ("outgoing", NULL, NULL, FALSE, flags);
  /**
   * DuetCallHistoryEntry:peer-user-id:
   *
   * The other party's user id.
   */
  properties[PROP_PEER_USER_ID] = g_param_spec_string ("peer-user-id", NULL, NULL, NULL, flags);
  /**
   * DuetCallHistoryEntry:peer-service-id:
   *
   * The other party's service id.
   */
  properties[PROP_PEER_SERVICE_ID] = g_param_spec_string ("peer-service-id", NULL, NULL, NULL, flags);
  /**
   * DuetCallHistoryEntry:media-type:
   *
   * What the call was placed with: audio, video or both.
   */
  properties[PROP_MEDIA_TYPE] =
    g_param_spec_enum ("media-type", NULL, NULL, DUET_TYPE_MEDIA_TYPE, DUET_MEDIA_TYPE_UNKNOWN, flags);
  /**
   * DuetCallHistoryEntry:state:
   *
   * Where the call is: %DUET_CALL_STATE_WAITING (the callee has not
   * verified yet), %DUET_CALL_STATE_VERIFIED (ringing),
   * %DUET_CALL_STATE_CONNECTED, or %DUET_CALL_STATE_DISCONNECTED once it
   * has ended.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, DUET_TYPE_CALL_STATE, DUET_CALL_STATE_DISCONNECTED, flags);
  /**
   * DuetCallHistoryEntry:invited-at:
   *
   * When the caller placed the call.
   */
  properties[PROP_INVITED_AT] = g_param_spec_boxed ("invited-at", NULL, NULL, G_TYPE_DATE_TIME, flags);
  /**
   * DuetCallHistoryEntry:answered-at:
   *
   * When the callee accepted, or %NULL if the call was never answered.
   */
  properties[PROP_ANSWERED_AT] = g_param_spec_boxed ("answered-at", NULL, NULL, G_TYPE_DATE_TIME, flags);
  /**
   * DuetCallHistoryEntry:ended-at:
   *
   * When the call ended, or %NULL while it goes on (or when the server
   * did not say).
   */
  properties[PROP_ENDED_AT] = g_param_spec_boxed ("ended-at", NULL, NULL, G_TYPE_DATE_TIME, flags);
  /**
   * DuetCallHistoryEntry:duration:
   *
   * How long the call was connected, in microseconds (a #GTimeSpan); 0
   * for a call that was never answered.
   */
  properties[PROP_DURATION] = g_param_spec_int64 ("duration", NULL, NULL, 0, G_MAXINT64, 0, flags);
  /**
   * DuetCallHistoryEntry:disconnect-reason:
   *
   * Why the call ended; meaningful once #DuetCallHistoryEntry:state is
   * %DUET_CALL_STATE_DISCONNECTED.
   */
  properties[PROP_DISCONNECT_REASON] =
    g_param_spec_enum ("disconnect-reason", NULL, NULL, DUET_TYPE_DISCONNECT_REASON,
                       DUET_DISCONNECT_REASON_NORMAL, flags);
  /**
   * DuetCallHistoryEntry:disconnect-source:
   *
   * Who ended the call; %DUET_DISCONNECT_SOURCE_UNDEFINED while it goes
   * on or when the server did not say.
   */
  properties[PROP_DISCONNECT_SOURCE] =
    g_param_spec_enum ("disconnect-source", NULL, NULL, DUET_TYPE_DISCONNECT_SOURCE,
                       DUET_DISCONNECT_SOURCE_UNDEFINED, flags);
  /**
   * DuetCallHistoryEntry:missed:
   *
   * Whether this is an incoming call that was never answered.
   */
  properties[PROP_MISSED] = g_param_spec_boolean ("missed", NULL, NULL, FALSE, flags);
  /**
   * DuetCallHistoryEntry:seen:
   *
   * Whether one of the user's devices marked this missed call seen (see
   * duet_manager_mark_missed_call_seen()); always %FALSE for a call that
   * was not missed, and for the entry of #DuetManager::missed-call.
   */
  properties[PROP_SEEN] = g_param_spec_boolean ("seen", NULL, NULL, FALSE, flags);
  /**
   * DuetCallHistoryEntry:user-code:
   *
   * The app-defined code the call was ended with (see
   * duet_call_end_call_with_user_code()), or %NULL.
   */
  properties[PROP_USER_CODE] = g_param_spec_string ("user-code", NULL, NULL, NULL, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
duet_call_history_entry_init (DuetCallHistoryEntry *self)
{
  self->state = DUET_CALL_STATE_DISCONNECTED;
  self->reason = DUET_DISCONNECT_REASON_NORMAL;
}

/* Unix milliseconds, 0 (null on the wire) → NULL */
static GDateTime *
time_from_ms (gint64 unix_ms)
{
  g_autoptr(GDateTime) seconds = NULL;

  if (unix_ms <= 0)
    return NULL;
  seconds = g_date_time_new_from_unix_local (unix_ms / 1000);
  return seconds ? g_date_time_add (seconds, unix_ms % 1000 * 1000) : NULL;
}

static DuetCallState
state_from_wire (DuetWireCallState state)
{
  switch (state)
    {
    case DUET_WIRE_CALL_STATE_WAITING:
      return DUET_CALL_STATE_WAITING;
    case DUET_WIRE_CALL_STATE_RINGING:
      return DUET_CALL_STATE_VERIFIED;
    case DUET_WIRE_CALL_STATE_CONNECTED:
      return DUET_CALL_STATE_CONNECTED;
    case DUET_WIRE_CALL_STATE_ENDED:
    default:
      return DUET_CALL_STATE_DISCONNECTED;
    }
}

/* One entry of a `history` reply (docs/protocol.md "History") */
DuetCallHistoryEntry *
duet_call_history_entry_new_from_history (const DuetHistoryEntry *entry)
{
  DuetCallHistoryEntry *self = g_object_new (DUET_TYPE_CALL_HISTORY_ENTRY, NULL);

  self->call_id = g_strdup (entry->call_id);
  self->outgoing = entry->direction == DUET_CALL_DIRECTION_OUTGOING;
  self->peer_user_id = g_strdup (entry->peer_user);
  self->peer_service_id = g_strdup (entry->peer_service);
  self->media_type = entry->media_type;
  self->state = state_from_wire (entry->state);
  self->invited_at = time_from_ms (entry->invited_at);
  self->answered_at = time_from_ms (entry->answered_at);
  self->ended_at = time_from_ms (entry->ended_at);
  self->duration = MAX (entry->duration_ms, 0) * 1000;
  if (entry->reason != 0)
    self->reason = entry->reason;
  self->source = entry->source;
  self->missed = entry->missed;
  self->seen = entry->missed && entry->seen;
  self->user_code = g_strdup (entry->user_code);
  return self;
}

/* A `missed_call` event: an incoming call that ended unanswered */
DuetCallHistoryEntry *
duet_call_history_entry_new_from_missed (const DuetMissedCallEvent *event)
{
  DuetCallHistoryEntry *self = g_object_new (DUET_TYPE_CALL_HISTORY_ENTRY, NULL);

  self->call_id = g_strdup (event->call_id);
  self->peer_user_id = g_strdup (event->caller_user);
  self->peer_service_id = g_strdup (event->caller_service);
  self->media_type = event->media_type;
  self->invited_at = time_from_ms (event->invited_at);
  self->reason = event->reason;
  self->missed = TRUE;
  return self;
}

/**
 * duet_call_history_entry_get_call_id:
 * @self: a #DuetCallHistoryEntry
 *
 * Gets the call's id.
 *
 * Returns: the call's id
 */
const char *
duet_call_history_entry_get_call_id (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), NULL);
  return self->call_id;
}

/**
 * duet_call_history_entry_get_outgoing:
 * @self: a #DuetCallHistoryEntry
 *
 * Tells whether the user placed the call or was called.
 *
 * Returns: %TRUE if the user placed the call, %FALSE if the user was called
 */
gboolean
duet_call_history_entry_get_outgoing (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), FALSE);
  return self->outgoing;
}

/**
 * duet_call_history_entry_get_peer_user_id:
 * @self: a #DuetCallHistoryEntry
 *
 * Gets the other party's user id.
 *
 * Returns: the other party's user id
 */
const char *
duet_call_history_entry_get_peer_user_id (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), NULL);
  return self->peer_user_id;
}

/**
 * duet_call_history_entry_get_peer_service_id:
 * @self: a #DuetCallHistoryEntry
 *
 * Gets the other party's service id.
 *
 * Returns: the other party's service id
 */
const char *
duet_call_history_entry_get_peer_service_id (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), NULL);
  return self->peer_service_id;
}

/**
 * duet_call_history_entry_get_media_type:
 * @self: a #DuetCallHistoryEntry
 *
 * Gets the media the call was placed with.
 *
 * Returns: the media the call was placed with
 */
DuetMediaType
duet_call_history_entry_get_media_type (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), DUET_MEDIA_TYPE_UNKNOWN);
  return self->media_type;
}

/**
 * duet_call_history_entry_get_state:
 * @self: a #DuetCallHistoryEntry
 *
 * Gets where the call is; see #DuetCallHistoryEntry:state.
 *
 * Returns: where the call is; see #DuetCallHistoryEntry:state
 */
DuetCallState
duet_call_history_entry_get_state (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), DUET_CALL_STATE_DISCONNECTED);
  return self->state;
}

/**
 * duet_call_history_entry_get_invited_at:
 * @self: a #DuetCallHistoryEntry
 *
 * Gets when the call was placed.
 *
 * Returns: (transfer none) (nullable): when the call was placed
 */
GDateTime *
duet_call_history_entry_get_invited_at (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), NULL);
  return self->invited_at;
}

/**
 * duet_call_history_entry_get_answered_at:
 * @self: a #DuetCallHistoryEntry
 *
 * Gets when the callee accepted, or %NULL.
 *
 * Returns: (transfer none) (nullable): when the callee accepted, or %NULL
 */
GDateTime *
duet_call_history_entry_get_answered_at (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), NULL);
  return self->answered_at;
}

/**
 * duet_call_history_entry_get_ended_at:
 * @self: a #DuetCallHistoryEntry
 *
 * Gets when the call ended, or %NULL.
 *
 * Returns: (transfer none) (nullable): when the call ended, or %NULL
 */
GDateTime *
duet_call_history_entry_get_ended_at (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), NULL);
  return self->ended_at;
}

/**
 * duet_call_history_entry_get_duration:
 * @self: a #DuetCallHistoryEntry
 *
 * Gets how long the call was connected, in microseconds.
 *
 * Returns: how long the call was connected, in microseconds
 */
GTimeSpan
duet_call_history_entry_get_duration (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), 0);
  return self->duration;
}

/**
 * duet_call_history_entry_get_disconnect_reason:
 * @self: a #DuetCallHistoryEntry
 *
 * Gets why the call ended, once it has.
 *
 * Returns: why the call ended, once it has
 */
DuetDisconnectReason
duet_call_history_entry_get_disconnect_reason (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), DUET_DISCONNECT_REASON_NORMAL);
  return self->reason;
}

/**
 * duet_call_history_entry_get_disconnect_source:
 * @self: a #DuetCallHistoryEntry
 *
 * Gets who ended the call, or %DUET_DISCONNECT_SOURCE_UNDEFINED.
 *
 * Returns: who ended the call, or %DUET_DISCONNECT_SOURCE_UNDEFINED
 */
DuetDisconnectSource
duet_call_history_entry_get_disconnect_source (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), DUET_DISCONNECT_SOURCE_UNDEFINED);
  return self->source;
}

/**
 * duet_call_history_entry_get_missed:
 * @self: a #DuetCallHistoryEntry
 *
 * Gets whether this is an incoming call that was never answered.
 *
 * Returns: whether this is an incoming call that was never answered
 */
gboolean
duet_call_history_entry_get_missed (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), FALSE);
  return self->missed;
}

/**
 * duet_call_history_entry_get_seen:
 * @self: a #DuetCallHistoryEntry
 *
 * Gets whether one of the user's devices marked this missed call seen.
 *
 * Returns: whether one of the user's devices marked this missed call seen
 */
gboolean
duet_call_history_entry_get_seen (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), FALSE);
  return self->seen;
}

/**
 * duet_call_history_entry_get_user_code:
 * @self: a #DuetCallHistoryEntry
 *
 * Gets the app-defined code the call ended with, or %NULL.
 *
 * Returns: (nullable): the app-defined code the call ended with, or %NULL
 */
const char *
duet_call_history_entry_get_user_code (DuetCallHistoryEntry *self)
{
  g_return_val_if_fail (DUET_IS_CALL_HISTORY_ENTRY (self), NULL);
  return self->user_code;
}
