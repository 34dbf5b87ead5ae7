/* test-protocol.c: the shared wire code
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "duet-cc-param-private.h"
#include "duet-ice-uri.h"
#include "duet-protocol.h"

static const guint8 test_key[32] = "0123456789abcdef0123456789abcdef";

static void
test_ids (void)
{
  g_autofree char *long_id = g_strnfill (65, 'a');
  g_autofree char *max_id = g_strnfill (64, 'a');

  g_assert_true (duet_user_id_is_valid ("alice"));
  g_assert_true (duet_user_id_is_valid ("A.b-c_9"));
  g_assert_true (duet_user_id_is_valid (max_id));
  g_assert_false (duet_user_id_is_valid (long_id));
  g_assert_false (duet_user_id_is_valid (""));
  g_assert_false (duet_user_id_is_valid (NULL));
  g_assert_false (duet_user_id_is_valid ("al ice"));
  g_assert_false (duet_user_id_is_valid ("alice/bob"));
  g_assert_false (duet_user_id_is_valid ("élise"));
  g_assert_false (duet_service_id_is_valid ("a\"b"));
}

static void
test_enums (void)
{
  DuetDisconnectReason reason;
  DuetDisconnectSource source;
  DuetStartFailReason start;
  DuetMediaType media;

  g_assert_cmpstr (duet_disconnect_reason_to_string (DUET_DISCONNECT_REASON_NOANSWER), ==, "NOANSWER");
  g_assert_cmpint (DUET_DISCONNECT_REASON_NORMAL, ==, 1001);
  g_assert_cmpint (DUET_DISCONNECT_REASON_DECLINE, ==, 1002);
  g_assert_cmpint (DUET_DISCONNECT_REASON_CANCEL, ==, 1201);
  g_assert_cmpint (DUET_DISCONNECT_REASON_NETWORK_UNSTABLE, ==, 1301);
  g_assert_true (duet_disconnect_reason_from_string ("ALREADY_GOT_A_CALL", &reason));
  g_assert_cmpint (reason, ==, 1204);
  g_assert_false (duet_disconnect_reason_from_string ("normal", &reason));
  g_assert_false (duet_disconnect_reason_from_string (NULL, &reason));
  g_assert_null (duet_disconnect_reason_to_string (4242));

  g_assert_true (duet_disconnect_source_from_string ("APP_SERVER", &source));
  g_assert_cmpint (source, ==, 5);
  g_assert_true (duet_start_fail_reason_from_string ("NONE", &start));
  g_assert_cmpint (start, ==, 0);
  g_assert_true (duet_media_type_from_string ("audiovideo", &media));
  g_assert_cmpint (media, ==, DUET_MEDIA_TYPE_AUDIOVIDEO);
  g_assert_true (duet_media_type_has_video (media));
  g_assert_false (duet_media_type_has_video (DUET_MEDIA_TYPE_AUDIO));
}

static void
test_depth (void)
{
  GString *deep = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  JsonObject *obj;

  g_assert_true (duet_json_depth_check ("{\"a\":[1,{\"b\":2}]}", 16, 3));
  g_assert_false (duet_json_depth_check ("[[[[]]]]", 8, 3));
  /* brackets inside strings do not count, escaped quotes do not end them */
  g_assert_true (duet_json_depth_check ("{\"a\":\"[[[[\\\"[[[[\"}", 18, 1));

  /* 100 000 levels would crash json-glib; the scan must not recurse */
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  g_assert_false (duet_json_depth_check (deep->str, deep->len, DUET_PROTOCOL_MAX_DEPTH));

  /* within the size limit, depth is what refuses it */
  g_string_truncate (deep, 60000);
  obj = duet_protocol_parse_message (deep->str, deep->len, &error);
  g_assert_null (obj);
  g_assert_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_TOO_DEEP);
  g_string_free (deep, TRUE);
}

static void
test_parse_errors (void)
{
  struct { const char *text; DuetProtocolError code; } cases[] = {
    { "not json", DUET_PROTOCOL_ERROR_BAD_JSON },
    { "{\"type\": ", DUET_PROTOCOL_ERROR_BAD_JSON },
    { "[1, 2]", DUET_PROTOCOL_ERROR_BAD_MESSAGE },
    { "42", DUET_PROTOCOL_ERROR_BAD_MESSAGE },
    { "\"x\"", DUET_PROTOCOL_ERROR_BAD_MESSAGE },
    { "{\"a\": \"\xff\xfe\"}", DUET_PROTOCOL_ERROR_BAD_JSON },
  };
  g_autofree char *big = g_strnfill (DUET_PROTOCOL_MAX_MESSAGE_SIZE + 1, ' ');
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) ok = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) e = NULL;
      JsonObject *obj = duet_protocol_parse_message (cases[i].text, strlen (cases[i].text), &e);

      g_assert_null (obj);
      g_assert_error (e, DUET_PROTOCOL_ERROR, (int) cases[i].code);
    }

  g_assert_null (duet_protocol_parse_message (big, strlen (big), &error));
  g_assert_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_TOO_LARGE);

  ok = duet_protocol_parse_message ("{\"type\":\"ping\",\"id\":\"1\"}", 24, NULL);
  g_assert_nonnull (ok);
  g_assert_cmpstr (duet_json_get_string (ok, "type", TRUE, NULL), ==, "ping");
}

static void
test_field_types (void)
{
  g_autoptr(JsonObject) obj = duet_protocol_parse_message ("{\"s\":1,\"b\":\"x\",\"i\":true,\"n\":null}", 33, NULL);
  g_autoptr(GError) error = NULL;
  gboolean b = FALSE;
  gint64 i = 0;

  g_assert_nonnull (obj);
  g_assert_null (duet_json_get_string (obj, "s", TRUE, &error));
  g_assert_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE);
  g_clear_error (&error);
  g_assert_null (duet_json_get_string (obj, "missing", TRUE, &error));
  g_assert_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE);
  g_clear_error (&error);
  g_assert_null (duet_json_get_string (obj, "n", FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (duet_json_get_bool (obj, "b", &b, &error));
  g_assert_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE);
  g_clear_error (&error);
  g_assert_false (duet_json_get_int (obj, "i", &i, &error));
  g_assert_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE);
}

static void
test_base64url (void)
{
  const guint8 data[] = { 0xfb, 0xff, 0xfe, 0x00, 0x41 };
  g_autofree char *enc = duet_base64url_encode (data, sizeof data);
  g_autofree guint8 *dec = NULL;
  gsize len = 0;

  g_assert_null (strpbrk (enc, "+/="));
  dec = duet_base64url_decode (enc, &len);
  g_assert_nonnull (dec);
  g_assert_cmpmem (dec, len, data, sizeof data);

  g_assert_null (duet_base64url_decode ("ab+c", &len));
  g_assert_null (duet_base64url_decode ("abc=", &len));
  g_assert_null (duet_base64url_decode ("a", &len));
}

static char *
sign_test_param (gint64 iat, gint64 exp)
{
  return duet_cc_param_sign ("call-1", "alice", "duet", "bob", "duet",
                             DUET_MEDIA_TYPE_AUDIOVIDEO, iat, exp,
                             test_key, sizeof test_key);
}

static void
test_cc_param_roundtrip (void)
{
  g_autofree char *text = sign_test_param (1000, 1060);
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetCcParam) param = duet_cc_param_new_from_string (text, &error);
  const guint8 other_key[32] = { 1 };

  g_assert_no_error (error);
  g_assert_cmpstr (duet_cc_param_get_call_id (param), ==, "call-1");
  g_assert_cmpstr (duet_cc_param_get_caller_user (param), ==, "alice");
  g_assert_cmpstr (duet_cc_param_get_callee_user (param), ==, "bob");
  g_assert_cmpstr (duet_cc_param_get_callee_service (param), ==, "duet");
  g_assert_cmpint (duet_cc_param_get_media_type (param), ==, DUET_MEDIA_TYPE_AUDIOVIDEO);
  g_assert_cmpint (duet_cc_param_get_issued_at (param), ==, 1000);
  g_assert_cmpint (duet_cc_param_get_expires_at (param), ==, 1060);
  g_assert_cmpstr (duet_cc_param_get_text (param), ==, text);
  g_assert_true (duet_cc_param_check_signature (param, test_key, sizeof test_key));
  g_assert_false (duet_cc_param_check_signature (param, other_key, sizeof other_key));
}

/* A payload rewritten to name another callee keeps parsing, but its
 * signature no longer matches. */
static void
test_cc_param_tampered (void)
{
  g_autofree char *text = sign_test_param (1000, 1060);
  g_auto(GStrv) parts = g_strsplit (text, ".", -1);
  g_autofree guint8 *json = NULL;
  g_autofree char *forged_b64 = NULL;
  g_autofree char *forged = NULL;
  g_autoptr(DuetCcParam) param = NULL;
  g_autoptr(GString) s = NULL;
  gsize len;

  json = duet_base64url_decode (parts[1], &len);
  s = g_string_new_len ((char *) json, len);
  g_string_replace (s, "\"bob\"", "\"eve\"", 0);
  forged_b64 = duet_base64url_encode ((guint8 *) s->str, s->len);
  forged = g_strdup_printf ("v1.%s.%s", forged_b64, parts[2]);

  param = duet_cc_param_new_from_string (forged, NULL);
  g_assert_nonnull (param);
  g_assert_cmpstr (duet_cc_param_get_callee_user (param), ==, "eve");
  g_assert_false (duet_cc_param_check_signature (param, test_key, sizeof test_key));
}

static void
test_cc_param_malformed (void)
{
  g_autofree char *good = sign_test_param (1000, 1060);
  g_autofree char *no_sig = g_strndup (good, strrchr (good, '.') - good);
  g_autofree char *not_json = NULL;
  g_autofree char *bad_times = NULL;
  g_autofree char *b64 = duet_base64url_encode ((const guint8 *) "hello", 5);
  const char *cases[] = {
    "", "v1.", "v1..", "v2.abc.def", "nonsense", "v1.!!!.abc", NULL,
  };

  not_json = g_strdup_printf ("v1.%s.sig", b64);
  bad_times = duet_cc_param_sign ("c", "alice", "duet", "bob", "duet",
                                  DUET_MEDIA_TYPE_AUDIO, 100, 50,
                                  test_key, sizeof test_key);

  for (guint i = 0; cases[i]; i++)
    {
      g_autoptr(GError) error = NULL;
      g_assert_null (duet_cc_param_new_from_string (cases[i], &error));
      g_assert_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_INVALID_CC_PARAM);
    }
  g_assert_null (duet_cc_param_new_from_string (NULL, NULL));
  g_assert_null (duet_cc_param_new_from_string (no_sig, NULL));
  g_assert_null (duet_cc_param_new_from_string (not_json, NULL));
  g_assert_null (duet_cc_param_new_from_string (bad_times, NULL));
}

static char *
ice_to_webrtcbin (const char *text,
                  const char *user,
                  const char *pass)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetIceUri) uri = duet_ice_uri_parse (text, &error);

  g_assert_no_error (error);
  return duet_ice_uri_to_webrtcbin (uri, user, pass);
}

static void
test_ice_uri_webrtc_form (void)
{
  struct { const char *in, *user, *pass, *out; } cases[] = {
    { "stun:stun.example.org", NULL, NULL, "stun://stun.example.org" },
    { "stun:192.0.2.1:3479", NULL, NULL, "stun://192.0.2.1:3479" },
    { "stun:[2001:db8::1]:3478", NULL, NULL, "stun://[2001:db8::1]:3478" },
    /* a TURN REST username keeps its ':' only escaped; '/' and '+' in base64 too */
    { "turn:turn.example.org:3478?transport=udp", "1764200000:alice", "ab/c+d=",
      "turn://1764200000%3Aalice:ab%2Fc%2Bd%3D@turn.example.org:3478?transport=udp" },
    { "turn:127.0.0.1?transport=tcp", "u", "p", "turn://u:p@127.0.0.1?transport=tcp" },
    { "turns:turn.example.org:5349?transport=tcp", "u", "p", "turns://u:p@turn.example.org:5349?transport=tcp" },
    { "turns:turn.example.org", "u", "p", "turns://u:p@turn.example.org" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = ice_to_webrtcbin (cases[i].in, cases[i].user, cases[i].pass);

      g_assert_cmpstr (out, ==, cases[i].out);
    }
}

static void
test_ice_uri_webrtcbin_form (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetIceUri) uri = duet_ice_uri_parse ("turn://1764200000%3Aalice:s%2Fcret@10.0.0.1:3478?transport=udp",
                                                  &error);
  g_autofree char *again = NULL;

  g_assert_no_error (error);
  g_assert_true (duet_ice_uri_is_turn (uri));
  g_assert_cmpstr (uri->username, ==, "1764200000:alice");
  g_assert_cmpstr (uri->password, ==, "s/cret");
  g_assert_cmpstr (uri->host, ==, "10.0.0.1");
  g_assert_cmpuint (uri->port, ==, 3478);
  g_assert_cmpint (uri->transport, ==, DUET_ICE_TRANSPORT_UDP);
  again = duet_ice_uri_to_webrtcbin (uri, NULL, NULL);
  g_assert_cmpstr (again, ==, "turn://1764200000%3Aalice:s%2Fcret@10.0.0.1:3478?transport=udp");
}

static void
test_ice_uri_malformed (void)
{
  static const char *bad[] = {
    "", "stun", "http://example.org", "stuns:example.org", "stun:", "stun::3478",
    "stun:host:0", "stun:host:65536", "stun:host:99999", "stun:host:12a", "stun:host:",
    "stun:host?transport=udp", "turn:host?transport=tls", "turns:host?transport=udp",
    "turn:host?foo=bar", "turn:user:pw@host", "turn://nocolon@host", "stun:ho st",
    "stun:[::1", "stun:[nothost]", "stun:host/path", "turn://u:p@", "STUN:host", "turn:300.1.1.1",
    "turn:-bad.example", "turn:host#x",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(DuetIceUri) uri = duet_ice_uri_parse (bad[i], &error);

      if (uri != NULL)
        g_error ("“%s” was accepted", bad[i]);
      g_assert_error (error, G_URI_ERROR, error->code);
      g_assert_cmpuint (strlen (error->message), >, 10);
    }
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/protocol/ids", test_ids);
  g_test_add_func ("/protocol/enums", test_enums);
  g_test_add_func ("/protocol/depth", test_depth);
  g_test_add_func ("/protocol/parse-errors", test_parse_errors);
  g_test_add_func ("/protocol/field-types", test_field_types);
  g_test_add_func ("/protocol/base64url", test_base64url);
  g_test_add_func ("/protocol/cc-param/roundtrip", test_cc_param_roundtrip);
  g_test_add_func ("/protocol/cc-param/tampered", test_cc_param_tampered);
  g_test_add_func ("/protocol/cc-param/malformed", test_cc_param_malformed);
  g_test_add_func ("/protocol/ice-uri/webrtc-form", test_ice_uri_webrtc_form);
  g_test_add_func ("/protocol/ice-uri/webrtcbin-form", test_ice_uri_webrtcbin_form);
  g_test_add_func ("/protocol/ice-uri/malformed", test_ice_uri_malformed);

  return g_test_run ();
}
