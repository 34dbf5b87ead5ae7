/* duet-server-calls.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The call state machine: the WebSocket requests, the events they send,
 * the ring and grace timers, and what waits for a user who is offline.
 */
#include "config.h"

#include <string.h>

#include "duet-cc-param-private.h"
#include "duet-server-error.h"
#include "duet-server-private.h"

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
  DuetIncomingCallEvent event = {
    .call_id = call->call_id,
    .cc_param = call->cc_param,
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
                        DUET_DISCONNECT_SOURCE_CLOUD_SERVER);
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

/* Tells both parties (or keeps it for when they return), stores, forgets.
 * @source says who ended it, as PlanetKit reports 1-to-1 calls: a party,
 * or CLOUD_SERVER (remote to both) */
void
duet_server_end_call (DuetServer           *self,
                      DuetCallRecord       *call,
                      DuetDisconnectReason  reason,
                      DuetDisconnectSource  source)
{
  /* keeps CALL alive until we return, after the tables drop it */
  g_autoptr(DuetCallRecord) ref = duet_call_record_ref (call);
  DuetSession *caller, *callee;
  DuetCallParty ender;

  (void) ref;  /* only held; clang's -Wunused-variable (-Werror in tools/fuzz) */
  duet_server_remove_call_timers (call);
  call->state = DUET_CALL_STATE_ENDED;
  call->ended_at = now_ms ();
  call->reason = reason;
  call->source = source;
  ender = ender_of (call);
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
      if (call->refused)
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

  /* PlanetKit: the caller's kit gives up ringing, so the caller ends it */
  timer->call->ring_timer = 0;
  duet_server_end_call (timer->server, timer->call, DUET_DISCONNECT_REASON_NOANSWER,
                        DUET_DISCONNECT_SOURCE_CALLER);
  return G_SOURCE_REMOVE;
}

/* ---- requests --------------------------------------------------------- */

typedef void (*RequestHandler) (DuetServer  *self,
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

static void
handle_auth (DuetServer  *self,
             DuetSession *session,
             JsonObject  *message,
             const char  *id)
{
  g_auto(DuetAuthRequest) request = { 0 };
  g_auto(DuetTokenClaims) claims = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 account_id = 0;
  DuetAuthReply reply;

  if (duet_session_is_authenticated (session))
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE, "Already signed in");
      return;
    }
  if (!duet_auth_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }

  if (!duet_server_check_token (self, request.token, &claims, &account_id, &error))
    {
      g_debug ("auth refused: %s", error->message);
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_AUTH_FAILED,
                               "The token is invalid, expired or revoked");
      duet_session_close (session, DUET_SESSION_CLOSE_AUTH, "auth failed");
      return;
    }

  reply = (DuetAuthReply) { .user = claims.uid, .service = claims.sid };
  duet_session_send (session, duet_auth_reply_build (id, &reply));
  duet_server_sign_in (self, session, &claims, account_id);
}

static void
handle_ping (DuetServer  *self,
             DuetSession *session,
             JsonObject  *message,
             const char  *id)
{
  DuetPingReply reply = { .now = now_ms () };
  g_autoptr(GError) error = NULL;

  if (!duet_ping_request_parse (message, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  duet_session_send (session, duet_ping_reply_build (id, &reply));
}

/* What the parser cannot know: who the peer is, and whether it exists */
static gboolean
check_make_call (DuetServer          *self,
                 DuetSession         *session,
                 const char          *id,
                 DuetMakeCallRequest *request,
                 gint64              *out_peer_id)
{
  const char *me = duet_session_get_user (session);
  const char *my_service = duet_session_get_service (session);
  g_autoptr(GError) error = NULL;

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
  if (duet_server_lookup_user_call (self, my_service, me) != NULL)
    {
      reply_start_failed (session, id, DUET_PROTOCOL_ERROR_START_FAILED,
                          DUET_START_FAIL_REASON_ALREADY_EXIST, NULL, "You already have a call");
      return FALSE;
    }
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
  DuetErrorMessage error;

  if (duet_token_bucket_take (&budget->calls))
    return TRUE;

  self->metrics.calls_rate_limited++;
  error = (DuetErrorMessage) {
    .code = DUET_PROTOCOL_ERROR_RATE_LIMITED,
    .message = "Too many calls in a short time; try again later",
    .start_fail_reason = DUET_START_FAIL_REASON_TOO_MANY_CALLS,
    .retry_after = duet_token_bucket_retry_after (&budget->calls),
  };
  duet_session_send_error_message (session, id, &error);
  return FALSE;
}

static void
handle_make_call (DuetServer  *self,
                  DuetSession *session,
                  JsonObject  *message,
                  const char  *id)
{
  g_auto(DuetMakeCallRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  DuetCallRecord *call, *peer_call;
  DuetMakeCallReply reply;
  DuetSession *callee;
  CallTimer *timer;
  gint64 peer_id = 0;

  if (!duet_make_call_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  if (!check_make_call (self, session, id, &request, &peer_id) ||
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
  self->metrics.active_calls++;
  self->metrics.calls_started++;
  g_message ("Call %s: %s/%s → %s/%s", call->call_id, call->caller_service, call->caller_user,
             call->callee_service, call->callee_user);

  reply = (DuetMakeCallReply) { .call_id = call->call_id, .state = DUET_WIRE_CALL_STATE_WAITING };
  duet_session_send (session, duet_make_call_reply_build (id, &reply));

  /* Refused before the callee hears of it, with PlanetKit's sources: BUSY
   * comes from the callee, ALREADY_GOT_A_CALL from the cloud */
  peer_call = duet_server_lookup_user_call (self, call->callee_service, call->callee_user);
  if (peer_call != NULL)
    {
      call->refused = TRUE;
      if (peer_call->state == DUET_CALL_STATE_CONNECTED)
        duet_server_end_call (self, call, DUET_DISCONNECT_REASON_BUSY, DUET_DISCONNECT_SOURCE_CALLEE);
      else
        duet_server_end_call (self, call, DUET_DISCONNECT_REASON_ALREADY_GOT_A_CALL,
                              DUET_DISCONNECT_SOURCE_CLOUD_SERVER);
      return;
    }

  g_hash_table_insert (self->user_calls, duet_server_party_key (call, DUET_CALL_PARTY_CALLER), call);
  g_hash_table_insert (self->user_calls, duet_server_party_key (call, DUET_CALL_PARTY_CALLEE), call);

  timer = g_new0 (CallTimer, 1);
  timer->server = self;
  timer->call = call;
  call->ring_timer = g_timeout_add_full (G_PRIORITY_DEFAULT, self->options.ring_timeout * 1000,
                                         on_ring_timeout, timer, g_free);

  callee = lookup_session (self, call->callee_service, call->callee_user);
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

/* The call @text names, if it may be verified by @session; else answers */
static DuetCallRecord *
check_cc_param (DuetServer  *self,
                DuetSession *session,
                const char  *id,
                const char  *text)
{
  g_autoptr(DuetCcParam) cc = NULL;
  DuetCallRecord *call;

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
  if (duet_cc_param_get_expires_at (cc) <= duet_server_now_s ())
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

  call = g_hash_table_lookup (self->calls, duet_cc_param_get_call_id (cc));
  if (call == NULL || call->state == DUET_CALL_STATE_ENDED)
    {
      cc_param_refused (session, id, "call_ended", DUET_START_FAIL_REASON_INVALID_PARAM,
                        "The call has ended");
      return NULL;
    }
  if (call->state != DUET_CALL_STATE_WAITING)
    {
      cc_param_refused (session, id, "replayed", DUET_START_FAIL_REASON_REUSE,
                        "The cc_param was already used");
      return NULL;
    }
  return call;
}

static void
handle_verify_call (DuetServer  *self,
                    DuetSession *session,
                    JsonObject  *message,
                    const char  *id)
{
  g_auto(DuetVerifyCallRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  DuetVerifyCallReply reply;
  DuetVerifiedEvent verified;
  DuetCallRecord *call;
  DuetSession *caller;

  if (!duet_verify_call_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  call = check_cc_param (self, session, id, request.cc_param);
  if (call == NULL)
    return;

  call->state = DUET_CALL_STATE_RINGING;
  call->verified_at = now_ms ();
  call->callee_prepares = request.use_responder_preparation;
  save_call (self, call);

  reply = (DuetVerifyCallReply) {
    .call_id = call->call_id,
    .caller_user = call->caller_user,
    .caller_service = call->caller_service,
    .media_type = call->media_type,
  };
  duet_session_send (session, duet_verify_call_reply_build (id, &reply));

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
lookup_own_call (DuetServer    *self,
                 DuetSession   *session,
                 const char    *call_id,
                 const char    *id,
                 DuetCallParty *out_party)
{
  DuetCallRecord *call = g_hash_table_lookup (self->calls, call_id);

  if (call != NULL)
    *out_party = duet_call_record_get_party (call, duet_session_get_account_id (session));
  if (call == NULL || *out_party == DUET_CALL_PARTY_NONE)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_NO_SUCH_CALL, "There is no such call");
      return NULL;
    }
  return call;
}

/* The sender's call, which must be connected (media_state, short_data) */
static DuetCallRecord *
lookup_own_connected_call (DuetServer    *self,
                           DuetSession   *session,
                           const char    *call_id,
                           const char    *id,
                           DuetCallParty *out_party)
{
  DuetCallRecord *call = lookup_own_call (self, session, call_id, id, out_party);

  if (call != NULL && call->state != DUET_CALL_STATE_CONNECTED)
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
send_connected (DuetServer     *self,
                DuetCallRecord *call,
                DuetCallParty   party)
{
  DuetSession *session = party_session (self, call, party);
  DuetConnectedEvent event = {
    .call_id = call->call_id,
    .is_in_responder_preparation = call->in_preparation,
    .should_finish_preparation = call->in_preparation && party == DUET_CALL_PARTY_CALLEE,
  };

  if (session != NULL)
    duet_session_send (session, duet_connected_event_build (&event));
}

static void
handle_accept_call (DuetServer  *self,
                    DuetSession *session,
                    JsonObject  *message,
                    const char  *id)
{
  g_auto(DuetAcceptCallRequest) request = { 0 };
  g_autoptr(GError) error = NULL;
  DuetCallParty party = DUET_CALL_PARTY_NONE;
  DuetCallRecord *call;

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
  if (call->state != DUET_CALL_STATE_RINGING)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE, "The call is not ringing");
      return;
    }

  g_clear_handle_id (&call->ring_timer, g_source_remove);
  call->state = DUET_CALL_STATE_CONNECTED;
  call->answered_at = now_ms ();
  call->in_preparation = request.use_responder_preparation;
  save_call (self, call);

  reply_empty (session, id);
  send_connected (self, call, DUET_CALL_PARTY_CALLER);
  send_connected (self, call, DUET_CALL_PARTY_CALLEE);
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

  if (call->state == DUET_CALL_STATE_CONNECTED)
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
  reply_empty (session, id);
  duet_server_end_call (self, call, reason, party_source (party));
}

static void
handle_signal (DuetServer  *self,
               DuetSession *session,
               JsonObject  *message,
               const char  *id)
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
  if (call->state != DUET_CALL_STATE_RINGING && call->state != DUET_CALL_STATE_CONNECTED)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE,
                               "Signalling starts once the callee has verified");
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
handle_media_state (DuetServer  *self,
                    DuetSession *session,
                    JsonObject  *message,
                    const char  *id)
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
handle_finish_preparation (DuetServer  *self,
                           DuetSession *session,
                           JsonObject  *message,
                           const char  *id)
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
  if (party != DUET_CALL_PARTY_CALLEE || call->state != DUET_CALL_STATE_CONNECTED || !call->in_preparation)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_BAD_STATE,
                               "Only the callee of a call in responder preparation can finish it");
      return;
    }

  call->in_preparation = FALSE;
  reply_empty (session, id);

  caller = party_session (self, call, DUET_CALL_PARTY_CALLER);
  event = (DuetPreparationFinishedEvent) { .call_id = call->call_id };
  if (caller != NULL)
    duet_session_send (caller, duet_preparation_finished_event_build (&event));
}

/* PlanetKit's sendShortData(): relayed to the peer's connection, or refused */
static void
handle_short_data (DuetServer  *self,
                   DuetSession *session,
                   JsonObject  *message,
                   const char  *id)
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
handle_history (DuetServer  *self,
                DuetSession *session,
                JsonObject  *message,
                const char  *id)
{
  gint64 account = duet_session_get_account_id (session);
  g_auto(DuetHistoryRequest) request = { 0 };
  g_auto(DuetHistoryReply) reply = { 0 };
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(GError) error = NULL;

  if (!duet_history_request_parse (message, &request, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }

  calls = duet_store_load_history (self->store, account, request.before, request.limit, &error);
  if (calls == NULL)
    {
      g_warning ("Cannot load history: %s", error->message);
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_INTERNAL, "Database error");
      return;
    }

  reply.calls = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_history_entry_free);
  for (guint i = 0; i < calls->len; i++)
    {
      DuetCallRecord *call = g_ptr_array_index (calls, i);

      g_ptr_array_add (reply.calls, duet_call_record_to_history (call, duet_call_record_get_party (call, account)));
    }
  duet_session_send (session, duet_history_reply_build (id, &reply));
}

static const RequestHandler request_handlers[] = {
  [DUET_REQUEST_AUTH] = handle_auth,
  [DUET_REQUEST_MAKE_CALL] = handle_make_call,
  [DUET_REQUEST_VERIFY_CALL] = handle_verify_call,
  [DUET_REQUEST_ACCEPT_CALL] = handle_accept_call,
  [DUET_REQUEST_END_CALL] = handle_end_call,
  [DUET_REQUEST_SIGNAL] = handle_signal,
  [DUET_REQUEST_MEDIA_STATE] = handle_media_state,
  [DUET_REQUEST_HISTORY] = handle_history,
  [DUET_REQUEST_PING] = handle_ping,
  [DUET_REQUEST_FINISH_PREPARATION] = handle_finish_preparation,
  [DUET_REQUEST_SHORT_DATA] = handle_short_data,
};

void
duet_server_on_session_request (DuetSession *session,
                                JsonObject  *message,
                                const char  *type,
                                const char  *id,
                                DuetServer  *self)
{
  DuetRequestType request = duet_request_type_from_string (type);

  /* an account revoked a moment ago must not act any more */
  duet_server_check_revocations (self);
  if (!duet_session_is_open (session))
    return;

  if ((guint) request >= G_N_ELEMENTS (request_handlers) || request_handlers[request] == NULL)
    {
      duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_UNKNOWN_TYPE, "Unknown request type");
      return;
    }
  request_handlers[request] (self, session, message, id);
}
