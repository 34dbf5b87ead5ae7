/* duet-video-paintable.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "duet-version.h"

G_BEGIN_DECLS

#define DUET_TYPE_VIDEO_PAINTABLE (duet_video_paintable_get_type ())

DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetVideoPaintable, duet_video_paintable, DUET, VIDEO_PAINTABLE, GObject)

DUET_AVAILABLE_IN_ALL
G_GNUC_WARN_UNUSED_RESULT
DuetVideoPaintable *duet_video_paintable_new                     (void);
DUET_AVAILABLE_IN_ALL
GdkTexture         *duet_video_paintable_get_texture             (DuetVideoPaintable *self);
DUET_AVAILABLE_IN_ALL
double              duet_video_paintable_get_pixel_aspect_ratio  (DuetVideoPaintable *self);
DUET_AVAILABLE_IN_ALL
void                duet_video_paintable_set_texture             (DuetVideoPaintable *self,
                                                                  GdkTexture         *texture,
                                                                  double              pixel_aspect_ratio);

G_END_DECLS
