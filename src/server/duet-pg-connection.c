/* duet-pg-connection.c: one PostgreSQL connection, driven without blocking
 * on the GLib main context it was made in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libpq's asynchronous interface on a GLib source: PQconnectStart and
 * PQconnectPoll to connect (with our own timer: connect_timeout does not
 * apply there), then one statement at a time with PQsendQuery(Params),
 * PQflush while it has more to write, PQconsumeInput and PQgetResult as
 * answers arrive. The socket is watched for input whenever the connection
 * is up, so a NOTIFY or a server going away is seen at once, not at the
 * next query. A PGconn must not be shared between threads: everything
 * here runs in the context the connection was made in.
 */
#include "config.h"

#include <glib-unix.h>

#include "duet-pg-connection.h"

struct _DuetPgConnection
{
  GObject       parent_instance;

  char         *conninfo;
  GMainContext *context;
  PGconn       *conn;
  DuetPgState   state;
  char         *last_error;

  GSource      *watch;
  int           watched_fd;
  GIOCondition  watched;

  GTask        *connecting;
  GSource      *connect_timer;
  guint         connect_timeout_ms;

  GQueue        queue;       /* GTasks whose statements wait their turn */
  GTask        *running;     /* the statement on the wire */
  PGresult     *result;      /* its answer so far */
  gboolean      flushing;    /* libpq still has bytes of it to send */
};

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

enum {
  NOTIFICATION,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_QUARK (duet-pg-error-quark, duet_pg_error)
G_DEFINE_FINAL_TYPE (DuetPgConnection, duet_pg_connection, G_TYPE_OBJECT)

typedef struct
{
  char      *sql;
  GPtrArray *params;   /* NULL entries are SQL NULLs */
} Statement;

static void
statement_free (gpointer data)
{
  Statement *statement = data;

  g_free (statement->sql);
  g_ptr_array_unref (statement->params);
  g_free (statement);
}

static gboolean on_socket (int fd, GIOCondition condition, gpointer user_data);
static void pump (DuetPgConnection *self);

static void
set_state (DuetPgConnection *self,
           DuetPgState       state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* Wait for @condition on libpq's socket (none: stop waiting). The socket
 * may change while connecting, so the fd is compared too. */
static void
watch (DuetPgConnection *self,
       GIOCondition      condition)
{
  int fd = self->conn != NULL ? PQsocket (self->conn) : -1;

  if (condition == 0 || fd < 0)
    {
      if (self->watch != NULL)
        g_source_destroy (self->watch);
      g_clear_pointer (&self->watch, g_source_unref);
      self->watched = 0;
      return;
    }
  if (self->watch != NULL && self->watched_fd == fd && self->watched == condition)
    return;

  if (self->watch != NULL)
    g_source_destroy (self->watch);
  g_clear_pointer (&self->watch, g_source_unref);
  self->watch = g_unix_fd_source_new (fd, condition | G_IO_HUP | G_IO_ERR);
  g_source_set_callback (self->watch, G_SOURCE_FUNC (on_socket), self, NULL);
  g_source_set_static_name (self->watch, "[duet] postgresql socket");
  g_source_attach (self->watch, self->context);
  self->watched_fd = fd;
  self->watched = condition;
}

static char *
libpq_message (PGconn *conn)
{
  const char *text = conn != NULL ? PQerrorMessage (conn) : NULL;

  return g_strstrip (g_strdup (text != NULL && *text != '\0' ? text : "no answer from the server"));
}

static void
fail_all (DuetPgConnection *self,
          GQuark            domain,
          int               code,
          const char       *message)
{
  g_autoptr(GTask) running = g_steal_pointer (&self->running);
  GTask *task;

  g_clear_pointer (&self->result, PQclear);
  self->flushing = FALSE;
  if (running != NULL)
    g_task_return_new_error (running, domain, code, "%s", message);
  while ((task = g_queue_pop_head (&self->queue)) != NULL)
    {
      g_task_return_new_error (task, domain, code, "%s", message);
      g_object_unref (task);
    }
}

/* The connection is gone (or given up): everything waiting fails, and
 * the owner decides whether to connect again */
static void
drop (DuetPgConnection *self,
      int               code,
      const char       *message)
{
  g_autoptr(GTask) connecting = g_steal_pointer (&self->connecting);

  g_free (self->last_error);
  self->last_error = g_strdup (message);
  watch (self, 0);
  if (self->connect_timer != NULL)
    g_source_destroy (self->connect_timer);
  g_clear_pointer (&self->connect_timer, g_source_unref);
  g_clear_pointer (&self->conn, PQfinish);
  set_state (self, DUET_PG_STATE_DISCONNECTED);

  if (connecting != NULL)
    g_task_return_new_error (connecting, DUET_PG_ERROR, code, "%s", message);
  fail_all (self, DUET_PG_ERROR, DUET_PG_ERROR_UNAVAILABLE, message);
}

/* ---- connecting ---- */

/* The server's notices (and warnings, such as a shutdown's) belong in our
 * log, not on stderr where libpq prints them */
static void
on_notice (void       *data,
           const char *message)
{
  g_autofree char *text = g_strstrip (g_strdup (message));

  g_debug ("PostgreSQL: %s", text);
}

static void
advance_connect (DuetPgConnection *self)
{
  g_autoptr(GTask) connecting = NULL;

  switch (PQconnectPoll (self->conn))
    {
    case PGRES_POLLING_READING:
      watch (self, G_IO_IN);
      return;
    case PGRES_POLLING_WRITING:
      watch (self, G_IO_OUT);
      return;
    case PGRES_POLLING_OK:
      break;
    case PGRES_POLLING_FAILED:
    case PGRES_POLLING_ACTIVE:
    default:
      {
        g_autofree char *message = libpq_message (self->conn);

        drop (self, DUET_PG_ERROR_UNAVAILABLE, message);
        return;
      }
    }

  if (PQsetnonblocking (self->conn, 1) != 0)
    {
      g_autofree char *message = libpq_message (self->conn);

      drop (self, DUET_PG_ERROR_UNAVAILABLE, message);
      return;
    }
  if (self->connect_timer != NULL)
    g_source_destroy (self->connect_timer);
  g_clear_pointer (&self->connect_timer, g_source_unref);
  g_clear_pointer (&self->last_error, g_free);
  set_state (self, DUET_PG_STATE_READY);
  connecting = g_steal_pointer (&self->connecting);
  pump (self);
  if (connecting != NULL)
    g_task_return_boolean (connecting, TRUE);
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  DuetPgConnection *self = user_data;
  g_autofree char *message = g_strdup_printf ("No connection to PostgreSQL within %u ms",
                                              self->connect_timeout_ms);

  g_clear_pointer (&self->connect_timer, g_source_unref);
  drop (self, DUET_PG_ERROR_TIMEOUT, message);
  return G_SOURCE_REMOVE;
}

/**
 * duet_pg_connection_connect_async:
 * @timeout_ms: give up after this long (libpq's connect_timeout does not
 *   apply to a non-blocking connect)
 *
 * Connects, unless connected or connecting already. Use `hostaddr`, not a
 * host name, in the connection string where a DNS lookup could block.
 */
void
duet_pg_connection_connect_async (DuetPgConnection    *self,
                                  guint                timeout_ms,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_return_if_fail (DUET_IS_PG_CONNECTION (self));
  g_task_set_source_tag (task, duet_pg_connection_connect_async);

  if (self->state == DUET_PG_STATE_READY)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (self->state == DUET_PG_STATE_CONNECTING)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "Already connecting");
      return;
    }

  self->conn = PQconnectStart (self->conninfo);
  if (self->conn == NULL || PQstatus (self->conn) == CONNECTION_BAD)
    {
      g_autofree char *message = libpq_message (self->conn);

      g_clear_pointer (&self->conn, PQfinish);
      g_free (self->last_error);
      self->last_error = g_strdup (message);
      g_task_return_new_error (task, DUET_PG_ERROR, DUET_PG_ERROR_UNAVAILABLE, "%s", message);
      return;
    }

  PQsetNoticeProcessor (self->conn, on_notice, NULL);
  self->connecting = g_steal_pointer (&task);
  set_state (self, DUET_PG_STATE_CONNECTING);
  self->connect_timeout_ms = timeout_ms;
  self->connect_timer = g_timeout_source_new (timeout_ms);
  g_source_set_callback (self->connect_timer, on_connect_timeout, self, NULL);
  g_source_attach (self->connect_timer, self->context);
  /* libpq: start as if PQconnectPoll had asked to write */
  watch (self, G_IO_OUT);
}

gboolean
duet_pg_connection_connect_finish (DuetPgConnection  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- statements ---- */

static void
flush (DuetPgConnection *self)
{
  switch (PQflush (self->conn))
    {
    case 0:
      self->flushing = FALSE;
      watch (self, G_IO_IN);
      break;
    case 1:
      self->flushing = TRUE;
      watch (self, G_IO_IN | G_IO_OUT);
      break;
    default:
      {
        g_autofree char *message = libpq_message (self->conn);

        drop (self, DUET_PG_ERROR_UNAVAILABLE, message);
      }
    }
}

/* Sends the next statement, if the connection is free for one */
static void
pump (DuetPgConnection *self)
{
  while (self->state == DUET_PG_STATE_READY && self->running == NULL)
    {
      GTask *task = g_queue_pop_head (&self->queue);
      Statement *statement;
      int sent;

      if (task == NULL)
        {
          watch (self, G_IO_IN);   /* notifications, or the server leaving */
          return;
        }
      if (g_task_return_error_if_cancelled (task))
        {
          g_object_unref (task);
          continue;
        }

      statement = g_task_get_task_data (task);
      self->running = task;
      /* Without parameters a string may hold several statements (a
       * migration); with them, exactly one */
      if (statement->params->len == 0)
        sent = PQsendQuery (self->conn, statement->sql);
      else
        sent = PQsendQueryParams (self->conn, statement->sql, statement->params->len, NULL,
                                  (const char *const *) statement->params->pdata, NULL, NULL, 0);
      if (!sent)
        {
          g_autofree char *message = libpq_message (self->conn);

          drop (self, DUET_PG_ERROR_UNAVAILABLE, message);
          return;
        }
      flush (self);
    }
}

static void
finish_running (DuetPgConnection *self)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->running);
  g_autoptr(PGresult) result = g_steal_pointer (&self->result);
  ExecStatusType status = result != NULL ? PQresultStatus (result) : PGRES_FATAL_ERROR;

  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_EMPTY_QUERY)
    g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) PQclear);
  else
    {
      g_autofree char *message = g_strstrip (g_strdup (result != NULL ? PQresultErrorMessage (result)
                                                                      : "no result"));

      g_task_return_new_error (task, DUET_PG_ERROR, DUET_PG_ERROR_QUERY, "%s", message);
    }
}

/* Keeps the first failure of a multi-statement string, else the last result */
static void
take_result (DuetPgConnection *self,
             PGresult         *result)
{
  ExecStatusType kept = self->result != NULL ? PQresultStatus (self->result) : PGRES_COMMAND_OK;

  if (kept == PGRES_FATAL_ERROR || kept == PGRES_BAD_RESPONSE)
    {
      PQclear (result);
      return;
    }
  g_clear_pointer (&self->result, PQclear);
  self->result = result;
}

static void
service (DuetPgConnection *self,
         GIOCondition      condition)
{
  PGnotify *notify;

  if (self->flushing && (condition & G_IO_OUT))
    {
      flush (self);
      if (self->state != DUET_PG_STATE_READY)
        return;
    }
  if (!(condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
    return;

  if (!PQconsumeInput (self->conn) || PQstatus (self->conn) == CONNECTION_BAD)
    {
      g_autofree char *message = libpq_message (self->conn);

      drop (self, DUET_PG_ERROR_UNAVAILABLE, message);
      return;
    }

  while ((notify = PQnotifies (self->conn)) != NULL)
    {
      g_signal_emit (self, signals[NOTIFICATION], 0, notify->relname, notify->extra);
      PQfreemem (notify);
      if (self->conn == NULL)
        return;   /* a handler closed us */
    }

  while (self->running != NULL && !self->flushing && !PQisBusy (self->conn))
    {
      PGresult *result = PQgetResult (self->conn);

      if (result == NULL)
        {
          finish_running (self);
          pump (self);
          return;
        }
      take_result (self, result);
    }
}

static gboolean
on_socket (int           fd,
           GIOCondition  condition,
           gpointer      user_data)
{
  g_autoptr(DuetPgConnection) self = g_object_ref (user_data);
  GSource *current = g_main_current_source ();

  if (self->state == DUET_PG_STATE_CONNECTING)
    advance_connect (self);
  else if (self->state == DUET_PG_STATE_READY)
    service (self, condition);
  /* Each step may have replaced the watch */
  return current == self->watch ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/**
 * duet_pg_connection_query_async:
 * @sql: one statement with $1… placeholders; without parameters it may
 *   be several, separated by semicolons
 * @params: (array length=n_params) (nullable): text values (NULL is SQL NULL)
 *
 * Queued behind the statements before it; fails with
 * %DUET_PG_ERROR_UNAVAILABLE if the connection is not up or goes away.
 */
void
duet_pg_connection_query_async (DuetPgConnection    *self,
                                const char          *sql,
                                guint                n_params,
                                const char *const   *params,
                                GCancellable        *cancellable,
                                GAsyncReadyCallback  callback,
                                gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  Statement *statement = g_new0 (Statement, 1);

  g_return_if_fail (DUET_IS_PG_CONNECTION (self));
  g_task_set_source_tag (task, duet_pg_connection_query_async);

  statement->sql = g_strdup (sql);
  statement->params = g_ptr_array_new_full (n_params, g_free);
  for (guint i = 0; i < n_params; i++)
    g_ptr_array_add (statement->params, g_strdup (params[i]));
  g_task_set_task_data (task, statement, statement_free);

  if (self->state != DUET_PG_STATE_READY)
    {
      g_task_return_new_error (task, DUET_PG_ERROR, DUET_PG_ERROR_UNAVAILABLE, "%s",
                               self->last_error != NULL ? self->last_error : "Not connected to PostgreSQL");
      return;
    }
  g_queue_push_tail (&self->queue, g_steal_pointer (&task));
  pump (self);
}

/**
 * duet_pg_connection_query_finish:
 *
 * Returns: (transfer full): the result (tuples or a command's status)
 */
PGresult *
duet_pg_connection_query_finish (DuetPgConnection  *self,
                                 GAsyncResult      *result,
                                 GError           **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- object ---- */

/**
 * duet_pg_connection_close:
 *
 * Ends the connection; statements still waiting fail as unavailable.
 */
void
duet_pg_connection_close (DuetPgConnection *self)
{
  g_return_if_fail (DUET_IS_PG_CONNECTION (self));

  if (self->conn != NULL || self->state != DUET_PG_STATE_DISCONNECTED)
    drop (self, DUET_PG_ERROR_UNAVAILABLE, "The connection to PostgreSQL was closed");
}

DuetPgState
duet_pg_connection_get_state (DuetPgConnection *self)
{
  g_return_val_if_fail (DUET_IS_PG_CONNECTION (self), DUET_PG_STATE_DISCONNECTED);

  return self->state;
}

/* Why the last connect failed or the connection went away, or NULL */
const char *
duet_pg_connection_get_last_error (DuetPgConnection *self)
{
  g_return_val_if_fail (DUET_IS_PG_CONNECTION (self), NULL);

  return self->last_error;
}

DuetPgConnection *
duet_pg_connection_new (const char *conninfo)
{
  DuetPgConnection *self = g_object_new (DUET_TYPE_PG_CONNECTION, NULL);

  self->conninfo = g_strdup (conninfo);
  return self;
}

static void
duet_pg_connection_dispose (GObject *object)
{
  DuetPgConnection *self = DUET_PG_CONNECTION (object);

  duet_pg_connection_close (self);
  G_OBJECT_CLASS (duet_pg_connection_parent_class)->dispose (object);
}

static void
duet_pg_connection_finalize (GObject *object)
{
  DuetPgConnection *self = DUET_PG_CONNECTION (object);

  g_free (self->conninfo);
  g_free (self->last_error);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (duet_pg_connection_parent_class)->finalize (object);
}

static void
duet_pg_connection_get_property (GObject    *object,
                                 guint       prop_id,
                                 GValue     *value,
                                 GParamSpec *pspec)
{
  DuetPgConnection *self = DUET_PG_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_pg_connection_class_init (DuetPgConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_pg_connection_dispose;
  object_class->finalize = duet_pg_connection_finalize;
  object_class->get_property = duet_pg_connection_get_property;

  /* state: a DuetPgState */
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, DUET_PG_STATE_DISCONNECTED, DUET_PG_STATE_READY,
                      DUET_PG_STATE_DISCONNECTED, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* notification (channel, payload): a NOTIFY on a channel this
   * connection LISTENs to */
  signals[NOTIFICATION] =
    g_signal_new ("notification", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
duet_pg_connection_init (DuetPgConnection *self)
{
  self->context = g_main_context_ref_thread_default ();
  g_queue_init (&self->queue);
}
