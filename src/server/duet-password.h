/* duet-password.h: password hashes (Argon2id, by libsodium)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  DUET_KDF_COST_INTERACTIVE,
  DUET_KDF_COST_MIN,
} DuetKdfCost;

char       *duet_password_hash       (const char  *password,
                                      DuetKdfCost  cost,
                                      GError     **error);
gboolean    duet_password_check      (const char  *hash,
                                      const char  *password);
const char *duet_password_dummy_hash (void);

G_END_DECLS
