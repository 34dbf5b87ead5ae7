/* duet-video-view.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "duet-version.h"

G_BEGIN_DECLS

/**
 * DuetVideoFit:
 * @DUET_VIDEO_FIT_CONTAIN: show the whole picture, letterboxed
 * @DUET_VIDEO_FIT_COVER: fill the view, cropping what overflows
 *
 * How a #DuetVideoView fits a picture whose shape differs from its own.
 */
typedef enum {
  DUET_VIDEO_FIT_CONTAIN,
  DUET_VIDEO_FIT_COVER,
} DuetVideoFit;

#define DUET_TYPE_VIDEO_FIT (duet_video_fit_get_type ())
DUET_AVAILABLE_IN_ALL
GType duet_video_fit_get_type (void) G_GNUC_CONST;

#define DUET_TYPE_VIDEO_VIEW (duet_video_view_get_type ())

DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetVideoView, duet_video_view, DUET, VIDEO_VIEW, GtkWidget)

DUET_AVAILABLE_IN_ALL
G_GNUC_WARN_UNUSED_RESULT
GtkWidget    *duet_video_view_new                       (void);
DUET_AVAILABLE_IN_ALL
GdkPaintable *duet_video_view_get_paintable             (DuetVideoView *self);
DUET_AVAILABLE_IN_ALL
void          duet_video_view_set_paintable             (DuetVideoView *self,
                                                         GdkPaintable  *paintable);
DUET_AVAILABLE_IN_ALL
DuetVideoFit  duet_video_view_get_fit                   (DuetVideoView *self);
DUET_AVAILABLE_IN_ALL
void          duet_video_view_set_fit                   (DuetVideoView *self,
                                                         DuetVideoFit   fit);
DUET_AVAILABLE_IN_ALL
gboolean      duet_video_view_get_mirrored              (DuetVideoView *self);
DUET_AVAILABLE_IN_ALL
void          duet_video_view_set_mirrored              (DuetVideoView *self,
                                                         gboolean       mirrored);
DUET_AVAILABLE_IN_ALL
const char   *duet_video_view_get_placeholder_text      (DuetVideoView *self);
DUET_AVAILABLE_IN_ALL
void          duet_video_view_set_placeholder_text      (DuetVideoView *self,
                                                         const char    *text);
DUET_AVAILABLE_IN_ALL
const char   *duet_video_view_get_placeholder_icon_name (DuetVideoView *self);
DUET_AVAILABLE_IN_ALL
void          duet_video_view_set_placeholder_icon_name (DuetVideoView *self,
                                                         const char    *icon_name);
DUET_AVAILABLE_IN_ALL
gboolean      duet_video_view_get_has_video             (DuetVideoView *self);

G_END_DECLS
