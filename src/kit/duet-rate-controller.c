/* duet-rate-controller.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A loss- and delay-based controller in the spirit of Google's congestion
 * control (GCC), driven by the peer's receiver reports (every half second,
 * over the data channel) instead of RTCP, whose loss figures webrtcbin 1.22
 * gets wrong between two 1.22 peers.
 *
 * Each report is read as one of three signals:
 *   overuse   a standing queue (queue delay over OVERUSE_MS in two reports
 *             running, not shrinking): the target drops to CUT × what
 *             actually arrived;
 *             loss over LOSS_CUT: it drops by half the loss (heavy loss
 *             says little of the rate that would pass); at most once per
 *             reaction time either way;
 *   hold      some queue or some loss: stay;
 *   underuse  otherwise: grow, by INCREASE_NEAR per report while below
 *             NEAR_CAPACITY × the rate at the last cut (the link's capacity,
 *             probably), by INCREASE_FAR once past it or when there was
 *             none, so a link that got better is found within seconds.
 * After a cut, further signals wait REACTION_MIN_US (or two round trips):
 * the reports of the next moments still describe the queue the cut is
 * draining, and cutting again for them would overshoot downwards.
 * No report for NO_FEEDBACK_US reads as a link that carries nothing back:
 * the target backs off, so a stalled link is not flooded further.
 *
 * The target covers all media; the caller takes audio's share out first,
 * so audio keeps its rate whatever video gets.
 */
#define G_LOG_DOMAIN "DuetRateController"

#include "config.h"

#include "duet-rate-controller.h"

#define OVERUSE_MS        60
#define HOLD_QUEUE_MS     25
#define LOSS_CUT          0.10
#define LOSS_HOLD         0.02
#define HEAVY_LOSS        0.30
#define CUT               0.85
#define INCREASE_NEAR     1.04
#define INCREASE_FAR      1.10
#define NEAR_CAPACITY     1.25      /* "close to the last cut": below this × it */
#define REACTION_MIN_US   (800 * G_TIME_SPAN_MILLISECOND)
#define CONGESTED_US      (2 * G_USEC_PER_SEC)
#define GROW_AFTER_CUT_US (1000 * G_TIME_SPAN_MILLISECOND)
#define NO_FEEDBACK_US    (1500 * G_TIME_SPAN_MILLISECOND)
#define BACKOFF           0.7

/* The resolution and frame rate ladder; a step is allowed when the video
 * bitrate reaches its need (kbit/s for 640×480 at 30 fps, scaled by the
 * pixel rate), and is climbed back only with UP_MARGIN to spare for
 * UP_HOLD_US, so that the picture does not flap between sizes. */
typedef struct
{
  guint scale_num, scale_den;
  guint fps_div;
  guint need_kbps;
} Step;

static const Step ladder[] = {
  { 1, 1, 1, 350 },
  { 3, 4, 1, 200 },
  { 1, 2, 1, 110 },
  { 1, 2, 2, 60 },
  { 1, 4, 2, 0 },
};

#define UP_MARGIN       1.5
#define UP_HOLD_US      (3 * G_USEC_PER_SEC)
#define STEP_MIN_GAP_US (1 * G_USEC_PER_SEC)

struct _DuetRateController
{
  guint    min_kbps, max_kbps;
  double   target;
  double   capacity;           /* received rate at the last cut; 0: none */
  gint64   last_cut_us;
  gint64   last_feedback_us;
  gint64   previous_queue_ms;

  guint    step;
  gint64   step_changed_us;
  gint64   up_since_us;        /* a higher step has been affordable since; 0: not */
};

DuetRateController *
duet_rate_controller_new (guint min_kbps,
                          guint start_kbps,
                          guint max_kbps)
{
  DuetRateController *self = g_new0 (DuetRateController, 1);

  self->min_kbps = min_kbps;
  self->max_kbps = MAX (min_kbps, max_kbps);
  self->target = CLAMP (start_kbps, self->min_kbps, self->max_kbps);
  self->previous_queue_ms = -1;
  return self;
}

void
duet_rate_controller_free (DuetRateController *self)
{
  g_free (self);
}

static gboolean
may_cut (DuetRateController *self,
         gint64              now_us,
         guint               rtt_ms)
{
  /* One cut per congestion event: the last cut needs a round trip to show */
  return now_us - self->last_cut_us >= MAX (REACTION_MIN_US, (gint64) rtt_ms * 1000 * 2);
}

static void
cut (DuetRateController     *self,
     gint64                  now_us,
     const DuetRateFeedback *feedback,
     gboolean                queue_standing)
{
  double next;

  if (queue_standing)
    next = (feedback->received_kbps > 0 ? MIN (self->target, feedback->received_kbps) : self->target) * CUT;
  else
    next = self->target * (1.0 - 0.5 * MIN (feedback->loss, 0.8));
  /* Losing most of it: the queue overflows, and what arrived is about
   * what fits (but a stalled half second must not read as nothing fits) */
  if (feedback->loss > HEAVY_LOSS && feedback->received_kbps > 0)
    next = MIN (next, MAX (feedback->received_kbps * CUT, self->target * 0.3));
  self->target = MAX (self->min_kbps, next);
  self->capacity = MAX (feedback->received_kbps, self->target);
  self->last_cut_us = now_us;
}

static void
grow (DuetRateController *self,
      gint64              now_us)
{
  if (now_us - self->last_cut_us < GROW_AFTER_CUT_US)
    return;
  if (self->capacity > 0 && self->target < self->capacity * NEAR_CAPACITY)
    self->target *= INCREASE_NEAR;
  else
    {
      self->capacity = 0;   /* past it without trouble: the link got better */
      self->target *= INCREASE_FAR;
    }
  self->target = CLAMP (self->target, self->min_kbps, self->max_kbps);
}

void
duet_rate_controller_feedback (DuetRateController     *self,
                               gint64                  now_us,
                               const DuetRateFeedback *feedback)
{
  gint64 queue = feedback->queue_delay_ms;
  /* Two reports in a row: a keyframe's burst queues for a moment too */
  gboolean queue_standing = queue > OVERUSE_MS && self->previous_queue_ms > OVERUSE_MS &&
                            queue >= self->previous_queue_ms - 5;

  self->last_feedback_us = now_us;
  self->previous_queue_ms = queue;

  if (feedback->loss > LOSS_CUT || queue_standing)
    {
      if (may_cut (self, now_us, feedback->rtt_ms))
        cut (self, now_us, feedback, queue_standing);
    }
  else if (feedback->loss <= LOSS_HOLD && queue <= HOLD_QUEUE_MS)
    grow (self, now_us);
}

/* Between reports: silence from the peer means the link is stuck */
void
duet_rate_controller_tick (DuetRateController *self,
                           gint64              now_us)
{
  if (self->last_feedback_us == 0 || now_us - self->last_feedback_us < NO_FEEDBACK_US ||
      now_us - self->last_cut_us < NO_FEEDBACK_US)
    return;
  self->target = MAX (self->min_kbps, self->target * BACKOFF);
  self->last_cut_us = now_us;
}

/* Whether the link was congested lately: loss then is the queue's
 * overflow, which FEC would only add to */
gboolean
duet_rate_controller_get_congested (DuetRateController *self,
                                    gint64              now_us)
{
  return self->last_cut_us != 0 && now_us - self->last_cut_us < CONGESTED_US;
}

guint
duet_rate_controller_get_target_kbps (DuetRateController *self)
{
  return (guint) self->target;
}

static guint
step_need (guint                 step,
           const DuetVideoLayer *full)
{
  double pixel_rate = (double) full->width * full->height * full->fps;
  double scale = CLAMP (pixel_rate / (640.0 * 480 * 30), 0.1, 8.0);

  return (guint) (ladder[step].need_kbps * scale);
}

static guint
best_step (guint                 video_kbps,
           const DuetVideoLayer *full,
           double                margin)
{
  for (guint i = 0; i < G_N_ELEMENTS (ladder); i++)
    if (video_kbps >= step_need (i, full) * margin)
      return i;
  return G_N_ELEMENTS (ladder) - 1;
}

static void
fill_layer (guint                 step,
            const DuetVideoLayer *full,
            DuetVideoLayer       *layer)
{
  /* Even sizes: the encoder's chroma planes are half size */
  layer->width = MAX (16, full->width * ladder[step].scale_num / ladder[step].scale_den) & ~1u;
  layer->height = MAX (16, full->height * ladder[step].scale_num / ladder[step].scale_den) & ~1u;
  layer->fps = MAX (1, full->fps / ladder[step].fps_div);
}

/* The layer @video_kbps affords, stepping down at once and up only once
 * the higher step has stayed affordable; returns whether it changed */
gboolean
duet_rate_controller_pick_layer (DuetRateController   *self,
                                 gint64                now_us,
                                 guint                 video_kbps,
                                 const DuetVideoLayer *full,
                                 DuetVideoLayer       *layer)
{
  guint down = best_step (video_kbps, full, 1.0);
  guint up = best_step (video_kbps, full, UP_MARGIN);
  guint next = self->step;

  if (down > self->step)
    next = down;
  else if (up < self->step)
    {
      if (self->up_since_us == 0)
        self->up_since_us = now_us;
      if (now_us - self->up_since_us >= UP_HOLD_US)
        next = up;
    }
  else
    self->up_since_us = 0;

  if (next != self->step && now_us - self->step_changed_us >= STEP_MIN_GAP_US)
    {
      self->step = next;
      self->step_changed_us = now_us;
      self->up_since_us = 0;
    }
  fill_layer (self->step, full, layer);
  return self->step_changed_us == now_us;
}
