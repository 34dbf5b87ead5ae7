/* duet-rate-controller.h: the sender's congestion controller
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _DuetRateController DuetRateController;

/* What the peer reports of the last interval, and the measured RTT */
typedef struct
{
  guint   received_kbps;   /* all media that reached the peer */
  double  loss;            /* 0–1, before repair */
  gint64  queue_delay_ms;  /* -1: not known */
  guint   rtt_ms;          /* 0: not known */
} DuetRateFeedback;

/* A size and frame rate for the encoder */
typedef struct
{
  guint width;
  guint height;
  guint fps;
} DuetVideoLayer;

DuetRateController *duet_rate_controller_new            (guint                   min_kbps,
                                                         guint                   start_kbps,
                                                         guint                   max_kbps);
void                duet_rate_controller_free           (DuetRateController     *self);
void                duet_rate_controller_feedback       (DuetRateController     *self,
                                                         gint64                  now_us,
                                                         const DuetRateFeedback *feedback);
void                duet_rate_controller_tick           (DuetRateController     *self,
                                                         gint64                  now_us);
guint               duet_rate_controller_get_target_kbps (DuetRateController    *self);
gboolean            duet_rate_controller_get_congested  (DuetRateController     *self,
                                                         gint64                  now_us);
gboolean            duet_rate_controller_pick_layer     (DuetRateController     *self,
                                                         gint64                  now_us,
                                                         guint                   video_kbps,
                                                         const DuetVideoLayer   *full,
                                                         DuetVideoLayer         *layer);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetRateController, duet_rate_controller_free)

G_END_DECLS
