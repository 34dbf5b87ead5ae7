/* duet-pg-store.h: the store in PostgreSQL, shared by several servers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "duet-store.h"

G_BEGIN_DECLS

typedef enum
{
  DUET_PG_STORE_ADMIN,    /* migrations and account changes: the CLI */
  DUET_PG_STORE_SERVE,    /* all of it, without blocking the main loop */
} DuetPgStoreMode;

#define DUET_TYPE_PG_STORE (duet_pg_store_get_type ())
G_DECLARE_FINAL_TYPE (DuetPgStore, duet_pg_store, DUET, PG_STORE, GObject)

DuetStore *duet_pg_store_open       (const char       *conninfo,
                                     DuetPgStoreMode   mode,
                                     GError          **error);
gboolean   duet_pg_store_is_conninfo (const char      *text);

G_END_DECLS
