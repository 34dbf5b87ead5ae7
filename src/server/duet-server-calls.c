/* duet-server-calls.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The call state machine: the WebSocket requests, the events they send,
 * the ring and grace timers, and what waits for a user who is offline.
 */
#include "config.h"

#include <string.h>

#include "duet-cc-param.h"
#include "duet-server-error.h"
#include "duet-server-private.h"

#define HISTORY_DEFAULT_LIMIT     50
#define HISTORY_MAX_LIMIT         200
#define MAX_MEDIA_REASON_LENGTH   256

typedef struct
{
  DuetServer     *server;
  DuetCallRecord *call;
  DuetCallParty   party;
} CallTimer;

/* ---- small helpers ---------------------------------------------------- */

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static DuetSession *
lookup_session (DuetServer *self,
                const char *service,
                const char *user)
{
  g_autofree char *key = duet_server_user_key (service, user);

  return g_hash_table_lookup (self->users, key);
}

static DuetSession *
party_session (DuetServer     *self,
               DuetCallRecord *call,
               DuetCallParty   party)
{
  return lookup_session (self, duet_server_party_service (call, party),
                         duet_server_party_user (call, party));
}

static DuetDisconnectSource
party_source (DuetCallParty party)
{
  return party == DUET_CALL_PARTY_CALLER ? DUET_DISCONNECT_SOURCE_CALLER
                                         : DUET_DISCONNECT_SOURCE_CALLEE;
}

static void
save_call (DuetServer     *self,
           DuetCallRecord *call)
{
  g_autoptr(GError) error = NULL;

  if (!duet_store_save_call (self->store, call, &error))
    g_warning ("Cannot save call %s: %s", call->call_id, error->message);
}

/* ---- events ----------------------------------------------------------- */

static void
send_incoming_call (DuetSession    *session,
                    DuetCallRecord *call)
{
  g_autoptr(JsonObject) event = json_object_new ();

  json_object_set_string_member (event, "call_id", call->call_id);
  json_object_set_string_member (event, "cc_param", call->cc_param);
  json_object_set_string_member (event, "caller_user", call->caller_user);
  json_object_set_string_member (event, "caller_service", call->caller_service);
  json_object_set_string_member (event, "media_type", duet_media_type_to_string (call->media_type));
  duet_session_send_event (session, "incoming_call", event);
}

static void
send_missed_call (DuetSession    *session,
                  DuetCallRecord *call)
{
  g_autoptr(JsonObject) event = json_object_new ();

  json_object_set_string_member (event, "call_id", call->call_id);
  json_object_set_string_member (event, "caller_user", call->caller_user);
  json_object_set_string_member (event, "caller_service", call->caller_service);
  json_object_set_string_member (event, "media_type", duet_media_type_to_string (call->media_type));
  json_object_set_int_member (event, "invited_at", call->invited_at);
  json_object_set_string_member (event, "reason", duet_disconnect_reason_to_string (call->reason));
  duet_session_send_event (session, "missed_call", event);
}

static void
send_disconnected (DuetSession    *session,
                   DuetCallRecord *call,
                   gboolean        by_remote)
{
  g_autoptr(JsonObject) event = json_object_new ();

  json_object_set_string_member (event, "call_id", call->call_id);
  json_object_set_string_member (event, "reason", duet_disconnect_reason_to_string (call->reason));
  json_object_set_int_member (event, "reason_code", call->reason);
  json_object_set_string_member (event, "source", duet_disconnect_source_to_string (call->source));
  json_object_set_int_member (event, "source_code", call->source);
  json_object_set_boolean_member (event, "by_remote", by_remote);
  duet_session_send_event (session, "disconnected", event);
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

/* Its cc_param is good for one verify: once verified, the call is only
 * listed in hello.calls */
static void
resend_incoming_call (DuetServer  *self,
                      DuetSession *session)
{
  DuetCallRecord *call = duet_server_lookup_user_call (self, duet_session_get_service (session),
                                                      duet_session_get_user (session));

  if (call != NULL && call->state == DUET_CALL_STATE_WAITING &&
      duet_call_record_get_party (call, duet_session_get_account_id (session)) == DUET_CALL_PARTY_CALLEE)
    send_incoming_call (session, call);
}

/* What ended while the user was away, newest --missed-calls-max of it:
 * a flood of calls costs the user a bounded sign-in, and the rest stays
 * in the history only */
void
duet_server_deliver_pending (DuetServer  *self,
                             DuetSession *session)
{
  gint64 account = duet_session_get_account_id (session);
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) ended = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  pending = duet_store_load_pending (self->store, account, self->options.missed_calls_max, &error);
  if (pending == NULL)
    {
      g_warning ("Cannot load pending events: %s", error->message);
      return;
    }

  /* missed calls first, then (after any incoming_call) the disconnects;
   * each oldest first */
  for (guint i = pending->len; i-- > 0;)
    {
      DuetCallRecord *call = g_ptr_array_index (pending, i);
      DuetCallParty party = duet_call_record_get_party (call, account);

      if (party == DUET_CALL_PARTY_CALLEE && call->callee_pending && callee_gets_missed_call (call))
        send_missed_call (session, call);
      else
        g_ptr_array_add (ended, call);
    }

  resend_incoming_call (self, session);

  for (guint i = 0; i < ended->len; i++)
    {
      DuetCallRecord *call = g_ptr_array_index (ended, i);

      send_disconnected (session, call, ender_of (call) != duet_call_record_get_party (call, account));
    }

  if (pending->len > 0 && !duet_store_clear_pending (self->store, account, &error))
    g_warning ("Cannot clear pending events: %s", error->message);
}

/* ---- ending calls ----------------------------------------------------- */

static gboolean
on_grace_timeout (gpointer user_data)
{
  CallTimer *timer = user_data;

  g_message ("Call %s: %s did not come back", timer->call->call_id,
             duet_server_party_user (timer->call, timer->party));
  timer->call->grace_timer[timer->party] = 0;
  duet_server_end_call (timer->server, timer->call, DUET_DISCONNECT_REASON_NETWORK_UNSTABLE,
                        DUET_DISCONNECT_SOURCE_APP_SERVER, DUET_CALL_PARTY_NONE);
  return G_SOURCE_REMOVE;
}

void
duet_server_start_grace_timer (DuetServer     *self,
                               DuetCallRecord *call,
                               DuetCallParty   party)
{
  CallTimer *timer;

  if (call->grace_timer[party] != 0)
    return;

  timer = g_new0 (CallTimer, 1);
  timer->server = self;
  timer->call = call;
  timer->party = party;
  call->grace_timer[party] = g_timeout_add_full (G_PRIORITY_DEFAULT,
                                                 self->options.grace_period * 1000,
                                                 on_grace_timeout, timer, g_free);
}

static void
unindex_call (DuetServer     *self,
              DuetCallRecord *call)
{
  for (DuetCallParty party = DUET_CALL_PARTY_CALLER; party <= DUET_CALL_PARTY_CALLEE; party++)
    {
      g_autofree char *key = duet_server_party_key (call, party);

      if (g_hash_table_lookup (self->user_calls, key) == call)
        g_hash_table_remove (self->user_calls, key);
    }
}

/* Tells both parties (or keeps it for when they return), stores, forgets */
void
duet_server_end_call (DuetServer           *self,
                      DuetCallRecord       *call,
                      DuetDisconnectReason  reason,
                      DuetDisconnectSource  source,
                      DuetCallParty         ender)
{
  /* keeps CALL alive until we return, after the tables drop it */
  g_autoptr(DuetCallRecord) ref = duet_call_record_ref (call);
  DuetSession *caller, *callee;

  (void) ref;  /* only held; clang's -Wunused-variable (-Werror in tools/fuzz) */
  duet_server_remove_call_timers (call);
  call->state = DUET_CALL_STATE_ENDED;
  call->ended_at = now_ms ();
  call->reason = reason;
  call->source = source;
  unindex_call (self, call);

  g_message ("Call %s ended: %s by %s", call->call_id,
             duet_disconnect_reason_to_string (reason), duet_disconnect_source_to_string (source));

  caller = party_session (self, call, DUET_CALL_PARTY_CALLER);
  callee = party_session (self, call, DUET_CALL_PARTY_CALLEE);

  call->caller_pending = caller == NULL || !duet_session_is_open (caller);
  if (!call->caller_pending)
    send_disconnected (caller, call, ender != DUET_CALL_PARTY_CALLER);

  call->callee_pending = callee == NULL || !duet_session_is_open (callee);
  if (!call->callee_pending)
    {
      /* BUSY and ALREADY_GOT_A_CALL end before the callee ever heard of it */
      if (reason == DUET_DISCONNECT_REASON_BUSY && ender == DUET_CALL_PARTY_NONE)
        send_missed_call (callee, call);
      else if (reason == DUET_DISCONNECT_REASON_ALREADY_GOT_A_CALL)
        send_missed_call (callee, call);
      else
        send_disconnected (callee, call, ender != DUET_CALL_PARTY_CALLEE);
    }

  save_call (self, call);
  self->metrics.active_calls--;
  duet_metrics_call_ended (&self->metrics, reason);
  g_hash_table_remove (self->calls, call->call_id);
}

static gboolean
on_ring_timeout (gpointer user_data)
{
  CallTimer *timer = user_data;

  timer->call->ring_timer = 0;
  duet_server_end_call (timer->server, timer->call, DUET_DISCONNECT_REASON_NOANSWER,
                        DUET_DISCONNECT_SOURCE_APP_SERVER, DUET_CALL_PARTY_NONE);
  return G_SOURCE_REMOVE;
}

/* ---- requests --------------------------------------------------------- */

typedef void (*RequestHandler) (DuetServer  *self,
                                DuetSession *session,
                                JsonObject  *message,
                                const char  *id);

static void
reply_gerror (DuetSession  *session,
              const char   *id,
              const GError *error)
{
  DuetProtocolError code = DUET_PROTOCOL_ERROR_INTERNAL;

  if (error->domain == DUET_PROTOCOL_ERROR)
    code = error->code;
  duet_session_send_error (session, id, code, error->message, NULL);
}

static void
reply_start_failed (DuetSession         *session,
                    const char          *id,
                    DuetProtocolError    code,
                    DuetStartFailReason  reason,
                    const char          *detail,
                    const char          *message)
{
  g_autoptr(JsonObject) fields = json_object_new ();

  json_object_set_string_member (fields, "start_fail_reason", duet_start_fail_reason_to_string (reason));
  if (detail != NULL)
    json_object_set_string_member (fields, "detail", detail);
  duet_session_send_error (session, id, code, message, fields);
}

static void
handle_auth (DuetServer  *self,
             DuetSession *session,
             JsonObject  *message,
             const char  *id)
{
  g_auto(DuetTokenClaims) claims = { 0 };
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  gint64 account_id = 0;
  const char *token;

  if (duet_session_is_authenticated (session))
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE, "Already signed in", NULL);
      return;
    }

  token = duet_json_get_string (message, "token", TRUE, &error);
  if (token == NULL)
    {
      reply_gerror (session, id, error);
      return;
    }

  if (!duet_server_check_token (self, token, &claims, &account_id, &error))
    {
      g_debug ("auth refused: %s", error->message);
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_AUTH_FAILED,
                               "The token is invalid, expired or revoked", NULL);
      duet_session_close (session, DUET_SESSION_CLOSE_AUTH, "auth failed");
      return;
    }

  reply = json_object_new ();
  json_object_set_string_member (reply, "user", claims.uid);
  json_object_set_string_member (reply, "service", claims.sid);
  duet_session_send_reply (session, id, reply);
  duet_server_sign_in (self, session, &claims, account_id);
}

static void
handle_ping (DuetServer  *self,
             DuetSession *session,
             JsonObject  *message,
             const char  *id)
{
  g_autoptr(JsonObject) reply = json_object_new ();

  json_object_set_int_member (reply, "now", now_ms ());
  duet_session_send_reply (session, id, reply);
}

static gboolean
check_make_call (DuetServer    *self,
                 DuetSession   *session,
                 JsonObject    *message,
                 const char    *id,
                 const char   **out_user,
                 const char   **out_service,
                 gint64        *out_peer_id,
                 DuetMediaType *out_media)
{
  const char *me = duet_session_get_user (session);
  const char *my_service = duet_session_get_service (session);
  const char *peer_user, *peer_service = NULL, *media = NULL;
  g_autoptr(GError) error = NULL;

  peer_user = duet_json_get_string (message, "peer_user", TRUE, &error);
  if (peer_user != NULL)
    peer_service = duet_json_get_string (message, "peer_service", FALSE, &error);
  if (error == NULL)
    media = duet_json_get_string (message, "media_type", TRUE, &error);
  if (error != NULL)
    {
      reply_start_failed (session, id, DUET_PROTOCOL_ERROR_START_FAILED,
                          DUET_START_FAIL_REASON_INVALID_PARAM, NULL, error->message);
      return FALSE;
    }
  if (peer_service == NULL)
    peer_service = my_service;

  if (!duet_user_id_is_valid (peer_user) || !duet_service_id_is_valid (peer_service))
    {
      reply_start_failed (session, id, DUET_PROTOCOL_ERROR_START_FAILED,
                          DUET_START_FAIL_REASON_INVALID_PEER_ID, NULL,
                          "Peer ids are 1–64 letters, digits, “-”, “_” or “.”");
      return FALSE;
    }
  if (!duet_media_type_from_string (media, out_media) || *out_media == DUET_MEDIA_TYPE_UNKNOWN)
    {
      reply_start_failed (session, id, DUET_PROTOCOL_ERROR_START_FAILED,
                          DUET_START_FAIL_REASON_UNKNOWN_MEDIA_TYPE, NULL,
                          "media_type must be audio, video or audiovideo");
      return FALSE;
    }
  if (g_str_equal (peer_user, me) && g_str_equal (peer_service, my_service))
    {
      reply_start_failed (session, id, DUET_PROTOCOL_ERROR_START_FAILED,
                          DUET_START_FAIL_REASON_ID_CONFLICT, NULL, "You cannot call yourself");
      return FALSE;
    }
  if (!duet_store_lookup_user (self->store, peer_service, peer_user, out_peer_id, NULL, NULL, &error))
    {
      g_autofree char *text = g_strdup_printf ("There is no user “%s” in service “%s”",
                                               peer_user, peer_service);
      if (!g_error_matches (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND))
        duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_INTERNAL, "Database error", NULL);
      else
        reply_start_failed (session, id, DUET_PROTOCOL_ERROR_START_FAILED,
                            DUET_START_FAIL_REASON_UNKNOWN_PEER, NULL, text);
      return FALSE;
    }
  if (duet_server_lookup_user_call (self, my_service, me) != NULL)
    {
      reply_start_failed (session, id, DUET_PROTOCOL_ERROR_START_FAILED,
                          DUET_START_FAIL_REASON_ALREADY_EXIST, NULL, "You already have a call");
      return FALSE;
    }

  *out_user = peer_user;
  *out_service = peer_service;
  return TRUE;
}

static void
note_new_call_of (DuetServer *self,
                  gint64      account_id)
{
  g_hash_table_add (self->new_calls_of, g_memdup2 (&account_id, sizeof account_id));
}

static DuetCallRecord *
new_call (DuetServer    *self,
          DuetSession   *caller,
          const char    *peer_user,
          const char    *peer_service,
          gint64         peer_id,
          DuetMediaType  media)
{
  DuetCallRecord *call = duet_call_record_new ();
  gint64 now = duet_server_now_s ();

  call->call_id = g_uuid_string_random ();
  call->caller_id = duet_session_get_account_id (caller);
  call->callee_id = peer_id;
  note_new_call_of (self, call->caller_id);
  note_new_call_of (self, call->callee_id);
  call->caller_user = g_strdup (duet_session_get_user (caller));
  call->caller_service = g_strdup (duet_session_get_service (caller));
  call->callee_user = g_strdup (peer_user);
  call->callee_service = g_strdup (peer_service);
  call->media_type = media;
  call->state = DUET_CALL_STATE_WAITING;
  call->invited_at = now_ms ();
  call->cc_param = duet_cc_param_sign (call->call_id, call->caller_user, call->caller_service,
                                       call->callee_user, call->callee_service, media,
                                       now, now + self->options.ring_timeout,
                                       self->cc_key, sizeof self->cc_key);
  return call;
}

/* Calls cost the callee (a ring, a missed call, history rows), so each
 * account may place only so many, however it reconnects */
static gboolean
take_call_budget (DuetServer  *self,
                  DuetSession *session,
                  const char  *id)
{
  DuetAccountBudget *budget = duet_server_account_budget (self, duet_session_get_account_id (session));
  g_autoptr(JsonObject) fields = NULL;

  if (duet_token_bucket_take (&budget->calls))
    return TRUE;

  self->metrics.calls_rate_limited++;
  fields = json_object_new ();
  json_object_set_string_member (fields, "start_fail_reason",
                                 duet_start_fail_reason_to_string (DUET_START_FAIL_REASON_TOO_MANY_CALLS));
  json_object_set_int_member (fields, "retry_after", duet_token_bucket_retry_after (&budget->calls));
  duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_RATE_LIMITED,
                           "Too many calls in a short time; try again later", fields);
  return FALSE;
}

static void
handle_make_call (DuetServer  *self,
                  DuetSession *session,
                  JsonObject  *message,
                  const char  *id)
{
  g_autoptr(JsonObject) reply = json_object_new ();
  g_autoptr(GError) error = NULL;
  const char *peer_user = NULL, *peer_service = NULL;
  DuetMediaType media = DUET_MEDIA_TYPE_UNKNOWN;
  DuetCallRecord *call, *peer_call;
  DuetSession *callee;
  CallTimer *timer;
  gint64 peer_id = 0;

  if (!check_make_call (self, session, message, id, &peer_user, &peer_service, &peer_id, &media) ||
      !take_call_budget (self, session, id))
    return;

  call = new_call (self, session, peer_user, peer_service, peer_id, media);
  if (!duet_store_save_call (self->store, call, &error))
    {
      g_warning ("Cannot store call: %s", error->message);
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_INTERNAL, "Database error", NULL);
      duet_call_record_unref (call);
      return;
    }

  g_hash_table_insert (self->calls, call->call_id, call);
  self->metrics.active_calls++;
  self->metrics.calls_started++;
  g_message ("Call %s: %s/%s → %s/%s", call->call_id, call->caller_service, call->caller_user,
             peer_service, peer_user);

  json_object_set_string_member (reply, "call_id", call->call_id);
  json_object_set_string_member (reply, "state", "waiting");
  duet_session_send_reply (session, id, reply);

  peer_call = duet_server_lookup_user_call (self, peer_service, peer_user);
  if (peer_call != NULL)
    {
      duet_server_end_call (self, call,
                            peer_call->state == DUET_CALL_STATE_CONNECTED ? DUET_DISCONNECT_REASON_BUSY
                                                                          : DUET_DISCONNECT_REASON_ALREADY_GOT_A_CALL,
                            DUET_DISCONNECT_SOURCE_APP_SERVER, DUET_CALL_PARTY_NONE);
      return;
    }

  g_hash_table_insert (self->user_calls, duet_server_party_key (call, DUET_CALL_PARTY_CALLER), call);
  g_hash_table_insert (self->user_calls, duet_server_party_key (call, DUET_CALL_PARTY_CALLEE), call);

  timer = g_new0 (CallTimer, 1);
  timer->server = self;
  timer->call = call;
  call->ring_timer = g_timeout_add_full (G_PRIORITY_DEFAULT, self->options.ring_timeout * 1000,
                                         on_ring_timeout, timer, g_free);

  callee = lookup_session (self, peer_service, peer_user);
  if (callee != NULL)
    send_incoming_call (callee, call);
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

static void
handle_verify_call (DuetServer  *self,
                    DuetSession *session,
                    JsonObject  *message,
                    const char  *id)
{
  g_autoptr(DuetCcParam) cc = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *text;
  DuetCallRecord *call;
  DuetSession *caller;

  text = duet_json_get_string (message, "cc_param", TRUE, &error);
  if (text == NULL)
    {
      reply_gerror (session, id, error);
      return;
    }

  /* The order of the checks is part of the protocol */
  cc = duet_cc_param_new_from_string (text, NULL);
  if (cc == NULL)
    {
      cc_param_refused (session, id, "malformed", DUET_START_FAIL_REASON_DECODE_CALL_PARAM,
                        "The cc_param cannot be read");
      return;
    }
  if (!duet_cc_param_check_signature (cc, self->cc_key, sizeof self->cc_key))
    {
      cc_param_refused (session, id, "bad_signature", DUET_START_FAIL_REASON_DECODE_CALL_PARAM,
                        "The cc_param was not signed by this server");
      return;
    }
  if (duet_cc_param_get_expires_at (cc) <= duet_server_now_s ())
    {
      cc_param_refused (session, id, "expired", DUET_START_FAIL_REASON_INVALID_PARAM,
                        "The cc_param has expired");
      return;
    }
  if (g_strcmp0 (duet_cc_param_get_callee_user (cc), duet_session_get_user (session)) != 0 ||
      g_strcmp0 (duet_cc_param_get_callee_service (cc), duet_session_get_service (session)) != 0)
    {
      cc_param_refused (session, id, "wrong_user", DUET_START_FAIL_REASON_INVALID_PARAM,
                        "The cc_param is for another user");
      return;
    }

  call = g_hash_table_lookup (self->calls, duet_cc_param_get_call_id (cc));
  if (call == NULL || call->state == DUET_CALL_STATE_ENDED)
    {
      cc_param_refused (session, id, "call_ended", DUET_START_FAIL_REASON_INVALID_PARAM,
                        "The call has ended");
      return;
    }
  if (call->state != DUET_CALL_STATE_WAITING)
    {
      cc_param_refused (session, id, "replayed", DUET_START_FAIL_REASON_REUSE,
                        "The cc_param was already used");
      return;
    }

  call->state = DUET_CALL_STATE_RINGING;
  call->verified_at = now_ms ();
  save_call (self, call);

  reply = json_object_new ();
  json_object_set_string_member (reply, "call_id", call->call_id);
  json_object_set_string_member (reply, "caller_user", call->caller_user);
  json_object_set_string_member (reply, "caller_service", call->caller_service);
  json_object_set_string_member (reply, "media_type", duet_media_type_to_string (call->media_type));
  duet_session_send_reply (session, id, reply);

  caller = party_session (self, call, DUET_CALL_PARTY_CALLER);
  if (caller != NULL)
    {
      g_autoptr(JsonObject) event = json_object_new ();

      json_object_set_string_member (event, "call_id", call->call_id);
      duet_session_send_event (caller, "verified", event);
    }
}

/* Same answer for "no such call" and "not yours": calls cannot be probed */
static DuetCallRecord *
lookup_own_call (DuetServer    *self,
                 DuetSession   *session,
                 JsonObject    *message,
                 const char    *id,
                 DuetCallParty *out_party)
{
  g_autoptr(GError) error = NULL;
  const char *call_id;
  DuetCallRecord *call;

  call_id = duet_json_get_string (message, "call_id", TRUE, &error);
  if (call_id == NULL)
    {
      reply_gerror (session, id, error);
      return NULL;
    }

  call = g_hash_table_lookup (self->calls, call_id);
  if (call != NULL)
    *out_party = duet_call_record_get_party (call, duet_session_get_account_id (session));
  if (call == NULL || *out_party == DUET_CALL_PARTY_NONE)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_NO_SUCH_CALL,
                               "There is no such call", NULL);
      return NULL;
    }
  return call;
}

static void
send_call_event (DuetServer     *self,
                 DuetCallRecord *call,
                 DuetCallParty   party,
                 const char     *type)
{
  DuetSession *session = party_session (self, call, party);
  g_autoptr(JsonObject) event = json_object_new ();

  json_object_set_string_member (event, "call_id", call->call_id);
  if (session != NULL)
    duet_session_send_event (session, type, event);
}

static void
handle_accept_call (DuetServer  *self,
                    DuetSession *session,
                    JsonObject  *message,
                    const char  *id)
{
  DuetCallParty party = DUET_CALL_PARTY_NONE;
  DuetCallRecord *call = lookup_own_call (self, session, message, id, &party);

  if (call == NULL)
    return;
  if (party != DUET_CALL_PARTY_CALLEE)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE,
                               "Only the callee can accept", NULL);
      return;
    }
  if (call->state != DUET_CALL_STATE_RINGING)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE,
                               "The call is not ringing", NULL);
      return;
    }

  g_clear_handle_id (&call->ring_timer, g_source_remove);
  call->state = DUET_CALL_STATE_CONNECTED;
  call->answered_at = now_ms ();
  save_call (self, call);

  duet_session_send_reply (session, id, NULL);
  send_call_event (self, call, DUET_CALL_PARTY_CALLER, "connected");
  send_call_event (self, call, DUET_CALL_PARTY_CALLEE, "connected");
}

/* Reasons a client may name in duet_server_end_call, besides the default one */
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
      return party == DUET_CALL_PARTY_CALLEE && call->state != DUET_CALL_STATE_CONNECTED;
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
handle_end_call (DuetServer  *self,
                 DuetSession *session,
                 JsonObject  *message,
                 const char  *id)
{
  g_autoptr(GError) error = NULL;
  DuetCallParty party = DUET_CALL_PARTY_NONE;
  DuetCallRecord *call = lookup_own_call (self, session, message, id, &party);
  DuetDisconnectReason reason;
  const char *name;

  if (call == NULL)
    return;

  if (call->state == DUET_CALL_STATE_CONNECTED)
    reason = DUET_DISCONNECT_REASON_NORMAL;
  else
    reason = party == DUET_CALL_PARTY_CALLER ? DUET_DISCONNECT_REASON_CANCEL
                                             : DUET_DISCONNECT_REASON_DECLINE;

  name = duet_json_get_string (message, "reason", FALSE, &error);
  if (error != NULL)
    {
      reply_gerror (session, id, error);
      return;
    }
  if (name != NULL)
    {
      DuetDisconnectReason named;

      if (!duet_disconnect_reason_from_string (name, &named) ||
          !end_reason_allowed (call, party, named, reason))
        {
          duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                                   "This reason cannot be used here", NULL);
          return;
        }
      reason = named;
    }

  duet_session_send_reply (session, id, NULL);
  duet_server_end_call (self, call, reason, party_source (party), party);
}

static gboolean
string_member_ok (JsonObject *object,
                  const char *member,
                  gboolean    required)
{
  g_autoptr(GError) error = NULL;
  const char *value = duet_json_get_string (object, member, required, &error);

  return error == NULL && (value != NULL || !required);
}

/* Only the browser's forms pass, rebuilt so that nothing else is relayed;
 * "session" numbers the media session a signal belongs to, so that one
 * can replace another mid-call */
static JsonObject *
validate_signal_payload (JsonObject *message)
{
  JsonNode *node = json_object_get_member (message, "payload");
  g_autoptr(JsonObject) clean = json_object_new ();
  JsonObject *payload;
  const char *type;
  gint64 session = 0;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  payload = json_node_get_object (node);
  if (!string_member_ok (payload, "type", TRUE) ||
      !duet_json_get_int (payload, "session", &session, NULL) || session < 0 || session > G_MAXINT32)
    return NULL;
  type = json_object_get_string_member (payload, "type");
  if (json_object_has_member (payload, "session"))
    json_object_set_int_member (clean, "session", session);

  if (g_str_equal (type, "offer") || g_str_equal (type, "answer"))
    {
      if (!string_member_ok (payload, "sdp", TRUE))
        return NULL;
      json_object_set_string_member (clean, "type", type);
      json_object_set_string_member (clean, "sdp", json_object_get_string_member (payload, "sdp"));
      return g_steal_pointer (&clean);
    }

  if (g_str_equal (type, "candidate"))
    {
      gint64 index = -1;

      if (!string_member_ok (payload, "candidate", TRUE) ||
          !json_object_has_member (payload, "sdpMLineIndex") ||
          !duet_json_get_int (payload, "sdpMLineIndex", &index, NULL) ||
          index < 0 || index > 63 ||
          !string_member_ok (payload, "sdpMid", FALSE))
        return NULL;
      json_object_set_string_member (clean, "type", type);
      json_object_set_string_member (clean, "candidate",
                                     json_object_get_string_member (payload, "candidate"));
      json_object_set_int_member (clean, "sdpMLineIndex", index);
      if (json_object_has_member (payload, "sdpMid") &&
          !JSON_NODE_HOLDS_NULL (json_object_get_member (payload, "sdpMid")))
        json_object_set_string_member (clean, "sdpMid", json_object_get_string_member (payload, "sdpMid"));
      return g_steal_pointer (&clean);
    }

  return NULL;
}

static DuetCallParty
other_party (DuetCallParty party)
{
  return party == DUET_CALL_PARTY_CALLER ? DUET_CALL_PARTY_CALLEE : DUET_CALL_PARTY_CALLER;
}

static void
handle_signal (DuetServer  *self,
               DuetSession *session,
               JsonObject  *message,
               const char  *id)
{
  g_autoptr(JsonObject) payload = NULL;
  g_autoptr(JsonObject) event = NULL;
  DuetCallParty party = DUET_CALL_PARTY_NONE;
  DuetCallRecord *call = lookup_own_call (self, session, message, id, &party);
  DuetSession *peer;

  if (call == NULL)
    return;

  payload = validate_signal_payload (message);
  if (payload == NULL)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                               "payload must be an offer, answer or candidate", NULL);
      return;
    }
  if (call->state != DUET_CALL_STATE_RINGING && call->state != DUET_CALL_STATE_CONNECTED)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE,
                               "Signalling starts once the callee has verified", NULL);
      return;
    }

  duet_session_send_reply (session, id, NULL);

  peer = party_session (self, call, other_party (party));
  if (peer == NULL)
    return;
  event = json_object_new ();
  json_object_set_string_member (event, "call_id", call->call_id);
  json_object_set_object_member (event, "payload", g_steal_pointer (&payload));
  duet_session_send_event (peer, "signal", event);
}

static void
handle_media_state (DuetServer  *self,
                    DuetSession *session,
                    JsonObject  *message,
                    const char  *id)
{
  g_autoptr(JsonObject) event = json_object_new ();
  g_autoptr(GError) error = NULL;
  DuetCallParty party = DUET_CALL_PARTY_NONE;
  DuetCallRecord *call = lookup_own_call (self, session, message, id, &party);
  gboolean muted = FALSE;
  const char *video = NULL, *reason = NULL;
  DuetVideoState state;
  DuetSession *peer;

  if (call == NULL)
    return;

  if (!duet_json_get_bool (message, "mic_muted", &muted, &error) ||
      (video = duet_json_get_string (message, "video_state", FALSE, &error), error != NULL) ||
      (reason = duet_json_get_string (message, "reason", FALSE, &error), error != NULL))
    {
      reply_gerror (session, id, error);
      return;
    }
  if ((video != NULL && !duet_video_state_from_string (video, &state)) ||
      (reason != NULL && strlen (reason) > MAX_MEDIA_REASON_LENGTH))
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                               "video_state must be enabled, paused or disabled", NULL);
      return;
    }
  if (call->state != DUET_CALL_STATE_CONNECTED)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE,
                               "The call is not connected", NULL);
      return;
    }

  duet_session_send_reply (session, id, NULL);

  json_object_set_string_member (event, "call_id", call->call_id);
  if (json_object_has_member (message, "mic_muted"))
    json_object_set_boolean_member (event, "mic_muted", muted);
  if (video != NULL)
    json_object_set_string_member (event, "video_state", video);
  if (reason != NULL)
    json_object_set_string_member (event, "reason", reason);
  peer = party_session (self, call, other_party (party));
  if (peer != NULL)
    duet_session_send_event (peer, "peer_media_state", event);
}

static void
handle_history (DuetServer  *self,
                DuetSession *session,
                JsonObject  *message,
                const char  *id)
{
  gint64 account = duet_session_get_account_id (session);
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GError) error = NULL;
  gint64 limit = HISTORY_DEFAULT_LIMIT, before = 0;
  JsonArray *array;

  if (!duet_json_get_int (message, "limit", &limit, &error) ||
      !duet_json_get_int (message, "before", &before, &error))
    {
      reply_gerror (session, id, error);
      return;
    }
  if (limit < 1 || limit > HISTORY_MAX_LIMIT || before < 0)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                               "limit must be 1–200", NULL);
      return;
    }

  calls = duet_store_load_history (self->store, account, before, limit, &error);
  if (calls == NULL)
    {
      g_warning ("Cannot load history: %s", error->message);
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_INTERNAL, "Database error", NULL);
      return;
    }

  array = json_array_new ();
  for (guint i = 0; i < calls->len; i++)
    {
      DuetCallRecord *call = g_ptr_array_index (calls, i);

      json_array_add_object_element (array,
                                     duet_call_record_to_history (call, duet_call_record_get_party (call, account)));
    }
  reply = json_object_new ();
  json_object_set_array_member (reply, "calls", array);
  duet_session_send_reply (session, id, reply);
}

static const struct
{
  const char     *type;
  RequestHandler  handler;
} request_handlers[] = {
  { "auth", handle_auth },
  { "make_call", handle_make_call },
  { "verify_call", handle_verify_call },
  { "accept_call", handle_accept_call },
  { "end_call", handle_end_call },
  { "signal", handle_signal },
  { "media_state", handle_media_state },
  { "history", handle_history },
  { "ping", handle_ping },
};

void
duet_server_on_session_request (DuetSession *session,
                                JsonObject  *message,
                                const char  *type,
                                const char  *id,
                                DuetServer  *self)
{
  /* an account revoked a moment ago must not act any more */
  duet_server_check_revocations (self);
  if (!duet_session_is_open (session))
    return;

  for (guint i = 0; i < G_N_ELEMENTS (request_handlers); i++)
    {
      if (g_str_equal (type, request_handlers[i].type))
        {
          request_handlers[i].handler (self, session, message, id);
          return;
        }
    }
  duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_UNKNOWN_TYPE,
                           "Unknown request type", NULL);
}
