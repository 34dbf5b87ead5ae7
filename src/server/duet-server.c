/* duet-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One GMainContext runs everything: HTTP, WebSockets, timers and SQLite.
 * Calls follow users, not sockets: `users` maps a user to its current
 * session and `user_calls` to its one call that has not ended.
 */
#include "config.h"

#include <string.h>
#include <libsoup/soup.h>

#include "duet-cc-param.h"
#include "duet-login-limiter.h"
#include "duet-metrics.h"
#include "duet-server-error.h"
#include "duet-server.h"
#include "duet-session.h"
#include "duet-token.h"

#define MAX_LOGIN_BODY            4096
#define ACCOUNT_FAILURES          5
#define ACCOUNT_WINDOW_S          300
#define LISTEN_BACKLOG 1024
#define REVOCATION_POLL_MS        1000
#define HISTORY_DEFAULT_LIMIT     50
#define HISTORY_MAX_LIMIT         200
#define MAX_MEDIA_REASON_LENGTH   256
#define CLAIMS_KEY                "duet-token-claims"

struct _DuetServer
{
  GObject            parent_instance;

  DuetServerOptions  options;
  char              *listen;
  char              *service;
  char              *tls_cert;
  char              *tls_key;

  DuetStore         *store;
  guint8             jwt_key[DUET_STORE_SECRET_LENGTH];
  guint8             cc_key[DUET_STORE_SECRET_LENGTH];
  SoupServer        *soup;
  DuetLoginLimiter  *limiter;
  DuetMetrics        metrics;

  GHashTable        *sessions;     /* DuetSession* → owned */
  GHashTable        *users;        /* "service/user" → DuetSession* */
  GHashTable        *calls;        /* call_id → DuetCallRecord* owned */
  GHashTable        *user_calls;   /* "service/user" → DuetCallRecord* */

  gint64             data_version;
  guint              revocation_poll;
  gboolean           shutting_down;
};

G_DEFINE_FINAL_TYPE (DuetServer, duet_server, G_TYPE_OBJECT)

typedef struct
{
  DuetServer     *server;
  DuetCallRecord *call;
  DuetCallParty   party;
} CallTimer;

static void end_call (DuetServer           *self,
                      DuetCallRecord       *call,
                      DuetDisconnectReason  reason,
                      DuetDisconnectSource  source,
                      DuetCallParty         ender);

/* ---- small helpers ---------------------------------------------------- */

static gint64
now_ms (void)
{
  return g_get_real_time () / 1000;
}

static gint64
now_s (void)
{
  return g_get_real_time () / G_USEC_PER_SEC;
}

static GPtrArray *
table_keys (GHashTable *table)
{
  GPtrArray *keys = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  return keys;
}

static GPtrArray *
table_values (GHashTable *table)
{
  GPtrArray *values = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (values, value);
  return values;
}

static char *
user_key (const char *service,
          const char *user)
{
  /* '/' is not allowed in ids, so the key is unambiguous */
  return g_strdup_printf ("%s/%s", service, user);
}

static char *
session_key (DuetSession *session)
{
  return user_key (duet_session_get_service (session), duet_session_get_user (session));
}

static const char *
party_user (DuetCallRecord *call,
            DuetCallParty   party)
{
  return party == DUET_CALL_PARTY_CALLER ? call->caller_user : call->callee_user;
}

static const char *
party_service (DuetCallRecord *call,
               DuetCallParty   party)
{
  return party == DUET_CALL_PARTY_CALLER ? call->caller_service : call->callee_service;
}

static char *
party_key (DuetCallRecord *call,
           DuetCallParty   party)
{
  return user_key (party_service (call, party), party_user (call, party));
}

static DuetSession *
lookup_session (DuetServer *self,
                const char *service,
                const char *user)
{
  g_autofree char *key = user_key (service, user);

  return g_hash_table_lookup (self->users, key);
}

static DuetSession *
party_session (DuetServer     *self,
               DuetCallRecord *call,
               DuetCallParty   party)
{
  return lookup_session (self, party_service (call, party), party_user (call, party));
}

static DuetCallRecord *
lookup_user_call (DuetServer *self,
                  const char *service,
                  const char *user)
{
  g_autofree char *key = user_key (service, user);

  return g_hash_table_lookup (self->user_calls, key);
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

static gboolean
remove_source (gpointer user_data)
{
  return G_SOURCE_REMOVE;
}

static void
drop_session_later (DuetSession *session)
{
  /* Sessions are dropped from their own ::closed emission; unref when idle */
  g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, remove_source, session, g_object_unref);
}

/* ---- GObject ---------------------------------------------------------- */

static void
remove_call_timers (DuetCallRecord *call)
{
  g_clear_handle_id (&call->ring_timer, g_source_remove);
  g_clear_handle_id (&call->grace_timer[0], g_source_remove);
  g_clear_handle_id (&call->grace_timer[1], g_source_remove);
}

static void
duet_server_dispose (GObject *object)
{
  DuetServer *self = DUET_SERVER (object);
  GHashTableIter iter;
  gpointer value;

  g_clear_handle_id (&self->revocation_poll, g_source_remove);
  if (self->calls != NULL)
    {
      g_hash_table_iter_init (&iter, self->calls);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        remove_call_timers (value);
    }
  g_clear_pointer (&self->users, g_hash_table_unref);
  g_clear_pointer (&self->user_calls, g_hash_table_unref);
  g_clear_pointer (&self->calls, g_hash_table_unref);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->limiter);
  g_clear_object (&self->store);
  G_OBJECT_CLASS (duet_server_parent_class)->dispose (object);
}

static void
duet_server_finalize (GObject *object)
{
  DuetServer *self = DUET_SERVER (object);

  memset (self->jwt_key, 0, sizeof self->jwt_key);
  memset (self->cc_key, 0, sizeof self->cc_key);
  duet_metrics_clear (&self->metrics);
  g_free (self->listen);
  g_free (self->service);
  g_free (self->tls_cert);
  g_free (self->tls_key);
  G_OBJECT_CLASS (duet_server_parent_class)->finalize (object);
}

static void
duet_server_class_init (DuetServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_server_dispose;
  object_class->finalize = duet_server_finalize;
}

static void
duet_server_init (DuetServer *self)
{
  duet_metrics_init (&self->metrics);
  self->sessions = g_hash_table_new_full (NULL, NULL, g_object_unref, NULL);
  self->users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->calls = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) duet_call_record_unref);
  self->user_calls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* ---- HTTP ------------------------------------------------------------- */

static void
respond_json (SoupServerMessage *msg,
              guint              status,
              JsonObject        *body)
{
  g_autofree char *text = duet_protocol_serialize (body);
  gsize len = strlen (text);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), len);
}

static void
respond_error (SoupServerMessage *msg,
               guint              status,
               const char        *error,
               const char        *message)
{
  g_autoptr(JsonObject) body = json_object_new ();

  json_object_set_string_member (body, "error", error);
  json_object_set_string_member (body, "message", message);
  respond_json (msg, status, body);
}

static void
handle_healthz (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  DuetServer *self = user_data;
  g_autoptr(JsonObject) body = json_object_new ();

  if (self->shutting_down)
    {
      json_object_set_string_member (body, "status", "shutting_down");
      respond_json (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, body);
      return;
    }
  json_object_set_string_member (body, "status", "ok");
  json_object_set_string_member (body, "version", PACKAGE_VERSION);
  respond_json (msg, SOUP_STATUS_OK, body);
}

static void
handle_metrics (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  DuetServer *self = user_data;
  char *text = duet_metrics_to_prometheus (&self->metrics);

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4", SOUP_MEMORY_TAKE,
                                    text, strlen (text));
}

typedef struct
{
  DuetServer        *server;
  SoupServerMessage *msg;
  char              *service;
  char              *user;
  char              *password;
  char              *hash;          /* NULL: unknown account */
  gint64             token_version;
} LoginData;

static void
login_data_free (LoginData *data)
{
  g_object_unref (data->server);
  g_object_unref (data->msg);
  g_free (data->service);
  g_free (data->user);
  if (data->password != NULL)
    memset (data->password, 0, strlen (data->password));
  g_free (data->password);
  g_free (data->hash);
  g_free (data);
}

static void
login_failed (DuetServer        *self,
              SoupServerMessage *msg,
              const char        *account)
{
  self->metrics.logins[DUET_LOGIN_RESULT_INVALID]++;
  duet_login_limiter_add_failure (self->limiter, account, now_s ());
  respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_credentials",
                 "Wrong user, service or password");
}

/* The answer of both POST /v1/token and POST /v1/token/refresh */
static void
respond_new_token (DuetServer        *self,
                   SoupServerMessage *msg,
                   const char        *service,
                   const char        *user,
                   gint64             token_version)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *token = NULL;
  gint64 iat = now_s ();

  token = duet_token_sign (user, service, iat, iat + self->options.token_lifetime,
                           token_version, self->jwt_key, sizeof self->jwt_key);
  json_object_set_string_member (body, "token", token);
  json_object_set_string_member (body, "token_type", "Bearer");
  json_object_set_int_member (body, "expires_in", self->options.token_lifetime);
  json_object_set_string_member (body, "user", user);
  json_object_set_string_member (body, "service", service);
  respond_json (msg, SOUP_STATUS_OK, body);
}

static void
login_succeeded (DuetServer        *self,
                 SoupServerMessage *msg,
                 const char        *service,
                 const char        *user,
                 gint64             token_version)
{
  self->metrics.logins[DUET_LOGIN_RESULT_OK]++;
  g_message ("User %s/%s signed in", service, user);
  respond_new_token (self, msg, service, user, token_version);
}

/* Argon2id takes tens of milliseconds on purpose: keep it off the main loop */
static void
verify_password_thread (GTask        *task,
                        gpointer      source_object,
                        gpointer      task_data,
                        GCancellable *cancellable)
{
  LoginData *data = task_data;

  if (data->hash == NULL)
    {
      duet_store_check_password (duet_store_get_dummy_hash (), data->password);
      g_task_return_boolean (task, FALSE);
      return;
    }
  g_task_return_boolean (task, duet_store_check_password (data->hash, data->password));
}

static void
verify_password_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  LoginData *data = g_task_get_task_data (G_TASK (result));
  g_autofree char *account = user_key (data->service, data->user);

  if (g_task_propagate_boolean (G_TASK (result), NULL))
    login_succeeded (data->server, data->msg, data->service, data->user, data->token_version);
  else
    login_failed (data->server, data->msg, account);
  soup_server_message_unpause (data->msg);
}

static gboolean
read_login_request (DuetServer        *self,
                    SoupServerMessage *msg,
                    LoginData         *data)
{
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (request);
  g_autoptr(JsonObject) body = NULL;
  g_autoptr(GError) error = NULL;
  const char *service = NULL, *user, *password = NULL;
  gsize len = 0;
  const char *raw = g_bytes_get_data (bytes, &len);

  if (len > MAX_LOGIN_BODY)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad_request", "The request body is over 4 KiB");
      return FALSE;
    }

  body = duet_protocol_parse_message (raw != NULL ? raw : "", len, &error);
  if (body == NULL)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad_request", error->message);
      return FALSE;
    }

  user = duet_json_get_string (body, "user", TRUE, &error);
  if (user != NULL)
    password = duet_json_get_string (body, "password", TRUE, &error);
  if (user != NULL && password != NULL)
    service = duet_json_get_string (body, "service", FALSE, &error);
  if (error != NULL)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad_request", error->message);
      return FALSE;
    }
  if (service == NULL)
    service = self->service;

  if (!duet_user_id_is_valid (user) || !duet_service_id_is_valid (service))
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad_request",
                     "User and service ids are 1–64 letters, digits, “-”, “_” or “.”");
      return FALSE;
    }
  if (*password == '\0' || strlen (password) > DUET_PROTOCOL_MAX_PASSWORD)
    {
      respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad_request", "Passwords are 1–1024 bytes");
      return FALSE;
    }

  data->service = g_strdup (service);
  data->user = g_strdup (user);
  data->password = g_strdup (password);
  return TRUE;
}

static void
respond_rate_limited (SoupServerMessage *msg,
                      gint64             retry_after)
{
  g_autoptr(JsonObject) body = json_object_new ();
  g_autofree char *header = g_strdup_printf ("%" G_GINT64_FORMAT, retry_after);

  json_object_set_string_member (body, "error", "rate_limited");
  json_object_set_string_member (body, "message", "Too many sign-in attempts; try again later");
  json_object_set_int_member (body, "retry_after", retry_after);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Retry-After", header);
  respond_json (msg, 429, body);
}

static void
handle_token (SoupServer        *server,
              SoupServerMessage *msg,
              const char        *path,
              GHashTable        *query,
              gpointer           user_data)
{
  DuetServer *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  g_autofree char *account = NULL;
  LoginData *data;
  gint64 retry_after = 0;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "bad_request", "Use POST");
      return;
    }

  data = g_new0 (LoginData, 1);
  data->server = g_object_ref (self);
  data->msg = g_object_ref (msg);
  if (!read_login_request (self, msg, data))
    {
      self->metrics.logins[DUET_LOGIN_RESULT_BAD_REQUEST]++;
      login_data_free (data);
      return;
    }

  account = user_key (data->service, data->user);
  if (!duet_login_limiter_allow (self->limiter, account, soup_server_message_get_remote_host (msg),
                                 now_s (), &retry_after))
    {
      self->metrics.logins[DUET_LOGIN_RESULT_RATE_LIMITED]++;
      respond_rate_limited (msg, retry_after);
      login_data_free (data);
      return;
    }

  if (!duet_store_lookup_user (self->store, data->service, data->user,
                               &data->hash, &data->token_version, &error) &&
      !g_error_matches (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND))
    {
      g_warning ("Cannot look up an account: %s", error->message);
      respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal", "Database error");
      login_data_free (data);
      return;
    }

  soup_server_message_pause (msg);
  task = g_task_new (self, NULL, verify_password_done, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) login_data_free);
  g_task_run_in_thread (task, verify_password_thread);
}

/* ---- tokens and sign-in ---------------------------------------------- */

/* A token is good if it verifies and its account still exists with the
 * same token version (removal and password changes revoke). */
static gboolean
check_token (DuetServer      *self,
             const char      *token,
             DuetTokenClaims *claims,
             GError         **error)
{
  gint64 token_version = -1;

  if (!duet_token_verify (token, self->jwt_key, sizeof self->jwt_key, now_s (), claims, error))
    return FALSE;

  if (!duet_store_lookup_user (self->store, claims->sid, claims->uid, NULL, &token_version, NULL) ||
      token_version != claims->tv)
    {
      duet_token_claims_clear (claims);
      g_set_error_literal (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_BAD_TOKEN,
                           "Invalid token: revoked");
      return FALSE;
    }
  return TRUE;
}

/* The token of an "Authorization: Bearer TOKEN" header, or NULL */
static const char *
bearer_token (SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return NULL;
  return header + 7;
}

/* A good token buys a new one for the same account and token version, so
 * a password change or account removal still revokes the new token. Only
 * failures count against the address: a refresh names no account to
 * limit, and valid refreshes must not eat into the sign-in budget. */
static void
handle_token_refresh (SoupServer        *server,
                      SoupServerMessage *msg,
                      const char        *path,
                      GHashTable        *query,
                      gpointer           user_data)
{
  DuetServer *self = user_data;
  const char *address = soup_server_message_get_remote_host (msg);
  const char *token = bearer_token (msg);
  g_auto(DuetTokenClaims) claims = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 retry_after = 0;

  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "bad_request", "Use POST");
      return;
    }

  if (!duet_login_limiter_allow_address (self->limiter, address, now_s (), &retry_after))
    {
      self->metrics.refreshes[DUET_REFRESH_RESULT_RATE_LIMITED]++;
      respond_rate_limited (msg, retry_after);
      return;
    }

  /* One answer whatever was wrong, as for passwords */
  if (token == NULL || !check_token (self, token, &claims, &error))
    {
      g_debug ("Refresh refused: %s", error ? error->message : "no bearer token");
      self->metrics.refreshes[DUET_REFRESH_RESULT_INVALID]++;
      duet_login_limiter_add_address_failure (self->limiter, address, now_s ());
      respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_token",
                     "The token is invalid, expired or revoked");
      return;
    }

  self->metrics.refreshes[DUET_REFRESH_RESULT_OK]++;
  g_debug ("User %s/%s refreshed a token", claims.sid, claims.uid);
  respond_new_token (self, msg, claims.sid, claims.uid, claims.tv);
}

static JsonObject *
call_summary (DuetCallRecord *call,
              DuetCallParty   viewer)
{
  JsonObject *o = json_object_new ();
  DuetCallParty peer = viewer == DUET_CALL_PARTY_CALLER ? DUET_CALL_PARTY_CALLEE
                                                        : DUET_CALL_PARTY_CALLER;

  json_object_set_string_member (o, "call_id", call->call_id);
  json_object_set_string_member (o, "state", duet_call_state_to_string (call->state));
  json_object_set_string_member (o, "role", viewer == DUET_CALL_PARTY_CALLER ? "caller" : "callee");
  json_object_set_string_member (o, "peer_user", party_user (call, peer));
  json_object_set_string_member (o, "peer_service", party_service (call, peer));
  json_object_set_string_member (o, "media_type", duet_media_type_to_string (call->media_type));
  return o;
}

static void
send_hello (DuetServer     *self,
            DuetSession    *session,
            DuetCallRecord *call)
{
  g_autoptr(JsonObject) hello = json_object_new ();
  JsonArray *calls = json_array_new ();

  json_object_set_string_member (hello, "user", duet_session_get_user (session));
  json_object_set_string_member (hello, "service", duet_session_get_service (session));
  json_object_set_string_member (hello, "server_version", PACKAGE_VERSION);
  json_object_set_int_member (hello, "ring_timeout", self->options.ring_timeout);
  json_object_set_int_member (hello, "grace_period", self->options.grace_period);
  if (call != NULL)
    {
      DuetCallParty party = duet_call_record_get_party (call, duet_session_get_service (session),
                                                        duet_session_get_user (session));
      json_array_add_object_element (calls, call_summary (call, party));
    }
  json_object_set_array_member (hello, "calls", calls);
  duet_session_send_event (session, "hello", hello);
}

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
  const char *service = duet_session_get_service (session);
  const char *user = duet_session_get_user (session);
  DuetCallRecord *call = lookup_user_call (self, service, user);

  if (call != NULL && call->state == DUET_CALL_STATE_WAITING &&
      duet_call_record_get_party (call, service, user) == DUET_CALL_PARTY_CALLEE)
    send_incoming_call (session, call);
}

static void
deliver_pending (DuetServer  *self,
                 DuetSession *session)
{
  const char *service = duet_session_get_service (session);
  const char *user = duet_session_get_user (session);
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) ended = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;

  pending = duet_store_load_pending (self->store, service, user, &error);
  if (pending == NULL)
    {
      g_warning ("Cannot load pending events: %s", error->message);
      return;
    }

  /* missed calls first, then (after any incoming_call) the disconnects */
  for (guint i = 0; i < pending->len; i++)
    {
      DuetCallRecord *call = g_ptr_array_index (pending, i);
      DuetCallParty party = duet_call_record_get_party (call, service, user);

      if (party == DUET_CALL_PARTY_CALLEE && call->callee_pending && callee_gets_missed_call (call))
        {
          send_missed_call (session, call);
          call->callee_pending = FALSE;
          save_call (self, call);
        }
      else
        g_ptr_array_add (ended, call);
    }

  resend_incoming_call (self, session);

  for (guint i = 0; i < ended->len; i++)
    {
      DuetCallRecord *call = g_ptr_array_index (ended, i);
      DuetCallParty party = duet_call_record_get_party (call, service, user);

      send_disconnected (session, call, ender_of (call) != party);
      if (party == DUET_CALL_PARTY_CALLER)
        call->caller_pending = FALSE;
      else
        call->callee_pending = FALSE;
      /* a call to oneself is impossible, so one flag per row is enough */
      save_call (self, call);
    }
}

static void
sign_in (DuetServer      *self,
         DuetSession     *session,
         DuetTokenClaims *claims)
{
  g_autofree char *key = user_key (claims->sid, claims->uid);
  DuetSession *previous = g_hash_table_lookup (self->users, key);
  DuetCallRecord *call;

  duet_session_set_authenticated (session, claims->sid, claims->uid, claims->tv);
  self->metrics.authenticated_connections++;

  if (previous != NULL && previous != session)
    {
      g_message ("User %s: new connection replaces the old one", key);
      duet_session_send_event (previous, "session_replaced", NULL);
      duet_session_close (previous, DUET_SESSION_CLOSE_REPLACED, "session replaced");
    }
  g_hash_table_replace (self->users, g_strdup (key), session);

  call = lookup_user_call (self, claims->sid, claims->uid);
  if (call != NULL)
    {
      DuetCallParty party = duet_call_record_get_party (call, claims->sid, claims->uid);
      g_clear_handle_id (&call->grace_timer[party], g_source_remove);
    }

  send_hello (self, session, call);
  deliver_pending (self, session);
}

static gboolean
on_grace_timeout (gpointer user_data)
{
  CallTimer *timer = user_data;

  g_message ("Call %s: %s did not come back", timer->call->call_id,
             party_user (timer->call, timer->party));
  timer->call->grace_timer[timer->party] = 0;
  end_call (timer->server, timer->call, DUET_DISCONNECT_REASON_NETWORK_UNSTABLE,
            DUET_DISCONNECT_SOURCE_APP_SERVER, DUET_CALL_PARTY_NONE);
  return G_SOURCE_REMOVE;
}

static void
start_grace_timer (DuetServer     *self,
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
on_session_closed (DuetSession *session,
                   DuetServer  *self)
{
  g_autofree char *key = NULL;

  if (duet_session_is_authenticated (session))
    {
      DuetCallRecord *call;

      self->metrics.authenticated_connections--;
      key = session_key (session);
      /* A replaced session no longer speaks for its user */
      if (g_hash_table_lookup (self->users, key) == session)
        {
          g_hash_table_remove (self->users, key);
          call = g_hash_table_lookup (self->user_calls, key);
          if (call != NULL && !self->shutting_down)
            start_grace_timer (self, call,
                               duet_call_record_get_party (call, duet_session_get_service (session),
                                                           duet_session_get_user (session)));
        }
    }

  self->metrics.connections--;
  g_signal_handlers_disconnect_by_data (session, self);
  if (g_hash_table_steal (self->sessions, session))
    drop_session_later (session);
}

/* ---- ending calls ----------------------------------------------------- */

static void
unindex_call (DuetServer     *self,
              DuetCallRecord *call)
{
  for (DuetCallParty party = DUET_CALL_PARTY_CALLER; party <= DUET_CALL_PARTY_CALLEE; party++)
    {
      g_autofree char *key = party_key (call, party);

      if (g_hash_table_lookup (self->user_calls, key) == call)
        g_hash_table_remove (self->user_calls, key);
    }
}

/* Tells both parties (or keeps it for when they return), stores, forgets */
static void
end_call (DuetServer           *self,
          DuetCallRecord       *call,
          DuetDisconnectReason  reason,
          DuetDisconnectSource  source,
          DuetCallParty         ender)
{
  /* keeps CALL alive until we return, after the tables drop it */
  g_autoptr(DuetCallRecord) ref = duet_call_record_ref (call);
  DuetSession *caller, *callee;

  (void) ref;  /* only held; clang's -Wunused-variable (-Werror in tools/fuzz) */
  remove_call_timers (call);
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
  end_call (timer->server, timer->call, DUET_DISCONNECT_REASON_NOANSWER,
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

  if (!check_token (self, token, &claims, &error))
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
  sign_in (self, session, &claims);
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
                          DUET_START_FAIL_REASON_MAKE_CALL_TO_SELF, NULL, "You cannot call yourself");
      return FALSE;
    }
  if (!duet_store_lookup_user (self->store, peer_service, peer_user, NULL, NULL, &error))
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
  if (lookup_user_call (self, my_service, me) != NULL)
    {
      reply_start_failed (session, id, DUET_PROTOCOL_ERROR_START_FAILED,
                          DUET_START_FAIL_REASON_ALREADY_EXIST, NULL, "You already have a call");
      return FALSE;
    }

  *out_user = peer_user;
  *out_service = peer_service;
  return TRUE;
}

static DuetCallRecord *
new_call (DuetServer    *self,
          DuetSession   *caller,
          const char    *peer_user,
          const char    *peer_service,
          DuetMediaType  media)
{
  DuetCallRecord *call = duet_call_record_new ();
  gint64 now = now_s ();

  call->call_id = g_uuid_string_random ();
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

  if (!check_make_call (self, session, message, id, &peer_user, &peer_service, &media))
    return;

  call = new_call (self, session, peer_user, peer_service, media);
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

  peer_call = lookup_user_call (self, peer_service, peer_user);
  if (peer_call != NULL)
    {
      end_call (self, call,
                peer_call->state == DUET_CALL_STATE_CONNECTED ? DUET_DISCONNECT_REASON_BUSY
                                                              : DUET_DISCONNECT_REASON_ALREADY_GOT_A_CALL,
                DUET_DISCONNECT_SOURCE_APP_SERVER, DUET_CALL_PARTY_NONE);
      return;
    }

  g_hash_table_insert (self->user_calls, party_key (call, DUET_CALL_PARTY_CALLER), call);
  g_hash_table_insert (self->user_calls, party_key (call, DUET_CALL_PARTY_CALLEE), call);

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
  if (duet_cc_param_get_expires_at (cc) <= now_s ())
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
    *out_party = duet_call_record_get_party (call, duet_session_get_service (session),
                                             duet_session_get_user (session));
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

/* Reasons a client may name in end_call, besides the default one */
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
  end_call (self, call, reason, party_source (party), party);
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

/* Only the browser's forms pass, rebuilt so that nothing else is relayed */
static JsonObject *
validate_signal_payload (JsonObject *message)
{
  JsonNode *node = json_object_get_member (message, "payload");
  g_autoptr(JsonObject) clean = json_object_new ();
  JsonObject *payload;
  const char *type;

  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
    return NULL;
  payload = json_node_get_object (node);
  if (!string_member_ok (payload, "type", TRUE))
    return NULL;
  type = json_object_get_string_member (payload, "type");

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
  const char *service = duet_session_get_service (session);
  const char *user = duet_session_get_user (session);
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

  calls = duet_store_load_history (self->store, service, user, before, limit, &error);
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
                                     duet_call_record_to_history (call,
                                                                  duet_call_record_get_party (call, service, user)));
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

static void
on_session_request (DuetSession *session,
                    JsonObject  *message,
                    const char  *type,
                    const char  *id,
                    DuetServer  *self)
{
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

/* ---- WebSocket -------------------------------------------------------- */

static void
free_claims (gpointer data)
{
  duet_token_claims_clear (data);
  g_free (data);
}

/* Runs before the handshake: refuse here, and no WebSocket is opened */
static void
handle_ws_precheck (SoupServer        *server,
                    SoupServerMessage *msg,
                    const char        *path,
                    GHashTable        *query,
                    gpointer           user_data)
{
  DuetServer *self = user_data;
  const char *header, *token;
  DuetTokenClaims *claims;
  g_autoptr(GError) error = NULL;

  if (self->shutting_down || g_hash_table_size (self->sessions) >= self->options.max_connections)
    {
      respond_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable", "Too many connections");
      return;
    }

  header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                         "Authorization");
  if (header == NULL)
    return;

  token = bearer_token (msg);
  claims = g_new0 (DuetTokenClaims, 1);
  if (token == NULL || !check_token (self, token, claims, &error))
    {
      g_debug ("Upgrade refused: %s", error ? error->message : "not a bearer token");
      free_claims (claims);
      respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "auth_failed",
                     "The token is invalid, expired or revoked");
      return;
    }
  g_object_set_data_full (G_OBJECT (msg), CLAIMS_KEY, claims, free_claims);
}

static void
handle_ws (SoupServer              *server,
           SoupServerMessage       *msg,
           const char              *path,
           SoupWebsocketConnection *connection,
           gpointer                 user_data)
{
  DuetServer *self = user_data;
  DuetTokenClaims *claims = g_object_get_data (G_OBJECT (msg), CLAIMS_KEY);
  DuetSession *session;

  session = duet_session_new (connection, soup_server_message_get_socket (msg),
                              &self->metrics, self->options.auth_timeout);
  g_hash_table_add (self->sessions, session);
  self->metrics.connections++;
  g_signal_connect (session, "request", G_CALLBACK (on_session_request), self);
  g_signal_connect (session, "closed", G_CALLBACK (on_session_closed), self);

  if (claims != NULL)
    sign_in (self, session, claims);
}

/* ---- revocation ------------------------------------------------------- */

static gboolean
account_is_current (DuetServer *self,
                    const char *service,
                    const char *user,
                    gint64      token_version)
{
  gint64 current = -1;

  if (!duet_store_lookup_user (self->store, service, user, NULL, &current, NULL))
    return FALSE;
  return token_version < 0 || current == token_version;
}

static void
revoke_user (DuetServer *self,
             const char *service,
             const char *user)
{
  g_autofree char *key = user_key (service, user);
  DuetCallRecord *call = g_hash_table_lookup (self->user_calls, key);
  DuetSession *session;

  if (call != NULL)
    end_call (self, call, DUET_DISCONNECT_REASON_AUTH_ERROR,
              DUET_DISCONNECT_SOURCE_APP_SERVER, DUET_CALL_PARTY_NONE);

  session = g_hash_table_lookup (self->users, key);
  if (session != NULL)
    {
      g_message ("User %s: account removed or password changed, signing out", key);
      g_hash_table_remove (self->users, key);
      duet_session_close (session, DUET_SESSION_CLOSE_AUTH, "revoked");
    }
}

/* `duet-server user remove/passwd` run in another process; SQLite's
 * data_version tells us cheaply when anyone else has written. */
static gboolean
poll_revocations (gpointer user_data)
{
  DuetServer *self = user_data;
  gint64 version = duet_store_get_data_version (self->store);
  g_autoptr(GPtrArray) revoked = NULL;
  GHashTableIter iter;
  gpointer value;

  if (version == self->data_version)
    return G_SOURCE_CONTINUE;
  self->data_version = version;

  revoked = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&iter, self->users);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DuetSession *session = value;

      if (!account_is_current (self, duet_session_get_service (session),
                               duet_session_get_user (session),
                               duet_session_get_token_version (session)))
        g_ptr_array_add (revoked, session_key (session));
    }

  /* Parties that are offline have no token to compare: the account must exist */
  g_hash_table_iter_init (&iter, self->calls);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DuetCallRecord *call = value;

      for (DuetCallParty p = DUET_CALL_PARTY_CALLER; p <= DUET_CALL_PARTY_CALLEE; p++)
        if (!account_is_current (self, party_service (call, p), party_user (call, p), -1))
          g_ptr_array_add (revoked, party_key (call, p));
    }

  for (guint i = 0; i < revoked->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (revoked, i), "/", 2);
      revoke_user (self, parts[0], parts[1]);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- life cycle ------------------------------------------------------- */

/* Connected calls survive a restart; anything else left behind did not */
static gboolean
load_open_calls (DuetServer  *self,
                 GError     **error)
{
  g_autoptr(GPtrArray) calls = duet_store_load_open_calls (self->store, error);

  if (calls == NULL)
    return FALSE;

  for (guint i = 0; i < calls->len; i++)
    {
      DuetCallRecord *call = duet_call_record_ref (g_ptr_array_index (calls, i));

      g_hash_table_insert (self->calls, call->call_id, call);
      self->metrics.active_calls++;
      if (call->state != DUET_CALL_STATE_CONNECTED)
        {
          end_call (self, call, DUET_DISCONNECT_REASON_SERVICE_MAINTENANCE,
                    DUET_DISCONNECT_SOURCE_APP_SERVER, DUET_CALL_PARTY_NONE);
          continue;
        }

      g_message ("Call %s resumed after restart", call->call_id);
      g_hash_table_insert (self->user_calls, party_key (call, DUET_CALL_PARTY_CALLER), call);
      g_hash_table_insert (self->user_calls, party_key (call, DUET_CALL_PARTY_CALLEE), call);
      start_grace_timer (self, call, DUET_CALL_PARTY_CALLER);
      start_grace_timer (self, call, DUET_CALL_PARTY_CALLEE);
    }
  return TRUE;
}

DuetServer *
duet_server_new (DuetStore               *store,
                 const DuetServerOptions *options,
                 GError                 **error)
{
  g_autoptr(DuetServer) self = g_object_new (DUET_TYPE_SERVER, NULL);

  self->store = g_object_ref (store);
  self->options = *options;
  self->listen = g_strdup (options->listen ? options->listen : "127.0.0.1");
  self->service = g_strdup (options->service ? options->service : "duet");
  self->tls_cert = g_strdup (options->tls_cert);
  self->tls_key = g_strdup (options->tls_key);
  self->options.listen = self->listen;
  self->options.service = self->service;
  self->options.tls_cert = self->tls_cert;
  self->options.tls_key = self->tls_key;
  if (self->options.auth_timeout == 0)
    self->options.auth_timeout = 10;

  if (!duet_service_id_is_valid (self->service))
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_INVALID_ID,
                   "Invalid service id “%s”: use 1–64 letters, digits, “-”, “_” or “.”",
                   self->service);
      return NULL;
    }

  if (!duet_store_get_secret (store, "jwt_key", self->jwt_key, error) ||
      !duet_store_get_secret (store, "cc_param_key", self->cc_key, error))
    return NULL;

  self->limiter = duet_login_limiter_new (ACCOUNT_FAILURES, ACCOUNT_WINDOW_S,
                                          options->login_rate_per_address, 60);
  if (!load_open_calls (self, error))
    return NULL;

  return g_steal_pointer (&self);
}

/* soup_server_listen() keeps GSocket's backlog of 10, which overflows
 * when clients reconnect together (after a restart, say) */
static GSocket *
listen_socket (GSocketAddress  *address,
               GError         **error)
{
  g_autoptr(GSocket) sock = NULL;

  sock = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                       G_SOCKET_PROTOCOL_TCP, error);
  if (sock == NULL)
    return NULL;

  g_socket_set_listen_backlog (sock, LISTEN_BACKLOG);
  if (!g_socket_bind (sock, address, TRUE, error) || !g_socket_listen (sock, error))
    return NULL;

  return g_steal_pointer (&sock);
}

gboolean
duet_server_start (DuetServer  *self,
                   GError     **error)
{
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  g_autoptr(GSocket) listener = NULL;
  SoupServerListenOptions listen_options = 0;

  if (self->tls_cert != NULL || self->tls_key != NULL)
    {
      if (self->tls_cert == NULL || self->tls_key == NULL)
        {
          g_set_error_literal (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_FAILED,
                               "--tls-cert and --tls-key go together");
          return FALSE;
        }
      cert = g_tls_certificate_new_from_files (self->tls_cert, self->tls_key, error);
      if (cert == NULL)
        return FALSE;
      listen_options |= SOUP_SERVER_LISTEN_HTTPS;
    }

  address = g_inet_address_new_from_string (self->listen);
  if (address == NULL)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_FAILED,
                   "“%s” is not an IP address", self->listen);
      return FALSE;
    }

  self->soup = soup_server_new ("server-header", "duet-server/" PACKAGE_VERSION,
                                "tls-certificate", cert, NULL);
  soup_server_add_handler (self->soup, "/v1/token", handle_token, self, NULL);
  soup_server_add_handler (self->soup, "/v1/token/refresh", handle_token_refresh, self, NULL);
  soup_server_add_handler (self->soup, "/healthz", handle_healthz, self, NULL);
  soup_server_add_handler (self->soup, "/metrics", handle_metrics, self, NULL);
  soup_server_add_handler (self->soup, "/v1/ws", handle_ws_precheck, self, NULL);
  soup_server_add_websocket_handler (self->soup, "/v1/ws", NULL, NULL, handle_ws, self, NULL);

  socket_address = g_inet_socket_address_new (address, self->options.port);
  listener = listen_socket (socket_address, error);
  if (listener == NULL ||
      !soup_server_listen_socket (self->soup, listener, listen_options, error))
    return FALSE;

  self->data_version = duet_store_get_data_version (self->store);
  self->revocation_poll = g_timeout_add (REVOCATION_POLL_MS, poll_revocations, self);
  return TRUE;
}

char *
duet_server_get_url (DuetServer *self)
{
  GSList *uris = soup_server_get_uris (self->soup);
  char *url = NULL;

  if (uris != NULL)
    url = g_strdup_printf (strchr (self->listen, ':') ? "%s://[%s]:%d" : "%s://%s:%d",
                           g_uri_get_scheme (uris->data), self->listen, g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  return url;
}

guint
duet_server_get_n_sessions (DuetServer *self)
{
  return g_hash_table_size (self->sessions);
}

/* Unanswered calls end; connected ones stay 'connected' in the database
 * so that the next start can pick them up. */
void
duet_server_begin_shutdown (DuetServer *self)
{
  g_autoptr(GPtrArray) sessions = NULL;
  g_autoptr(GPtrArray) calls = NULL;
  g_autoptr(JsonObject) event = json_object_new ();

  if (self->shutting_down)
    return;
  self->shutting_down = TRUE;
  g_message ("Shutting down");
  g_clear_handle_id (&self->revocation_poll, g_source_remove);

  json_object_set_boolean_member (event, "restarting", TRUE);
  sessions = table_keys (self->sessions);
  for (guint i = 0; i < sessions->len; i++)
    duet_session_send_event (g_ptr_array_index (sessions, i), "server_shutdown", event);

  calls = table_values (self->calls);
  for (guint i = 0; i < calls->len; i++)
    {
      DuetCallRecord *call = g_ptr_array_index (calls, i);

      if (call->state == DUET_CALL_STATE_CONNECTED)
        remove_call_timers (call);
      else
        end_call (self, call, DUET_DISCONNECT_REASON_SERVICE_MAINTENANCE,
                  DUET_DISCONNECT_SOURCE_APP_SERVER, DUET_CALL_PARTY_NONE);
    }

  for (guint i = 0; i < sessions->len; i++)
    duet_session_close (g_ptr_array_index (sessions, i), SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                        "server shutdown");
}

void
duet_server_stop (DuetServer *self)
{
  g_clear_handle_id (&self->revocation_poll, g_source_remove);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  duet_store_close (self->store);
}
