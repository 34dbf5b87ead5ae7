/* duet-call-statistics.h: counters of one call's media
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>
#include "duet-protocol-enums.h"
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
 * @rtt_ms: round-trip time to the peer over the media path; 0 until measured
 * @rx_loss: the share (0–1) of the peer's media packets lost on the way
 *   here over the last second, before retransmission and FEC repair them
 * @tx_loss: the same for this side's packets, as the peer reports it
 * @jitter_ms: interarrival jitter of the peer's media
 * @rx_kbps: media received over the last second, kbit/s
 * @tx_kbps: media sent over the last second, kbit/s
 * @video_target_kbps: the bitrate the congestion controller gives the
 *   video encoder now
 * @tx_width: width of the video being sent now (it steps down on thin
 *   links); 0 when none
 * @tx_height: its height
 * @tx_fps: its frame rate, frames encoded over the last second
 * @rx_width: width of the peer's decoded video; 0 when none
 * @rx_height: its height
 * @rx_fps: frames of the peer's video decoded over the last second
 * @freeze_count: times the peer's video stopped for longer than three
 *   frame intervals and 150 ms (the W3C statistics' definition)
 * @long_freeze_count: of those, the ones longer than 500 ms
 * @jitter_buffer_ms: the receive jitter buffer's current latency
 * @nack_count: retransmissions this side has asked the peer for
 * @retransmitted_count: lost packets the peer's retransmissions repaired
 * @fec_recovered_count: lost video packets rebuilt from FEC, when the peer
 *   sends it (Duet itself sends none; see docs/architecture.md)
 * @audio_concealed_count: lost audio packets concealed (Opus in-band FEC
 *   or packet-loss concealment)
 * @keyframe_requests: keyframes the peer asked for (PLI or FIR)
 * @keyframes_sent: of those, the ones this side encoded; requests closer
 *   together than the round trip allows are merged
 * @network_quality: how well the peer's media arrives here
 * @peer_network_quality: how well this side's media arrives at the peer,
 *   as it reports it
 *
 * A snapshot of a call's media, from duet_call_get_statistics(); PlanetKit
 * calls this the call's statistics. The strings are static. The rates
 * cover the last second; the counts, the whole call.
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
  guint       rtt_ms;
  double      rx_loss;
  double      tx_loss;
  guint       jitter_ms;
  guint       rx_kbps;
  guint       tx_kbps;
  guint       video_target_kbps;
  guint       tx_width;
  guint       tx_height;
  guint       tx_fps;
  guint       rx_width;
  guint       rx_height;
  guint       rx_fps;
  guint       freeze_count;
  guint       long_freeze_count;
  guint       jitter_buffer_ms;
  guint64     nack_count;
  guint64     retransmitted_count;
  guint64     fec_recovered_count;
  guint64     audio_concealed_count;
  guint64     keyframe_requests;
  guint64     keyframes_sent;
  DuetNetworkQuality network_quality;
  DuetNetworkQuality peer_network_quality;
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
