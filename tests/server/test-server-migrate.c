/* test-server-migrate.c: `duet-server migrate` from a SQLite node into a
 * real PostgreSQL store
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run through pgenv.py (DUET_TEST_PG). A server on SQLite gets accounts,
 * devices signed in with their passwords, an answered call, a missed
 * one, another missed one marked seen and a removed account; it is
 * stopped and copied. A server on the
 * copy then takes the very tokens the SQLite server signed, and the
 * passwords; the history, the devices and the missed call waiting for
 * its callee are as they were, and a new account gets an id the old
 * store never gave. What a killed server left in its -wal file is copied. Migrating into a store that is not empty, from a file
 * a server has open, from a file that is not there or to a database that
 * is not one are refused, and say why.
 */
#include <string.h>

#include <libpq-fe.h>

#include "duet-test-client.h"

/* A server on the PostgreSQL store @store whose accounts are already there */
static DuetTestServer *
server_on_store (const char *store)
{
  DuetTestServer *server = g_new0 (DuetTestServer, 1);
  g_autoptr(GError) error = NULL;

  server->tmpdir = g_dir_make_tmp ("duet-server-test-XXXXXX", &error);
  g_assert_no_error (error);
  server->db = g_build_filename (server->tmpdir, "duet.db", NULL);
  server->store_uri = g_strdup (store);
  return server;
}

/* POST /v1/token with the password: the token, or NULL and *status */
static char *
password_token (DuetTestServer *server,
                const char     *user,
                const char     *device_id,
                guint          *out_status)
{
  g_autofree char *request = g_strdup_printf ("{\"user\":\"%s\",\"password\":\"pw-%s\",\"device_id\":\"%s\","
                                              "\"device_name\":\"%s of %s\"}",
                                              user, user, device_id, device_id, user);
  g_autofree char *body = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  guint status = duet_test_http (server, "POST", "/v1/token", request, &body, NULL);

  if (out_status != NULL)
    *out_status = status;
  if (status != 200)
    return NULL;
  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  return g_strdup (duet_test_get_string (json_node_get_object (json_parser_get_root (parser)), "token"));
}

static DuetTestClient *
connect_with (DuetTestServer *server,
              const char     *token)
{
  DuetTestClient *client = duet_test_client_connect (server, token, NULL);

  g_assert_nonnull (client);
  client->hello = duet_test_client_wait_event (client, "hello", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (client->hello);
  return client;
}

/* A member of a reply as JSON text, to compare before and after */
static char *
reply_member (DuetTestClient *client,
              const char     *request,
              const char     *member)
{
  g_autoptr(JsonObject) reply = duet_test_client_request (client, request);

  duet_test_assert_reply (reply);
  return json_to_string (json_object_get_member (reply, member), FALSE);
}

static char *
history_of (DuetTestClient *client)
{
  return reply_member (client, "{\"type\":\"history\",\"limit\":50}", "calls");
}

/* A device as the account's devices list shows it, without what depends
 * on the connection (online, current) */
static char *
device_of (DuetTestClient *client,
           const char     *device_id)
{
  g_autoptr(JsonObject) reply = duet_test_client_request (client, "{\"type\":\"devices\"}");
  JsonArray *devices;

  duet_test_assert_reply (reply);
  devices = json_object_get_array_member (reply, "devices");
  for (guint i = 0; i < json_array_get_length (devices); i++)
    {
      JsonObject *device = json_array_get_object_element (devices, i);

      if (g_strcmp0 (duet_test_get_string (device, "device_id"), device_id) == 0)
        return g_strdup_printf ("%s|%s|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT, device_id,
                                duet_test_get_string (device, "name"),
                                json_object_get_int_member (device, "created_at"),
                                json_object_get_int_member (device, "last_seen_at"));
    }
  return NULL;
}

static int
migrate (const char  *db,
         const char  *store,
         gboolean     force,
         char       **out_stdout,
         char       **out_stderr)
{
  const char *argv[] = { "migrate", "--db", db, "--store", store, force ? "--force" : NULL, NULL };

  return duet_test_run_cli (argv, NULL, out_stdout, out_stderr);
}

/* The row counts migrate printed for @table: both columns, which agree */
static gint64
printed_count (const char *out,
               const char *table)
{
  g_auto(GStrv) lines = g_strsplit (out, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) words = g_strsplit_set (lines[i], " ", -1);
      g_autoptr(GPtrArray) fields = g_ptr_array_new ();

      for (guint j = 0; words[j] != NULL; j++)
        if (*words[j] != '\0')
          g_ptr_array_add (fields, words[j]);
      if (fields->len == 3 && g_str_equal (g_ptr_array_index (fields, 0), table))
        {
          g_assert_cmpstr (g_ptr_array_index (fields, 1), ==, g_ptr_array_index (fields, 2));
          return g_ascii_strtoll (g_ptr_array_index (fields, 1), NULL, 10);
        }
    }
  g_assert_not_reached ();
}

static gint64
pg_int (const char *store,
        const char *sql)
{
  PGconn *pg = PQconnectdb (store);
  PGresult *result;
  gint64 value;

  g_assert_cmpint (PQstatus (pg), ==, CONNECTION_OK);
  result = PQexec (pg, sql);
  g_assert_cmpint (PQresultStatus (result), ==, PGRES_TUPLES_OK);
  g_assert_cmpint (PQntuples (result), ==, 1);
  value = g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
  PQclear (result);
  PQfinish (pg);
  return value;
}

static void
test_migrate (void)
{
  g_autoptr(DuetTestServer) sqlite = duet_test_server_new (NULL);
  g_autoptr(DuetTestServer) pg = NULL;
  g_autoptr(DuetTestClient) alice = NULL;
  g_autoptr(DuetTestClient) bob = NULL;
  g_autofree char *store = duet_test_pg_database ();
  g_autofree char *alice_token = NULL, *bob_token = NULL, *desk_token = NULL, *again = NULL;
  g_autofree char *answered = NULL, *missed_id = NULL;
  g_autofree char *history_before = NULL, *history_after = NULL;
  g_autofree char *desk_before = NULL, *desk_after = NULL;
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr(JsonObject) missed = NULL;
  g_autoptr(DuetTestClient) carol = NULL;
  g_autofree char *carol_token = NULL, *seen_id = NULL, *carol_before = NULL, *carol_after = NULL;
  const char *remove_dave[] = { "user", "remove", "--db", sqlite->db, "--user", "dave", NULL };
  const char *add_erin[] = { "user", "add", "--store", store, "--user", "erin",
                             "--password-stdin", "--kdf-cost", "min", NULL };
  guint status = 0;

  /* the newest account is removed: new ones must not get its id again */
  duet_test_server_add_user (sqlite, "dave");
  g_assert_cmpint (duet_test_run_cli (remove_dave, NULL, NULL, NULL), ==, 0);

  duet_test_server_start (sqlite);
  alice_token = password_token (sqlite, "alice", "laptop", NULL);
  desk_token = password_token (sqlite, "alice", "desk", NULL);
  bob_token = password_token (sqlite, "bob", "phone", NULL);
  g_assert_nonnull (alice_token);
  g_assert_nonnull (desk_token);
  g_assert_nonnull (bob_token);
  alice = connect_with (sqlite, alice_token);
  bob = connect_with (sqlite, bob_token);

  answered = duet_test_connect_call (alice, bob, "bob");
  duet_test_expect_reply (alice, "{\"type\":\"end_call\",\"call_id\":\"%s\"}", answered);
  duet_test_assert_disconnected (alice, answered, "NORMAL", "CALLER", FALSE);
  duet_test_assert_disconnected (bob, answered, "NORMAL", "CALLER", TRUE);
  g_clear_pointer (&bob, duet_test_client_free);

  /* bob is away: he hears of this one at his next sign-in */
  missed_id = duet_test_make_call (alice, "bob", NULL, NULL);
  duet_test_assert_disconnected (alice, missed_id, "NOANSWER", "CALLER", FALSE);

  /* carol too, and she marks it seen: it is not news after the move */
  seen_id = duet_test_make_call (alice, "carol", NULL, NULL);
  duet_test_assert_disconnected (alice, seen_id, "NOANSWER", "CALLER", FALSE);
  carol_token = password_token (sqlite, "carol", "pad", NULL);
  g_assert_nonnull (carol_token);
  carol = connect_with (sqlite, carol_token);
  g_clear_pointer (&missed, json_object_unref);
  missed = duet_test_client_wait_event (carol, "missed_call", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (missed);
  duet_test_expect_reply (carol, "{\"type\":\"mark_seen\",\"call_id\":\"%s\"}", seen_id);
  carol_before = history_of (carol);
  g_assert_nonnull (strstr (carol_before, "\"seen\":true"));
  g_clear_pointer (&carol, duet_test_client_free);
  g_clear_pointer (&missed, json_object_unref);

  history_before = history_of (alice);
  desk_before = device_of (alice, "desk");
  g_assert_nonnull (desk_before);
  g_clear_pointer (&alice, duet_test_client_free);

  /* the server still has the file open */
  g_assert_cmpint (migrate (sqlite->db, store, FALSE, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "in use"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (duet_test_server_stop (sqlite), ==, 0);
  g_assert_cmpint (migrate (sqlite->db, store, FALSE, &out, &err), ==, 0);
  g_assert_cmpint (printed_count (out, "users"), ==, 3);
  g_assert_cmpint (printed_count (out, "revoked"), ==, 1);
  g_assert_cmpint (printed_count (out, "devices"), ==, 4);
  g_assert_cmpint (printed_count (out, "calls"), ==, 3);
  g_assert_cmpint (printed_count (out, "meta"), ==, 2);
  g_assert_cmpint (pg_int (store, "SELECT count(*) FROM users"), ==, 3);
  g_assert_cmpint (pg_int (store, "SELECT count(*) FROM calls"), ==, 3);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  pg = server_on_store (store);
  duet_test_server_start (pg);

  /* the tokens the SQLite server signed */
  alice = connect_with (pg, alice_token);
  history_after = history_of (alice);
  g_assert_cmpstr (history_after, ==, history_before);
  desk_after = device_of (alice, "desk");
  g_assert_cmpstr (desk_after, ==, desk_before);

  bob = connect_with (pg, bob_token);
  missed = duet_test_client_wait_event (bob, "missed_call", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (missed);
  g_assert_cmpstr (duet_test_get_string (missed, "call_id"), ==, missed_id);
  g_assert_cmpstr (duet_test_get_string (missed, "caller_user"), ==, "alice");
  duet_test_assert_quiet (bob, 300);

  carol = connect_with (pg, carol_token);
  carol_after = history_of (carol);
  g_assert_cmpstr (carol_after, ==, carol_before);
  duet_test_assert_quiet (carol, 300);

  /* and the passwords */
  again = password_token (pg, "bob", "phone", &status);
  g_assert_cmpuint (status, ==, 200);
  g_assert_nonnull (again);

  /* alice 1, bob 2, carol 3, dave (removed) 4 */
  g_assert_cmpint (duet_test_run_cli (add_erin, "pw-erin\n", NULL, NULL), ==, 0);
  g_assert_cmpint (pg_int (store, "SELECT id FROM users WHERE \"user\" = 'erin'"), ==, 5);

  g_clear_pointer (&alice, duet_test_client_free);
  g_clear_pointer (&bob, duet_test_client_free);
  g_clear_pointer (&carol, duet_test_client_free);
  g_assert_cmpint (duet_test_server_stop (pg), ==, 0);

  /* a second copy into the same store: refused, and nothing changed */
  g_assert_cmpint (migrate (sqlite->db, store, FALSE, &out, &err), ==, 1);
  g_assert_nonnull (strstr (err, "not empty"));
  g_assert_nonnull (strstr (err, "--force"));
  g_assert_cmpint (pg_int (store, "SELECT count(*) FROM users"), ==, 4);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  /* --force: the store holds the file's rows again, erin is gone */
  g_assert_cmpint (migrate (sqlite->db, store, TRUE, &out, &err), ==, 0);
  g_assert_cmpint (printed_count (out, "users"), ==, 3);
  g_assert_cmpint (pg_int (store, "SELECT count(*) FROM users WHERE \"user\" = 'erin'"), ==, 0);
}

static void
test_errors (void)
{
  g_autofree char *store = duet_test_pg_database ();
  g_autofree char *dir = g_dir_make_tmp ("duet-migrate-XXXXXX", NULL);
  g_autofree char *missing = g_build_filename (dir, "nothing.db", NULL);
  g_autofree char *text = g_build_filename (dir, "text.db", NULL);
  g_autofree char *err = NULL;
  const char *no_store[] = { "migrate", "--db", missing, NULL };

  /* no file: said so, and none is made */
  g_assert_cmpint (migrate (missing, store, FALSE, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "There is no SQLite database"));
  g_assert_false (g_file_test (missing, G_FILE_TEST_EXISTS));
  g_clear_pointer (&err, g_free);

  /* a file that is not a database */
  g_assert_true (g_file_set_contents (text, "not a database, but long enough to be read as one by SQLite, "
                                      "which wants a header of a hundred bytes or so before it says no.\n",
                                      -1, NULL));
  g_assert_cmpint (migrate (text, store, FALSE, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, text));
  g_clear_pointer (&err, g_free);

  /* not a connection string */
  g_assert_cmpint (migrate (missing, "nonsense", FALSE, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--store takes a PostgreSQL connection string"));
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (duet_test_run_cli (no_store, NULL, NULL, &err), ==, 2);
  g_assert_nonnull (strstr (err, "--store URI"));
  g_clear_pointer (&err, g_free);

  duet_test_remove_tree (dir);
}

/* A server that was killed leaves its last writes in the -wal file: they
 * are copied too */
static void
test_after_crash (void)
{
  g_autoptr(DuetTestServer) sqlite = duet_test_server_new (NULL);
  g_autoptr(DuetTestClient) alice = NULL;
  g_autofree char *store = duet_test_pg_database ();
  g_autofree char *call_id = NULL, *out = NULL, *wal = g_strconcat (sqlite->db, "-wal", NULL);
  g_autofree char *query = NULL;

  duet_test_server_start (sqlite);
  alice = duet_test_client_sign_in (sqlite, "alice");
  call_id = duet_test_make_call (alice, "bob", NULL, NULL);
  duet_test_assert_disconnected (alice, call_id, "NOANSWER", "CALLER", FALSE);
  duet_test_server_kill (sqlite);
  g_assert_true (g_file_test (wal, G_FILE_TEST_EXISTS));

  g_assert_cmpint (migrate (sqlite->db, store, FALSE, &out, NULL), ==, 0);
  g_assert_cmpint (printed_count (out, "calls"), ==, 1);
  /* in whatever state it was last written: the kill may come before the
   * end is (a server started on the store ends it, as after a restart) */
  query = g_strdup_printf ("SELECT count(*) FROM calls WHERE call_id = '%s'", call_id);
  g_assert_cmpint (pg_int (store, query), ==, 1);
}

/* A server that cannot be reached: said so, with libpq's reason */
static void
test_unreachable (void)
{
  g_autoptr(DuetTestServer) sqlite = duet_test_server_new (NULL);
  g_autofree char *err = NULL;

  g_assert_cmpint (migrate (sqlite->db, "postgresql://duet@127.0.0.1:1/duet", FALSE, NULL, &err), ==, 1);
  g_assert_nonnull (strstr (err, "cannot be reached"));
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("DUET_TEST_PG") == NULL)
    {
      g_test_skip ("run through tests/server/pgenv.py");
      return 77;
    }

  g_test_add_func ("/server/migrate/copy", test_migrate);
  g_test_add_func ("/server/migrate/after-crash", test_after_crash);
  g_test_add_func ("/server/migrate/errors", test_errors);
  g_test_add_func ("/server/migrate/unreachable", test_unreachable);
  return g_test_run ();
}
