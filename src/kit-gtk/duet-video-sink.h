/* duet-video-sink.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/video/gstvideosink.h>

#include "duet-video-paintable.h"

G_BEGIN_DECLS

#define DUET_TYPE_VIDEO_SINK (duet_video_sink_get_type ())

G_DECLARE_FINAL_TYPE (DuetVideoSink, duet_video_sink, DUET, VIDEO_SINK, GstVideoSink)

G_GNUC_WARN_UNUSED_RESULT
DuetVideoSink      *duet_video_sink_new                 (void);
G_GNUC_WARN_UNUSED_RESULT
GstElement         *duet_video_sink_new_bin             (DuetVideoSink **sink);
DuetVideoPaintable *duet_video_sink_get_paintable       (DuetVideoSink  *self);
guint64             duet_video_sink_get_frames_rendered (DuetVideoSink  *self);
guint64             duet_video_sink_get_frames_dropped  (DuetVideoSink  *self);

G_END_DECLS
