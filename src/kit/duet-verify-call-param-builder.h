/* duet-verify-call-param-builder.h: collects and checks verify-call fields
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "duet-verify-call-param.h"

G_BEGIN_DECLS

#define DUET_TYPE_VERIFY_CALL_PARAM_BUILDER (duet_verify_call_param_builder_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetVerifyCallParamBuilder, duet_verify_call_param_builder, DUET, VERIFY_CALL_PARAM_BUILDER, GObject)

DUET_AVAILABLE_IN_ALL
DuetVerifyCallParamBuilder *duet_verify_call_param_builder_new               (void);
DUET_AVAILABLE_IN_ALL
DuetVerifyCallParamBuilder *duet_verify_call_param_builder_set_my_user_id    (DuetVerifyCallParamBuilder *self,
                                                                              const char                 *user_id);
DUET_AVAILABLE_IN_ALL
DuetVerifyCallParamBuilder *duet_verify_call_param_builder_set_my_service_id (DuetVerifyCallParamBuilder *self,
                                                                              const char                 *service_id);
DUET_AVAILABLE_IN_ALL
DuetVerifyCallParamBuilder *duet_verify_call_param_builder_set_cc_param      (DuetVerifyCallParamBuilder *self,
                                                                              DuetCcParam                *cc_param);
DUET_AVAILABLE_IN_ALL
DuetVerifyCallParamBuilder *duet_verify_call_param_builder_set_access_token  (DuetVerifyCallParamBuilder *self,
                                                                              const char                 *token);
DUET_AVAILABLE_IN_ALL
DuetVerifyCallParamBuilder *duet_verify_call_param_builder_set_use_responder_preparation (DuetVerifyCallParamBuilder *self,
                                                                                          gboolean                    use_responder_preparation);
DUET_AVAILABLE_IN_ALL
DuetVerifyCallParamBuilder *duet_verify_call_param_builder_set_server_url    (DuetVerifyCallParamBuilder *self,
                                                                              const char                 *url);
DUET_AVAILABLE_IN_ALL
DuetVerifyCallParam        *duet_verify_call_param_builder_build             (DuetVerifyCallParamBuilder *self,
                                                                              GError                    **error);

G_END_DECLS
