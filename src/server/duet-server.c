/* duet-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One GMainContext runs everything: HTTP, WebSockets, timers and SQLite.
 * Calls follow users, not sockets: `users` maps a user to its current
 * session and `user_calls` to its one call that has not ended.
 *
 * This file holds the type: its life cycle, sign-in, revocation and the
 * public API. The plain HTTP endpoints are in duet-server-http.c, the
 * calls in duet-server-calls.c.
 */
#include "config.h"

#include <string.h>

#include "duet-server-error.h"
#include "duet-server-private.h"

#define ACCOUNT_FAILURES          5
#define ACCOUNT_WINDOW_S          300
#define LISTEN_BACKLOG 1024
#define REVOCATION_POLL_MS        1000
#define CLAIMS_KEY                "duet-token-claims"

G_DEFINE_FINAL_TYPE (DuetServer, duet_server, G_TYPE_OBJECT)

/* ---- small helpers ---------------------------------------------------- */

gint64
duet_server_now_s (void)
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

char *
duet_server_user_key (const char *service,
                      const char *user)
{
  /* '/' is not allowed in ids, so the key is unambiguous */
  return g_strdup_printf ("%s/%s", service, user);
}

static char *
session_key (DuetSession *session)
{
  return duet_server_user_key (duet_session_get_service (session), duet_session_get_user (session));
}

const char *
duet_server_party_user (DuetCallRecord *call,
                        DuetCallParty   party)
{
  return party == DUET_CALL_PARTY_CALLER ? call->caller_user : call->callee_user;
}

const char *
duet_server_party_service (DuetCallRecord *call,
                           DuetCallParty   party)
{
  return party == DUET_CALL_PARTY_CALLER ? call->caller_service : call->callee_service;
}

char *
duet_server_party_key (DuetCallRecord *call,
                       DuetCallParty   party)
{
  return duet_server_user_key (duet_server_party_service (call, party),
                               duet_server_party_user (call, party));
}

DuetCallRecord *
duet_server_lookup_user_call (DuetServer *self,
                              const char *service,
                              const char *user)
{
  g_autofree char *key = duet_server_user_key (service, user);

  return g_hash_table_lookup (self->user_calls, key);
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

void
duet_server_remove_call_timers (DuetCallRecord *call)
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
        duet_server_remove_call_timers (value);
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

/* ---- tokens and sign-in ---------------------------------------------- */

/* A token is good if it verifies and its account still exists with the
 * same token version (removal and password changes revoke). */
gboolean
duet_server_check_token (DuetServer      *self,
                         const char      *token,
                         DuetTokenClaims *claims,
                         GError         **error)
{
  gint64 token_version = -1;

  if (!duet_token_verify (token, self->jwt_key, sizeof self->jwt_key, duet_server_now_s (), claims, error))
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
const char *
duet_server_bearer_token (SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                                     "Authorization");

  if (header == NULL || g_ascii_strncasecmp (header, "Bearer ", 7) != 0)
    return NULL;
  return header + 7;
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
  json_object_set_string_member (o, "peer_user", duet_server_party_user (call, peer));
  json_object_set_string_member (o, "peer_service", duet_server_party_service (call, peer));
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

void
duet_server_sign_in (DuetServer      *self,
                     DuetSession     *session,
                     DuetTokenClaims *claims)
{
  g_autofree char *key = duet_server_user_key (claims->sid, claims->uid);
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

  call = duet_server_lookup_user_call (self, claims->sid, claims->uid);
  if (call != NULL)
    {
      DuetCallParty party = duet_call_record_get_party (call, claims->sid, claims->uid);
      g_clear_handle_id (&call->grace_timer[party], g_source_remove);
    }

  send_hello (self, session, call);
  duet_server_deliver_pending (self, session);
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
            duet_server_start_grace_timer (self, call,
                                           duet_call_record_get_party (call, duet_session_get_service (session),
                                                                       duet_session_get_user (session)));
        }
    }

  self->metrics.connections--;
  g_signal_handlers_disconnect_by_data (session, self);
  if (g_hash_table_steal (self->sessions, session))
    drop_session_later (session);
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
      duet_server_respond_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable", "Too many connections");
      return;
    }

  header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                         "Authorization");
  if (header == NULL)
    return;

  token = duet_server_bearer_token (msg);
  claims = g_new0 (DuetTokenClaims, 1);
  if (token == NULL || !duet_server_check_token (self, token, claims, &error))
    {
      g_debug ("Upgrade refused: %s", error ? error->message : "not a bearer token");
      free_claims (claims);
      duet_server_respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "auth_failed",
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
  g_signal_connect (session, "request", G_CALLBACK (duet_server_on_session_request), self);
  g_signal_connect (session, "closed", G_CALLBACK (on_session_closed), self);

  if (claims != NULL)
    duet_server_sign_in (self, session, claims);
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
  g_autofree char *key = duet_server_user_key (service, user);
  DuetCallRecord *call = g_hash_table_lookup (self->user_calls, key);
  DuetSession *session;

  if (call != NULL)
    duet_server_end_call (self, call, DUET_DISCONNECT_REASON_AUTH_ERROR,
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
        if (!account_is_current (self, duet_server_party_service (call, p), duet_server_party_user (call, p), -1))
          g_ptr_array_add (revoked, duet_server_party_key (call, p));
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
          duet_server_end_call (self, call, DUET_DISCONNECT_REASON_SERVICE_MAINTENANCE,
                                DUET_DISCONNECT_SOURCE_APP_SERVER, DUET_CALL_PARTY_NONE);
          continue;
        }

      g_message ("Call %s resumed after restart", call->call_id);
      g_hash_table_insert (self->user_calls, duet_server_party_key (call, DUET_CALL_PARTY_CALLER), call);
      g_hash_table_insert (self->user_calls, duet_server_party_key (call, DUET_CALL_PARTY_CALLEE), call);
      duet_server_start_grace_timer (self, call, DUET_CALL_PARTY_CALLER);
      duet_server_start_grace_timer (self, call, DUET_CALL_PARTY_CALLEE);
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
  soup_server_add_handler (self->soup, "/v1/token", duet_server_handle_token, self, NULL);
  soup_server_add_handler (self->soup, "/v1/token/refresh", duet_server_handle_token_refresh, self, NULL);
  soup_server_add_handler (self->soup, "/healthz", duet_server_handle_healthz, self, NULL);
  soup_server_add_handler (self->soup, "/metrics", duet_server_handle_metrics, self, NULL);
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
        duet_server_remove_call_timers (call);
      else
        duet_server_end_call (self, call, DUET_DISCONNECT_REASON_SERVICE_MAINTENANCE,
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
