/* duet-call-record.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-call-record.h"

G_DEFINE_BOXED_TYPE (DuetCallRecord, duet_call_record,
                     duet_call_record_ref, duet_call_record_unref)

static const char * const state_names[] = {
  [DUET_CALL_STATE_WAITING] = "waiting",
  [DUET_CALL_STATE_RINGING] = "ringing",
  [DUET_CALL_STATE_CONNECTED] = "connected",
  [DUET_CALL_STATE_ENDED] = "ended",
};

DuetCallRecord *
duet_call_record_new (void)
{
  return g_atomic_rc_box_new0 (DuetCallRecord);
}

DuetCallRecord *
duet_call_record_ref (DuetCallRecord *self)
{
  return g_atomic_rc_box_acquire (self);
}

static void
duet_call_record_clear (DuetCallRecord *self)
{
  /* The server removes its timers before dropping a call */
  g_warn_if_fail (self->ring_timer == 0);
  g_free (self->call_id);
  g_free (self->caller_user);
  g_free (self->caller_service);
  g_free (self->callee_user);
  g_free (self->callee_service);
  g_free (self->cc_param);
}

void
duet_call_record_unref (DuetCallRecord *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) duet_call_record_clear);
}

const char *
duet_call_state_to_string (DuetCallState state)
{
  if ((guint) state >= G_N_ELEMENTS (state_names))
    return "ended";
  return state_names[state];
}

gboolean
duet_call_state_from_string (const char    *str,
                             DuetCallState *out)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (state_names); i++)
    {
      if (g_str_equal (str, state_names[i]))
        {
          *out = i;
          return TRUE;
        }
    }
  return FALSE;
}

DuetCallParty
duet_call_record_get_party (DuetCallRecord *self,
                            gint64          account_id)
{
  /* by account id, not name: a re-added name is another account */
  if (account_id <= 0)
    return DUET_CALL_PARTY_NONE;
  if (self->caller_id == account_id)
    return DUET_CALL_PARTY_CALLER;
  if (self->callee_id == account_id)
    return DUET_CALL_PARTY_CALLEE;
  return DUET_CALL_PARTY_NONE;
}

/* Missed: ended before the callee answered */
gboolean
duet_call_record_is_missed (DuetCallRecord *self)
{
  return self->state == DUET_CALL_STATE_ENDED && self->answered_at == 0;
}

static void
set_time_or_null (JsonObject *object,
                  const char *member,
                  gint64      value)
{
  if (value > 0)
    json_object_set_int_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}

JsonObject *
duet_call_record_to_history (DuetCallRecord *self,
                             DuetCallParty   viewer)
{
  JsonObject *o = json_object_new ();
  gboolean outgoing = viewer == DUET_CALL_PARTY_CALLER;
  gboolean ended = self->state == DUET_CALL_STATE_ENDED;

  json_object_set_string_member (o, "call_id", self->call_id);
  json_object_set_string_member (o, "direction", outgoing ? "outgoing" : "incoming");
  json_object_set_string_member (o, "peer_user", outgoing ? self->callee_user : self->caller_user);
  json_object_set_string_member (o, "peer_service",
                                 outgoing ? self->callee_service : self->caller_service);
  json_object_set_string_member (o, "media_type", duet_media_type_to_string (self->media_type));
  json_object_set_string_member (o, "state", duet_call_state_to_string (self->state));
  set_time_or_null (o, "invited_at", self->invited_at);
  set_time_or_null (o, "answered_at", self->answered_at);
  set_time_or_null (o, "ended_at", self->ended_at);
  if (self->answered_at > 0 && self->ended_at >= self->answered_at)
    json_object_set_int_member (o, "duration_ms", self->ended_at - self->answered_at);
  else
    json_object_set_int_member (o, "duration_ms", 0);

  if (ended)
    {
      json_object_set_string_member (o, "reason", duet_disconnect_reason_to_string (self->reason));
      json_object_set_int_member (o, "reason_code", self->reason);
      json_object_set_string_member (o, "source", duet_disconnect_source_to_string (self->source));
      json_object_set_int_member (o, "source_code", self->source);
    }
  else
    {
      json_object_set_null_member (o, "reason");
      json_object_set_null_member (o, "reason_code");
      json_object_set_null_member (o, "source");
      json_object_set_null_member (o, "source_code");
    }
  json_object_set_boolean_member (o, "missed", !outgoing && duet_call_record_is_missed (self));
  return o;
}
