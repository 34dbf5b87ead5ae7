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
/* The same, for one device of the callee (NULL: any) */
char       *duet_cc_param_sign_for_device  (const char    *call_id,
                                            const char    *caller_user,
                                            const char    *caller_service,
                                            const char    *callee_user,
                                            const char    *callee_service,
                                            const char    *callee_device,
                                            DuetMediaType  media_type,
                                            gint64         issued_at,
                                            gint64         expires_at,
                                            const guint8  *key,
                                            gsize          key_length);
/* The device it was signed for; NULL: none named */
const char *duet_cc_param_get_callee_device (DuetCcParam  *self);
gboolean    duet_cc_param_check_signature  (DuetCcParam   *self,
                                            const guint8  *key,
                                            gsize          key_length);

G_END_DECLS
