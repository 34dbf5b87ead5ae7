/* test-server-ice.c: STUN and TURN servers for clients
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The URI rules and the TURN REST credential as pure functions; then a
 * real duet-server that hands the list out in hello and renews it before
 * the credentials expire, without its secret ever showing; then a real
 * coturn that accepts those credentials (and refuses forged or expired
 * ones) on a hand-written TURN Allocate.
 */
#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/prctl.h>

#include "duet-ice-servers.h"
#include "duet-server-error.h"
#include "duet-test-client.h"

#define TTL            4
#define TTL_ARG        "4"
#define TURN_REALM     "duet.test"

/* ---- helpers ----------------------------------------------------------- */

static char *
random_secret (void)
{
  return g_strdup_printf ("duet-test-secret-%08x%08x%08x", g_random_int (), g_random_int (), g_random_int ());
}

static char *
make_tmpdir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("duet-ice-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static char *
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static gint64
expiry_of (const char *username)
{
  char *end = NULL;
  gint64 expiry = g_ascii_strtoll (username, &end, 10);

  g_assert_true (end != username && *end == ':');
  return expiry;
}

static char *
expected_credential (const char *secret,
                     const char *username)
{
  g_autoptr(GHmac) hmac = g_hmac_new (G_CHECKSUM_SHA1, (const guchar *) secret, strlen (secret));
  guint8 digest[20];
  gsize length = sizeof digest;

  g_hmac_update (hmac, (const guchar *) username, -1);
  g_hmac_get_digest (hmac, digest, &length);
  return g_base64_encode (digest, length);
}

static const char *
url_at (JsonObject *entry,
        guint       i)
{
  return json_array_get_string_element (json_object_get_array_member (entry, "urls"), i);
}

/* Checks the TURN entry of a list sent to @user: the credential is the
 * HMAC of the username and it expires about TTL seconds from now */
static gint64
assert_turn_entry (JsonObject *entry,
                   const char *secret,
                   const char *user)
{
  const char *username = json_object_get_string_member (entry, "username");
  g_autofree char *suffix = g_strconcat (":", user, NULL);
  g_autofree char *credential = expected_credential (secret, username);
  gint64 expiry = expiry_of (username);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  g_assert_true (g_str_has_suffix (username, suffix));
  g_assert_cmpstr (json_object_get_string_member (entry, "credential"), ==, credential);
  g_assert_cmpint (expiry, >=, now + TTL - 2);
  g_assert_cmpint (expiry, <=, now + TTL);
  return expiry;
}

/* ---- URIs --------------------------------------------------------------- */

static void
test_uri_good (void)
{
  const char *stun[] = { "stun:127.0.0.1:3478", "stun:stun.example.org", "stun:[::1]:3478",
                         "stun:a-b.example", "stun:localhost:1" };
  const char *turn[] = { "turn:127.0.0.1:3478?transport=udp", "turn:turn.example.org?transport=tcp",
                         "turns:turn.example.org:5349?transport=tcp", "turns:[2001:db8::1]",
                         "turn:h:65535", "turn:TURN.Example.ORG" };

  for (guint i = 0; i < G_N_ELEMENTS (stun); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (duet_ice_uri_check (stun[i], DUET_ICE_URI_STUN, &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (turn); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_true (duet_ice_uri_check (turn[i], DUET_ICE_URI_TURN, &error));
      g_assert_no_error (error);
    }
}

static void
test_uri_bad (void)
{
  g_autofree char *label = g_strnfill (600, 'a');
  g_autofree char *long_name = g_strdup_printf ("turn:%s.example", label);
  const struct {
    DuetIceUriKind  kind;
    const char     *uri;
    const char     *says;
  } bad[] = {
    { DUET_ICE_URI_TURN, "turn:host:99999", "port must be 1–65535" },
    { DUET_ICE_URI_TURN, "turn:host:0", "port" },
    { DUET_ICE_URI_TURN, "turn:host:", "port" },
    { DUET_ICE_URI_TURN, "turn:host:-1", "port" },
    { DUET_ICE_URI_TURN, "http:host", "scheme" },
    { DUET_ICE_URI_TURN, "stun:host", "scheme" },
    { DUET_ICE_URI_TURN, "TURN:host", "scheme" },
    { DUET_ICE_URI_STUN, "turn:host", "scheme" },
    { DUET_ICE_URI_STUN, "stuns:host", "scheme" },
    { DUET_ICE_URI_TURN, "turn:", "host is missing" },
    { DUET_ICE_URI_TURN, "turn::3478", "host is missing" },
    { DUET_ICE_URI_TURN, "turn:?transport=udp", "host is missing" },
    { DUET_ICE_URI_TURN, "turn:host?transport=sctp", "query" },
    { DUET_ICE_URI_TURN, "turn:host?foo=bar", "query" },
    { DUET_ICE_URI_TURN, "turn:host?transport=udp&x=y", "query" },
    { DUET_ICE_URI_STUN, "stun:host?transport=udp", "no query" },
    { DUET_ICE_URI_TURN, "turns:host?transport=udp", "TLS" },
    { DUET_ICE_URI_TURN, "turn:user:pass@host", "user information" },
    { DUET_ICE_URI_TURN, "turn:user@host", "user information" },
    { DUET_ICE_URI_TURN, "turn://host", "“//”" },
    { DUET_ICE_URI_TURN, "turn:host:3478/path", "more after" },
    { DUET_ICE_URI_TURN, "turn:host#fragment", "more after" },
    { DUET_ICE_URI_TURN, "turn:host:3478x", "more after" },
    { DUET_ICE_URI_TURN, "turn:ho st", "more after" },
    { DUET_ICE_URI_TURN, "turn:hôst", "more after" },
    { DUET_ICE_URI_TURN, "turn:[::1", "“]”" },
    { DUET_ICE_URI_TURN, "turn:[1.2.3.4]", "IPv6" },
    { DUET_ICE_URI_TURN, "turn:[fe80::1%eth0]", "IPv6" },
    { DUET_ICE_URI_TURN, "turn:300.1.1.1", "host must be" },
    { DUET_ICE_URI_TURN, "turn:1.2.3", "host must be" },
    { DUET_ICE_URI_TURN, "turn:-bad.example", "host must be" },
    { DUET_ICE_URI_TURN, "turn:a..b", "host must be" },
    { DUET_ICE_URI_TURN, long_name, "longer than" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_false (duet_ice_uri_check (bad[i].uri, bad[i].kind, &error));
      g_assert_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_INVALID_CONFIG);
      if (strstr (error->message, bad[i].says) == NULL)
        g_error ("%s: “%s” does not say “%s”", bad[i].uri, error->message, bad[i].says);
    }
}

/* ---- the secret file -------------------------------------------------- */

static void
test_secret_file (void)
{
  g_autofree char *dir = make_tmpdir ();
  const struct {
    const char *contents;
    const char *secret;   /* NULL: refused */
  } cases[] = {
    { "s3cret\n", "s3cret" },
    { "s3cret\r\n", "s3cret" },
    { "s3cret", "s3cret" },
    { "with inner space\n", "with inner space" },
    { "", NULL },
    { "\n", NULL },
    { "two\nlines\n", NULL },
    { " padded\n", NULL },
    { "tab\tinside", NULL },
  };
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  g_autoptr(GError) error = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_file (dir, "secret", cases[i].contents);
      char *secret = duet_ice_read_secret (path, &error);

      g_assert_cmpstr (secret, ==, cases[i].secret);
      if (secret == NULL)
        {
          g_assert_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_INVALID_CONFIG);
          g_assert_nonnull (strstr (error->message, path));
          /* it names the file, never what is in it */
          g_assert_null (strstr (error->message, "lines"));
          g_assert_null (strstr (error->message, "padded"));
          g_clear_error (&error);
        }
      duet_ice_free_secret (secret);
    }

  g_assert_null (duet_ice_read_secret (missing, &error));
  g_assert_nonnull (strstr (error->message, missing));
  g_clear_error (&error);
  g_assert_null (duet_ice_read_secret (dir, &error));
  g_assert_nonnull (strstr (error->message, dir));
  g_clear_error (&error);
  duet_test_remove_tree (dir);
}

/* ---- credentials and the list ----------------------------------------- */

static void
test_credential (void)
{
  g_autofree char *username = NULL, *credential = NULL, *expected = NULL;

  duet_ice_turn_credential ("s3cret", "alice", 1700000000, &username, &credential);
  g_assert_cmpstr (username, ==, "1700000000:alice");
  /* openssl dgst -sha1 -hmac s3cret -binary | base64 */
  g_assert_cmpstr (credential, ==, "TtElzSjT0GdnTQ9xdcRNxx96yQs=");
  expected = expected_credential ("s3cret", username);
  g_assert_cmpstr (credential, ==, expected);
}

/* The list as a client sees it, in an ice_servers event */
static JsonArray *
as_json (GPtrArray *servers)
{
  DuetIceServersEvent event = { .ice_servers = servers, .ice_servers_ttl = TTL };
  g_autoptr(JsonObject) message = duet_ice_servers_event_build (&event);

  g_ptr_array_unref (servers);
  return json_array_ref (json_object_get_array_member (message, "ice_servers"));
}

static void
test_list (void)
{
  const char *stun[] = { "stun:a.example", "stun:b.example:3479", NULL };
  const char *turn[] = { "turn:t.example?transport=udp", "turns:t.example:5349", NULL };
  gint64 expires_at = g_get_real_time () / G_USEC_PER_SEC + TTL;
  g_autoptr(JsonArray) both = as_json (duet_ice_servers_build (stun, turn, "s3cret", "bob", expires_at));
  g_autoptr(JsonArray) stun_only = as_json (duet_ice_servers_build (stun, NULL, NULL, "bob", expires_at));
  g_autoptr(JsonArray) turn_only = as_json (duet_ice_servers_build (NULL, turn, "s3cret", "bob", expires_at));
  g_autoptr(JsonArray) none = as_json (duet_ice_servers_build (NULL, NULL, NULL, "bob", expires_at));
  JsonObject *entry;

  g_assert_cmpuint (json_array_get_length (both), ==, 2);
  entry = json_array_get_object_element (both, 0);
  g_assert_cmpuint (json_object_get_size (entry), ==, 1);
  g_assert_cmpstr (url_at (entry, 0), ==, "stun:a.example");
  g_assert_cmpstr (url_at (entry, 1), ==, "stun:b.example:3479");
  entry = json_array_get_object_element (both, 1);
  g_assert_cmpuint (json_object_get_size (entry), ==, 3);
  g_assert_cmpstr (url_at (entry, 0), ==, "turn:t.example?transport=udp");
  g_assert_cmpstr (url_at (entry, 1), ==, "turns:t.example:5349");
  g_assert_cmpint (assert_turn_entry (entry, "s3cret", "bob"), ==, expires_at);

  g_assert_cmpuint (json_array_get_length (stun_only), ==, 1);
  g_assert_false (json_object_has_member (json_array_get_object_element (stun_only, 0), "username"));
  g_assert_cmpuint (json_array_get_length (turn_only), ==, 1);
  g_assert_true (json_object_has_member (json_array_get_object_element (turn_only, 0), "credential"));
  g_assert_cmpuint (json_array_get_length (none), ==, 0);
}

/* ---- a real duet-server ------------------------------------------------- */

static DuetTestServer *
start_ice_server (const char *secret_file,
                  guint16     turn_port,
                  gboolean    capture_output)
{
  g_autofree char *turn = g_strdup_printf ("turn:127.0.0.1:%u?transport=udp", turn_port);
  const char *args[] = { "--stun-uri", "stun:127.0.0.1:3478",
                         "--turn-uri", turn,
                         "--turn-uri", "turns:127.0.0.1:5349?transport=tcp",
                         "--turn-secret-file", secret_file,
                         "--turn-ttl", TTL_ARG, NULL };
  DuetTestServer *server = duet_test_server_new (args);

  server->capture_output = capture_output;
  duet_test_server_start (server);
  return server;
}

static JsonObject *
turn_entry_of (JsonObject *message)
{
  JsonArray *servers = json_object_get_array_member (message, "ice_servers");

  g_assert_cmpint (json_object_get_int_member (message, "ice_servers_ttl"), ==, TTL);
  g_assert_cmpuint (json_array_get_length (servers), ==, 2);
  return json_array_get_object_element (servers, 1);
}

static void
test_hello_and_renewal (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *secret = random_secret ();
  g_autofree char *secret_line = g_strconcat (secret, "\n", NULL);
  g_autofree char *secret_file = write_file (dir, "turn-secret", secret_line);
  g_autoptr(DuetTestServer) server = start_ice_server (secret_file, 3478, TRUE);
  g_autoptr(DuetTestClient) alice = duet_test_client_sign_in (server, "alice");
  g_autoptr(DuetTestClient) bob = duet_test_client_sign_in (server, "bob");
  g_autoptr(JsonObject) renewed = NULL;
  g_autoptr(JsonObject) bob_renewed = NULL;
  g_autofree char *metrics = NULL, *output = NULL;
  JsonArray *servers = json_object_get_array_member (alice->hello, "ice_servers");
  gint64 signed_in = g_get_monotonic_time (), waited_ms, first_expiry;

  g_assert_cmpuint (json_array_get_length (servers), ==, 2);
  g_assert_cmpuint (json_object_get_size (json_array_get_object_element (servers, 0)), ==, 1);
  g_assert_cmpstr (url_at (json_array_get_object_element (servers, 0), 0), ==, "stun:127.0.0.1:3478");
  g_assert_cmpstr (url_at (turn_entry_of (alice->hello), 0), ==, "turn:127.0.0.1:3478?transport=udp");
  g_assert_cmpstr (url_at (turn_entry_of (alice->hello), 1), ==, "turns:127.0.0.1:5349?transport=tcp");
  first_expiry = assert_turn_entry (turn_entry_of (alice->hello), secret, "alice");
  assert_turn_entry (turn_entry_of (bob->hello), secret, "bob");

  /* Renewed TTL/4 to TTL/2 after hello (a second's slack for a busy
   * machine), long before the first list expires */
  renewed = duet_test_client_wait_event (alice, "ice_servers", TTL * 1000);
  waited_ms = (g_get_monotonic_time () - signed_in) / 1000;
  g_assert_nonnull (renewed);
  g_test_message ("ice_servers came %" G_GINT64_FORMAT " ms after hello", waited_ms);
  g_assert_cmpint (waited_ms, >=, TTL * 1000 / 4 - 500);
  g_assert_cmpint (waited_ms, <=, TTL * 1000 / 2 + 1000);
  g_assert_cmpint (assert_turn_entry (turn_entry_of (renewed), secret, "alice"), >, first_expiry);
  bob_renewed = duet_test_client_wait_event (bob, "ice_servers", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (bob_renewed);
  assert_turn_entry (turn_entry_of (bob_renewed), secret, "bob");

  g_assert_cmpint (duet_test_server_metric (server, "duet_ice_credentials_issued_total"), >=, 4);
  g_assert_cmpuint (duet_test_http (server, "GET", "/metrics", NULL, &metrics, NULL), ==, 200);
  g_assert_null (strstr (metrics, secret));

  duet_test_client_close (alice);
  duet_test_client_close (bob);
  g_assert_cmpint (duet_test_server_stop (server), ==, 0);
  output = duet_test_server_read_output (server);
  g_assert_nonnull (strstr (output, "listening on"));
  g_assert_null (strstr (output, secret));
  duet_test_remove_tree (dir);
}

static void
test_stun_only (void)
{
  const char *args[] = { "--stun-uri", "stun:stun.example.org", "--turn-ttl", TTL_ARG, NULL };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);
  g_autoptr(DuetTestClient) alice = NULL;
  JsonArray *servers;

  duet_test_server_start (server);
  alice = duet_test_client_sign_in (server, "alice");
  servers = json_object_get_array_member (alice->hello, "ice_servers");
  g_assert_cmpuint (json_array_get_length (servers), ==, 1);
  g_assert_cmpuint (json_object_get_size (json_array_get_object_element (servers, 0)), ==, 1);
  g_assert_cmpstr (url_at (json_array_get_object_element (servers, 0), 0), ==, "stun:stun.example.org");
  g_assert_cmpint (json_object_get_int_member (alice->hello, "ice_servers_ttl"), ==, TTL);
  g_assert_cmpint (duet_test_server_metric (server, "duet_ice_credentials_issued_total"), ==, 0);
}

/* ---- bad options ---------------------------------------------------- */

static void
assert_usage_error (const char * const *argv,
                    const char         *says)
{
  g_autofree char *err = NULL;

  g_assert_cmpint (duet_test_run_cli (argv, NULL, NULL, &err), ==, 2);
  if (strstr (err, says) == NULL)
    g_error ("expected “%s” in: %s", says, err);
}

static void
test_bad_options (void)
{
  g_autofree char *dir = make_tmpdir ();
  g_autofree char *db = g_build_filename (dir, "duet.db", NULL);
  g_autofree char *secret = write_file (dir, "secret", "s3cret\n");
  g_autofree char *empty = write_file (dir, "empty", "");
  g_autofree char *missing = g_build_filename (dir, "missing", NULL);
  const char *bad_port[] = { "serve", "--db", db, "--turn-uri", "turn:host:99999", "--turn-secret-file", secret, NULL };
  const char *bad_scheme[] = { "serve", "--db", db, "--stun-uri", "http://stun.example.org", NULL };
  const char *turn_as_stun[] = { "serve", "--db", db, "--stun-uri", "turn:host", NULL };
  const char *no_secret[] = { "serve", "--db", db, "--turn-uri", "turn:host", NULL };
  const char *no_turn[] = { "serve", "--db", db, "--turn-secret-file", secret, NULL };
  const char *missing_secret[] = { "serve", "--db", db, "--turn-uri", "turn:host", "--turn-secret-file", missing, NULL };
  const char *empty_secret[] = { "serve", "--db", db, "--turn-uri", "turn:host", "--turn-secret-file", empty, NULL };
  const char *zero_ttl[] = { "serve", "--db", db, "--stun-uri", "stun:host", "--turn-ttl", "0", NULL };

  assert_usage_error (bad_port, "invalid --turn-uri “turn:host:99999”: the port must be 1–65535");
  assert_usage_error (bad_scheme, "invalid --stun-uri “http://stun.example.org”: the scheme");
  assert_usage_error (turn_as_stun, "invalid --stun-uri “turn:host”");
  assert_usage_error (no_secret, "--turn-uri needs --turn-secret-file");
  assert_usage_error (no_turn, "--turn-secret-file is only used with --turn-uri");
  assert_usage_error (missing_secret, missing);
  assert_usage_error (empty_secret, empty);
  assert_usage_error (zero_ttl, "positive");
  /* refused before anything was created */
  g_assert_false (g_file_test (db, G_FILE_TEST_EXISTS));
  duet_test_remove_tree (dir);
}

/* ---- a minimal STUN/TURN client (RFC 5389, RFC 5766) ------------------ */

#define STUN_HEADER                   20
#define STUN_BINDING                  0x0001
#define TURN_ALLOCATE                 0x0003
#define STUN_SUCCESS                  0x0100
#define STUN_ERROR                    0x0110
#define STUN_USERNAME                 0x0006
#define STUN_MESSAGE_INTEGRITY        0x0008
#define STUN_ERROR_CODE               0x0009
#define STUN_REALM                    0x0014
#define STUN_NONCE                    0x0015
#define TURN_XOR_RELAYED_ADDRESS      0x0016
#define TURN_REQUESTED_TRANSPORT      0x0019

static const guint8 magic_cookie[4] = { 0x21, 0x12, 0xa4, 0x42 };

static GByteArray *
stun_request (guint16 method)
{
  GByteArray *message = g_byte_array_new ();
  guint8 header[STUN_HEADER] = { method >> 8, method & 0xff, 0, 0 };

  memcpy (header + 4, magic_cookie, sizeof magic_cookie);
  for (guint i = 8; i < STUN_HEADER; i++)
    header[i] = g_random_int_range (0, 256);
  g_byte_array_append (message, header, sizeof header);
  return message;
}

static void
stun_set_length (GByteArray *message,
                 gsize       length)
{
  message->data[2] = length >> 8;
  message->data[3] = length & 0xff;
}

static void
stun_add (GByteArray *message,
          guint16     type,
          const void *value,
          gsize       length)
{
  static const guint8 padding[3];
  guint8 head[4] = { type >> 8, type & 0xff, length >> 8, length & 0xff };

  g_byte_array_append (message, head, sizeof head);
  g_byte_array_append (message, value, length);
  g_byte_array_append (message, padding, (4 - length % 4) % 4);
  stun_set_length (message, message->len - STUN_HEADER);
}

static void
stun_add_string (GByteArray *message,
                 guint16     type,
                 const char *value)
{
  stun_add (message, type, value, strlen (value));
}

/* HMAC-SHA1 over the message up to it, the length already counting it */
static void
stun_add_integrity (GByteArray   *message,
                    const guint8 *key,
                    gsize         key_length)
{
  g_autoptr(GHmac) hmac = NULL;
  guint8 digest[20];
  gsize length = sizeof digest;

  stun_set_length (message, message->len - STUN_HEADER + 4 + sizeof digest);
  hmac = g_hmac_new (G_CHECKSUM_SHA1, key, key_length);
  g_hmac_update (hmac, message->data, message->len);
  g_hmac_get_digest (hmac, digest, &length);
  stun_add (message, STUN_MESSAGE_INTEGRITY, digest, length);
}

static guint16
stun_type (GBytes *message)
{
  const guint8 *p = g_bytes_get_data (message, NULL);

  return (p[0] << 8) | p[1];
}

static const guint8 *
stun_find (GBytes  *message,
           guint16  type,
           gsize   *out_length)
{
  gsize size = 0, offset = STUN_HEADER;
  const guint8 *p = g_bytes_get_data (message, &size);

  while (offset + 4 <= size)
    {
      guint16 found = (p[offset] << 8) | p[offset + 1];
      gsize length = (p[offset + 2] << 8) | p[offset + 3];

      if (offset + 4 + length > size)
        break;
      if (found == type)
        {
          *out_length = length;
          return p + offset + 4;
        }
      offset += 4 + ((length + 3) & ~(gsize) 3);
    }
  return NULL;
}

static char *
stun_find_string (GBytes  *message,
                  guint16  type)
{
  gsize length = 0;
  const guint8 *value = stun_find (message, type, &length);

  g_assert_nonnull (value);
  return g_strndup ((const char *) value, length);
}

static guint
stun_error_code (GBytes *message)
{
  gsize length = 0;
  const guint8 *value = stun_find (message, STUN_ERROR_CODE, &length);

  g_assert_nonnull (value);
  g_assert_cmpuint (length, >=, 4);
  return (value[2] & 0x7) * 100 + value[3];
}

static GSocket *
udp_socket (void)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GError) error = NULL;
  GSocket *socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);

  g_assert_no_error (error);
  g_socket_bind (socket, any_port, FALSE, &error);
  g_assert_no_error (error);
  return socket;
}

/* Sends @request to 127.0.0.1:@port, again every 200 ms (it is UDP), and
 * returns the answer with the same transaction id; NULL after @timeout_ms */
static GBytes *
stun_transact (GSocket    *socket,
               guint16     port,
               GByteArray *request,
               guint       timeout_ms)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) to = g_inet_socket_address_new (loopback, port);
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  guint8 answer[2048];

  while (g_get_monotonic_time () < deadline)
    {
      gint64 resend = MIN (g_get_monotonic_time () + 200 * 1000, deadline);

      g_socket_send_to (socket, to, (const char *) request->data, request->len, NULL, NULL);
      while (g_get_monotonic_time () < resend &&
             g_socket_condition_timed_wait (socket, G_IO_IN, resend - g_get_monotonic_time (), NULL, NULL))
        {
          gssize n = g_socket_receive (socket, (char *) answer, sizeof answer, NULL, NULL);

          if (n >= STUN_HEADER && memcmp (answer + 4, request->data + 4, 16) == 0)
            return g_bytes_new (answer, n);
        }
    }
  return NULL;
}

/* The long-term key (RFC 5389 15.4): MD5 (username ":" realm ":" password) */
static void
long_term_key (const char *username,
               const char *realm,
               const char *password,
               guint8      key[16])
{
  g_autoptr(GChecksum) md5 = g_checksum_new (G_CHECKSUM_MD5);
  gsize length = 16;

  g_checksum_update (md5, (const guchar *) username, -1);
  g_checksum_update (md5, (const guchar *) ":", 1);
  g_checksum_update (md5, (const guchar *) realm, -1);
  g_checksum_update (md5, (const guchar *) ":", 1);
  g_checksum_update (md5, (const guchar *) password, -1);
  g_checksum_get_digest (md5, key, &length);
}

static void
assert_relayed_on_loopback (GBytes *answer)
{
  gsize length = 0;
  const guint8 *relayed = stun_find (answer, TURN_XOR_RELAYED_ADDRESS, &length);
  guint8 address[4];

  g_assert_nonnull (relayed);
  g_assert_cmpuint (length, ==, 8);
  g_assert_cmpuint (relayed[1], ==, 0x01);   /* IPv4 */
  for (guint i = 0; i < 4; i++)
    address[i] = relayed[4 + i] ^ magic_cookie[i];
  g_assert_cmpmem (address, 4, ((guint8[]) { 127, 0, 0, 1 }), 4);
}

/* A UDP relay Allocate with the long-term credential mechanism: the first
 * attempt earns a 401 with realm and nonce, the second is signed with
 * them. Returns 200 if the server allocated a relay, else its error code */
static guint
turn_allocate (guint16     port,
               const char *username,
               const char *password)
{
  g_autoptr(GSocket) socket = udp_socket ();
  static const guint8 udp[4] = { 17, 0, 0, 0 };
  g_autoptr(GByteArray) first = stun_request (TURN_ALLOCATE);
  g_autoptr(GByteArray) second = stun_request (TURN_ALLOCATE);
  g_autoptr(GBytes) challenge = NULL;
  g_autoptr(GBytes) answer = NULL;
  g_autofree char *realm = NULL, *nonce = NULL;
  guint8 key[16];

  stun_add (first, TURN_REQUESTED_TRANSPORT, udp, sizeof udp);
  challenge = stun_transact (socket, port, first, DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (challenge);
  g_assert_cmphex (stun_type (challenge), ==, TURN_ALLOCATE | STUN_ERROR);
  g_assert_cmpuint (stun_error_code (challenge), ==, 401);
  realm = stun_find_string (challenge, STUN_REALM);
  nonce = stun_find_string (challenge, STUN_NONCE);
  g_assert_cmpstr (realm, ==, TURN_REALM);

  stun_add_string (second, STUN_USERNAME, username);
  stun_add_string (second, STUN_REALM, realm);
  stun_add_string (second, STUN_NONCE, nonce);
  stun_add (second, TURN_REQUESTED_TRANSPORT, udp, sizeof udp);
  long_term_key (username, realm, password, key);
  stun_add_integrity (second, key, sizeof key);
  answer = stun_transact (socket, port, second, DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (answer);

  if (stun_type (answer) == (TURN_ALLOCATE | STUN_SUCCESS))
    {
      assert_relayed_on_loopback (answer);
      return 200;
    }
  g_assert_cmphex (stun_type (answer), ==, TURN_ALLOCATE | STUN_ERROR);
  return stun_error_code (answer);
}

/* ---- a real coturn ---------------------------------------------------- */

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

static guint16
free_udp_port (void)
{
  g_autoptr(GSocket) socket = udp_socket ();
  g_autoptr(GSocketAddress) address = g_socket_get_local_address (socket, NULL);

  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address));
}

static gboolean
stun_answers (guint16 port)
{
  g_autoptr(GSocket) socket = udp_socket ();
  g_autoptr(GByteArray) binding = stun_request (STUN_BINDING);
  g_autoptr(GBytes) answer = stun_transact (socket, port, binding, 3000);

  return answer != NULL && stun_type (answer) == (STUN_BINDING | STUN_SUCCESS);
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
stop_process (GSubprocess *process)
{
  g_autoptr(GAsyncResult) result = NULL;
  gint64 deadline = g_get_monotonic_time () + DUET_TEST_TIMEOUT_MS * 1000;

  g_subprocess_send_signal (process, SIGTERM);
  g_subprocess_wait_async (process, NULL, wait_cb, &result);
  while (result == NULL && g_get_monotonic_time () < deadline)
    duet_test_iterate (10);
  if (result == NULL)
    {
      g_subprocess_force_exit (process);
      while (result == NULL)
        g_main_context_iteration (NULL, TRUE);
    }
}

static GSubprocess *
spawn_turnserver (const char *dir,
                  const char *secret,
                  guint16     port)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autofree char *log = g_build_filename (dir, "turnserver.log", NULL);
  g_autofree char *listening_port = g_strdup_printf ("--listening-port=%u", port);
  g_autofree char *static_secret = g_strdup_printf ("--static-auth-secret=%s", secret);
  g_autofree char *pidfile = g_strdup_printf ("--pidfile=%s/turnserver.pid", dir);
  g_autofree char *userdb = g_strdup_printf ("--userdb=%s/turndb", dir);
  const char *argv[] = { "turnserver", "-n", "--no-cli", "--listening-ip=127.0.0.1",
                         "--relay-ip=127.0.0.1", listening_port, "--min-port=49152",
                         "--max-port=65535", "--use-auth-secret", static_secret,
                         "--realm=" TURN_REALM, "--allow-loopback-peers", "--no-tcp", "--no-tls",
                         "--no-dtls", "--no-rfc5780", "--relay-threads=1", "--log-file=stdout",
                         "--simple-log", pidfile, userdb, NULL };
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  return process;
}

/* On a free loopback port (picked, then bound by coturn: another process
 * may take it in between, so a silent one is retried on another) */
static GSubprocess *
start_turnserver (const char *dir,
                  const char *secret,
                  guint16    *out_port)
{
  for (guint attempt = 0; attempt < 3; attempt++)
    {
      guint16 port = free_udp_port ();
      GSubprocess *process = spawn_turnserver (dir, secret, port);

      if (stun_answers (port))
        {
          *out_port = port;
          return process;
        }
      g_test_message ("turnserver on port %u did not answer; trying another", port);
      stop_process (process);
      g_object_unref (process);
    }
  g_error ("turnserver did not start; see %s/turnserver.log", dir);
}

static void
test_coturn (void)
{
  g_autofree char *turnserver = g_find_program_in_path ("turnserver");
  g_autofree char *dir = NULL, *secret = NULL, *secret_file = NULL, *other = NULL;
  g_autofree char *forged_username = NULL, *forged = NULL, *expired_username = NULL, *expired = NULL;
  g_autoptr(GSubprocess) coturn = NULL;
  g_autoptr(DuetTestServer) server = NULL;
  g_autoptr(DuetTestClient) alice = NULL;
  JsonObject *turn;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  guint16 port = 0;

  if (turnserver == NULL)
    {
      g_test_skip ("turnserver (Debian package coturn) is not installed");
      return;
    }
  dir = make_tmpdir ();
  secret = random_secret ();
  secret_file = write_file (dir, "turn-secret", secret);
  coturn = start_turnserver (dir, secret, &port);
  server = start_ice_server (secret_file, port, FALSE);
  alice = duet_test_client_sign_in (server, "alice");
  turn = turn_entry_of (alice->hello);

  /* what duet-server hands out works */
  g_assert_cmpuint (turn_allocate (port, json_object_get_string_member (turn, "username"),
                                   json_object_get_string_member (turn, "credential")), ==, 200);

  /* signed with another secret, or past its expiry: refused */
  other = random_secret ();
  duet_ice_turn_credential (other, "alice", now + TTL, &forged_username, &forged);
  g_assert_cmpuint (turn_allocate (port, forged_username, forged), ==, 401);
  duet_ice_turn_credential (secret, "alice", now - 60, &expired_username, &expired);
  g_assert_cmpuint (turn_allocate (port, expired_username, expired), ==, 401);

  stop_process (coturn);
  duet_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/ice/uri-good", test_uri_good);
  g_test_add_func ("/server/ice/uri-bad", test_uri_bad);
  g_test_add_func ("/server/ice/secret-file", test_secret_file);
  g_test_add_func ("/server/ice/credential", test_credential);
  g_test_add_func ("/server/ice/list", test_list);
  g_test_add_func ("/server/ice/bad-options", test_bad_options);
  g_test_add_func ("/server/ice/stun-only", test_stun_only);
  g_test_add_func ("/server/ice/hello-and-renewal", test_hello_and_renewal);
  g_test_add_func ("/server/ice/coturn", test_coturn);
  return g_test_run ();
}
