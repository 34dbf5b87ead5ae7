/* duet-redis-connection.h: one Redis connection (hiredis) on the GLib
 * main context it was made in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define DUET_REDIS_ERROR (duet_redis_error_quark ())

typedef enum
{
  DUET_REDIS_ERROR_UNAVAILABLE,   /* cannot connect, or the connection was lost */
  DUET_REDIS_ERROR_TIMEOUT,       /* connecting took longer than allowed */
  DUET_REDIS_ERROR_REPLY,         /* Redis answered with an error */
} DuetRedisError;

typedef enum
{
  DUET_REDIS_STATE_DISCONNECTED,
  DUET_REDIS_STATE_CONNECTING,
  DUET_REDIS_STATE_READY,
} DuetRedisState;

#define DUET_TYPE_REDIS_CONNECTION (duet_redis_connection_get_type ())
G_DECLARE_FINAL_TYPE (DuetRedisConnection, duet_redis_connection, DUET, REDIS_CONNECTION, GObject)

GQuark               duet_redis_error_quark                (void);

DuetRedisConnection *duet_redis_connection_new             (const char           *address,
                                                            guint16               port);
DuetRedisState       duet_redis_connection_get_state       (DuetRedisConnection  *self);
const char          *duet_redis_connection_get_last_error  (DuetRedisConnection  *self);

void                 duet_redis_connection_connect_async   (DuetRedisConnection  *self,
                                                            guint                 timeout_ms,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
gboolean             duet_redis_connection_connect_finish  (DuetRedisConnection  *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

void                 duet_redis_connection_command_async   (DuetRedisConnection  *self,
                                                            const char * const   *argv,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
GVariant            *duet_redis_connection_command_finish  (DuetRedisConnection  *self,
                                                            GAsyncResult         *result,
                                                            GError              **error);

void                 duet_redis_connection_subscribe       (DuetRedisConnection  *self,
                                                            const char           *channel);
void                 duet_redis_connection_close           (DuetRedisConnection  *self);

G_END_DECLS
