/* duet-store.h: SQLite storage for accounts, secrets and calls
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-call-record.h"

G_BEGIN_DECLS

#define DUET_STORE_SECRET_LENGTH 32

typedef enum
{
  DUET_KDF_COST_INTERACTIVE,
  DUET_KDF_COST_MIN,
} DuetKdfCost;

#define DUET_TYPE_STORE (duet_store_get_type ())
G_DECLARE_FINAL_TYPE (DuetStore, duet_store, DUET, STORE, GObject)

DuetStore  *duet_store_open               (const char      *path,
                                           GError         **error);
void        duet_store_close              (DuetStore       *self);

gboolean    duet_store_get_secret         (DuetStore       *self,
                                           const char      *name,
                                           guint8           out[DUET_STORE_SECRET_LENGTH],
                                           GError         **error);

gboolean    duet_store_add_user           (DuetStore       *self,
                                           const char      *service,
                                           const char      *user,
                                           const char      *password,
                                           DuetKdfCost      cost,
                                           GError         **error);
gboolean    duet_store_remove_user        (DuetStore       *self,
                                           const char      *service,
                                           const char      *user,
                                           GError         **error);
gboolean    duet_store_set_password       (DuetStore       *self,
                                           const char      *service,
                                           const char      *user,
                                           const char      *password,
                                           DuetKdfCost      cost,
                                           GError         **error);
GPtrArray  *duet_store_list_users         (DuetStore       *self,
                                           const char      *service,
                                           GError         **error);
gboolean    duet_store_lookup_user        (DuetStore       *self,
                                           const char      *service,
                                           const char      *user,
                                           gint64          *out_id,
                                           char           **out_hash,
                                           gint64          *out_token_version,
                                           GError         **error);
const char *duet_store_get_dummy_hash     (void);
gboolean    duet_store_check_password     (const char      *hash,
                                           const char      *password);

gboolean    duet_store_save_call          (DuetStore       *self,
                                           DuetCallRecord  *call,
                                           GError         **error);
GPtrArray  *duet_store_load_open_calls    (DuetStore       *self,
                                           GError         **error);
GPtrArray  *duet_store_load_pending       (DuetStore       *self,
                                           gint64           account_id,
                                           const char      *device_id,
                                           guint            limit,
                                           GError         **error);
gboolean    duet_store_clear_pending      (DuetStore       *self,
                                           gint64           account_id,
                                           const char      *device_id,
                                           GError         **error);
GPtrArray  *duet_store_load_missed_since  (DuetStore       *self,
                                           gint64           account_id,
                                           const char      *device_id,
                                           gint64           since_ms,
                                           guint            limit,
                                           GError         **error);
gboolean    duet_store_mark_seen          (DuetStore       *self,
                                           gint64           account_id,
                                           const char      *call_id,
                                           gint64           now_ms,
                                           gboolean        *out_changed,
                                           GError         **error);
gboolean    duet_store_lookup_device      (DuetStore       *self,
                                           gint64           account_id,
                                           const char      *device_id,
                                           gint64          *out_key,
                                           char           **out_name,
                                           gint64          *out_last_seen,
                                           GError         **error);
GPtrArray  *duet_store_list_devices       (DuetStore       *self,
                                           gint64           account_id,
                                           GError         **error);
gboolean    duet_store_put_device         (DuetStore       *self,
                                           gint64           account_id,
                                           const char      *device_id,
                                           const char      *name,
                                           gint64           now_ms,
                                           gint64          *out_key,
                                           GError         **error);
gboolean    duet_store_touch_device       (DuetStore       *self,
                                           gint64           account_id,
                                           const char      *device_id,
                                           gint64           now_ms,
                                           GError         **error);
gboolean    duet_store_remove_device      (DuetStore       *self,
                                           gint64           account_id,
                                           const char      *device_id,
                                           GError         **error);
GPtrArray  *duet_store_load_history       (DuetStore       *self,
                                           gint64           account_id,
                                           gint64           before,
                                           guint            limit,
                                           GError         **error);
gint64      duet_store_prune              (DuetStore       *self,
                                           gint64           cutoff_ms,
                                           guint            max_calls,
                                           GArray          *account_ids,
                                           GError         **error);
guint64     duet_store_get_vm_steps       (DuetStore       *self);
gint64      duet_store_get_data_version   (DuetStore       *self);

G_END_DECLS
