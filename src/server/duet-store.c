/* duet-store.c: where accounts, devices and calls are kept
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-store.h"

G_DEFINE_INTERFACE (DuetStore, duet_store, G_TYPE_OBJECT)

static gboolean
duet_store_real_is_available (DuetStore *self)
{
  return TRUE;
}

static void
duet_store_default_init (DuetStoreInterface *iface)
{
  iface->is_available = duet_store_real_is_available;
}

gboolean
duet_store_is_available (DuetStore *self)
{
  g_return_val_if_fail (DUET_IS_STORE (self), FALSE);

  return DUET_STORE_GET_IFACE (self)->is_available (self);
}

void
duet_store_close (DuetStore *self)
{
  g_return_if_fail (DUET_IS_STORE (self));

  DUET_STORE_GET_IFACE (self)->close (self);
}

gboolean
duet_store_get_secret (DuetStore   *self,
                       const char  *name,
                       guint8       out[DUET_STORE_SECRET_LENGTH],
                       GError     **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), FALSE);

  return DUET_STORE_GET_IFACE (self)->get_secret (self, name, out, error);
}

gboolean
duet_store_add_user (DuetStore    *self,
                     const char   *service,
                     const char   *user,
                     const char   *password,
                     DuetKdfCost   cost,
                     GError      **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), FALSE);

  return DUET_STORE_GET_IFACE (self)->add_user (self, service, user, password, cost, error);
}

gboolean
duet_store_remove_user (DuetStore   *self,
                        const char  *service,
                        const char  *user,
                        GError     **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), FALSE);

  return DUET_STORE_GET_IFACE (self)->remove_user (self, service, user, error);
}

gboolean
duet_store_set_password (DuetStore    *self,
                         const char   *service,
                         const char   *user,
                         const char   *password,
                         DuetKdfCost   cost,
                         GError      **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), FALSE);

  return DUET_STORE_GET_IFACE (self)->set_password (self, service, user, password, cost, error);
}

GPtrArray  *
duet_store_list_users (DuetStore   *self,
                       const char  *service,
                       GError     **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), 0);

  return DUET_STORE_GET_IFACE (self)->list_users (self, service, error);
}

gboolean
duet_store_lookup_user (DuetStore   *self,
                        const char  *service,
                        const char  *user,
                        gint64      *out_id,
                        char       **out_hash,
                        gint64      *out_token_version,
                        GError     **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), FALSE);

  return DUET_STORE_GET_IFACE (self)->lookup_user (self, service, user, out_id, out_hash, out_token_version, error);
}

gboolean
duet_store_save_call (DuetStore       *self,
                      DuetCallRecord  *call,
                      GError         **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), FALSE);

  return DUET_STORE_GET_IFACE (self)->save_call (self, call, error);
}

GPtrArray  *
duet_store_load_open_calls (DuetStore  *self,
                            GError    **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), 0);

  return DUET_STORE_GET_IFACE (self)->load_open_calls (self, error);
}


gboolean
duet_store_clear_pending (DuetStore   *self,
                          gint64       account_id,
                          const char  *device_id,
                          GError     **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), FALSE);

  return DUET_STORE_GET_IFACE (self)->clear_pending (self, account_id, device_id, error);
}



gboolean
duet_store_lookup_device (DuetStore   *self,
                          gint64       account_id,
                          const char  *device_id,
                          gint64      *out_key,
                          char       **out_name,
                          gint64      *out_last_seen,
                          GError     **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), FALSE);

  return DUET_STORE_GET_IFACE (self)->lookup_device (self, account_id, device_id, out_key, out_name, out_last_seen, error);
}

GPtrArray  *
duet_store_list_devices (DuetStore  *self,
                         gint64      account_id,
                         GError    **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), 0);

  return DUET_STORE_GET_IFACE (self)->list_devices (self, account_id, error);
}

gboolean
duet_store_put_device (DuetStore   *self,
                       gint64       account_id,
                       const char  *device_id,
                       const char  *name,
                       gint64       now_ms,
                       gint64      *out_key,
                       GError     **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), FALSE);

  return DUET_STORE_GET_IFACE (self)->put_device (self, account_id, device_id, name, now_ms, out_key, error);
}

gboolean
duet_store_touch_device (DuetStore   *self,
                         gint64       account_id,
                         const char  *device_id,
                         gint64       now_ms,
                         GError     **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), FALSE);

  return DUET_STORE_GET_IFACE (self)->touch_device (self, account_id, device_id, now_ms, error);
}

gboolean
duet_store_remove_device (DuetStore   *self,
                          gint64       account_id,
                          const char  *device_id,
                          GError     **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), FALSE);

  return DUET_STORE_GET_IFACE (self)->remove_device (self, account_id, device_id, error);
}


gint64
duet_store_prune (DuetStore  *self,
                  gint64      cutoff_ms,
                  guint       max_calls,
                  GArray     *account_ids,
                  GError    **error)
{
  g_return_val_if_fail (DUET_IS_STORE (self), -1);

  return DUET_STORE_GET_IFACE (self)->prune (self, cutoff_ms, max_calls, account_ids, error);
}

gint64
duet_store_get_generation (DuetStore *self)
{
  g_return_val_if_fail (DUET_IS_STORE (self), -1);

  return DUET_STORE_GET_IFACE (self)->get_generation (self);
}

void
duet_store_events_free (DuetStoreEvents *events)
{
  g_clear_pointer (&events->pending, g_ptr_array_unref);
  g_clear_pointer (&events->missed, g_ptr_array_unref);
  g_free (events);
}

/**
 * duet_store_load_history_async:
 *
 * The account's calls, newest first, that began before @before (unix ms;
 * 0: any), at most @limit of them.
 */
void
duet_store_load_history_async (DuetStore           *self,
                               gint64               account_id,
                               gint64               before,
                               guint                limit,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (DUET_IS_STORE (self));

  DUET_STORE_GET_IFACE (self)->load_history_async (self, account_id, before, limit, cancellable,
                                                   callback, user_data);
}

/**
 * duet_store_load_history_finish:
 *
 * Returns: (transfer container): #DuetCallRecord, or %NULL on error
 */
GPtrArray *
duet_store_load_history_finish (DuetStore     *self,
                                GAsyncResult  *result,
                                GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == duet_store_load_history_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * duet_store_load_events_async:
 * @since_ms: missed calls that ended after this (the device's last visit)
 * @limit: at most this many of each kind
 */
void
duet_store_load_events_async (DuetStore           *self,
                              gint64               account_id,
                              const char          *device_id,
                              gint64               since_ms,
                              guint                limit,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_return_if_fail (DUET_IS_STORE (self));

  DUET_STORE_GET_IFACE (self)->load_events_async (self, account_id, device_id, since_ms, limit,
                                                  cancellable, callback, user_data);
}

DuetStoreEvents *
duet_store_load_events_finish (DuetStore     *self,
                               GAsyncResult  *result,
                               GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == duet_store_load_events_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * duet_store_mark_seen_async:
 *
 * Marks the account's missed call seen, for all its devices. Fails with
 * %DUET_SERVER_ERROR_NOT_FOUND unless @call_id is a call the account
 * missed.
 */
void
duet_store_mark_seen_async (DuetStore           *self,
                            gint64               account_id,
                            const char          *call_id,
                            gint64               now_ms,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_return_if_fail (DUET_IS_STORE (self));

  DUET_STORE_GET_IFACE (self)->mark_seen_async (self, account_id, call_id, now_ms, cancellable,
                                                callback, user_data);
}

/**
 * duet_store_mark_seen_finish:
 * @out_changed: (out): %FALSE when it had been seen before
 */
gboolean
duet_store_mark_seen_finish (DuetStore     *self,
                             GAsyncResult  *result,
                             gboolean      *out_changed,
                             GError       **error)
{
  gssize changed;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == duet_store_mark_seen_async, FALSE);

  changed = g_task_propagate_int (G_TASK (result), error);
  if (changed < 0)
    return FALSE;
  if (out_changed != NULL)
    *out_changed = changed > 0;
  return TRUE;
}
