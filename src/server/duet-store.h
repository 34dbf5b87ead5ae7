/* duet-store.h: where accounts, devices and calls are kept
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * An interface, so that one server can keep them in a SQLite file
 * (DuetSqliteStore, the default) and several in PostgreSQL. Every method
 * runs in the thread the store was made in.
 */
#pragma once

#include <gio/gio.h>

#include "duet-call-record.h"
#include "duet-password.h"

G_BEGIN_DECLS

#define DUET_STORE_SECRET_LENGTH 32

#define DUET_TYPE_STORE (duet_store_get_type ())
G_DECLARE_INTERFACE (DuetStore, duet_store, DUET, STORE, GObject)

struct _DuetStoreInterface
{
  GTypeInterface parent_iface;

  /* Flushes and closes; the store answers nothing after this */
  void (*close) (DuetStore *self);
  /* A random secret by name, made and kept on first use */
  gboolean (*get_secret) (DuetStore   *self,
                          const char  *name,
                          guint8       out[DUET_STORE_SECRET_LENGTH],
                          GError     **error);
  gboolean (*add_user) (DuetStore    *self,
                        const char   *service,
                        const char   *user,
                        const char   *password,
                        DuetKdfCost   cost,
                        GError      **error);
  gboolean (*remove_user) (DuetStore   *self,
                           const char  *service,
                           const char  *user,
                           GError     **error);
  gboolean (*set_password) (DuetStore    *self,
                            const char   *service,
                            const char   *user,
                            const char   *password,
                            DuetKdfCost   cost,
                            GError      **error);
  GPtrArray *(*list_users) (DuetStore   *self,
                             const char  *service,
                             GError     **error);
  /* An account by name: its id, password hash and token version (any may be NULL) */
  gboolean (*lookup_user) (DuetStore   *self,
                           const char  *service,
                           const char  *user,
                           gint64      *out_id,
                           char       **out_hash,
                           gint64      *out_token_version,
                           GError     **error);
  gboolean (*save_call) (DuetStore       *self,
                         DuetCallRecord  *call,
                         GError         **error);
  GPtrArray *(*load_open_calls) (DuetStore  *self,
                                  GError    **error);
  gboolean (*clear_pending) (DuetStore   *self,
                             gint64       account_id,
                             const char  *device_id,
                             GError     **error);
  gboolean (*lookup_device) (DuetStore   *self,
                             gint64       account_id,
                             const char  *device_id,
                             gint64      *out_key,
                             char       **out_name,
                             gint64      *out_last_seen,
                             GError     **error);
  GPtrArray *(*list_devices) (DuetStore  *self,
                               gint64      account_id,
                               GError    **error);
  gboolean (*put_device) (DuetStore   *self,
                          gint64       account_id,
                          const char  *device_id,
                          const char  *name,
                          gint64       now_ms,
                          gint64      *out_key,
                          GError     **error);
  gboolean (*touch_device) (DuetStore   *self,
                            gint64       account_id,
                            const char  *device_id,
                            gint64       now_ms,
                            GError     **error);
  gboolean (*remove_device) (DuetStore   *self,
                             gint64       account_id,
                             const char  *device_id,
                             GError     **error);
  gint64 (*prune) (DuetStore  *self,
                   gint64      cutoff_ms,
                   guint       max_calls,
                   GArray     *account_ids,
                   GError    **error);
  /* Changes whenever someone else (another process, another node) may
   * have changed accounts or devices: the server then checks its sessions */
  gint64 (*get_generation) (DuetStore *self);
  /* Whether it can take a sign-in now (a database it cannot reach: no);
   * optional, TRUE by default */
  gboolean (*is_available) (DuetStore *self);

  /* The reads a client waits for, asynchronously: each completes a GTask
   * whose source object is the store and whose source tag is the public
   * duet_store_…_async() function, returning what its _finish() says */
  void (*load_history_async) (DuetStore           *self,
                              gint64               account_id,
                              gint64               before,
                              guint                limit,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
  void (*load_events_async)  (DuetStore           *self,
                              gint64               account_id,
                              const char          *device_id,
                              gint64               since_ms,
                              guint                limit,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
  void (*mark_seen_async)    (DuetStore           *self,
                              gint64               account_id,
                              const char          *call_id,
                              gint64               now_ms,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
};

void         duet_store_close             (DuetStore        *self);
gboolean     duet_store_get_secret        (DuetStore        *self,
                                           const char       *name,
                                           guint8            out[DUET_STORE_SECRET_LENGTH],
                                           GError          **error);
gboolean     duet_store_add_user          (DuetStore        *self,
                                           const char       *service,
                                           const char       *user,
                                           const char       *password,
                                           DuetKdfCost       cost,
                                           GError          **error);
gboolean     duet_store_remove_user       (DuetStore        *self,
                                           const char       *service,
                                           const char       *user,
                                           GError          **error);
gboolean     duet_store_set_password      (DuetStore        *self,
                                           const char       *service,
                                           const char       *user,
                                           const char       *password,
                                           DuetKdfCost       cost,
                                           GError          **error);
GPtrArray   *duet_store_list_users         (DuetStore        *self,
                                           const char       *service,
                                           GError          **error);
gboolean     duet_store_lookup_user       (DuetStore        *self,
                                           const char       *service,
                                           const char       *user,
                                           gint64           *out_id,
                                           char            **out_hash,
                                           gint64           *out_token_version,
                                           GError          **error);
gboolean     duet_store_save_call         (DuetStore        *self,
                                           DuetCallRecord   *call,
                                           GError          **error);
GPtrArray   *duet_store_load_open_calls    (DuetStore        *self,
                                           GError          **error);
gboolean     duet_store_clear_pending     (DuetStore        *self,
                                           gint64            account_id,
                                           const char       *device_id,
                                           GError          **error);
gboolean     duet_store_lookup_device     (DuetStore        *self,
                                           gint64            account_id,
                                           const char       *device_id,
                                           gint64           *out_key,
                                           char            **out_name,
                                           gint64           *out_last_seen,
                                           GError          **error);
GPtrArray   *duet_store_list_devices       (DuetStore        *self,
                                           gint64            account_id,
                                           GError          **error);
gboolean     duet_store_put_device        (DuetStore        *self,
                                           gint64            account_id,
                                           const char       *device_id,
                                           const char       *name,
                                           gint64            now_ms,
                                           gint64           *out_key,
                                           GError          **error);
gboolean     duet_store_touch_device      (DuetStore        *self,
                                           gint64            account_id,
                                           const char       *device_id,
                                           gint64            now_ms,
                                           GError          **error);
gboolean     duet_store_remove_device     (DuetStore        *self,
                                           gint64            account_id,
                                           const char       *device_id,
                                           GError          **error);
gint64       duet_store_prune             (DuetStore        *self,
                                           gint64            cutoff_ms,
                                           guint             max_calls,
                                           GArray           *account_ids,
                                           GError          **error);
gint64       duet_store_get_generation    (DuetStore        *self);

/* What a device missed while it was away: the calls whose end it was not
 * told of (pending), and the user's missed calls since a time (missed),
 * newest first */
typedef struct
{
  GPtrArray *pending;
  GPtrArray *missed;
} DuetStoreEvents;

void         duet_store_events_free       (DuetStoreEvents  *events);
gboolean     duet_store_is_available      (DuetStore        *self);

void         duet_store_load_history_async  (DuetStore            *self,
                                             gint64                account_id,
                                             gint64                before,
                                             guint                 limit,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
GPtrArray   *duet_store_load_history_finish (DuetStore            *self,
                                             GAsyncResult         *result,
                                             GError              **error);
void         duet_store_load_events_async   (DuetStore            *self,
                                             gint64                account_id,
                                             const char           *device_id,
                                             gint64                since_ms,
                                             guint                 limit,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
DuetStoreEvents *duet_store_load_events_finish (DuetStore         *self,
                                                GAsyncResult      *result,
                                                GError           **error);
void         duet_store_mark_seen_async     (DuetStore            *self,
                                             gint64                account_id,
                                             const char           *call_id,
                                             gint64                now_ms,
                                             GCancellable         *cancellable,
                                             GAsyncReadyCallback   callback,
                                             gpointer              user_data);
gboolean     duet_store_mark_seen_finish    (DuetStore            *self,
                                             GAsyncResult         *result,
                                             gboolean             *out_changed,
                                             GError              **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetStoreEvents, duet_store_events_free)

G_END_DECLS
