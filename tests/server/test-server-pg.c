/* test-server-pg.c: duet-server with its store in a real PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run through pgenv.py (a throwaway cluster; DUET_TEST_PG and the
 * commands that stop and start it). Each test has a database of its own.
 * Checks a whole call and its history, missed calls delivered at sign-in
 * and marked seen, the CLI's password change revoking a live session
 * (a NOTIFY, not a poll of a file), two servers sharing accounts and
 * devices, and an outage: sign-in answers 503 and /healthz says what is
 * down, the call in progress goes on, and what it wrote meanwhile is in
 * the history once the database is back.
 */
#include <string.h>

#include <libpq-fe.h>

#include "duet-test-client.h"

static DuetTestServer *
start_server (const char *store)
{
  DuetTestServer *server = duet_test_server_new_store (store, NULL);

  duet_test_server_start (server);
  return server;
}

static JsonObject *
history_of (DuetTestClient *client)
{
  g_autoptr(JsonObject) reply = duet_test_client_request (client, "{\"type\":\"history\",\"limit\":10}");

  duet_test_assert_reply (reply);
  return g_steal_pointer (&reply);
}

static JsonObject *
first_call (JsonObject *history)
{
  JsonArray *calls = json_object_get_array_member (history, "calls");

  g_assert_cmpuint (json_array_get_length (calls), >=, 1);
  return json_array_get_object_element (calls, 0);
}

/* A call from start to end, and both histories, through PostgreSQL */
static void
test_call_and_history (void)
{
  g_autofree char *store = duet_test_pg_database ();
  g_autoptr(DuetTestServer) server = start_server (store);
  g_autoptr(DuetTestClient) alice = duet_test_client_sign_in (server, "alice");
  g_autoptr(DuetTestClient) bob = duet_test_client_sign_in (server, "bob");
  g_autofree char *call_id = duet_test_connect_call (alice, bob, "bob");
  g_autoptr(JsonObject) mine = NULL;
  g_autoptr(JsonObject) theirs = NULL;

  duet_test_expect_reply (alice, "{\"type\":\"end_call\",\"call_id\":\"%s\"}", call_id);
  duet_test_assert_disconnected (alice, call_id, "NORMAL", "CALLER", FALSE);
  duet_test_assert_disconnected (bob, call_id, "NORMAL", "CALLER", TRUE);

  mine = history_of (alice);
  theirs = history_of (bob);
  g_assert_cmpstr (duet_test_get_string (first_call (mine), "call_id"), ==, call_id);
  g_assert_cmpstr (duet_test_get_string (first_call (mine), "direction"), ==, "outgoing");
  g_assert_cmpstr (duet_test_get_string (first_call (mine), "reason"), ==, "NORMAL");
  g_assert_cmpstr (duet_test_get_string (first_call (theirs), "direction"), ==, "incoming");
  g_assert_true (json_object_get_int_member (first_call (theirs), "answered_at") > 0);
}

/* bob is away while alice calls and gives up: he hears of it when he
 * signs in, and marking it seen works once */
static void
test_missed_call (void)
{
  g_autofree char *store = duet_test_pg_database ();
  g_autoptr(DuetTestServer) server = start_server (store);
  g_autoptr(DuetTestClient) alice = duet_test_client_sign_in (server, "alice");
  g_autoptr(DuetTestClient) bob = NULL;
  g_autoptr(JsonObject) missed = NULL;
  g_autofree char *call_id = duet_test_make_call (alice, "bob", NULL, NULL);

  duet_test_expect_reply (alice, "{\"type\":\"end_call\",\"call_id\":\"%s\"}", call_id);
  duet_test_assert_disconnected (alice, call_id, "CANCEL", "CALLER", FALSE);

  bob = duet_test_client_sign_in (server, "bob");
  missed = duet_test_client_wait_event (bob, "missed_call", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (missed);
  g_assert_cmpstr (duet_test_get_string (missed, "call_id"), ==, call_id);
  g_assert_cmpstr (duet_test_get_string (missed, "caller_user"), ==, "alice");

  duet_test_expect_reply (bob, "{\"type\":\"mark_seen\",\"call_id\":\"%s\"}", call_id);
  duet_test_expect_reply (bob, "{\"type\":\"mark_seen\",\"call_id\":\"%s\"}", call_id);
  duet_test_expect_error (bob, "no_such_call", "{\"type\":\"mark_seen\",\"call_id\":\"nope\"}");

  /* seen: a later sign-in of another device does not hear of it */
  duet_test_client_close (bob);
  {
    g_autoptr(DuetTestClient) tablet = duet_test_client_sign_in_device (server, "bob", "tablet");

    duet_test_assert_quiet (tablet, 500);
  }
}

/* `duet-server user passwd` in another process: the database tells every
 * server, which signs the user's sessions out */
static void
test_revocation (void)
{
  g_autofree char *store = duet_test_pg_database ();
  g_autoptr(DuetTestServer) server = start_server (store);
  g_autoptr(DuetTestClient) alice = duet_test_client_sign_in (server, "alice");
  const char *argv[] = { "user", "passwd", "--store", store, "--user", "alice", "--password-stdin",
                         "--kdf-cost", "min", NULL };

  g_assert_cmpint (duet_test_run_cli (argv, "new secret\n", NULL, NULL), ==, 0);
  g_assert_true (duet_test_client_wait_closed (alice, DUET_TEST_TIMEOUT_MS));
  g_assert_cmpuint (alice->close_code, ==, 4003);
}

/* Two servers on one store: an account and a device made through one are
 * known to the other (a node behind a load balancer sees the same users) */
static void
test_two_servers (void)
{
  g_autofree char *store = duet_test_pg_database ();
  g_autoptr(DuetTestServer) one = start_server (store);
  g_autoptr(DuetTestServer) two = duet_test_server_new_sharing (one);
  g_autoptr(DuetTestClient) client = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *body = NULL;
  const char *argv[] = { "user", "add", "--store", store, "--user", "dave", "--password-stdin",
                         "--kdf-cost", "min", NULL };
  const char *token;
  guint status = 0;

  duet_test_server_start (two);
  g_assert_cmpint (duet_test_run_cli (argv, "pw-dave\n", NULL, NULL), ==, 0);

  /* dave signs in on server one with his password: a new device */
  for (int i = 0; i < 50; i++)
    {
      g_clear_pointer (&body, g_free);
      status = duet_test_http (one, "POST", "/v1/token", "{\"user\":\"dave\",\"password\":\"pw-dave\"}", &body, NULL);
      if (status == 200)
        break;
      duet_test_iterate (100);   /* the new account reaches one's memory */
    }
  g_assert_cmpuint (status, ==, 200);
  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  token = json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "token");

  /* and his token works on server two, which learnt of the device */
  for (int i = 0; i < 50 && client == NULL; i++)
    {
      client = duet_test_client_connect (two, token, NULL);
      if (client != NULL && duet_test_client_wait_event (client, "hello", 2000) == NULL)
        g_clear_pointer (&client, duet_test_client_free);
      if (client == NULL)
        duet_test_iterate (100);
    }
  g_assert_nonnull (client);
}

static guint
health (DuetTestServer *server, char **out_body)
{
  return duet_test_http (server, "GET", "/healthz", NULL, out_body, NULL);
}

/* The database goes away mid-call and comes back */
static void
test_outage (void)
{
  g_autofree char *store = duet_test_pg_database ();
  g_autoptr(DuetTestServer) server = start_server (store);
  g_autoptr(DuetTestClient) alice = duet_test_client_sign_in (server, "alice");
  g_autoptr(DuetTestClient) bob = duet_test_client_sign_in (server, "bob");
  g_autofree char *call_id = duet_test_connect_call (alice, bob, "bob");
  g_autofree char *body = NULL;
  g_autofree char *retry = NULL;
  g_autoptr(JsonObject) signal = NULL;
  g_autoptr(JsonObject) history = NULL;
  guint status = 0;

  duet_test_run_env_command ("DUET_TEST_PG_STOP");

  /* /healthz names what is down; a sign-in is refused with a reason */
  for (int i = 0; i < 50 && status != 503; i++)
    {
      g_clear_pointer (&body, g_free);
      status = health (server, &body);
      if (status != 503)
        duet_test_iterate (100);
    }
  g_assert_cmpuint (status, ==, 503);
  g_assert_nonnull (strstr (body, "\"degraded\""));
  g_assert_nonnull (strstr (body, "\"database\""));
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token", "{\"user\":\"carol\",\"password\":\"pw-carol\"}",
                                    &body, &retry), ==, 503);
  g_assert_nonnull (strstr (body, "store_unavailable"));
  g_assert_cmpstr (retry, ==, "30");

  /* the call goes on: signalling still flows, and it ends normally */
  duet_test_expect_reply (alice, "{\"type\":\"signal\",\"call_id\":\"%s\",\"payload\":"
                                 "{\"type\":\"candidate\",\"candidate\":\"\",\"sdpMLineIndex\":0}}", call_id);
  signal = duet_test_client_wait_event (bob, "signal", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (signal);
  duet_test_expect_reply (bob, "{\"type\":\"end_call\",\"call_id\":\"%s\"}", call_id);
  duet_test_assert_disconnected (alice, call_id, "NORMAL", "CALLEE", TRUE);
  duet_test_assert_disconnected (bob, call_id, "NORMAL", "CALLEE", FALSE);

  /* back: the server reconnects, and the end it kept is written */
  duet_test_run_env_command ("DUET_TEST_PG_START");
  status = 0;
  for (int i = 0; i < 200 && status != 200; i++)
    {
      status = health (server, NULL);
      if (status != 200)
        duet_test_iterate (100);
    }
  g_assert_cmpuint (status, ==, 200);
  history = history_of (alice);
  g_assert_cmpstr (duet_test_get_string (first_call (history), "call_id"), ==, call_id);
  g_assert_cmpstr (duet_test_get_string (first_call (history), "reason"), ==, "NORMAL");
  g_clear_pointer (&body, g_free);
  g_assert_cmpuint (duet_test_http (server, "POST", "/v1/token", "{\"user\":\"carol\",\"password\":\"pw-carol\"}",
                                    &body, NULL), ==, 200);
}

/* Calls back to back, then the server stops: every call is in the
 * database, whatever was still queued (bench/server/store.sh measures
 * the same at 1,300 calls a second) */
static void
test_burst (void)
{
  const char *extra[] = { "--calls-per-minute", "1000", NULL };
  g_autofree char *store = duet_test_pg_database ();
  g_autoptr(DuetTestServer) server = duet_test_server_new_store (store, extra);
  g_autoptr(DuetTestClient) alice = NULL;
  g_autoptr(DuetTestClient) bob = NULL;
  PGconn *check;
  PGresult *count;

  duet_test_server_start (server);
  alice = duet_test_client_sign_in (server, "alice");
  bob = duet_test_client_sign_in (server, "bob");
  /* 40: each party's messages stay within the burst its budget allows */
  for (int i = 0; i < 40; i++)
    {
      g_autofree char *call_id = duet_test_connect_call (alice, bob, "bob");

      duet_test_expect_reply (alice, "{\"type\":\"end_call\",\"call_id\":\"%s\"}", call_id);
      duet_test_assert_disconnected (alice, call_id, "NORMAL", "CALLER", FALSE);
      duet_test_assert_disconnected (bob, call_id, "NORMAL", "CALLER", TRUE);
    }
  g_assert_cmpint (duet_test_server_stop (server), ==, 0);

  check = PQconnectdb (store);
  g_assert_cmpint (PQstatus (check), ==, CONNECTION_OK);
  count = PQexec (check, "SELECT count(*) FROM calls WHERE state = 'ended' AND reason = 'NORMAL'");
  g_assert_cmpint (PQresultStatus (count), ==, PGRES_TUPLES_OK);
  g_assert_cmpstr (PQgetvalue (count, 0, 0), ==, "40");
  PQclear (count);
  PQfinish (check);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("DUET_TEST_PG") == NULL)
    {
      g_test_skip ("DUET_TEST_PG is not set: run through tests/server/pgenv.py");
      return 77;
    }

  g_test_add_func ("/server/pg-store/call-and-history", test_call_and_history);
  g_test_add_func ("/server/pg-store/missed-call", test_missed_call);
  g_test_add_func ("/server/pg-store/revocation", test_revocation);
  g_test_add_func ("/server/pg-store/two-servers", test_two_servers);
  g_test_add_func ("/server/pg-store/outage", test_outage);
  g_test_add_func ("/server/pg-store/burst", test_burst);
  return g_test_run ();
}
