/* duet-verify-call-param-builder.h: collects and checks verify-call fields
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "duet-verify-call-param.h"

G_BEGIN_DECLS

#define DUET_TYPE_VERIFY_CALL_PARAM_BUILDER (duet_verify_call_param_builder_get_type ())
G_DECLARE_FINAL_TYPE (DuetVerifyCallParamBuilder, duet_verify_call_param_builder, DUET, VERIFY_CALL_PARAM_BUILDER, GObject)

DuetVerifyCallParamBuilder *duet_verify_call_param_builder_new               (void);
DuetVerifyCallParamBuilder *duet_verify_call_param_builder_set_my_user_id    (DuetVerifyCallParamBuilder *self,
                                                                              const char                 *user_id);
DuetVerifyCallParamBuilder *duet_verify_call_param_builder_set_my_service_id (DuetVerifyCallParamBuilder *self,
                                                                              const char                 *service_id);
DuetVerifyCallParamBuilder *duet_verify_call_param_builder_set_cc_param      (DuetVerifyCallParamBuilder *self,
                                                                              DuetCcParam                *cc_param);
DuetVerifyCallParamBuilder *duet_verify_call_param_builder_set_access_token  (DuetVerifyCallParamBuilder *self,
                                                                              const char                 *token);
DuetVerifyCallParamBuilder *duet_verify_call_param_builder_set_server_url    (DuetVerifyCallParamBuilder *self,
                                                                              const char                 *url);
DuetVerifyCallParam        *duet_verify_call_param_builder_build             (DuetVerifyCallParamBuilder *self,
                                                                              GError                    **error);

G_END_DECLS
