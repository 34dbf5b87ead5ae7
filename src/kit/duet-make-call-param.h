/* duet-make-call-param.h: an immutable, validated make-call request
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-protocol-enums.h"
#include "duet-version.h"

G_BEGIN_DECLS

#define DUET_TYPE_MAKE_CALL_PARAM (duet_make_call_param_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetMakeCallParam, duet_make_call_param, DUET, MAKE_CALL_PARAM, GObject)

DUET_AVAILABLE_IN_ALL
const char            *duet_make_call_param_get_my_user_id         (DuetMakeCallParam *self);
DUET_AVAILABLE_IN_ALL
const char            *duet_make_call_param_get_my_service_id      (DuetMakeCallParam *self);
DUET_AVAILABLE_IN_ALL
const char            *duet_make_call_param_get_peer_user_id       (DuetMakeCallParam *self);
DUET_AVAILABLE_IN_ALL
const char            *duet_make_call_param_get_peer_service_id    (DuetMakeCallParam *self);
DUET_AVAILABLE_IN_ALL
const char            *duet_make_call_param_get_access_token       (DuetMakeCallParam *self);
DUET_AVAILABLE_IN_ALL
const char            *duet_make_call_param_get_server_url         (DuetMakeCallParam *self);
DUET_AVAILABLE_IN_ALL
DuetMediaType          duet_make_call_param_get_media_type         (DuetMakeCallParam *self);
DUET_AVAILABLE_IN_ALL
DuetInitialVideoState  duet_make_call_param_get_initial_video_state (DuetMakeCallParam *self);

G_END_DECLS
