/* test-video-sink.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DuetVideoSink and DuetVideoPaintable without a display: memory textures
 * need none, and the hand-off only needs the default main context.
 */
#include <gst/gst.h>
#include <gst/check/gstharness.h>

#include "duet-video-sink.h"

typedef struct {
  guint8 r, g, b;
} Rgb;

static const struct {
  const char *pattern;
  Rgb         rgb;
} patterns[] = {
  { "red",   { 0xff, 0x00, 0x00 } },
  { "green", { 0x00, 0xff, 0x00 } },
  { "blue",  { 0x00, 0x00, 0xff } },
};

static void
drain_main_context (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* Returns the pixel at (x, y). Downloads are cairo's ARGB32: one native
 * endian guint32 per pixel, premultiplied (the frames here are opaque). */
static Rgb
texture_pixel (GdkTexture *texture,
               int         x,
               int         y)
{
  int width = gdk_texture_get_width (texture);
  int height = gdk_texture_get_height (texture);
  g_autofree guint8 *data = g_malloc ((gsize) width * height * 4);
  guint32 pixel;

  gdk_texture_download (texture, data, (gsize) width * 4);
  pixel = *(guint32 *) (data + ((gsize) y * width + x) * 4);
  g_assert_cmphex (pixel >> 24, ==, 0xff);

  return (Rgb) { (pixel >> 16) & 0xff, (pixel >> 8) & 0xff, pixel & 0xff };
}

static void
assert_rgb_near (Rgb actual,
                 Rgb expected)
{
  g_assert_cmpint (ABS (actual.r - expected.r), <=, 2);
  g_assert_cmpint (ABS (actual.g - expected.g), <=, 2);
  g_assert_cmpint (ABS (actual.b - expected.b), <=, 2);
}

static void
frame_rendered_cb (DuetVideoSink *sink,
                   guint64        running_time,
                   guint         *count)
{
  g_assert_true (g_main_context_is_owner (g_main_context_default ()));
  (*count)++;
}

/* Runs videotestsrc num-buffers=N ! capsfilter ! sink to EOS and lets the
 * main loop take the frames; the pipeline stays PAUSED-able for checks. */
static GstElement *
run_pipeline (const char     *caps,
              const char     *pattern,
              guint           num_buffers,
              DuetVideoSink **sink_out)
{
  g_autofree char *description = NULL;
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  GstElement *pipeline;
  DuetVideoSink *sink;

  description = g_strdup_printf ("videotestsrc num-buffers=%u pattern=%s ! "
                                 "capsfilter name=filter caps=\"%s\"",
                                 num_buffers, pattern, caps);
  pipeline = gst_parse_launch (description, &error);
  g_assert_no_error (error);

  sink = duet_video_sink_new ();
  g_object_set (sink, "sync", FALSE, NULL);
  gst_bin_add (GST_BIN (pipeline), GST_ELEMENT (sink));
  {
    g_autoptr(GstElement) filter = gst_bin_get_by_name (GST_BIN (pipeline), "filter");
    g_assert_true (gst_element_link (filter, GST_ELEMENT (sink)));
  }

  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
  bus = gst_element_get_bus (pipeline);
  message = gst_bus_timed_pop_filtered (bus, 10 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (message);
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) gst_error = NULL;

      gst_message_parse_error (message, &gst_error, NULL);
      g_error ("%s: %s", description, gst_error->message);
    }

  drain_main_context ();
  *sink_out = sink;

  return pipeline;
}

/* Like g_assert_finalize_object(), but the sink's last reference may still
 * be on its way out of a GStreamer thread when set_state() returns. */
static void
assert_finalized_soon (gpointer object)
{
  gpointer weak = object;
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  g_object_add_weak_pointer (object, &weak);
  g_object_unref (object);
  while (weak != NULL && g_get_monotonic_time () < deadline)
    {
      drain_main_context ();
      g_usleep (1000);
    }
  g_assert_null (weak);
}

static void
stop_pipeline (GstElement *pipeline)
{
  gst_element_set_state (pipeline, GST_STATE_NULL);
  drain_main_context ();
  gst_object_unref (pipeline);
  /* A hand-off idle queued while the pipeline shut down holds the last
   * reference to the sink; let it run so the sink (and its ref on the
   * paintable) goes now. */
  drain_main_context ();
}

static void
test_formats (gconstpointer data)
{
  const char *format = data;

  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    {
      g_autofree char *caps = NULL;
      g_autoptr(DuetVideoPaintable) paintable = NULL;
      DuetVideoSink *sink;
      GstElement *pipeline;
      GdkTexture *texture;

      /* An odd width makes GStreamer pad the rows, which catches stride bugs. */
      caps = g_strdup_printf ("video/x-raw,format=%s,width=33,height=17", format);
      pipeline = run_pipeline (caps, patterns[i].pattern, 3, &sink);

      /* Every buffer is either shown or replaced by a newer one, never shown
       * twice (the preroll frame must not count again). */
      g_assert_cmpuint (duet_video_sink_get_frames_rendered (sink), >=, 1);
      g_assert_cmpuint (duet_video_sink_get_frames_rendered (sink) +
                        duet_video_sink_get_frames_dropped (sink), ==, 3);

      /* Outlives the pipeline, as it does when a view holds it. */
      paintable = g_object_ref (duet_video_sink_get_paintable (sink));
      g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (paintable)), ==, 33);
      g_assert_cmpint (gdk_paintable_get_intrinsic_height (GDK_PAINTABLE (paintable)), ==, 17);
      texture = duet_video_paintable_get_texture (paintable);
      g_assert_nonnull (texture);
      assert_rgb_near (texture_pixel (texture, 16, 8), patterns[i].rgb);
      assert_rgb_near (texture_pixel (texture, 32, 16), patterns[i].rgb);

      /* Stopping clears the picture so that views show their placeholder. */
      stop_pipeline (pipeline);
      g_assert_null (duet_video_paintable_get_texture (paintable));
      g_assert_cmpint (gdk_paintable_get_intrinsic_width (GDK_PAINTABLE (paintable)), ==, 0);
      assert_finalized_soon (g_steal_pointer (&paintable));
    }
}

static void
test_pixel_aspect_ratio (void)
{
  GdkPaintable *paintable;
  DuetVideoSink *sink;
  GstElement *pipeline;

  pipeline = run_pipeline ("video/x-raw,format=BGRA,width=64,height=48,pixel-aspect-ratio=2/1",
                           "red", 1, &sink);
  paintable = GDK_PAINTABLE (duet_video_sink_get_paintable (sink));
  g_assert_cmpint (gdk_paintable_get_intrinsic_width (paintable), ==, 128);
  g_assert_cmpint (gdk_paintable_get_intrinsic_height (paintable), ==, 48);
  g_assert_cmpfloat_with_epsilon (gdk_paintable_get_intrinsic_aspect_ratio (paintable),
                                  128.0 / 48.0, 1e-9);
  g_assert_cmpint (gdk_texture_get_width (duet_video_paintable_get_texture (DUET_VIDEO_PAINTABLE (paintable))), ==, 64);

  /* A frozen image keeps the display size. */
  {
    g_autoptr(GdkPaintable) image = gdk_paintable_get_current_image (paintable);

    g_assert_cmpint (gdk_paintable_get_intrinsic_width (image), ==, 128);
  }

  stop_pipeline (pipeline);
}

static GstBuffer *
make_bgra_buffer (int width,
                  int height,
                  Rgb rgb)
{
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, (gsize) width * height * 4, NULL);
  GstMapInfo map;

  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  for (gsize i = 0; i < map.size; i += 4)
    {
      map.data[i + 0] = rgb.b;
      map.data[i + 1] = rgb.g;
      map.data[i + 2] = rgb.r;
      map.data[i + 3] = 0xff;
    }
  gst_buffer_unmap (buffer, &map);

  return buffer;
}

static void
test_replace_newest (void)
{
  GstHarness *harness;
  DuetVideoSink *sink;
  DuetVideoPaintable *paintable;
  guint rendered = 0;

  sink = gst_object_ref_sink (duet_video_sink_new ());
  g_object_set (sink, "sync", FALSE, NULL);
  harness = gst_harness_new_with_element (GST_ELEMENT (sink), "sink", NULL);
  gst_harness_set_src_caps_str (harness, "video/x-raw,format=BGRA,width=8,height=8,framerate=30/1");
  g_signal_connect (sink, "frame-rendered", G_CALLBACK (frame_rendered_cb), &rendered);
  paintable = duet_video_sink_get_paintable (sink);

  /* Three frames while the main loop is busy: only the newest is shown. */
  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    g_assert_cmpint (gst_harness_push (harness, make_bgra_buffer (8, 8, patterns[i].rgb)), ==, GST_FLOW_OK);

  g_assert_null (duet_video_paintable_get_texture (paintable));
  g_assert_cmpuint (duet_video_sink_get_frames_rendered (sink), ==, 0);
  drain_main_context ();
  g_assert_cmpuint (rendered, ==, 1);
  g_assert_cmpuint (duet_video_sink_get_frames_rendered (sink), ==, 1);
  g_assert_cmpuint (duet_video_sink_get_frames_dropped (sink), ==, 2);
  assert_rgb_near (texture_pixel (duet_video_paintable_get_texture (paintable), 4, 4), patterns[2].rgb);

  g_assert_cmpint (gst_harness_push (harness, make_bgra_buffer (8, 8, patterns[0].rgb)), ==, GST_FLOW_OK);
  drain_main_context ();
  g_assert_cmpuint (rendered, ==, 2);
  g_assert_cmpuint (duet_video_sink_get_frames_rendered (sink), ==, 2);
  assert_rgb_near (texture_pixel (duet_video_paintable_get_texture (paintable), 4, 4), patterns[0].rgb);

  /* The counters are properties too, for gst-launch style inspection. */
  {
    guint64 frames = 0;

    g_object_get (sink, "frames-rendered", &frames, NULL);
    g_assert_cmpuint (frames, ==, 2);
  }

  gst_harness_teardown (harness);
  drain_main_context ();
  gst_object_unref (sink);
}

int
main (int   argc,
      char *argv[])
{
  static const char *formats[] = {
    "BGRA", "RGBA", "ARGB", "ABGR", "RGB", "BGR", "BGRx", "RGBx", "xRGB", "xBGR",
  };

  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  for (guint i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *path = g_strdup_printf ("/kit-gtk/video-sink/format/%s", formats[i]);

      g_test_add_data_func (path, formats[i], test_formats);
    }
  g_test_add_func ("/kit-gtk/video-sink/pixel-aspect-ratio", test_pixel_aspect_ratio);
  g_test_add_func ("/kit-gtk/video-sink/replace-newest", test_replace_newest);

  return g_test_run ();
}
