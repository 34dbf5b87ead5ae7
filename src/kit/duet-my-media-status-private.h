/* duet-my-media-status-private.h: what DuetCall tells the status
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "duet-my-media-status.h"

G_BEGIN_DECLS

DuetMyMediaStatus *duet_my_media_status_new                   (void);
void               duet_my_media_status_set_mic_muted         (DuetMyMediaStatus *self,
                                                               gboolean           muted);
void               duet_my_media_status_set_video_state       (DuetMyMediaStatus *self,
                                                               DuetVideoState     state,
                                                               DuetVideoPauseReason pause_reason);
void               duet_my_media_status_set_device_problem    (DuetMyMediaStatus *self,
                                                               DuetDeviceKind     kind,
                                                               DuetDeviceProblem  problem);
void               duet_my_media_status_update_volume         (DuetMyMediaStatus *self,
                                                               guint              level);

G_END_DECLS
