/* duet-token.h: HS256 JWT access tokens
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure functions (no global state, no clock) so that fuzzers and tests can
 * call them directly.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DUET_TOKEN_MAX_LENGTH 4096

typedef struct
{
  char   *uid;
  char   *sid;
  gint64  iat;
  gint64  exp;
  gint64  tv;
  char   *did;   /* the device; NULL: none (refused at sign-in) */
  gint64  dk;    /* the device's key: a signed-out device's tokens fail */
} DuetTokenClaims;

void      duet_token_claims_clear (DuetTokenClaims *claims);

char     *duet_token_sign         (const char      *uid,
                                   const char      *sid,
                                   gint64           iat,
                                   gint64           exp,
                                   gint64           tv,
                                   const char      *did,
                                   gint64           dk,
                                   const guint8    *key,
                                   gsize            keylen);
gboolean  duet_token_verify       (const char      *token,
                                   const guint8    *key,
                                   gsize            keylen,
                                   gint64           now,
                                   DuetTokenClaims *out,
                                   GError         **error);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetTokenClaims, duet_token_claims_clear)

G_END_DECLS
