/* duet-cc-param.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "duet-cc-param.h"

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
  DuetMediaType  media_type;
  gint64         issued_at;
  gint64         expires_at;
};

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
  media = duet_json_get_string (payload, "media_type", FALSE, NULL);

  if (!duet_request_id_is_valid (self->call_id))
    return set_invalid (error, "bad call id");
  if (!duet_user_id_is_valid (self->caller_user) || !duet_user_id_is_valid (self->callee_user))
    return set_invalid (error, "bad user id");
  if (!duet_service_id_is_valid (self->caller_service) ||
      !duet_service_id_is_valid (self->callee_service))
    return set_invalid (error, "bad service id");
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
 *
 * Parses the pushed string. The signature is kept, not checked: only the
 * server holds the key, and it checks it again on verify_call.
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
  json_object_set_string_member (payload, "media_type", duet_media_type_to_string (media_type));
  json_object_set_int_member (payload, "iat", issued_at);
  json_object_set_int_member (payload, "exp", expires_at);

  json = duet_protocol_serialize (payload);
  encoded = duet_base64url_encode ((const guint8 *) json, strlen (json));
  signed_part = g_strdup_printf (CC_PARAM_PREFIX "%s", encoded);
  signature = hmac_base64url (key, key_length, signed_part);

  return g_strdup_printf ("%s.%s", signed_part, signature);
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

gint64
duet_cc_param_get_issued_at (DuetCcParam *self)
{
  g_return_val_if_fail (DUET_IS_CC_PARAM (self), 0);
  return self->issued_at;
}

gint64
duet_cc_param_get_expires_at (DuetCcParam *self)
{
  g_return_val_if_fail (DUET_IS_CC_PARAM (self), 0);
  return self->expires_at;
}
