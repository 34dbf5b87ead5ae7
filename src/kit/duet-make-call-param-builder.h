/* duet-make-call-param-builder.h: collects and checks make-call fields
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "duet-make-call-param.h"

G_BEGIN_DECLS

#define DUET_TYPE_MAKE_CALL_PARAM_BUILDER (duet_make_call_param_builder_get_type ())
G_DECLARE_FINAL_TYPE (DuetMakeCallParamBuilder, duet_make_call_param_builder, DUET, MAKE_CALL_PARAM_BUILDER, GObject)

DuetMakeCallParamBuilder *duet_make_call_param_builder_new                     (void);
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_my_user_id          (DuetMakeCallParamBuilder *self,
                                                                                const char               *user_id);
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_my_service_id       (DuetMakeCallParamBuilder *self,
                                                                                const char               *service_id);
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_peer_user_id        (DuetMakeCallParamBuilder *self,
                                                                                const char               *user_id);
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_peer_service_id     (DuetMakeCallParamBuilder *self,
                                                                                const char               *service_id);
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_access_token        (DuetMakeCallParamBuilder *self,
                                                                                const char               *token);
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_server_url          (DuetMakeCallParamBuilder *self,
                                                                                const char               *url);
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_media_type          (DuetMakeCallParamBuilder *self,
                                                                                DuetMediaType             media_type);
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_initial_my_video_state (DuetMakeCallParamBuilder *self,
                                                                                   DuetInitialVideoState     state);
DuetMakeCallParam        *duet_make_call_param_builder_build                   (DuetMakeCallParamBuilder *self,
                                                                                GError                  **error);

G_END_DECLS
