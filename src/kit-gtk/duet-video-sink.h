/* duet-video-sink.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/video/gstvideosink.h>

#include "duet-version.h"
#include "duet-video-paintable.h"

G_BEGIN_DECLS

#define DUET_TYPE_VIDEO_SINK (duet_video_sink_get_type ())

DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetVideoSink, duet_video_sink, DUET, VIDEO_SINK, GstVideoSink)

DUET_AVAILABLE_IN_ALL
G_GNUC_WARN_UNUSED_RESULT
DuetVideoSink      *duet_video_sink_new                 (void);
DUET_AVAILABLE_IN_ALL
G_GNUC_WARN_UNUSED_RESULT
GstElement         *duet_video_sink_new_bin             (DuetVideoSink **sink);
DUET_AVAILABLE_IN_ALL
DuetVideoPaintable *duet_video_sink_get_paintable       (DuetVideoSink  *self);
DUET_AVAILABLE_IN_ALL
guint64             duet_video_sink_get_frames_rendered (DuetVideoSink  *self);
DUET_AVAILABLE_IN_ALL
guint64             duet_video_sink_get_frames_dropped  (DuetVideoSink  *self);

G_END_DECLS
