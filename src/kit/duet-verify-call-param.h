/* duet-verify-call-param.h: an immutable, validated verify-call request
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-cc-param.h"
#include "duet-version.h"

G_BEGIN_DECLS

#define DUET_TYPE_VERIFY_CALL_PARAM (duet_verify_call_param_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetVerifyCallParam, duet_verify_call_param, DUET, VERIFY_CALL_PARAM, GObject)

DUET_AVAILABLE_IN_ALL
const char  *duet_verify_call_param_get_my_user_id    (DuetVerifyCallParam *self);
DUET_AVAILABLE_IN_ALL
const char  *duet_verify_call_param_get_my_service_id (DuetVerifyCallParam *self);
DUET_AVAILABLE_IN_ALL
DuetCcParam *duet_verify_call_param_get_cc_param      (DuetVerifyCallParam *self);
DUET_AVAILABLE_IN_ALL
const char  *duet_verify_call_param_get_access_token  (DuetVerifyCallParam *self);
DUET_AVAILABLE_IN_ALL
gboolean     duet_verify_call_param_get_use_responder_preparation (DuetVerifyCallParam *self);
DUET_AVAILABLE_IN_ALL
const char  *duet_verify_call_param_get_server_url    (DuetVerifyCallParam *self);

G_END_DECLS
