/* duet-server-http.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The plain HTTP endpoints: POST /v1/token (the password is checked on a
 * thread), POST /v1/token/refresh, /healthz and /metrics.
 */
#include "config.h"

#include <string.h>

#include "duet-server-error.h"
#include "duet-server-private.h"

#define MAX_LOGIN_BODY            4096
/* password checks that may wait, per check that may run */
#define HASHING_QUEUE_FACTOR      4

/* ---- HTTP ------------------------------------------------------------- */

/* Takes @body, built by duet-messages.h */
static void
respond_json (SoupServerMessage *msg,
              guint              status,
              JsonObject        *body)
{
  g_autoptr(JsonObject) owned = body;
  g_autofree char *text = duet_protocol_serialize (owned);
  gsize len = strlen (text);

  soup_server_message_set_status (msg, status, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE,
                                    g_steal_pointer (&text), len);
}

void
duet_server_respond_error (SoupServerMessage *msg,
                           guint              status,
                           const char        *error,
                           const char        *message)
{
  DuetHttpError body = { .error = (char *) error, .message = (char *) message };

  respond_json (msg, status, duet_http_error_build (&body));
}

void
duet_server_handle_healthz (SoupServer        *server,
                            SoupServerMessage *msg,
                            const char        *path,
                            GHashTable        *query,
                            gpointer           user_data)
{
  DuetServer *self = user_data;
  DuetHealthReply body = { .status = "ok", .version = PACKAGE_VERSION };

  if (self->shutting_down)
    {
      body = (DuetHealthReply) { .status = "shutting_down" };
      respond_json (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, duet_health_reply_build (&body));
      return;
    }
  /* Calls go on without the database; sign-ins do not, so a load
   * balancer should send new clients elsewhere */
  {
    gboolean store_up = duet_store_is_available (self->store);
    gboolean bus_up = duet_bus_is_available (self->bus);
    char *down[3] = { NULL };
    guint n = 0;

    if (!store_up)
      down[n++] = (char *) "database";
    if (!bus_up)
      down[n++] = (char *) "bus";
    if (n > 0)
      {
        body.status = (char *) "degraded";
        body.down = down;
      }
    /* without the bus this node still serves its own clients; without
     * the database it cannot sign anyone in */
    respond_json (msg, store_up ? SOUP_STATUS_OK : SOUP_STATUS_SERVICE_UNAVAILABLE,
                  duet_health_reply_build (&body));
  }
}

void
duet_server_handle_metrics (SoupServer        *server,
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
  char              *device_id;     /* NULL: the server picks one */
  char              *device_name;
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
  g_free (data->device_id);
  g_free (data->device_name);
  g_free (data);
}

static void
login_failed (DuetServer        *self,
              SoupServerMessage *msg,
              const char        *account)
{
  g_autoptr(JsonObject) failure = json_object_new ();

  self->metrics.logins[DUET_LOGIN_RESULT_INVALID]++;
  duet_login_limiter_add_failure (self->limiter, account, duet_server_now_s ());
  /* so that guesses spread over several servers count as many */
  json_object_set_string_member (failure, "type", "login_failure");
  json_object_set_string_member (failure, "account", account);
  duet_bus_publish (self->bus, "logins", failure);
  duet_server_respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_credentials",
                             "Wrong user, service or password");
}

/* The answer of both POST /v1/token and POST /v1/token/refresh */
static void
respond_new_token (DuetServer        *self,
                   SoupServerMessage *msg,
                   const char        *service,
                   const char        *user,
                   gint64             token_version,
                   const char        *device_id,
                   gint64             device_key)
{
  gint64 iat = duet_server_now_s ();
  g_auto(DuetTokenReply) body = {
    .token = duet_token_sign (user, service, iat, iat + self->options.token_lifetime,
                              token_version, device_id, device_key,
                              self->jwt_key, sizeof self->jwt_key),
    .token_type = g_strdup ("Bearer"),
    .expires_in = self->options.token_lifetime,
    .user = g_strdup (user),
    .service = g_strdup (service),
    .device_id = g_strdup (device_id),
  };

  respond_json (msg, SOUP_STATUS_OK, duet_token_reply_build (&body));
}

/* The database is away: nothing a client did wrong, and worth a retry */
static void
respond_store_unavailable (SoupServerMessage *msg)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "30");
  duet_server_respond_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "store_unavailable",
                             "The server cannot reach its database; try again in a minute");
}

/* The device is added only now that the password is known good */
static void
login_succeeded (DuetServer *self,
                 LoginData  *data)
{
  g_autofree char *device_id = NULL;
  g_autoptr(GError) error = NULL;
  gint64 device_key = 0;

  if (!duet_server_register_device (self, data->service, data->user, data->device_id,
                                    data->device_name, &device_id, &device_key, &error))
    {
      g_warning ("Cannot add a device: %s", error->message);
      if (g_error_matches (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_UNAVAILABLE))
        respond_store_unavailable (data->msg);
      else
        duet_server_respond_error (data->msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal", "Database error");
      return;
    }
  self->metrics.logins[DUET_LOGIN_RESULT_OK]++;
  g_message ("User %s/%s signed in on device %s", data->service, data->user, device_id);
  respond_new_token (self, data->msg, data->service, data->user, data->token_version,
                     device_id, device_key);
}

/* Argon2id takes tens of milliseconds and 64 MiB on purpose: it runs on
 * a pool of --max-hashing threads, off the main loop, so that a burst of
 * sign-ins cannot take all the memory (29 at once once took 1 GiB) */
static void
verify_password (gpointer data,
                 gpointer user_data)
{
  g_autoptr(GTask) task = data;
  LoginData *login = g_task_get_task_data (task);

  if (login->hash == NULL)
    {
      duet_password_check (duet_password_dummy_hash (), login->password);
      g_task_return_boolean (task, FALSE);
      return;
    }
  g_task_return_boolean (task, duet_password_check (login->hash, login->password));
}

gboolean
duet_server_start_hashing (DuetServer  *self,
                           GError     **error)
{
  self->hashing = g_thread_pool_new (verify_password, NULL, self->options.max_hashing, FALSE, error);
  return self->hashing != NULL;
}

static void
verify_password_done (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  LoginData *data = g_task_get_task_data (G_TASK (result));
  g_autofree char *account = duet_user_key (data->service, data->user);

  data->server->hashing_queued--;
  if (g_task_propagate_boolean (G_TASK (result), NULL))
    login_succeeded (data->server, data);
  else
    login_failed (data->server, data->msg, account);
  soup_server_message_unpause (data->msg);
}

static void
respond_busy (DuetServer        *self,
              SoupServerMessage *msg)
{
  self->metrics.password_checks_busy++;
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "1");
  duet_server_respond_error (msg, SOUP_STATUS_SERVICE_UNAVAILABLE, "busy",
                             "The server is busy signing others in; try again in a second");
}

static gboolean
read_login_request (DuetServer        *self,
                    SoupServerMessage *msg,
                    LoginData         *data)
{
  SoupMessageBody *request = soup_server_message_get_request_body (msg);
  g_autoptr(GBytes) bytes = soup_message_body_flatten (request);
  g_autoptr(JsonObject) body = NULL;
  g_auto(DuetTokenRequest) login = { 0 };
  g_autoptr(GError) error = NULL;
  gsize len = 0;
  const char *raw = g_bytes_get_data (bytes, &len);

  if (len > MAX_LOGIN_BODY)
    {
      duet_server_respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad_request", "The request body is over 4 KiB");
      return FALSE;
    }

  body = duet_protocol_parse_message (raw != NULL ? raw : "", len, &error);
  if (body == NULL || !duet_token_request_parse (body, &login, &error))
    {
      duet_server_respond_error (msg, SOUP_STATUS_BAD_REQUEST, "bad_request", error->message);
      return FALSE;
    }

  data->service = g_strdup (login.service != NULL ? login.service : self->service);
  data->user = g_steal_pointer (&login.user);
  data->password = g_steal_pointer (&login.password);
  data->device_id = g_steal_pointer (&login.device_id);
  data->device_name = g_steal_pointer (&login.device_name);
  return TRUE;
}

static void
respond_rate_limited (SoupServerMessage *msg,
                      gint64             retry_after)
{
  DuetHttpError body = {
    .error = "rate_limited",
    .message = "Too many sign-in attempts; try again later",
    .retry_after = retry_after,
  };
  g_autofree char *header = g_strdup_printf ("%" G_GINT64_FORMAT, retry_after);

  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Retry-After", header);
  respond_json (msg, 429, duet_http_error_build (&body));
}

void
duet_server_handle_token (SoupServer        *server,
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

  if (!duet_server_handle_cors (self, msg, "POST"))
    return;
  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      duet_server_respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "bad_request", "Use POST");
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

  account = duet_user_key (data->service, data->user);
  if (!duet_login_limiter_allow (self->limiter, account, soup_server_message_get_remote_host (msg),
                                 duet_server_now_s (), &retry_after))
    {
      self->metrics.logins[DUET_LOGIN_RESULT_RATE_LIMITED]++;
      respond_rate_limited (msg, retry_after);
      login_data_free (data);
      return;
    }

  if (self->hashing_queued >= self->options.max_hashing * (HASHING_QUEUE_FACTOR + 1))
    {
      respond_busy (self, msg);
      login_data_free (data);
      return;
    }

  /* a sign-in records its device: no use checking the password first */
  if (!duet_store_is_available (self->store))
    {
      respond_store_unavailable (msg);
      login_data_free (data);
      return;
    }

  if (!duet_store_lookup_user (self->store, data->service, data->user, NULL,
                               &data->hash, &data->token_version, &error) &&
      !g_error_matches (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND))
    {
      g_warning ("Cannot look up an account: %s", error->message);
      duet_server_respond_error (msg, SOUP_STATUS_INTERNAL_SERVER_ERROR, "internal", "Database error");
      login_data_free (data);
      return;
    }

  soup_server_message_pause (msg);
  task = g_task_new (self, NULL, verify_password_done, NULL);
  g_task_set_task_data (task, data, (GDestroyNotify) login_data_free);
  self->hashing_queued++;
  g_thread_pool_push (self->hashing, g_steal_pointer (&task), NULL);
}

/* A good token buys a new one for the same account and token version, so
 * a password change or account removal still revokes the new token. Only
 * failures count against the address: a refresh names no account to
 * limit, and valid refreshes must not eat into the sign-in budget. */
void
duet_server_handle_token_refresh (SoupServer        *server,
                                  SoupServerMessage *msg,
                                  const char        *path,
                                  GHashTable        *query,
                                  gpointer           user_data)
{
  DuetServer *self = user_data;
  const char *address = soup_server_message_get_remote_host (msg);
  const char *token = duet_server_bearer_token (msg);
  g_auto(DuetTokenClaims) claims = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 retry_after = 0;

  if (!duet_server_handle_cors (self, msg, "POST"))
    return;
  if (soup_server_message_get_method (msg) != SOUP_METHOD_POST)
    {
      duet_server_respond_error (msg, SOUP_STATUS_METHOD_NOT_ALLOWED, "bad_request", "Use POST");
      return;
    }

  if (!duet_login_limiter_allow_address (self->limiter, address, duet_server_now_s (), &retry_after))
    {
      self->metrics.refreshes[DUET_REFRESH_RESULT_RATE_LIMITED]++;
      respond_rate_limited (msg, retry_after);
      return;
    }

  /* One answer whatever was wrong, as for passwords */
  if (token == NULL || !duet_server_check_token (self, token, &claims, NULL, &error))
    {
      g_debug ("Refresh refused: %s", error ? error->message : "no bearer token");
      self->metrics.refreshes[DUET_REFRESH_RESULT_INVALID]++;
      duet_login_limiter_add_address_failure (self->limiter, address, duet_server_now_s ());
      duet_server_respond_error (msg, SOUP_STATUS_UNAUTHORIZED, "invalid_token",
                                 "The token is invalid, expired or revoked");
      return;
    }

  self->metrics.refreshes[DUET_REFRESH_RESULT_OK]++;
  g_debug ("User %s/%s refreshed a token", claims.sid, claims.uid);
  respond_new_token (self, msg, claims.sid, claims.uid, claims.tv, claims.did, claims.dk);
}
