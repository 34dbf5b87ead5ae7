/* duet-pg-connection.h: one PostgreSQL connection, driven without blocking
 * on the GLib main context it was made in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <libpq-fe.h>

G_BEGIN_DECLS

#define DUET_PG_ERROR (duet_pg_error_quark ())

typedef enum
{
  DUET_PG_ERROR_UNAVAILABLE,   /* cannot connect, or the connection was lost */
  DUET_PG_ERROR_TIMEOUT,       /* connecting took longer than allowed */
  DUET_PG_ERROR_QUERY,         /* the server refused the statement */
} DuetPgError;

typedef enum
{
  DUET_PG_STATE_DISCONNECTED,
  DUET_PG_STATE_CONNECTING,
  DUET_PG_STATE_READY,
} DuetPgState;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PGresult, PQclear)

#define DUET_TYPE_PG_CONNECTION (duet_pg_connection_get_type ())
G_DECLARE_FINAL_TYPE (DuetPgConnection, duet_pg_connection, DUET, PG_CONNECTION, GObject)

GQuark            duet_pg_error_quark               (void);

DuetPgConnection *duet_pg_connection_new            (const char           *conninfo);
DuetPgState       duet_pg_connection_get_state      (DuetPgConnection     *self);
const char       *duet_pg_connection_get_last_error (DuetPgConnection     *self);

void              duet_pg_connection_connect_async  (DuetPgConnection     *self,
                                                     guint                 timeout_ms,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
gboolean          duet_pg_connection_connect_finish (DuetPgConnection     *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

void              duet_pg_connection_query_async    (DuetPgConnection     *self,
                                                     const char           *sql,
                                                     guint                 n_params,
                                                     const char *const    *params,
                                                     GCancellable         *cancellable,
                                                     GAsyncReadyCallback   callback,
                                                     gpointer              user_data);
PGresult         *duet_pg_connection_query_finish   (DuetPgConnection     *self,
                                                     GAsyncResult         *result,
                                                     GError              **error);

void              duet_pg_connection_close          (DuetPgConnection     *self);

G_END_DECLS
