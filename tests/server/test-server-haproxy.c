/* test-server-haproxy.c: two duet-servers behind a real HAProxy
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run through pgenv.py and redisenv.py: two nodes share one PostgreSQL
 * store and one Redis bus, and an HAProxy that this test configures (the
 * configuration docs/deploy.md shows, without TLS: round robin, no sticky
 * sessions, `timeout tunnel` for the WebSockets, health checks on
 * /healthz) and starts on free loopback ports. Checks that sign-ins
 * through it land on both nodes, that /v1/ws works through it, that a
 * device connecting again (on the other node) replaces its old session,
 * and that once a node is killed the health check takes it out and new
 * sign-ins all go to the survivor. Skipped (a TAP plan of none) without
 * haproxy.
 */
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include <libpq-fe.h>

#include "duet-test-client.h"

typedef struct
{
  char           *store;
  char           *bus;
  DuetTestServer *nodes[2];
  DuetTestServer  proxy;       /* only base_url: the clients' way in */
  char           *stats_url;
  char           *dir;
  GSubprocess    *haproxy;
} Fixture;

static char *haproxy_path;

static guint
free_port (void)
{
  g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (socket);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static const char *
node_address (DuetTestServer *node)
{
  g_assert_true (g_str_has_prefix (node->base_url, "http://"));
  return node->base_url + strlen ("http://");
}

static void
kill_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* What a node's own /metrics says */
static gint64
logins_ok (DuetTestServer *node)
{
  return duet_test_server_metric (node, "duet_logins_total{result=\"ok\"}");
}

static gint64
connections (DuetTestServer *node)
{
  return duet_test_server_metric (node, "duet_authenticated_connections");
}

/* A server's state in HAProxy's statistics ("UP", "DOWN", …) */
static char *
proxy_state (Fixture    *f,
             const char *server)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", f->stats_url);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree char *prefix = g_strdup_printf ("nodes,%s,", server);

  if (body == NULL || soup_message_get_status (msg) != 200)
    return g_strdup ("unknown");
  text = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], prefix))
      {
        g_auto(GStrv) fields = g_strsplit (lines[i], ",", -1);

        /* the CSV's 18th column is "status" */
        return g_strdup (g_strv_length (fields) > 17 ? fields[17] : "unknown");
      }
  return g_strdup ("unknown");
}

static void
wait_proxy_state (Fixture    *f,
                  const char *server,
                  const char *state)
{
  g_autofree char *now = NULL;

  for (int i = 0; i < 200; i++)
    {
      g_clear_pointer (&now, g_free);
      now = proxy_state (f, server);
      if (g_str_equal (now, state))
        return;
      duet_test_iterate (50);
    }
  g_error ("HAProxy's server %s is %s, not %s", server, now, state);
}

/* Waits until the node's bus is up (its /healthz no longer names it) */
static void
wait_bus_up (DuetTestServer *node)
{
  for (int i = 0; i < 200; i++)
    {
      g_autofree char *body = NULL;

      if (duet_test_http (node, "GET", "/healthz", NULL, &body, NULL) == 200 && strstr (body, "\"bus\"") == NULL)
        return;
      duet_test_iterate (50);
    }
  g_assert_not_reached ();
}

static void
write_config (Fixture    *f,
              const char *path,
              guint       port,
              guint       stats_port)
{
  g_autofree char *config = NULL;
  g_autoptr(GError) error = NULL;

  /* docs/deploy.md's, on loopback, plain HTTP, with checks every 200 ms
   * rather than 2 s so that the test is short */
  config = g_strdup_printf (
    "global\n"
    "  maxconn 1000\n"
    "\n"
    "defaults\n"
    "  mode http\n"
    "  timeout connect 2s\n"
    "  timeout client 30s\n"
    "  timeout server 30s\n"
    "  timeout tunnel 1h\n"
    "  timeout client-fin 5s\n"
    "  retries 2\n"
    "  option redispatch\n"
    "\n"
    "frontend duet\n"
    "  bind 127.0.0.1:%u\n"
    "  default_backend nodes\n"
    "\n"
    "backend nodes\n"
    "  balance roundrobin\n"
    "  option httpchk\n"
    "  http-check send meth GET uri /healthz\n"
    "  http-check expect status 200\n"
    "  default-server inter 200ms fall 2 rise 2\n"
    "  server one %s check\n"
    "  server two %s check\n"
    "\n"
    "listen stats\n"
    "  bind 127.0.0.1:%u\n"
    "  stats enable\n"
    "  stats uri /stats\n",
    port, node_address (f->nodes[0]), node_address (f->nodes[1]), stats_port);
  g_file_set_contents (path, config, -1, &error);
  g_assert_no_error (error);
}

static void
start_haproxy (Fixture *f)
{
  g_autofree char *config = g_build_filename (f->dir, "haproxy.cfg", NULL);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  guint port = free_port (), stats_port = free_port ();

  write_config (f, config, port, stats_port);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
  /* a test that aborts must not leave it behind */
  g_subprocess_launcher_set_child_setup (launcher, kill_with_parent, NULL, NULL);
  /* -db: in the foreground, not a daemon */
  f->haproxy = g_subprocess_launcher_spawn (launcher, &error, haproxy_path, "-db", "-f", config, NULL);
  g_assert_no_error (error);

  f->proxy.base_url = g_strdup_printf ("http://127.0.0.1:%u", port);
  f->stats_url = g_strdup_printf ("http://127.0.0.1:%u/stats;csv", stats_port);
  wait_proxy_state (f, "one", "UP");
  wait_proxy_state (f, "two", "UP");
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const char *extra[3];
  g_autoptr(GError) error = NULL;

  f->store = duet_test_pg_database ();
  f->bus = g_strdup_printf ("redis://%s", g_getenv ("DUET_TEST_REDIS"));
  extra[0] = "--bus";
  extra[1] = f->bus;
  extra[2] = NULL;
  f->nodes[0] = duet_test_server_new_store (f->store, extra);
  f->nodes[1] = duet_test_server_new_sharing (f->nodes[0]);
  f->nodes[1]->extra_args = g_strdupv ((char **) extra);
  duet_test_server_start (f->nodes[0]);
  duet_test_server_start (f->nodes[1]);
  wait_bus_up (f->nodes[0]);
  wait_bus_up (f->nodes[1]);

  f->dir = g_dir_make_tmp ("duet-haproxy-XXXXXX", &error);
  g_assert_no_error (error);
  start_haproxy (f);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_subprocess_force_exit (f->haproxy);
  g_subprocess_wait (f->haproxy, NULL, NULL);
  g_clear_object (&f->haproxy);
  for (guint i = 0; i < G_N_ELEMENTS (f->nodes); i++)
    g_clear_pointer (&f->nodes[i], duet_test_server_free);
  duet_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->proxy.base_url);
  g_free (f->stats_url);
  g_free (f->store);
  g_free (f->bus);
}

/* Until the device @user signed in with is in PostgreSQL. A node answers
 * a sign-in once it has queued the device's row, not once the row is
 * committed; another node that gets the token before the commit does not
 * know the device and answers 401. Through a load balancer the WebSocket
 * may well go to the other node, and this test opens it at once: it
 * waits for the commit, as a client that retries after a 401 would. */
static void
wait_device_recorded (Fixture    *f,
                      const char *user,
                      const char *device_id)
{
  PGconn *pg = PQconnectdb (f->store);
  const char *params[] = { user, device_id };

  g_assert_cmpint (PQstatus (pg), ==, CONNECTION_OK);
  for (int i = 0; i < 200; i++)
    {
      PGresult *result = PQexecParams (pg, "SELECT count(*) FROM devices JOIN users ON users.id = devices.account_id"
                                           " WHERE users.\"user\" = $1 AND devices.device_id = $2",
                                       2, NULL, params, NULL, NULL, 0);
      gboolean found;

      g_assert_cmpint (PQresultStatus (result), ==, PGRES_TUPLES_OK);
      found = g_str_equal (PQgetvalue (result, 0, 0), "1");
      PQclear (result);
      if (found)
        {
          PQfinish (pg);
          return;
        }
      g_usleep (10 * 1000);
    }
  g_error ("%s's device %s never reached PostgreSQL", user, device_id);
}

/* POST /v1/token with the password, through HAProxy */
static char *
sign_in (Fixture    *f,
         const char *user,
         const char *device_id)
{
  g_autofree char *request = g_strdup_printf ("{\"user\":\"%s\",\"password\":\"pw-%s\",\"device_id\":\"%s\"}",
                                              user, user, device_id);
  g_autofree char *body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_cmpuint (duet_test_http (&f->proxy, "POST", "/v1/token", request, &body, NULL), ==, 200);
  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  return g_strdup (duet_test_get_string (json_node_get_object (json_parser_get_root (parser)), "token"));
}

static DuetTestClient *
connect_through (Fixture    *f,
                 const char *token)
{
  guint status = 0;
  DuetTestClient *client = duet_test_client_connect (&f->proxy, token, &status);

  if (client == NULL)
    g_error ("the WebSocket upgrade through HAProxy was answered %u", status);
  client->hello = duet_test_client_wait_event (client, "hello", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (client->hello);
  return client;
}

/* Waits until the nodes hold @total signed-in connections between them;
 * then which node holds the first (0 or 1; 0 when there are none) */
static guint
wait_connections (Fixture *f,
                  gint64   total)
{
  for (int i = 0; i < 100; i++)
    {
      gint64 one = connections (f->nodes[0]), two = connections (f->nodes[1]);

      if (one + two == total)
        return one > 0 ? 0 : (two > 0 ? 1 : 0);
      if (i == 99)
        g_error ("signed-in connections: %" G_GINT64_FORMAT " on one, %" G_GINT64_FORMAT " on two, "
                 "not %" G_GINT64_FORMAT " in all", one, two, total);
      duet_test_iterate (50);
    }
  g_assert_not_reached ();
}

/* What a client that should not have been closed heard, for the log */
static void
explain_close (DuetTestClient *client,
               const char     *what)
{
  JsonObject *message;

  while ((message = g_queue_pop_head (&client->messages)) != NULL)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), message);
      g_autofree char *text = json_to_string (node, FALSE);

      g_printerr ("# %s received %s\n", what, text);
      json_object_unref (message);
    }
  g_error ("%s was closed (code %u)", what, client->close_code);
}

/* Round robin, no stickiness: four sign-ins, two on each node; and
 * the WebSocket works through the proxy */
static void
check_spread (Fixture *f)
{
  gint64 before[2] = { logins_ok (f->nodes[0]), logins_ok (f->nodes[1]) };
  g_autofree char *token = NULL;
  g_autoptr(DuetTestClient) client = NULL;
  g_autoptr(JsonObject) reply = NULL;

  for (int i = 0; i < 4; i++)
    {
      g_autofree char *device = g_strdup_printf ("device-%d", i);
      g_autofree char *other = sign_in (f, "bob", device);

      g_assert_nonnull (other);
    }
  g_assert_cmpint (logins_ok (f->nodes[0]) - before[0], ==, 2);
  g_assert_cmpint (logins_ok (f->nodes[1]) - before[1], ==, 2);

  token = sign_in (f, "alice", "laptop");
  wait_device_recorded (f, "alice", "laptop");
  client = connect_through (f, token);
  g_assert_cmpstr (duet_test_get_string (client->hello, "user"), ==, "alice");
  reply = duet_test_client_request (client, "{\"type\":\"devices\"}");
  duet_test_assert_reply (reply);
  wait_connections (f, 1);
  /* still open after a while: no proxy timeout cut it */
  duet_test_assert_quiet (client, 500);
  if (client->closed)
    explain_close (client, "alice's laptop");
  g_clear_pointer (&client, duet_test_client_free);
  wait_connections (f, 0);
}

/* The device connects again, round robin sends it to the other node,
 * and the old session there is replaced through the bus */
static void
check_replacement (Fixture *f)
{
  g_autofree char *token = sign_in (f, "alice", "tablet");
  g_autoptr(DuetTestClient) first = NULL;
  g_autoptr(DuetTestClient) second = NULL;
  g_autoptr(JsonObject) replaced = NULL;
  guint first_node;

  wait_device_recorded (f, "alice", "tablet");
  first = connect_through (f, token);
  first_node = wait_connections (f, 1);
  /* The bus does not order its announcements: had the first connection's
   * not reached the other node yet when the second one connects there,
   * it would replace the second one too (both closed with 4001). Seen
   * under load with no pause here; test-server-cluster pauses as well. */
  duet_test_assert_quiet (first, 1000);
  second = connect_through (f, token);
  replaced = duet_test_client_wait_event (first, "session_replaced", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (replaced);
  g_assert_true (duet_test_client_wait_closed (first, DUET_TEST_TIMEOUT_MS));
  g_assert_cmpuint (first->close_code, ==, 4001);
  g_assert_cmpuint (wait_connections (f, 1), ==, 1 - first_node);
  if (second->closed)
    explain_close (second, "the tablet's second connection");
  g_clear_pointer (&second, duet_test_client_free);
  wait_connections (f, 0);
}

/* Node one dies: HAProxy's checks take it out, and every new sign-in
 * (and WebSocket) goes to node two */
static void
check_node_killed (Fixture *f)
{
  gint64 before;
  g_autofree char *token = NULL;
  g_autoptr(DuetTestClient) client = NULL;

  duet_test_server_kill (f->nodes[0]);
  wait_proxy_state (f, "one", "DOWN");
  before = logins_ok (f->nodes[1]);
  for (int i = 0; i < 4; i++)
    {
      g_autofree char *device = g_strdup_printf ("device-%d", i);
      g_autofree char *other = sign_in (f, "bob", device);

      g_assert_nonnull (other);
    }
  g_assert_cmpint (logins_ok (f->nodes[1]) - before, ==, 4);

  token = sign_in (f, "carol", "phone");
  client = connect_through (f, token);
  g_assert_cmpint (connections (f->nodes[1]), ==, 1);
}

/* One cluster for all three, in this order (the last kills a node): each
 * cluster costs seconds to start */
static void
test_haproxy (Fixture       *f,
              gconstpointer  data)
{
  check_spread (f);
  check_replacement (f);
  check_node_killed (f);
}

int
main (int argc, char *argv[])
{
  int status;

  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("DUET_TEST_PG") == NULL || g_getenv ("DUET_TEST_REDIS") == NULL)
    {
      g_test_skip ("run through tests/server/pgenv.py and redisenv.py");
      return 77;
    }
  /* Debian puts it in /usr/sbin, which a user's PATH may lack */
  haproxy_path = g_find_program_in_path ("haproxy");
  if (haproxy_path == NULL && g_file_test ("/usr/sbin/haproxy", G_FILE_TEST_IS_EXECUTABLE))
    haproxy_path = g_strdup ("/usr/sbin/haproxy");
  /* TAP's way to skip: meson takes exit status 77 from a TAP test for an
   * error, and a plan of none with SKIP for a skip */
  if (haproxy_path == NULL)
    {
      g_print ("1..0 # SKIP haproxy is not installed (Debian: apt install haproxy)\n");
      return 0;
    }

  g_test_add ("/server/haproxy/spread-replace-kill", Fixture, NULL, fixture_setup, test_haproxy, fixture_teardown);
  status = g_test_run ();
  g_free (haproxy_path);
  return status;
}
