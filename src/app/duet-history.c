/* duet-history.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DuetManager has no request for the call history yet, and the server
 * replaces a user's older WebSocket when a new one signs in. So the
 * history is read over a short-lived connection of its own (the kit's
 * DuetSignalling) while the manager is disconnected: the application
 * fetches before it connects the manager, and again between calls.
 * Events that arrive on this connection meanwhile (missed_call pushes)
 * are handed on through the "missed-call" signal so none is lost.
 */
#define G_LOG_DOMAIN "DuetHistory"

#include "config.h"

#include <glib/gi18n.h>

#include "duet-history.h"
#include "duet-signalling.h"

#define HISTORY_LIMIT 50
#define FETCH_TIMEOUT_S 10

struct _DuetHistory
{
  GObject    parent_instance;

  GPtrArray *calls;  /* JsonObject, newest first */
};

G_DEFINE_FINAL_TYPE (DuetHistory, duet_history, G_TYPE_OBJECT)

enum {
  SIGNAL_CHANGED,
  SIGNAL_MISSED_CALL,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  DuetSignalling *signalling;
  guint           timeout_id;
} FetchData;

static void
fetch_data_free (FetchData *data)
{
  g_clear_handle_id (&data->timeout_id, g_source_remove);
  if (data->signalling != NULL)
    {
      g_signal_handlers_disconnect_matched (data->signalling, G_SIGNAL_MATCH_DATA,
                                            0, 0, NULL, NULL, data);
      duet_signalling_stop (data->signalling);
      g_clear_object (&data->signalling);
    }
  g_free (data);
}

static gboolean
drop_signalling_idle (gpointer user_data)
{
  DuetSignalling *signalling = user_data;

  duet_signalling_stop (signalling);
  g_object_unref (signalling);
  return G_SOURCE_REMOVE;
}

/* Close the connection as soon as the answer is in, so that the manager
 * may connect; from an idle, since this may run inside its callbacks.
 * Dropping it also breaks the task → signalling → pending request cycle. */
static void
finish_fetch (GTask *task)
{
  FetchData *data = g_task_get_task_data (task);

  g_clear_handle_id (&data->timeout_id, g_source_remove);
  if (data->signalling != NULL)
    {
      g_object_set_data (G_OBJECT (data->signalling), "duet-history-task", NULL);
      g_idle_add (drop_signalling_idle, g_steal_pointer (&data->signalling));
    }
}

static void
on_event (DuetSignalling *signalling,
          const char     *type,
          JsonObject     *message,
          FetchData      *data)
{
  GTask *task = g_object_get_data (G_OBJECT (signalling), "duet-history-task");

  if (task != NULL && g_str_equal (type, "missed_call"))
    g_signal_emit (g_task_get_source_object (task), signals[SIGNAL_MISSED_CALL], 0, message);
}

static void
on_fatal (DuetSignalling *signalling,
          const char     *code,
          FetchData      *data)
{
  GTask *task = g_object_get_data (G_OBJECT (signalling), "duet-history-task");

  if (task != NULL && !g_task_get_completed (task))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("The server refused the connection (%s)"), code);
      finish_fetch (task);
    }
}

static gboolean
on_timeout (gpointer user_data)
{
  GTask *task = user_data;
  FetchData *data = g_task_get_task_data (task);

  data->timeout_id = 0;
  if (!g_task_get_completed (task))
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                             _("The server did not send the call history in time"));
  finish_fetch (task);
  return G_SOURCE_REMOVE;
}

static void
history_replied (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DuetHistory *self = g_task_get_source_object (task);
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *calls;

  reply = duet_signalling_request_finish (DUET_SIGNALLING (source), result, &error);
  if (g_task_get_completed (task))
    return;
  finish_fetch (task);
  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!json_object_has_member (reply, "calls") ||
      JSON_NODE_TYPE (json_object_get_member (reply, "calls")) != JSON_NODE_ARRAY)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                               _("The server sent no call history: %s"),
                               json_object_get_string_member_with_default (reply, "message", "?"));
      return;
    }

  calls = json_object_get_array_member (reply, "calls");
  g_ptr_array_set_size (self->calls, 0);
  for (guint i = 0; i < json_array_get_length (calls); i++)
    {
      JsonNode *node = json_array_get_element (calls, i);

      if (JSON_NODE_HOLDS_OBJECT (node))
        g_ptr_array_add (self->calls, json_object_ref (json_node_get_object (node)));
    }
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  g_task_return_boolean (task, TRUE);
}

static void
duet_history_finalize (GObject *object)
{
  DuetHistory *self = DUET_HISTORY (object);

  g_ptr_array_unref (self->calls);

  G_OBJECT_CLASS (duet_history_parent_class)->finalize (object);
}

static void
duet_history_class_init (DuetHistoryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = duet_history_finalize;

  signals[SIGNAL_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* missed-call (JsonObject): a push that came while the history was read */
  signals[SIGNAL_MISSED_CALL] =
    g_signal_new ("missed-call", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
}

static void
duet_history_init (DuetHistory *self)
{
  self->calls = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
}

DuetHistory *
duet_history_new (void)
{
  return g_object_new (DUET_TYPE_HISTORY, NULL);
}

guint
duet_history_get_n_calls (DuetHistory *self)
{
  g_return_val_if_fail (DUET_IS_HISTORY (self), 0);
  return self->calls->len;
}

/**
 * duet_history_get_call:
 *
 * Returns: (transfer none): one entry as the server sent it (see
 *   docs/protocol.md, "History")
 */
JsonObject *
duet_history_get_call (DuetHistory *self,
                       guint        position)
{
  g_return_val_if_fail (DUET_IS_HISTORY (self), NULL);
  g_return_val_if_fail (position < self->calls->len, NULL);
  return g_ptr_array_index (self->calls, position);
}

void
duet_history_clear (DuetHistory *self)
{
  g_return_if_fail (DUET_IS_HISTORY (self));

  g_ptr_array_set_size (self->calls, 0);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

void
duet_history_fetch_async (DuetHistory         *self,
                          const char          *server_url,
                          const char          *access_token,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) request = json_object_new ();
  FetchData *data;

  g_return_if_fail (DUET_IS_HISTORY (self));
  g_return_if_fail (server_url != NULL && access_token != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, duet_history_fetch_async);
  g_task_set_check_cancellable (task, TRUE);

  data = g_new0 (FetchData, 1);
  data->signalling = duet_signalling_new (server_url, access_token);
  g_task_set_task_data (task, data, (GDestroyNotify) fetch_data_free);
  /* Borrowed: the task outlives the signalling, which the task data owns */
  g_object_set_data (G_OBJECT (data->signalling), "duet-history-task", task);
  g_signal_connect (data->signalling, "event", G_CALLBACK (on_event), data);
  g_signal_connect (data->signalling, "fatal", G_CALLBACK (on_fatal), data);
  data->timeout_id = g_timeout_add_seconds (FETCH_TIMEOUT_S, on_timeout, task);
  duet_signalling_start (data->signalling);

  json_object_set_string_member (request, "type", "history");
  json_object_set_int_member (request, "limit", HISTORY_LIMIT);
  duet_signalling_request_async (data->signalling, request, cancellable,
                                 history_replied, g_object_ref (task));
}

gboolean
duet_history_fetch_finish (DuetHistory   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
