/* test-device-slot.c: swapping a device in a playing pipeline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <gst/gst.h>

#include "duet-device-slot.h"

typedef struct
{
  GMutex lock;
  guint  frames;
  guint8 last_rgb[3];
} Seen;

static void
on_frame (GstElement *sink,
          GstBuffer  *buffer,
          GstPad     *pad,
          Seen       *seen)
{
  GstMapInfo map;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  g_mutex_lock (&seen->lock);
  seen->frames++;
  memcpy (seen->last_rgb, map.data, 3);
  g_mutex_unlock (&seen->lock);
  gst_buffer_unmap (buffer, &map);
}

static GstElement *
coloured_source (const char *pattern)
{
  GstElement *source = gst_element_factory_make ("videotestsrc", NULL);

  g_object_set (source, "is-live", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (source), "pattern", pattern);
  return source;
}

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
run_for (guint ms)
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_timeout_add (ms, quit_cb, loop);
  g_main_loop_run (loop);
}

/* Waits until frames of @rgb arrive, at most @ms */
static gboolean
wait_colour (Seen         *seen,
             const guint8  rgb[3],
             guint         ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      gboolean match;

      run_for (20);
      g_mutex_lock (&seen->lock);
      match = memcmp (seen->last_rgb, rgb, 3) == 0 && seen->frames > 0;
      g_mutex_unlock (&seen->lock);
      if (match)
        return TRUE;
    }
  return FALSE;
}

/* A camera swapped while the pipeline plays: the next one's frames flow
 * on through the same chain, and an empty slot stops them */
static void
test_source_swap (void)
{
  g_autoptr(GstElement) pipeline = gst_parse_launch ("videoconvert name=first ! videoscale ! "
                                                     "video/x-raw,format=RGB,width=8,height=8 ! "
                                                     "fakesink name=sink signal-handoffs=true sync=false", NULL);
  g_autoptr(GstElement) first = gst_bin_get_by_name (GST_BIN (pipeline), "first");
  g_autoptr(GstElement) sink = gst_bin_get_by_name (GST_BIN (pipeline), "sink");
  g_autoptr(GstPad) pad = gst_element_get_static_pad (first, "sink");
  g_autoptr(GstClock) clock = gst_system_clock_obtain ();
  static const guint8 red[3] = { 255, 0, 0 }, green[3] = { 0, 255, 0 };
  Seen seen = { 0 };
  DuetDeviceSlot *slot;
  guint frames;

  g_mutex_init (&seen.lock);
  g_signal_connect (sink, "handoff", G_CALLBACK (on_frame), &seen);
  gst_pipeline_use_clock (GST_PIPELINE (pipeline), clock);
  slot = duet_device_slot_new (GST_BIN (pipeline), pad, TRUE);
  g_assert_true (duet_device_slot_is_empty (slot));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  duet_device_slot_set (slot, coloured_source ("red"));
  g_assert_false (duet_device_slot_is_empty (slot));
  g_assert_true (wait_colour (&seen, red, 3000));

  duet_device_slot_set (slot, coloured_source ("green"));
  g_assert_true (wait_colour (&seen, green, 1000));

  duet_device_slot_set (slot, NULL);
  g_assert_true (duet_device_slot_is_empty (slot));
  run_for (100);
  g_mutex_lock (&seen.lock);
  frames = seen.frames;
  g_mutex_unlock (&seen.lock);
  run_for (300);
  g_assert_cmpuint (seen.frames, ==, frames);

  duet_device_slot_set (slot, coloured_source ("red"));
  g_assert_true (wait_colour (&seen, red, 1000));

  gst_element_set_state (pipeline, GST_STATE_NULL);
  duet_device_slot_free (slot);
  g_mutex_clear (&seen.lock);
}

static void
on_audio (GstElement *sink,
          GstBuffer  *buffer,
          GstPad     *pad,
          guint      *count)
{
  g_atomic_int_inc (count);
}

static GstElement *
counting_sink (guint *count)
{
  GstElement *sink = gst_element_factory_make ("fakesink", NULL);

  g_object_set (sink, "signal-handoffs", TRUE, "sync", TRUE, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (on_audio), count);
  return sink;
}

/* A speaker swapped while sound plays: the old one gets no more, the new
 * one gets it all, and the pipeline never leaves PLAYING */
static void
test_sink_swap (void)
{
  g_autoptr(GstElement) pipeline = gst_parse_launch ("audiotestsrc is-live=true samplesperbuffer=480 ! "
                                                     "audioconvert name=last", NULL);
  g_autoptr(GstElement) last = gst_bin_get_by_name (GST_BIN (pipeline), "last");
  g_autoptr(GstPad) pad = gst_element_get_static_pad (last, "src");
  g_autoptr(GstClock) clock = gst_system_clock_obtain ();
  guint first = 0, second = 0, first_at_swap;
  DuetDeviceSlot *slot;
  GstState state;

  gst_pipeline_use_clock (GST_PIPELINE (pipeline), clock);
  slot = duet_device_slot_new (GST_BIN (pipeline), pad, FALSE);
  duet_device_slot_set (slot, counting_sink (&first));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  run_for (300);
  g_assert_cmpuint (g_atomic_int_get (&first), >, 5);

  duet_device_slot_set (slot, counting_sink (&second));
  run_for (50);
  first_at_swap = g_atomic_int_get (&first);
  run_for (300);
  g_assert_cmpuint (g_atomic_int_get (&first), ==, first_at_swap);
  g_assert_cmpuint (g_atomic_int_get (&second), >, 10);
  gst_element_get_state (pipeline, &state, NULL, 0);
  g_assert_cmpint (state, ==, GST_STATE_PLAYING);

  gst_element_set_state (pipeline, GST_STATE_NULL);
  duet_device_slot_free (slot);
}

int
main (int   argc,
      char *argv[])
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/device-slot/source-swap", test_source_swap);
  g_test_add_func ("/device-slot/sink-swap", test_sink_swap);
  return g_test_run ();
}
