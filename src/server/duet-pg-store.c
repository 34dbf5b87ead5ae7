/* duet-pg-store.c: the store in PostgreSQL, shared by several servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two connections. A blocking one for what happens before serving or
 * outside it: schema migrations (numbered, in schema_migrations, under an
 * advisory lock so that nodes starting together do not race), secrets,
 * the calls to pick up after a restart, and the CLI's account changes.
 * And, for a serving node, a DuetPgConnection on the main loop for
 * everything else, so that no request waits for the database:
 *
 * - Accounts and devices are read on every sign-in and every call, so the
 *   node keeps them in memory, loaded at start. Triggers NOTIFY each
 *   change (whoever makes it: another node, `duet-server user passwd`),
 *   and the node reloads that account; the store's generation then moves
 *   on, and the server checks its sessions against the new state.
 * - Writes go through one ordered queue, one statement at a time. While
 *   the database is unreachable they wait (up to BACKLOG_MAX) and are sent
 *   when it is back: calls in progress go on and are recorded later.
 * - Reads a client waits for (history, missed calls) go through the same
 *   queue, behind the writes before them, and fail at once while the
 *   database is unreachable; so does a sign-in, which must record its
 *   device (is_available says so, for /healthz and the 503 it answers).
 */
#include "config.h"

#include <string.h>
#include <sodium.h>

#include "duet-password.h"
#include "duet-pg-connection.h"
#include "duet-pg-store.h"
#include "duet-server-error.h"

#define CONNECT_TIMEOUT_MS 5000
/* What the blocking connection may take once the node serves: it only
 * looks up what memory missed, and records new devices */
#define ADMIN_STATEMENT_TIMEOUT_MS 1000
#define RECONNECT_MIN_MS   250
#define RECONNECT_MAX_MS   8000
#define BACKLOG_MAX        10000
#define CLOSE_DRAIN_MS     5000
#define BATCH_MAX          256    /* writes sent in one round trip */
#define MIGRATION_LOCK     "7232011"   /* pg_advisory_xact_lock's key: "duet" */

/* Each entry moves the schema one version on; never edit one that has
 * shipped, add another */
static const char *const migrations[] = {
  /* 1: what the SQLite store keeps, plus the notifications that keep
   * every node's accounts and devices current */
  "CREATE TABLE meta (key text PRIMARY KEY, value bytea NOT NULL);"
  "CREATE TABLE users ("
  "  id bigserial PRIMARY KEY, service text NOT NULL, \"user\" text NOT NULL, pwhash text NOT NULL,"
  "  token_version bigint NOT NULL DEFAULT 0, created_at bigint NOT NULL,"
  "  UNIQUE (service, \"user\"));"
  "CREATE TABLE revoked ("
  "  service text NOT NULL, \"user\" text NOT NULL, token_version bigint NOT NULL,"
  "  PRIMARY KEY (service, \"user\"));"
  "CREATE SEQUENCE calls_seq;"
  "CREATE TABLE calls ("
  "  call_id text PRIMARY KEY,"
  "  caller_user text NOT NULL, caller_service text NOT NULL,"
  "  callee_user text NOT NULL, callee_service text NOT NULL,"
  "  media_type text NOT NULL, state text NOT NULL,"
  "  invited_at bigint NOT NULL, verified_at bigint, answered_at bigint, ended_at bigint,"
  "  reason text, source text, cc_param text,"
  "  caller_pending smallint NOT NULL DEFAULT 0, callee_pending smallint NOT NULL DEFAULT 0,"
  "  caller_id bigint, callee_id bigint, user_code text,"
  "  caller_device text, callee_device text, seen_at bigint NOT NULL DEFAULT 0,"
  "  seq bigint NOT NULL DEFAULT nextval('calls_seq'));"
  "CREATE TABLE devices ("
  "  account_id bigint NOT NULL, device_id text NOT NULL, name text NOT NULL,"
  "  key bigint NOT NULL, created_at bigint NOT NULL, last_seen_at bigint NOT NULL,"
  "  PRIMARY KEY (account_id, device_id));"
  "CREATE INDEX calls_by_caller ON calls (caller_id, invited_at);"
  "CREATE INDEX calls_by_callee ON calls (callee_id, invited_at);"
  "CREATE INDEX calls_caller_pending ON calls (caller_id) WHERE caller_pending = 1;"
  "CREATE INDEX calls_callee_pending ON calls (callee_id) WHERE callee_pending = 1;"
  "CREATE INDEX calls_open ON calls (state) WHERE state != 'ended';"
  "CREATE INDEX calls_by_time ON calls (invited_at);"
  "CREATE INDEX calls_unseen ON calls (callee_id, ended_at)"
  "  WHERE state = 'ended' AND answered_at IS NULL AND seen_at = 0;"
  "CREATE FUNCTION duet_account_changed () RETURNS trigger LANGUAGE plpgsql AS $$"
  " BEGIN"
  "  IF TG_OP = 'DELETE' THEN PERFORM pg_notify ('duet_accounts', OLD.service || '/' || OLD.\"user\");"
  "  ELSE PERFORM pg_notify ('duet_accounts', NEW.service || '/' || NEW.\"user\"); END IF;"
  "  RETURN NULL;"
  " END $$;"
  "CREATE TRIGGER users_changed AFTER INSERT OR UPDATE OR DELETE ON users"
  "  FOR EACH ROW EXECUTE FUNCTION duet_account_changed ();"
  "CREATE FUNCTION duet_devices_changed () RETURNS trigger LANGUAGE plpgsql AS $$"
  " BEGIN"
  "  IF TG_OP = 'DELETE' THEN PERFORM pg_notify ('duet_devices', OLD.account_id::text);"
  "  ELSE PERFORM pg_notify ('duet_devices', NEW.account_id::text); END IF;"
  "  RETURN NULL;"
  " END $$;"
  "CREATE TRIGGER devices_changed AFTER INSERT OR UPDATE OR DELETE ON devices"
  "  FOR EACH ROW EXECUTE FUNCTION duet_devices_changed ();",
};

#define CALL_COLUMNS \
  "call_id, caller_user, caller_service, callee_user, callee_service, media_type," \
  " state, invited_at, verified_at, answered_at, ended_at, reason, source, cc_param," \
  " caller_pending, callee_pending, caller_id, callee_id, user_code," \
  " caller_device, callee_device, seen_at"

typedef struct
{
  char   *device_id;
  char   *name;
  gint64  key;
  gint64  created_at;
  gint64  last_seen_at;
} Device;

typedef struct
{
  gint64      id;
  char       *service;
  char       *user;
  char       *hash;
  gint64      token_version;
  GHashTable *devices;          /* device id → Device */
  guint       writes_pending;   /* our own device writes not yet committed */
} Account;

struct _DuetPgStore
{
  GObject           parent_instance;

  char             *conninfo;
  DuetPgStoreMode   mode;
  PGconn           *admin;      /* blocking */
  DuetPgConnection *pg;         /* the main loop's */

  GHashTable       *accounts;   /* "service/user" → Account */
  GHashTable       *by_id;      /* id → Account (borrowed) */
  gint64            generation;

  GQueue            ops;        /* Op, oldest first; the first in_flight are on the wire */
  guint             in_flight;
  guint             reconnect_source;
  guint             backoff_ms;
  gboolean          closed;
};

static void duet_pg_store_iface_init (DuetStoreInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DuetPgStore, duet_pg_store, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (DUET_TYPE_STORE, duet_pg_store_iface_init))

/* ---- the cache ---- */

static void
device_free (gpointer data)
{
  Device *device = data;

  g_free (device->device_id);
  g_free (device->name);
  g_free (device);
}

static void
account_free (gpointer data)
{
  Account *account = data;

  g_free (account->service);
  g_free (account->user);
  g_free (account->hash);
  g_hash_table_unref (account->devices);
  g_free (account);
}

static char *
account_key (const char *service,
             const char *user)
{
  return g_strconcat (service, "/", user, NULL);
}

static Account *
find_account (DuetPgStore *self,
              const char  *service,
              const char  *user)
{
  g_autofree char *key = account_key (service, user);

  return g_hash_table_lookup (self->accounts, key);
}

static Account *
find_account_by_id (DuetPgStore *self,
                    gint64       id)
{
  return g_hash_table_lookup (self->by_id, &id);
}

static void
forget_account (DuetPgStore *self,
                Account     *account)
{
  g_autofree char *key = account_key (account->service, account->user);

  g_hash_table_remove (self->by_id, &account->id);
  g_hash_table_remove (self->accounts, key);
}

/* Replaces what is known of the account with this row (id, pwhash,
 * token_version); its devices stay */
static Account *
put_account (DuetPgStore *self,
             const char  *service,
             const char  *user,
             gint64       id,
             const char  *hash,
             gint64       token_version)
{
  Account *account = find_account (self, service, user);

  if (account != NULL && account->id != id)
    {
      forget_account (self, account);   /* removed and added again: a new account */
      account = NULL;
    }
  if (account == NULL)
    {
      account = g_new0 (Account, 1);
      account->id = id;
      account->service = g_strdup (service);
      account->user = g_strdup (user);
      account->devices = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, device_free);
      g_hash_table_insert (self->accounts, account_key (service, user), account);
      g_hash_table_insert (self->by_id, &account->id, account);
    }
  g_free (account->hash);
  account->hash = g_strdup (hash);
  account->token_version = token_version;
  return account;
}

static void
put_device_row (Account    *account,
                const char *device_id,
                const char *name,
                gint64      key,
                gint64      created_at,
                gint64      last_seen_at)
{
  Device *device = g_new0 (Device, 1);

  device->device_id = g_strdup (device_id);
  device->name = g_strdup (name);
  device->key = key;
  device->created_at = created_at;
  device->last_seen_at = last_seen_at;
  g_hash_table_replace (account->devices, device->device_id, device);
}

static gint64
int_value (const PGresult *result,
           int             row,
           int             column)
{
  return PQgetisnull (result, row, column) ? 0 : g_ascii_strtoll (PQgetvalue (result, row, column), NULL, 10);
}

static const char *
text_value (const PGresult *result,
            int             row,
            int             column)
{
  return PQgetisnull (result, row, column) ? NULL : PQgetvalue (result, row, column);
}

/* Rows of (id, service, user, pwhash, token_version) */
static void
take_account_rows (DuetPgStore    *self,
                   const PGresult *result)
{
  for (int i = 0; i < PQntuples (result); i++)
    put_account (self, text_value (result, i, 1), text_value (result, i, 2), int_value (result, i, 0),
                 text_value (result, i, 3), int_value (result, i, 4));
}

/* Rows of (account_id, device_id, name, key, created_at, last_seen_at) */
static void
take_device_rows (DuetPgStore    *self,
                  const PGresult *result)
{
  for (int i = 0; i < PQntuples (result); i++)
    {
      Account *account = find_account_by_id (self, int_value (result, i, 0));

      if (account != NULL)
        put_device_row (account, text_value (result, i, 1), text_value (result, i, 2), int_value (result, i, 3),
                        int_value (result, i, 4), int_value (result, i, 5));
    }
}

/* ---- the blocking connection ---- */

/* The server's notices ("already exists, skipping") are for our debug log */
static void
on_notice (void       *data,
           const char *message)
{
  g_autofree char *text = g_strstrip (g_strdup (message));

  g_debug ("PostgreSQL: %s", text);
}

static gboolean
unavailable (GError    **error,
             const char *why)
{
  g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_UNAVAILABLE,
               "The database cannot be reached: %s", why);
  return FALSE;
}

/* Connects the blocking connection again, with its session settings */
static void
reset_admin (DuetPgStore *self)
{
  PQreset (self->admin);
  if (self->mode == DUET_PG_STORE_SERVE && PQstatus (self->admin) == CONNECTION_OK)
    PQclear (PQexec (self->admin, "SET statement_timeout = " G_STRINGIFY (ADMIN_STATEMENT_TIMEOUT_MS)));
}

/* One statement (or, without parameters, several) on the blocking
 * connection; NULL with @error set when it fails */
static PGresult *
exec_admin (DuetPgStore        *self,
            const char         *sql,
            int                 n_params,
            const char *const  *params,
            GError            **error)
{
  PGresult *result;
  ExecStatusType status;

  if (self->admin == NULL || PQstatus (self->admin) != CONNECTION_OK)
    {
      if (self->admin != NULL)
        reset_admin (self);
      if (self->admin == NULL || PQstatus (self->admin) != CONNECTION_OK)
        {
          unavailable (error, self->admin ? PQerrorMessage (self->admin) : "not connected");
          return NULL;
        }
    }
  result = n_params == 0 ? PQexec (self->admin, sql)
                         : PQexecParams (self->admin, sql, n_params, NULL, params, NULL, NULL, 0);
  status = PQresultStatus (result);
  /* an idle connection learns that the database restarted only when it
   * is used: connect again and try once more */
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && PQstatus (self->admin) != CONNECTION_OK)
    {
      PQclear (result);
      reset_admin (self);
      result = n_params == 0 ? PQexec (self->admin, sql)
                             : PQexecParams (self->admin, sql, n_params, NULL, params, NULL, NULL, 0);
      status = PQresultStatus (result);
    }
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK)
    return result;

  if (PQstatus (self->admin) != CONNECTION_OK)
    unavailable (error, PQerrorMessage (self->admin));
  else
    {
      const char *state = PQresultErrorField (result, PG_DIAG_SQLSTATE);

      g_set_error (error, DUET_SERVER_ERROR,
                   g_strcmp0 (state, "23505") == 0 ? DUET_SERVER_ERROR_EXISTS : DUET_SERVER_ERROR_DATABASE,
                   "Database error: %s", g_strstrip (PQresultErrorMessage (result)));
    }
  PQclear (result);
  return NULL;
}

static gboolean
exec_admin_command (DuetPgStore        *self,
                    const char         *sql,
                    int                 n_params,
                    const char *const  *params,
                    GError            **error)
{
  g_autoptr(PGresult) result = exec_admin (self, sql, n_params, params, error);

  return result != NULL;
}

static gboolean
rollback (DuetPgStore *self)
{
  PQclear (PQexec (self->admin, "ROLLBACK"));
  return FALSE;
}

/* Brings the schema to the newest version, in one transaction */
static gboolean
migrate (DuetPgStore  *self,
         GError      **error)
{
  g_autoptr(PGresult) current = NULL;
  gint64 version;

  if (!exec_admin_command (self, "BEGIN; SELECT pg_advisory_xact_lock (" MIGRATION_LOCK ");"
                                 "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                 "  version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now ())",
                           0, NULL, error))
    return rollback (self);
  current = exec_admin (self, "SELECT coalesce (max (version), 0) FROM schema_migrations", 0, NULL, error);
  if (current == NULL)
    return rollback (self);
  version = int_value (current, 0, 0);
  if (version > (gint64) G_N_ELEMENTS (migrations))
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_DATABASE,
                   "The database's schema (version %" G_GINT64_FORMAT ") is newer than this server's (%u): "
                   "upgrade duet-server", version, (guint) G_N_ELEMENTS (migrations));
      return rollback (self);
    }

  for (gint64 next = version + 1; next <= (gint64) G_N_ELEMENTS (migrations); next++)
    {
      g_autofree char *number = g_strdup_printf ("%" G_GINT64_FORMAT, next);
      const char *params[] = { number };

      g_message ("Database: schema version %" G_GINT64_FORMAT, next);
      if (!exec_admin_command (self, migrations[next - 1], 0, NULL, error) ||
          !exec_admin_command (self, "INSERT INTO schema_migrations (version) VALUES ($1)", 1, params, error))
        return rollback (self);
    }
  return exec_admin_command (self, "COMMIT", 0, NULL, error);
}

static gboolean
load_cache (DuetPgStore  *self,
            GError      **error)
{
  g_autoptr(PGresult) accounts = exec_admin (self, "SELECT id, service, \"user\", pwhash, token_version FROM users",
                                             0, NULL, error);
  g_autoptr(PGresult) devices = NULL;

  if (accounts == NULL)
    return FALSE;
  devices = exec_admin (self, "SELECT account_id, device_id, name, key, created_at, last_seen_at FROM devices",
                        0, NULL, error);
  if (devices == NULL)
    return FALSE;
  g_hash_table_remove_all (self->by_id);
  g_hash_table_remove_all (self->accounts);
  take_account_rows (self, accounts);
  take_device_rows (self, devices);
  return TRUE;
}

/* ---- the main loop's queue ---- */

typedef struct _Op Op;
typedef void (*OpDone) (DuetPgStore *self, Op *op, PGresult *result, const GError *error);

struct _Op
{
  char      *sql;
  GPtrArray *params;
  OpDone     done;       /* NULL: a write nobody waits for */
  GTask     *task;       /* what a read answers */
  gint64     account;    /* a device write of this account: the cache has it already */
  gpointer   data;
  GDestroyNotify data_free;
  gboolean   alone;      /* a batch it was in failed: sent by itself */
};

static void
op_free (Op *op)
{
  if (op->data_free != NULL)
    op->data_free (op->data);
  g_free (op->sql);
  g_ptr_array_unref (op->params);
  g_clear_object (&op->task);
  g_free (op);
}

static Op *
op_new (const char        *sql,
        guint              n_params,
        const char *const *params)
{
  Op *op = g_new0 (Op, 1);

  op->sql = g_strdup (sql);
  op->params = g_ptr_array_new_full (n_params, g_free);
  for (guint i = 0; i < n_params; i++)
    g_ptr_array_add (op->params, g_strdup (params[i]));
  return op;
}

static gboolean
is_ready (DuetPgStore *self)
{
  return self->pg != NULL && duet_pg_connection_get_state (self->pg) == DUET_PG_STATE_READY;
}

static void pump (DuetPgStore *self);
static void schedule_reconnect (DuetPgStore *self);

static void
account_write_done (DuetPgStore *self,
                    gint64       account_id)
{
  Account *account = account_id != 0 ? find_account_by_id (self, account_id) : NULL;

  if (account != NULL && account->writes_pending > 0)
    account->writes_pending--;
}

/* A batch came back: all of it made it, or none (one implicit
 * transaction). Refused, its writes go again one by one, so that only
 * the bad one is lost. */
static void
batch_done (DuetPgStore  *self,
            guint         count,
            const GError *error)
{
  if (error != NULL)
    {
      g_debug ("Database: a batch of %u writes was refused (%s); sending them one by one", count, error->message);
      for (GList *l = self->ops.head; l != NULL && count-- > 0; l = l->next)
        ((Op *) l->data)->alone = TRUE;
      return;
    }
  while (count-- > 0)
    {
      Op *op = g_queue_pop_head (&self->ops);

      account_write_done (self, op->account);
      op_free (op);
    }
}

static void
on_op_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(DuetPgStore) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(PGresult) rows = duet_pg_connection_query_finish (DUET_PG_CONNECTION (source), result, &error);
  guint count = self->in_flight;
  Op *op = g_queue_peek_head (&self->ops);

  self->in_flight = 0;
  if (op == NULL)
    return;   /* closed meanwhile */

  /* Writes that did not get through wait at the head for the next
   * connection; a refused one is logged and dropped */
  if (op->done == NULL && g_error_matches (error, DUET_PG_ERROR, DUET_PG_ERROR_UNAVAILABLE) && !self->closed)
    {
      schedule_reconnect (self);
      return;
    }
  if (count > 1)
    batch_done (self, count, error);
  else
    {
      g_queue_pop_head (&self->ops);
      if (op->done != NULL)
        op->done (self, op, rows, error);
      else if (error != NULL)
        g_warning ("Database write failed: %s (%.60s)", error->message, op->sql);
      account_write_done (self, op->account);
      op_free (op);
    }
  pump (self);
}

/* @op's statement with its parameters written in as literals, for a batch
 * (a string of several statements takes no parameters); NULL if one
 * cannot be escaped */
static char *
inline_statement (DuetPgStore *self,
                  Op          *op)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (const char *p = op->sql; *p != '\0'; p++)
    {
      char *end;
      guint64 index;

      if (*p != '$' || !g_ascii_isdigit (p[1]))
        {
          g_string_append_c (text, *p);
          continue;
        }
      index = g_ascii_strtoull (p + 1, &end, 10);
      if (index < 1 || index > op->params->len)
        return NULL;
      if (g_ptr_array_index (op->params, index - 1) == NULL)
        g_string_append (text, "NULL");
      else
        {
          const char *value = g_ptr_array_index (op->params, index - 1);
          char *literal = PQescapeLiteral (self->admin, value, strlen (value));

          if (literal == NULL)
            return NULL;
          g_string_append (text, literal);
          PQfreemem (literal);
        }
      p = end - 1;
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* Consecutive writes at the head, in one string: a burst of calls
 * would otherwise wait a round trip per write and fall behind */
static guint
send_batch (DuetPgStore *self)
{
  g_autoptr(GString) batch = g_string_new (NULL);
  guint count = 0;

  if (self->admin == NULL)
    return 0;
  for (GList *l = self->ops.head; l != NULL && count < BATCH_MAX; l = l->next)
    {
      Op *op = l->data;
      g_autofree char *statement = NULL;

      if (op->done != NULL || op->alone || (statement = inline_statement (self, op)) == NULL)
        break;
      g_string_append (batch, statement);
      g_string_append (batch, ";\n");
      count++;
    }
  if (count < 2)
    return 0;
  duet_pg_connection_query_async (self->pg, batch->str, 0, NULL, NULL, on_op_done, g_object_ref (self));
  return count;
}

static void
pump (DuetPgStore *self)
{
  Op *op;

  if (self->in_flight > 0 || !is_ready (self) || (op = g_queue_peek_head (&self->ops)) == NULL)
    return;
  self->in_flight = send_batch (self);
  if (self->in_flight > 0)
    return;
  self->in_flight = 1;
  duet_pg_connection_query_async (self->pg, op->sql, op->params->len, (const char *const *) op->params->pdata,
                                  NULL, on_op_done, g_object_ref (self));
}

/* A write: sent in order, kept while the database is away */
static void
write_async (DuetPgStore       *self,
             gint64             account_id,
             const char        *sql,
             guint              n_params,
             const char *const *params)
{
  Op *op;

  if (g_queue_get_length (&self->ops) >= BACKLOG_MAX)
    {
      Op *oldest = g_queue_pop_nth (&self->ops, self->in_flight);

      g_warning ("Database unreachable for too long: dropping a write (%.60s)", oldest->sql);
      account_write_done (self, oldest->account);
      op_free (oldest);
    }
  op = op_new (sql, n_params, params);
  op->account = account_id;
  if (account_id != 0)
    {
      Account *account = find_account_by_id (self, account_id);

      if (account != NULL)
        account->writes_pending++;
    }
  g_queue_push_tail (&self->ops, op);
  pump (self);
}

/* A read someone waits for: fails at once while the database is away */
static void
read_async (DuetPgStore       *self,
            GTask             *task,
            OpDone             done,
            const char        *sql,
            guint              n_params,
            const char *const *params)
{
  Op *op;

  if (!is_ready (self))
    {
      g_task_return_new_error (task, DUET_SERVER_ERROR, DUET_SERVER_ERROR_UNAVAILABLE,
                               "The database cannot be reached");
      return;
    }
  op = op_new (sql, n_params, params);
  op->task = g_object_ref (task);
  op->done = done;
  g_queue_push_tail (&self->ops, op);
  pump (self);
}

/* ---- notifications: another node or the CLI changed an account ---- */

static void
on_account_reloaded (DuetPgStore    *self,
                     Op             *op,
                     PGresult       *result,
                     const GError   *error)
{
  g_auto(GStrv) name = g_strsplit (op->data, "/", 2);
  Account *account;

  if (error != NULL || g_strv_length (name) != 2)
    {
      g_warning ("Cannot reload account %s: %s", (char *) op->data, error ? error->message : "bad name");
      return;
    }
  account = find_account (self, name[0], name[1]);
  if (PQntuples (result) == 0)
    {
      if (account != NULL)
        forget_account (self, account);
    }
  else if (account == NULL || account->writes_pending == 0)
    take_account_rows (self, result);
  self->generation++;
}

static void
on_devices_reloaded (DuetPgStore    *self,
                     Op             *op,
                     PGresult       *result,
                     const GError   *error)
{
  gint64 id = GPOINTER_TO_SIZE (op->data);
  Account *account = find_account_by_id (self, id);

  if (error != NULL)
    {
      g_warning ("Cannot reload the devices of account %" G_GINT64_FORMAT ": %s", id, error->message);
      return;
    }
  /* our own writes still on their way: their notifications come later */
  if (account == NULL || account->writes_pending > 0)
    return;
  g_hash_table_remove_all (account->devices);
  take_device_rows (self, result);
  self->generation++;
}

static void
on_notification (DuetPgConnection *pg,
                 const char       *channel,
                 const char       *payload,
                 DuetPgStore      *self)
{
  Op *op;

  if (g_str_equal (channel, "duet_accounts"))
    {
      g_auto(GStrv) name = g_strsplit (payload, "/", 2);
      const char *params[2];

      if (g_strv_length (name) != 2)
        return;
      params[0] = name[0];
      params[1] = name[1];
      op = op_new ("SELECT id, service, \"user\", pwhash, token_version FROM users"
                   " WHERE service = $1 AND \"user\" = $2", 2, params);
      op->data = g_strdup (payload);
      op->data_free = g_free;
      op->done = on_account_reloaded;
    }
  else if (g_str_equal (channel, "duet_devices"))
    {
      gint64 id = g_ascii_strtoll (payload, NULL, 10);
      const char *params[] = { payload };

      op = op_new ("SELECT account_id, device_id, name, key, created_at, last_seen_at FROM devices"
                   " WHERE account_id = $1", 1, params);
      op->data = GSIZE_TO_POINTER ((gsize) id);
      op->done = on_devices_reloaded;
    }
  else
    return;
  g_queue_push_tail (&self->ops, op);
  pump (self);
}

/* ---- connecting, and again after an outage ---- */

static void
on_listening (DuetPgStore    *self,
              Op             *op,
              PGresult       *result,
              const GError   *error)
{
  if (error != NULL)
    g_warning ("Database: cannot listen for account changes: %s", error->message);
}

/* Notifications sent while we were away are lost: start from the database */
static void
on_all_reloaded (DuetPgStore    *self,
                 Op             *op,
                 PGresult       *result,
                 const GError   *error)
{
  if (error != NULL)
    return;
  if (GPOINTER_TO_INT (op->data) == 0)
    {
      g_autoptr(GHashTable) present = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
      GHashTableIter iter;
      Account *account;

      take_account_rows (self, result);
      /* accounts that are gone: not in the rows (a set, not a scan of
       * the rows per account, which grows with the square of them) */
      for (int i = 0; i < PQntuples (result); i++)
        {
          gint64 id = int_value (result, i, 0);

          g_hash_table_add (present, g_memdup2 (&id, sizeof id));
        }
      g_hash_table_iter_init (&iter, self->accounts);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &account))
        if (!g_hash_table_contains (present, &account->id))
          {
            g_hash_table_remove (self->by_id, &account->id);
            g_hash_table_iter_remove (&iter);
          }
    }
  else
    {
      GHashTableIter iter;
      Account *account;

      g_hash_table_iter_init (&iter, self->accounts);
      while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &account))
        if (account->writes_pending == 0)
          g_hash_table_remove_all (account->devices);
      take_device_rows (self, result);
    }
  self->generation++;
}

static void
push_head (DuetPgStore *self,
           Op          *op,
           guint        position)
{
  /* behind a write already on the wire, if any */
  g_queue_push_nth (&self->ops, op, self->in_flight + position);
}

static void
on_connected (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(DuetPgStore) self = user_data;
  g_autoptr(GError) error = NULL;
  Op *op;

  if (self->closed)
    return;
  if (!duet_pg_connection_connect_finish (DUET_PG_CONNECTION (source), result, &error))
    {
      g_warning ("Database unreachable: %s", error->message);
      schedule_reconnect (self);
      return;
    }
  g_message ("Database: connected");
  self->backoff_ms = 0;

  op = op_new ("LISTEN duet_accounts; LISTEN duet_devices", 0, NULL);
  op->done = on_listening;
  push_head (self, op, 0);
  op = op_new ("SELECT id, service, \"user\", pwhash, token_version FROM users", 0, NULL);
  op->done = on_all_reloaded;
  op->data = GINT_TO_POINTER (0);
  push_head (self, op, 1);
  op = op_new ("SELECT account_id, device_id, name, key, created_at, last_seen_at FROM devices", 0, NULL);
  op->done = on_all_reloaded;
  op->data = GINT_TO_POINTER (1);
  push_head (self, op, 2);
  pump (self);
}

static gboolean
reconnect_cb (gpointer user_data)
{
  DuetPgStore *self = user_data;

  self->reconnect_source = 0;
  duet_pg_connection_connect_async (self->pg, CONNECT_TIMEOUT_MS, NULL, on_connected, g_object_ref (self));
  return G_SOURCE_REMOVE;
}

static void
schedule_reconnect (DuetPgStore *self)
{
  if (self->closed || self->reconnect_source != 0 ||
      duet_pg_connection_get_state (self->pg) != DUET_PG_STATE_DISCONNECTED)
    return;
  self->backoff_ms = CLAMP (self->backoff_ms * 2, RECONNECT_MIN_MS, RECONNECT_MAX_MS);
  self->reconnect_source = g_timeout_add (self->backoff_ms, reconnect_cb, self);
}

static void
on_state (DuetPgConnection *pg,
          GParamSpec       *pspec,
          DuetPgStore      *self)
{
  if (duet_pg_connection_get_state (pg) != DUET_PG_STATE_DISCONNECTED)
    return;
  /* reads waiting behind the lost statements fail; writes wait */
  guint position = 0;

  for (GList *l = self->ops.head; l != NULL; position++)
    {
      GList *next = l->next;
      Op *op = l->data;

      if (op->task != NULL && position >= self->in_flight)
        {
          op->done (self, op, NULL, &(GError) { DUET_PG_ERROR, DUET_PG_ERROR_UNAVAILABLE,
                                                (char *) "The database connection was lost" });
          g_queue_delete_link (&self->ops, l);
          op_free (op);
        }
      l = next;
    }
  if (!self->closed)
    g_warning ("Database: connection lost (%s)", duet_pg_connection_get_last_error (pg));
  schedule_reconnect (self);
}

/* ---- accounts (the CLI's) ---- */

static gint64
revoked_version (DuetPgStore *self,
                 const char  *service,
                 const char  *user)
{
  const char *params[] = { service, user };
  g_autoptr(PGresult) result = exec_admin (self, "SELECT token_version FROM revoked"
                                                 " WHERE service = $1 AND \"user\" = $2", 2, params, NULL);

  return result != NULL && PQntuples (result) > 0 ? int_value (result, 0, 0) : 0;
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
pg_store_add_user (DuetStore    *store,
                   const char   *service,
                   const char   *user,
                   const char   *password,
                   DuetKdfCost   cost,
                   GError      **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  g_autofree char *hash = duet_password_hash (password, cost, error);
  g_autofree char *version = NULL;
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, g_get_real_time () / 1000);
  g_autoptr(GError) local_error = NULL;

  if (hash == NULL)
    return FALSE;
  version = g_strdup_printf ("%" G_GINT64_FORMAT, revoked_version (self, service, user));
  {
    const char *params[] = { service, user, hash, version, now };

    if (exec_admin_command (self, "INSERT INTO users (service, \"user\", pwhash, token_version, created_at)"
                                  " VALUES ($1, $2, $3, $4, $5)", 5, params, &local_error))
      return TRUE;
  }
  if (g_error_matches (local_error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_EXISTS))
    g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_EXISTS,
                 "User “%s” already exists in service “%s”", user, service);
  else
    g_propagate_error (error, g_steal_pointer (&local_error));
  return FALSE;
}

static gboolean
pg_store_remove_user (DuetStore   *store,
                      const char  *service,
                      const char  *user,
                      GError     **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  const char *params[] = { service, user };
  g_autoptr(PGresult) removed = NULL;

  /* token versions outlive accounts, so a re-added account cannot revive old tokens */
  if (!exec_admin_command (self, "BEGIN", 0, NULL, error))
    return FALSE;
  removed = exec_admin (self, "DELETE FROM users WHERE service = $1 AND \"user\" = $2"
                              " RETURNING id, token_version", 2, params, error);
  if (removed == NULL)
    return rollback (self);
  if (PQntuples (removed) == 0)
    {
      rollback (self);
      return not_found (error, service, user);
    }
  {
    g_autofree char *next = g_strdup_printf ("%" G_GINT64_FORMAT, int_value (removed, 0, 1) + 1);
    const char *revoke[] = { service, user, next };
    const char *id[] = { PQgetvalue (removed, 0, 0) };

    if (!exec_admin_command (self, "INSERT INTO revoked (service, \"user\", token_version) VALUES ($1, $2, $3)"
                                   " ON CONFLICT (service, \"user\") DO UPDATE SET token_version = $3",
                             3, revoke, error) ||
        !exec_admin_command (self, "DELETE FROM devices WHERE account_id = $1", 1, id, error))
      return rollback (self);
  }
  return exec_admin_command (self, "COMMIT", 0, NULL, error);
}

static gboolean
pg_store_set_password (DuetStore    *store,
                       const char   *service,
                       const char   *user,
                       const char   *password,
                       DuetKdfCost   cost,
                       GError      **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  g_autofree char *hash = duet_password_hash (password, cost, error);
  g_autoptr(PGresult) changed = NULL;

  if (hash == NULL)
    return FALSE;
  if (!exec_admin_command (self, "BEGIN", 0, NULL, error))
    return FALSE;
  {
    const char *params[] = { hash, service, user };

    changed = exec_admin (self, "UPDATE users SET pwhash = $1, token_version = token_version + 1"
                                " WHERE service = $2 AND \"user\" = $3 RETURNING id", 3, params, error);
  }
  if (changed == NULL)
    return rollback (self);
  if (PQntuples (changed) == 0)
    {
      rollback (self);
      return not_found (error, service, user);
    }
  {
    /* a new password signs every device out */
    const char *id[] = { PQgetvalue (changed, 0, 0) };

    if (!exec_admin_command (self, "DELETE FROM devices WHERE account_id = $1", 1, id, error))
      return rollback (self);
  }
  return exec_admin_command (self, "COMMIT", 0, NULL, error);
}

static GPtrArray *
pg_store_list_users (DuetStore   *store,
                     const char  *service,
                     GError     **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  const char *params[] = { service };
  g_autoptr(PGresult) result = exec_admin (self, "SELECT service, \"user\" FROM users"
                                                 " WHERE $1::text IS NULL OR service = $1"
                                                 " ORDER BY service, \"user\"", 1, params, error);
  GPtrArray *users;

  if (result == NULL)
    return NULL;
  users = g_ptr_array_new_with_free_func (g_free);
  for (int i = 0; i < PQntuples (result); i++)
    g_ptr_array_add (users, g_strdup_printf ("%s\t%s", PQgetvalue (result, i, 0), PQgetvalue (result, i, 1)));
  return users;
}

static gboolean
pg_store_get_secret (DuetStore   *store,
                     const char  *name,
                     guint8       out[DUET_STORE_SECRET_LENGTH],
                     GError     **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  guint8 fresh[DUET_STORE_SECRET_LENGTH];
  g_autofree char *hex = NULL;
  g_autoptr(PGresult) result = NULL;
  gsize length = 0;
  g_autofree guchar *value = NULL;

  /* insert-if-missing, then read: nodes starting at once agree */
  randombytes_buf (fresh, sizeof fresh);
  hex = g_malloc (2 * sizeof fresh + 3);
  strcpy (hex, "\\x");
  sodium_bin2hex (hex + 2, 2 * sizeof fresh + 1, fresh, sizeof fresh);
  sodium_memzero (fresh, sizeof fresh);
  {
    const char *params[] = { name, hex };

    if (!exec_admin_command (self, "INSERT INTO meta (key, value) VALUES ($1, $2::bytea)"
                                   " ON CONFLICT (key) DO NOTHING", 2, params, error))
      return FALSE;
  }
  {
    const char *params[] = { name };

    result = exec_admin (self, "SELECT value FROM meta WHERE key = $1", 1, params, error);
  }
  if (result == NULL)
    return FALSE;
  if (PQntuples (result) == 1)
    value = (guchar *) PQunescapeBytea ((const guchar *) PQgetvalue (result, 0, 0), &length);
  if (value == NULL || length != DUET_STORE_SECRET_LENGTH)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_DATABASE, "Database error: secret %s is damaged", name);
      if (value != NULL)
        PQfreemem (g_steal_pointer (&value));
      return FALSE;
    }
  memcpy (out, value, DUET_STORE_SECRET_LENGTH);
  sodium_memzero (value, length);
  PQfreemem (g_steal_pointer (&value));
  return TRUE;
}

/* ---- accounts and devices, from memory ---- */

static gboolean
pg_store_lookup_user (DuetStore   *store,
                      const char  *service,
                      const char  *user,
                      gint64      *out_id,
                      char       **out_hash,
                      gint64      *out_token_version,
                      GError     **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  Account *account;

  if (self->mode == DUET_PG_STORE_ADMIN)
    {
      const char *params[] = { service, user };
      g_autoptr(PGresult) result = exec_admin (self, "SELECT id, service, \"user\", pwhash, token_version FROM users"
                                                     " WHERE service = $1 AND \"user\" = $2", 2, params, error);
      if (result == NULL)
        return FALSE;
      take_account_rows (self, result);
    }
  account = find_account (self, service, user);
  if (account == NULL && self->mode == DUET_PG_STORE_SERVE && is_ready (self))
    {
      const char *params[] = { service, user };
      g_autoptr(PGresult) result = exec_admin (self, "SELECT id, service, \"user\", pwhash, token_version FROM users"
                                                     " WHERE service = $1 AND \"user\" = $2", 2, params, NULL);

      if (result != NULL)
        take_account_rows (self, result);
      account = find_account (self, service, user);
    }
  if (account == NULL)
    return not_found (error, service, user);
  if (out_id != NULL)
    *out_id = account->id;
  if (out_hash != NULL)
    *out_hash = g_strdup (account->hash);
  if (out_token_version != NULL)
    *out_token_version = account->token_version;
  return TRUE;
}

static gboolean
no_device (GError **error)
{
  g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND, "No such device");
  return FALSE;
}

/* For the CLI, which has no cache to keep current */
static void
load_devices_of (DuetPgStore *self,
                 gint64       account_id)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, account_id);
  const char *params[] = { id };
  g_autoptr(PGresult) result = exec_admin (self, "SELECT account_id, device_id, name, key, created_at, last_seen_at"
                                                 " FROM devices WHERE account_id = $1", 1, params, NULL);
  Account *account = find_account_by_id (self, account_id);

  if (result != NULL && account != NULL)
    {
      g_hash_table_remove_all (account->devices);
      take_device_rows (self, result);
    }
}

/* A device (or account) made on another node a moment ago may not have
 * reached memory yet: its NOTIFY is on its way. Rather than refuse a
 * token that is good, look once on the blocking connection, while the
 * database is up, with a short statement timeout. Rare: only new
 * devices and accounts miss. */
static void
refresh_account_now (DuetPgStore *self,
                     gint64       account_id)
{
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, account_id);
  const char *params[] = { id };
  g_autoptr(PGresult) row = NULL;
  Account *account;

  if (self->mode != DUET_PG_STORE_SERVE || !is_ready (self))
    return;
  row = exec_admin (self, "SELECT id, service, \"user\", pwhash, token_version FROM users WHERE id = $1",
                    1, params, NULL);
  if (row == NULL || PQntuples (row) == 0)
    return;
  account = find_account_by_id (self, account_id);
  if (account != NULL && account->writes_pending > 0)
    return;
  take_account_rows (self, row);
  load_devices_of (self, account_id);
}

static gboolean
pg_store_lookup_device (DuetStore   *store,
                        gint64       account_id,
                        const char  *device_id,
                        gint64      *out_key,
                        char       **out_name,
                        gint64      *out_last_seen,
                        GError     **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  Account *account;
  Device *device;

  if (self->mode == DUET_PG_STORE_ADMIN)
    load_devices_of (self, account_id);
  account = find_account_by_id (self, account_id);
  device = account != NULL ? g_hash_table_lookup (account->devices, device_id) : NULL;
  if (device == NULL && self->mode == DUET_PG_STORE_SERVE)
    {
      refresh_account_now (self, account_id);
      account = find_account_by_id (self, account_id);
      device = account != NULL ? g_hash_table_lookup (account->devices, device_id) : NULL;
    }
  if (device == NULL)
    return no_device (error);
  *out_key = device->key;
  if (out_name != NULL)
    *out_name = g_strdup (device->name);
  if (out_last_seen != NULL)
    *out_last_seen = device->last_seen_at;
  return TRUE;
}

static int
by_creation (gconstpointer a,
             gconstpointer b)
{
  const DuetDeviceEntry *x = *(DuetDeviceEntry **) a;
  const DuetDeviceEntry *y = *(DuetDeviceEntry **) b;

  if (x->created_at != y->created_at)
    return x->created_at < y->created_at ? -1 : 1;
  return g_strcmp0 (x->device_id, y->device_id);
}

static GPtrArray *
pg_store_list_devices (DuetStore  *store,
                       gint64      account_id,
                       GError    **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_device_entry_free);
  Account *account;
  GHashTableIter iter;
  Device *device;

  if (self->mode == DUET_PG_STORE_ADMIN)
    load_devices_of (self, account_id);
  account = find_account_by_id (self, account_id);
  if (account == NULL)
    return entries;
  g_hash_table_iter_init (&iter, account->devices);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &device))
    {
      DuetDeviceEntry *entry = duet_device_entry_new ();

      entry->device_id = g_strdup (device->device_id);
      entry->name = g_strdup (device->name);
      entry->created_at = device->created_at;
      entry->last_seen_at = device->last_seen_at;
      g_ptr_array_add (entries, entry);
    }
  g_ptr_array_sort (entries, by_creation);
  return entries;
}

/* Records a new device before its token is handed out, and answers the
 * key the database kept (another node may have recorded the device a
 * moment ago, with a key of its own): one blocking round trip, on the
 * connection with a statement timeout, for a password sign-in only. A
 * token whose device is not committed yet would be refused by a node
 * that looks it up, and a refused token signs the user out. */
static gboolean
insert_device_now (DuetPgStore  *self,
                   const char   *account_id,
                   const char   *device_id,
                   const char   *name,
                   gint64        key,
                   gint64        now_ms,
                   gint64       *out_key,
                   GError      **error)
{
  g_autofree char *key_text = g_strdup_printf ("%" G_GINT64_FORMAT, key);
  g_autofree char *now_text = g_strdup_printf ("%" G_GINT64_FORMAT, now_ms);
  const char *params[] = { account_id, device_id, name, key_text, now_text };
  g_autoptr(PGresult) result = NULL;

  result = exec_admin (self, "INSERT INTO devices (account_id, device_id, name, key, created_at, last_seen_at)"
                             " VALUES ($1, $2, $3, $4, $5, 0)"
                             " ON CONFLICT (account_id, device_id) DO UPDATE SET name = $3 RETURNING key",
                       5, params, error);
  if (result == NULL)
    return FALSE;
  *out_key = int_value (result, 0, 0);
  return TRUE;
}

static gboolean
pg_store_put_device (DuetStore   *store,
                     gint64       account_id,
                     const char  *device_id,
                     const char  *name,
                     gint64       now_ms,
                     gint64      *out_key,
                     GError     **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  Account *account = find_account_by_id (self, account_id);
  Device *device = account != NULL ? g_hash_table_lookup (account->devices, device_id) : NULL;
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, account_id);
  g_autofree char *key = NULL, *now = NULL;
  gint64 fresh = 0;

  randombytes_buf (&fresh, sizeof fresh);
  fresh &= G_GINT64_CONSTANT (0x1fffffffffffff);
  if (self->mode == DUET_PG_STORE_ADMIN)
    return insert_device_now (self, id, device_id, name, fresh, now_ms, out_key, error);

  /* a device that cannot be recorded must not get a token */
  if (!is_ready (self))
    return unavailable (error, "reconnecting");
  if (account == NULL)
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND, "No such account");
      return FALSE;
    }
  if (device == NULL)
    {
      if (!insert_device_now (self, id, device_id, name, fresh, now_ms, out_key, error))
        return FALSE;
      put_device_row (account, device_id, name, *out_key, now_ms, 0);
      return TRUE;
    }

  /* a known device signing in again: only its name may change */
  g_free (device->name);
  device->name = g_strdup (name);
  *out_key = device->key;
  key = g_strdup_printf ("%" G_GINT64_FORMAT, device->key);
  now = g_strdup_printf ("%" G_GINT64_FORMAT, now_ms);
  {
    const char *params[] = { id, device_id, name, key, now };

    write_async (self, account_id, "INSERT INTO devices (account_id, device_id, name, key, created_at, last_seen_at)"
                                   " VALUES ($1, $2, $3, $4, $5, 0)"
                                   " ON CONFLICT (account_id, device_id) DO UPDATE SET name = $3", 5, params);
  }
  return TRUE;
}

static gboolean
pg_store_touch_device (DuetStore   *store,
                       gint64       account_id,
                       const char  *device_id,
                       gint64       now_ms,
                       GError     **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  Account *account = find_account_by_id (self, account_id);
  Device *device = account != NULL ? g_hash_table_lookup (account->devices, device_id) : NULL;
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, account_id);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, now_ms);
  const char *params[] = { now, id, device_id };

  if (device != NULL)
    device->last_seen_at = now_ms;
  write_async (self, account_id, "UPDATE devices SET last_seen_at = $1 WHERE account_id = $2 AND device_id = $3",
               3, params);
  return TRUE;
}

static gboolean
pg_store_remove_device (DuetStore   *store,
                        gint64       account_id,
                        const char  *device_id,
                        GError     **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  Account *account;
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, account_id);
  const char *params[] = { id, device_id };

  if (self->mode == DUET_PG_STORE_ADMIN)
    {
      g_autoptr(PGresult) result = exec_admin (self, "DELETE FROM devices WHERE account_id = $1 AND device_id = $2",
                                               2, params, error);

      if (result == NULL)
        return FALSE;
      return g_strcmp0 (PQcmdTuples (result), "0") != 0 || no_device (error);
    }

  account = find_account_by_id (self, account_id);
  if (account == NULL || !g_hash_table_remove (account->devices, device_id))
    return no_device (error);
  write_async (self, account_id, "DELETE FROM devices WHERE account_id = $1 AND device_id = $2", 2, params);
  return TRUE;
}

/* ---- calls ---- */

static char *
time_text (gint64 value)
{
  return value > 0 ? g_strdup_printf ("%" G_GINT64_FORMAT, value) : NULL;
}

static gboolean
pg_store_save_call (DuetStore       *store,
                    DuetCallRecord  *call,
                    GError         **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  gboolean ended = call->state == DUET_CALL_RECORD_STATE_ENDED;
  g_autofree char *invited = g_strdup_printf ("%" G_GINT64_FORMAT, call->invited_at);
  g_autofree char *verified = time_text (call->verified_at);
  g_autofree char *answered = time_text (call->answered_at);
  g_autofree char *ended_at = time_text (call->ended_at);
  g_autofree char *caller_pending = g_strdup_printf ("%d", call->caller_pending ? 1 : 0);
  g_autofree char *callee_pending = g_strdup_printf ("%d", call->callee_pending ? 1 : 0);
  g_autofree char *caller_id = time_text (call->caller_id);
  g_autofree char *callee_id = time_text (call->callee_id);
  g_autofree char *seen = g_strdup_printf ("%" G_GINT64_FORMAT, call->seen_at);
  const char *params[] = {
    call->call_id, call->caller_user, call->caller_service, call->callee_user, call->callee_service,
    duet_media_type_to_string (call->media_type), duet_call_record_state_to_string (call->state),
    invited, verified, answered, ended_at,
    ended ? duet_disconnect_reason_to_string (call->reason) : NULL,
    ended ? duet_disconnect_source_to_string (call->source) : NULL,
    call->cc_param, caller_pending, callee_pending, caller_id, callee_id, call->user_code,
    call->caller_device, call->callee_device, seen,
  };

  write_async (self, 0, "INSERT INTO calls (" CALL_COLUMNS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,"
                        " $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"
                        " ON CONFLICT (call_id) DO UPDATE SET state = $7, verified_at = $9, answered_at = $10,"
                        " ended_at = $11, reason = $12, source = $13, cc_param = $14, caller_pending = $15,"
                        " callee_pending = $16, caller_id = $17, callee_id = $18, user_code = $19,"
                        " caller_device = $20, callee_device = $21, seen_at = $22,"
                        " seq = nextval ('calls_seq')",
               G_N_ELEMENTS (params), params);
  return TRUE;
}

static DuetCallRecord *
call_from_row (const PGresult *result,
               int             row)
{
  DuetCallRecord *call = duet_call_record_new ();
  const char *text;

  call->call_id = g_strdup (text_value (result, row, 0));
  call->caller_user = g_strdup (text_value (result, row, 1));
  call->caller_service = g_strdup (text_value (result, row, 2));
  call->callee_user = g_strdup (text_value (result, row, 3));
  call->callee_service = g_strdup (text_value (result, row, 4));
  duet_media_type_from_string (text_value (result, row, 5), &call->media_type);
  if (!duet_call_record_state_from_string (text_value (result, row, 6), &call->state))
    call->state = DUET_CALL_RECORD_STATE_ENDED;
  call->invited_at = int_value (result, row, 7);
  call->verified_at = int_value (result, row, 8);
  call->answered_at = int_value (result, row, 9);
  call->ended_at = int_value (result, row, 10);
  if ((text = text_value (result, row, 11)) != NULL)
    duet_disconnect_reason_from_string (text, &call->reason);
  if ((text = text_value (result, row, 12)) != NULL)
    duet_disconnect_source_from_string (text, &call->source);
  call->cc_param = g_strdup (text_value (result, row, 13));
  call->caller_pending = int_value (result, row, 14);
  call->callee_pending = int_value (result, row, 15);
  call->caller_id = int_value (result, row, 16);
  call->callee_id = int_value (result, row, 17);
  call->user_code = g_strdup (text_value (result, row, 18));
  call->caller_device = g_strdup (text_value (result, row, 19));
  call->callee_device = g_strdup (text_value (result, row, 20));
  call->seen_at = int_value (result, row, 21);
  return call;
}

static GPtrArray *
calls_from_rows (const PGresult *result)
{
  GPtrArray *calls = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_call_record_unref);

  for (int i = 0; i < PQntuples (result); i++)
    g_ptr_array_add (calls, call_from_row (result, i));
  return calls;
}

static GPtrArray *
pg_store_load_open_calls (DuetStore  *store,
                          GError    **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  g_autoptr(PGresult) result = exec_admin (self, "SELECT " CALL_COLUMNS " FROM calls WHERE state != 'ended'",
                                           0, NULL, error);

  return result != NULL ? calls_from_rows (result) : NULL;
}

static gboolean
pg_store_clear_pending (DuetStore   *store,
                        gint64       account_id,
                        const char  *device_id,
                        GError     **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, account_id);
  const char *params[] = { id, device_id };

  write_async (self, 0, "UPDATE calls SET caller_pending = 0 WHERE caller_id = $1 AND caller_pending = 1"
                        " AND (caller_device IS NULL OR caller_device = $2)", 2, params);
  write_async (self, 0, "UPDATE calls SET callee_pending = 0 WHERE callee_id = $1 AND callee_pending = 1"
                        " AND (callee_device IS NULL OR callee_device = $2)", 2, params);
  return TRUE;
}

static void
on_calls_loaded (DuetPgStore    *self,
                 Op             *op,
                 PGresult       *result,
                 const GError   *error)
{
  if (error != NULL)
    g_task_return_error (op->task, g_error_copy (error));
  else
    g_task_return_pointer (op->task, calls_from_rows (result), (GDestroyNotify) g_ptr_array_unref);
}

static void
pg_store_load_history_async (DuetStore           *store,
                             gint64               account_id,
                             gint64               before,
                             guint                limit,
                             GCancellable        *cancellable,
                             GAsyncReadyCallback  callback,
                             gpointer             user_data)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, account_id);
  g_autofree char *until = g_strdup_printf ("%" G_GINT64_FORMAT, before > 0 ? before : G_MAXINT64);
  g_autofree char *count = g_strdup_printf ("%u", limit);
  const char *params[] = { id, until, count };

  g_task_set_source_tag (task, duet_store_load_history_async);
  /* each arm stops after @limit rows of its index */
  read_async (self, task, on_calls_loaded,
              "SELECT " CALL_COLUMNS " FROM ("
              " (SELECT *, seq AS r FROM calls WHERE caller_id = $1 AND invited_at < $2"
              "  ORDER BY invited_at DESC LIMIT $3)"
              " UNION ALL"
              " (SELECT *, seq AS r FROM calls WHERE callee_id = $1 AND invited_at < $2"
              "  ORDER BY invited_at DESC LIMIT $3)) AS mine"
              " ORDER BY invited_at DESC, r DESC LIMIT $3", 3, params);
}

/* What a device missed, in one statement: its pending ends and the
 * user's unseen missed calls, told apart by a last column */
static void
on_events_loaded (DuetPgStore    *self,
                  Op             *op,
                  PGresult       *result,
                  const GError   *error)
{
  DuetStoreEvents *events;

  if (error != NULL)
    {
      g_task_return_error (op->task, g_error_copy (error));
      return;
    }
  events = g_new0 (DuetStoreEvents, 1);
  events->pending = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_call_record_unref);
  events->missed = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_call_record_unref);
  for (int i = 0; i < PQntuples (result); i++)
    g_ptr_array_add (g_str_equal (PQgetvalue (result, i, 22), "p") ? events->pending : events->missed,
                     call_from_row (result, i));
  g_task_return_pointer (op->task, events, (GDestroyNotify) duet_store_events_free);
}

static void
pg_store_load_events_async (DuetStore           *store,
                            gint64               account_id,
                            const char          *device_id,
                            gint64               since_ms,
                            guint                limit,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, account_id);
  g_autofree char *since = g_strdup_printf ("%" G_GINT64_FORMAT, since_ms);
  g_autofree char *count = g_strdup_printf ("%u", limit);
  const char *params[] = { id, count, device_id, since };

  g_task_set_source_tag (task, duet_store_load_events_async);
  read_async (self, task, on_events_loaded,
              "(SELECT " CALL_COLUMNS ", 'p' FROM ("
              "   SELECT * FROM calls WHERE caller_id = $1 AND caller_pending = 1"
              "    AND (caller_device IS NULL OR caller_device = $3)"
              "   UNION ALL"
              "   SELECT * FROM calls WHERE callee_id = $1 AND callee_pending = 1"
              "    AND (callee_device IS NULL OR callee_device = $3)) AS pending"
              " ORDER BY invited_at DESC LIMIT $2)"
              " UNION ALL"
              " (SELECT " CALL_COLUMNS ", 'm' FROM calls WHERE callee_id = $1 AND state = 'ended'"
              "   AND answered_at IS NULL AND seen_at = 0 AND ended_at > $4"
              "   AND (callee_device IS NULL OR callee_device != $3)"
              " ORDER BY ended_at DESC LIMIT $2)", 4, params);
}

static void
on_seen_checked (DuetPgStore    *self,
                 Op             *op,
                 PGresult       *result,
                 const GError   *error)
{
  if (error != NULL)
    g_task_return_error (op->task, g_error_copy (error));
  else if (PQntuples (result) == 0)
    g_task_return_new_error (op->task, DUET_SERVER_ERROR, DUET_SERVER_ERROR_NOT_FOUND, "No such missed call");
  else
    /* the row as it was before this update: seen_at 0 means it changed now */
    g_task_return_int (op->task, int_value (result, 0, 0) == 0 ? 1 : 0);
}

static void
pg_store_mark_seen_async (DuetStore           *store,
                          gint64               account_id,
                          const char          *call_id,
                          gint64               now_ms,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  g_autoptr(GTask) task = g_task_new (store, cancellable, callback, user_data);
  g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, account_id);
  g_autofree char *now = g_strdup_printf ("%" G_GINT64_FORMAT, now_ms);
  const char *params[] = { call_id, id, now };

  g_task_set_source_tag (task, duet_store_mark_seen_async);
  /* one statement: the missed call's seen_at before, and set if it was 0 */
  read_async (self, task, on_seen_checked,
              "WITH missed AS (SELECT call_id, seen_at FROM calls WHERE call_id = $1 AND callee_id = $2"
              "                AND state = 'ended' AND answered_at IS NULL FOR UPDATE),"
              " marked AS (UPDATE calls SET seen_at = $3 FROM missed"
              "            WHERE calls.call_id = missed.call_id AND missed.seen_at = 0)"
              " SELECT seen_at FROM missed", 3, params);
}

static gint64
pg_store_prune (DuetStore  *store,
                gint64      cutoff_ms,
                guint       max_calls,
                GArray     *account_ids,
                GError    **error)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  g_autofree char *cutoff = g_strdup_printf ("%" G_GINT64_FORMAT, cutoff_ms);
  g_autofree char *keep = g_strdup_printf ("%u", max_calls);
  const char *old[] = { cutoff };

  write_async (self, 0, "DELETE FROM calls WHERE state = 'ended' AND invited_at < $1", 1, old);
  for (guint i = 0; account_ids != NULL && i < account_ids->len; i++)
    {
      g_autofree char *id = g_strdup_printf ("%" G_GINT64_FORMAT, g_array_index (account_ids, gint64, i));
      const char *params[] = { id, keep };

      /* all but the newest @max_calls of the account */
      write_async (self, 0, "DELETE FROM calls WHERE state = 'ended' AND call_id IN ("
                            " SELECT call_id FROM (SELECT call_id, row_number () OVER"
                            "   (ORDER BY invited_at DESC, seq DESC) AS n"
                            "   FROM calls WHERE caller_id = $1 OR callee_id = $1) AS mine WHERE n > $2)",
                   2, params);
    }
  return 0;   /* counted by the database, later */
}

static gint64
pg_store_get_generation (DuetStore *store)
{
  return DUET_PG_STORE (store)->generation;
}

static gboolean
pg_store_is_available (DuetStore *store)
{
  DuetPgStore *self = DUET_PG_STORE (store);

  return self->mode == DUET_PG_STORE_ADMIN || is_ready (self);
}

/* ---- life cycle ---- */

static gboolean
drain_timeout (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Sends what is still queued (the calls of a server shutting down), for
 * at most CLOSE_DRAIN_MS */
static void
pg_store_close (DuetStore *store)
{
  DuetPgStore *self = DUET_PG_STORE (store);
  gboolean late = FALSE;
  guint timer;
  Op *op;

  if (self->closed)
    return;
  if (self->pg != NULL && !g_queue_is_empty (&self->ops))
    {
      GMainContext *context = g_main_context_ref_thread_default ();

      timer = g_timeout_add (CLOSE_DRAIN_MS, drain_timeout, &late);
      while (!g_queue_is_empty (&self->ops) && is_ready (self) && !late)
        g_main_context_iteration (context, TRUE);
      if (!late)
        g_source_remove (timer);
      g_main_context_unref (context);
      if (!g_queue_is_empty (&self->ops))
        g_warning ("Database: %u writes not made before closing", g_queue_get_length (&self->ops));
    }
  self->closed = TRUE;
  g_clear_handle_id (&self->reconnect_source, g_source_remove);
  while ((op = g_queue_pop_head (&self->ops)) != NULL)
    {
      if (op->task != NULL && op->done != NULL)
        op->done (self, op, NULL, &(GError) { DUET_SERVER_ERROR, DUET_SERVER_ERROR_UNAVAILABLE,
                                              (char *) "The store is closed" });
      op_free (op);
    }
  if (self->pg != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->pg, self);
      duet_pg_connection_close (self->pg);
    }
  g_clear_pointer (&self->admin, PQfinish);
}

/* Waits (at start only) for the main loop's connection */
static gboolean
connect_serving (DuetPgStore  *self,
                 GError      **error)
{
  GMainContext *context = g_main_context_ref_thread_default ();

  self->pg = duet_pg_connection_new (self->conninfo);
  g_signal_connect (self->pg, "notification", G_CALLBACK (on_notification), self);
  g_signal_connect (self->pg, "notify::state", G_CALLBACK (on_state), self);
  duet_pg_connection_connect_async (self->pg, CONNECT_TIMEOUT_MS, NULL, on_connected, g_object_ref (self));
  while (duet_pg_connection_get_state (self->pg) == DUET_PG_STATE_CONNECTING)
    g_main_context_iteration (context, TRUE);
  /* and for LISTEN and the first reload */
  while (!g_queue_is_empty (&self->ops) && is_ready (self))
    g_main_context_iteration (context, TRUE);
  g_main_context_unref (context);
  if (!is_ready (self))
    {
      const char *why = duet_pg_connection_get_last_error (self->pg);

      return unavailable (error, why != NULL ? why : "no connection");
    }
  return TRUE;
}

/* A libpq connection string ("postgresql://…", "postgres://…" or
 * "key=value …"), as --store takes it */
gboolean
duet_pg_store_is_conninfo (const char *text)
{
  return text != NULL && (g_str_has_prefix (text, "postgresql://") || g_str_has_prefix (text, "postgres://") ||
                          strchr (text, '=') != NULL);
}

DuetStore *
duet_pg_store_open (const char       *conninfo,
                    DuetPgStoreMode   mode,
                    GError          **error)
{
  g_autoptr(DuetPgStore) self = g_object_new (DUET_TYPE_PG_STORE, NULL);
  const char *keywords[] = { "dbname", "connect_timeout", "application_name", NULL };
  const char *values[] = { conninfo, "5", "duet-server", NULL };

  if (sodium_init () < 0)
    {
      g_set_error_literal (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_CRYPTO, "Cannot initialise libsodium");
      return NULL;
    }
  self->conninfo = g_strdup (conninfo);
  self->mode = mode;
  /* dbname with expand_dbname: the string's own settings win */
  self->admin = PQconnectdbParams (keywords, values, 1);
  if (PQstatus (self->admin) != CONNECTION_OK)
    {
      g_autofree char *why = g_strstrip (g_strdup (PQerrorMessage (self->admin)));

      unavailable (error, why);
      return NULL;
    }
  PQsetNoticeProcessor (self->admin, on_notice, NULL);
  if (!migrate (self, error))
    return NULL;
  if (mode == DUET_PG_STORE_SERVE && (!load_cache (self, error) || !connect_serving (self, error)))
    return NULL;
  /* from now on the blocking connection only looks up what memory missed */
  if (mode == DUET_PG_STORE_SERVE)
    PQclear (PQexec (self->admin, "SET statement_timeout = " G_STRINGIFY (ADMIN_STATEMENT_TIMEOUT_MS)));
  return DUET_STORE (g_steal_pointer (&self));
}

static void
duet_pg_store_dispose (GObject *object)
{
  pg_store_close (DUET_STORE (object));
  G_OBJECT_CLASS (duet_pg_store_parent_class)->dispose (object);
}

static void
duet_pg_store_finalize (GObject *object)
{
  DuetPgStore *self = DUET_PG_STORE (object);

  g_clear_object (&self->pg);
  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->accounts);
  g_free (self->conninfo);
  G_OBJECT_CLASS (duet_pg_store_parent_class)->finalize (object);
}

static void
duet_pg_store_class_init (DuetPgStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = duet_pg_store_dispose;
  G_OBJECT_CLASS (klass)->finalize = duet_pg_store_finalize;
}

static void
duet_pg_store_init (DuetPgStore *self)
{
  self->accounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, account_free);
  self->by_id = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_queue_init (&self->ops);
}

static void
duet_pg_store_iface_init (DuetStoreInterface *iface)
{
  iface->close = pg_store_close;
  iface->get_secret = pg_store_get_secret;
  iface->add_user = pg_store_add_user;
  iface->remove_user = pg_store_remove_user;
  iface->set_password = pg_store_set_password;
  iface->list_users = pg_store_list_users;
  iface->lookup_user = pg_store_lookup_user;
  iface->lookup_device = pg_store_lookup_device;
  iface->list_devices = pg_store_list_devices;
  iface->put_device = pg_store_put_device;
  iface->touch_device = pg_store_touch_device;
  iface->remove_device = pg_store_remove_device;
  iface->save_call = pg_store_save_call;
  iface->load_open_calls = pg_store_load_open_calls;
  iface->clear_pending = pg_store_clear_pending;
  iface->prune = pg_store_prune;
  iface->get_generation = pg_store_get_generation;
  iface->is_available = pg_store_is_available;
  iface->load_history_async = pg_store_load_history_async;
  iface->load_events_async = pg_store_load_events_async;
  iface->mark_seen_async = pg_store_mark_seen_async;
}
