/* duet-auth.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * POST /v1/token and POST /v1/token/refresh (docs/protocol.md). Errors
 * carry a DuetKitError code a program can act on and an English message
 * for logs; an app shows its own translated text for each code.
 *
 * Each sign-in names the device it is made on (docs/protocol.md,
 * "Devices"): the app's own id and name, or else a random id kept in
 * $XDG_DATA_HOME/duet-kit-1/device-id (so every program of the kit on one
 * machine and user account is one device) and "APP on HOST".
 */
#define G_LOG_DOMAIN "DuetAuth"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include <libsoup/soup.h>

#include "duet-auth.h"
#include "duet-kit-error.h"
#include "duet-messages.h"

struct _DuetAuth
{
  GObject      parent_instance;

  char        *server_url;
  SoupSession *session;
  char        *device_id;    /* NULL: the default, not read yet */
  char        *device_name;  /* NULL: the default, not made yet */
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
  PROP_DEVICE_ID,
  PROP_DEVICE_NAME,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
duet_auth_finalize (GObject *object)
{
  DuetAuth *self = DUET_AUTH (object);

  g_clear_object (&self->session);
  g_free (self->server_url);
  g_free (self->device_id);
  g_free (self->device_name);

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
    case PROP_DEVICE_ID:
      g_value_set_string (value, duet_auth_get_device_id (self));
      break;
    case PROP_DEVICE_NAME:
      g_value_set_string (value, duet_auth_get_device_name (self));
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
  /**
   * DuetAuth:device-id:
   *
   * The id of the device that signs in: the app's own (see
   * duet_auth_set_device()), or else a random one made on first use and
   * kept in `duet-kit-1/device-id` under the user's data directory
   * (g_get_user_data_dir()), so that the device stays the same across
   * runs and every program of the kit is one device of the user on this
   * machine (a Flatpak app has a data directory, and so a device, of its
   * own).
   */
  properties[PROP_DEVICE_ID] =
    g_param_spec_string ("device-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * DuetAuth:device-name:
   *
   * The name the user's other devices show for this one: the app's own
   * (see duet_auth_set_device()), or else “APP on HOST” from
   * g_get_application_name() (or g_get_prgname(), or “Duet”) and
   * g_get_host_name(), cut to 64 bytes.
   */
  properties[PROP_DEVICE_NAME] =
    g_param_spec_string ("device-name", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);

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

/* ---- the device ---- */

#define DEVICE_ID_DIR  "duet-kit-1"
#define DEVICE_ID_FILE "device-id"
/* A device-id file is one id and a newline; anything longer is not one */
#define DEVICE_ID_FILE_MAX 256

static char *
read_device_id (const char *path)
{
  g_autofree char *text = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &text, &length, NULL) || length > DEVICE_ID_FILE_MAX ||
      strlen (text) != length)
    return NULL;
  g_strstrip (text);
  return duet_request_id_is_valid (text) ? g_steal_pointer (&text) : NULL;
}

/* The id kept under the user's data directory, made (or replaced, when
 * the file holds no id) on first use */
static char *
default_device_id (void)
{
  g_autofree char *dir = g_build_filename (g_get_user_data_dir (), DEVICE_ID_DIR, NULL);
  g_autofree char *path = g_build_filename (dir, DEVICE_ID_FILE, NULL);
  g_autofree char *id = read_device_id (path);
  g_autofree char *text = NULL;
  g_autofree char *kept = NULL;
  g_autoptr(GError) error = NULL;

  if (id != NULL)
    return g_steal_pointer (&id);

  id = g_uuid_string_random ();
  text = g_strconcat (id, "\n", NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_warning ("Cannot keep this device's id in %s: %s; each sign-in will be a new device",
                 dir, g_strerror (saved));
      return g_steal_pointer (&id);
    }
  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &error))
    {
      g_warning ("Cannot keep this device's id: %s; each sign-in will be a new device", error->message);
      return g_steal_pointer (&id);
    }
  /* Another program of the kit may have written its own at the same time:
   * the file's is the one both keep */
  kept = read_device_id (path);
  return kept != NULL ? g_steal_pointer (&kept) : g_steal_pointer (&id);
}

/* "APP on HOST", at most DUET_PROTOCOL_MAX_DEVICE_NAME bytes of UTF-8
 * without control characters (each becomes a space), cut between
 * characters */
static char *
default_device_name (void)
{
  const char *app = g_get_application_name ();   /* or else the prgname */
  g_autofree char *raw = NULL;
  g_autofree char *valid = NULL;
  g_autoptr(GString) name = g_string_new (NULL);

  if (app == NULL || *app == '\0')
    app = "Duet";
  raw = g_strdup_printf ("%s on %s", app, g_get_host_name ());
  valid = g_utf8_make_valid (raw, -1);
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gboolean control = g_unichar_iscntrl (g_utf8_get_char (p));
      gsize length = control ? 1 : (gsize) (g_utf8_next_char (p) - p);

      if (name->len + length > DUET_PROTOCOL_MAX_DEVICE_NAME)
        break;
      if (control)
        g_string_append_c (name, ' ');
      else
        g_string_append_len (name, p, length);
    }
  while (name->len > 0 && name->str[name->len - 1] == ' ')
    g_string_truncate (name, name->len - 1);
  return g_string_free (g_steal_pointer (&name), FALSE);
}

/**
 * duet_auth_set_device:
 * @self: a #DuetAuth
 * @device_id: (nullable): the app's own stable id of the device it runs
 *   on (1 to 64 letters, digits, dots, dashes or underscores), or %NULL
 *   for the kit's (see #DuetAuth:device-id)
 * @device_name: (nullable): the name the user's other devices show for
 *   this one (1 to 64 bytes of UTF-8, no control characters), such as
 *   “Duet on alice-laptop”, or %NULL for the kit's (see
 *   #DuetAuth:device-name)
 *
 * Names the device that signs in with duet_auth_sign_in_async(). A user
 * stays signed in on each of their devices; signing in again with the
 * same id renews that device (and renames it), a new id adds one. An id
 * or name that breaks the rules makes the sign-in fail with
 * %DUET_KIT_ERROR_INVALID_PARAM.
 */
void
duet_auth_set_device (DuetAuth   *self,
                      const char *device_id,
                      const char *device_name)
{
  g_return_if_fail (DUET_IS_AUTH (self));

  if (device_id != NULL && *device_id == '\0')
    device_id = NULL;
  if (device_name != NULL && *device_name == '\0')
    device_name = NULL;

  /* NULL stays NULL until asked: the default is read then */
  if (duet_set_string (&self->device_id, device_id))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE_ID]);
  if (duet_set_string (&self->device_name, device_name))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DEVICE_NAME]);
}

/**
 * duet_auth_get_device_id:
 * @self: a #DuetAuth
 *
 * Gets the id of the device that signs in; see #DuetAuth:device-id.
 *
 * Returns: the id of the device that signs in
 */
const char *
duet_auth_get_device_id (DuetAuth *self)
{
  g_return_val_if_fail (DUET_IS_AUTH (self), NULL);

  if (self->device_id == NULL)
    self->device_id = default_device_id ();
  return self->device_id;
}

/**
 * duet_auth_get_device_name:
 * @self: a #DuetAuth
 *
 * Gets the name of the device that signs in; see #DuetAuth:device-name.
 *
 * Returns: the name of the device that signs in
 */
const char *
duet_auth_get_device_name (DuetAuth *self)
{
  g_return_val_if_fail (DUET_IS_AUTH (self), NULL);

  if (self->device_name == NULL)
    self->device_name = default_device_name ();
  return self->device_name;
}

/* ---- requests ---- */

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
request_token_cb (GObject      *source,
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
                                    g_task_get_cancellable (task), request_token_cb, task);
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
 * Asks the server for an access token (`POST /v1/token`) for this
 * device (#DuetAuth:device-id, #DuetAuth:device-name): the token is the
 * device's, and the user's other devices stay signed in.
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
  if (!duet_request_id_is_valid (duet_auth_get_device_id (self)))
    {
      g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM,
                               "device_id: a device id has 1 to 64 letters, digits, dots, dashes or underscores");
      g_object_unref (task);
      return;
    }
  if (!duet_text_is_valid (duet_auth_get_device_name (self), DUET_PROTOCOL_MAX_DEVICE_NAME))
    {
      g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM,
                               "device_name: a device name has 1 to %d bytes of UTF-8, no control characters",
                               DUET_PROTOCOL_MAX_DEVICE_NAME);
      g_object_unref (task);
      return;
    }

  body = duet_token_request_build (&(DuetTokenRequest) {
    .user = (char *) user_id,
    .service = (char *) service_id,
    .password = (char *) password,
    .device_id = (char *) duet_auth_get_device_id (self),
    .device_name = (char *) duet_auth_get_device_name (self),
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
 * reached or not trusted, %DUET_KIT_ERROR_INVALID_PARAM for an id (or a
 * device name) that breaks the rules or a bad server address, %DUET_KIT_ERROR_SERVER for any
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
 * Buys a new token for the same user and device with one that is still valid
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
 * account was removed or its password changed, or this device was signed
 * out): sign in again. Any
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
