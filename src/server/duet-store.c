/* duet-store.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sodium.h>
#include <sqlite3.h>

#include "duet-server-error.h"
#include "duet-store.h"

struct _DuetStore
{
  GObject  parent_instance;

  sqlite3 *db;
};

G_DEFINE_FINAL_TYPE (DuetStore, duet_store, G_TYPE_OBJECT)

static const char schema[] =
  "CREATE TABLE IF NOT EXISTS meta ("
  "  key TEXT PRIMARY KEY, value BLOB NOT NULL);"
  "CREATE TABLE IF NOT EXISTS users ("
  "  service TEXT NOT NULL, user TEXT NOT NULL, pwhash TEXT NOT NULL,"
  "  token_version INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
  "  PRIMARY KEY (service, user));"
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
  "  callee_pending INTEGER NOT NULL DEFAULT 0);"
  "CREATE INDEX IF NOT EXISTS calls_caller ON calls (caller_service, caller_user, invited_at);"
  "CREATE INDEX IF NOT EXISTS calls_callee ON calls (callee_service, callee_user, invited_at);"
  "CREATE INDEX IF NOT EXISTS calls_state ON calls (state);";

#define CALL_COLUMNS \
  "call_id, caller_user, caller_service, callee_user, callee_service, media_type," \
  " state, invited_at, verified_at, answered_at, ended_at, reason, source, cc_param," \
  " caller_pending, callee_pending"

static gboolean
db_error (DuetStore  *self,
          GError    **error,
          const char *what)
{
  g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_DATABASE,
               "Database error (%s): %s", what,
               self->db != NULL ? sqlite3_errmsg (self->db) : "cannot open");
  return FALSE;
}

static void
duet_store_finalize (GObject *object)
{
  duet_store_close (DUET_STORE (object));
  G_OBJECT_CLASS (duet_store_parent_class)->finalize (object);
}

static void
duet_store_class_init (DuetStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = duet_store_finalize;
}

static void
duet_store_init (DuetStore *self)
{
}

static sqlite3_stmt *
prepare (DuetStore  *self,
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

DuetStore *
duet_store_open (const char  *path,
                 GError     **error)
{
  g_autoptr(DuetStore) self = g_object_new (DUET_TYPE_STORE, NULL);

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
                    "PRAGMA foreign_keys=ON;", NULL, NULL, NULL) != SQLITE_OK ||
      sqlite3_exec (self->db, schema, NULL, NULL, NULL) != SQLITE_OK)
    {
      db_error (self, error, "schema");
      return NULL;
    }

  return g_steal_pointer (&self);
}

void
duet_store_close (DuetStore *self)
{
  if (self->db == NULL)
    return;

  sqlite3_exec (self->db, "PRAGMA wal_checkpoint(TRUNCATE);", NULL, NULL, NULL);
  sqlite3_close_v2 (self->db);
  self->db = NULL;
}

gboolean
duet_store_get_secret (DuetStore   *self,
                       const char  *name,
                       guint8       out[DUET_STORE_SECRET_LENGTH],
                       GError     **error)
{
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

static char *
hash_password (const char  *password,
               DuetKdfCost  cost,
               GError     **error)
{
  char hash[crypto_pwhash_STRBYTES];
  unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;

  if (cost == DUET_KDF_COST_MIN)
    {
      ops = crypto_pwhash_OPSLIMIT_MIN;
      mem = crypto_pwhash_MEMLIMIT_MIN;
    }

  if (crypto_pwhash_str (hash, password, strlen (password), ops, mem) != 0)
    {
      g_set_error_literal (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_CRYPTO,
                           "Out of memory while hashing the password");
      return NULL;
    }
  return g_strdup (hash);
}

/* Checked against for unknown accounts, so that timing does not tell
 * whether an account exists. Made once, at the default cost. */
const char *
duet_store_get_dummy_hash (void)
{
  static char *dummy;

  if (g_once_init_enter (&dummy))
    {
      guint8 random[16];
      g_autofree char *password = NULL;
      char *hash;

      randombytes_buf (random, sizeof random);
      password = g_base64_encode (random, sizeof random);
      hash = hash_password (password, DUET_KDF_COST_INTERACTIVE, NULL);
      g_once_init_leave (&dummy, hash != NULL ? hash : g_strdup ("-"));
    }
  return dummy;
}

gboolean
duet_store_check_password (const char *hash,
                           const char *password)
{
  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}

static gint64
revoked_version (DuetStore  *self,
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

gboolean
duet_store_add_user (DuetStore   *self,
                     const char  *service,
                     const char  *user,
                     const char  *password,
                     DuetKdfCost  cost,
                     GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *hash = NULL;
  int rc;

  hash = hash_password (password, cost, error);
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

gboolean
duet_store_remove_user (DuetStore   *self,
                        const char  *service,
                        const char  *user,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) revoke = NULL;
  g_autoptr(sqlite3_stmt) del = NULL;
  gint64 tv = 0;

  if (!duet_store_lookup_user (self, service, user, NULL, &tv, error))
    return FALSE;

  revoke = prepare (self, "INSERT OR REPLACE INTO revoked (service, user, token_version)"
                          " VALUES (?, ?, ?)", error);
  del = prepare (self, "DELETE FROM users WHERE service = ? AND user = ?", error);
  if (revoke == NULL || del == NULL)
    return FALSE;

  sqlite3_bind_text (revoke, 1, service, -1, SQLITE_STATIC);
  sqlite3_bind_text (revoke, 2, user, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (revoke, 3, tv + 1);
  sqlite3_bind_text (del, 1, service, -1, SQLITE_STATIC);
  sqlite3_bind_text (del, 2, user, -1, SQLITE_STATIC);

  sqlite3_exec (self->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
  if (sqlite3_step (revoke) != SQLITE_DONE || sqlite3_step (del) != SQLITE_DONE)
    {
      db_error (self, error, "remove user");
      sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  if (sqlite3_exec (self->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
    return db_error (self, error, "commit");
  return TRUE;
}

gboolean
duet_store_set_password (DuetStore   *self,
                         const char  *service,
                         const char  *user,
                         const char  *password,
                         DuetKdfCost  cost,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  g_autofree char *hash = NULL;

  hash = hash_password (password, cost, error);
  if (hash == NULL)
    return FALSE;

  stmt = prepare (self, "UPDATE users SET pwhash = ?, token_version = token_version + 1"
                        " WHERE service = ? AND user = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, hash, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, service, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, user, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) != SQLITE_DONE)
    return db_error (self, error, "set password");
  if (sqlite3_changes (self->db) == 0)
    return not_found (error, service, user);
  return TRUE;
}

GPtrArray *
duet_store_list_users (DuetStore   *self,
                       const char  *service,
                       GError     **error)
{
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

gboolean
duet_store_lookup_user (DuetStore   *self,
                        const char  *service,
                        const char  *user,
                        char       **out_hash,
                        gint64      *out_token_version,
                        GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  int rc;

  stmt = prepare (self, "SELECT pwhash, token_version FROM users WHERE service = ? AND user = ?",
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
  return TRUE;
}

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

gboolean
duet_store_save_call (DuetStore       *self,
                      DuetCallRecord  *call,
                      GError         **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;
  gboolean ended = call->state == DUET_CALL_STATE_ENDED;

  stmt = prepare (self, "INSERT OR REPLACE INTO calls (" CALL_COLUMNS ")"
                        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", error);
  if (stmt == NULL)
    return FALSE;

  sqlite3_bind_text (stmt, 1, call->call_id, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, call->caller_user, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, call->caller_service, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 4, call->callee_user, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 5, call->callee_service, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 6, duet_media_type_to_string (call->media_type), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 7, duet_call_state_to_string (call->state), -1, SQLITE_STATIC);
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

  if (sqlite3_step (stmt) != SQLITE_DONE)
    return db_error (self, error, "save call");
  return TRUE;
}

static char *
column_dup (sqlite3_stmt *stmt,
            int           column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
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
  if (!duet_call_state_from_string ((const char *) sqlite3_column_text (stmt, 6), &call->state))
    call->state = DUET_CALL_STATE_ENDED;
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
  return call;
}

static GPtrArray *
collect_calls (DuetStore     *self,
               sqlite3_stmt  *stmt,
               GError       **error)
{
  g_autoptr(GPtrArray) calls = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_call_record_unref);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (calls, call_from_row (stmt));
  if (rc != SQLITE_DONE)
    {
      db_error (self, error, "load calls");
      return NULL;
    }
  return g_steal_pointer (&calls);
}

GPtrArray *
duet_store_load_open_calls (DuetStore  *self,
                            GError    **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "SELECT " CALL_COLUMNS " FROM calls WHERE state != 'ended'", error);
  if (stmt == NULL)
    return NULL;
  return collect_calls (self, stmt, error);
}

GPtrArray *
duet_store_load_pending (DuetStore   *self,
                         const char  *service,
                         const char  *user,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "SELECT " CALL_COLUMNS " FROM calls WHERE state = 'ended' AND"
                        " ((caller_service = ?1 AND caller_user = ?2 AND caller_pending = 1) OR"
                        "  (callee_service = ?1 AND callee_user = ?2 AND callee_pending = 1))"
                        " ORDER BY invited_at", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, service, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, user, -1, SQLITE_STATIC);
  return collect_calls (self, stmt, error);
}

GPtrArray *
duet_store_load_history (DuetStore   *self,
                         const char  *service,
                         const char  *user,
                         gint64       before,
                         guint        limit,
                         GError     **error)
{
  g_autoptr(sqlite3_stmt) stmt = NULL;

  stmt = prepare (self, "SELECT " CALL_COLUMNS " FROM calls WHERE"
                        " ((caller_service = ?1 AND caller_user = ?2) OR"
                        "  (callee_service = ?1 AND callee_user = ?2))"
                        " AND invited_at < ?3 ORDER BY invited_at DESC, rowid DESC LIMIT ?4", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, service, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, user, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 3, before > 0 ? before : G_MAXINT64);
  sqlite3_bind_int (stmt, 4, limit);
  return collect_calls (self, stmt, error);
}

/* Changes when another connection (e.g. `duet-server user remove`) commits */
gint64
duet_store_get_data_version (DuetStore *self)
{
  g_autoptr(sqlite3_stmt) stmt = prepare (self, "PRAGMA data_version", NULL);

  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}
