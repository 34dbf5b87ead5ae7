/* duet-call-record.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-call-record.h"

G_DEFINE_BOXED_TYPE (DuetCallRecord, duet_call_record,
                     duet_call_record_ref, duet_call_record_unref)

static const char * const state_names[] = {
  [DUET_CALL_RECORD_STATE_WAITING] = "waiting",
  [DUET_CALL_RECORD_STATE_RINGING] = "ringing",
  [DUET_CALL_RECORD_STATE_CONNECTED] = "connected",
  [DUET_CALL_RECORD_STATE_ENDED] = "ended",
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
  g_free (self->user_code);
  g_free (self->cc_param);
  g_free (self->caller_device);
  g_free (self->callee_device);
  g_free (self->ender_device);
  g_clear_pointer (&self->legs, g_ptr_array_unref);
}

static void
leg_free (DuetCallLeg *leg)
{
  g_free (leg->device_id);
  g_free (leg->cc_param);
  g_free (leg);
}

void
duet_call_record_unref (DuetCallRecord *self)
{
  g_atomic_rc_box_release_full (self, (GDestroyNotify) duet_call_record_clear);
}

const char *
duet_call_record_state_to_string (DuetCallRecordState state)
{
  if ((guint) state >= G_N_ELEMENTS (state_names))
    return "ended";
  return state_names[state];
}

gboolean
duet_call_record_state_from_string (const char          *str,
                                    DuetCallRecordState *out)
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

DuetCallLeg *
duet_call_record_find_leg (DuetCallRecord *self,
                           const char     *device_id)
{
  for (guint i = 0; self->legs != NULL && i < self->legs->len; i++)
    {
      DuetCallLeg *leg = g_ptr_array_index (self->legs, i);

      if (g_strcmp0 (leg->device_id, device_id) == 0)
        return leg;
    }
  return NULL;
}

/* Takes @cc_param */
DuetCallLeg *
duet_call_record_add_leg (DuetCallRecord *self,
                          const char     *device_id,
                          char           *cc_param)
{
  DuetCallLeg *leg = g_new0 (DuetCallLeg, 1);

  if (self->legs == NULL)
    self->legs = g_ptr_array_new_with_free_func ((GDestroyNotify) leg_free);
  leg->device_id = g_strdup (device_id);
  leg->cc_param = cc_param;
  g_ptr_array_add (self->legs, leg);
  return leg;
}

/* The key of a user in the tables of users and their calls; '/' is not
 * allowed in ids, so it is unambiguous */
char *
duet_user_key (const char *service,
               const char *user)
{
  return g_strdup_printf ("%s/%s", service, user);
}

const char *
duet_call_record_party_user (DuetCallRecord *self,
                             DuetCallParty   party)
{
  return party == DUET_CALL_PARTY_CALLER ? self->caller_user : self->callee_user;
}

const char *
duet_call_record_party_service (DuetCallRecord *self,
                                DuetCallParty   party)
{
  return party == DUET_CALL_PARTY_CALLER ? self->caller_service : self->callee_service;
}

char *
duet_call_record_party_key (DuetCallRecord *self,
                            DuetCallParty   party)
{
  return duet_user_key (duet_call_record_party_service (self, party),
                        duet_call_record_party_user (self, party));
}

/* Which party the device @device_id of @account_id is: the caller's device
 * that called; the callee's answering device, or before the answer each of
 * its ringing devices. Calls kept from before devices (no device) belong
 * to any device of their parties. */
DuetCallParty
duet_call_record_get_device_party (DuetCallRecord *self,
                                   gint64          account_id,
                                   const char     *device_id)
{
  DuetCallParty party = duet_call_record_get_party (self, account_id);

  if (party == DUET_CALL_PARTY_CALLER)
    return self->caller_device == NULL || g_strcmp0 (self->caller_device, device_id) == 0
           ? party : DUET_CALL_PARTY_NONE;
  if (party != DUET_CALL_PARTY_CALLEE)
    return DUET_CALL_PARTY_NONE;
  if (self->answered_at > 0 || self->state == DUET_CALL_RECORD_STATE_CONNECTED)
    return self->callee_device == NULL || g_strcmp0 (self->callee_device, device_id) == 0
           ? party : DUET_CALL_PARTY_NONE;
  return duet_call_record_find_leg (self, device_id) != NULL ? party : DUET_CALL_PARTY_NONE;
}

/* Missed: ended before the callee answered */
gboolean
duet_call_record_is_missed (DuetCallRecord *self)
{
  return self->state == DUET_CALL_RECORD_STATE_ENDED && self->answered_at == 0;
}

DuetWireCallState
duet_call_record_state_to_wire (DuetCallRecordState state)
{
  switch (state)
    {
    case DUET_CALL_RECORD_STATE_WAITING:
      return DUET_WIRE_CALL_STATE_WAITING;
    case DUET_CALL_RECORD_STATE_RINGING:
      return DUET_WIRE_CALL_STATE_RINGING;
    case DUET_CALL_RECORD_STATE_CONNECTED:
      return DUET_WIRE_CALL_STATE_CONNECTED;
    case DUET_CALL_RECORD_STATE_ENDED:
    default:
      return DUET_WIRE_CALL_STATE_ENDED;
    }
}

/* The call as @viewer's history shows it; reason and source only once ended */
DuetHistoryEntry *
duet_call_record_to_history (DuetCallRecord *self,
                             DuetCallParty   viewer)
{
  DuetHistoryEntry *entry = duet_history_entry_new ();
  gboolean outgoing = viewer == DUET_CALL_PARTY_CALLER;

  entry->call_id = g_strdup (self->call_id);
  entry->direction = outgoing ? DUET_CALL_DIRECTION_OUTGOING : DUET_CALL_DIRECTION_INCOMING;
  entry->peer_user = g_strdup (outgoing ? self->callee_user : self->caller_user);
  entry->peer_service = g_strdup (outgoing ? self->callee_service : self->caller_service);
  entry->media_type = self->media_type;
  entry->state = duet_call_record_state_to_wire (self->state);
  entry->invited_at = self->invited_at;
  entry->answered_at = self->answered_at;
  entry->ended_at = self->ended_at;
  if (self->answered_at > 0 && self->ended_at >= self->answered_at)
    entry->duration_ms = self->ended_at - self->answered_at;
  if (self->state == DUET_CALL_RECORD_STATE_ENDED)
    {
      entry->reason = self->reason;
      entry->source = self->source;
      entry->user_code = g_strdup (self->user_code);
    }
  entry->missed = !outgoing && duet_call_record_is_missed (self);
  entry->seen = entry->missed && self->seen_at > 0;
  return entry;
}

/* ---- the copy other nodes keep (DuetDirectory) -------------------------- */

static void
set_string (JsonObject *object,
            const char *name,
            const char *value)
{
  if (value != NULL)
    json_object_set_string_member (object, name, value);
}

/**
 * duet_call_record_to_json:
 *
 * What another node needs to know of a call it does not own: who is in
 * it, on which devices, how far it got, and which devices ring. Neither
 * cc_params nor timers leave the owner.
 */
JsonObject *
duet_call_record_to_json (DuetCallRecord *self)
{
  JsonObject *object = json_object_new ();
  JsonArray *legs = json_array_new ();

  set_string (object, "call_id", self->call_id);
  json_object_set_int_member (object, "caller_id", self->caller_id);
  json_object_set_int_member (object, "callee_id", self->callee_id);
  set_string (object, "caller_user", self->caller_user);
  set_string (object, "caller_service", self->caller_service);
  set_string (object, "callee_user", self->callee_user);
  set_string (object, "callee_service", self->callee_service);
  set_string (object, "caller_device", self->caller_device);
  set_string (object, "callee_device", self->callee_device);
  json_object_set_string_member (object, "media_type", duet_media_type_to_string (self->media_type));
  json_object_set_string_member (object, "state", duet_call_record_state_to_string (self->state));
  json_object_set_int_member (object, "invited_at", self->invited_at);
  json_object_set_int_member (object, "verified_at", self->verified_at);
  json_object_set_int_member (object, "answered_at", self->answered_at);
  json_object_set_boolean_member (object, "in_preparation", self->in_preparation);
  for (guint i = 0; self->legs != NULL && i < self->legs->len; i++)
    {
      DuetCallLeg *leg = g_ptr_array_index (self->legs, i);
      JsonObject *item = json_object_new ();

      json_object_set_string_member (item, "device", leg->device_id);
      json_object_set_boolean_member (item, "verified", leg->verified);
      json_array_add_object_element (legs, item);
    }
  json_object_set_array_member (object, "legs", legs);
  return object;
}

static char *
dup_member (JsonObject *object,
            const char *name)
{
  return g_strdup (json_object_get_string_member_with_default (object, name, NULL));
}

/**
 * duet_call_record_new_from_json:
 *
 * Reads what duet_call_record_to_json() wrote, from another node.
 *
 * Returns: (nullable): the call, or NULL if @object is not one
 */
DuetCallRecord *
duet_call_record_new_from_json (JsonObject *object)
{
  g_autoptr(DuetCallRecord) self = duet_call_record_new ();
  JsonArray *legs;

  self->call_id = dup_member (object, "call_id");
  self->caller_user = dup_member (object, "caller_user");
  self->caller_service = dup_member (object, "caller_service");
  self->callee_user = dup_member (object, "callee_user");
  self->callee_service = dup_member (object, "callee_service");
  if (self->call_id == NULL || self->caller_user == NULL || self->caller_service == NULL ||
      self->callee_user == NULL || self->callee_service == NULL ||
      !duet_call_record_state_from_string (json_object_get_string_member_with_default (object, "state", NULL),
                                           &self->state) ||
      !duet_media_type_from_string (json_object_get_string_member_with_default (object, "media_type", NULL),
                                    &self->media_type))
    return NULL;
  self->caller_id = json_object_get_int_member_with_default (object, "caller_id", 0);
  self->callee_id = json_object_get_int_member_with_default (object, "callee_id", 0);
  self->caller_device = dup_member (object, "caller_device");
  self->callee_device = dup_member (object, "callee_device");
  self->invited_at = json_object_get_int_member_with_default (object, "invited_at", 0);
  self->verified_at = json_object_get_int_member_with_default (object, "verified_at", 0);
  self->answered_at = json_object_get_int_member_with_default (object, "answered_at", 0);
  self->in_preparation = json_object_get_boolean_member_with_default (object, "in_preparation", FALSE);
  legs = json_object_has_member (object, "legs") &&
         JSON_NODE_HOLDS_ARRAY (json_object_get_member (object, "legs"))
           ? json_object_get_array_member (object, "legs") : NULL;
  for (guint i = 0; legs != NULL && i < json_array_get_length (legs); i++)
    {
      JsonNode *node = json_array_get_element (legs, i);
      JsonObject *item = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *device = item ? json_object_get_string_member_with_default (item, "device", NULL) : NULL;

      if (device != NULL)
        duet_call_record_add_leg (self, device, NULL)->verified =
          json_object_get_boolean_member_with_default (item, "verified", FALSE);
    }
  return g_steal_pointer (&self);
}
