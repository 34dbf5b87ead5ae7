/* duet-sqlite-store.c: the store in one SQLite file (the default)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <sqlite3.h>

#include "duet-password.h"
#include "duet-server-error.h"
#include "duet-sqlite-store.h"

struct _DuetSqliteStore
{
  GObject  parent_instance;

  sqlite3 *db;
  guint64  vm_steps;   /* work done by the per-account queries */
};

static void duet_sqlite_store_iface_init (DuetStoreInterface *iface);
static void     sqlite_store_close       (DuetStore          *store);
static gboolean sqlite_store_lookup_user (DuetStore          *store,
                                          const char         *service,
                                          const char         *user,
                                          gint64             *out_id,
                                          char              **out_hash,
                                          gint64             *out_token_version,
                                          GError            **error);

G_DEFINE_FINAL_TYPE_WITH_CODE (DuetSqliteStore, duet_sqlite_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (DUET_TYPE_STORE, duet_sqlite_store_iface_init))

/* Version 1: accounts have a numeric id that is never reused
 * (AUTOINCREMENT), and calls refer to their parties by it, so a name that
 * is removed and added again starts with nothing of the old account's.
 * Version 2: calls keep the user code they ended with (PlanetKit's
 * userReleaseCode).
 * Version 3: accounts have devices; a call keeps which device of each
 * party it belongs to, and when a missed call was marked seen. */
#define SCHEMA_VERSION 3

static const char schema_tables[] =
  "CREATE TABLE IF NOT EXISTS meta ("
  "  key TEXT PRIMARY KEY, value BLOB NOT NULL);"
  "CREATE TABLE IF NOT EXISTS users ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  service TEXT NOT NULL, user TEXT NOT NULL, pwhash TEXT NOT NULL,"
  "  token_version INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
  "  UNIQUE (service, user));"
  /* token versions outlive accounts, so a re-added account cannot revive old tokens */
  "CREATE TABLE IF NOT EXISTS revoked ("
  "  service TEXT NOT NULL, user TEXT NOT NULL, token_version INTEGER NOT NULL,"
  "  PRIMARY KEY (service, user));"
  "CREATE TABLE IF NOT EXISTS calls ("
  "  call_id TEXT PRIMARY KEY,"
  "  caller_user TEXT NOT NULL, caller_service TEXT NOT NULL,"
  "  callee_user TEXT NOT NULL, callee_service TEXT NOT NULL,"
  "  media_type TEXT NOT NULL, state TEXT NOT NULL,"
  "  invited_at INTEGER NOT NULL, verified_at INTEGER, answered_at INTEGER,"
  "  ended_at INTEGER, reason TEXT, source TEXT, cc_param TEXT,"
  "  caller_pending INTEGER NOT NULL DEFAULT 0,"
  "  callee_pending INTEGER NOT NULL DEFAULT 0,"
  "  caller_id INTEGER, callee_id INTEGER, user_code TEXT,"
  "  caller_device TEXT, callee_device TEXT, seen_at INTEGER NOT NULL DEFAULT 0);"
  /* `key` is drawn when the device signs in with its password and goes
   * into its tokens: a device signed out and back in has a new one */
  "CREATE TABLE IF NOT EXISTS devices ("
  "  account_id INTEGER NOT NULL, device_id TEXT NOT NULL, name TEXT NOT NULL,"
  "  key INTEGER NOT NULL, created_at INTEGER NOT NULL, last_seen_at INTEGER NOT NULL,"
  "  PRIMARY KEY (account_id, device_id));";

/* Every query by account reads one of these, never the whole table */
static const char schema_indexes[] =
  "DROP INDEX IF EXISTS calls_caller;"
  "DROP INDEX IF EXISTS calls_callee;"
  "DROP INDEX IF EXISTS calls_state;"
  "CREATE INDEX IF NOT EXISTS calls_by_caller ON calls (caller_id, invited_at);"
  "CREATE INDEX IF NOT EXISTS calls_by_callee ON calls (callee_id, invited_at);"
  "CREATE INDEX IF NOT EXISTS calls_caller_pending ON calls (caller_id) WHERE caller_pending = 1;"
  "CREATE INDEX IF NOT EXISTS calls_callee_pending ON calls (callee_id) WHERE callee_pending = 1;"
  "CREATE INDEX IF NOT EXISTS calls_open ON calls (state) WHERE state != 'ended';"
  "CREATE INDEX IF NOT EXISTS calls_by_time ON calls (invited_at);"
  "CREATE INDEX IF NOT EXISTS calls_unseen ON calls (callee_id, ended_at)"
  "  WHERE state = 'ended' AND answered_at IS NULL AND seen_at = 0;";

/* From round 1's schema, where accounts were known by name only. Calls
 * whose accounts are gone keep no id and so belong to nobody. */
static const char migrate_v0[] =
  "CREATE TABLE users_v1 ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  service TEXT NOT NULL, user TEXT NOT NULL, pwhash TEXT NOT NULL,"
  "  token_version INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
  "  UNIQUE (service, user));"
  "INSERT INTO users_v1 (service, user, pwhash, token_version, created_at)"
  "  SELECT service, user, pwhash, token_version, created_at FROM users ORDER BY created_at;"
  "DROP TABLE users;"
  "ALTER TABLE users_v1 RENAME TO users;"
  "ALTER TABLE calls ADD COLUMN caller_id INTEGER;"
  "ALTER TABLE calls ADD COLUMN callee_id INTEGER;"
  "UPDATE calls SET"
  "  caller_id = (SELECT id FROM users WHERE service = caller_service AND user = caller_user),"
  "  callee_id = (SELECT id FROM users WHERE service = callee_service AND user = callee_user);";

/* From version 1 */
static const char migrate_v1[] =
  "ALTER TABLE calls ADD COLUMN user_code TEXT;";

/* From version 2: calls of before belong to any device of their parties */
static const char migrate_v2[] =
  "ALTER TABLE calls ADD COLUMN caller_device TEXT;"
  "ALTER TABLE calls ADD COLUMN callee_device TEXT;"
  "ALTER TABLE calls ADD COLUMN seen_at INTEGER NOT NULL DEFAULT 0;";

#define CALL_COLUMNS \
  "call_id, caller_user, caller_service, callee_user, callee_service, media_type," \
  " state, invited_at, verified_at, answered_at, ended_at, reason, source, cc_param," \
  " caller_pending, callee_pending, caller_id, callee_id, user_code," \
  " caller_device, callee_device, seen_at"

static gboolean
db_error (DuetSqliteStore  *self,
          GError    **error,
          const char *what)
{
  g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_DATABASE,
               "Database error (%s): %s", what,
               self->db != NULL ? sqlite3_errmsg (self->db) : "cannot open");
  return FALSE;
}

static void
duet_sqlite_store_finalize (GObject *object)
{
  sqlite_store_close (DUET_STORE (object));
  G_OBJECT_CLASS (duet_sqlite_store_parent_class)->finalize (object);
}

static void
duet_sqlite_store_class_init (DuetSqliteStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = duet_sqlite_store_finalize;
}

static void
duet_sqlite_store_init (DuetSqliteStore *self)
{
}

static sqlite3_stmt *
prepare (DuetSqliteStore  *self,
         const char *sql,
         GError    **error)
{
  sqlite3_stmt *stmt = NULL;

  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      db_error (self, error, "prepare");
      return NULL;
    }
  return stmt;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

/* Create the file ourselves so that it is never world-readable: it holds
 * password hashes and the signing keys. */
static gboolean
create_private_file (const char  *path,
                     GError     **error)
{
  int fd = g_open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      int saved_errno = errno;
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_DATABASE,
                   "Cannot open database “%s”: %s", path, g_strerror (saved_errno));
      return FALSE;
    }
  g_close (fd, NULL);
  return TRUE;
}

static gint64
query_int (DuetSqliteStore  *self,
           const char *sql)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (self, sql, NULL);

  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

static gboolean
exec (DuetSqliteStore   *self,
      const char  *sql,
      const char  *what,
      GError     **error)
{
  if (sqlite3_exec (self->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return db_error (self, error, what);
  return TRUE;
}

static gboolean
ensure_schema_locked (DuetSqliteStore  *self,
                      GError    **error)
{
  gint64 version = query_int (self, "PRAGMA user_version");
  gboolean round_one = query_int (self, "SELECT COUNT(*) FROM pragma_table_info('users')"
                                        " WHERE name = 'user'") == 1 &&
                       query_int (self, "SELECT COUNT(*) FROM pragma_table_info('users')"
                                        " WHERE name = 'id'") == 0;
  /* a calls table from before version 2 (or round one) lacks user_code */
  gboolean has_calls = query_int (self, "SELECT COUNT(*) FROM sqlite_master"
                                        " WHERE type = 'table' AND name = 'calls'") == 1;
  gboolean old_calls = version < 2 && has_calls;
  /* and one from before version 3 lacks the devices */
  gboolean calls_v2 = version < 3 && has_calls;

  if (version > SCHEMA_VERSION)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_DATABASE,
                   "The database is from a newer duet-server (schema %" G_GINT64_FORMAT ")", version);
      return FALSE;
    }
  if (round_one && !exec (self, migrate_v0, "migrate to account ids", error))
    return FALSE;
  if (old_calls && !exec (self, migrate_v1, "migrate to user codes", error))
    return FALSE;
  if (calls_v2 && !exec (self, migrate_v2, "migrate to devices", error))
    return FALSE;
  return exec (self, schema_tables, "schema", error) &&
         exec (self, schema_indexes, "indexes", error) &&
         exec (self, "PRAGMA user_version = " G_STRINGIFY (SCHEMA_VERSION), "schema version", error);
}

/* In one transaction, so that two processes opening a new file agree */
static gboolean
ensure_schema (DuetSqliteStore  *self,
               GError    **error)
{
  if (!exec (self, "BEGIN IMMEDIATE", "begin", error))
    return FALSE;
  if (!ensure_schema_locked (self, error))
    {
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  return exec (self, "COMMIT", "commit", error);
}

DuetStore *
duet_sqlite_store_open (const char  *path,
                        GError     **error)
{
  g_autoptr(DuetSqliteStore) self = g_object_new (DUET_TYPE_SQLITE_STORE, NULL);

  if (sodium_init () < 0)
    {
      g_set_error_literal (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_CRYPTO,
                           "Cannot initialise libsodium");
      return NULL;
    }

  if (!create_private_file (path, error))
    return NULL;

  if (sqlite3_open_v2 (path, &self->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      db_error (self, error, "open");
      return NULL;
    }

  sqlite3_busy_timeout (self->db, 5000);
  if (sqlite3_exec (self->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                    "PRAGMA foreign_keys=ON;", NULL, NULL, NULL) != SQLITE_OK)
    {
      db_error (self, error, "open");
      return NULL;
    }
  if (!ensure_schema (self, error))
    return NULL;

  return DUET_STORE (g_steal_pointer (&self));
}

static void
sqlite_store_close (DuetStore *store)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  if (self->db == NULL)
    return;

  sqlite3_exec (self->db, "PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL, NULL);
  sqlite3_close_v2 (self->db);
  self->db = NULL;
}

static gboolean
sqlite_store_get_secret (DuetStore   *store,
                         const char  *name,
                         guint8       out[DUET_STORE_SECRET_LENGTH],
                         GError     **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) select = NULL;
  g_autoptr(sqlite3_stmt) insert = NULL;
  guint8 fresh[DUET_STORE_SECRET_LENGTH];

  /* INSERT OR IGNORE then SELECT: two processes starting at once agree */
  randombytes_buf (fresh, sizeof fresh);
  insert = prepare (self, "INSERT OR IGNORE INTO meta (key, value) VALUES (?, ?)", error);
  if (insert == NULL)
    return FALSE;
  sqlite3_bind_text (insert, 1, name, -1, SQLITE_STATIC);
  sqlite3_bind_blob (insert, 2, fresh, sizeof fresh, SQLITE_STATIC);
  if (sqlite3_step (insert) != SQLITE_DONE)
    return db_error (self, error, "store secret");
  sodium_memzero (fresh, sizeof fresh);

  select = prepare (self, "SELECT value FROM meta WHERE key = ?", error);
  if (select == NULL)
    return FALSE;
  sqlite3_bind_text (select, 1, name, -1, SQLITE_STATIC);
  if (sqlite3_step (select) != SQLITE_ROW ||
      sqlite3_column_bytes (select, 0) != DUET_STORE_SECRET_LENGTH)
    return db_error (self, error, "read secret");

  memcpy (out, sqlite3_column_blob (select, 0), DUET_STORE_SECRET_LENGTH);
  return TRUE;
}

static gint64
revoked_version (DuetSqliteStore  *self,
                 const char *service,
                 const char *user)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "SELECT token_version FROM revoked WHERE service = ? AND user = ?", NULL);
  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, service, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, user, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  return 0;
}

static gboolean
sqlite_store_add_user (DuetStore   *store,
                       const char  *service,
                       const char  *user,
                       const char  *password,
                       DuetKdfCost  cost,
                       GError     **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *hash = NULL;
  int rc;

  hash = duet_password_hash (password, cost, error);
  if (hash == NULL)
    return FALSE;

  stmt = prepare (self, "INSERT INTO users (service, user, pwhash, token_version, created_at)"
                        " VALUES (?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, service, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, user, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, hash, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, revoked_version (self, service, user));
  sqlite3_bind_int64 (stmt, 5, g_get_real_time () / 1000);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_CONSTRAINT)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_EXISTS,
                   "User “%s” already exists in service “%s”", user, service);
      return FALSE;
    }
  if (rc != SQLITE_DONE)
    return db_error (self, error, "add user");
  return TRUE;
}

static gboolean
not_found (GError    **error,
           const char *service,
           const char *user)
{
  g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND,
               "There is no user “%s” in service “%s”", user, service);
  return FALSE;
}

static gboolean
sqlite_store_remove_user (DuetStore   *store,
                          const char  *service,
                          const char  *user,
                          GError     **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) revoke = NULL;
  g_autoptr(sqlite3_stmt) del = NULL;
  g_autoptr(sqlite3_stmt) devices = NULL;
  gint64 tv = 0, id = 0;

  if (!sqlite_store_lookup_user (store, service, user, &id, NULL, &tv, error))
    return FALSE;

  revoke = prepare (self, "INSERT OR REPLACE INTO revoked (service, user, token_version)"
                          " VALUES (?, ?, ?)", error);
  del = prepare (self, "DELETE FROM users WHERE service = ? AND user = ?", error);
  devices = prepare (self, "DELETE FROM devices WHERE account_id = ?", error);
  if (revoke == NULL || del == NULL || devices == NULL)
    return FALSE;
  sqlite3_bind_int64 (devices, 1, id);

  sqlite3_bind_text (revoke, 1, service, -1, SQLITE_STATIC);
  sqlite3_bind_text (revoke, 2, user, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (revoke, 3, tv + 1);
  sqlite3_bind_text (del, 1, service, -1, SQLITE_STATIC);
  sqlite3_bind_text (del, 2, user, -1, SQLITE_STATIC);

  sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (sqlite3_step (revoke) != SQLITE_DONE || sqlite3_step (del) != SQLITE_DONE ||
      sqlite3_step (devices) != SQLITE_DONE)
    {
      db_error (self, error, "remove user");
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  if (sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    return db_error (self, error, "commit");
  return TRUE;
}

static gboolean
sqlite_store_set_password (DuetStore   *store,
                           const char  *service,
                           const char  *user,
                           const char  *password,
                           DuetKdfCost  cost,
                           GError     **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(sqlite3_stmt) devices = NULL;
  g_autofree char *hash = NULL;
  gboolean changed;

  hash = duet_password_hash (password, cost, error);
  if (hash == NULL)
    return FALSE;

  stmt = prepare (self, "UPDATE users SET pwhash = ?, token_version = token_version + 1"
                        " WHERE service = ? AND user = ?", error);
  devices = prepare (self, "DELETE FROM devices WHERE account_id ="
                           " (SELECT id FROM users WHERE service = ? AND user = ?)", error);
  if (stmt == NULL || devices == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, service, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, user, -1, SQLITE_STATIC);
  sqlite3_bind_text (devices, 1, service, -1, SQLITE_STATIC);
  sqlite3_bind_text (devices, 2, user, -1, SQLITE_STATIC);

  /* a new password signs every device out */
  sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      db_error (self, error, "set password");
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  changed = sqlite3_changes (self->db) > 0;
  if (sqlite3_step (devices) != SQLITE_DONE)
    {
      db_error (self, error, "set password");
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  if (sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    return db_error (self, error, "commit");
  if (!changed)
    return not_found (error, service, user);
  return TRUE;
}

static GPtrArray *
sqlite_store_list_users (DuetStore   *store,
                         const char  *service,
                         GError     **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) users = g_ptr_array_new_with_free_func (g_free);
  int rc;

  stmt = prepare (self, "SELECT service, user FROM users WHERE ?1 IS NULL OR service = ?1"
                        " ORDER BY service, user", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, service, -1, SQLITE_STATIC);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (users, g_strdup_printf ("%s\t%s",
                                             (const char *) sqlite3_column_text (stmt, 0),
                                             (const char *) sqlite3_column_text (stmt, 1)));
  if (rc != SQLITE_DONE)
    {
      db_error (self, error, "list users");
      return NULL;
    }
  return g_steal_pointer (&users);
}

static gboolean
sqlite_store_lookup_user (DuetStore   *store,
                          const char  *service,
                          const char  *user,
                          gint64      *out_id,
                          char       **out_hash,
                          gint64      *out_token_version,
                          GError     **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (self, "SELECT pwhash, token_version, id FROM users WHERE service = ? AND user = ?",
                  error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, service, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, user, -1, SQLITE_STATIC);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    return not_found (error, service, user);
  if (rc != SQLITE_ROW)
    return db_error (self, error, "look up user");

  if (out_hash != NULL)
    *out_hash = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  if (out_token_version != NULL)
    *out_token_version = sqlite3_column_int64 (stmt, 1);
  if (out_id != NULL)
    *out_id = sqlite3_column_int64 (stmt, 2);
  return TRUE;
}

/* ---- devices ---------------------------------------------------------- */

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}


/* The key in @device_id's tokens, its name and when it was last seen;
 * NOT_FOUND when the account has no such device (never had it, or it was
 * signed out) */
static gboolean
sqlite_store_lookup_device (DuetStore   *store,
                            gint64       account_id,
                            const char  *device_id,
                            gint64      *out_key,
                            char       **out_name,
                            gint64      *out_last_seen,
                            GError     **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (self, "SELECT key, name, last_seen_at FROM devices"
                        " WHERE account_id = ? AND device_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_text (stmt, 2, device_id, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND, "No such device");
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return db_error (self, error, "look up device");
  *out_key = sqlite3_column_int64 (stmt, 0);
  if (out_name != NULL)
    *out_name = column_dup (stmt, 1);
  if (out_last_seen != NULL)
    *out_last_seen = sqlite3_column_int64 (stmt, 2);
  return TRUE;
}

/* The account's devices, oldest first, as DuetDeviceEntry (online and
 * current left FALSE) */
static GPtrArray *
sqlite_store_list_devices (DuetStore  *store,
                           gint64      account_id,
                           GError    **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GPtrArray) devices = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_device_entry_free);
  int rc;

  stmt = prepare (self, "SELECT device_id, name, created_at, last_seen_at FROM devices"
                        " WHERE account_id = ? ORDER BY created_at, device_id", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      DuetDeviceEntry *entry = duet_device_entry_new ();

      entry->device_id = column_dup (stmt, 0);
      entry->name = column_dup (stmt, 1);
      entry->created_at = sqlite3_column_int64 (stmt, 2);
      entry->last_seen_at = sqlite3_column_int64 (stmt, 3);
      g_ptr_array_add (devices, entry);
    }
  if (rc != SQLITE_DONE)
    {
      db_error (self, error, "list devices");
      return NULL;
    }
  return g_steal_pointer (&devices);
}

/* Adds @device_id to the account with a fresh key, or renames it and
 * keeps its key; either way *@out_key is the key its tokens carry. A new
 * device was never seen (last_seen_at 0): at its first connection it
 * hears of every missed call nobody has seen yet. */
static gboolean
sqlite_store_put_device (DuetStore   *store,
                         gint64       account_id,
                         const char  *device_id,
                         const char  *name,
                         gint64       now_ms,
                         gint64      *out_key,
                         GError     **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gint64 key = 0;

  /* positive, so that it reads the same in every JSON parser */
  randombytes_buf (&key, sizeof key);
  key &= G_GINT64_CONSTANT (0x1fffffffffffff);

  stmt = prepare (self, "INSERT INTO devices (account_id, device_id, name, key, created_at, last_seen_at)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, 0)"
                        " ON CONFLICT (account_id, device_id) DO UPDATE SET name = ?3"
                        " RETURNING key", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_text (stmt, 2, device_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, name, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, key);
  sqlite3_bind_int64 (stmt, 5, now_ms);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return db_error (self, error, "add device");
  *out_key = sqlite3_column_int64 (stmt, 0);
  return TRUE;
}

static gboolean
sqlite_store_touch_device (DuetStore   *store,
                           gint64       account_id,
                           const char  *device_id,
                           gint64       now_ms,
                           GError     **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "UPDATE devices SET last_seen_at = ? WHERE account_id = ? AND device_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now_ms);
  sqlite3_bind_int64 (stmt, 2, account_id);
  sqlite3_bind_text (stmt, 3, device_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return db_error (self, error, "touch device");
  return TRUE;
}

/* NOT_FOUND when the account has no such device */
static gboolean
sqlite_store_remove_device (DuetStore   *store,
                            gint64       account_id,
                            const char  *device_id,
                            GError     **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "DELETE FROM devices WHERE account_id = ? AND device_id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_text (stmt, 2, device_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return db_error (self, error, "remove device");
  if (sqlite3_changes (self->db) == 0)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND, "No such device");
      return FALSE;
    }
  return TRUE;
}

/* Times and ids: 0 stands for NULL */
static void
bind_time (sqlite3_stmt *stmt,
           int           index,
           gint64        value)
{
  if (value > 0)
    sqlite3_bind_int64 (stmt, index, value);
  else
    sqlite3_bind_null (stmt, index);
}

static gboolean
sqlite_store_save_call (DuetStore       *store,
                        DuetCallRecord  *call,
                        GError         **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ended = call->state == DUET_CALL_RECORD_STATE_ENDED;

  stmt = prepare (self, "INSERT OR REPLACE INTO calls (" CALL_COLUMNS ")"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, call->call_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, call->caller_user, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, call->caller_service, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, call->callee_user, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, call->callee_service, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, duet_media_type_to_string (call->media_type), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, duet_call_record_state_to_string (call->state), -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 8, call->invited_at);
  bind_time (stmt, 9, call->verified_at);
  bind_time (stmt, 10, call->answered_at);
  bind_time (stmt, 11, call->ended_at);
  if (ended)
    {
      sqlite3_bind_text (stmt, 12, duet_disconnect_reason_to_string (call->reason), -1, SQLITE_STATIC);
      sqlite3_bind_text (stmt, 13, duet_disconnect_source_to_string (call->source), -1, SQLITE_STATIC);
    }
  sqlite3_bind_text (stmt, 14, call->cc_param, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 15, call->caller_pending);
  sqlite3_bind_int (stmt, 16, call->callee_pending);
  bind_time (stmt, 17, call->caller_id);
  bind_time (stmt, 18, call->callee_id);
  sqlite3_bind_text (stmt, 19, call->user_code, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 20, call->caller_device, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 21, call->callee_device, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 22, call->seen_at);

  if (sqlite3_step (stmt) != SQLITE_DONE)
    return db_error (self, error, "save call");
  return TRUE;
}

static DuetCallRecord *
call_from_row (sqlite3_stmt *stmt)
{
  DuetCallRecord *call = duet_call_record_new ();
  const char *text;

  call->call_id = column_dup (stmt, 0);
  call->caller_user = column_dup (stmt, 1);
  call->caller_service = column_dup (stmt, 2);
  call->callee_user = column_dup (stmt, 3);
  call->callee_service = column_dup (stmt, 4);
  duet_media_type_from_string ((const char *) sqlite3_column_text (stmt, 5), &call->media_type);
  if (!duet_call_record_state_from_string ((const char *) sqlite3_column_text (stmt, 6), &call->state))
    call->state = DUET_CALL_RECORD_STATE_ENDED;
  call->invited_at = sqlite3_column_int64 (stmt, 7);
  call->verified_at = sqlite3_column_int64 (stmt, 8);
  call->answered_at = sqlite3_column_int64 (stmt, 9);
  call->ended_at = sqlite3_column_int64 (stmt, 10);
  if ((text = (const char *) sqlite3_column_text (stmt, 11)) != NULL)
    duet_disconnect_reason_from_string (text, &call->reason);
  if ((text = (const char *) sqlite3_column_text (stmt, 12)) != NULL)
    duet_disconnect_source_from_string (text, &call->source);
  call->cc_param = column_dup (stmt, 13);
  call->caller_pending = sqlite3_column_int (stmt, 14);
  call->callee_pending = sqlite3_column_int (stmt, 15);
  call->caller_id = sqlite3_column_int64 (stmt, 16);
  call->callee_id = sqlite3_column_int64 (stmt, 17);
  call->user_code = column_dup (stmt, 18);
  call->caller_device = column_dup (stmt, 19);
  call->callee_device = column_dup (stmt, 20);
  call->seen_at = sqlite3_column_int64 (stmt, 21);
  return call;
}

static GPtrArray *
collect_calls (DuetSqliteStore     *self,
               sqlite3_stmt  *stmt,
               GError       **error)
{
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_call_record_unref);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (calls, call_from_row (stmt));
  self->vm_steps += sqlite3_stmt_status (stmt, SQLITE_STMTSTATUS_VM_STEP, TRUE);
  if (rc != SQLITE_DONE)
    {
      db_error (self, error, "load calls");
      return NULL;
    }
  return g_steal_pointer (&calls);
}

static GPtrArray *
sqlite_store_load_open_calls (DuetStore  *store,
                              GError    **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "SELECT " CALL_COLUMNS " FROM calls WHERE state != 'ended'", error);
  if (stmt == NULL)
    return NULL;
  return collect_calls (self, stmt, error);
}

/* The newest @limit calls whose end @device_id of @account_id has not
 * been told of yet, newest first: those of the device's own calls, and of
 * calls from before devices (no device kept). Each arm reads a partial
 * index of pending rows only. */
static GPtrArray *
sqlite_store_load_pending (DuetStore  *store,
                           gint64      account_id,
                           const char *device_id,
                           guint       limit,
                           GError    **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "SELECT " CALL_COLUMNS " FROM calls WHERE caller_id = ?1 AND caller_pending = 1"
                        "   AND (caller_device IS NULL OR caller_device = ?3)"
                        " UNION ALL"
                        " SELECT " CALL_COLUMNS " FROM calls WHERE callee_id = ?1 AND callee_pending = 1"
                        "   AND (callee_device IS NULL OR callee_device = ?3)"
                        " ORDER BY invited_at DESC LIMIT ?2", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int (stmt, 2, limit);
  sqlite3_bind_text (stmt, 3, device_id, -1, SQLITE_STATIC);
  return collect_calls (self, stmt, error);
}

/* Forgets what is pending for @device_id of @account_id: told, or too old
 * to tell */
static gboolean
sqlite_store_clear_pending (DuetStore  *store,
                            gint64      account_id,
                            const char *device_id,
                            GError    **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) caller = NULL;
  g_autoptr(sqlite3_stmt) callee = NULL;

  caller = prepare (self, "UPDATE calls SET caller_pending = 0 WHERE caller_id = ?1 AND caller_pending = 1"
                          " AND (caller_device IS NULL OR caller_device = ?2)", error);
  callee = prepare (self, "UPDATE calls SET callee_pending = 0 WHERE callee_id = ?1 AND callee_pending = 1"
                          " AND (callee_device IS NULL OR callee_device = ?2)", error);
  if (caller == NULL || callee == NULL)
    return FALSE;
  sqlite3_bind_int64 (caller, 1, account_id);
  sqlite3_bind_text (caller, 2, device_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (callee, 1, account_id);
  sqlite3_bind_text (callee, 2, device_id, -1, SQLITE_STATIC);
  if (sqlite3_step (caller) != SQLITE_DONE || sqlite3_step (callee) != SQLITE_DONE)
    return db_error (self, error, "clear pending");
  return TRUE;
}

/* The newest @limit missed calls of @account_id that ended after
 * @since_ms and that no device has marked seen, except those @device_id
 * took part in (it hears of their end as a party). Reads a partial index
 * of unseen missed calls. */
static GPtrArray *
sqlite_store_load_missed_since (DuetStore  *store,
                                gint64      account_id,
                                const char *device_id,
                                gint64      since_ms,
                                guint       limit,
                                GError    **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "SELECT " CALL_COLUMNS " FROM calls WHERE callee_id = ?1 AND state = 'ended'"
                        " AND answered_at IS NULL AND seen_at = 0 AND ended_at > ?2"
                        " AND (callee_device IS NULL OR callee_device != ?3)"
                        " ORDER BY ended_at DESC LIMIT ?4", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int64 (stmt, 2, since_ms);
  sqlite3_bind_text (stmt, 3, device_id, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 4, limit);
  return collect_calls (self, stmt, error);
}

/* Marks a missed call of @account_id seen. Fails with NOT_FOUND when
 * @call_id is not one; a call already seen is not an error. */
static gboolean
sqlite_store_mark_seen (DuetStore   *store,
                        gint64       account_id,
                        const char  *call_id,
                        gint64       now_ms,
                        gboolean    *out_changed,
                        GError     **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) check = NULL;
  g_autoptr(sqlite3_stmt) update = NULL;
  int rc;

  check = prepare (self, "SELECT seen_at FROM calls WHERE call_id = ? AND callee_id = ?"
                         " AND state = 'ended' AND answered_at IS NULL", error);
  update = prepare (self, "UPDATE calls SET seen_at = ? WHERE call_id = ? AND seen_at = 0", error);
  if (check == NULL || update == NULL)
    return FALSE;
  sqlite3_bind_text (check, 1, call_id, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (check, 2, account_id);
  rc = sqlite3_step (check);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND, "No such missed call");
      return FALSE;
    }
  if (rc != SQLITE_ROW)
    return db_error (self, error, "mark seen");

  sqlite3_bind_int64 (update, 1, now_ms);
  sqlite3_bind_text (update, 2, call_id, -1, SQLITE_STATIC);
  if (sqlite3_step (update) != SQLITE_DONE)
    return db_error (self, error, "mark seen");
  *out_changed = sqlite3_changes (self->db) > 0;
  return TRUE;
}

/* Each arm stops after @limit rows of its index, so the cost does not
 * grow with the account's history, let alone anyone else's */
static GPtrArray *
sqlite_store_load_history (DuetStore  *store,
                           gint64      account_id,
                           gint64      before,
                           guint       limit,
                           GError    **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "SELECT * FROM (SELECT " CALL_COLUMNS ", rowid AS r FROM calls"
                        "   WHERE caller_id = ?1 AND invited_at < ?2 ORDER BY invited_at DESC LIMIT ?3)"
                        " UNION ALL"
                        " SELECT * FROM (SELECT " CALL_COLUMNS ", rowid AS r FROM calls"
                        "   WHERE callee_id = ?1 AND invited_at < ?2 ORDER BY invited_at DESC LIMIT ?3)"
                        " ORDER BY invited_at DESC, r DESC LIMIT ?3", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int64 (stmt, 2, before > 0 ? before : G_MAXINT64);
  sqlite3_bind_int (stmt, 3, limit);
  return collect_calls (self, stmt, error);
}

static gint64
delete_rows (DuetSqliteStore    *self,
             sqlite3_stmt *stmt,
             GError      **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      db_error (self, error, "prune");
      return -1;
    }
  return sqlite3_changes (self->db);
}

/* Keeps the newest @max_calls ended calls of @account_id */
static gint64
prune_account (DuetSqliteStore  *self,
               gint64      account_id,
               guint       max_calls,
               GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "DELETE FROM calls WHERE state = 'ended' AND rowid IN ("
                        " SELECT r FROM (SELECT rowid AS r, invited_at FROM calls WHERE caller_id = ?1"
                        "                UNION ALL"
                        "                SELECT rowid AS r, invited_at FROM calls WHERE callee_id = ?1)"
                        " ORDER BY invited_at DESC, r DESC LIMIT -1 OFFSET ?2)", error);
  if (stmt == NULL)
    return -1;
  sqlite3_bind_int64 (stmt, 1, account_id);
  sqlite3_bind_int (stmt, 2, max_calls);
  return delete_rows (self, stmt, error);
}

static GArray *
all_account_ids (DuetSqliteStore  *self,
                 GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (self, "SELECT id FROM users", error);
  g_autoptr(GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int rc;

  if (stmt == NULL)
    return NULL;
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      db_error (self, error, "list accounts");
      return NULL;
    }
  return g_steal_pointer (&ids);
}

/* Deletes ended calls invited before @cutoff_ms, and all but the newest
 * @max_calls of each account in @account_ids (NULL: every account).
 * Returns how many rows went, or -1. */
static gint64
sqlite_store_prune (DuetStore  *store,
                    gint64      cutoff_ms,
                    guint       max_calls,
                    GArray     *account_ids,
                    GError    **error)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) old = NULL;
  g_autoptr(GArray) everyone = NULL;
  gint64 deleted, n;

  old = prepare (self, "DELETE FROM calls WHERE state = 'ended' AND invited_at < ?", error);
  if (old == NULL)
    return -1;
  sqlite3_bind_int64 (old, 1, cutoff_ms);
  if ((deleted = delete_rows (self, old, error)) < 0)
    return -1;

  if (account_ids == NULL && (account_ids = everyone = all_account_ids (self, error)) == NULL)
    return -1;
  for (guint i = 0; i < account_ids->len; i++)
    {
      if ((n = prune_account (self, g_array_index (account_ids, gint64, i), max_calls, error)) < 0)
        return -1;
      deleted += n;
    }
  return deleted;
}

/* SQLite virtual-machine steps run by the per-account call queries: a
 * measure of their work that does not depend on the machine's speed */
guint64
duet_sqlite_store_get_vm_steps (DuetSqliteStore *self)
{
  return self->vm_steps;
}

/* Changes when another connection (e.g. `duet-server user remove`) commits */
static gint64
sqlite_store_get_generation (DuetStore *store)
{
  DuetSqliteStore *self = DUET_SQLITE_STORE (store);
  g_autoptr(sqlite3_stmt) stmt = prepare (self, "PRAGMA data_version", NULL);

  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

/* SQLite answers at once; the result still arrives as a GTask's, so the
 * callers work the same for a store that has to wait */
static void
sqlite_store_load_history_async (DuetStore           *store,
                                 gint64               account_id,
                                 gint64               before,
                                 guint                limit,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  GError *error = NULL;
  GPtrArray *calls = sqlite_store_load_history (store, account_id, before, limit, &error);

  g_task_set_source_tag (task, duet_store_load_history_async);
  if (calls == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, calls, (GDestroyNotify) g_ptr_array_unref);
}

static void
sqlite_store_load_events_async (DuetStore           *store,
                                gint64               account_id,
                                const char          *device_id,
                                gint64               since_ms,
                                guint                limit,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  g_autoptr(DuetStoreEvents) events = g_new0 (DuetStoreEvents, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, duet_store_load_events_async);
  events->pending = sqlite_store_load_pending (store, account_id, device_id, limit, &error);
  if (events->pending != NULL)
    events->missed = sqlite_store_load_missed_since (store, account_id, device_id, since_ms, limit, &error);
  if (events->missed == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, g_steal_pointer (&events), (GDestroyNotify) duet_store_events_free);
}

static void
sqlite_store_mark_seen_async (DuetStore           *store,
                              gint64               account_id,
                              const char          *call_id,
                              gint64               now_ms,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  GError *error = NULL;
  gboolean changed = FALSE;

  g_task_set_source_tag (task, duet_store_mark_seen_async);
  if (!sqlite_store_mark_seen (store, account_id, call_id, now_ms, &changed, &error))
    g_task_return_error (task, error);
  else
    g_task_return_int (task, changed ? 1 : 0);
}

static void
duet_sqlite_store_iface_init (DuetStoreInterface *iface)
{
  iface->close = sqlite_store_close;
  iface->get_secret = sqlite_store_get_secret;
  iface->add_user = sqlite_store_add_user;
  iface->remove_user = sqlite_store_remove_user;
  iface->set_password = sqlite_store_set_password;
  iface->list_users = sqlite_store_list_users;
  iface->lookup_user = sqlite_store_lookup_user;
  iface->lookup_device = sqlite_store_lookup_device;
  iface->list_devices = sqlite_store_list_devices;
  iface->put_device = sqlite_store_put_device;
  iface->touch_device = sqlite_store_touch_device;
  iface->remove_device = sqlite_store_remove_device;
  iface->save_call = sqlite_store_save_call;
  iface->load_open_calls = sqlite_store_load_open_calls;
  iface->clear_pending = sqlite_store_clear_pending;
  iface->load_history_async = sqlite_store_load_history_async;
  iface->load_events_async = sqlite_store_load_events_async;
  iface->mark_seen_async = sqlite_store_mark_seen_async;
  iface->prune = sqlite_store_prune;
  iface->get_generation = sqlite_store_get_generation;
}
