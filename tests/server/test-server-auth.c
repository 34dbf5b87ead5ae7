/* test-server-auth.c: accounts, tokens, sign-in, HTTP endpoints
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sys/stat.h>

#include "duet-test-client.h"
#include "duet-token.h"

static DuetTestServer *
start_server (void)
{
  DuetTestServer *server = duet_test_server_new (NULL);

  duet_test_server_start (server);
  return server;
}

static void
test_login_ok (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  g_autofree char *body = NULL;
  g_autoptr(DuetTestClient) client = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *o;
  guint status;

  status = duet_test_http (server, "POST", "/v1/token",
                           "{\"user\":\"alice\",\"password\":\"pw-alice\"}", &body, NULL);
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (o, "token_type"), ==, "Bearer");
  g_assert_cmpstr (json_object_get_string_member (o, "user"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (o, "service"), ==, "duet");
  g_assert_cmpint (json_object_get_int_member (o, "expires_in"), ==, 43200);

  client = duet_test_client_connect (server, json_object_get_string_member (o, "token"), NULL);
  g_assert_nonnull (client);
  g_autoptr(JsonObject) hello = duet_test_client_wait_event (client, "hello", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (hello);
  g_assert_cmpstr (duet_test_get_string (hello, "user"), ==, "alice");
  g_assert_cmpint (json_object_get_int_member (hello, "ring_timeout"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (hello, "grace_period"), ==, 1);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (hello, "calls")), ==, 0);
  /* no --stun-uri or --turn-uri */
  g_assert_false (json_object_has_member (hello, "ice_servers"));
  g_assert_false (json_object_has_member (hello, "ice_servers_ttl"));
}

static void
test_login_wrong (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  g_autofree char *wrong_pw = NULL, *unknown = NULL, *other_service = NULL, *bad = NULL;

  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token",
                                    "{\"user\":\"alice\",\"password\":\"nope\"}", &wrong_pw, NULL), ==, 401);
  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token",
                                    "{\"user\":\"mallory\",\"password\":\"nope\"}", &unknown, NULL), ==, 401);
  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token",
                                    "{\"user\":\"alice\",\"service\":\"other\",\"password\":\"pw-alice\"}",
                                    &other_service, NULL), ==, 401);
  /* the same answer whatever was wrong */
  g_assert_cmpstr (wrong_pw, ==, unknown);
  g_assert_cmpstr (wrong_pw, ==, other_service);
  g_assert_nonnull (strstr (wrong_pw, "invalid_credentials"));

  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token", "not json", &bad, NULL), ==, 400);
  g_assert_nonnull (strstr (bad, "bad_request"));
  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token",
                                    "{\"user\":\"a b\",\"password\":\"x\"}", NULL, NULL), ==, 400);
  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token",
                                    "{\"user\":5,\"password\":\"x\"}", NULL, NULL), ==, 400);
  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token", "{\"user\":\"alice\"}", NULL, NULL), ==, 400);
}

static void
test_login_rate_limit_account (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  g_autofree char *body = NULL, *retry = NULL;

  for (int i = 0; i < 5; i++)
    g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token",
                                      "{\"user\":\"alice\",\"password\":\"guess\"}", NULL, NULL), ==, 401);
  /* locked now, even with the right password */
  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token",
                                    "{\"user\":\"alice\",\"password\":\"pw-alice\"}", &body, &retry), ==, 429);
  g_assert_nonnull (strstr (body, "rate_limited"));
  g_assert_nonnull (retry);
  g_assert_cmpint (atoi (retry), >, 0);
  g_assert_cmpint (atoi (retry), <=, 300);
  /* other accounts are not affected */
  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token",
                                    "{\"user\":\"bob\",\"password\":\"pw-bob\"}", NULL, NULL), ==, 200);
}

static void
test_login_rate_limit_address (void)
{
  const char *args[] = { "--login-rate-per-address", "3", NULL };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);
  g_autofree char *retry = NULL;

  duet_test_server_start (server);
  for (int i = 0; i < 3; i++)
    g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token",
                                      "{\"user\":\"bob\",\"password\":\"pw-bob\"}", NULL, NULL), ==, 200);
  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token",
                                    "{\"user\":\"carol\",\"password\":\"pw-carol\"}", NULL, &retry), ==, 429);
  g_assert_nonnull (retry);
}

static void
assert_upgrade_refused (DuetTestServer *server,
                        const char     *token)
{
  guint status = 0;
  DuetTestClient *client = duet_test_client_connect (server, token, &status);

  g_assert_null (client);
  g_assert_cmpuint (status, ==, 401);
}

static char *
forge (DuetTestServer *server,
       const char     *user,
       const char     *service,
       gint64          exp,
       gint64          tv)
{
  g_autofree guint8 *key = duet_test_server_read_secret (server, "jwt_key");
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  gint64 device_key = duet_test_server_device_key (server, user, "cli");

  /* with the real device, so that only what the test changes is wrong */
  g_assert_cmpint (device_key, >=, 0);
  return duet_token_sign (user, service, now - 10, exp, tv, "cli", device_key, key, 32);
}

static char *
b64 (const char *text)
{
  g_autofree char *s = g_base64_encode ((const guchar *) text, strlen (text));

  g_strdelimit (s, "+", '-');
  g_strdelimit (s, "/", '_');
  for (char *p = s; *p; p++)
    if (*p == '=')
      *p = '\0';
  return g_steal_pointer (&s);
}

static void
test_bad_tokens_at_upgrade (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *good = duet_test_server_token (server, "alice", 600);
  g_autofree char *expired = duet_test_server_token (server, "alice", -5);
  g_autofree char *expired2 = forge (server, "alice", "duet", now - 1, 0);
  g_autofree char *other_service = forge (server, "alice", "elsewhere", now + 600, 0);
  g_autofree char *old_version = forge (server, "alice", "duet", now + 600, 7);
  g_autofree char *header_none = b64 ("{\"alg\":\"none\",\"typ\":\"JWT\"}");
  g_autofree char *header_hs512 = b64 ("{\"alg\":\"HS512\",\"typ\":\"JWT\"}");
  g_autofree char *claims = NULL, *alg_none = NULL, *alg_none2 = NULL, *alg_512 = NULL;
  g_autofree char *tampered = NULL, *bad_sig = NULL;
  g_auto(GStrv) parts = g_strsplit (good, ".", 3);

  claims = b64 ("{\"uid\":\"bob\",\"sid\":\"duet\",\"iat\":1,\"exp\":99999999999,\"tv\":0}");
  alg_none = g_strdup_printf ("%s.%s.", header_none, claims);
  alg_none2 = g_strdup_printf ("%s.%s.%s", header_none, claims, parts[2]);
  alg_512 = g_strdup_printf ("%s.%s.%s", header_hs512, parts[1], parts[2]);
  tampered = g_strdup_printf ("%s.%s.%s", parts[0], claims, parts[2]);
  bad_sig = g_strdup (good);
  bad_sig[strlen (bad_sig) - 2] = bad_sig[strlen (bad_sig) - 2] == 'A' ? 'B' : 'A';

  assert_upgrade_refused (server, "garbage");
  assert_upgrade_refused (server, expired);
  assert_upgrade_refused (server, expired2);
  assert_upgrade_refused (server, other_service);
  assert_upgrade_refused (server, old_version);
  assert_upgrade_refused (server, alg_none);
  assert_upgrade_refused (server, alg_none2);
  assert_upgrade_refused (server, alg_512);
  assert_upgrade_refused (server, tampered);
  assert_upgrade_refused (server, bad_sig);

  /* and the good one works */
  g_autoptr(DuetTestClient) client = duet_test_client_connect (server, good, NULL);
  g_assert_nonnull (client);
}

static void
test_auth_message (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  g_autofree char *token = duet_test_server_token (server, "bob", 600);
  g_autofree char *auth = g_strdup_printf ("{\"type\":\"auth\",\"token\":\"%s\"}", token);
  g_autoptr(DuetTestClient) client = duet_test_client_connect (server, NULL, NULL);
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonObject) hello = NULL;

  g_assert_nonnull (client);
  reply = duet_test_client_request (client, "{\"type\":\"ping\"}");
  duet_test_assert_error (reply, "not_authenticated");
  g_clear_pointer (&reply, json_object_unref);

  reply = duet_test_client_request (client, auth);
  duet_test_assert_reply (reply);
  g_assert_cmpstr (duet_test_get_string (reply, "user"), ==, "bob");
  g_assert_cmpstr (duet_test_get_string (reply, "service"), ==, "duet");
  /* hello comes right after the reply */
  hello = duet_test_client_next (client, DUET_TEST_TIMEOUT_MS);
  g_assert_cmpstr (duet_test_get_string (hello, "type"), ==, "hello");
  g_clear_pointer (&reply, json_object_unref);

  reply = duet_test_client_request (client, "{\"type\":\"ping\"}");
  duet_test_assert_reply (reply);
  g_assert_cmpint (json_object_get_int_member (reply, "now"), >, 1700000000000);
}

static void
test_auth_message_bad_token (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  g_autofree char *expired = duet_test_server_token (server, "bob", -1);
  const char *cases[] = { "{\"type\":\"auth\",\"token\":\"x.y.z\"}", NULL, NULL };
  g_autofree char *expired_auth = g_strdup_printf ("{\"type\":\"auth\",\"token\":\"%s\"}", expired);

  cases[1] = expired_auth;
  for (guint i = 0; cases[i] != NULL; i++)
    {
      g_autoptr(DuetTestClient) client = duet_test_client_connect (server, NULL, NULL);
      g_autoptr(JsonObject) reply = duet_test_client_request (client, cases[i]);

      duet_test_assert_error (reply, "auth_failed");
      g_assert_true (duet_test_client_wait_closed (client, DUET_TEST_TIMEOUT_MS));
      g_assert_cmpuint (client->close_code, ==, 4003);
    }
}

static void
test_auth_timeout (void)
{
  const char *args[] = { "--auth-timeout", "1", NULL };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);
  g_autoptr(DuetTestClient) client = NULL;

  duet_test_server_start (server);
  client = duet_test_client_connect (server, NULL, NULL);
  g_assert_true (duet_test_client_wait_closed (client, 3000));
  g_assert_cmpuint (client->close_code, ==, 4003);
}

static void
test_removed_account_token (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  g_autofree char *token = duet_test_server_token (server, "carol", 600);
  const char *remove[] = { "user", "remove", "--db", server->db, "--user", "carol", NULL };

  g_assert_cmpint (duet_test_run_cli (remove, NULL, NULL, NULL), ==, 0);
  assert_upgrade_refused (server, token);

  /* re-adding the account does not revive old tokens */
  duet_test_server_add_user (server, "carol");
  assert_upgrade_refused (server, token);
}

static void
test_passwd_revokes (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  g_autoptr(DuetTestClient) client = duet_test_client_sign_in (server, "alice");
  g_autofree char *token = duet_test_server_token (server, "alice", 600);
  const char *passwd[] = { "user", "passwd", "--db", server->db, "--user", "alice",
                           "--password-stdin", "--kdf-cost", "min", NULL };

  g_assert_cmpint (duet_test_run_cli (passwd, "new-password\n", NULL, NULL), ==, 0);
  /* the open session is closed within the poll interval */
  g_assert_true (duet_test_client_wait_closed (client, 4000));
  g_assert_cmpuint (client->close_code, ==, 4003);
  assert_upgrade_refused (server, token);
  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token",
                                    "{\"user\":\"alice\",\"password\":\"new-password\"}", NULL, NULL), ==, 200);
}

static void
test_session_replaced (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  g_autoptr(DuetTestClient) first = duet_test_client_sign_in (server, "alice");
  g_autoptr(DuetTestClient) second = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) reply = NULL;

  second = duet_test_client_sign_in (server, "alice");
  event = duet_test_client_wait_event (first, "session_replaced", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (event);
  g_assert_true (duet_test_client_wait_closed (first, DUET_TEST_TIMEOUT_MS));
  g_assert_cmpuint (first->close_code, ==, 4001);

  reply = duet_test_client_request (second, "{\"type\":\"ping\"}");
  duet_test_assert_reply (reply);
}

static void
test_healthz_metrics (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  g_autoptr(DuetTestClient) client = duet_test_client_sign_in (server, "alice");
  g_autoptr(JsonObject) reply = duet_test_client_request (client, "{\"type\":\"nope\"}");
  g_autofree char *health = NULL, *metrics = NULL;

  duet_test_assert_error (reply, "unknown_type");
  g_assert_cmpuint (duet_test_http (server, "GET", "/healthz", NULL, &health, NULL), ==, 200);
  g_assert_nonnull (strstr (health, "\"status\":\"ok\""));
  g_assert_nonnull (strstr (health, "\"version\":\"0.1.0\""));

  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token",
                                    "{\"user\":\"alice\",\"password\":\"x\"}", NULL, NULL), ==, 401);
  g_assert_cmpuint (duet_test_http (server, "GET", "/metrics", NULL, &metrics, NULL), ==, 200);
  g_assert_nonnull (strstr (metrics, "\nduet_connections 1\n"));
  g_assert_nonnull (strstr (metrics, "\nduet_authenticated_connections 1\n"));
  g_assert_nonnull (strstr (metrics, "\nduet_active_calls 0\n"));
  g_assert_nonnull (strstr (metrics, "\nduet_calls_started_total 0\n"));
  g_assert_nonnull (strstr (metrics, "\nduet_messages_total 1\n"));
  g_assert_nonnull (strstr (metrics, "duet_messages_rejected_total{code=\"unknown_type\"} 1\n"));
  g_assert_nonnull (strstr (metrics, "duet_logins_total{result=\"invalid\"} 1\n"));
  g_assert_nonnull (strstr (metrics, "duet_logins_total{result=\"ok\"} 0\n"));
  g_assert_nonnull (strstr (metrics, "# TYPE duet_calls_ended_total counter"));
}

static void
test_max_connections (void)
{
  const char *args[] = { "--max-connections", "1", NULL };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);
  g_autoptr(DuetTestClient) first = NULL;
  DuetTestClient *second;
  guint status = 0;

  duet_test_server_start (server);
  first = duet_test_client_sign_in (server, "alice");
  second = duet_test_client_connect (server, NULL, &status);
  g_assert_null (second);
  g_assert_cmpuint (status, ==, 503);
}

static void
test_user_cli (void)
{
  g_autoptr(DuetTestServer) server = duet_test_server_new (NULL);
  const char *dup[] = { "user", "add", "--db", server->db, "--user", "alice", "--password-stdin",
                        "--kdf-cost", "min", NULL };
  const char *bad_user[] = { "user", "add", "--db", server->db, "--user", "al ice", "--password-stdin", NULL };
  const char *bad_service[] = { "user", "add", "--db", server->db, "--user", "dave", "--service", "a/b",
                                "--password-stdin", NULL };
  const char *long_user[] = { "user", "add", "--db", server->db, "--user",
                              "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
                              "--password-stdin", NULL };
  const char *no_user[] = { "user", "add", "--db", server->db, "--password-stdin", NULL };
  const char *no_stdin[] = { "user", "add", "--db", server->db, "--user", "dave", NULL };
  const char *remove_unknown[] = { "user", "remove", "--db", server->db, "--user", "zed", NULL };
  const char *list[] = { "user", "list", "--db", server->db, NULL };
  const char *token_unknown[] = { "token", "--db", server->db, "--user", "zed", NULL };
  const char *help[] = { "serve", "--help", NULL };
  g_autofree char *err = NULL, *out = NULL, *help_out = NULL;
  struct stat st;

  g_assert_cmpint (duet_test_run_cli (dup, "pw\n", NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "already exists"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (duet_test_run_cli (bad_user, "pw\n", NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "Invalid user id"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (duet_test_run_cli (bad_service, "pw\n", NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "Invalid service id"));
  g_assert_cmpint (duet_test_run_cli (long_user, "pw\n", NULL, NULL), ==, 1);
  g_assert_cmpint (duet_test_run_cli (no_user, "pw\n", NULL, NULL), ==, 2);
  g_assert_cmpint (duet_test_run_cli (no_stdin, NULL, NULL, NULL), ==, 2);
  g_assert_cmpint (duet_test_run_cli (dup, "\n", NULL, NULL), ==, 1);
  g_assert_cmpint (duet_test_run_cli (remove_unknown, NULL, NULL, NULL), ==, 1);
  g_assert_cmpint (duet_test_run_cli (token_unknown, NULL, NULL, NULL), ==, 1);
  g_assert_cmpint (duet_test_run_cli (list, NULL, &out, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "duet\talice\nduet\tbob\nduet\tcarol\n");

  g_assert_cmpint (duet_test_run_cli (help, NULL, &help_out, NULL), ==, 0);
  for (const char *opt = "--port|--db|--listen|--tls-cert|--tls-key|--ring-timeout|--grace-period"; opt; )
    {
      const char *bar = strchr (opt, '|');
      g_autofree char *name = bar ? g_strndup (opt, bar - opt) : g_strdup (opt);

      g_assert_nonnull (strstr (help_out, name));
      opt = bar ? bar + 1 : NULL;
    }
  g_assert_nonnull (strstr (help_out, "--max-connections"));
  g_assert_nonnull (strstr (help_out, "--login-rate-per-address"));
  g_assert_nonnull (strstr (help_out, "--token-lifetime"));
  g_assert_nonnull (strstr (help_out, "--service"));

  g_assert_cmpint (stat (server->db, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
}

static void
test_tls (void)
{
  g_autoptr(DuetTestServer) server = duet_test_server_new (NULL);
  g_autofree char *cert = g_build_filename (server->tmpdir, "cert.pem", NULL);
  g_autofree char *key = g_build_filename (server->tmpdir, "key.pem", NULL);
  g_autofree char *openssl = g_find_program_in_path ("openssl");
  g_autoptr(DuetTestClient) client = NULL;
  g_autoptr(JsonObject) reply = NULL;
  const char *req[] = { "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=localhost", "-keyout", key, "-out", cert, NULL };
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *saved_asan = NULL, *asan = NULL;

  if (openssl == NULL)
    {
      g_test_skip ("openssl is needed to make a certificate");
      return;
    }
  g_ptr_array_add (args, openssl);
  for (guint i = 0; req[i]; i++)
    g_ptr_array_add (args, (gpointer) req[i]);
  g_ptr_array_add (args, NULL);
  proc = g_subprocess_newv ((const char * const *) args->pdata, G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL);
  g_assert_true (g_subprocess_wait_check (proc, NULL, NULL));

  server->extra_args = g_strdupv ((char *[]) { "--tls-cert", cert, "--tls-key", key, NULL });
  /* LeakSanitizer's tracer crashes on the TLS threads of the dlopen()ed
   * glib-networking module (not a leak report); skip only its exit scan */
  saved_asan = g_strdup (g_getenv ("ASAN_OPTIONS"));
  asan = g_strdup_printf ("%s%sdetect_leaks=0", saved_asan ? saved_asan : "", saved_asan ? ":" : "");
  g_setenv ("ASAN_OPTIONS", asan, TRUE);
  duet_test_server_start (server);
  if (saved_asan != NULL)
    g_setenv ("ASAN_OPTIONS", saved_asan, TRUE);
  else
    g_unsetenv ("ASAN_OPTIONS");
  g_assert_true (g_str_has_prefix (server->base_url, "https://"));
  g_assert_cmpuint (duet_test_http (server, "GET", "/healthz", NULL, NULL, NULL), ==, 200);
  client = duet_test_client_sign_in (server, "alice");
  reply = duet_test_client_request (client, "{\"type\":\"ping\"}");
  duet_test_assert_reply (reply);
}

static gboolean
openssl (const char *cwd,
         ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_SILENCE |
                                                                        G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  g_autoptr(GSubprocess) proc = NULL;
  const char *arg;
  va_list ap;

  g_ptr_array_add (args, "openssl");
  va_start (ap, cwd);
  while ((arg = va_arg (ap, const char *)) != NULL)
    g_ptr_array_add (args, (gpointer) arg);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  g_subprocess_launcher_set_cwd (launcher, cwd);
  proc = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, NULL);
  return proc != NULL && g_subprocess_wait_check (proc, NULL, NULL);
}

static void
make_ca (const char *dir,
         const char *name)
{
  g_autofree char *key = g_strdup_printf ("%s-ca.key", name);
  g_autofree char *pem = g_strdup_printf ("%s-ca.pem", name);
  g_autofree char *subj = g_strdup_printf ("/CN=Duet test CA %s", name);

  g_assert_true (openssl (dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                          "-subj", subj, "-keyout", key, "-out", pem,
                          "-addext", "basicConstraints=critical,CA:TRUE",
                          "-addext", "keyUsage=critical,keyCertSign,cRLSign", NULL));
}

/* The test client verifies the server against a CA file: the right CA
 * connects (https and wss), a wrong CA is refused before any request */
static void
test_tls_ca (void)
{
  g_autoptr(DuetTestServer) server = duet_test_server_new (NULL);
  g_autofree char *ext = g_build_filename (server->tmpdir, "server.ext", NULL);
  g_autofree char *good = g_build_filename (server->tmpdir, "good-ca.pem", NULL);
  g_autofree char *wrong = g_build_filename (server->tmpdir, "wrong-ca.pem", NULL);
  g_autofree char *cert = g_build_filename (server->tmpdir, "server.pem", NULL);
  g_autofree char *key = g_build_filename (server->tmpdir, "server.key", NULL);
  g_autofree char *openssl_path = g_find_program_in_path ("openssl");
  g_autofree char *saved_asan = NULL, *asan = NULL, *token = NULL;
  g_autoptr(DuetTestClient) client = NULL;
  g_autoptr(DuetTestClient) refused = NULL;
  g_autoptr(JsonObject) reply = NULL;
  guint status = 0;

  if (openssl_path == NULL)
    {
      g_test_skip ("openssl is needed to make a CA");
      return;
    }
  if (!g_test_subprocess ())
    {
      /* Verifying with a GTlsFileDatabase starts glib-networking/p11-kit
       * threads in this process that LeakSanitizer's exit-time tracer
       * crashes on (signal 11 in the tracer, not a leak report): run the
       * body in a child without the exit scan, as test_tls does for the
       * server. ASan's other checks stay on. */
      g_autofree char *old = g_strdup (g_getenv ("ASAN_OPTIONS"));
      g_autofree char *child = g_strdup_printf ("%s%sdetect_leaks=0", old ? old : "", old ? ":" : "");

      g_setenv ("ASAN_OPTIONS", child, TRUE);
      g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC,
                              G_TEST_SUBPROCESS_INHERIT_STDERR);
      if (old != NULL)
        g_setenv ("ASAN_OPTIONS", old, TRUE);
      else
        g_unsetenv ("ASAN_OPTIONS");
      g_test_trap_assert_passed ();
      return;
    }
  make_ca (server->tmpdir, "good");
  make_ca (server->tmpdir, "wrong");
  g_assert_true (g_file_set_contents (ext, "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                                      "extendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n", -1, NULL));
  g_assert_true (openssl (server->tmpdir, "req", "-new", "-newkey", "rsa:2048", "-nodes",
                          "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr", NULL));
  g_assert_true (openssl (server->tmpdir, "x509", "-req", "-in", "server.csr", "-CA", "good-ca.pem",
                          "-CAkey", "good-ca.key", "-CAcreateserial", "-days", "2",
                          "-extfile", "server.ext", "-out", "server.pem", NULL));

  server->extra_args = g_strdupv ((char *[]) { "--tls-cert", cert, "--tls-key", key, NULL });
  /* as in test_tls: LeakSanitizer's tracer crashes on glib-networking's threads */
  saved_asan = g_strdup (g_getenv ("ASAN_OPTIONS"));
  asan = g_strdup_printf ("%s%sdetect_leaks=0", saved_asan ? saved_asan : "", saved_asan ? ":" : "");
  g_setenv ("ASAN_OPTIONS", asan, TRUE);
  duet_test_server_start (server);
  if (saved_asan != NULL)
    g_setenv ("ASAN_OPTIONS", saved_asan, TRUE);
  else
    g_unsetenv ("ASAN_OPTIONS");

  server->tls_ca_file = g_strdup (good);
  g_assert_cmpuint (duet_test_http (server, "GET", "/healthz", NULL, NULL, NULL), ==, 200);
  client = duet_test_client_sign_in (server, "alice");
  reply = duet_test_client_request (client, "{\"type\":\"ping\"}");
  duet_test_assert_reply (reply);

  g_free (server->tls_ca_file);
  server->tls_ca_file = g_strdup (wrong);
  token = duet_test_server_token (server, "bob", 600);
  refused = duet_test_client_connect (server, token, &status);
  g_assert_null (refused);
  g_assert_cmpuint (status, ==, 0);  /* no HTTP exchange happened */
}

static JsonObject *
parse_body (const char *body)
{
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
read_claims (DuetTestServer  *server,
             const char      *token,
             DuetTokenClaims *claims)
{
  g_autofree guint8 *key = duet_test_server_read_secret (server, "jwt_key");
  g_autoptr(GError) error = NULL;

  g_assert_true (duet_token_verify (token, key, 32, g_get_real_time () / G_USEC_PER_SEC,
                                    claims, &error));
  g_assert_no_error (error);
}

static void
test_token_refresh (void)
{
  const char *args[] = { "--token-lifetime", "600", NULL };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);
  g_autofree char *old_token = NULL, *body = NULL;
  g_auto(DuetTokenClaims) old_claims = { 0 };
  g_auto(DuetTokenClaims) new_claims = { 0 };
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(DuetTestClient) client = NULL;
  g_autoptr(JsonObject) hello = NULL;
  const char *new_token;

  duet_test_server_start (server);
  /* shorter than the server's lifetime, so the new one must end later */
  old_token = duet_test_server_token (server, "alice", 300);
  g_assert_cmpuint (duet_test_http_bearer (server, "POST", "/v1/token/refresh", old_token,
                                           &body, NULL), ==, 200);
  reply = parse_body (body);
  new_token = json_object_get_string_member (reply, "token");
  g_assert_cmpstr (new_token, !=, old_token);
  g_assert_cmpstr (json_object_get_string_member (reply, "token_type"), ==, "Bearer");
  g_assert_cmpint (json_object_get_int_member (reply, "expires_in"), ==, 600);
  g_assert_cmpstr (json_object_get_string_member (reply, "user"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (reply, "service"), ==, "duet");

  read_claims (server, old_token, &old_claims);
  read_claims (server, new_token, &new_claims);
  g_assert_cmpstr (new_claims.uid, ==, "alice");
  g_assert_cmpstr (new_claims.sid, ==, "duet");
  g_assert_cmpint (new_claims.tv, ==, old_claims.tv);
  g_assert_cmpint (new_claims.exp, >, old_claims.exp);
  g_assert_cmpint (new_claims.exp - new_claims.iat, ==, 600);

  client = duet_test_client_connect (server, new_token, NULL);
  g_assert_nonnull (client);
  hello = duet_test_client_wait_event (client, "hello", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (hello);
  g_assert_cmpstr (duet_test_get_string (hello, "user"), ==, "alice");
}

static char *
refresh_refused (DuetTestServer *server,
                 const char     *token)
{
  char *body = NULL;

  g_assert_cmpuint (duet_test_http_bearer (server, "POST", "/v1/token/refresh", token,
                                           &body, NULL), ==, 401);
  return body;
}

static void
test_token_refresh_refused (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  g_autofree char *expired = duet_test_server_token (server, "alice", -5);
  g_autofree char *revoked = duet_test_server_token (server, "bob", 600);
  g_autofree char *good = duet_test_server_token (server, "carol", 600);
  const char *passwd[] = { "user", "passwd", "--db", server->db, "--user", "bob",
                           "--password-stdin", "--kdf-cost", "min", NULL };
  g_autofree char *expired_body = NULL, *garbage_body = NULL, *revoked_body = NULL;
  g_autofree char *missing_body = NULL, *metrics = NULL;
  g_autoptr(JsonObject) reply = NULL;

  g_assert_cmpint (duet_test_run_cli (passwd, "new-password\n", NULL, NULL), ==, 0);

  expired_body = refresh_refused (server, expired);
  garbage_body = refresh_refused (server, "garbage");
  revoked_body = refresh_refused (server, revoked);
  missing_body = refresh_refused (server, NULL);

  /* the same answer whatever was wrong */
  reply = parse_body (expired_body);
  g_assert_cmpstr (json_object_get_string_member (reply, "error"), ==, "invalid_token");
  g_assert_cmpstr (garbage_body, ==, expired_body);
  g_assert_cmpstr (revoked_body, ==, expired_body);
  g_assert_cmpstr (missing_body, ==, expired_body);

  g_assert_cmpuint (duet_test_http_bearer (server, "GET", "/v1/token/refresh", good,
                                           NULL, NULL), ==, 405);
  g_assert_cmpuint (duet_test_http_bearer (server, "POST", "/v1/token/refresh", good,
                                           NULL, NULL), ==, 200);

  g_assert_cmpuint (duet_test_http (server, "GET", "/metrics", NULL, &metrics, NULL), ==, 200);
  g_assert_nonnull (strstr (metrics, "duet_token_refreshes_total{result=\"ok\"} 1\n"));
  g_assert_nonnull (strstr (metrics, "duet_token_refreshes_total{result=\"invalid\"} 4\n"));
  g_assert_nonnull (strstr (metrics, "duet_token_refreshes_total{result=\"rate_limited\"} 0\n"));
}

/* Failed refreshes share the per-address budget of sign-ins; good ones
 * do not use it up */
static void
test_token_refresh_rate_limit (void)
{
  const char *args[] = { "--login-rate-per-address", "3", NULL };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);
  g_autofree char *good = NULL, *body = NULL, *retry = NULL;

  duet_test_server_start (server);
  good = duet_test_server_token (server, "alice", 600);
  for (int i = 0; i < 5; i++)
    g_assert_cmpuint (duet_test_http_bearer (server, "POST", "/v1/token/refresh", good,
                                             NULL, NULL), ==, 200);
  for (int i = 0; i < 3; i++)
    g_free (refresh_refused (server, "garbage"));

  g_assert_cmpuint (duet_test_http_bearer (server, "POST", "/v1/token/refresh", "garbage",
                                           &body, &retry), ==, 429);
  g_assert_nonnull (strstr (body, "rate_limited"));
  g_assert_nonnull (retry);
  g_assert_cmpint (atoi (retry), >, 0);
  g_assert_cmpint (atoi (retry), <=, 60);
  /* the address is blocked, whatever the token */
  g_assert_cmpuint (duet_test_http_bearer (server, "POST", "/v1/token/refresh", good,
                                           NULL, NULL), ==, 429);
  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token",
                                    "{\"user\":\"bob\",\"password\":\"pw-bob\"}", NULL, NULL), ==, 429);
}

static void
test_token_unit (void)
{
  const guint8 key[32] = { 1, 2, 3 };
  g_autofree char *token = duet_token_sign ("alice", "duet", 100, 200, 3, "desk", 42, key, sizeof key);
  g_auto(DuetTokenClaims) claims = { 0 };
  g_autoptr(GError) error = NULL;

  g_assert_true (duet_token_verify (token, key, sizeof key, 150, &claims, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (claims.uid, ==, "alice");
  g_assert_cmpstr (claims.sid, ==, "duet");
  g_assert_cmpint (claims.tv, ==, 3);
  g_assert_cmpstr (claims.did, ==, "desk");
  g_assert_cmpint (claims.dk, ==, 42);
  duet_token_claims_clear (&claims);

  g_assert_false (duet_token_verify (token, key, sizeof key, 200, &claims, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_false (duet_token_verify ("", key, sizeof key, 150, &claims, &error));
  g_clear_error (&error);
  g_assert_false (duet_token_verify ("a.b.c.d", key, sizeof key, 150, &claims, &error));
  g_clear_error (&error);
  g_assert_null (claims.uid);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/server/auth/token-unit", test_token_unit);
  g_test_add_func ("/server/auth/login-ok", test_login_ok);
  g_test_add_func ("/server/auth/login-wrong", test_login_wrong);
  g_test_add_func ("/server/auth/login-rate-limit-account", test_login_rate_limit_account);
  g_test_add_func ("/server/auth/login-rate-limit-address", test_login_rate_limit_address);
  g_test_add_func ("/server/auth/bad-tokens-at-upgrade", test_bad_tokens_at_upgrade);
  g_test_add_func ("/server/auth/auth-message", test_auth_message);
  g_test_add_func ("/server/auth/auth-message-bad-token", test_auth_message_bad_token);
  g_test_add_func ("/server/auth/auth-timeout", test_auth_timeout);
  g_test_add_func ("/server/auth/removed-account-token", test_removed_account_token);
  g_test_add_func ("/server/auth/passwd-revokes", test_passwd_revokes);
  g_test_add_func ("/server/auth/token-refresh", test_token_refresh);
  g_test_add_func ("/server/auth/token-refresh-refused", test_token_refresh_refused);
  g_test_add_func ("/server/auth/token-refresh-rate-limit", test_token_refresh_rate_limit);
  g_test_add_func ("/server/auth/session-replaced", test_session_replaced);
  g_test_add_func ("/server/auth/healthz-metrics", test_healthz_metrics);
  g_test_add_func ("/server/auth/max-connections", test_max_connections);
  g_test_add_func ("/server/auth/user-cli", test_user_cli);
  g_test_add_func ("/server/auth/tls", test_tls);
  g_test_add_func ("/server/auth/tls-ca", test_tls_ca);

  return g_test_run ();
}
