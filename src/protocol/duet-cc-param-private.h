/* duet-cc-param-private.h: signing and checking cc_params (the server's side)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Not installed: only the server holds the key. Clients read cc_params
 * through duet-cc-param.h.
 */
#pragma once

#include "duet-cc-param.h"

G_BEGIN_DECLS

const char *duet_cc_param_get_signed_part  (DuetCcParam   *self);
const char *duet_cc_param_get_signature    (DuetCcParam   *self);

char       *duet_cc_param_sign             (const char    *call_id,
                                            const char    *caller_user,
                                            const char    *caller_service,
                                            const char    *callee_user,
                                            const char    *callee_service,
                                            DuetMediaType  media_type,
                                            gint64         issued_at,
                                            gint64         expires_at,
                                            const guint8  *key,
                                            gsize          key_length);
gboolean    duet_cc_param_check_signature  (DuetCcParam   *self,
                                            const guint8  *key,
                                            gsize          key_length);

G_END_DECLS
