/* duet-cc-param.h: the call-control parameter pushed to a callee
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Wire form: "v1." base64url(payload JSON) "." base64url(HMAC-SHA256).
 * Clients read the payload; only the server can check the signature
 * (duet-cc-param-private.h).
 */
#pragma once

#include <glib-object.h>

#include "duet-protocol-enums.h"
#include "duet-version.h"

G_BEGIN_DECLS

#define DUET_TYPE_CC_PARAM (duet_cc_param_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetCcParam, duet_cc_param, DUET, CC_PARAM, GObject)

DUET_AVAILABLE_IN_ALL
DuetCcParam   *duet_cc_param_new_from_string    (const char   *text,
                                                 GError      **error);
DUET_AVAILABLE_IN_ALL
const char    *duet_cc_param_get_text           (DuetCcParam  *self);
DUET_AVAILABLE_IN_ALL
const char    *duet_cc_param_get_call_id        (DuetCcParam  *self);
DUET_AVAILABLE_IN_ALL
const char    *duet_cc_param_get_caller_user    (DuetCcParam  *self);
DUET_AVAILABLE_IN_ALL
const char    *duet_cc_param_get_caller_service (DuetCcParam  *self);
DUET_AVAILABLE_IN_ALL
const char    *duet_cc_param_get_callee_user    (DuetCcParam  *self);
DUET_AVAILABLE_IN_ALL
const char    *duet_cc_param_get_callee_service (DuetCcParam  *self);
DUET_AVAILABLE_IN_ALL
DuetMediaType  duet_cc_param_get_media_type     (DuetCcParam  *self);
DUET_AVAILABLE_IN_ALL
gint64         duet_cc_param_get_issued_at      (DuetCcParam  *self);
DUET_AVAILABLE_IN_ALL
gint64         duet_cc_param_get_expires_at     (DuetCcParam  *self);

G_END_DECLS
