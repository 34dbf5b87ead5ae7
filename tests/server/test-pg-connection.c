/* test-pg-connection.c: DuetPgConnection against a real PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run through pgenv.py, which starts a throwaway cluster and says where
 * (DUET_TEST_PG) and how to stop and start it. Checks results and
 * parameters, refused statements, order, multi-statement strings, that
 * the main loop runs while a statement does, LISTEN/NOTIFY, connect
 * failures and timeouts, and a server that goes away and comes back.
 */
#include "duet-pg-connection.h"
#include "duet-test-client.h"

typedef struct
{
  gboolean      done;
  GError       *error;
  PGresult     *result;
} Wait;

static void
wait_clear (Wait *w)
{
  g_clear_error (&w->error);
  g_clear_pointer (&w->result, PQclear);
  w->done = FALSE;
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;

  duet_pg_connection_connect_finish (DUET_PG_CONNECTION (source), result, &w->error);
  w->done = TRUE;
}

static void
on_result (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;

  w->result = duet_pg_connection_query_finish (DUET_PG_CONNECTION (source), result, &w->error);
  w->done = TRUE;
}

static void
run_until (gboolean *flag)
{
  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
}

static DuetPgConnection *
connect_to (const char *conninfo, guint timeout_ms, GError **error)
{
  DuetPgConnection *pg = duet_pg_connection_new (conninfo);
  Wait w = { 0 };

  duet_pg_connection_connect_async (pg, timeout_ms, NULL, on_connected, &w);
  run_until (&w.done);
  if (w.error != NULL)
    g_propagate_error (error, g_steal_pointer (&w.error));
  return pg;
}

static DuetPgConnection *
connect_test (void)
{
  g_autoptr(GError) error = NULL;
  DuetPgConnection *pg = connect_to (g_getenv ("DUET_TEST_PG"), 10000, &error);

  g_assert_no_error (error);
  g_assert_cmpint (duet_pg_connection_get_state (pg), ==, DUET_PG_STATE_READY);
  return pg;
}

static PGresult *
query (DuetPgConnection *pg, const char *sql, guint n, const char *const *params, GError **error)
{
  Wait w = { 0 };

  duet_pg_connection_query_async (pg, sql, n, params, NULL, on_result, &w);
  run_until (&w.done);
  if (w.error != NULL)
    g_propagate_error (error, g_steal_pointer (&w.error));
  return w.result;
}

static void
test_parameters (void)
{
  g_autoptr(DuetPgConnection) pg = connect_test ();
  const char *params[] = { "41", NULL, "Grüße; DROP TABLE x" };
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) result = query (pg, "SELECT $1::int + 1, $2::text, $3::text", 3, params, &error);

  g_assert_no_error (error);
  g_assert_cmpint (PQntuples (result), ==, 1);
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "42");
  g_assert_true (PQgetisnull (result, 0, 1));
  g_assert_cmpstr (PQgetvalue (result, 0, 2), ==, "Grüße; DROP TABLE x");
}

/* A refused statement fails alone; the connection goes on */
static void
test_refused (void)
{
  g_autoptr(DuetPgConnection) pg = connect_test ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) bad = query (pg, "SELEC 1", 0, NULL, &error);
  g_autoptr(PGresult) good = NULL;

  g_assert_null (bad);
  g_assert_error (error, DUET_PG_ERROR, DUET_PG_ERROR_QUERY);
  g_assert_nonnull (strstr (error->message, "syntax error"));
  g_clear_error (&error);

  good = query (pg, "SELECT 1", 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (PQgetvalue (good, 0, 0), ==, "1");
}

typedef struct
{
  guint next;
  guint wrong;
} Order;

static void
on_ordered (GObject *source, GAsyncResult *result, gpointer data)
{
  Order *order = data;
  g_autoptr(PGresult) rows = duet_pg_connection_query_finish (DUET_PG_CONNECTION (source), result, NULL);

  if (rows == NULL || (guint) atoi (PQgetvalue (rows, 0, 0)) != order->next)
    order->wrong++;
  order->next++;
}

/* Statements queue and complete in the order they were made */
static void
test_order (void)
{
  g_autoptr(DuetPgConnection) pg = connect_test ();
  Order order = { 0 };

  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *value = g_strdup_printf ("%u", i);
      const char *params[] = { value };

      duet_pg_connection_query_async (pg, "SELECT $1::int", 1, params, NULL, on_ordered, &order);
    }
  while (order.next < 50)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (order.wrong, ==, 0);
}

/* Without parameters a string may hold several statements (migrations);
 * the first failure is what is reported */
static void
test_several_statements (void)
{
  g_autoptr(DuetPgConnection) pg = connect_test ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) result = query (pg, "CREATE TEMP TABLE t (x int); INSERT INTO t VALUES (1), (2);"
                                           "SELECT count(*) FROM t", 0, NULL, &error);
  g_autoptr(PGresult) failed = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "2");

  failed = query (pg, "INSERT INTO t VALUES (3); SELECT * FROM missing; SELECT 1", 0, NULL, &error);
  g_assert_error (error, DUET_PG_ERROR, DUET_PG_ERROR_QUERY);
  g_assert_nonnull (strstr (error->message, "missing"));
}

static gboolean
count_tick (gpointer data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

/* The main loop runs while a statement does: that is the point */
static void
test_loop_runs (void)
{
  g_autoptr(DuetPgConnection) pg = connect_test ();
  guint ticks = 0;
  guint timer = g_timeout_add (20, count_tick, &ticks);
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) result = query (pg, "SELECT pg_sleep(0.4)", 0, NULL, &error);

  g_source_remove (timer);
  g_assert_no_error (error);
  g_assert_cmpuint (ticks, >=, 5);
}

typedef struct
{
  char *channel;
  char *payload;
} Heard;

static void
on_notification (DuetPgConnection *pg, const char *channel, const char *payload, Heard *heard)
{
  heard->channel = g_strdup (channel);
  heard->payload = g_strdup (payload);
}

/* A NOTIFY reaches a connection that LISTENs, without a statement of its own */
static void
test_notify (void)
{
  g_autoptr(DuetPgConnection) listener = connect_test ();
  g_autoptr(DuetPgConnection) sender = connect_test ();
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) listen = query (listener, "LISTEN duet_test", 0, NULL, &error);
  g_autoptr(PGresult) notify = NULL;
  Heard heard = { 0 };

  g_assert_no_error (error);
  g_signal_connect (listener, "notification", G_CALLBACK (on_notification), &heard);
  notify = query (sender, "SELECT pg_notify('duet_test', 'alice revoked')", 0, NULL, &error);
  g_assert_no_error (error);
  while (heard.channel == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (heard.channel, ==, "duet_test");
  g_assert_cmpstr (heard.payload, ==, "alice revoked");
  g_free (heard.channel);
  g_free (heard.payload);
}

/* Nothing listens: refused at once, with libpq's reason */
static void
test_refused_connection (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetPgConnection) pg = connect_to ("hostaddr=127.0.0.1 port=1 user=duet", 10000, &error);
  g_autoptr(GError) query_error = NULL;
  g_autoptr(PGresult) result = NULL;

  g_assert_error (error, DUET_PG_ERROR, DUET_PG_ERROR_UNAVAILABLE);
  g_assert_cmpint (duet_pg_connection_get_state (pg), ==, DUET_PG_STATE_DISCONNECTED);
  g_assert_nonnull (duet_pg_connection_get_last_error (pg));

  result = query (pg, "SELECT 1", 0, NULL, &query_error);
  g_assert_error (query_error, DUET_PG_ERROR, DUET_PG_ERROR_UNAVAILABLE);
}

/* Something accepts the TCP connection and never answers: our timer, not
 * libpq's connect_timeout (which a non-blocking connect ignores) */
static void
test_connect_timeout (void)
{
  g_autoptr(GSocket) mute = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetPgConnection) pg = NULL;
  g_autofree char *conninfo = NULL;
  gint64 start;

  g_assert_true (g_socket_bind (mute, any, TRUE, NULL));
  g_assert_true (g_socket_listen (mute, NULL));
  bound = g_socket_get_local_address (mute, NULL);
  conninfo = g_strdup_printf ("hostaddr=127.0.0.1 port=%u user=duet",
                              g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  start = g_get_monotonic_time ();
  pg = connect_to (conninfo, 300, &error);
  g_assert_error (error, DUET_PG_ERROR, DUET_PG_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
  g_assert_cmpint (duet_pg_connection_get_state (pg), ==, DUET_PG_STATE_DISCONNECTED);
}

/* Statements still waiting when the connection is closed fail, once */
static void
test_close (void)
{
  g_autoptr(DuetPgConnection) pg = connect_test ();
  Wait first = { 0 }, second = { 0 };

  duet_pg_connection_query_async (pg, "SELECT pg_sleep(1)", 0, NULL, NULL, on_result, &first);
  duet_pg_connection_query_async (pg, "SELECT 2", 0, NULL, NULL, on_result, &second);
  duet_pg_connection_close (pg);
  run_until (&first.done);
  run_until (&second.done);
  g_assert_error (first.error, DUET_PG_ERROR, DUET_PG_ERROR_UNAVAILABLE);
  g_assert_error (second.error, DUET_PG_ERROR, DUET_PG_ERROR_UNAVAILABLE);
  wait_clear (&first);
  wait_clear (&second);
}

static void
on_state (DuetPgConnection *pg, GParamSpec *pspec, gboolean *down)
{
  if (duet_pg_connection_get_state (pg) == DUET_PG_STATE_DISCONNECTED)
    *down = TRUE;
}

/* The server goes away: the running statement fails, an idle connection
 * notices by itself, and once the server is back a new connect works */
static void
test_server_gone (void)
{
  g_autoptr(DuetPgConnection) busy = connect_test ();
  g_autoptr(DuetPgConnection) idle = connect_test ();
  g_autoptr(DuetPgConnection) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) result = NULL;
  gboolean idle_down = FALSE;
  Wait w = { 0 };

  g_signal_connect (idle, "notify::state", G_CALLBACK (on_state), &idle_down);
  duet_pg_connection_query_async (busy, "SELECT pg_sleep(30)", 0, NULL, NULL, on_result, &w);
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);

  duet_test_run_env_command ("DUET_TEST_PG_STOP");
  run_until (&w.done);
  g_assert_error (w.error, DUET_PG_ERROR, DUET_PG_ERROR_UNAVAILABLE);
  g_assert_cmpint (duet_pg_connection_get_state (busy), ==, DUET_PG_STATE_DISCONNECTED);
  run_until (&idle_down);
  wait_clear (&w);

  duet_test_run_env_command ("DUET_TEST_PG_START");
  again = connect_test ();
  result = query (again, "SELECT 7", 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (PQgetvalue (result, 0, 0), ==, "7");
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

  g_test_add_func ("/server/pg/parameters", test_parameters);
  g_test_add_func ("/server/pg/refused-statement", test_refused);
  g_test_add_func ("/server/pg/order", test_order);
  g_test_add_func ("/server/pg/several-statements", test_several_statements);
  g_test_add_func ("/server/pg/loop-runs", test_loop_runs);
  g_test_add_func ("/server/pg/notify", test_notify);
  g_test_add_func ("/server/pg/refused-connection", test_refused_connection);
  g_test_add_func ("/server/pg/connect-timeout", test_connect_timeout);
  g_test_add_func ("/server/pg/close", test_close);
  g_test_add_func ("/server/pg/server-gone", test_server_gone);
  return g_test_run ();
}
