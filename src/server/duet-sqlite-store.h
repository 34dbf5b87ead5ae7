/* duet-sqlite-store.h: the store in one SQLite file (the default)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "duet-store.h"

G_BEGIN_DECLS

#define DUET_TYPE_SQLITE_STORE (duet_sqlite_store_get_type ())
G_DECLARE_FINAL_TYPE (DuetSqliteStore, duet_sqlite_store, DUET, SQLITE_STORE, GObject)

DuetStore *duet_sqlite_store_open         (const char       *path,
                                           GError          **error);
guint64    duet_sqlite_store_get_vm_steps (DuetSqliteStore  *self);

G_END_DECLS
