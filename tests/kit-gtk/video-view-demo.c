/* video-view-demo.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Not installed: a window with DuetVideoViews to look at by eye. Top left:
 * SMPTE bars, contain (check colours and letterboxing). Top right: the ball,
 * cover and mirrored (the self-view look). Bottom left: the bars again as
 * 320×480 with 2:1 pixels, which must look exactly like the top left one.
 * Bottom right: the placeholder.
 */
#include <gst/gst.h>
#include <gtk/gtk.h>

#include "duet-video-sink.h"
#include "duet-video-view.h"

static GtkWidget *
add_view (GstElement *pipeline,
          const char *source)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *view = duet_video_view_new ();
  DuetVideoSink *sink = NULL;
  GstElement *src, *bin;

  src = gst_parse_bin_from_description (source, TRUE, &error);
  if (src == NULL)
    g_error ("%s: %s", source, error->message);

  bin = duet_video_sink_new_bin (&sink);
  gst_bin_add_many (GST_BIN (pipeline), src, bin, NULL);
  if (!gst_element_link (src, bin))
    g_error ("Could not link %s", source);

  duet_video_view_set_paintable (DUET_VIDEO_VIEW (view),
                                 GDK_PAINTABLE (duet_video_sink_get_paintable (sink)));
  gtk_widget_set_hexpand (view, TRUE);
  gtk_widget_set_vexpand (view, TRUE);

  return view;
}

static void
close_request_cb (GtkWindow *window,
                  GMainLoop *loop)
{
  g_main_loop_quit (loop);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GstElement) pipeline = NULL;
  GtkWidget *window, *grid, *view;

  gst_init (&argc, &argv);
  gtk_init ();

  loop = g_main_loop_new (NULL, FALSE);
  pipeline = gst_object_ref_sink (gst_pipeline_new ("demo"));

  window = gtk_window_new ();
  gtk_window_set_title (GTK_WINDOW (window), "DuetVideoView demo");
  gtk_window_set_default_size (GTK_WINDOW (window), 960, 600);
  g_signal_connect (window, "close-request", G_CALLBACK (close_request_cb), loop);

  grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_homogeneous (GTK_GRID (grid), TRUE);
  gtk_grid_set_column_homogeneous (GTK_GRID (grid), TRUE);
  gtk_widget_set_margin_start (grid, 12);
  gtk_widget_set_margin_end (grid, 12);
  gtk_widget_set_margin_top (grid, 12);
  gtk_widget_set_margin_bottom (grid, 12);
  gtk_window_set_child (GTK_WINDOW (window), grid);

  view = add_view (pipeline, "videotestsrc pattern=smpte is-live=true ! "
                             "capsfilter caps=\"video/x-raw,width=640,height=480,framerate=30/1\"");
  gtk_grid_attach (GTK_GRID (grid), view, 0, 0, 1, 1);

  view = add_view (pipeline, "videotestsrc pattern=ball is-live=true ! "
                             "capsfilter caps=\"video/x-raw,width=640,height=480,framerate=30/1\" ! "
                             "timeoverlay font-desc=\"Sans 24\"");
  duet_video_view_set_fit (DUET_VIDEO_VIEW (view), DUET_VIDEO_FIT_COVER);
  duet_video_view_set_mirrored (DUET_VIDEO_VIEW (view), TRUE);
  gtk_grid_attach (GTK_GRID (grid), view, 1, 0, 1, 1);

  /* Half as many columns, each pixel twice as wide: still 4:3 on screen. */
  view = add_view (pipeline, "videotestsrc pattern=smpte is-live=true ! "
                             "capsfilter caps=\"video/x-raw,width=320,height=480,pixel-aspect-ratio=2/1,framerate=30/1\"");
  gtk_grid_attach (GTK_GRID (grid), view, 0, 1, 1, 1);

  view = duet_video_view_new ();
  duet_video_view_set_placeholder_icon_name (DUET_VIDEO_VIEW (view), "camera-disabled-symbolic");
  duet_video_view_set_placeholder_text (DUET_VIDEO_VIEW (view), "Camera paused");
  gtk_grid_attach (GTK_GRID (grid), view, 1, 1, 1, 1);

  gtk_window_present (GTK_WINDOW (window));
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_main_loop_run (loop);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  return 0;
}
