/* duet-my-media-status.h: the local user's mic and video state
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-device.h"
#include "duet-protocol-enums.h"
#include "duet-version.h"

G_BEGIN_DECLS

#define DUET_TYPE_MY_MEDIA_STATUS (duet_my_media_status_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetMyMediaStatus, duet_my_media_status, DUET, MY_MEDIA_STATUS, GObject)

DUET_AVAILABLE_IN_ALL
gboolean        duet_my_media_status_get_mic_muted            (DuetMyMediaStatus *self);
DUET_AVAILABLE_IN_ALL
DuetVideoState  duet_my_media_status_get_video_state          (DuetMyMediaStatus *self);
DUET_AVAILABLE_IN_ALL
DuetVideoPauseReason duet_my_media_status_get_video_pause_reason (DuetMyMediaStatus *self);
DUET_AVAILABLE_IN_ALL
guint           duet_my_media_status_get_average_volume_level (DuetMyMediaStatus *self);
DUET_AVAILABLE_IN_ALL
DuetDeviceProblem duet_my_media_status_get_camera_problem     (DuetMyMediaStatus *self);
DUET_AVAILABLE_IN_ALL
DuetDeviceProblem duet_my_media_status_get_microphone_problem (DuetMyMediaStatus *self);

G_END_DECLS
