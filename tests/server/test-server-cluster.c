/* test-server-cluster.c: two duet-servers on one PostgreSQL store and one
 * Redis bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run through pgenv.py and redisenv.py (DUET_TEST_PG, DUET_TEST_REDIS and
 * the commands that stop and start them). Checks that a device that
 * connects to one server replaces its connection on the other (and that
 * another device does not), and that Redis going away leaves each server
 * serving its own clients, says so in /healthz, and that the servers hear
 * each other again once it is back.
 */
#include <string.h>

#include "duet-test-client.h"

typedef struct
{
  char           *store;
  char           *bus;
  DuetTestServer *one;
  DuetTestServer *two;
} Cluster;

static void
cluster_start (Cluster *c)
{
  const char *extra[3];

  c->store = duet_test_pg_database ();
  c->bus = g_strdup_printf ("redis://%s", g_getenv ("DUET_TEST_REDIS"));
  extra[0] = "--bus";
  extra[1] = c->bus;
  extra[2] = NULL;
  c->one = duet_test_server_new_store (c->store, extra);
  c->two = duet_test_server_new_sharing (c->one);
  c->two->extra_args = g_strdupv ((char **) extra);
  duet_test_server_start (c->one);
  duet_test_server_start (c->two);
}

static void
cluster_stop (Cluster *c)
{
  duet_test_server_free (c->one);
  duet_test_server_free (c->two);
  g_free (c->store);
  g_free (c->bus);
}

static guint
health (DuetTestServer *server, char **out_body)
{
  return duet_test_http (server, "GET", "/healthz", NULL, out_body, NULL);
}

/* Waits until the server's bus is up (its /healthz no longer names it) */
static void
wait_bus_up (DuetTestServer *server)
{
  for (int i = 0; i < 200; i++)
    {
      g_autofree char *body = NULL;

      if (health (server, &body) == 200 && strstr (body, "\"bus\"") == NULL)
        return;
      duet_test_iterate (50);
    }
  g_assert_not_reached ();
}

/* alice's laptop connects to server two: its connection on server one is
 * replaced; her phone, also on two, replaces nothing */
static void
check_replacement (Cluster *c)
{
  g_autoptr(DuetTestClient) laptop_one = duet_test_client_sign_in_device (c->one, "alice", "laptop");
  g_autoptr(DuetTestClient) phone_two = duet_test_client_sign_in_device (c->two, "alice", "phone");
  g_autoptr(DuetTestClient) laptop_two = NULL;
  g_autoptr(JsonObject) replaced = NULL;

  duet_test_assert_quiet (laptop_one, 300);
  g_assert_false (laptop_one->closed);

  laptop_two = duet_test_client_sign_in_device (c->two, "alice", "laptop");
  replaced = duet_test_client_wait_event (laptop_one, "session_replaced", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (replaced);
  g_assert_true (duet_test_client_wait_closed (laptop_one, DUET_TEST_TIMEOUT_MS));
  g_assert_cmpuint (laptop_one->close_code, ==, 4001);
  g_assert_false (phone_two->closed);
  g_assert_false (laptop_two->closed);
}

static void
test_replacement (void)
{
  Cluster c = { 0 };

  cluster_start (&c);
  wait_bus_up (c.one);
  wait_bus_up (c.two);
  check_replacement (&c);
  cluster_stop (&c);
}

/* Redis goes: each server still serves a call between its own clients and
 * says the bus is down; Redis comes back: the servers hear each other */
static void
test_bus_outage (void)
{
  Cluster c = { 0 };
  g_autoptr(DuetTestClient) alice = NULL;
  g_autoptr(DuetTestClient) bob = NULL;
  g_autofree char *call_id = NULL;
  g_autofree char *body = NULL;
  guint status = 0;

  cluster_start (&c);
  wait_bus_up (c.one);
  duet_test_run_env_command ("DUET_TEST_REDIS_STOP");

  for (int i = 0; i < 100; i++)
    {
      g_clear_pointer (&body, g_free);
      status = health (c.one, &body);
      if (strstr (body, "\"bus\"") != NULL)
        break;
      duet_test_iterate (50);
    }
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (strstr (body, "\"degraded\""));
  g_assert_nonnull (strstr (body, "\"bus\""));

  alice = duet_test_client_sign_in (c.one, "alice");
  bob = duet_test_client_sign_in (c.one, "bob");
  call_id = duet_test_connect_call (alice, bob, "bob");
  duet_test_expect_reply (alice, "{\"type\":\"end_call\",\"call_id\":\"%s\"}", call_id);
  duet_test_assert_disconnected (bob, call_id, "NORMAL", "CALLER", TRUE);
  g_clear_pointer (&alice, duet_test_client_free);
  g_clear_pointer (&bob, duet_test_client_free);

  duet_test_run_env_command ("DUET_TEST_REDIS_START");
  wait_bus_up (c.one);
  wait_bus_up (c.two);
  check_replacement (&c);
  cluster_stop (&c);
}

static guint
sign_in (DuetTestServer *server, const char *password)
{
  g_autofree char *body = g_strdup_printf ("{\"user\":\"alice\",\"password\":\"%s\"}", password);

  return duet_test_http (server, "POST", "/v1/token", body, NULL, NULL);
}

/* Five wrong passwords for alice, three on one server and two on the
 * other: both refuse the next try, even with the right password */
static void
test_login_limit (void)
{
  Cluster c = { 0 };
  guint status = 0;

  cluster_start (&c);
  wait_bus_up (c.one);
  wait_bus_up (c.two);
  for (int i = 0; i < 5; i++)
    g_assert_cmpuint (sign_in (i < 3 ? c.one : c.two, "guess"), ==, 401);
  for (int i = 0; i < 50 && status != 429; i++)
    {
      status = sign_in (c.one, "pw-alice");
      if (status != 429)
        duet_test_iterate (50);
    }
  g_assert_cmpuint (status, ==, 429);
  g_assert_cmpuint (sign_in (c.two, "pw-alice"), ==, 429);
  cluster_stop (&c);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("DUET_TEST_PG") == NULL || g_getenv ("DUET_TEST_REDIS") == NULL)
    {
      g_test_skip ("run through tests/server/pgenv.py and redisenv.py");
      return 77;
    }

  g_test_add_func ("/server/cluster/replacement", test_replacement);
  g_test_add_func ("/server/cluster/bus-outage", test_bus_outage);
  g_test_add_func ("/server/cluster/login-limit", test_login_limit);
  return g_test_run ();
}
