/* duet-my-media-status.h: the local user's mic and video state
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-protocol-enums.h"

G_BEGIN_DECLS

#define DUET_TYPE_MY_MEDIA_STATUS (duet_my_media_status_get_type ())
G_DECLARE_FINAL_TYPE (DuetMyMediaStatus, duet_my_media_status, DUET, MY_MEDIA_STATUS, GObject)

gboolean        duet_my_media_status_get_mic_muted            (DuetMyMediaStatus *self);
DuetVideoState  duet_my_media_status_get_video_state          (DuetMyMediaStatus *self);
DuetVideoPauseReason duet_my_media_status_get_video_pause_reason (DuetMyMediaStatus *self);
guint           duet_my_media_status_get_average_volume_level (DuetMyMediaStatus *self);

G_END_DECLS
