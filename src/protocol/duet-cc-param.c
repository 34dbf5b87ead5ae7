/* duet-cc-param.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "duet-cc-param-private.h"
#include "duet-protocol.h"

#define CC_PARAM_PREFIX "v1."
#define CC_PARAM_MAX_LENGTH 2048

struct _DuetCcParam
{
  GObject        parent_instance;

  char          *text;
  char          *signed_part;
  char          *signature;
  char          *call_id;
  char          *caller_user;
  char          *caller_service;
  char          *callee_user;
  char          *callee_service;
  char          *callee_device;
  DuetMediaType  media_type;
  gint64         issued_at;
  gint64         expires_at;
};

/**
 * DuetCcParam:
 *
 * The call-control parameter the server pushes to a callee with an
 * incoming call: PlanetKit's `PlanetKitCCParam`, "the boarding pass" of
 * a call.
 *
 * #DuetManager::incoming-call hands one over when the manager is signed
 * in; an application that gets the string some other way (its own push
 * service, say) makes one with duet_cc_param_new_from_string(). It names
 * the call, the caller, the callee and the media type, so the callee can
 * show who is calling before it answers, and it goes into a
 * #DuetVerifyCallParamBuilder to verify the call.
 *
 * The server signs each cc_param and checks the signature again when the
 * callee verifies the call; a client reads the contents but cannot check
 * the signature. A cc_param is valid for one call, one callee, once, and
 * only until the ring timeout (duet_cc_param_get_expires_at()).
 */
G_DEFINE_FINAL_TYPE (DuetCcParam, duet_cc_param, G_TYPE_OBJECT)

static void
duet_cc_param_finalize (GObject *object)
{
  DuetCcParam *self = DUET_CC_PARAM (object);

  g_free (self->text);
  g_free (self->signed_part);
  g_free (self->signature);
  g_free (self->call_id);
  g_free (self->caller_user);
  g_free (self->caller_service);
  g_free (self->callee_user);
  g_free (self->callee_service);
  g_free (self->callee_device);

  G_OBJECT_CLASS (duet_cc_param_parent_class)->finalize (object);
}

static void
duet_cc_param_class_init (DuetCcParamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = duet_cc_param_finalize;
}

static void
duet_cc_param_init (DuetCcParam *self)
{
}

static gboolean
set_invalid (GError **error, const char *what)
{
  g_set_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_INVALID_CC_PARAM,
               "Invalid cc_param: %s", what);
  return FALSE;
}

static gboolean
read_payload (DuetCcParam *self,
              JsonObject  *payload,
              GError     **error)
{
  const char *media;

  self->call_id = g_strdup (duet_json_get_string (payload, "call_id", FALSE, NULL));
  self->caller_user = g_strdup (duet_json_get_string (payload, "caller_user", FALSE, NULL));
  self->caller_service = g_strdup (duet_json_get_string (payload, "caller_service", FALSE, NULL));
  self->callee_user = g_strdup (duet_json_get_string (payload, "callee_user", FALSE, NULL));
  self->callee_service = g_strdup (duet_json_get_string (payload, "callee_service", FALSE, NULL));
  self->callee_device = g_strdup (duet_json_get_string (payload, "callee_device", FALSE, NULL));
  media = duet_json_get_string (payload, "media_type", FALSE, NULL);

  if (!duet_request_id_is_valid (self->call_id))
    return set_invalid (error, "bad call id");
  if (!duet_user_id_is_valid (self->caller_user) || !duet_user_id_is_valid (self->callee_user))
    return set_invalid (error, "bad user id");
  if (!duet_service_id_is_valid (self->caller_service) ||
      !duet_service_id_is_valid (self->callee_service))
    return set_invalid (error, "bad service id");
  if (self->callee_device != NULL && !duet_user_id_is_valid (self->callee_device))
    return set_invalid (error, "bad device id");
  if (!duet_media_type_from_string (media, &self->media_type) ||
      self->media_type == DUET_MEDIA_TYPE_UNKNOWN)
    return set_invalid (error, "bad media type");
  if (!duet_json_get_int (payload, "iat", &self->issued_at, NULL) ||
      !duet_json_get_int (payload, "exp", &self->expires_at, NULL) ||
      self->issued_at <= 0 || self->expires_at < self->issued_at)
    return set_invalid (error, "bad times");

  return TRUE;
}

/**
 * duet_cc_param_new_from_string:
 * @text: the cc_param as the server pushed it, `v1.` followed by two
 *   base64url parts
 * @error: return location for a #GError
 *
 * Reads a cc_param the server pushed. Its signature is kept, not checked:
 * only the server holds the key, and it checks it again when the call is
 * verified.
 *
 * Fails, with the protocol's `invalid_cc_param` code in the
 * `duet-protocol-error-quark` domain, when @text is not a Duet cc_param:
 * a bad form, a payload that is not a JSON object, a malformed id or
 * media type, or times that make no sense.
 *
 * Returns: (transfer full): the cc_param, or %NULL with @error set
 */
DuetCcParam *
duet_cc_param_new_from_string (const char  *text,
                               GError     **error)
{
  g_autoptr(DuetCcParam) self = NULL;
  g_autoptr(JsonObject) payload = NULL;
  g_autofree guint8 *json = NULL;
  g_auto(GStrv) parts = NULL;
  gsize json_len = 0;

  if (text == NULL || !g_str_has_prefix (text, CC_PARAM_PREFIX) ||
      strlen (text) > CC_PARAM_MAX_LENGTH)
    {
      set_invalid (error, "not a Duet cc_param");
      return NULL;
    }

  parts = g_strsplit (text + strlen (CC_PARAM_PREFIX), ".", -1);
  if (g_strv_length (parts) != 2 || parts[0][0] == '\0' || parts[1][0] == '\0')
    {
      set_invalid (error, "wrong number of parts");
      return NULL;
    }

  json = duet_base64url_decode (parts[0], &json_len);
  if (json == NULL || json_len == 0)
    {
      set_invalid (error, "payload is not base64url");
      return NULL;
    }

  payload = duet_protocol_parse_message ((const char *) json, json_len, NULL);
  if (payload == NULL)
    {
      set_invalid (error, "payload is not a JSON object");
      return NULL;
    }

  self = g_object_new (DUET_TYPE_CC_PARAM, NULL);
  if (!read_payload (self, payload, error))
    return NULL;

  self->text = g_strdup (text);
  self->signed_part = g_strdup_printf (CC_PARAM_PREFIX "%s", parts[0]);
  self->signature = g_strdup (parts[1]);

  return g_steal_pointer (&self);
}

static char *
hmac_base64url (const guint8 *key,
                gsize         key_length,
                const char   *data)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, key, key_length);
  guint8 digest[32];
  gsize digest_len = sizeof digest;

  g_hmac_update (hmac, (const guchar *) data, strlen (data));
  g_hmac_get_digest (hmac, digest, &digest_len);
  return duet_base64url_encode (digest, digest_len);
}

char *
duet_cc_param_sign (const char    *call_id,
                    const char    *caller_user,
                    const char    *caller_service,
                    const char    *callee_user,
                    const char    *callee_service,
                    DuetMediaType  media_type,
                    gint64         issued_at,
                    gint64         expires_at,
                    const guint8  *key,
                    gsize          key_length)
{
  return duet_cc_param_sign_for_device (call_id, caller_user, caller_service, callee_user,
                                        callee_service, NULL, media_type, issued_at, expires_at,
                                        key, key_length);
}

char *
duet_cc_param_sign_for_device (const char    *call_id,
                               const char    *caller_user,
                               const char    *caller_service,
                               const char    *callee_user,
                               const char    *callee_service,
                               const char    *callee_device,
                               DuetMediaType  media_type,
                               gint64         issued_at,
                               gint64         expires_at,
                               const guint8  *key,
                               gsize          key_length)
{
  g_autoptr(JsonObject) payload = json_object_new ();
  g_autofree char *json = NULL;
  g_autofree char *encoded = NULL;
  g_autofree char *signed_part = NULL;
  g_autofree char *signature = NULL;

  json_object_set_string_member (payload, "call_id", call_id);
  json_object_set_string_member (payload, "caller_user", caller_user);
  json_object_set_string_member (payload, "caller_service", caller_service);
  json_object_set_string_member (payload, "callee_user", callee_user);
  json_object_set_string_member (payload, "callee_service", callee_service);
  if (callee_device != NULL)
    json_object_set_string_member (payload, "callee_device", callee_device);
  json_object_set_string_member (payload, "media_type", duet_media_type_to_string (media_type));
  json_object_set_int_member (payload, "iat", issued_at);
  json_object_set_int_member (payload, "exp", expires_at);

  json = duet_protocol_serialize (payload);
  encoded = duet_base64url_encode ((const guint8 *) json, strlen (json));
  signed_part = g_strdup_printf (CC_PARAM_PREFIX "%s", encoded);
  signature = hmac_base64url (key, key_length, signed_part);

  return g_strdup_printf ("%s.%s", signed_part, signature);
}

const char *
duet_cc_param_get_callee_device (DuetCcParam *self)
{
  g_return_val_if_fail (DUET_IS_CC_PARAM (self), NULL);
  return self->callee_device;
}

/* Constant-time comparison: the signature is secret-derived */
gboolean
duet_cc_param_check_signature (DuetCcParam  *self,
                               const guint8 *key,
                               gsize         key_length)
{
  g_autofree char *expected = NULL;
  gsize len;
  guint8 diff = 0;

  g_return_val_if_fail (DUET_IS_CC_PARAM (self), FALSE);

  expected = hmac_base64url (key, key_length, self->signed_part);
  len = strlen (expected);
  if (strlen (self->signature) != len)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    diff |= (guint8) (expected[i] ^ self->signature[i]);

  return diff == 0;
}

/**
 * duet_cc_param_get_text:
 * @self: a cc_param
 *
 * Gives the cc_param as a string, to hand on or store.
 *
 * Returns: the text
 */
/**
 * duet_cc_param_get_call_id:
 * @self: a cc_param
 *
 * Gives the id the server gave the call, the `call_id` of #DuetCall and of the server's call history.
 *
 * Returns: the call's id
 */
/**
 * duet_cc_param_get_caller_user:
 * @self: a cc_param
 *
 * Gives the user id of the caller, to show who is calling.
 *
 * Returns: the caller's user id
 */
/**
 * duet_cc_param_get_caller_service:
 * @self: a cc_param
 *
 * Gives the service id of the caller.
 *
 * Returns: the caller's service id
 */
/**
 * duet_cc_param_get_callee_user:
 * @self: a cc_param
 *
 * Gives the user id of the callee; a #DuetVerifyCallParamBuilder refuses a cc_param for another user.
 *
 * Returns: the callee's user id
 */
/**
 * duet_cc_param_get_callee_service:
 * @self: a cc_param
 *
 * Gives the service id of the callee.
 *
 * Returns: the callee's service id
 */
/**
 * duet_cc_param_get_media_type:
 * @self: a cc_param
 *
 * Gives the media type the caller asked for: %DUET_MEDIA_TYPE_AUDIO or %DUET_MEDIA_TYPE_AUDIOVIDEO, say, to answer with the right window.
 *
 * Returns: the call's media type
 */
#define GETTER(type, field) \
  type duet_cc_param_get_##field (DuetCcParam *self) \
  { \
    g_return_val_if_fail (DUET_IS_CC_PARAM (self), 0); \
    return self->field; \
  }

GETTER (const char *, text)
GETTER (const char *, call_id)
GETTER (const char *, caller_user)
GETTER (const char *, caller_service)
GETTER (const char *, callee_user)
GETTER (const char *, callee_service)
GETTER (DuetMediaType, media_type)
GETTER (const char *, signed_part)
GETTER (const char *, signature)

/**
 * duet_cc_param_get_issued_at:
 * @self: a cc_param
 *
 * Gives the time the server issued the cc_param: when the call was made.
 *
 * Returns: seconds since the Unix epoch
 */
gint64
duet_cc_param_get_issued_at (DuetCcParam *self)
{
  g_return_val_if_fail (DUET_IS_CC_PARAM (self), 0);
  return self->issued_at;
}

/**
 * duet_cc_param_get_expires_at:
 * @self: a cc_param
 *
 * Gives the time after which the server refuses to verify the call with
 * this cc_param: the end of the ring timeout. A cc_param pushed to a user
 * who was offline may be stale by the time it arrives.
 *
 * Returns: seconds since the Unix epoch
 */
gint64
duet_cc_param_get_expires_at (DuetCcParam *self)
{
  g_return_val_if_fail (DUET_IS_CC_PARAM (self), 0);
  return self->expires_at;
}
