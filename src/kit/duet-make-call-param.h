/* duet-make-call-param.h: an immutable, validated make-call request
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-protocol.h"

G_BEGIN_DECLS

#define DUET_TYPE_MAKE_CALL_PARAM (duet_make_call_param_get_type ())
G_DECLARE_FINAL_TYPE (DuetMakeCallParam, duet_make_call_param, DUET, MAKE_CALL_PARAM, GObject)

const char            *duet_make_call_param_get_my_user_id         (DuetMakeCallParam *self);
const char            *duet_make_call_param_get_my_service_id      (DuetMakeCallParam *self);
const char            *duet_make_call_param_get_peer_user_id       (DuetMakeCallParam *self);
const char            *duet_make_call_param_get_peer_service_id    (DuetMakeCallParam *self);
const char            *duet_make_call_param_get_access_token       (DuetMakeCallParam *self);
const char            *duet_make_call_param_get_server_url         (DuetMakeCallParam *self);
DuetMediaType          duet_make_call_param_get_media_type         (DuetMakeCallParam *self);
DuetInitialVideoState  duet_make_call_param_get_initial_video_state (DuetMakeCallParam *self);

G_END_DECLS
