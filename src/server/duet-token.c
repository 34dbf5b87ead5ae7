/* duet-token.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sodium.h>

#include "duet-protocol.h"
#include "duet-server-error.h"
#include "duet-token.h"

#define HS256_LENGTH 32

void
duet_token_claims_clear (DuetTokenClaims *claims)
{
  g_clear_pointer (&claims->uid, g_free);
  g_clear_pointer (&claims->sid, g_free);
  g_clear_pointer (&claims->did, g_free);
  claims->iat = claims->exp = claims->tv = claims->dk = 0;
}

static void
hs256 (const guint8 *key,
       gsize         keylen,
       const char   *data,
       gsize         length,
       guint8        digest[HS256_LENGTH])
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA256, key, keylen);
  gsize digest_len = HS256_LENGTH;

  g_hmac_update (hmac, (const guchar *) data, length);
  g_hmac_get_digest (hmac, digest, &digest_len);
}

static char *
encode_json (JsonObject *object)
{
  g_autofree char *json = duet_protocol_serialize (object);

  return duet_base64url_encode ((const guint8 *) json, strlen (json));
}

char *
duet_token_sign (const char   *uid,
                 const char   *sid,
                 gint64        iat,
                 gint64        exp,
                 gint64        tv,
                 const char   *did,
                 gint64        dk,
                 const guint8 *key,
                 gsize         keylen)
{
  g_autoptr(JsonObject) header = json_object_new ();
  g_autoptr(JsonObject) claims = json_object_new ();
  g_autofree char *header_b64 = NULL;
  g_autofree char *claims_b64 = NULL;
  g_autofree char *signed_part = NULL;
  g_autofree char *signature = NULL;
  guint8 digest[HS256_LENGTH];

  json_object_set_string_member (header, "alg", "HS256");
  json_object_set_string_member (header, "typ", "JWT");
  json_object_set_string_member (claims, "uid", uid);
  json_object_set_string_member (claims, "sid", sid);
  json_object_set_int_member (claims, "iat", iat);
  json_object_set_int_member (claims, "exp", exp);
  json_object_set_int_member (claims, "tv", tv);
  if (did != NULL)
    {
      json_object_set_string_member (claims, "did", did);
      json_object_set_int_member (claims, "dk", dk);
    }

  header_b64 = encode_json (header);
  claims_b64 = encode_json (claims);
  signed_part = g_strdup_printf ("%s.%s", header_b64, claims_b64);
  hs256 (key, keylen, signed_part, strlen (signed_part), digest);
  signature = duet_base64url_encode (digest, sizeof digest);

  return g_strdup_printf ("%s.%s", signed_part, signature);
}

static gboolean
bad_token (GError **error, const char *why)
{
  g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_BAD_TOKEN,
               "Invalid token: %s", why);
  return FALSE;
}

static JsonObject *
decode_part (const char *part)
{
  g_autofree guint8 *json = NULL;
  gsize len = 0;

  json = duet_base64url_decode (part, &len);
  if (json == NULL || len == 0)
    return NULL;
  return duet_protocol_parse_message ((const char *) json, len, NULL);
}

/* Pinning the algorithm closes the alg=none and HS/RS confusion attacks */
static gboolean
header_is_hs256 (JsonObject *header)
{
  const char *alg = duet_json_get_string (header, "alg", TRUE, NULL);
  const char *typ;

  if (!json_object_has_member (header, "typ"))
    typ = "JWT";
  else
    typ = duet_json_get_string (header, "typ", TRUE, NULL);

  return g_strcmp0 (alg, "HS256") == 0 && g_strcmp0 (typ, "JWT") == 0 &&
         !json_object_has_member (header, "crit");
}

static gboolean
read_claims (JsonObject      *claims,
             DuetTokenClaims *out)
{
  const char *uid = duet_json_get_string (claims, "uid", TRUE, NULL);
  const char *sid = duet_json_get_string (claims, "sid", TRUE, NULL);
  const char *did = NULL;
  gint64 iat = -1, exp = -1, tv = -1, dk = 0;

  if (!duet_user_id_is_valid (uid) || !duet_service_id_is_valid (sid))
    return FALSE;
  if (json_object_has_member (claims, "did"))
    {
      did = duet_json_get_string (claims, "did", TRUE, NULL);
      if (!duet_user_id_is_valid (did) || !duet_json_get_int (claims, "dk", &dk, NULL))
        return FALSE;
    }
  if (!duet_json_get_int (claims, "iat", &iat, NULL) ||
      !duet_json_get_int (claims, "exp", &exp, NULL) ||
      !duet_json_get_int (claims, "tv", &tv, NULL))
    return FALSE;
  if (iat < 0 || exp < 0 || tv < 0)
    return FALSE;

  out->uid = g_strdup (uid);
  out->sid = g_strdup (sid);
  out->iat = iat;
  out->exp = exp;
  out->tv = tv;
  out->did = g_strdup (did);
  out->dk = dk;
  return TRUE;
}

gboolean
duet_token_verify (const char      *token,
                   const guint8    *key,
                   gsize            keylen,
                   gint64           now,
                   DuetTokenClaims *out,
                   GError         **error)
{
  g_autoptr(JsonObject) header = NULL;
  g_autoptr(JsonObject) claims = NULL;
  g_autofree guint8 *signature = NULL;
  g_auto(GStrv) parts = NULL;
  g_auto(DuetTokenClaims) parsed = { 0 };
  guint8 expected[HS256_LENGTH];
  gsize sig_len = 0;
  gsize signed_len;

  g_return_val_if_fail (out != NULL, FALSE);

  if (token == NULL || strlen (token) > DUET_TOKEN_MAX_LENGTH)
    return bad_token (error, "missing or too long");

  parts = g_strsplit (token, ".", 4);
  if (g_strv_length (parts) != 3)
    return bad_token (error, "not a JWS compact serialization");

  header = decode_part (parts[0]);
  if (header == NULL || !header_is_hs256 (header))
    return bad_token (error, "unsupported header");

  signature = duet_base64url_decode (parts[2], &sig_len);
  if (signature == NULL || sig_len != HS256_LENGTH)
    return bad_token (error, "bad signature");

  signed_len = strlen (parts[0]) + 1 + strlen (parts[1]);
  hs256 (key, keylen, token, signed_len, expected);
  if (sodium_memcmp (expected, signature, HS256_LENGTH) != 0)
    return bad_token (error, "bad signature");

  claims = decode_part (parts[1]);
  if (claims == NULL || !read_claims (claims, &parsed))
    return bad_token (error, "bad claims");

  if (parsed.exp <= now)
    return bad_token (error, "expired");

  *out = parsed;
  memset (&parsed, 0, sizeof parsed);
  return TRUE;
}
