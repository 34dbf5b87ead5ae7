/* duet-make-call-param-builder.h: collects and checks make-call fields
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "duet-make-call-param.h"

G_BEGIN_DECLS

#define DUET_TYPE_MAKE_CALL_PARAM_BUILDER (duet_make_call_param_builder_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetMakeCallParamBuilder, duet_make_call_param_builder, DUET, MAKE_CALL_PARAM_BUILDER, GObject)

DUET_AVAILABLE_IN_ALL
DuetMakeCallParamBuilder *duet_make_call_param_builder_new                     (void);
DUET_AVAILABLE_IN_ALL
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_my_user_id          (DuetMakeCallParamBuilder *self,
                                                                                const char               *user_id);
DUET_AVAILABLE_IN_ALL
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_my_service_id       (DuetMakeCallParamBuilder *self,
                                                                                const char               *service_id);
DUET_AVAILABLE_IN_ALL
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_peer_user_id        (DuetMakeCallParamBuilder *self,
                                                                                const char               *user_id);
DUET_AVAILABLE_IN_ALL
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_peer_service_id     (DuetMakeCallParamBuilder *self,
                                                                                const char               *service_id);
DUET_AVAILABLE_IN_ALL
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_access_token        (DuetMakeCallParamBuilder *self,
                                                                                const char               *token);
DUET_AVAILABLE_IN_ALL
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_server_url          (DuetMakeCallParamBuilder *self,
                                                                                const char               *url);
DUET_AVAILABLE_IN_ALL
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_media_type          (DuetMakeCallParamBuilder *self,
                                                                                DuetMediaType             media_type);
DUET_AVAILABLE_IN_ALL
DuetMakeCallParamBuilder *duet_make_call_param_builder_set_initial_my_video_state (DuetMakeCallParamBuilder *self,
                                                                                   DuetInitialVideoState     state);
DUET_AVAILABLE_IN_ALL
DuetMakeCallParam        *duet_make_call_param_builder_build                   (DuetMakeCallParamBuilder *self,
                                                                                GError                  **error);

G_END_DECLS
