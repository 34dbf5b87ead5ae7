/* test-video-view.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DuetVideoView on a real display (meson runs this under xvfb-run, with
 * GDK_BACKEND=x11 and GSK_RENDERER=cairo), fed by live GStreamer pipelines.
 * Exits 77 (skipped) without a display.
 */
#include <gst/gst.h>
#include <gtk/gtk.h>

#include "duet-video-sink.h"
#include "duet-video-view.h"

typedef struct {
  GtkWidget     *window;
  DuetVideoView *view;
  GstElement    *pipeline;
  DuetVideoSink *sink;
} Fixture;

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Spins the main loop for @ms milliseconds. */
static void
wait_ms (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timeout_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static void
wait_for_frames (Fixture *fixture,
                 guint64  frames)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add_seconds (10, timeout_cb, &timed_out);

  while (!timed_out &&
         (duet_video_sink_get_frames_rendered (fixture->sink) < frames ||
          gtk_widget_get_width (GTK_WIDGET (fixture->view)) == 0))
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (timed_out);
  g_source_remove (id);
  /* Let the frame clock paint what arrived. */
  wait_ms (50);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  const char *source = data;
  g_autoptr(GError) error = NULL;
  GstElement *bin;
  GstElement *src;

  fixture->window = gtk_window_new ();
  gtk_window_set_decorated (GTK_WINDOW (fixture->window), FALSE);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 480, 240);
  fixture->view = DUET_VIDEO_VIEW (duet_video_view_new ());
  gtk_window_set_child (GTK_WINDOW (fixture->window), GTK_WIDGET (fixture->view));

  fixture->pipeline = gst_pipeline_new (NULL);
  src = gst_parse_bin_from_description (source, TRUE, &error);
  g_assert_no_error (error);
  bin = duet_video_sink_new_bin (&fixture->sink);
  g_assert_nonnull (bin);
  gst_bin_add_many (GST_BIN (fixture->pipeline), src, bin, NULL);
  g_assert_true (gst_element_link (src, bin));

  duet_video_view_set_paintable (fixture->view,
                                 GDK_PAINTABLE (duet_video_sink_get_paintable (fixture->sink)));
  gtk_window_present (GTK_WINDOW (fixture->window));
  g_assert_cmpint (gst_element_set_state (fixture->pipeline, GST_STATE_PLAYING),
                   !=, GST_STATE_CHANGE_FAILURE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gst_element_set_state (fixture->pipeline, GST_STATE_NULL);
  g_clear_object (&fixture->pipeline);
  gtk_window_destroy (GTK_WINDOW (fixture->window));
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The widget's last drawing, or NULL while it has none: GTK drops a
 * widget's render node when it is queued for a redraw, and the frame clock
 * paints a new one on its next tick. */
static GskRenderNode *
snapshot_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  GtkSnapshot *snapshot = gtk_snapshot_new ();

  gdk_paintable_snapshot (paintable, snapshot,
                          gtk_widget_get_width (widget),
                          gtk_widget_get_height (widget));
  return gtk_snapshot_free_to_node (snapshot);
}

/* Renders the widget as it would appear, with the window's renderer. */
static GdkTexture *
render_widget (GtkWidget *widget)
{
  g_autoptr(GskRenderNode) node = NULL;
  GskRenderer *renderer;

  /* A loaded machine may catch the widget between two frames; give the
   * frame clock up to two seconds to paint it. */
  for (guint tries = 0; node == NULL && tries < 100; tries++)
    {
      node = snapshot_widget (widget);
      if (node == NULL)
        wait_ms (20);
    }
  g_assert_nonnull (node);

  renderer = gtk_native_get_renderer (gtk_widget_get_native (widget));
  g_assert_nonnull (renderer);

  return gsk_renderer_render_texture (renderer, node,
                                      &GRAPHENE_RECT_INIT (0, 0,
                                                           gtk_widget_get_width (widget),
                                                           gtk_widget_get_height (widget)));
}

typedef struct {
  int     width;
  int     height;
  guint8 *data;
} Pixels;

static Pixels
download (GdkTexture *texture)
{
  Pixels pixels;

  pixels.width = gdk_texture_get_width (texture);
  pixels.height = gdk_texture_get_height (texture);
  pixels.data = g_malloc ((gsize) pixels.width * pixels.height * 4);
  gdk_texture_download (texture, pixels.data, (gsize) pixels.width * 4);

  return pixels;
}

/* 0xAARRGGBB */
static guint32
pixel_at (const Pixels *pixels,
          int           x,
          int           y)
{
  return *(guint32 *) (pixels->data + ((gsize) y * pixels->width + x) * 4);
}

static gboolean
is_dark (guint32 pixel)
{
  return ((pixel >> 16) & 0xff) < 0x20 && ((pixel >> 8) & 0xff) < 0x20 && (pixel & 0xff) < 0x20;
}

static void
test_live (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GdkTexture) first = NULL;
  g_autoptr(GdkTexture) second = NULL;
  g_autofree guint8 *first_data = NULL;
  g_autofree guint8 *second_data = NULL;
  Pixels a, b;
  gsize bright = 0, changed = 0;

  wait_for_frames (fixture, 3);
  g_assert_true (duet_video_view_get_has_video (fixture->view));
  first = render_widget (GTK_WIDGET (fixture->view));
  wait_ms (300);
  second = render_widget (GTK_WIDGET (fixture->view));

  a = download (first);
  b = download (second);
  first_data = a.data;
  second_data = b.data;
  g_assert_cmpint (a.width, ==, 480);
  g_assert_cmpint (a.height, ==, 240);

  for (int y = 0; y < a.height; y++)
    for (int x = 0; x < a.width; x++)
      {
        bright += !is_dark (pixel_at (&a, x, y));
        changed += pixel_at (&a, x, y) != pixel_at (&b, x, y);
      }

  /* The ball is a white disc moving on black. */
  g_test_message ("%" G_GSIZE_FORMAT " bright, %" G_GSIZE_FORMAT " changed pixels", bright, changed);
  g_assert_cmpuint (bright, >, 100);
  g_assert_cmpuint (changed, >, 100);
}

static void
test_fit (Fixture       *fixture,
          gconstpointer  data)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guint8 *owned = NULL;
  Pixels pixels;

  /* 320×240 SMPTE bars in a 480×240 view. The top row's bars, left to
   * right: white, yellow, cyan, green, magenta, red, blue. */
  wait_for_frames (fixture, 2);

  /* Contain: 80 px pillars on each side, the bars between them. */
  texture = render_widget (GTK_WIDGET (fixture->view));
  pixels = download (texture);
  owned = pixels.data;
  g_assert_true (is_dark (pixel_at (&pixels, 40, 120)));
  g_assert_true (is_dark (pixel_at (&pixels, 440, 120)));
  g_assert_cmphex (pixel_at (&pixels, 80 + 320 / 14, 60) & 0xffffff, ==, 0xffffff);
  g_assert_cmphex (pixel_at (&pixels, 80 + 320 * 13 / 14, 60) & 0xffffff, ==, 0x0000ff);
  g_clear_object (&texture);
  g_clear_pointer (&owned, g_free);

  /* Cover, mirrored: the blue bar comes first and fills the left edge. */
  duet_video_view_set_fit (fixture->view, DUET_VIDEO_FIT_COVER);
  duet_video_view_set_mirrored (fixture->view, TRUE);
  wait_ms (50);
  texture = render_widget (GTK_WIDGET (fixture->view));
  pixels = download (texture);
  owned = pixels.data;
  g_assert_cmphex (pixel_at (&pixels, 20, 20) & 0xffffff, ==, 0x0000ff);
  g_assert_cmphex (pixel_at (&pixels, 460, 20) & 0xffffff, ==, 0xffffff);
}

static void
notify_cb (GObject    *object,
           GParamSpec *pspec,
           guint      *count)
{
  (*count)++;
}

static void
test_properties (void)
{
  DuetVideoView *view = g_object_ref_sink (DUET_VIDEO_VIEW (duet_video_view_new ()));
  g_autoptr(DuetVideoPaintable) paintable = duet_video_paintable_new ();
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) bytes = NULL;
  static const guint8 pixel[4] = { 0, 0, 0xff, 0xff };
  guint has_video_notifies = 0, fit_notifies = 0, text_notifies = 0;

  g_signal_connect (view, "notify::has-video", G_CALLBACK (notify_cb), &has_video_notifies);
  g_signal_connect (view, "notify::fit", G_CALLBACK (notify_cb), &fit_notifies);
  g_signal_connect (view, "notify::placeholder-text", G_CALLBACK (notify_cb), &text_notifies);

  duet_video_view_set_placeholder_text (view, "Camera paused");
  duet_video_view_set_placeholder_text (view, "Camera paused");
  g_assert_cmpuint (text_notifies, ==, 1);
  g_assert_cmpstr (duet_video_view_get_placeholder_text (view), ==, "Camera paused");

  g_object_set (view, "fit", DUET_VIDEO_FIT_COVER, NULL);
  duet_video_view_set_fit (view, DUET_VIDEO_FIT_COVER);
  g_assert_cmpuint (fit_notifies, ==, 1);

  /* An empty paintable is no video; the first frame is. */
  duet_video_view_set_paintable (view, GDK_PAINTABLE (paintable));
  g_assert_false (duet_video_view_get_has_video (view));
  bytes = g_bytes_new_static (pixel, sizeof pixel);
  texture = gdk_memory_texture_new (1, 1, GDK_MEMORY_B8G8R8A8, bytes, 4);
  duet_video_paintable_set_texture (paintable, texture, 1.0);
  g_assert_true (duet_video_view_get_has_video (view));
  duet_video_paintable_set_texture (paintable, NULL, 1.0);
  g_assert_false (duet_video_view_get_has_video (view));
  g_assert_cmpuint (has_video_notifies, ==, 2);

  g_assert_finalize_object (view);
  g_assert_finalize_object (g_steal_pointer (&paintable));
}

static void
test_paintable_snapshot (void)
{
  /* Render nodes need gtk_init(), hence here rather than in test-video-sink. */
  g_autoptr(DuetVideoPaintable) paintable = duet_video_paintable_new ();
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  GtkSnapshot *snapshot;
  graphene_rect_t bounds;
  guint8 pixels[4 * 2 * 1] = { 0, 0, 0xff, 0xff, 0, 0, 0xff, 0xff };

  /* Empty draws nothing. */
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (GDK_PAINTABLE (paintable), snapshot, 100, 100);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_null (node);

  bytes = g_bytes_new (pixels, sizeof pixels);
  texture = gdk_memory_texture_new (2, 1, GDK_MEMORY_B8G8R8A8, bytes, 8);
  duet_video_paintable_set_texture (paintable, texture, 1.0);

  /* A 2:1 picture in a square is letterboxed and centred. */
  snapshot = gtk_snapshot_new ();
  gdk_paintable_snapshot (GDK_PAINTABLE (paintable), snapshot, 100, 100);
  node = gtk_snapshot_free_to_node (snapshot);
  g_assert_nonnull (node);
  gsk_render_node_get_bounds (node, &bounds);
  g_assert_cmpfloat_with_epsilon (bounds.origin.x, 0, 1e-4);
  g_assert_cmpfloat_with_epsilon (bounds.origin.y, 25, 1e-4);
  g_assert_cmpfloat_with_epsilon (bounds.size.width, 100, 1e-4);
  g_assert_cmpfloat_with_epsilon (bounds.size.height, 50, 1e-4);

  g_assert_finalize_object (g_steal_pointer (&paintable));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  if (!gtk_init_check ())
    {
      g_printerr ("No display, skipping\n");
      return 77;
    }

  g_test_add_func ("/kit-gtk/video-paintable/snapshot", test_paintable_snapshot);
  g_test_add_func ("/kit-gtk/video-view/properties", test_properties);
  g_test_add ("/kit-gtk/video-view/live", Fixture,
              "videotestsrc pattern=ball is-live=true ! capsfilter caps=\"video/x-raw,width=320,height=240,framerate=30/1\"",
              fixture_set_up, test_live, fixture_tear_down);
  g_test_add ("/kit-gtk/video-view/fit", Fixture,
              "videotestsrc pattern=smpte is-live=true ! capsfilter caps=\"video/x-raw,width=320,height=240,framerate=30/1\"",
              fixture_set_up, test_fit, fixture_tear_down);

  return g_test_run ();
}
