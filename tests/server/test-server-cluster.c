/* test-server-cluster.c: duet-servers on one PostgreSQL store and one
 * Redis bus
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run through pgenv.py and redisenv.py (DUET_TEST_PG, DUET_TEST_REDIS and
 * the commands that stop and start them). sessions/: a device that
 * connects to one server replaces its connection on the other (and
 * another device does not); Redis going away leaves each server serving
 * its own clients and saying so in /healthz; login limits hold across
 * servers. calls/: three nodes, caller and callee on different ones.
 * failover/: a node killed mid-call, Redis restarted mid-call. meson runs
 * the failover tests on their own (-p), for time.
 */
#include <string.h>

#include "duet-test-client.h"

#define END    "{\"type\":\"end_call\",\"call_id\":\"%s\"}"
#define ACCEPT "{\"type\":\"accept_call\",\"call_id\":\"%s\"}"
#define VERIFY "{\"type\":\"verify_call\",\"cc_param\":\"%s\"}"
#define OFFER  "{\"type\":\"signal\",\"call_id\":\"%s\",\"payload\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}"
#define GRACE  3

typedef struct
{
  char           *store;
  char           *bus;
  DuetTestServer *one;
  DuetTestServer *two;
  DuetTestServer *three;
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

/* Three nodes, each with a short grace period */
static void
cluster_start_three (Cluster *c)
{
  g_autofree char *grace = g_strdup_printf ("%d", GRACE);
  const char *extra[5];

  c->store = duet_test_pg_database ();
  c->bus = g_strdup_printf ("redis://%s", g_getenv ("DUET_TEST_REDIS"));
  extra[0] = "--bus";
  extra[1] = c->bus;
  extra[2] = "--grace-period";
  extra[3] = grace;
  extra[4] = NULL;
  c->one = duet_test_server_new_store (c->store, extra);
  c->two = duet_test_server_new_sharing (c->one);
  c->two->extra_args = g_strdupv ((char **) extra);
  c->three = duet_test_server_new_sharing (c->one);
  c->three->extra_args = g_strdupv ((char **) extra);
  duet_test_server_start (c->one);
  duet_test_server_start (c->two);
  duet_test_server_start (c->three);
}

static void
cluster_stop (Cluster *c)
{
  duet_test_server_free (c->one);
  duet_test_server_free (c->two);
  g_clear_pointer (&c->three, duet_test_server_free);
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

static void
wait_cluster_up (Cluster *c)
{
  wait_bus_up (c->one);
  wait_bus_up (c->two);
  wait_bus_up (c->three);
}

/* Three nodes; alice's laptop on node one calls bob's on node two, who
 * answers: the call belongs to node one */
static char *
start_call_across (Cluster         *c,
                   DuetTestClient **alice,
                   DuetTestClient **bob)
{
  cluster_start_three (c);
  wait_cluster_up (c);
  *alice = duet_test_client_sign_in_device (c->one, "alice", "laptop");
  *bob = duet_test_client_sign_in_device (c->two, "bob", "laptop");
  return duet_test_connect_call (*alice, *bob, "bob");
}

/* The next event of @type, checked to be about @call_id */
static JsonObject *
expect_event (DuetTestClient *client,
              const char     *type,
              const char     *call_id)
{
  JsonObject *event = duet_test_client_wait_event (client, type, DUET_TEST_TIMEOUT_MS);

  g_assert_nonnull (event);
  g_assert_cmpstr (duet_test_get_string (event, "call_id"), ==, call_id);
  return event;
}

/* alice on node one calls bob, whose laptop is on node two and phone on
 * node three: both ring, each with its own cc_param; the laptop answers,
 * the phone hears it was answered elsewhere; signals and media state
 * cross nodes both ways; bob hangs up; both histories have the call */
static void
test_call_across_nodes (void)
{
  Cluster c = { 0 };
  g_autoptr(DuetTestClient) alice = NULL;
  g_autoptr(DuetTestClient) laptop = NULL;
  g_autoptr(DuetTestClient) phone = NULL;
  g_autoptr(JsonObject) ringing = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autofree char *call_id = NULL;
  g_autofree char *laptop_cc = NULL;
  JsonArray *calls;

  cluster_start_three (&c);
  wait_cluster_up (&c);
  alice = duet_test_client_sign_in_device (c.one, "alice", "laptop");
  laptop = duet_test_client_sign_in_device (c.two, "bob", "laptop");
  phone = duet_test_client_sign_in_device (c.three, "bob", "phone");

  call_id = duet_test_make_call (alice, "bob", &laptop_cc, laptop);
  ringing = expect_event (phone, "incoming_call", call_id);
  g_assert_cmpstr (duet_test_get_string (ringing, "cc_param"), !=, laptop_cc);

  /* a cc_param is good for the device it was given to, once */
  reply = duet_test_requestf (phone, VERIFY, laptop_cc);
  duet_test_assert_error (reply, "invalid_cc_param");
  g_assert_cmpstr (duet_test_get_string (reply, "detail"), ==, "wrong_device");
  g_clear_pointer (&reply, json_object_unref);
  duet_test_expect_reply (laptop, VERIFY, laptop_cc);
  g_clear_pointer (&event, json_object_unref);
  event = expect_event (alice, "verified", call_id);
  reply = duet_test_requestf (laptop, VERIFY, laptop_cc);
  duet_test_assert_error (reply, "invalid_cc_param");
  g_assert_cmpstr (duet_test_get_string (reply, "detail"), ==, "replayed");
  g_clear_pointer (&reply, json_object_unref);

  duet_test_expect_reply (laptop, ACCEPT, call_id);
  g_clear_pointer (&event, json_object_unref);
  event = expect_event (laptop, "connected", call_id);
  g_clear_pointer (&event, json_object_unref);
  event = expect_event (alice, "connected", call_id);
  duet_test_assert_disconnected (phone, call_id, "MULTIDEV_ANSWER", "CLOUD_SERVER", TRUE);

  duet_test_expect_reply (alice, OFFER, call_id);
  g_clear_pointer (&event, json_object_unref);
  event = expect_event (laptop, "signal", call_id);
  duet_test_expect_reply (laptop, OFFER, call_id);
  g_clear_pointer (&event, json_object_unref);
  event = expect_event (alice, "signal", call_id);
  duet_test_expect_reply (laptop, "{\"type\":\"media_state\",\"call_id\":\"%s\",\"mic_muted\":true}", call_id);
  g_clear_pointer (&event, json_object_unref);
  event = expect_event (alice, "peer_media_state", call_id);
  g_assert_true (json_object_get_boolean_member (event, "mic_muted"));

  duet_test_expect_reply (laptop, END, call_id);
  duet_test_assert_disconnected (laptop, call_id, "NORMAL", "CALLEE", FALSE);
  duet_test_assert_disconnected (alice, call_id, "NORMAL", "CALLEE", TRUE);
  duet_test_assert_quiet (phone, 200);

  reply = duet_test_client_request (alice, "{\"type\":\"history\"}");
  calls = json_object_get_array_member (reply, "calls");
  g_assert_cmpuint (json_array_get_length (calls), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (calls, 0), "call_id"), ==, call_id);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (calls, 0), "reason"), ==, "NORMAL");
  g_clear_pointer (&reply, json_object_unref);
  reply = duet_test_client_request (phone, "{\"type\":\"history\"}");
  calls = json_object_get_array_member (reply, "calls");
  g_assert_cmpuint (json_array_get_length (calls), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (calls, 0), "direction"), ==, "incoming");
  cluster_stop (&c);
}

/* A user in a call owned by another node is busy there too; a call is
 * not another user's to end, whichever node they ask */
static void
test_busy_across_nodes (void)
{
  Cluster c = { 0 };
  g_autoptr(DuetTestClient) alice = NULL;
  g_autoptr(DuetTestClient) bob = NULL;
  g_autoptr(DuetTestClient) carol = NULL;
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonObject) missed = NULL;
  g_autofree char *call_id = NULL;
  g_autofree char *second = NULL;

  cluster_start_three (&c);
  wait_cluster_up (&c);
  alice = duet_test_client_sign_in (c.one, "alice");
  bob = duet_test_client_sign_in (c.two, "bob");
  carol = duet_test_client_sign_in (c.three, "carol");
  call_id = duet_test_connect_call (alice, bob, "bob");

  second = duet_test_make_call (carol, "bob", NULL, NULL);
  duet_test_assert_disconnected (carol, second, "BUSY", "CALLEE", TRUE);
  missed = duet_test_client_wait_event (bob, "missed_call", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (missed);
  g_assert_cmpstr (duet_test_get_string (missed, "call_id"), ==, second);

  reply = duet_test_client_request (bob, "{\"type\":\"make_call\",\"peer_user\":\"carol\",\"media_type\":\"audio\"}");
  duet_test_assert_error (reply, "start_failed");
  g_assert_cmpstr (duet_test_get_string (reply, "start_fail_reason"), ==, "ALREADY_EXIST");

  duet_test_expect_error (carol, "no_such_call", END, call_id);
  duet_test_expect_error (carol, "no_such_call", OFFER, call_id);
  duet_test_assert_quiet (alice, 200);

  duet_test_expect_reply (alice, END, call_id);
  duet_test_assert_disconnected (bob, call_id, "NORMAL", "CALLER", TRUE);
  cluster_stop (&c);
}

/* bob's connection to node two drops mid-call and he comes back on node
 * three within the grace period: the call goes on; then he goes for good
 * and the owner ends the call when the grace period is over */
static void
test_grace_across_nodes (void)
{
  Cluster c = { 0 };
  g_autoptr(DuetTestClient) alice = NULL;
  g_autoptr(DuetTestClient) bob = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autofree char *call_id = NULL;
  JsonArray *calls;
  gint64 gone;

  call_id = start_call_across (&c, &alice, &bob);

  g_clear_pointer (&bob, duet_test_client_free);
  duet_test_iterate (500);
  bob = duet_test_client_sign_in_device (c.three, "bob", "laptop");
  calls = json_object_get_array_member (bob->hello, "calls");
  g_assert_cmpuint (json_array_get_length (calls), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (calls, 0), "call_id"), ==, call_id);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (calls, 0), "state"), ==, "connected");
  duet_test_assert_quiet (alice, (GRACE + 1) * 1000);

  duet_test_expect_reply (alice, OFFER, call_id);
  event = expect_event (bob, "signal", call_id);

  gone = g_get_monotonic_time ();
  g_clear_pointer (&bob, duet_test_client_free);
  duet_test_assert_disconnected (alice, call_id, "NETWORK_UNSTABLE", "CLOUD_SERVER", TRUE);
  g_assert_cmpint (g_get_monotonic_time () - gone, >=, (GRACE - 1) * G_USEC_PER_SEC);
  cluster_stop (&c);
}

/* Waits until one of @a and @b owns a call (or fails) */
static DuetTestServer *
wait_owner (DuetTestServer *a,
            DuetTestServer *b)
{
  for (int i = 0; i < 400; i++)
    {
      if (duet_test_server_metric (a, "duet_active_calls") == 1)
        return a;
      if (duet_test_server_metric (b, "duet_active_calls") == 1)
        return b;
      duet_test_iterate (50);
    }
  g_assert_not_reached ();
}

/* The node that owns a connected call is killed: alice, who was on it,
 * reconnects to node three and is told of her call there at once; once
 * the others see the node is gone, one of them takes the call over and
 * it goes on: signals both ways, then bob hangs up */
static void
test_node_killed (void)
{
  Cluster c = { 0 };
  g_autoptr(DuetTestClient) alice = NULL;
  g_autoptr(DuetTestClient) bob = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autofree char *call_id = NULL;
  DuetTestServer *owner;
  JsonArray *calls;

  call_id = start_call_across (&c, &alice, &bob);
  g_assert_cmpint (duet_test_server_metric (c.one, "duet_active_calls"), ==, 1);

  duet_test_server_kill (c.one);
  g_assert_true (duet_test_client_wait_closed (alice, DUET_TEST_TIMEOUT_MS));
  g_clear_pointer (&alice, duet_test_client_free);
  alice = duet_test_client_sign_in_device (c.three, "alice", "laptop");
  calls = json_object_get_array_member (alice->hello, "calls");
  g_assert_cmpuint (json_array_get_length (calls), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (calls, 0), "state"), ==, "connected");

  owner = wait_owner (c.two, c.three);
  g_test_message ("node %s took the call over", owner == c.two ? "two" : "three");
  g_assert_cmpint (duet_test_server_metric (owner == c.two ? c.three : c.two, "duet_active_calls"), ==, 0);
  duet_test_expect_reply (alice, OFFER, call_id);
  event = expect_event (bob, "signal", call_id);
  duet_test_expect_reply (bob, OFFER, call_id);
  g_clear_pointer (&event, json_object_unref);
  event = expect_event (alice, "signal", call_id);
  duet_test_assert_quiet (bob, 100);

  duet_test_expect_reply (bob, END, call_id);
  duet_test_assert_disconnected (alice, call_id, "NORMAL", "CALLEE", TRUE);
  cluster_stop (&c);
}

/* The node is killed and alice does not come back: the grace period
 * runs on the node that took the call over, as on one node */
static void
test_node_killed_party_gone (void)
{
  Cluster c = { 0 };
  g_autoptr(DuetTestClient) alice = NULL;
  g_autoptr(DuetTestClient) bob = NULL;
  g_autofree char *call_id = NULL;

  call_id = start_call_across (&c, &alice, &bob);

  duet_test_server_kill (c.one);
  wait_owner (c.two, c.three);
  duet_test_assert_disconnected (bob, call_id, "NETWORK_UNSTABLE", "CLOUD_SERVER", TRUE);
  cluster_stop (&c);
}

/* Redis restarts mid-call: the nodes hear each other again, and the call
 * across them goes on and ends as usual */
static void
test_redis_restart (void)
{
  Cluster c = { 0 };
  g_autoptr(DuetTestClient) alice = NULL;
  g_autoptr(DuetTestClient) bob = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autofree char *call_id = NULL;

  call_id = start_call_across (&c, &alice, &bob);

  duet_test_run_env_command ("DUET_TEST_REDIS_STOP");
  duet_test_iterate (500);
  duet_test_run_env_command ("DUET_TEST_REDIS_START");
  wait_cluster_up (&c);
  /* one more heartbeat, for the others' syncs */
  duet_test_iterate (2500);

  g_assert_cmpint (duet_test_server_metric (c.one, "duet_active_calls"), ==, 1);
  duet_test_expect_reply (bob, OFFER, call_id);
  event = expect_event (alice, "signal", call_id);
  duet_test_expect_reply (alice, END, call_id);
  duet_test_assert_disconnected (bob, call_id, "NORMAL", "CALLER", TRUE);
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

  g_test_add_func ("/server/cluster/sessions/replacement", test_replacement);
  g_test_add_func ("/server/cluster/sessions/bus-outage", test_bus_outage);
  g_test_add_func ("/server/cluster/sessions/login-limit", test_login_limit);
  g_test_add_func ("/server/cluster/calls/across-nodes", test_call_across_nodes);
  g_test_add_func ("/server/cluster/calls/busy", test_busy_across_nodes);
  g_test_add_func ("/server/cluster/calls/grace", test_grace_across_nodes);
  g_test_add_func ("/server/cluster/failover/node-killed", test_node_killed);
  g_test_add_func ("/server/cluster/failover/party-gone", test_node_killed_party_gone);
  g_test_add_func ("/server/cluster/failover/redis-restart", test_redis_restart);
  return g_test_run ();
}
