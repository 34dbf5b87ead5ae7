/* fuzz-token.c: access-token verification
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-token.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const guint8 key[32] = "fuzzing-key-fuzzing-key-fuzzing";

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_auto(DuetTokenClaims) claims = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean ok;

  ok = duet_token_verify (text, key, sizeof key, 1764140000, &claims, &error);
  g_assert (ok == (error == NULL));
  if (ok)
    g_assert (claims.uid != NULL && claims.sid != NULL);
  return 0;
}
