/* test-rate-controller.c: the congestion controller against a simulated
 * bottleneck, and the receiver's stream monitor against packet sequences
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "duet-rate-controller.h"
#include "duet-stream-monitor.h"

#define REPORT_US (500 * G_TIME_SPAN_MILLISECOND)

/* A drop-tail bottleneck of @capacity kbit/s with a 200 ms queue: what
 * the peer would report of half a second at the controller's target */
typedef struct
{
  double capacity;
  double queue_kbit;
} Link;

static void
link_report (Link             *link,
             guint             sent_kbps,
             DuetRateFeedback *feedback)
{
  double in = sent_kbps * 0.5, out = link->capacity * 0.5;
  double queue_max = link->capacity * 0.2;
  double lost = 0;

  link->queue_kbit = MAX (0, link->queue_kbit + in - out);
  if (link->queue_kbit > queue_max)
    {
      lost = link->queue_kbit - queue_max;
      link->queue_kbit = queue_max;
    }
  feedback->received_kbps = (guint) MIN (sent_kbps, link->capacity);
  feedback->loss = in > 0 ? lost / in : 0;
  feedback->queue_delay_ms = (gint64) (link->queue_kbit / link->capacity * 1000);
  feedback->rtt_ms = 20 + feedback->queue_delay_ms;
}

static guint
run (DuetRateController *controller,
     Link               *link,
     gint64             *now,
     guint               reports,
     guint              *max_after)
{
  guint target = 0;

  for (guint i = 0; i < reports; i++)
    {
      DuetRateFeedback feedback;

      target = duet_rate_controller_get_target_kbps (controller);
      link_report (link, target, &feedback);
      *now += REPORT_US;
      duet_rate_controller_feedback (controller, *now, &feedback);
      if (max_after != NULL && i >= reports / 2)
        *max_after = MAX (*max_after, target);
    }
  return duet_rate_controller_get_target_kbps (controller);
}

static void
test_settles_under_cap (void)
{
  g_autoptr(DuetRateController) controller = duet_rate_controller_new (80, 400, 1550);
  Link link = { 500, 0 };
  gint64 now = G_USEC_PER_SEC;
  guint peak = 0, target;

  /* 10 s to find the cap, then 10 s that must stay around it */
  run (controller, &link, &now, 20, NULL);
  target = run (controller, &link, &now, 20, &peak);
  g_assert_cmpuint (peak, <=, 500 * 1.15);
  g_assert_cmpuint (target, >=, 500 * 0.6);
}

static void
test_recovers_when_lifted (void)
{
  g_autoptr(DuetRateController) controller = duet_rate_controller_new (80, 400, 1550);
  Link link = { 500, 0 };
  gint64 now = G_USEC_PER_SEC;

  run (controller, &link, &now, 40, NULL);
  link.capacity = 100000;
  /* back to most of the maximum within 10 s */
  g_assert_cmpuint (run (controller, &link, &now, 20, NULL), >=, 1550 * 0.8);
}

static void
test_backs_off_without_feedback (void)
{
  g_autoptr(DuetRateController) controller = duet_rate_controller_new (80, 1000, 1550);
  DuetRateFeedback clean = { 1000, 0, 0, 20 };
  gint64 now = G_USEC_PER_SEC;
  guint before;

  duet_rate_controller_feedback (controller, now, &clean);
  before = duet_rate_controller_get_target_kbps (controller);
  for (guint i = 0; i < 12; i++)
    duet_rate_controller_tick (controller, now += 250 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (duet_rate_controller_get_target_kbps (controller), <, before * 0.6);
  g_assert_cmpuint (duet_rate_controller_get_target_kbps (controller), >=, 80);
}

static void
test_random_loss_holds (void)
{
  g_autoptr(DuetRateController) controller = duet_rate_controller_new (80, 600, 1550);
  DuetRateFeedback lossy = { 600, 0.05, 0, 20 };
  gint64 now = G_USEC_PER_SEC;

  /* 5 % loss with no queue: neither growth nor a cut */
  for (guint i = 0; i < 20; i++)
    duet_rate_controller_feedback (controller, now += REPORT_US, &lossy);
  g_assert_cmpuint (duet_rate_controller_get_target_kbps (controller), ==, 600);
}

static void
test_layers (void)
{
  g_autoptr(DuetRateController) controller = duet_rate_controller_new (80, 600, 1550);
  DuetVideoLayer full = { 640, 480, 30 }, layer;
  gint64 now = 10 * G_USEC_PER_SEC;

  g_assert_false (duet_rate_controller_pick_layer (controller, now, 600, &full, &layer));
  g_assert_cmpuint (layer.width, ==, 640);
  /* thin: down at once, to an even size */
  g_assert_true (duet_rate_controller_pick_layer (controller, now += G_USEC_PER_SEC, 150, &full, &layer));
  g_assert_cmpuint (layer.width, ==, 320);
  g_assert_cmpuint (layer.height, ==, 240);
  g_assert_cmpuint (layer.fps, ==, 30);
  g_assert_true (duet_rate_controller_pick_layer (controller, now += G_USEC_PER_SEC, 40, &full, &layer));
  g_assert_cmpuint (layer.fps, ==, 15);
  /* up only after the higher step has stayed affordable for a while */
  g_assert_false (duet_rate_controller_pick_layer (controller, now += G_USEC_PER_SEC, 600, &full, &layer));
  g_assert_false (duet_rate_controller_pick_layer (controller, now += G_USEC_PER_SEC, 600, &full, &layer));
  g_assert_true (duet_rate_controller_pick_layer (controller, now += 2 * G_USEC_PER_SEC, 600, &full, &layer));
  g_assert_cmpuint (layer.width, ==, 640);
  g_assert_cmpuint (layer.fps, ==, 30);
}

static void
test_monitor_loss_and_wrap (void)
{
  g_autoptr(DuetStreamMonitor) monitor = duet_stream_monitor_new (90000);
  DuetStreamSample sample;
  gint64 t = 1000 * G_USEC_PER_SEC;
  guint16 seq = 65500;

  /* 100 packets across the sequence number wrap, every 10th lost, and a
   * retransmission that must not count as received */
  for (guint i = 0; i < 100; i++, seq++)
    if (i % 10 != 5)
      duet_stream_monitor_packet (monitor, seq, i * 3000, 1000, t + i * 33333, FALSE);
  duet_stream_monitor_packet (monitor, 65505, 5 * 3000, 1000, t + 100 * 33333, TRUE);
  duet_stream_monitor_sample (monitor, t + 100 * 33333, &sample);
  g_assert_cmpuint (sample.expected, ==, 100);
  g_assert_cmpuint (sample.received, ==, 90);
  g_assert_cmpuint (sample.retransmitted, ==, 1);
  g_assert_cmpfloat_with_epsilon (sample.loss, 0.10, 0.001);
  g_assert_cmpint (sample.queue_delay_ms, ==, 0);

  /* the next interval starts from there */
  duet_stream_monitor_packet (monitor, seq, 100 * 3000, 1000, t + 101 * 33333, FALSE);
  duet_stream_monitor_sample (monitor, t + 101 * 33333, &sample);
  g_assert_cmpuint (sample.expected, ==, 1);
  g_assert_cmpfloat (sample.loss, ==, 0);
}

static void
test_monitor_queue_delay (void)
{
  g_autoptr(DuetStreamMonitor) monitor = duet_stream_monitor_new (90000);
  DuetStreamSample sample;
  gint64 t = 1000 * G_USEC_PER_SEC;
  guint i;

  /* a clean second, then every packet 80 ms later than its send time */
  for (i = 0; i < 30; i++)
    duet_stream_monitor_packet (monitor, i, i * 3000, 1000, t + i * 33333, FALSE);
  duet_stream_monitor_sample (monitor, t + i * 33333, &sample);
  for (; i < 45; i++)
    duet_stream_monitor_packet (monitor, i, i * 3000, 1000, t + i * 33333 + 80000, FALSE);
  duet_stream_monitor_sample (monitor, t + i * 33333 + 80000, &sample);
  /* (arrival times in whole µs against 33333.3 µs frames: within 1 ms) */
  g_assert_cmpint (sample.queue_delay_ms, >=, 79);
  g_assert_cmpint (sample.queue_delay_ms, <=, 80);
  g_assert_cmpfloat (sample.loss, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rate-controller/settles-under-cap", test_settles_under_cap);
  g_test_add_func ("/rate-controller/recovers-when-lifted", test_recovers_when_lifted);
  g_test_add_func ("/rate-controller/backs-off-without-feedback", test_backs_off_without_feedback);
  g_test_add_func ("/rate-controller/random-loss-holds", test_random_loss_holds);
  g_test_add_func ("/rate-controller/layers", test_layers);
  g_test_add_func ("/stream-monitor/loss-and-wrap", test_monitor_loss_and_wrap);
  g_test_add_func ("/stream-monitor/queue-delay", test_monitor_queue_delay);
  return g_test_run ();
}
