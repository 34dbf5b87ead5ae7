/* duet-make-call-param-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "duet-make-call-param.h"

G_BEGIN_DECLS

DuetMakeCallParam *duet_make_call_param_new_internal (const char            *my_user_id,
                                                      const char            *my_service_id,
                                                      const char            *peer_user_id,
                                                      const char            *peer_service_id,
                                                      const char            *access_token,
                                                      const char            *server_url,
                                                      DuetMediaType          media_type,
                                                      DuetInitialVideoState  initial_video_state);

G_END_DECLS
