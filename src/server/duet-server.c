/* duet-server.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One GMainContext runs everything: HTTP, WebSockets, timers and SQLite.
 * Calls follow devices, not sockets: `users` maps a user to the sessions
 * of its signed-in devices (one each) and `user_calls` to its one call
 * that has not ended.
 *
 * This file holds the type: its life cycle, sign-in, revocation and the
 * public API. The plain HTTP endpoints are in duet-server-http.c, the
 * calls in duet-server-calls.c.
 */
#include "config.h"

#include <string.h>
#include <sodium.h>

#include "duet-ice-servers.h"
#include "duet-local-bus.h"
#include "duet-server-error.h"
#include "duet-server-private.h"

#define ACCOUNT_FAILURES          5
#define ACCOUNT_WINDOW_S          300
/* Another process's `user passwd`/`user remove` is also noticed at the
 * next request of any session */
#define REVOCATION_POLL_MS        200
/* A timer runs four times a TTL, at least once a minute, and sends a new
 * ICE server list to each session whose list would be half its TTL old
 * by the next run: so no list gets older than that, and one look at each
 * session is all a run costs */
#define ICE_CHECKS_PER_TTL        4
#define ICE_CHECK_MAX_MS          60000
#define CLAIMS_KEY                "duet-token-claims"
#define ACCOUNT_ID_KEY            "duet-account-id"

static void duet_server_call_host_init (DuetCallHostInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DuetServer, duet_server, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (DUET_TYPE_CALL_HOST, duet_server_call_host_init))

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

static char *
session_key (DuetSession *session)
{
  return duet_user_key (duet_session_get_service (session), duet_session_get_user (session));
}

/* The sessions of the user's signed-in devices, or NULL */
GPtrArray *
duet_server_user_sessions (DuetServer *self,
                           const char *service,
                           const char *user)
{
  g_autofree char *key = duet_user_key (service, user);

  return g_hash_table_lookup (self->users, key);
}

/* The same, as a new array holding a reference on each, never NULL: for
 * sending to each, as a send may close a slow client (which leaves the
 * user's array) */
GPtrArray *
duet_server_snapshot_sessions (DuetServer *self,
                               const char *service,
                               const char *user)
{
  GPtrArray *sessions = duet_server_user_sessions (self, service, user);
  GPtrArray *copy = g_ptr_array_new_with_free_func (g_object_unref);

  for (guint i = 0; sessions != NULL && i < sessions->len; i++)
    g_ptr_array_add (copy, g_object_ref (g_ptr_array_index (sessions, i)));
  return copy;
}

/* The session of one device of the user, or NULL; with @device_id NULL,
 * any of them (calls kept from before devices) */
DuetSession *
duet_server_device_session (DuetServer *self,
                            const char *service,
                            const char *user,
                            const char *device_id)
{
  GPtrArray *sessions = duet_server_user_sessions (self, service, user);

  for (guint i = 0; sessions != NULL && i < sessions->len; i++)
    {
      DuetSession *session = g_ptr_array_index (sessions, i);

      if (device_id == NULL || g_strcmp0 (duet_session_get_device_id (session), device_id) == 0)
        return session;
    }
  return NULL;
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
duet_server_dispose (GObject *object)
{
  DuetServer *self = DUET_SERVER (object);

  g_clear_handle_id (&self->revocation_poll, g_source_remove);
  g_clear_handle_id (&self->prune_timer, g_source_remove);
  g_clear_handle_id (&self->ice_timer, g_source_remove);
  g_clear_pointer (&self->turn_secret, duet_ice_free_secret);
  g_clear_object (&self->router);
  g_clear_pointer (&self->users, g_hash_table_unref);
  g_clear_pointer (&self->sessions, g_hash_table_unref);
  g_clear_pointer (&self->budgets, g_hash_table_unref);
  /* after the sessions: each lets go of its channel */
  g_clear_pointer (&self->workers, g_ptr_array_unref);
  if (self->hashing != NULL)
    g_thread_pool_free (g_steal_pointer (&self->hashing), FALSE, TRUE);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->acceptor);
  g_clear_object (&self->soup);
  g_clear_object (&self->limiter);
  g_clear_object (&self->store);
  if (self->directory != NULL)
    g_signal_handlers_disconnect_by_data (self->directory, self);
  g_clear_object (&self->directory);
  if (self->bus != NULL)
    g_signal_handlers_disconnect_by_data (self->bus, self);
  g_clear_object (&self->bus);
  duet_server_clear_web (self);
  G_OBJECT_CLASS (duet_server_parent_class)->dispose (object);
}

static void
duet_server_finalize (GObject *object)
{
  DuetServer *self = DUET_SERVER (object);

  memset (self->jwt_key, 0, sizeof self->jwt_key);
  duet_metrics_clear (&self->metrics);
  g_free (self->listen);
  g_free (self->service);
  g_free (self->tls_cert);
  g_free (self->tls_key);
  g_strfreev (self->stun_uris);
  g_strfreev (self->turn_uris);
  g_strfreev (self->allowed_origins);
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
  self->users = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) g_ptr_array_unref);
  self->budgets = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_rc_box_release);
}

/* ---- requests --------------------------------------------------------- */

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
  DuetPingReply reply = { .now = g_get_real_time () / 1000 };
  g_autoptr(GError) error = NULL;

  if (!duet_ping_request_parse (message, &error))
    {
      duet_session_send_gerror (session, id, error);
      return;
    }
  duet_session_send (session, duet_ping_reply_build (id, &reply));
}

typedef void (*RequestHandler) (DuetServer  *self,
                                DuetSession *session,
                                JsonObject  *message,
                                const char  *id);

/* The requests about the connection and the account; the router takes the
 * calls' */
static const RequestHandler request_handlers[] = {
  [DUET_REQUEST_AUTH] = handle_auth,
  [DUET_REQUEST_PING] = handle_ping,
  [DUET_REQUEST_DEVICES] = duet_server_handle_devices,
  [DUET_REQUEST_SIGN_OUT_DEVICE] = duet_server_handle_sign_out_device,
  [DUET_REQUEST_MARK_SEEN] = duet_server_handle_mark_seen,
};

static void
on_session_request (DuetSession *session,
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

  if ((guint) request < G_N_ELEMENTS (request_handlers) && request_handlers[request] != NULL)
    request_handlers[request] (self, session, message, id);
  else if (!duet_call_router_handle_request (self->router, session, message, type, id))
    duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_UNKNOWN_TYPE, "Unknown request type");
}

/* ---- DuetCallHost ------------------------------------------------------ */

/* Devices connected here first; then those on other nodes, as stand-ins */
static DuetSession *
call_host_device_session (DuetCallHost *host,
                          const char   *service,
                          const char   *user,
                          const char   *device_id)
{
  DuetServer *self = DUET_SERVER (host);
  DuetSession *session = duet_server_device_session (self, service, user, device_id);

  return session != NULL ? session : duet_directory_lookup_device (self->directory, service, user, device_id);
}

static GPtrArray *
call_host_user_sessions (DuetCallHost *host,
                         const char   *service,
                         const char   *user)
{
  DuetServer *self = DUET_SERVER (host);
  GPtrArray *sessions = duet_server_snapshot_sessions (self, service, user);

  duet_directory_add_user_sessions (self->directory, service, user, sessions);
  return sessions;
}

static DuetCallRecord *
call_host_user_call_elsewhere (DuetCallHost *host,
                               const char   *service,
                               const char   *user)
{
  return duet_directory_lookup_user_call (DUET_SERVER (host)->directory, service, user);
}

static gboolean
call_host_forward_request (DuetCallHost *host,
                           DuetSession  *session,
                           const char   *call_id,
                           JsonObject   *message)
{
  return duet_directory_forward_request (DUET_SERVER (host)->directory, session, call_id, message);
}

static DuetTokenBucket *
call_host_call_budget (DuetCallHost *host,
                       gint64        account_id)
{
  return &duet_server_account_budget (DUET_SERVER (host), account_id)->calls;
}

static void
duet_server_call_host_init (DuetCallHostInterface *iface)
{
  iface->device_session = call_host_device_session;
  iface->user_sessions = call_host_user_sessions;
  iface->call_budget = call_host_call_budget;
  iface->user_call_elsewhere = call_host_user_call_elsewhere;
  iface->forward_request = call_host_forward_request;
}

/* ---- STUN and TURN servers ------------------------------------------- */

static gboolean
has_ice_servers (DuetServer *self)
{
  return self->stun_uris != NULL || self->turn_uris != NULL;
}

/* A fresh list (new TURN credentials) for @session */
static GPtrArray *
new_ice_servers (DuetServer  *self,
                 DuetSession *session)
{
  gint64 expires_at = duet_server_now_s () + self->options.turn_ttl;

  duet_session_set_ice_sent_at (session, g_get_monotonic_time ());
  if (self->turn_uris != NULL)
    self->metrics.ice_credentials_issued++;
  return duet_ice_servers_build ((const char * const *) self->stun_uris,
                                 (const char * const *) self->turn_uris,
                                 self->turn_secret, duet_session_get_user (session), expires_at);
}

static gboolean
on_ice_timer (gpointer user_data)
{
  DuetServer *self = user_data;
  gint64 stale = g_get_monotonic_time () + (gint64) self->ice_interval_ms * 1000 -
                 (gint64) self->options.turn_ttl * G_USEC_PER_SEC / 2;
  g_autoptr(GPtrArray) due = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer value;

  /* Collect first: a send may close a slow client, which leaves `users` */
  g_hash_table_iter_init (&iter, self->users);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GPtrArray *sessions = value;

      for (guint i = 0; i < sessions->len; i++)
        {
          DuetSession *session = g_ptr_array_index (sessions, i);

          if (duet_session_get_ice_sent_at (session) <= stale && duet_session_is_open (session))
            g_ptr_array_add (due, session);
        }
    }

  for (guint i = 0; i < due->len; i++)
    {
      DuetSession *session = g_ptr_array_index (due, i);
      g_auto(DuetIceServersEvent) event = {
        .ice_servers = new_ice_servers (self, session),
        .ice_servers_ttl = self->options.turn_ttl,
      };

      duet_session_send (session, duet_ice_servers_event_build (&event));
    }
  return G_SOURCE_CONTINUE;
}

static void
start_ice_timer (DuetServer *self)
{
  guint64 interval_ms = (guint64) self->options.turn_ttl * 1000 / ICE_CHECKS_PER_TTL;

  if (!has_ice_servers (self))
    return;
  g_message ("Handing out %u STUN and %u TURN URIs; TURN credentials live %u s",
             self->stun_uris ? g_strv_length (self->stun_uris) : 0,
             self->turn_uris ? g_strv_length (self->turn_uris) : 0, self->options.turn_ttl);
  self->ice_interval_ms = CLAMP (interval_ms, 1, ICE_CHECK_MAX_MS);
  self->ice_timer = g_timeout_add (self->ice_interval_ms, on_ice_timer, self);
}

static gboolean
check_uris (const char * const  *uris,
            DuetIceUriKind       kind,
            GError             **error)
{
  for (guint i = 0; uris != NULL && uris[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (!duet_ice_uri_check (uris[i], kind, &local_error))
        {
          g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_INVALID_CONFIG,
                       "Invalid %s URI “%s”: %s", kind == DUET_ICE_URI_STUN ? "STUN" : "TURN",
                       uris[i], local_error->message);
          return FALSE;
        }
    }
  return TRUE;
}

static GStrv
copy_uris (const char * const *uris)
{
  return uris != NULL && uris[0] != NULL ? g_strdupv ((char **) uris) : NULL;
}

static gboolean
set_ice_servers (DuetServer               *self,
                 const DuetServerOptions  *options,
                 GError                  **error)
{
  if (!check_uris (options->stun_uris, DUET_ICE_URI_STUN, error) ||
      !check_uris (options->turn_uris, DUET_ICE_URI_TURN, error))
    return FALSE;

  self->stun_uris = copy_uris (options->stun_uris);
  self->turn_uris = copy_uris (options->turn_uris);
  self->options.stun_uris = (const char * const *) self->stun_uris;
  self->options.turn_uris = (const char * const *) self->turn_uris;
  /* Only self->turn_secret holds it; the caller wipes its own copy */
  self->options.turn_secret = NULL;

  if (self->turn_uris == NULL)
    return TRUE;
  if (options->turn_secret == NULL || *options->turn_secret == '\0')
    {
      g_set_error_literal (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_INVALID_CONFIG,
                           "TURN URIs need the secret shared with the TURN server");
      return FALSE;
    }
  self->turn_secret = g_strdup (options->turn_secret);
  return TRUE;
}

/* ---- tokens and sign-in ---------------------------------------------- */

/* A token is good if it verifies, its account still exists with the
 * same token version (removal and password changes revoke) and its
 * device is still signed in with the same key. */
gboolean
duet_server_check_token (DuetServer      *self,
                         const char      *token,
                         DuetTokenClaims *claims,
                         gint64          *out_account_id,
                         GError         **error)
{
  gint64 token_version = -1, device_key = 0, account_id = 0;

  if (!duet_token_verify (token, self->jwt_key, sizeof self->jwt_key, duet_server_now_s (), claims, error))
    return FALSE;

  /* A store that was missing the device (made on another node a moment
   * ago) looks the account up again, token version included: so a
   * version that does not match is read once more after the device */
  if (!duet_store_lookup_user (self->store, claims->sid, claims->uid, &account_id, NULL, &token_version, NULL) ||
      claims->did == NULL ||
      !duet_store_lookup_device (self->store, account_id, claims->did, &device_key, NULL, NULL, NULL) ||
      device_key != claims->dk ||
      (token_version != claims->tv &&
       (!duet_store_lookup_user (self->store, claims->sid, claims->uid, NULL, NULL, &token_version, NULL) ||
        token_version != claims->tv)))
    {
      duet_token_claims_clear (claims);
      g_set_error_literal (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_BAD_TOKEN,
                           "Invalid token: revoked");
      return FALSE;
    }
  if (out_account_id != NULL)
    *out_account_id = account_id;
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

static DuetHelloCall *
call_summary (DuetCallRecord *call,
              DuetCallParty   viewer,
              const char     *device_id)
{
  DuetHelloCall *summary = duet_hello_call_new ();
  DuetCallParty peer = viewer == DUET_CALL_PARTY_CALLER ? DUET_CALL_PARTY_CALLEE
                                                        : DUET_CALL_PARTY_CALLER;

  summary->call_id = g_strdup (call->call_id);
  summary->state = duet_call_record_state_to_wire (call->state);
  /* a device that rings but has not verified has its cc_param to use */
  if (viewer == DUET_CALL_PARTY_CALLEE && call->state == DUET_CALL_RECORD_STATE_RINGING)
    {
      DuetCallLeg *leg = duet_call_record_find_leg (call, device_id);

      if (leg != NULL && !leg->verified)
        summary->state = DUET_WIRE_CALL_STATE_WAITING;
    }
  summary->role = viewer == DUET_CALL_PARTY_CALLER ? DUET_CALL_ROLE_CALLER : DUET_CALL_ROLE_CALLEE;
  summary->peer_user = g_strdup (duet_call_record_party_user (call, peer));
  summary->peer_service = g_strdup (duet_call_record_party_service (call, peer));
  summary->media_type = call->media_type;
  summary->has_in_responder_preparation = call->state == DUET_CALL_RECORD_STATE_CONNECTED;
  summary->in_responder_preparation = call->in_preparation;
  return summary;
}

static void
send_hello (DuetServer     *self,
            DuetSession    *session,
            DuetCallRecord *call,
            const char     *device_name)
{
  g_auto(DuetHelloEvent) hello = {
    .user = g_strdup (duet_session_get_user (session)),
    .service = g_strdup (duet_session_get_service (session)),
    .server_version = g_strdup (PACKAGE_VERSION),
    .ring_timeout = self->options.ring_timeout,
    .grace_period = self->options.grace_period,
    .calls = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_hello_call_free),
    .device_id = g_strdup (duet_session_get_device_id (session)),
    .device_name = g_strdup (device_name),
  };

  if (call != NULL)
    {
      DuetCallParty party = duet_session_get_call_party (session, call);

      if (party != DUET_CALL_PARTY_NONE)
        g_ptr_array_add (hello.calls, call_summary (call, party, duet_session_get_device_id (session)));
    }
  if (has_ice_servers (self))
    {
      hello.ice_servers = new_ice_servers (self, session);
      hello.ice_servers_ttl = self->options.turn_ttl;
    }
  duet_session_send (session, duet_hello_event_build (&hello));
}

DuetAccountBudget *
duet_server_account_budget (DuetServer *self,
                            gint64      account_id)
{
  DuetAccountBudget *budget = g_hash_table_lookup (self->budgets, &account_id);

  if (budget == NULL)
    {
      budget = g_rc_box_new0 (DuetAccountBudget);
      duet_token_bucket_init (&budget->messages, DUET_SESSION_RATE_PER_SECOND, DUET_SESSION_RATE_BURST);
      duet_token_bucket_init (&budget->calls, self->options.calls_per_minute / 60.0,
                              self->options.calls_per_minute);
      g_hash_table_insert (self->budgets, g_memdup2 (&account_id, sizeof account_id), budget);
    }
  return budget;
}

/* A second connection of one device replaces the first; other devices of
 * the user stay */
static void
add_user_session (DuetServer  *self,
                  DuetSession *session)
{
  g_autofree char *key = session_key (session);
  GPtrArray *sessions = g_hash_table_lookup (self->users, key);
  DuetSession *previous;

  if (sessions == NULL)
    {
      sessions = g_ptr_array_new ();
      g_hash_table_insert (self->users, g_strdup (key), sessions);
    }
  previous = duet_server_device_session (self, duet_session_get_service (session),
                                         duet_session_get_user (session),
                                         duet_session_get_device_id (session));
  if (previous != NULL && previous != session)
    {
      g_message ("User %s: device %s connected again, replacing its old connection", key,
                 duet_session_get_device_id (session));
      g_ptr_array_remove (sessions, previous);
      duet_session_send (previous, duet_session_replaced_event_build ());
      duet_session_close (previous, DUET_SESSION_CLOSE_REPLACED, "session replaced");
    }
  g_ptr_array_add (sessions, session);
}

static gboolean remove_user_session (DuetServer  *self,
                                     DuetSession *session);

/* The other nodes: a device connected here replaces its connection
 * there; a wrong password here counts there */
static void
announce_session (DuetServer  *self,
                  DuetSession *session)
{
  g_autoptr(JsonObject) message = json_object_new ();

  json_object_set_string_member (message, "type", "device_connected");
  json_object_set_string_member (message, "service", duet_session_get_service (session));
  json_object_set_string_member (message, "user", duet_session_get_user (session));
  json_object_set_string_member (message, "device", duet_session_get_device_id (session));
  json_object_set_int_member (message, "at", duet_session_get_signed_in_at (session));
  duet_bus_publish (self->bus, "sessions", message);
}

static void
on_bus_message (DuetBus    *bus,
                const char *topic,
                JsonObject *message,
                DuetServer *self)
{
  const char *service = json_object_get_string_member_with_default (message, "service", NULL);
  const char *user = json_object_get_string_member_with_default (message, "user", NULL);
  const char *device = json_object_get_string_member_with_default (message, "device", NULL);
  const char *account = json_object_get_string_member_with_default (message, "account", NULL);
  DuetSession *previous;

  /* a wrong password given to another server counts here too */
  if (g_str_equal (topic, "logins") && account != NULL &&
      g_strcmp0 (json_object_get_string_member_with_default (message, "type", NULL), "login_failure") == 0)
    {
      duet_login_limiter_add_failure (self->limiter, account, duet_server_now_s ());
      return;
    }
  if (!g_str_equal (topic, "sessions") ||
      g_strcmp0 (json_object_get_string_member_with_default (message, "type", NULL), "device_connected") != 0 ||
      service == NULL || user == NULL || device == NULL)
    return;
  previous = duet_server_device_session (self, service, user, device);
  if (previous == NULL)
    return;
  /* the two connected at about the same time and heard of each other:
   * the later one stays, on whichever node */
  if (duet_session_get_signed_in_at (previous) > json_object_get_int_member_with_default (message, "at", G_MAXINT64))
    return;
  g_message ("User %s/%s: device %s connected to another server, replacing its connection here",
             service, user, device);
  remove_user_session (self, previous);
  duet_session_send (previous, duet_session_replaced_event_build ());
  duet_session_close (previous, DUET_SESSION_CLOSE_REPLACED, "session replaced");
}

/* ---- the other nodes' devices and calls ------------------------------- */

static void
on_device_online (DuetDirectory *directory,
                  DuetSession   *session,
                  DuetServer    *self)
{
  duet_call_router_device_arrived (self->router, session);
}

static void
on_device_offline (DuetDirectory *directory,
                   DuetSession   *session,
                   DuetServer    *self)
{
  DuetCallRecord *call = duet_call_router_lookup_user_call (self->router, duet_session_get_service (session),
                                                            duet_session_get_user (session));

  if (call != NULL && !self->shutting_down)
    duet_call_router_device_went_away (self->router, call, session);
}

/* A request about one of our calls from a device on another node */
static void
on_directory_request (DuetDirectory *directory,
                      DuetSession   *session,
                      JsonObject    *message,
                      DuetServer    *self)
{
  const char *type = json_object_get_string_member_with_default (message, "type", "");
  const char *id = json_object_get_string_member_with_default (message, "id", NULL);

  if (!duet_call_router_handle_request (self->router, session, message, type, id))
    duet_session_send_error (session, id, DUET_PROTOCOL_ERROR_UNKNOWN_TYPE, "Unknown request type");
}

/* From the owner of a call, for a device connected here */
static void
on_deliver (DuetDirectory *directory,
            const char    *service,
            const char    *user,
            const char    *device_id,
            JsonObject    *message,
            DuetServer    *self)
{
  DuetSession *session = duet_server_device_session (self, service, user, device_id);

  if (session != NULL)
    duet_session_send (session, json_object_ref (message));
}

static void
on_sync_requested (DuetDirectory *directory,
                   DuetServer    *self)
{
  g_autoptr(GPtrArray) sessions = g_ptr_array_new ();
  g_autoptr(GPtrArray) calls = duet_call_router_list_calls (self->router);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->users);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_extend (sessions, value, NULL, NULL);
  duet_directory_publish_sync (self->directory, sessions, calls);
}

/* ---- calls whose node is gone ---- */

typedef struct
{
  DuetServer     *server;
  DuetCallRecord *call;
} Adoption;

static void
on_adopt_leased (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Adoption *adoption = user_data;
  DuetServer *self = adoption->server;
  g_autoptr(GError) error = NULL;

  if (duet_directory_adopt_finish (self->directory, result, &error) && !self->shutting_down)
    {
      g_message ("Cluster: taking over call %s", adoption->call->call_id);
      duet_directory_drop_call (self->directory, adoption->call->call_id);
      duet_call_router_adopt_call (self->router, adoption->call);
    }
  else if (error != NULL)
    g_message ("Cluster: cannot take over call %s: %s", adoption->call->call_id, error->message);
  g_object_unref (adoption->server);
  duet_call_record_unref (adoption->call);
  g_free (adoption);
}

static void
adopt_call (DuetServer     *self,
            DuetCallRecord *call)
{
  Adoption *adoption = g_new0 (Adoption, 1);

  adoption->server = g_object_ref (self);
  adoption->call = duet_call_record_ref (call);
  duet_directory_adopt_async (self->directory, call->call_id, on_adopt_leased, adoption);
}

static void
on_orphaned_call (DuetDirectory  *directory,
                  DuetCallRecord *call,
                  DuetServer     *self)
{
  adopt_call (self, call);
}

/* In a cluster a node that starts takes the stored calls that no other
 * node owns (all of them, when the whole cluster restarted) */
static void
on_settled (DuetDirectory *directory,
            DuetServer    *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) calls = NULL;

  if (!self->adopt_stored_calls)
    return;
  calls = duet_store_load_open_calls (self->store, &error);
  if (calls == NULL)
    {
      g_warning ("Cluster: cannot read the open calls: %s", error->message);
      return;
    }
  for (guint i = 0; i < calls->len; i++)
    {
      DuetCallRecord *call = g_ptr_array_index (calls, i);

      if (!duet_call_router_has_call (self->router, call->call_id) &&
          !duet_directory_has_call (self->directory, call->call_id))
        adopt_call (self, call);
    }
}

static void
on_call_changed (DuetCallRouter *router,
                 DuetCallRecord *call,
                 DuetServer     *self)
{
  duet_directory_publish_call (self->directory, call);
}

static void
join_directory (DuetServer *self)
{
  if (self->directory != NULL)
    g_signal_handlers_disconnect_by_data (self->directory, self);
  g_clear_object (&self->directory);
  self->directory = duet_directory_new (self->bus, &self->metrics);
  g_signal_connect (self->directory, "device-online", G_CALLBACK (on_device_online), self);
  g_signal_connect (self->directory, "device-offline", G_CALLBACK (on_device_offline), self);
  g_signal_connect (self->directory, "request", G_CALLBACK (on_directory_request), self);
  g_signal_connect (self->directory, "deliver", G_CALLBACK (on_deliver), self);
  g_signal_connect (self->directory, "sync-requested", G_CALLBACK (on_sync_requested), self);
  g_signal_connect (self->directory, "orphaned-call", G_CALLBACK (on_orphaned_call), self);
  g_signal_connect (self->directory, "settled", G_CALLBACK (on_settled), self);
}

/**
 * duet_server_set_bus:
 * @bus: how this server reaches the others on its store (by default a
 *   local bus: there are none)
 *
 * Call before duet_server_start().
 */
void
duet_server_set_bus (DuetServer *self,
                     DuetBus    *bus)
{
  g_return_if_fail (DUET_IS_SERVER (self));
  g_return_if_fail (DUET_IS_BUS (bus));

  if (self->bus != NULL)
    g_signal_handlers_disconnect_by_data (self->bus, self);
  g_set_object (&self->bus, bus);
  g_signal_connect (bus, "message", G_CALLBACK (on_bus_message), self);
  join_directory (self);
}

/* Drops @session from its user's devices; FALSE if it was not there (it
 * was replaced, or signed out) */
static gboolean
remove_user_session (DuetServer  *self,
                     DuetSession *session)
{
  g_autofree char *key = session_key (session);
  GPtrArray *sessions = g_hash_table_lookup (self->users, key);

  if (sessions == NULL || !g_ptr_array_remove (sessions, session))
    return FALSE;
  if (sessions->len == 0)
    g_hash_table_remove (self->users, key);
  return TRUE;
}

/* A signed-out device's session, closing: not the device's any more */
void
duet_server_forget_session (DuetServer  *self,
                            DuetSession *session)
{
  remove_user_session (self, session);
}

void
duet_server_sign_in (DuetServer      *self,
                     DuetSession     *session,
                     DuetTokenClaims *claims,
                     gint64           account_id)
{
  DuetAccountBudget *budget = duet_server_account_budget (self, account_id);
  g_autofree char *device_name = NULL;
  gint64 device_key = 0, last_seen = 0;
  DuetCallRecord *call;

  duet_session_set_authenticated (session, claims->sid, claims->uid, account_id, claims->tv,
                                  claims->did, claims->dk);
  duet_session_set_budget (session, &budget->messages, g_rc_box_acquire (budget), g_rc_box_release);
  duet_acceptor_set_signed_in (self->acceptor, duet_session_get_socket (session));
  self->metrics.authenticated_connections++;
  add_user_session (self, session);
  announce_session (self, session);
  duet_directory_announce_online (self->directory, session);

  /* what it missed is what ended since it was last connected */
  duet_store_lookup_device (self->store, account_id, claims->did, &device_key, &device_name,
                            &last_seen, NULL);
  duet_server_touch_device (self, session);

  call = duet_call_router_lookup_user_call (self->router, claims->sid, claims->uid);
  if (call != NULL)
    duet_call_router_device_came_back (self->router, call, session);
  else   /* its owner hears of the device through the directory */
    call = duet_directory_lookup_user_call (self->directory, claims->sid, claims->uid);

  send_hello (self, session, call, device_name);
  duet_call_router_deliver_pending (self->router, session, last_seen);
  duet_server_broadcast_devices (self, session, session);
}

static void
on_session_closed (DuetSession *session,
                   DuetServer  *self)
{
  if (duet_session_is_authenticated (session))
    {
      self->metrics.authenticated_connections--;
      /* A replaced or signed-out session no longer speaks for its device */
      if (remove_user_session (self, session))
        {
          DuetCallRecord *call = duet_call_router_lookup_user_call (self->router,
                                                                    duet_session_get_service (session),
                                                                    duet_session_get_user (session));

          duet_server_touch_device (self, session);
          duet_directory_announce_offline (self->directory, session);
          if (call != NULL && !self->shutting_down)
            duet_call_router_device_went_away (self->router, call, session);
          if (!self->shutting_down)
            duet_server_broadcast_devices (self, session, NULL);
        }
    }

  self->metrics.connections--;
  if (self->acceptor != NULL)
    duet_acceptor_set_closed (self->acceptor, duet_session_get_socket (session));
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

/* The least loaded worker, or a new one if every worker holds its share
 * and there may be more: a context's wake-ups cost in proportion to its
 * fds, so workers stay small and an idle server has one */
static DuetWsWorker *
pick_worker (DuetServer *self)
{
  DuetWsWorker *best = NULL;

  for (guint i = 0; i < self->workers->len; i++)
    {
      DuetWsWorker *worker = g_ptr_array_index (self->workers, i);

      if (best == NULL || duet_ws_worker_get_n_connections (worker) < duet_ws_worker_get_n_connections (best))
        best = worker;
    }
  if (best == NULL ||
      (duet_ws_worker_get_n_connections (best) >= self->options.connections_per_worker &&
       self->workers->len < self->options.workers))
    {
      best = duet_ws_worker_new (self->workers->len);
      g_ptr_array_add (self->workers, best);
      self->metrics.ws_workers = self->workers->len;
    }
  return best;
}

/* The 101 is on the wire: the connection leaves libsoup's server (and
 * the main context) for a worker, as libsoup's own WebSocket handler
 * would take it for a SoupWebsocketConnection */
static void
on_ws_upgraded (SoupServerMessage *msg,
                DuetServer        *self)
{
  DuetTokenClaims *claims = g_object_get_data (G_OBJECT (msg), CLAIMS_KEY);
  gint64 *account_id = g_object_get_data (G_OBJECT (msg), ACCOUNT_ID_KEY);
  GSocket *socket = duet_acceptor_get_socket (self->acceptor, msg);
  SoupMessageHeaders *request = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *response = soup_server_message_get_response_headers (msg);
  g_autoptr(GIOStream) stream = NULL;
  g_autoptr(DuetWsChannel) channel = NULL;
  DuetSession *session;

  g_object_ref (msg);
  stream = soup_server_message_steal_connection (msg);
  if (socket != NULL)
    duet_acceptor_hand_over (self->acceptor, socket);
  channel = duet_ws_worker_adopt (pick_worker (self), stream, socket,
                                  soup_server_message_get_uri (msg),
                                  soup_message_headers_get_one (request, "Origin"),
                                  soup_message_headers_get_one (response, "Sec-WebSocket-Protocol"));

  session = duet_session_new (channel, socket, &self->metrics, self->options.auth_timeout);
  g_hash_table_add (self->sessions, session);
  self->metrics.connections++;
  g_signal_connect (session, "request", G_CALLBACK (on_session_request), self);
  g_signal_connect (session, "closed", G_CALLBACK (on_session_closed), self);

  if (claims != NULL)
    duet_server_sign_in (self, session, claims, *account_id);
  g_object_unref (msg);
}

static void
begin_upgrade (DuetServer        *self,
               SoupServerMessage *msg)
{
  if (soup_websocket_server_process_handshake (msg, NULL, NULL, NULL, NULL))
    g_signal_connect_object (msg, "wrote-informational", G_CALLBACK (on_ws_upgraded), self, 0);
}

/* Checks the request and answers the handshake (without extensions:
 * permessage-deflate costs ~100 KiB a connection for small JSON
 * messages, and libsoup cannot bound it) */
static void
handle_ws (SoupServer        *server,
           SoupServerMessage *msg,
           const char        *path,
           GHashTable        *query,
           gpointer           user_data)
{
  DuetServer *self = user_data;
  const char *header, *token;
  DuetTokenClaims *claims;
  gint64 account_id = 0;
  g_autoptr(GError) error = NULL;

  if (self->shutting_down || g_hash_table_size (self->sessions) >= self->options.max_connections)
    {
      duet_server_respond_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "unavailable", "Too many connections");
      return;
    }

  header = soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                         "Authorization");
  if (!duet_server_check_ws_origin (self, msg))
    return;
  if (header == NULL)   /* then the first message must be `auth` */
    {
      begin_upgrade (self, msg);
      return;
    }

  token = duet_server_bearer_token (msg);
  claims = g_new0 (DuetTokenClaims, 1);
  if (token == NULL || !duet_server_check_token (self, token, claims, &account_id, &error))
    {
      g_debug ("Upgrade refused: %s", error ? error->message : "not a bearer token");
      free_claims (claims);
      duet_server_respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "auth_failed",
                                 "The token is invalid, expired or revoked");
      return;
    }
  g_object_set_data_full (G_OBJECT (msg), CLAIMS_KEY, claims, free_claims);
  g_object_set_data_full (G_OBJECT (msg), ACCOUNT_ID_KEY, g_memdup2 (&account_id, sizeof account_id), g_free);
  begin_upgrade (self, msg);
}

/* ---- revocation ------------------------------------------------------- */

/* The account still exists as the same account (id) and, given a token
 * version >= 0, has not changed its password since */
static gboolean
account_is_current (DuetServer *self,
                    const char *service,
                    const char *user,
                    gint64      account_id,
                    gint64      token_version)
{
  gint64 current = -1, id = 0;

  if (!duet_store_lookup_user (self->store, service, user, &id, NULL, &current, NULL))
    return FALSE;
  return id == account_id && (token_version < 0 || current == token_version);
}

static void
revoke_user (DuetServer *self,
             const char *service,
             const char *user)
{
  g_autofree char *key = duet_user_key (service, user);
  DuetCallRecord *call = duet_call_router_lookup_user_call (self->router, service, user);
  g_autoptr(GPtrArray) sessions = NULL;
  gpointer table_key = NULL;

  if (call != NULL)
    duet_call_router_end_call (self->router, call, DUET_DISCONNECT_REASON_AUTH_ERROR,
                               DUET_DISCONNECT_SOURCE_CLOUD_SERVER);

  /* every device of the user */
  if (g_hash_table_steal_extended (self->users, key, &table_key, (gpointer *) &sessions))
    {
      g_message ("User %s: account removed or password changed, signing out %u devices",
                 key, sessions->len);
      g_free (table_key);
      for (guint i = 0; i < sessions->len; i++)
        duet_session_close (g_ptr_array_index (sessions, i), DUET_SESSION_CLOSE_AUTH, "revoked");
    }
}

/* `duet-server user remove/passwd` run in another process; SQLite's
 * data_version tells us cheaply when anyone else has written. Called
 * before every request and on a short timer, so that a revoked session
 * acts no more once the change has committed. */
void
duet_server_check_revocations (DuetServer *self)
{
  gint64 version = duet_store_get_generation (self->store);
  g_autoptr(GPtrArray) revoked = NULL;
  g_autoptr(GPtrArray) calls = NULL;
  GHashTableIter iter;
  gpointer value;

  if (version == self->data_version || self->shutting_down)
    return;
  self->data_version = version;

  revoked = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_iter_init (&iter, self->users);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      GPtrArray *sessions = value;

      for (guint i = 0; i < sessions->len; i++)
        {
          DuetSession *session = g_ptr_array_index (sessions, i);

          if (!account_is_current (self, duet_session_get_service (session),
                                   duet_session_get_user (session),
                                   duet_session_get_account_id (session),
                                   duet_session_get_token_version (session)))
            {
              g_ptr_array_add (revoked, session_key (session));
              break;
            }
        }
    }

  /* Parties that are offline have no token to compare: the account must exist */
  calls = duet_call_router_list_calls (self->router);
  for (guint i = 0; i < calls->len; i++)
    {
      DuetCallRecord *call = g_ptr_array_index (calls, i);

      if (!account_is_current (self, call->caller_service, call->caller_user, call->caller_id, -1))
        g_ptr_array_add (revoked, duet_call_record_party_key (call, DUET_CALL_PARTY_CALLER));
      if (!account_is_current (self, call->callee_service, call->callee_user, call->callee_id, -1))
        g_ptr_array_add (revoked, duet_call_record_party_key (call, DUET_CALL_PARTY_CALLEE));
    }

  for (guint i = 0; i < revoked->len; i++)
    {
      g_auto(GStrv) parts = g_strsplit (g_ptr_array_index (revoked, i), "/", 2);
      revoke_user (self, parts[0], parts[1]);
    }
}

static gboolean
poll_revocations (gpointer user_data)
{
  duet_server_check_revocations (user_data);
  return G_SOURCE_CONTINUE;
}

/* ---- retention -------------------------------------------------------- */

/* @everyone: all accounts (at start), else those with new calls since */
static void
prune (DuetServer *self,
       gboolean    everyone)
{
  g_autoptr(GArray) ids = everyone ? NULL : duet_call_router_take_new_callers (self->router);
  g_autoptr(GError) error = NULL;
  gint64 cutoff = g_get_real_time () / 1000 - (gint64) self->options.history_days * 24 * 3600 * 1000;
  gint64 deleted;
  GHashTableIter iter;
  gpointer value;

  deleted = duet_store_prune (self->store, cutoff, self->options.history_max, ids, &error);
  if (deleted < 0)
    g_warning ("Cannot prune the call history: %s", error->message);
  else if (deleted > 0)
    {
      g_debug ("Pruned %" G_GINT64_FORMAT " calls from the history", deleted);
      self->metrics.calls_pruned += deleted;
    }

  /* a full bucket is what a new one would be */
  g_hash_table_iter_init (&iter, self->budgets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      DuetAccountBudget *budget = value;

      if (duet_token_bucket_is_full (&budget->messages) && duet_token_bucket_is_full (&budget->calls))
        g_hash_table_iter_remove (&iter);
    }
}

static gboolean
on_prune_timer (gpointer user_data)
{
  prune (user_data, FALSE);
  return G_SOURCE_CONTINUE;
}

/* ---- life cycle ------------------------------------------------------- */

#define DEFAULT(field, value) if (options->field == 0) options->field = (value)

/* Zero means "the default" for every limit */
static void
set_defaults (DuetServerOptions *options)
{
  DEFAULT (max_connections, DUET_SERVER_DEFAULT_MAX_CONNECTIONS);
  DEFAULT (max_pending, DUET_SERVER_DEFAULT_MAX_PENDING);
  DEFAULT (max_pending_per_address, DUET_SERVER_DEFAULT_MAX_PENDING_PER_ADDRESS);
  DEFAULT (request_timeout, DUET_SERVER_DEFAULT_REQUEST_TIMEOUT);
  DEFAULT (auth_timeout, DUET_SERVER_DEFAULT_AUTH_TIMEOUT);
  DEFAULT (history_max, DUET_SERVER_DEFAULT_HISTORY_MAX);
  DEFAULT (history_days, DUET_SERVER_DEFAULT_HISTORY_DAYS);
  DEFAULT (missed_calls_max, DUET_SERVER_DEFAULT_MISSED_CALLS_MAX);
  DEFAULT (calls_per_minute, DUET_SERVER_DEFAULT_CALLS_PER_MINUTE);
  DEFAULT (prune_interval, DUET_SERVER_DEFAULT_PRUNE_INTERVAL);
  DEFAULT (max_hashing, CLAMP (g_get_num_processors (), 1, 4));
  DEFAULT (workers, DUET_SERVER_DEFAULT_WORKERS);
  DEFAULT (connections_per_worker, DUET_SERVER_DEFAULT_CONNECTIONS_PER_WORKER);
  DEFAULT (turn_ttl, DUET_SERVER_DEFAULT_TURN_TTL);
  DEFAULT (max_devices, DUET_SERVER_DEFAULT_MAX_DEVICES);
}

#undef DEFAULT

DuetServer *
duet_server_new (DuetStore               *store,
                 const DuetServerOptions *options,
                 GError                 **error)
{
  g_autoptr(DuetServer) self = g_object_new (DUET_TYPE_SERVER, NULL);
  guint8 cc_key[DUET_STORE_SECRET_LENGTH];
  DuetCallRouterOptions router_options;

  self->store = g_object_ref (store);
  {
    g_autoptr(DuetBus) alone = duet_local_bus_new ();

    duet_server_set_bus (self, alone);
  }
  self->options = *options;
  self->listen = g_strdup (options->listen ? options->listen : "127.0.0.1");
  self->service = g_strdup (options->service ? options->service : "duet");
  self->tls_cert = g_strdup (options->tls_cert);
  self->tls_key = g_strdup (options->tls_key);
  self->options.listen = self->listen;
  self->options.service = self->service;
  self->options.tls_cert = self->tls_cert;
  self->options.tls_key = self->tls_key;
  set_defaults (&self->options);
  router_options = (DuetCallRouterOptions) {
    .ring_timeout = self->options.ring_timeout,
    .grace_period = self->options.grace_period,
    .missed_calls_max = self->options.missed_calls_max,
  };

  if (!duet_service_id_is_valid (self->service))
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_INVALID_ID,
                   "Invalid service id “%s”: use 1–64 letters, digits, “-”, “_” or “.”",
                   self->service);
      return NULL;
    }

  if (!set_ice_servers (self, options, error))
    return NULL;
  if (options->allowed_origins != NULL && options->allowed_origins[0] != NULL)
    self->allowed_origins = g_strdupv ((char **) options->allowed_origins);
  self->options.allowed_origins = (const char * const *) self->allowed_origins;
  self->options.web_root = NULL;   /* read now, not kept */
  if (options->web_root != NULL && !duet_server_load_web (self, options->web_root, error))
    return NULL;

  if (!duet_store_get_secret (store, "jwt_key", self->jwt_key, error) ||
      !duet_store_get_secret (store, "cc_param_key", cc_key, error))
    return NULL;

  self->limiter = duet_login_limiter_new (ACCOUNT_FAILURES, ACCOUNT_WINDOW_S,
                                          options->login_rate_per_address, 60);
  self->router = duet_call_router_new (DUET_CALL_HOST (self), store, cc_key, &router_options,
                                       &self->metrics);
  g_signal_connect (self->router, "call-changed", G_CALLBACK (on_call_changed), self);
  sodium_memzero (cc_key, sizeof cc_key);
  if (!duet_server_start_hashing (self, error))
    return NULL;
  prune (self, TRUE);

  return g_steal_pointer (&self);
}

gboolean
duet_server_start (DuetServer  *self,
                   GError     **error)
{
  g_autoptr(GTlsCertificate) cert = NULL;
  g_autoptr(GInetAddress) address = NULL;
  g_autoptr(GSocketAddress) socket_address = NULL;
  DuetAcceptorLimits limits = {
    .max_connections = self->options.max_connections,
    .max_pending = self->options.max_pending,
    .max_pending_per_address = self->options.max_pending_per_address,
    .request_timeout = self->options.request_timeout,
  };

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
    }

  /* Alone, the calls that were going on when the server stopped are
   * taken back before anyone can ask; in a cluster, once the others
   * have said which are theirs (on_settled) */
  if (DUET_IS_LOCAL_BUS (self->bus) && !duet_call_router_load_open_calls (self->router, error))
    return FALSE;
  self->adopt_stored_calls = !DUET_IS_LOCAL_BUS (self->bus);

  address = g_inet_address_new_from_string (self->listen);
  if (address == NULL)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_FAILED,
                   "“%s” is not an IP address", self->listen);
      return FALSE;
    }

  self->soup = soup_server_new ("server-header", "duet-server/" PACKAGE_VERSION, NULL);
  soup_server_add_handler (self->soup, "/v1/token", duet_server_handle_token, self, NULL);
  soup_server_add_handler (self->soup, "/v1/token/refresh", duet_server_handle_token_refresh, self, NULL);
  soup_server_add_handler (self->soup, "/healthz", duet_server_handle_healthz, self, NULL);
  soup_server_add_handler (self->soup, "/metrics", duet_server_handle_metrics, self, NULL);
  soup_server_add_handler (self->soup, "/v1/ws", handle_ws, self, NULL);
  /* everything else: the web client's files, or 404 */
  soup_server_add_handler (self->soup, "/", duet_server_handle_web, self, NULL);

  self->workers = g_ptr_array_new_with_free_func (g_object_unref);
  socket_address = g_inet_socket_address_new (address, self->options.port);
  self->acceptor = duet_acceptor_new (self->soup, cert, &limits, &self->metrics);
  if (!duet_acceptor_listen (self->acceptor, socket_address, error))
    return FALSE;

  self->data_version = duet_store_get_generation (self->store);
  self->revocation_poll = g_timeout_add (REVOCATION_POLL_MS, poll_revocations, self);
  self->prune_timer = g_timeout_add_seconds (self->options.prune_interval, on_prune_timer, self);
  start_ice_timer (self);
  duet_directory_start (self->directory);
  return TRUE;
}

char *
duet_server_get_url (DuetServer *self)
{
  const char *scheme = self->tls_cert != NULL ? "https" : "http";

  return g_strdup_printf (strchr (self->listen, ':') ? "%s://[%s]:%u" : "%s://%s:%u",
                          scheme, self->listen, duet_acceptor_get_port (self->acceptor));
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
  DuetServerShutdownEvent event = { .restarting = TRUE };

  if (self->shutting_down)
    return;
  self->shutting_down = TRUE;
  g_message ("Shutting down");
  g_clear_handle_id (&self->revocation_poll, g_source_remove);
  g_clear_handle_id (&self->ice_timer, g_source_remove);
  if (self->acceptor != NULL)
    duet_acceptor_stop (self->acceptor);

  sessions = table_keys (self->sessions);
  for (guint i = 0; i < sessions->len; i++)
    duet_session_send (g_ptr_array_index (sessions, i), duet_server_shutdown_event_build (&event));

  duet_call_router_stop (self->router);

  for (guint i = 0; i < sessions->len; i++)
    duet_session_close (g_ptr_array_index (sessions, i), SOUP_WEBSOCKET_CLOSE_GOING_AWAY,
                        "server shutdown");
}

void
duet_server_stop (DuetServer *self)
{
  g_clear_handle_id (&self->revocation_poll, g_source_remove);
  g_clear_handle_id (&self->prune_timer, g_source_remove);
  g_clear_handle_id (&self->ice_timer, g_source_remove);
  if (self->acceptor != NULL)
    duet_acceptor_stop (self->acceptor);
  if (self->soup != NULL)
    soup_server_disconnect (self->soup);
  for (guint i = 0; self->workers != NULL && i < self->workers->len; i++)
    duet_ws_worker_stop (g_ptr_array_index (self->workers, i));
  duet_directory_stop (self->directory);
  duet_store_close (self->store);
  duet_bus_close (self->bus);
}
