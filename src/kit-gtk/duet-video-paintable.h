/* duet-video-paintable.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DUET_TYPE_VIDEO_PAINTABLE (duet_video_paintable_get_type ())

G_DECLARE_FINAL_TYPE (DuetVideoPaintable, duet_video_paintable, DUET, VIDEO_PAINTABLE, GObject)

G_GNUC_WARN_UNUSED_RESULT
DuetVideoPaintable *duet_video_paintable_new                     (void);
GdkTexture         *duet_video_paintable_get_texture             (DuetVideoPaintable *self);
double              duet_video_paintable_get_pixel_aspect_ratio  (DuetVideoPaintable *self);
void                duet_video_paintable_set_texture             (DuetVideoPaintable *self,
                                                                  GdkTexture         *texture,
                                                                  double              pixel_aspect_ratio);

G_END_DECLS
