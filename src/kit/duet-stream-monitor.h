/* duet-stream-monitor.h: how one incoming RTP stream arrives
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DuetStreamMonitor DuetStreamMonitor;

/* One interval's figures, from duet_stream_monitor_sample() */
typedef struct
{
  guint64 expected;        /* packets the sequence numbers say were sent */
  guint64 received;        /* of those, how many arrived (retransmissions not counted) */
  guint64 retransmitted;   /* retransmissions that arrived */
  guint64 bytes;           /* everything that arrived */
  double  loss;            /* 0–1: lost on the way, before any repair */
  gint64  queue_delay_ms;  /* the interval's lowest one-way delay above the
                            * lowest of the last seconds; -1: not known */
  guint   jitter_ms;       /* RFC 3550 interarrival jitter, between frames */
  gint64  spread_ms;       /* the interval's highest frame delay above the
                            * floor: what a jitter buffer must absorb; -1: not known */
} DuetStreamSample;

DuetStreamMonitor *duet_stream_monitor_new    (guint              clock_rate);
void               duet_stream_monitor_free   (DuetStreamMonitor *self);
void               duet_stream_monitor_packet (DuetStreamMonitor *self,
                                               guint16            seq,
                                               guint32            rtp_time,
                                               gsize              size,
                                               gint64             arrival_us,
                                               gboolean           retransmission);
void               duet_stream_monitor_sample (DuetStreamMonitor *self,
                                               gint64             now_us,
                                               DuetStreamSample  *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetStreamMonitor, duet_stream_monitor_free)

G_END_DECLS
