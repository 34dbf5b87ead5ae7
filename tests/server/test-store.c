/* test-store.c: the per-account queries of DuetStore read only that
 * account's rows, pruning keeps what the limits say, and a round-one
 * database gains account ids
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Work is counted in SQLite virtual-machine steps (duet_sqlite_store_get_vm_steps),
 * which, unlike time, do not depend on the machine or its load: a query
 * that scans the table takes a step per row of it.
 */
#include <glib/gstdio.h>
#include <sqlite3.h>

#include "duet-sqlite-store.h"
#include "duet-test-client.h"

#define OTHERS_ROWS   20000

/* The store's reads are asynchronous; SQLite's complete on the next
 * iteration */
static void
on_loaded (GObject *source, GAsyncResult *result, gpointer data)
{
  *(GAsyncResult **) data = g_object_ref (result);
}

static GPtrArray *
load_pending (DuetStore *store, gint64 account, const char *device, guint limit, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(DuetStoreEvents) events = NULL;

  duet_store_load_events_async (store, account, device, G_MAXINT64, limit, NULL, on_loaded, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  events = duet_store_load_events_finish (store, result, error);
  return events != NULL ? g_steal_pointer (&events->pending) : NULL;
}

static GPtrArray *
load_history (DuetStore *store, gint64 account, gint64 before, guint limit, GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  duet_store_load_history_async (store, account, before, limit, NULL, on_loaded, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  return duet_store_load_history_finish (store, result, error);
}

typedef struct
{
  char      *dir;
  char      *path;
  DuetStore *store;
  gint64     victim;
  gint64     other;
} Fixture;

static gint64
add_user (DuetStore  *store,
          const char *name)
{
  g_autoptr(GError) error = NULL;
  gint64 id = 0;

  g_assert_true (duet_store_add_user (store, "duet", name, "pw", DUET_KDF_COST_MIN, &error));
  g_assert_no_error (error);
  g_assert_true (duet_store_lookup_user (store, "duet", name, &id, NULL, NULL, &error));
  g_assert_cmpint (id, >, 0);
  return id;
}

static void
exec_sql (sqlite3    *db,
          const char *sql)
{
  char *message = NULL;

  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
}

/* Ended calls between @caller and @callee, straight into the file, with
 * invited_at from @first_ms on; @pending marks the callee's notice pending */
static void
insert_calls (Fixture *f,
              gint64   caller,
              gint64   callee,
              guint    n,
              gint64   first_ms,
              gboolean pending)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open (f->path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  exec_sql (db, "BEGIN");
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "INSERT INTO calls (call_id, caller_user, caller_service, callee_user,"
                                       " callee_service, media_type, state, invited_at, ended_at, reason, source,"
                                       " callee_pending, caller_id, callee_id)"
                                       " VALUES (?, 'a', 'duet', 'b', 'duet', 'audio', 'ended', ?, ?, 'CANCEL',"
                                       " 'CALLER', ?, ?, ?)", -1, &stmt, NULL), ==, SQLITE_OK);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_uuid_string_random ();

      sqlite3_bind_text (stmt, 1, id, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 2, first_ms + i);
      sqlite3_bind_int64 (stmt, 3, first_ms + i + 1);
      sqlite3_bind_int (stmt, 4, pending);
      sqlite3_bind_int64 (stmt, 5, caller);
      sqlite3_bind_int64 (stmt, 6, callee);
      g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_DONE);
      sqlite3_reset (stmt);
    }
  sqlite3_finalize (stmt);
  exec_sql (db, "COMMIT");
  sqlite3_close (db);
}

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  f->dir = g_dir_make_tmp ("duet-store-test-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "duet.db", NULL);
  f->store = duet_sqlite_store_open (f->path, &error);
  g_assert_no_error (error);
  f->victim = add_user (f->store, "victim");
  f->other = add_user (f->store, "other");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);

  g_clear_object (&f->store);
  g_unlink (f->path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

typedef struct
{
  guint64 pending;
  guint64 history;
} Steps;

static Steps
measure (Fixture *f)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) history = NULL;
  Steps steps;
  guint64 before = duet_sqlite_store_get_vm_steps (DUET_SQLITE_STORE (f->store));

  pending = load_pending (f->store, f->victim, "d1", 100, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pending->len, ==, 3);
  steps.pending = duet_sqlite_store_get_vm_steps (DUET_SQLITE_STORE (f->store)) - before;

  before = duet_sqlite_store_get_vm_steps (DUET_SQLITE_STORE (f->store));
  history = load_history (f->store, f->victim, 0, 50, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 8);
  steps.history = duet_sqlite_store_get_vm_steps (DUET_SQLITE_STORE (f->store)) - before;
  return steps;
}

static void
test_cost_is_per_account (Fixture *f, gconstpointer data)
{
  gint64 third = add_user (f->store, "third");
  Steps small, large;

  insert_calls (f, f->other, f->victim, 3, 1000, TRUE);
  insert_calls (f, f->victim, f->other, 5, 2000, FALSE);
  small = measure (f);

  /* a flood between other accounts, with their own pending notices */
  insert_calls (f, f->other, third, OTHERS_ROWS, 10000, TRUE);
  large = measure (f);

  g_test_message ("VM steps with %d other rows: pending %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT
                  ", history %" G_GUINT64_FORMAT " -> %" G_GUINT64_FORMAT,
                  OTHERS_ROWS, small.pending, large.pending, small.history, large.history);
  g_assert_cmpuint (large.pending, ==, small.pending);
  g_assert_cmpuint (large.history, ==, small.history);
  g_assert_cmpuint (large.pending, <, 1000);
  g_assert_cmpuint (large.history, <, 1000);
}

static void
test_pending_newest_first (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  g_autoptr(GPtrArray) after = NULL;

  insert_calls (f, f->other, f->victim, 40, 1000, TRUE);
  pending = load_pending (f->store, f->victim, "d1", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (pending->len, ==, 10);
  for (guint i = 0; i < pending->len; i++)
    g_assert_cmpint (((DuetCallRecord *) g_ptr_array_index (pending, i))->invited_at, ==, 1039 - i);

  g_assert_true (duet_store_clear_pending (f->store, f->victim, "d1", &error));
  after = load_pending (f->store, f->victim, "d1", 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (after->len, ==, 0);
}

static guint
count_rows (Fixture    *f,
            const char *where)
{
  g_autofree char *sql = g_strconcat ("SELECT COUNT(*) FROM calls WHERE ", where, NULL);
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint n;

  g_assert_cmpint (sqlite3_open_v2 (f->path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return n;
}

static void
test_prune (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 now_ms = g_get_real_time () / 1000;
  gint64 third = add_user (f->store, "third");
  gint64 deleted;

  insert_calls (f, f->other, f->victim, 12, now_ms - 100000, FALSE);
  insert_calls (f, f->other, third, 4, 1000, FALSE);          /* years old */

  /* only the accounts named: the victim keeps 5, the old calls stay */
  g_array_append_val (ids, f->victim);
  deleted = duet_store_prune (f->store, 0, 5, ids, &error);
  g_assert_no_error (error);
  g_assert_cmpint (deleted, ==, 7);
  g_assert_cmpuint (count_rows (f, "callee_id = (SELECT id FROM users WHERE user = 'victim')"), ==, 5);
  g_assert_cmpuint (count_rows (f, "invited_at < 10000"), ==, 4);

  /* everyone, with retention: the years-old calls go */
  deleted = duet_store_prune (f->store, now_ms - 24 * 3600 * 1000, 5, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (deleted, ==, 4);
  g_assert_cmpuint (count_rows (f, "1"), ==, 5);
}

/* Round one's schema: accounts by name only */
static const char round_one[] =
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
  "CREATE TABLE users (service TEXT NOT NULL, user TEXT NOT NULL, pwhash TEXT NOT NULL,"
  "  token_version INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
  "  PRIMARY KEY (service, user));"
  "CREATE TABLE revoked (service TEXT NOT NULL, user TEXT NOT NULL, token_version INTEGER NOT NULL,"
  "  PRIMARY KEY (service, user));"
  "CREATE TABLE calls (call_id TEXT PRIMARY KEY,"
  "  caller_user TEXT NOT NULL, caller_service TEXT NOT NULL,"
  "  callee_user TEXT NOT NULL, callee_service TEXT NOT NULL,"
  "  media_type TEXT NOT NULL, state TEXT NOT NULL,"
  "  invited_at INTEGER NOT NULL, verified_at INTEGER, answered_at INTEGER,"
  "  ended_at INTEGER, reason TEXT, source TEXT, cc_param TEXT,"
  "  caller_pending INTEGER NOT NULL DEFAULT 0, callee_pending INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX calls_state ON calls (state);"
  "INSERT INTO users VALUES ('duet', 'alice', 'x', 0, 1), ('duet', 'bob', 'x', 2, 2);"
  "INSERT INTO calls (call_id, caller_user, caller_service, callee_user, callee_service, media_type,"
  "  state, invited_at, callee_pending) VALUES"
  "  ('c1', 'alice', 'duet', 'bob', 'duet', 'audio', 'ended', 10, 1),"
  "  ('c2', 'zed', 'duet', 'alice', 'duet', 'audio', 'ended', 20, 1);";

static void
test_migrate_round_one (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("duet-store-test-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "old.db", NULL);
  g_autoptr(DuetStore) store = NULL;
  g_autoptr(GPtrArray) alice_history = NULL;
  g_autoptr(GPtrArray) bob_pending = NULL;
  g_autoptr(GPtrArray) alice_pending = NULL;
  sqlite3 *db = NULL;
  gint64 alice = 0, bob = 0, tv = -1, carol = 0;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_sql (db, round_one);
  sqlite3_close (db);

  store = duet_sqlite_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (duet_store_lookup_user (store, "duet", "alice", &alice, NULL, NULL, &error));
  g_assert_true (duet_store_lookup_user (store, "duet", "bob", &bob, NULL, &tv, &error));
  g_assert_cmpint (alice, >, 0);
  g_assert_cmpint (bob, >, alice);
  g_assert_cmpint (tv, ==, 2);

  /* alice keeps her call with bob; zed's account is gone, so c2 has no
   * caller and stays alice's only as callee */
  alice_history = load_history (store, alice, 0, 50, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (alice_history->len, ==, 2);
  bob_pending = load_pending (store, bob, "d1", 10, &error);
  g_assert_cmpuint (bob_pending->len, ==, 1);
  g_assert_cmpstr (((DuetCallRecord *) g_ptr_array_index (bob_pending, 0))->call_id, ==, "c1");
  alice_pending = load_pending (store, alice, "d1", 10, &error);
  g_assert_cmpuint (alice_pending->len, ==, 1);
  g_assert_cmpint (((DuetCallRecord *) g_ptr_array_index (alice_pending, 0))->caller_id, ==, 0);

  /* a new account never gets an old id, not even a removed one's */
  g_assert_true (duet_store_remove_user (store, "duet", "bob", &error));
  carol = add_user (store, "carol");
  g_assert_cmpint (carol, >, bob);
  g_clear_object (&store);

  /* opening again changes nothing */
  store = duet_sqlite_store_open (path, &error);
  g_assert_no_error (error);
}

/* Version 1: account ids, no user codes */
static const char version_one[] =
  "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
  "CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  service TEXT NOT NULL, user TEXT NOT NULL, pwhash TEXT NOT NULL,"
  "  token_version INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
  "  UNIQUE (service, user));"
  "CREATE TABLE revoked (service TEXT NOT NULL, user TEXT NOT NULL, token_version INTEGER NOT NULL,"
  "  PRIMARY KEY (service, user));"
  "CREATE TABLE calls (call_id TEXT PRIMARY KEY,"
  "  caller_user TEXT NOT NULL, caller_service TEXT NOT NULL,"
  "  callee_user TEXT NOT NULL, callee_service TEXT NOT NULL,"
  "  media_type TEXT NOT NULL, state TEXT NOT NULL,"
  "  invited_at INTEGER NOT NULL, verified_at INTEGER, answered_at INTEGER,"
  "  ended_at INTEGER, reason TEXT, source TEXT, cc_param TEXT,"
  "  caller_pending INTEGER NOT NULL DEFAULT 0, callee_pending INTEGER NOT NULL DEFAULT 0,"
  "  caller_id INTEGER, callee_id INTEGER);"
  "INSERT INTO users (service, user, pwhash, created_at) VALUES ('duet', 'alice', 'x', 1), ('duet', 'bob', 'x', 2);"
  "INSERT INTO calls (call_id, caller_user, caller_service, callee_user, callee_service, media_type,"
  "  state, invited_at, reason, source, caller_id, callee_id) VALUES"
  "  ('c1', 'alice', 'duet', 'bob', 'duet', 'audio', 'ended', 10, 'NORMAL', 'CALLER', 1, 2);"
  "PRAGMA user_version = 1;";

static gint64
schema_version (const char *path)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 version;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  version = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return version;
}

/* Version 1 gains the user_code column; its calls keep theirs (none) */
static void
test_migrate_version_one (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("duet-store-test-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "v1.db", NULL);
  g_autoptr(DuetStore) store = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(DuetCallRecord) call = duet_call_record_new ();
  DuetCallRecord *old;
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  exec_sql (db, version_one);
  sqlite3_close (db);

  store = duet_sqlite_store_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (schema_version (path), ==, 3);
  history = load_history (store, 1, 0, 50, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 1);
  old = g_ptr_array_index (history, 0);
  g_assert_cmpstr (old->call_id, ==, "c1");
  g_assert_cmpint (old->reason, ==, DUET_DISCONNECT_REASON_NORMAL);
  g_assert_null (old->user_code);
  g_clear_pointer (&history, g_ptr_array_unref);

  call->call_id = g_strdup ("c2");
  call->caller_user = g_strdup ("alice");
  call->caller_service = g_strdup ("duet");
  call->callee_user = g_strdup ("bob");
  call->callee_service = g_strdup ("duet");
  call->caller_id = 1;
  call->callee_id = 2;
  call->media_type = DUET_MEDIA_TYPE_AUDIO;
  call->state = DUET_CALL_RECORD_STATE_ENDED;
  call->invited_at = 20;
  call->reason = DUET_DISCONNECT_REASON_USER_ERROR;
  call->source = DUET_DISCONNECT_SOURCE_CALLEE;
  call->user_code = g_strdup ("E42");
  g_assert_true (duet_store_save_call (store, call, &error));
  g_clear_object (&store);

  /* opening again changes nothing */
  store = duet_sqlite_store_open (path, &error);
  g_assert_no_error (error);
  history = load_history (store, 2, 0, 50, &error);
  g_assert_cmpuint (history->len, ==, 2);
  g_assert_cmpstr (((DuetCallRecord *) g_ptr_array_index (history, 0))->user_code, ==, "E42");
  g_clear_object (&store);
  duet_test_remove_tree (dir);
}

static void
test_readded_name_is_new_account (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) history = NULL;
  g_autoptr(GPtrArray) pending = NULL;
  gint64 again = 0;

  insert_calls (f, f->other, f->victim, 3, 1000, TRUE);
  g_assert_true (duet_store_remove_user (f->store, "duet", "victim", &error));
  again = add_user (f->store, "victim");
  g_assert_cmpint (again, !=, f->victim);

  history = load_history (f->store, again, 0, 50, &error);
  pending = load_pending (f->store, again, "d1", 50, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (history->len, ==, 0);
  g_assert_cmpuint (pending->len, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(name, func) \
  g_test_add ("/server/store/" name, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("cost-is-per-account", test_cost_is_per_account);
  ADD ("pending-newest-first", test_pending_newest_first);
  ADD ("prune", test_prune);
  ADD ("readded-name-is-new-account", test_readded_name_is_new_account);
#undef ADD
  g_test_add_func ("/server/store/migrate-round-one", test_migrate_round_one);
  g_test_add_func ("/server/store/migrate-version-one", test_migrate_version_one);
  return g_test_run ();
}
