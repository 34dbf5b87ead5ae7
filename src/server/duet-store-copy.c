/* duet-store-copy.c: copies a SQLite node's store into PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Both schemas hold the same tables (duet-sqlite-store.c's schema version
 * 3, duet-pg-store.c's migration 1). Rows go over as they are: account ids
 * (calls and devices refer to them, tokens carry them), token versions,
 * device keys and the secrets in meta (jwt_key signs the tokens), so that
 * a client signed in before the upgrade stays signed in after it. The
 * one column PostgreSQL adds, calls.seq (which of two calls invited in the
 * same millisecond is newer), takes SQLite's rowid, which orders them the
 * same way.
 *
 * The SQLite file is held with an exclusive lock from the first read to
 * the end, so a server that has it open is detected (it holds a shared
 * lock for as long as it runs) and none can start on it meanwhile. The
 * PostgreSQL side is one transaction with the tables locked: it commits
 * only after the row counts of both sides agree, and then the sequences
 * are already past every copied id.
 */
#include "config.h"

#include <string.h>
#include <libpq-fe.h>
#include <sodium.h>
#include <sqlite3.h>

#include "duet-pg-store.h"
#include "duet-server-error.h"
#include "duet-sqlite-store.h"
#include "duet-store-copy.h"

/* the SQLite schema this copy knows (duet-sqlite-store.c's SCHEMA_VERSION) */
#define COPY_SCHEMA_VERSION 3
#define FLUSH_BYTES   (256 * 1024)

#define CALL_COLUMNS \
  "call_id, caller_user, caller_service, callee_user, callee_service, media_type," \
  " state, invited_at, verified_at, answered_at, ended_at, reason, source, cc_param," \
  " caller_pending, callee_pending, caller_id, callee_id, user_code," \
  " caller_device, callee_device, seen_at"

typedef struct
{
  const char *name;
  const char *select;     /* SQLite */
  const char *copy;       /* PostgreSQL: COPY … FROM STDIN */
  int         bytea;      /* the column that is bytea in PostgreSQL, or -1 */
} Table;

static const Table tables[DUET_STORE_COPY_N_TABLES] = {
  { "meta", "SELECT key, value FROM meta ORDER BY key",
    "COPY meta (key, value) FROM STDIN", 1 },
  { "users", "SELECT id, service, user, pwhash, token_version, created_at FROM users ORDER BY id",
    "COPY users (id, service, \"user\", pwhash, token_version, created_at) FROM STDIN", -1 },
  { "revoked", "SELECT service, user, token_version FROM revoked ORDER BY service, user",
    "COPY revoked (service, \"user\", token_version) FROM STDIN", -1 },
  { "devices", "SELECT account_id, device_id, name, key, created_at, last_seen_at FROM devices"
               " ORDER BY account_id, device_id",
    "COPY devices (account_id, device_id, name, key, created_at, last_seen_at) FROM STDIN", -1 },
  { "calls", "SELECT " CALL_COLUMNS ", rowid FROM calls ORDER BY rowid",
    "COPY calls (" CALL_COLUMNS ", seq) FROM STDIN", -1 },
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

typedef struct
{
  const char *path;
  sqlite3    *db;
  PGconn     *pg;
} Copy;

static gboolean
sqlite_fail (Copy        *copy,
             GError     **error,
             const char  *what)
{
  g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_DATABASE,
               "SQLite database “%s” (%s): %s", copy->path, what,
               copy->db != NULL ? sqlite3_errmsg (copy->db) : "cannot open");
  return FALSE;
}

static gboolean
pg_fail (Copy        *copy,
         PGresult    *result,
         GError     **error,
         const char  *what)
{
  const char *message = result != NULL ? PQresultErrorMessage (result) : "";
  g_autofree char *text = g_strstrip (g_strdup (*message != '\0' ? message : PQerrorMessage (copy->pg)));

  g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_DATABASE,
               "PostgreSQL (%s): %s", what, text);
  return FALSE;
}

/* One query on the SQLite file whose answer is one number; -1 on failure */
static gint64
sqlite_int (Copy       *copy,
            const char *sql)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  if (sqlite3_prepare_v2 (copy->db, sql, -1, &stmt, NULL) != SQLITE_OK ||
      sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

static gboolean
pg_command (Copy        *copy,
            const char  *sql,
            GError     **error)
{
  g_autoptr(PGresult) result = PQexec (copy->pg, sql);

  if (PQresultStatus (result) != PGRES_COMMAND_OK && PQresultStatus (result) != PGRES_TUPLES_OK)
    return pg_fail (copy, result, error, sql);
  return TRUE;
}

/* One number from PostgreSQL; -1 with @error set on failure */
static gint64
pg_int (Copy        *copy,
        const char  *sql,
        GError     **error)
{
  g_autoptr(PGresult) result = PQexec (copy->pg, sql);

  if (PQresultStatus (result) != PGRES_TUPLES_OK || PQntuples (result) != 1)
    {
      pg_fail (copy, result, error, sql);
      return -1;
    }
  return g_ascii_strtoll (PQgetvalue (result, 0, 0), NULL, 10);
}

static void
close_sqlite (Copy *copy)
{
  if (copy->db == NULL)
    return;
  sqlite3_exec (copy->db, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close_v2 (copy->db);
  copy->db = NULL;
}

/* Opens the file and takes it for ourselves; its schema version in
 * *out_version */
static gboolean
lock_sqlite (Copy    *copy,
             gint64  *out_version,
             GError **error)
{
  int rc;

  if (sqlite3_open_v2 (copy->path, &copy->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
    return sqlite_fail (copy, error, "open");
  /* a moment for a `duet-server user` command that is writing; a server
   * that runs holds its lock for good */
  sqlite3_busy_timeout (copy->db, 1000);
  /* before the first read: the lock is then kept until the file is closed */
  if (sqlite3_exec (copy->db, "PRAGMA locking_mode = EXCLUSIVE", NULL, NULL, NULL) != SQLITE_OK)
    return sqlite_fail (copy, error, "open");
  rc = sqlite3_exec (copy->db, "BEGIN EXCLUSIVE", NULL, NULL, NULL);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_FAILED,
                   "SQLite database “%s” is in use: stop the duet-server that runs on it first", copy->path);
      return FALSE;
    }
  if (rc != SQLITE_OK)
    return sqlite_fail (copy, error, "lock");
  if (sqlite_int (copy, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'users'") != 1)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_DATABASE,
                   "“%s” is not a duet-server database (it has no accounts table)", copy->path);
      return FALSE;
    }
  *out_version = sqlite_int (copy, "PRAGMA user_version");
  if (*out_version > COPY_SCHEMA_VERSION)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_DATABASE,
                   "SQLite database “%s” is from a newer duet-server (schema %" G_GINT64_FORMAT "): "
                   "migrate it with that version", copy->path, *out_version);
      return FALSE;
    }
  return TRUE;
}

/* The file, locked, in this version's schema: an older one is brought up
 * to date as a server would on start */
static gboolean
open_sqlite (Copy    *copy,
             GError **error)
{
  g_autoptr(DuetStore) store = NULL;
  gint64 version = 0;

  if (!g_file_test (copy->path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND,
                   "There is no SQLite database “%s”", copy->path);
      return FALSE;
    }
  if (!lock_sqlite (copy, &version, error))
    return FALSE;
  if (version == COPY_SCHEMA_VERSION)
    return TRUE;

  close_sqlite (copy);
  store = duet_sqlite_store_open (copy->path, error);
  if (store == NULL)
    return FALSE;
  duet_store_close (store);
  g_clear_object (&store);
  return lock_sqlite (copy, &version, error);
}

static void
append_escaped (GString    *line,
                const char *text,
                int         length)
{
  for (int i = 0; i < length; i++)
    switch (text[i])
      {
      case '\\': g_string_append (line, "\\\\"); break;
      case '\t': g_string_append (line, "\\t"); break;
      case '\n': g_string_append (line, "\\n"); break;
      case '\r': g_string_append (line, "\\r"); break;
      default: g_string_append_c (line, text[i]); break;
      }
}

/* One row in COPY's text format */
static void
append_row (GString       *buffer,
            sqlite3_stmt  *stmt,
            int            bytea)
{
  int n = sqlite3_column_count (stmt);

  for (int i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (buffer, '\t');
      if (sqlite3_column_type (stmt, i) == SQLITE_NULL)
        g_string_append (buffer, "\\N");
      else if (i == bytea)
        {
          const guint8 *bytes = sqlite3_column_blob (stmt, i);
          int length = sqlite3_column_bytes (stmt, i);

          /* bytea's hex input, its backslash escaped for COPY */
          g_string_append (buffer, "\\\\x");
          for (int j = 0; j < length; j++)
            g_string_append_printf (buffer, "%02x", bytes[j]);
        }
      else
        {
          const char *text = (const char *) sqlite3_column_text (stmt, i);

          append_escaped (buffer, text, sqlite3_column_bytes (stmt, i));
        }
    }
  g_string_append_c (buffer, '\n');
}

static gboolean
put_copy_data (Copy     *copy,
               GString  *buffer,
               GError  **error)
{
  gboolean ok = PQputCopyData (copy->pg, buffer->str, (int) buffer->len) == 1;

  /* meta's rows are the signing keys */
  sodium_memzero (buffer->str, buffer->len);
  g_string_truncate (buffer, 0);
  if (!ok)
    return pg_fail (copy, NULL, error, "COPY");
  return TRUE;
}

static gboolean
copy_table (Copy                *copy,
            const Table         *table,
            DuetStoreCopyCount  *count,
            GError             **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autoptr(GString) buffer = g_string_sized_new (FLUSH_BYTES + 4096);
  g_autoptr(PGresult) result = NULL;
  g_autofree char *count_sql = g_strdup_printf ("SELECT count(*) FROM %s", table->name);
  gboolean ok = TRUE;
  int rc;

  count->table = table->name;
  count->source_rows = sqlite_int (copy, count_sql);
  if (count->source_rows < 0)
    return sqlite_fail (copy, error, count_sql);
  if (sqlite3_prepare_v2 (copy->db, table->select, -1, &stmt, NULL) != SQLITE_OK)
    return sqlite_fail (copy, error, table->name);

  result = PQexec (copy->pg, table->copy);
  if (PQresultStatus (result) != PGRES_COPY_IN)
    return pg_fail (copy, result, error, table->copy);
  g_clear_pointer (&result, PQclear);

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW && ok)
    {
      append_row (buffer, stmt, table->bytea);
      if (buffer->len >= FLUSH_BYTES)
        ok = put_copy_data (copy, buffer, error);
    }
  if (ok && buffer->len > 0)
    ok = put_copy_data (copy, buffer, error);
  if (ok && rc != SQLITE_DONE)
    ok = sqlite_fail (copy, error, table->name);

  /* ended either way, so that the connection can roll back */
  if (PQputCopyEnd (copy->pg, ok ? NULL : "duet-server migrate stopped") != 1 && ok)
    ok = pg_fail (copy, NULL, error, "COPY");
  while ((result = PQgetResult (copy->pg)) != NULL)
    {
      if (PQresultStatus (result) != PGRES_COMMAND_OK && ok)
        ok = pg_fail (copy, result, error, table->copy);
      g_clear_pointer (&result, PQclear);
    }
  if (!ok)
    return FALSE;

  count->copied_rows = pg_int (copy, count_sql, error);
  if (count->copied_rows < 0)
    return FALSE;
  if (count->copied_rows != count->source_rows)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_DATABASE,
                   "%s: %" G_GINT64_FORMAT " rows in SQLite but %" G_GINT64_FORMAT " in PostgreSQL; "
                   "nothing was copied", table->name, count->source_rows, count->copied_rows);
      return FALSE;
    }
  return TRUE;
}

/* The target holds no accounts, devices or calls (or, replacing, holds
 * nothing any more). Secrets alone may be there, from a server started
 * on the store before the upgrade: no token or call can depend on them
 * without an account, so the file's replace them. */
static gboolean
check_empty (Copy                *copy,
             DuetStoreCopyFlags   flags,
             GError             **error)
{
  g_autoptr(GError) local = NULL;
  gint64 users, devices, calls, revoked;

  if (flags & DUET_STORE_COPY_REPLACE)
    return pg_command (copy, "TRUNCATE meta, users, revoked, devices, calls", error);

  users = pg_int (copy, "SELECT count(*) FROM users", &local);
  devices = local == NULL ? pg_int (copy, "SELECT count(*) FROM devices", &local) : -1;
  calls = local == NULL ? pg_int (copy, "SELECT count(*) FROM calls", &local) : -1;
  revoked = local == NULL ? pg_int (copy, "SELECT count(*) FROM revoked", &local) : -1;
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (users + devices + calls + revoked > 0)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_EXISTS,
                   "The PostgreSQL store is not empty (%" G_GINT64_FORMAT " accounts, %" G_GINT64_FORMAT
                   " devices, %" G_GINT64_FORMAT " calls, %" G_GINT64_FORMAT " revoked names): "
                   "nothing was copied. Give an empty database, or --force to delete what it holds "
                   "and replace it with the SQLite file's",
                   users, devices, calls, revoked);
      return FALSE;
    }
  return pg_command (copy, "DELETE FROM meta", error);
}

/* New accounts get ids past every id the file ever gave (AUTOINCREMENT
 * keeps the highest in sqlite_sequence, removed accounts' included: their
 * calls still name them), new calls sort after the copied ones */
static gboolean
set_sequences (Copy    *copy,
               GError **error)
{
  gint64 last_user = MAX (sqlite_int (copy, "SELECT coalesce (max (id), 0) FROM users"),
                          sqlite_int (copy, "SELECT coalesce (max (seq), 0) FROM sqlite_sequence"
                                            " WHERE name = 'users'"));
  gint64 last_call = sqlite_int (copy, "SELECT coalesce (max (rowid), 0) FROM calls");
  g_autofree char *users_sql = NULL, *calls_sql = NULL;

  /* setval (…, 1, false): the next is 1, as in a new store */
  users_sql = g_strdup_printf ("SELECT setval (pg_get_serial_sequence ('users', 'id'), %" G_GINT64_FORMAT ", %s)",
                               MAX (last_user, 1), last_user > 0 ? "true" : "false");
  calls_sql = g_strdup_printf ("SELECT setval ('calls_seq', %" G_GINT64_FORMAT ", %s)",
                               MAX (last_call, 1), last_call > 0 ? "true" : "false");
  return pg_command (copy, users_sql, error) && pg_command (copy, calls_sql, error);
}

static gboolean
copy_all (Copy                *copy,
          const char          *conninfo,
          DuetStoreCopyFlags   flags,
          DuetStoreCopyCount   counts[DUET_STORE_COPY_N_TABLES],
          GError             **error)
{
  g_autoptr(DuetStore) target = NULL;
  const char *keywords[] = { "dbname", "connect_timeout", "application_name", NULL };
  const char *values[] = { conninfo, "5", "duet-server migrate", NULL };

  if (!open_sqlite (copy, error))
    return FALSE;

  /* the schema, as a server brings it up to date when it starts */
  target = duet_pg_store_open (conninfo, DUET_PG_STORE_ADMIN, error);
  if (target == NULL)
    return FALSE;
  duet_store_close (target);
  g_clear_object (&target);

  copy->pg = PQconnectdbParams (keywords, values, 1);
  if (PQstatus (copy->pg) != CONNECTION_OK)
    {
      g_autofree char *why = g_strstrip (g_strdup (PQerrorMessage (copy->pg)));

      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_UNAVAILABLE,
                   "The database cannot be reached: %s", why);
      return FALSE;
    }
  /* a server still running on the store would wait behind the lock, and
   * this would wait for its open transaction: neither for long */
  if (!pg_command (copy, "BEGIN ISOLATION LEVEL SERIALIZABLE", error) ||
      !pg_command (copy, "SET LOCAL lock_timeout = '10s'", error) ||
      !pg_command (copy, "LOCK TABLE meta, users, revoked, devices, calls IN ACCESS EXCLUSIVE MODE", error) ||
      !check_empty (copy, flags, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    if (!copy_table (copy, &tables[i], &counts[i], error))
      return FALSE;
  return set_sequences (copy, error) &&
         pg_command (copy, "COMMIT", error);
}

gboolean
duet_store_copy_sqlite_to_pg (const char          *db_path,
                              const char          *conninfo,
                              DuetStoreCopyFlags   flags,
                              DuetStoreCopyCount   counts[DUET_STORE_COPY_N_TABLES],
                              GError             **error)
{
  Copy copy = { .path = db_path };
  gboolean ok;

  g_return_val_if_fail (db_path != NULL, FALSE);
  g_return_val_if_fail (conninfo != NULL, FALSE);
  g_return_val_if_fail (counts != NULL, FALSE);

  memset (counts, 0, sizeof (DuetStoreCopyCount) * DUET_STORE_COPY_N_TABLES);
  for (guint i = 0; i < G_N_ELEMENTS (tables); i++)
    counts[i].table = tables[i].name;
  ok = copy_all (&copy, conninfo, flags, counts, error);
  /* without COMMIT, closing the connection rolls it all back */
  if (copy.pg != NULL)
    PQfinish (copy.pg);
  close_sqlite (&copy);
  return ok;
}
