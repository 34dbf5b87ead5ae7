/* duet-video-view.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * DuetVideoFit:
 * @DUET_VIDEO_FIT_CONTAIN: show the whole picture, letterboxed
 * @DUET_VIDEO_FIT_COVER: fill the view, cropping what overflows
 */
typedef enum {
  DUET_VIDEO_FIT_CONTAIN,
  DUET_VIDEO_FIT_COVER,
} DuetVideoFit;

#define DUET_TYPE_VIDEO_FIT (duet_video_fit_get_type ())
GType duet_video_fit_get_type (void) G_GNUC_CONST;

#define DUET_TYPE_VIDEO_VIEW (duet_video_view_get_type ())

G_DECLARE_FINAL_TYPE (DuetVideoView, duet_video_view, DUET, VIDEO_VIEW, GtkWidget)

G_GNUC_WARN_UNUSED_RESULT
GtkWidget    *duet_video_view_new                       (void);
GdkPaintable *duet_video_view_get_paintable             (DuetVideoView *self);
void          duet_video_view_set_paintable             (DuetVideoView *self,
                                                         GdkPaintable  *paintable);
DuetVideoFit  duet_video_view_get_fit                   (DuetVideoView *self);
void          duet_video_view_set_fit                   (DuetVideoView *self,
                                                         DuetVideoFit   fit);
gboolean      duet_video_view_get_mirrored              (DuetVideoView *self);
void          duet_video_view_set_mirrored              (DuetVideoView *self,
                                                         gboolean       mirrored);
const char   *duet_video_view_get_placeholder_text      (DuetVideoView *self);
void          duet_video_view_set_placeholder_text      (DuetVideoView *self,
                                                         const char    *text);
const char   *duet_video_view_get_placeholder_icon_name (DuetVideoView *self);
void          duet_video_view_set_placeholder_icon_name (DuetVideoView *self,
                                                         const char    *icon_name);
gboolean      duet_video_view_get_has_video             (DuetVideoView *self);

G_END_DECLS
