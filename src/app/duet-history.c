/* duet-history.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The recent calls, read over the manager's connection.
 */
#define G_LOG_DOMAIN "DuetHistory"

#include "config.h"

#include "duet-history.h"

#define HISTORY_LIMIT 50

struct _DuetHistory
{
  GObject    parent_instance;

  GPtrArray *calls;  /* DuetCallHistoryEntry, newest first */
};

G_DEFINE_FINAL_TYPE (DuetHistory, duet_history, G_TYPE_OBJECT)

enum {
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
history_fetched (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DuetHistory *self = g_task_get_source_object (task);
  g_autoptr(GListModel) calls = NULL;
  GError *error = NULL;

  calls = duet_manager_fetch_history_finish (DUET_MANAGER (source), result, &error);
  if (calls == NULL)
    {
      g_task_return_error (task, error);
      return;
    }

  g_ptr_array_set_size (self->calls, 0);
  for (guint i = 0; i < g_list_model_get_n_items (calls); i++)
    g_ptr_array_add (self->calls, g_list_model_get_item (calls, i));
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
}

static void
duet_history_init (DuetHistory *self)
{
  self->calls = g_ptr_array_new_with_free_func (g_object_unref);
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
 * Returns: (transfer none): one entry, newest first
 */
DuetCallHistoryEntry *
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
                          DuetManager         *manager,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (DUET_IS_HISTORY (self));
  g_return_if_fail (DUET_IS_MANAGER (manager));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, duet_history_fetch_async);
  duet_manager_fetch_history_async (manager, HISTORY_LIMIT, cancellable, history_fetched, task);
}

gboolean
duet_history_fetch_finish (DuetHistory   *self,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
