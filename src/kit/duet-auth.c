/* duet-auth.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * POST /v1/token and POST /v1/token/refresh (docs/protocol.md). Errors
 * carry a DuetKitError code a program can act on and an English message
 * for logs; an app shows its own translated text for each code.
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "duet-auth.h"
#include "duet-kit-error.h"
#include "duet-messages.h"

struct _DuetAuth
{
  GObject      parent_instance;

  char        *server_url;
  SoupSession *session;
};

/**
 * DuetAuth:
 *
 * Signs in to duet-server and renews access tokens: the client of
 * `POST /v1/token` and `POST /v1/token/refresh`.
 */
G_DEFINE_FINAL_TYPE (DuetAuth, duet_auth, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_SERVER_URL,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
duet_auth_finalize (GObject *object)
{
  DuetAuth *self = DUET_AUTH (object);

  g_clear_object (&self->session);
  g_free (self->server_url);

  G_OBJECT_CLASS (duet_auth_parent_class)->finalize (object);
}

static void
duet_auth_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  DuetAuth *self = DUET_AUTH (object);

  switch (prop_id)
    {
    case PROP_SERVER_URL:
      g_value_set_string (value, self->server_url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_auth_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  DuetAuth *self = DUET_AUTH (object);
  g_autofree char *url = NULL;

  switch (prop_id)
    {
    case PROP_SERVER_URL:
      url = g_value_dup_string (value);
      /* "https://host/" and "https://host" are the same server */
      while (url != NULL && g_str_has_suffix (url, "/"))
        url[strlen (url) - 1] = '\0';
      self->server_url = g_steal_pointer (&url);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_auth_class_init (DuetAuthClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = duet_auth_finalize;
  object_class->get_property = duet_auth_get_property;
  object_class->set_property = duet_auth_set_property;

  /**
   * DuetAuth:server-url:
   *
   * The server's base address, `http://HOST:PORT` or `https://HOST:PORT`.
   */
  properties[PROP_SERVER_URL] =
    g_param_spec_string ("server-url", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
duet_auth_init (DuetAuth *self)
{
  self->session = soup_session_new_with_options ("timeout", 15,
                                                 "user-agent", "libduet-kit/" PACKAGE_VERSION,
                                                 NULL);
}

/**
 * duet_auth_new:
 * @server_url: the server's base address, e.g. `https://duet.example.org`
 *
 * Creates the sign-in client of one server. PlanetKit leaves access
 * tokens to the app's own server; duet-server issues them itself, and
 * this is its client.
 *
 * Returns: (transfer full): a new #DuetAuth
 */
DuetAuth *
duet_auth_new (const char *server_url)
{
  g_return_val_if_fail (server_url != NULL, NULL);
  return g_object_new (DUET_TYPE_AUTH, "server-url", server_url, NULL);
}

/**
 * duet_auth_get_server_url:
 * @self: a #DuetAuth
 *
 * Gets the server's base address, without a trailing slash.
 *
 * Returns: the server's base address, without a trailing slash
 */
const char *
duet_auth_get_server_url (DuetAuth *self)
{
  g_return_val_if_fail (DUET_IS_AUTH (self), NULL);
  return self->server_url;
}

/**
 * duet_auth_set_tls_ca_file:
 * @self: a #DuetAuth
 * @path: (nullable) (type filename): a PEM file of the certificate
 *   authorities that may sign the server's certificate, or %NULL for the
 *   system's
 * @error: return location for a #GError, or %NULL
 *
 * Trusts the CAs of @path instead of the system's, as
 * #DuetManager:tls-ca-file does for the call connection.
 *
 * Returns: %TRUE, or %FALSE when @path cannot be read (the CAs in use
 *   stay as they were)
 */
gboolean
duet_auth_set_tls_ca_file (DuetAuth    *self,
                           const char  *path,
                           GError     **error)
{
  g_autoptr(GTlsDatabase) database = NULL;

  g_return_val_if_fail (DUET_IS_AUTH (self), FALSE);

  if (path == NULL)
    database = g_object_ref (g_tls_backend_get_default_database (g_tls_backend_get_default ()));
  else if ((database = g_tls_file_database_new (path, error)) == NULL)
    return FALSE;
  soup_session_set_tls_database (self->session, database);
  return TRUE;
}

static GError *
error_for_transport (DuetAuth *self,
                     GError   *error)
{
  if (error->domain == G_TLS_ERROR)
    return g_error_new (DUET_KIT_ERROR, DUET_KIT_ERROR_TLS,
                        "The certificate of %s is not trusted: %s", self->server_url, error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return g_error_copy (error);
  return g_error_new (DUET_KIT_ERROR, DUET_KIT_ERROR_NETWORK,
                      "Could not reach %s: %s", self->server_url, error->message);
}

static GError *
error_for_status (DuetAuth   *self,
                  guint       status,
                  JsonObject *body)
{
  g_auto(DuetHttpError) answer = { 0 };
  const char *message = soup_status_get_phrase (status);
  gint64 retry_after = 0;

  if (body != NULL && duet_http_error_parse (body, &answer, NULL))
    {
      message = answer.message;
      retry_after = answer.retry_after;
    }

  switch (status)
    {
    case SOUP_STATUS_UNAUTHORIZED:
      return g_error_new (DUET_KIT_ERROR, DUET_KIT_ERROR_AUTH, "%s", message);
    case 429: /* Too Many Requests */
      return g_error_new (DUET_KIT_ERROR, DUET_KIT_ERROR_RATE_LIMITED,
                          "%s (try again in %" G_GINT64_FORMAT " s)", message, MAX (retry_after, 1));
    case SOUP_STATUS_BAD_REQUEST:
      return g_error_new (DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM, "%s", message);
    default:
      return g_error_new (DUET_KIT_ERROR, DUET_KIT_ERROR_SERVER,
                          "%s answered %u: %s", self->server_url, status, message);
    }
}

static void
token_replied (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DuetAuth *self = g_task_get_source_object (task);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(JsonObject) body = NULL;
  g_auto(DuetTokenReply) reply = { 0 };
  g_autoptr(GError) error = NULL;
  DuetAuthToken *token = NULL;

  bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  if (bytes == NULL)
    {
      g_task_return_error (task, error_for_transport (self, error));
      return;
    }

  body = duet_protocol_parse_message (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL);
  if (soup_message_get_status (msg) != SOUP_STATUS_OK)
    {
      g_task_return_error (task, error_for_status (self, soup_message_get_status (msg), body));
      return;
    }

  if (body == NULL || !duet_token_reply_parse (body, &reply, NULL) ||
      (token = duet_auth_token_new_from_string (reply.token, NULL)) == NULL)
    {
      g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_SERVER,
                               "%s does not look like a Duet server: its answer has no token",
                               self->server_url);
      return;
    }
  g_task_return_pointer (task, token, g_object_unref);
}

/* Takes TASK; returns it with an error when the URL cannot be used */
static void
send_request (DuetAuth     *self,
              GTask        *task,
              const char   *path,
              const char   *bearer,
              JsonObject   *body)
{
  g_autofree char *url = g_strconcat (self->server_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (SOUP_METHOD_POST, url);

  if (msg == NULL)
    {
      g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM,
                               "“%s” is not a server address", self->server_url);
      g_object_unref (task);
      return;
    }

  if (bearer != NULL)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", bearer);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (body != NULL)
    {
      char *json = duet_protocol_serialize (body);
      g_autoptr(GBytes) bytes = g_bytes_new_take (json, strlen (json));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }

  soup_session_send_and_read_async (self->session, msg, G_PRIORITY_DEFAULT,
                                    g_task_get_cancellable (task), token_replied, task);
}

/**
 * duet_auth_sign_in_async:
 * @self: a #DuetAuth
 * @user_id: the user's id
 * @service_id: (nullable): the user's service, or %NULL for the server's
 *   default service
 * @password: the user's password
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the server has answered
 * @user_data: (closure): data for @callback
 *
 * Asks the server for an access token (`POST /v1/token`).
 */
void
duet_auth_sign_in_async (DuetAuth            *self,
                         const char          *user_id,
                         const char          *service_id,
                         const char          *password,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  g_autoptr(JsonObject) body = NULL;
  GTask *task;

  g_return_if_fail (DUET_IS_AUTH (self));
  g_return_if_fail (password != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, duet_auth_sign_in_async);

  if (!duet_user_id_is_valid (user_id) || (service_id != NULL && !duet_service_id_is_valid (service_id)))
    {
      g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM,
                               "A user or service id has 1 to 64 letters, digits, dots, dashes or underscores");
      g_object_unref (task);
      return;
    }

  body = duet_token_request_build (&(DuetTokenRequest) {
    .user = (char *) user_id,
    .service = (char *) service_id,
    .password = (char *) password,
  });
  send_request (self, task, "/v1/token", NULL, body);
}

/**
 * duet_auth_sign_in_finish:
 * @self: a #DuetAuth
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Errors (domain %DUET_KIT_ERROR): %DUET_KIT_ERROR_AUTH for a wrong user,
 * service or password (the server never says which),
 * %DUET_KIT_ERROR_RATE_LIMITED after too many attempts,
 * %DUET_KIT_ERROR_NETWORK or %DUET_KIT_ERROR_TLS when the server cannot be
 * reached or not trusted, %DUET_KIT_ERROR_INVALID_PARAM for an id that
 * breaks the rules or a bad server address, %DUET_KIT_ERROR_SERVER for any
 * other answer.
 *
 * Returns: (transfer full): the access token, or %NULL with @error set
 */
DuetAuthToken *
duet_auth_sign_in_finish (DuetAuth      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * duet_auth_refresh_async:
 * @self: a #DuetAuth
 * @token: a token that is still valid
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called when the server has answered
 * @user_data: (closure): data for @callback
 *
 * Buys a new token for the same user with one that is still valid
 * (`POST /v1/token/refresh`). The old token keeps working until it
 * expires. See duet_auth_token_get_renew_at() for when to call it.
 */
void
duet_auth_refresh_async (DuetAuth            *self,
                         const char          *token,
                         GCancellable        *cancellable,
                         GAsyncReadyCallback  callback,
                         gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (DUET_IS_AUTH (self));
  g_return_if_fail (token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, duet_auth_refresh_async);
  send_request (self, task, "/v1/token/refresh", token, NULL);
}

/**
 * duet_auth_refresh_finish:
 * @self: a #DuetAuth
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError, or %NULL
 *
 * %DUET_KIT_ERROR_AUTH means the token has expired or was revoked (the
 * account was removed or its password changed): sign in again. Any
 * other error leaves the old token as good as it was; try again later.
 *
 * Returns: (transfer full): the new token, or %NULL with @error set
 */
DuetAuthToken *
duet_auth_refresh_finish (DuetAuth      *self,
                          GAsyncResult  *result,
                          GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
