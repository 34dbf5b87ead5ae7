/* duet-stream-monitor.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The receiver's own view of an incoming stream, for the sender's
 * congestion controller: webrtcbin 1.22's RTCP loss figures are wrong
 * between two 1.22 peers that bundle audio and video, so the receiver
 * counts for itself, from every packet that reaches the jitter buffer.
 *
 * Queue delay: each packet's arrival time minus its RTP time is its
 * one-way delay plus a constant offset. The lowest of these over the
 * last WINDOW_S seconds is the empty-queue floor; the lowest over one
 * interval, minus that floor, is the standing queue a link builds when
 * it is sent more than it carries. Taking the lowest (not the mean) keeps
 * a keyframe's own burst, or jitter, from reading as congestion.
 *
 * Jitter and spread look at the first packet of each frame only: the rest
 * of a frame left later on purpose (the sender paces), which is no jitter.
 */
#define G_LOG_DOMAIN "DuetStreamMonitor"

#include "config.h"

#include "duet-stream-monitor.h"

#define WINDOW_S 20

struct _DuetStreamMonitor
{
  GMutex   lock;
  guint    clock_rate;

  gboolean started;
  gint64   max_seq;          /* extended highest sequence number */
  gint64   last_rtp;         /* extended RTP time of the last packet */
  gint64   interval_seq;     /* max_seq when the interval began */

  guint64  received;
  guint64  retransmitted;
  guint64  bytes;

  gint64   interval_min_delay;         /* µs, G_MAXINT64: none */
  gint64   interval_max_frame_delay;   /* µs, G_MININT64: none */
  gint64   floor_delay[WINDOW_S];      /* lowest per second, µs */
  gint64   floor_second[WINDOW_S];     /* the second it belongs to */

  gboolean have_previous;
  gint64   previous_arrival;
  gint64   previous_rtp_us;
  double   jitter_us;
};

DuetStreamMonitor *
duet_stream_monitor_new (guint clock_rate)
{
  DuetStreamMonitor *self = g_new0 (DuetStreamMonitor, 1);

  g_mutex_init (&self->lock);
  self->clock_rate = clock_rate > 0 ? clock_rate : 90000;
  self->interval_min_delay = G_MAXINT64;
  self->interval_max_frame_delay = G_MININT64;
  for (guint i = 0; i < WINDOW_S; i++)
    self->floor_second[i] = -1;
  return self;
}

void
duet_stream_monitor_free (DuetStreamMonitor *self)
{
  if (self == NULL)
    return;
  g_mutex_clear (&self->lock);
  g_free (self);
}

static void
note_delay (DuetStreamMonitor *self,
            gint64             arrival_us,
            gint64             delay_us)
{
  gint64 second = arrival_us / G_USEC_PER_SEC;
  guint slot = second % WINDOW_S;

  if (self->floor_second[slot] != second)
    {
      self->floor_second[slot] = second;
      self->floor_delay[slot] = delay_us;
    }
  else
    self->floor_delay[slot] = MIN (self->floor_delay[slot], delay_us);
  self->interval_min_delay = MIN (self->interval_min_delay, delay_us);
}

static void
note_jitter (DuetStreamMonitor *self,
             gint64             arrival_us,
             gint64             rtp_us)
{
  if (self->have_previous)
    {
      gint64 d = (arrival_us - self->previous_arrival) - (rtp_us - self->previous_rtp_us);

      self->jitter_us += (ABS (d) - self->jitter_us) / 16.0;
    }
  self->have_previous = TRUE;
  self->previous_arrival = arrival_us;
  self->previous_rtp_us = rtp_us;
}

/* The streaming thread: one packet as it reaches the jitter buffer */
void
duet_stream_monitor_packet (DuetStreamMonitor *self,
                            guint16            seq,
                            guint32            rtp_time,
                            gsize              size,
                            gint64             arrival_us,
                            gboolean           retransmission)
{
  gint64 ext_seq, ext_rtp, rtp_us;
  gboolean new_frame;

  g_mutex_lock (&self->lock);
  self->bytes += size;
  if (retransmission)
    {
      /* Repairs say nothing of the path's loss or delay now */
      self->retransmitted++;
      g_mutex_unlock (&self->lock);
      return;
    }

  if (!self->started)
    {
      self->started = TRUE;
      self->max_seq = seq;
      self->interval_seq = (gint64) seq - 1;
      self->last_rtp = rtp_time;
    }
  ext_seq = self->max_seq + (gint16) (guint16) (seq - (guint16) self->max_seq);
  self->max_seq = MAX (self->max_seq, ext_seq);
  ext_rtp = self->last_rtp + (gint32) (guint32) (rtp_time - (guint32) self->last_rtp);
  new_frame = ext_rtp > self->last_rtp || self->received == 0;
  self->last_rtp = MAX (self->last_rtp, ext_rtp);
  self->received++;

  rtp_us = (gint64) ((double) ext_rtp * G_USEC_PER_SEC / self->clock_rate);
  note_delay (self, arrival_us, arrival_us - rtp_us);
  if (new_frame)
    {
      note_jitter (self, arrival_us, rtp_us);
      self->interval_max_frame_delay = MAX (self->interval_max_frame_delay, arrival_us - rtp_us);
    }
  g_mutex_unlock (&self->lock);
}

static gint64
floor_delay (DuetStreamMonitor *self,
             gint64             now_us)
{
  gint64 now_s = now_us / G_USEC_PER_SEC;
  gint64 lowest = G_MAXINT64;

  for (guint i = 0; i < WINDOW_S; i++)
    if (self->floor_second[i] >= 0 && now_s - self->floor_second[i] < WINDOW_S)
      lowest = MIN (lowest, self->floor_delay[i]);
  return lowest;
}

/* The figures since the last call, which starts a new interval */
void
duet_stream_monitor_sample (DuetStreamMonitor *self,
                            gint64             now_us,
                            DuetStreamSample  *out)
{
  gint64 lowest;

  g_mutex_lock (&self->lock);
  out->expected = self->started ? (guint64) MAX (0, self->max_seq - self->interval_seq) : 0;
  out->received = self->received;
  out->retransmitted = self->retransmitted;
  out->bytes = self->bytes;
  out->loss = out->expected > 0 && out->received < out->expected
              ? (double) (out->expected - out->received) / out->expected : 0.0;
  out->jitter_ms = (guint) (self->jitter_us / 1000.0 + 0.5);

  lowest = floor_delay (self, now_us);
  out->queue_delay_ms = self->interval_min_delay != G_MAXINT64 && lowest != G_MAXINT64
                        ? (self->interval_min_delay - lowest) / 1000 : -1;
  out->spread_ms = self->interval_max_frame_delay != G_MININT64 && lowest != G_MAXINT64
                   ? (self->interval_max_frame_delay - lowest) / 1000 : -1;

  self->interval_seq = self->max_seq;
  self->received = self->retransmitted = self->bytes = 0;
  self->interval_min_delay = G_MAXINT64;
  self->interval_max_frame_delay = G_MININT64;
  g_mutex_unlock (&self->lock);
}
