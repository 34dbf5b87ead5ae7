/* duet-auth-token.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The claims are read without checking the signature: only the server
 * holds the key. They tell a client when to renew the token and whose it
 * is, nothing more.
 */
#define G_LOG_DOMAIN "DuetAuthToken"

#include "config.h"

#include "duet-auth-token.h"
#include "duet-kit-error.h"
#include "duet-protocol.h"

struct _DuetAuthToken
{
  GObject  parent_instance;

  char    *token;
  char    *user_id;
  char    *service_id;
  char    *device_id;   /* NULL: the token names none */
  gint64   issued_at;
  gint64   expires_at;
};

/**
 * DuetAuthToken:
 *
 * An access token from duet_auth_sign_in_finish(), with whose it is and
 * when it expires.
 */
G_DEFINE_FINAL_TYPE (DuetAuthToken, duet_auth_token, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TOKEN,
  PROP_USER_ID,
  PROP_SERVICE_ID,
  PROP_DEVICE_ID,
  PROP_ISSUED_AT,
  PROP_EXPIRES_AT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
duet_auth_token_finalize (GObject *object)
{
  DuetAuthToken *self = DUET_AUTH_TOKEN (object);

  g_free (self->token);
  g_free (self->user_id);
  g_free (self->service_id);
  g_free (self->device_id);

  G_OBJECT_CLASS (duet_auth_token_parent_class)->finalize (object);
}

static void
duet_auth_token_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  DuetAuthToken *self = DUET_AUTH_TOKEN (object);

  switch (prop_id)
    {
    case PROP_TOKEN:
      g_value_set_string (value, self->token);
      break;
    case PROP_USER_ID:
      g_value_set_string (value, self->user_id);
      break;
    case PROP_SERVICE_ID:
      g_value_set_string (value, self->service_id);
      break;
    case PROP_DEVICE_ID:
      g_value_set_string (value, self->device_id);
      break;
    case PROP_ISSUED_AT:
      g_value_set_int64 (value, self->issued_at);
      break;
    case PROP_EXPIRES_AT:
      g_value_set_int64 (value, self->expires_at);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_auth_token_class_init (DuetAuthTokenClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = duet_auth_token_finalize;
  object_class->get_property = duet_auth_token_get_property;

  /**
   * DuetAuthToken:token:
   *
   * The token itself, to give to duet_manager_sign_in() or to
   * duet_make_call_param_builder_set_access_token().
   */
  properties[PROP_TOKEN] =
    g_param_spec_string ("token", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * DuetAuthToken:user-id:
   *
   * The user the token was issued to.
   */
  properties[PROP_USER_ID] =
    g_param_spec_string ("user-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * DuetAuthToken:service-id:
   *
   * The service of the user the token was issued to.
   */
  properties[PROP_SERVICE_ID] =
    g_param_spec_string ("service-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * DuetAuthToken:device-id:
   *
   * The device the token was issued to (its `did` claim; see
   * #DuetAuth:device-id), or %NULL for a token that names none, as
   * servers from before devices issued them (the server refuses those:
   * sign in again).
   */
  properties[PROP_DEVICE_ID] =
    g_param_spec_string ("device-id", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * DuetAuthToken:issued-at:
   *
   * When the server issued the token, in unix seconds.
   */
  properties[PROP_ISSUED_AT] =
    g_param_spec_int64 ("issued-at", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * DuetAuthToken:expires-at:
   *
   * When the token stops working, in unix seconds.
   */
  properties[PROP_EXPIRES_AT] =
    g_param_spec_int64 ("expires-at", NULL, NULL, 0, G_MAXINT64, 0,
                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
duet_auth_token_init (DuetAuthToken *self)
{
}

static gboolean
read_claims (DuetAuthToken *self)
{
  g_auto(GStrv) parts = g_strsplit (self->token, ".", 4);
  g_autofree guint8 *json = NULL;
  g_autoptr(JsonObject) claims = NULL;
  const char *uid, *sid, *did;
  gsize len = 0;

  if (g_strv_length (parts) != 3 || (json = duet_base64url_decode (parts[1], &len)) == NULL)
    return FALSE;
  claims = duet_protocol_parse_message ((const char *) json, len, NULL);
  if (claims == NULL ||
      (uid = duet_json_get_string (claims, "uid", TRUE, NULL)) == NULL ||
      (sid = duet_json_get_string (claims, "sid", TRUE, NULL)) == NULL ||
      !duet_json_get_int (claims, "iat", &self->issued_at, NULL) ||
      !duet_json_get_int (claims, "exp", &self->expires_at, NULL) ||
      self->expires_at <= self->issued_at)
    return FALSE;
  /* Optional: a token without one still says whose it is */
  did = duet_json_get_string (claims, "did", FALSE, NULL);

  self->user_id = g_strdup (uid);
  self->service_id = g_strdup (sid);
  self->device_id = did != NULL && duet_request_id_is_valid (did) ? g_strdup (did) : NULL;
  return TRUE;
}

/**
 * duet_auth_token_new_from_string:
 * @token: an access token, as duet-server issues them (a JWT)
 * @error: return location for a #GError, or %NULL
 *
 * Reads a token the app kept, for example in the keyring, to learn whose
 * it is and when it runs out. The signature is not checked: only the
 * server can do that.
 *
 * Returns: (transfer full): the token, or %NULL with
 *   %DUET_KIT_ERROR_INVALID_PARAM when @token is not one
 */
DuetAuthToken *
duet_auth_token_new_from_string (const char  *token,
                                 GError     **error)
{
  g_autoptr(DuetAuthToken) self = NULL;

  g_return_val_if_fail (token != NULL, NULL);

  self = g_object_new (DUET_TYPE_AUTH_TOKEN, NULL);
  self->token = g_strdup (token);
  if (!read_claims (self))
    {
      g_set_error_literal (error, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM,
                           "Not a Duet access token");
      return NULL;
    }
  return g_steal_pointer (&self);
}

/**
 * duet_auth_token_get_token:
 * @self: a #DuetAuthToken
 *
 * Gets the token itself, as given to duet_manager_sign_in().
 *
 * Returns: the token itself, as given to duet_manager_sign_in()
 */
const char *
duet_auth_token_get_token (DuetAuthToken *self)
{
  g_return_val_if_fail (DUET_IS_AUTH_TOKEN (self), NULL);
  return self->token;
}

/**
 * duet_auth_token_get_user_id:
 * @self: a #DuetAuthToken
 *
 * Gets the user the token was issued to.
 *
 * Returns: the user the token was issued to
 */
const char *
duet_auth_token_get_user_id (DuetAuthToken *self)
{
  g_return_val_if_fail (DUET_IS_AUTH_TOKEN (self), NULL);
  return self->user_id;
}

/**
 * duet_auth_token_get_service_id:
 * @self: a #DuetAuthToken
 *
 * Gets the service of the user the token was issued to.
 *
 * Returns: the service of the user the token was issued to
 */
const char *
duet_auth_token_get_service_id (DuetAuthToken *self)
{
  g_return_val_if_fail (DUET_IS_AUTH_TOKEN (self), NULL);
  return self->service_id;
}

/**
 * duet_auth_token_get_device_id:
 * @self: a #DuetAuthToken
 *
 * Gets the device the token was issued to; see #DuetAuthToken:device-id.
 *
 * Returns: (nullable): the device the token was issued to, or %NULL when
 *   the token names none
 */
const char *
duet_auth_token_get_device_id (DuetAuthToken *self)
{
  g_return_val_if_fail (DUET_IS_AUTH_TOKEN (self), NULL);
  return self->device_id;
}

/**
 * duet_auth_token_get_issued_at:
 * @self: a #DuetAuthToken
 *
 * Gets when the server issued the token, in unix seconds.
 *
 * Returns: when the server issued the token, in unix seconds
 */
gint64
duet_auth_token_get_issued_at (DuetAuthToken *self)
{
  g_return_val_if_fail (DUET_IS_AUTH_TOKEN (self), 0);
  return self->issued_at;
}

/**
 * duet_auth_token_get_expires_at:
 * @self: a #DuetAuthToken
 *
 * Gets when the token stops working, in unix seconds.
 *
 * Returns: when the token stops working, in unix seconds
 */
gint64
duet_auth_token_get_expires_at (DuetAuthToken *self)
{
  g_return_val_if_fail (DUET_IS_AUTH_TOKEN (self), 0);
  return self->expires_at;
}

/**
 * duet_auth_token_get_renew_at:
 * @self: a #DuetAuthToken
 *
 * A client that stays signed in renews its token with
 * duet_auth_refresh_async() halfway through its life, which leaves the
 * other half to retry in when the server cannot be reached.
 *
 * Returns: when to renew the token, in unix seconds
 */
gint64
duet_auth_token_get_renew_at (DuetAuthToken *self)
{
  g_return_val_if_fail (DUET_IS_AUTH_TOKEN (self), 0);
  return self->issued_at + (self->expires_at - self->issued_at) / 2;
}
