/* duet-store-copy.h: copies a SQLite node's store into PostgreSQL
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The upgrade path from one server to several (`duet-server migrate`):
 * every row of the SQLite file goes into a PostgreSQL store, ids and
 * secrets included, so that tokens signed before stay good.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* meta, users, revoked, devices, calls */
#define DUET_STORE_COPY_N_TABLES 5

typedef struct
{
  const char *table;
  gint64      source_rows;   /* counted in the SQLite file */
  gint64      copied_rows;   /* counted in PostgreSQL after the copy, before COMMIT */
} DuetStoreCopyCount;

typedef enum
{
  DUET_STORE_COPY_NONE    = 0,
  /* a store that holds accounts, devices or calls is emptied first
   * (otherwise it is refused) */
  DUET_STORE_COPY_REPLACE = 1 << 0,
} DuetStoreCopyFlags;

/* Copies everything in the SQLite file @db_path into the PostgreSQL store
 * @conninfo (its schema brought up to date first), in one transaction,
 * and fills @counts. The file must exist and no server may have it open;
 * nothing is changed when this fails. */
gboolean duet_store_copy_sqlite_to_pg (const char          *db_path,
                                       const char          *conninfo,
                                       DuetStoreCopyFlags   flags,
                                       DuetStoreCopyCount   counts[DUET_STORE_COPY_N_TABLES],
                                       GError             **error);

G_END_DECLS
