/* duet-verify-call-param.h: an immutable, validated verify-call request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-cc-param.h"

G_BEGIN_DECLS

#define DUET_TYPE_VERIFY_CALL_PARAM (duet_verify_call_param_get_type ())
G_DECLARE_FINAL_TYPE (DuetVerifyCallParam, duet_verify_call_param, DUET, VERIFY_CALL_PARAM, GObject)

const char  *duet_verify_call_param_get_my_user_id    (DuetVerifyCallParam *self);
const char  *duet_verify_call_param_get_my_service_id (DuetVerifyCallParam *self);
DuetCcParam *duet_verify_call_param_get_cc_param      (DuetVerifyCallParam *self);
const char  *duet_verify_call_param_get_access_token  (DuetVerifyCallParam *self);
const char  *duet_verify_call_param_get_server_url    (DuetVerifyCallParam *self);

G_END_DECLS
