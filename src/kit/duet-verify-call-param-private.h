/* duet-verify-call-param-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "duet-verify-call-param.h"

G_BEGIN_DECLS

DuetVerifyCallParam *duet_verify_call_param_new_internal (const char  *my_user_id,
                                                          const char  *my_service_id,
                                                          DuetCcParam *cc_param,
                                                          const char  *access_token,
                                                          const char  *server_url,
                                                          gboolean     use_responder_preparation);

G_END_DECLS
