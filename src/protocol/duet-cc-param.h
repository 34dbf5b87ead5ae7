/* duet-cc-param.h: the call-control parameter pushed to a callee
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Wire form: "v1." base64url(payload JSON) "." base64url(HMAC-SHA256).
 * Clients read the payload; only the server can check the signature.
 */
#pragma once

#include "duet-protocol.h"

G_BEGIN_DECLS

#define DUET_TYPE_CC_PARAM (duet_cc_param_get_type ())
G_DECLARE_FINAL_TYPE (DuetCcParam, duet_cc_param, DUET, CC_PARAM, GObject)

DuetCcParam   *duet_cc_param_new_from_string   (const char   *text,
                                                GError      **error);
const char    *duet_cc_param_get_text          (DuetCcParam  *self);
const char    *duet_cc_param_get_call_id       (DuetCcParam  *self);
const char    *duet_cc_param_get_caller_user   (DuetCcParam  *self);
const char    *duet_cc_param_get_caller_service(DuetCcParam  *self);
const char    *duet_cc_param_get_callee_user   (DuetCcParam  *self);
const char    *duet_cc_param_get_callee_service(DuetCcParam  *self);
DuetMediaType  duet_cc_param_get_media_type    (DuetCcParam  *self);
gint64         duet_cc_param_get_issued_at     (DuetCcParam  *self);
gint64         duet_cc_param_get_expires_at    (DuetCcParam  *self);
const char    *duet_cc_param_get_signed_part   (DuetCcParam  *self);
const char    *duet_cc_param_get_signature     (DuetCcParam  *self);

char          *duet_cc_param_sign              (const char    *call_id,
                                                const char    *caller_user,
                                                const char    *caller_service,
                                                const char    *callee_user,
                                                const char    *callee_service,
                                                DuetMediaType  media_type,
                                                gint64         issued_at,
                                                gint64         expires_at,
                                                const guint8  *key,
                                                gsize          key_length);
gboolean       duet_cc_param_check_signature   (DuetCcParam   *self,
                                                const guint8  *key,
                                                gsize          key_length);

G_END_DECLS
