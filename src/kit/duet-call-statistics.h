/* duet-call-statistics.h: counters of one call's media
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>
#include "duet-version.h"

G_BEGIN_DECLS

/**
 * DuetCallStatistics:
 * @video_frames_decoded: the peer's video frames decoded so far
 * @audio_buffers_decoded: the peer's audio buffers decoded so far
 * @video_frames_sent: video frames this side has encoded and sent
 * @audio_buffers_sent: audio buffers this side has encoded and sent
 * @rx_bytes: media bytes received
 * @tx_bytes: media bytes sent
 * @first_video_frame_us: monotonic time (g_get_monotonic_time()) of the
 *   first decoded peer video frame, 0 while there is none
 * @first_audio_buffer_us: the same for the first decoded peer audio buffer
 * @local_candidate_type: the ICE candidate type of this side of the path
 *   in use: "host", "srflx", "prflx" or "relay"; %NULL while there is none
 * @remote_candidate_type: the same for the peer's side
 *
 * A snapshot of a call's media, from duet_call_get_statistics(); PlanetKit
 * calls this the call's statistics. The strings are static.
 */
typedef struct
{
  guint64     video_frames_decoded;
  guint64     audio_buffers_decoded;
  guint64     video_frames_sent;
  guint64     audio_buffers_sent;
  guint64     rx_bytes;
  guint64     tx_bytes;
  gint64      first_video_frame_us;
  gint64      first_audio_buffer_us;
  const char *local_candidate_type;
  const char *remote_candidate_type;
} DuetCallStatistics;

#define DUET_TYPE_CALL_STATISTICS (duet_call_statistics_get_type ())

DUET_AVAILABLE_IN_ALL
GType               duet_call_statistics_get_type (void) G_GNUC_CONST;
DUET_AVAILABLE_IN_ALL
DuetCallStatistics *duet_call_statistics_copy     (const DuetCallStatistics *self);
DUET_AVAILABLE_IN_ALL
void                duet_call_statistics_free     (DuetCallStatistics       *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetCallStatistics, duet_call_statistics_free)

G_END_DECLS
