/* duet-call.c: a headless client on the call kit
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Prints every event as one JSON object per line on stdout:
 * {"t_ms": <ms since start, monotonic>, "event": "<name>", …}.
 * Reads commands from stdin, one per line (--help lists them). Exit status: 0 when the call
 * ended as a user chose (NORMAL, DECLINE, CANCEL), 3 for any other
 * disconnect reason, 1 for errors, 2 for bad usage.
 */
#define G_LOG_DOMAIN "DuetCli"

#include <gio/gunixinputstream.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <json-glib/json-glib.h>

#include "duet-bench-stamp.h"
#include "duet-kit.h"

typedef struct
{
  GMainLoop         *loop;
  DuetManager       *manager;
  DuetCall          *call;
  GDataInputStream  *input;
  GCancellable      *cancellable;
  gint64             start_us;
  int                exit_status;

  char              *server;
  char              *tls_ca_file;
  char              *user;
  char              *service;
  char              *token;
  char              *device_id;      /* --device-id, --device-name: the sign-in's */
  char              *device_name;
  char              *peer;
  gboolean           listen;
  gboolean           auto_accept;
  DuetInitialVideoState accept_video;
  gboolean           responder_preparation;
  DuetInitialVideoState initial_video;
  DuetMediaType      media_type;
  int                hangup_after;
  int                accept_after;
  guint              stats_source;
  guint              video_watch;
  guint64            frames_at_loss;
  guint              hangup_source;
  gboolean           signed_in;
  DuetCallStatistics     last_stats;
  gboolean           first_video_seen;
  gboolean           first_audio_seen;

  /* Bench only (DUET_BENCH_STAMP=1): capture-to-render latency of the
   * peer's stamped frames, read in a synced fakesink peer view */
  GMutex             latency_lock;
  GArray            *latency_us;     /* gint64, after the warm-up */
  gint64             first_stamp_us;
  guint              stamps_bad;

  /* --report-colour: the peer's picture's mean colour, for tests that
   * must tell a camera's picture from a test pattern */
  gboolean           report_colour;
  gint               rx_rgb[3];       /* atomic; -1 before the first frame */
  gint               reported_rgb[3]; /* the streaming thread's */
  gint64             last_colour_us;  /* the streaming thread's */
  gint               max_gap_ms;      /* atomic: the longest wait for a frame since the last stats */
  char              *device_ids[3];   /* --camera, --mic, --speaker */
} App;

static App app;

/* ---- output ---- */

static JsonBuilder *
event_begin (const char *name)
{
  JsonBuilder *builder = json_builder_new ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "t_ms");
  json_builder_add_int_value (builder, (g_get_monotonic_time () - app.start_us) / 1000);
  /* Absolute monotonic clock, to compare events across processes */
  json_builder_set_member_name (builder, "mono_ms");
  json_builder_add_int_value (builder, g_get_monotonic_time () / 1000);
  json_builder_set_member_name (builder, "event");
  json_builder_add_string_value (builder, name);
  return builder;
}

/* A number printed with three decimals */
typedef struct
{
  const char *name;
  double      value;
} Fixed3;

/* json-glib prints a double with 17 significant digits (0.007 becomes
 * 0.0070000000000000001), so shares are written into the text here, after
 * the builder's members (an event always has some, so a comma leads) */
static void
event_end_fixed3 (JsonBuilder  *builder,
                  const Fixed3 *fixed,
                  guint         n_fixed)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *json = NULL;
  g_autoptr(GString) text = NULL;

  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json = json_generator_to_data (generator, NULL);
  text = g_string_new (json);
  if (n_fixed > 0)
    {
      g_string_truncate (text, text->len - 1);   /* the closing brace */
      for (guint i = 0; i < n_fixed; i++)
        {
          char number[G_ASCII_DTOSTR_BUF_SIZE];
          double value = isfinite (fixed[i].value) ? fixed[i].value : 0;

          g_string_append_printf (text, ",\"%s\":%s", fixed[i].name,
                                  g_ascii_formatd (number, sizeof number, "%.3f", value));
        }
      g_string_append_c (text, '}');
    }
  g_print ("%s\n", text->str);
  fflush (stdout);
  g_object_unref (builder);
}

static void
event_end (JsonBuilder *builder)
{
  event_end_fixed3 (builder, NULL, 0);
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_int (JsonBuilder *builder,
         const char  *name,
         gint64       value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_int_value (builder, value);
}

static void
simple_event (const char *name)
{
  event_end (event_begin (name));
}

static void
error_event (const char *name,
             const char *message)
{
  JsonBuilder *builder = event_begin (name);

  add_string (builder, "message", message);
  event_end (builder);
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (app.loop);
  return G_SOURCE_REMOVE;
}

static void
quit_soon (int status)
{
  app.exit_status = status;
  /* Lets a queued end_call reach the server */
  g_timeout_add (600, quit_cb, NULL);
}

/* ---- bench: capture-to-render latency ---- */

#define LATENCY_WARMUP_US (2 * G_USEC_PER_SEC)

static void
on_stamp_sink_handoff (GstElement *sink,
                       GstBuffer  *buffer,
                       GstPad     *pad,
                       gpointer    data)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  gint64 now = g_get_monotonic_time ();
  GstVideoInfo info;
  GstVideoFrame frame;
  gint64 stamp;

  if (caps == NULL || !gst_video_info_from_caps (&info, caps) ||
      !gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ))
    return;
  stamp = duet_bench_stamp_read (&frame);
  gst_video_frame_unmap (&frame);

  g_mutex_lock (&app.latency_lock);
  if (stamp < 0)
    app.stamps_bad++;
  else
    {
      /* The stamp holds the low 48 bits of the sender's clock */
      gint64 latency = (now - stamp) & ((G_GINT64_CONSTANT (1) << 48) - 1);

      if (app.first_stamp_us == 0)
        app.first_stamp_us = now;
      if (now - app.first_stamp_us >= LATENCY_WARMUP_US)
        g_array_append_val (app.latency_us, latency);
    }
  g_mutex_unlock (&app.latency_lock);
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of the sorted samples, in ms */
static double
percentile_ms (GArray *sorted,
               double  p)
{
  guint rank = (guint) MAX (1.0, (p / 100.0) * sorted->len + 0.999999);

  return g_array_index (sorted, gint64, MIN (rank, sorted->len) - 1) / 1000.0;
}

static void
add_latency (JsonBuilder *builder)
{
  g_autoptr(GArray) sorted = NULL;
  guint bad;

  g_mutex_lock (&app.latency_lock);
  sorted = g_array_copy (app.latency_us);
  bad = app.stamps_bad;
  g_mutex_unlock (&app.latency_lock);

  g_array_sort (sorted, compare_gint64);
  add_int (builder, "latency_n", sorted->len);
  add_int (builder, "latency_unreadable", bad);
  if (sorted->len == 0)
    return;
  json_builder_set_member_name (builder, "latency_p50_ms");
  json_builder_add_double_value (builder, percentile_ms (sorted, 50));
  json_builder_set_member_name (builder, "latency_p95_ms");
  json_builder_add_double_value (builder, percentile_ms (sorted, 95));
  json_builder_set_member_name (builder, "latency_max_ms");
  json_builder_add_double_value (builder, percentile_ms (sorted, 100));
}

static void
add_latency_view (DuetCall *call)
{
  GstElement *sink = gst_element_factory_make ("fakesink", "bench-latency-sink");

  /* sync like a display sink: the frame is "rendered" at its running time */
  g_object_set (sink, "sync", TRUE, "signal-handoffs", TRUE, NULL);
  g_signal_connect (sink, "handoff", G_CALLBACK (on_stamp_sink_handoff), NULL);
  duet_call_add_peer_video_view (call, sink);
}

static gboolean
colour_changed_cb (gpointer data)
{
  JsonBuilder *builder = event_begin ("peer-colour");

  json_builder_set_member_name (builder, "rgb");
  json_builder_begin_array (builder);
  for (int c = 0; c < 3; c++)
    json_builder_add_int_value (builder, GPOINTER_TO_INT (data) >> (16 - 8 * c) & 0xff);
  json_builder_end_array (builder);
  event_end (builder);
  return G_SOURCE_REMOVE;
}

/* The streaming thread: the mean of a small RGB frame; a clear change of
 * colour is an event of its own, timed to the frame */
static void
on_colour_sink_handoff (GstElement *sink,
                        GstBuffer  *buffer,
                        GstPad     *pad,
                        gpointer    data)
{
  GstMapInfo map;
  guint64 sum[3] = { 0 };
  gsize pixels;

  if (!gst_buffer_map (buffer, &map, GST_MAP_READ))
    return;
  {
    gint64 now = g_get_monotonic_time ();
    gint gap = app.last_colour_us != 0 ? (gint) ((now - app.last_colour_us) / 1000) : 0;
    gint max = g_atomic_int_get (&app.max_gap_ms);

    while (gap > max && !g_atomic_int_compare_and_exchange (&app.max_gap_ms, max, gap))
      max = g_atomic_int_get (&app.max_gap_ms);
    app.last_colour_us = now;
  }
  pixels = map.size / 3;
  for (gsize i = 0; i < pixels * 3; i++)
    sum[i % 3] += map.data[i];
  gst_buffer_unmap (buffer, &map);
  if (pixels == 0)
    return;
  {
    gint rgb[3], packed = 0;
    gboolean changed = FALSE;

    for (int c = 0; c < 3; c++)
      {
        rgb[c] = (gint) (sum[c] / pixels);
        changed |= ABS (rgb[c] - app.reported_rgb[c]) > 60;
        packed = packed << 8 | rgb[c];
        g_atomic_int_set (&app.rx_rgb[c], rgb[c]);
      }
    if (changed)
      {
        memcpy (app.reported_rgb, rgb, sizeof rgb);   /* only this thread */
        g_idle_add (colour_changed_cb, GINT_TO_POINTER (packed));
      }
  }
}

static void
add_colour_view (DuetCall *call)
{
  g_autoptr(GError) error = NULL;
  GstElement *bin = gst_parse_bin_from_description ("videoscale ! videoconvert ! "
                                                    "video/x-raw,format=RGB,width=32,height=24 ! "
                                                    "fakesink name=colour signal-handoffs=true sync=false",
                                                    TRUE, &error);
  g_autoptr(GstElement) sink = NULL;

  if (bin == NULL)
    {
      g_warning ("No colour view: %s", error->message);
      return;
    }
  sink = gst_bin_get_by_name (GST_BIN (bin), "colour");
  g_signal_connect (sink, "handoff", G_CALLBACK (on_colour_sink_handoff), NULL);
  duet_call_add_peer_video_view (call, bin);
}

/* ---- call events ---- */

/* Bytes since the last sample, as kbit/s over the 1 s poll; a new media
 * session counts from 0 again */
static gint64
kbps_since (guint64 now,
            guint64 before)
{
  return (now >= before ? now - before : now) * 8 / 1000;
}

static gboolean
stats_cb (gpointer data)
{
  DuetCallStatistics stats = { 0 };
  JsonBuilder *builder;
  Fixed3 shares[2];

  if (app.call == NULL)
    return G_SOURCE_REMOVE;
  duet_call_get_statistics (app.call, &stats);
  builder = event_begin ("stats");
  add_int (builder, "video_frames_decoded", stats.video_frames_decoded);
  add_int (builder, "audio_buffers_decoded", stats.audio_buffers_decoded);
  add_int (builder, "video_frames_sent", stats.video_frames_sent);
  add_int (builder, "audio_buffers_sent", stats.audio_buffers_sent);
  /* The kit's own rates once it measures them; until then, the byte counts' */
  add_int (builder, "rx_kbps", stats.rx_kbps != 0 ? stats.rx_kbps
                               : kbps_since (stats.rx_bytes, app.last_stats.rx_bytes));
  add_int (builder, "tx_kbps", stats.tx_kbps != 0 ? stats.tx_kbps
                               : kbps_since (stats.tx_bytes, app.last_stats.tx_bytes));
  if (stats.local_candidate_type != NULL)
    {
      add_string (builder, "local_candidate", stats.local_candidate_type);
      add_string (builder, "remote_candidate", stats.remote_candidate_type);
    }
  add_int (builder, "rtt_ms", stats.rtt_ms);
  add_int (builder, "jitter_ms", stats.jitter_ms);
  add_int (builder, "video_target_kbps", stats.video_target_kbps);
  add_int (builder, "tx_width", stats.tx_width);
  add_int (builder, "tx_height", stats.tx_height);
  add_int (builder, "tx_fps", stats.tx_fps);
  add_int (builder, "rx_width", stats.rx_width);
  add_int (builder, "rx_height", stats.rx_height);
  add_int (builder, "rx_fps", stats.rx_fps);
  add_int (builder, "freeze_count", stats.freeze_count);
  add_int (builder, "long_freeze_count", stats.long_freeze_count);
  add_int (builder, "jitter_buffer_ms", stats.jitter_buffer_ms);
  add_int (builder, "nack_count", stats.nack_count);
  add_int (builder, "retransmitted_count", stats.retransmitted_count);
  add_int (builder, "fec_recovered_count", stats.fec_recovered_count);
  add_int (builder, "audio_concealed_count", stats.audio_concealed_count);
  add_int (builder, "keyframe_requests", stats.keyframe_requests);
  add_int (builder, "keyframes_sent", stats.keyframes_sent);
  add_string (builder, "network_quality", duet_network_quality_to_string (stats.network_quality));
  add_string (builder, "peer_network_quality", duet_network_quality_to_string (stats.peer_network_quality));
  if (app.latency_us != NULL)
    add_latency (builder);
  if (app.report_colour && g_atomic_int_get (&app.rx_rgb[0]) >= 0)
    {
      json_builder_set_member_name (builder, "rx_rgb");
      json_builder_begin_array (builder);
      for (int c = 0; c < 3; c++)
        json_builder_add_int_value (builder, g_atomic_int_get (&app.rx_rgb[c]));
      json_builder_end_array (builder);
      add_int (builder, "rx_max_gap_ms", g_atomic_int_and (&app.max_gap_ms, 0));
    }
  shares[0] = (Fixed3) { "rx_loss", stats.rx_loss };
  shares[1] = (Fixed3) { "tx_loss", stats.tx_loss };
  event_end_fixed3 (builder, shares, G_N_ELEMENTS (shares));
  app.last_stats = stats;
  return G_SOURCE_CONTINUE;
}

static void
on_call_notify_network_quality (DuetCall *call)
{
  JsonBuilder *builder = event_begin ("network-quality");

  add_string (builder, "network_quality",
              duet_network_quality_to_string (duet_call_get_network_quality (call)));
  add_string (builder, "peer_network_quality",
              duet_network_quality_to_string (duet_call_get_peer_network_quality (call)));
  event_end (builder);
}

static gboolean
first_frame_probe_cb (gpointer data)
{
  DuetCallStatistics stats = { 0 };

  if (app.call == NULL)
    return G_SOURCE_REMOVE;
  duet_call_get_statistics (app.call, &stats);
  /* at_mono_us: when the kit saw the decoded buffer, not this poll */
  if (!app.first_audio_seen && stats.first_audio_buffer_us != 0)
    {
      JsonBuilder *builder = event_begin ("first-peer-audio-buffer");

      add_int (builder, "at_mono_us", stats.first_audio_buffer_us);
      event_end (builder);
      app.first_audio_seen = TRUE;
    }
  if (!app.first_video_seen && stats.first_video_frame_us != 0)
    {
      JsonBuilder *builder = event_begin ("first-peer-video-frame");

      add_int (builder, "at_mono_us", stats.first_video_frame_us);
      event_end (builder);
      app.first_video_seen = TRUE;
    }
  return app.first_video_seen && (app.first_audio_seen || app.media_type == DUET_MEDIA_TYPE_VIDEO)
         ? G_SOURCE_REMOVE : G_SOURCE_CONTINUE;
}

static gboolean
hangup_cb (gpointer data)
{
  app.hangup_source = 0;
  if (app.call != NULL)
    duet_call_end_call (app.call);
  return G_SOURCE_REMOVE;
}

static void
on_call_verified (DuetCall *call,
                  gboolean  peer_use_responder_preparation)
{
  JsonBuilder *builder = event_begin ("verified");

  json_builder_set_member_name (builder, "peer_use_responder_preparation");
  json_builder_add_boolean_value (builder, peer_use_responder_preparation);
  event_end (builder);
}

static void
on_call_connected (DuetCall *call,
                   gboolean  is_in_responder_preparation,
                   gboolean  should_finish_preparation)
{
  JsonBuilder *builder = event_begin ("connected");

  json_builder_set_member_name (builder, "is_in_responder_preparation");
  json_builder_add_boolean_value (builder, is_in_responder_preparation);
  json_builder_set_member_name (builder, "should_finish_preparation");
  json_builder_add_boolean_value (builder, should_finish_preparation);
  event_end (builder);
  g_timeout_add (5, first_frame_probe_cb, NULL);
  if (app.hangup_after > 0)
    app.hangup_source = g_timeout_add_seconds (app.hangup_after, hangup_cb, NULL);
}

static void
on_call_disconnected (DuetCall             *call,
                      DuetDisconnectReason  reason,
                      DuetDisconnectSource  source,
                      gboolean              by_remote,
                      const char           *user_code)
{
  JsonBuilder *builder = event_begin ("disconnected");

  if (user_code != NULL)
    add_string (builder, "user_code", user_code);
  add_string (builder, "reason", duet_disconnect_reason_to_string (reason));
  add_int (builder, "reason_code", reason);
  add_string (builder, "source", duet_disconnect_source_to_string (source));
  json_builder_set_member_name (builder, "by_remote");
  json_builder_add_boolean_value (builder, by_remote);
  event_end (builder);

  stats_cb (NULL);
  if (app.latency_us != NULL)
    {
      JsonBuilder *latency = event_begin ("latency");

      add_latency (latency);
      event_end (latency);
    }
  g_clear_handle_id (&app.stats_source, g_source_remove);
  g_clear_handle_id (&app.hangup_source, g_source_remove);
  quit_soon (reason == DUET_DISCONNECT_REASON_NORMAL || reason == DUET_DISCONNECT_REASON_DECLINE ||
             reason == DUET_DISCONNECT_REASON_CANCEL ? 0 : 3);
}

static void
on_call_peer_video_paused (DuetCall *call, DuetVideoPauseReason reason)
{
  JsonBuilder *builder = event_begin ("peer-video-paused");

  add_string (builder, "reason", duet_video_pause_reason_to_string (reason));
  event_end (builder);
}

static void
on_call_video_disabled_by_peer (DuetCall *call, DuetMediaDisabledReason reason)
{
  JsonBuilder *builder = event_begin ("video-disabled-by-peer");

  add_string (builder, "reason", duet_media_disabled_reason_to_string (reason));
  event_end (builder);
}

static void
on_status_audio_description_update (DuetMyMediaStatus *status, guint level)
{
  JsonBuilder *builder = event_begin ("audio-description-update");

  add_int (builder, "average_volume_level", level);
  event_end (builder);
}

static void
on_status_video_status_update (DuetMyMediaStatus *status, DuetVideoState state, DuetVideoPauseReason pause_reason)
{
  JsonBuilder *builder = event_begin ("video-status-update");

  add_string (builder, "state", duet_video_state_to_string (state));
  if (state == DUET_VIDEO_STATE_PAUSED)
    add_string (builder, "pause_reason", duet_video_pause_reason_to_string (pause_reason));
  event_end (builder);
}

static void
on_manager_device_warning (DuetManager *manager, const char *message)
{
  error_event ("device-warning", message);
}

static void
on_call_media_rejected (DuetCall *call, const char *media, const char *what)
{
  JsonBuilder *builder = event_begin ("media-rejected");

  add_string (builder, "media", media);
  add_string (builder, "what", what);
  event_end (builder);
}

static void
on_manager_network_warning (DuetManager *manager, const char *message)
{
  error_event ("network-warning", message);
}

/* After network-unavailable: the first peer frame decoded again, to the
 * poll's 20 ms (benchmarks time the recovery with it) */
static gboolean
watch_video_cb (gpointer data)
{
  DuetCallStatistics stats = { 0 };
  JsonBuilder *builder;

  if (app.call == NULL)
    return G_SOURCE_REMOVE;
  duet_call_get_statistics (app.call, &stats);
  /* a new media session counts from 0 */
  if (stats.video_frames_decoded == app.frames_at_loss ||
      (stats.video_frames_decoded < app.frames_at_loss && stats.video_frames_decoded == 0))
    return G_SOURCE_CONTINUE;
  app.video_watch = 0;
  builder = event_begin ("video-resumed");
  add_int (builder, "at_mono_us", g_get_monotonic_time ());
  event_end (builder);
  return G_SOURCE_REMOVE;
}

static void
on_call_network_unavailable (DuetCall *call,
                             guint     seconds_left)
{
  JsonBuilder *builder = event_begin ("network-unavailable");
  DuetCallStatistics stats = { 0 };

  add_int (builder, "seconds_left", seconds_left);
  event_end (builder);

  duet_call_get_statistics (call, &stats);
  app.frames_at_loss = stats.video_frames_decoded;
  g_clear_handle_id (&app.video_watch, g_source_remove);
  app.video_watch = g_timeout_add (20, watch_video_cb, NULL);
}

static void
on_call_short_data_received (DuetCall   *call,
                             const char *type,
                             GBytes     *data)
{
  JsonBuilder *builder = event_begin ("short-data-received");
  g_autofree char *text = g_strndup (g_bytes_get_data (data, NULL), g_bytes_get_size (data));

  add_string (builder, "type", type);
  add_int (builder, "size", g_bytes_get_size (data));
  if (g_utf8_validate (text, g_bytes_get_size (data), NULL))
    add_string (builder, "text", text);
  event_end (builder);
}

static void
on_call_notify_in_responder_preparation (DuetCall *call)
{
  JsonBuilder *builder = event_begin ("responder-preparation");

  json_builder_set_member_name (builder, "in_preparation");
  json_builder_add_boolean_value (builder, duet_call_get_in_responder_preparation (call));
  event_end (builder);
}

static const char * const kind_names[] = { "camera", "microphone", "speaker" };

static void
on_status_notify_device_problem (DuetMyMediaStatus *status,
                                 GParamSpec        *pspec)
{
  gboolean camera = g_str_equal (pspec->name, "camera-problem");
  DuetDeviceProblem problem = camera ? duet_my_media_status_get_camera_problem (status)
                                     : duet_my_media_status_get_microphone_problem (status);
  g_autoptr(GEnumClass) klass = g_type_class_ref (DUET_TYPE_DEVICE_PROBLEM);
  JsonBuilder *builder = event_begin ("device-problem");

  add_string (builder, "kind", camera ? "camera" : "microphone");
  add_string (builder, "problem", g_enum_get_value (klass, problem)->value_nick);
  event_end (builder);
}

static void
on_call_device (DuetCall   *call,
                GParamSpec *pspec)
{
  JsonBuilder *builder = event_begin ("device-changed");
  g_autofree char *id = NULL;

  g_object_get (call, pspec->name, &id, NULL);
  add_string (builder, "kind", pspec->name);
  if (id != NULL)
    add_string (builder, "id", id);
  event_end (builder);
}

static void
adopt_call (DuetCall *call)
{
  DuetMyMediaStatus *status = duet_call_get_my_media_status (call);

  app.call = g_object_ref (call);
  if (app.report_colour)
    add_colour_view (call);
  g_signal_connect (status, "notify::camera-problem", G_CALLBACK (on_status_notify_device_problem), NULL);
  g_signal_connect (status, "notify::microphone-problem", G_CALLBACK (on_status_notify_device_problem), NULL);
  for (int kind = 0; kind < 3; kind++)
    {
      g_autofree char *signal = g_strdup_printf ("notify::%s", kind_names[kind]);

      g_signal_connect (call, signal, G_CALLBACK (on_call_device), NULL);
    }
  /* the devices' state before the call was handed out */
  if (duet_my_media_status_get_camera_problem (status) != DUET_DEVICE_PROBLEM_NONE)
    on_status_notify_device_problem (status,
                                     g_object_class_find_property (G_OBJECT_GET_CLASS (status), "camera-problem"));
  if (duet_my_media_status_get_microphone_problem (status) != DUET_DEVICE_PROBLEM_NONE)
    on_status_notify_device_problem (status,
                                     g_object_class_find_property (G_OBJECT_GET_CLASS (status), "microphone-problem"));
  if (duet_bench_stamp_enabled ())
    {
      app.latency_us = g_array_new (FALSE, FALSE, sizeof (gint64));
      add_latency_view (call);
    }
  /* Also while ringing: shows that nothing is sent before accept */
  app.stats_source = g_timeout_add_seconds (1, stats_cb, NULL);
  g_signal_connect_swapped (call, "wait-connected", G_CALLBACK (simple_event), (gpointer) "wait-connected");
  if (duet_call_get_is_caller (call))
    g_signal_connect (call, "verified", G_CALLBACK (on_call_verified), NULL);
  g_signal_connect (call, "short-data-received", G_CALLBACK (on_call_short_data_received), NULL);
  g_signal_connect (call, "media-rejected", G_CALLBACK (on_call_media_rejected), NULL);
  g_signal_connect (call, "notify::in-responder-preparation",
                    G_CALLBACK (on_call_notify_in_responder_preparation), NULL);
  g_signal_connect (call, "connected", G_CALLBACK (on_call_connected), NULL);
  g_signal_connect (call, "disconnected", G_CALLBACK (on_call_disconnected), NULL);
  g_signal_connect_swapped (call, "peer-mic-muted", G_CALLBACK (simple_event), (gpointer) "peer-mic-muted");
  g_signal_connect_swapped (call, "peer-mic-unmuted", G_CALLBACK (simple_event), (gpointer) "peer-mic-unmuted");
  g_signal_connect (call, "peer-video-paused", G_CALLBACK (on_call_peer_video_paused), NULL);
  g_signal_connect_swapped (call, "peer-video-resumed", G_CALLBACK (simple_event), (gpointer) "peer-video-resumed");
  g_signal_connect_swapped (call, "video-enabled-by-peer", G_CALLBACK (simple_event), (gpointer) "video-enabled-by-peer");
  g_signal_connect (call, "video-disabled-by-peer", G_CALLBACK (on_call_video_disabled_by_peer), NULL);
  g_signal_connect (call, "network-unavailable", G_CALLBACK (on_call_network_unavailable), NULL);
  g_signal_connect_swapped (call, "network-available", G_CALLBACK (simple_event), (gpointer) "network-available");
  g_signal_connect (call, "notify::network-quality", G_CALLBACK (on_call_notify_network_quality), NULL);
  g_signal_connect (call, "notify::peer-network-quality", G_CALLBACK (on_call_notify_network_quality), NULL);
  g_signal_connect (status, "audio-description-update", G_CALLBACK (on_status_audio_description_update), NULL);
  g_signal_connect_swapped (status, "mic-mute", G_CALLBACK (simple_event), (gpointer) "mic-mute");
  g_signal_connect_swapped (status, "mic-unmute", G_CALLBACK (simple_event), (gpointer) "mic-unmute");
  g_signal_connect (status, "video-status-update", G_CALLBACK (on_status_video_status_update), NULL);
}

static void
start_failed (DuetStartFailReason  reason,
              GError              *error)
{
  JsonBuilder *builder = event_begin ("start-failed");

  add_string (builder, "reason", duet_start_fail_reason_to_string (reason));
  add_int (builder, "reason_code", reason);
  add_string (builder, "message", error ? error->message : "");
  event_end (builder);
  quit_soon (1);
}

/* ---- caller ---- */

static void
make_call_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetCall) call = NULL;
  DuetStartFailReason reason;

  call = duet_manager_make_call_finish (DUET_MANAGER (source), result, &reason, &error);
  if (call == NULL)
    {
      start_failed (reason, error);
      return;
    }
  adopt_call (call);
}

static void
make_call (void)
{
  g_autoptr(DuetMakeCallParamBuilder) builder = duet_make_call_param_builder_new ();
  g_autoptr(DuetMakeCallParam) param = NULL;
  g_autoptr(GError) error = NULL;

  duet_make_call_param_builder_set_my_user_id (builder, app.user);
  duet_make_call_param_builder_set_my_service_id (builder, app.service);
  duet_make_call_param_builder_set_peer_user_id (builder, app.peer);
  duet_make_call_param_builder_set_peer_service_id (builder, app.service);
  duet_make_call_param_builder_set_access_token (builder, app.token);
  duet_make_call_param_builder_set_server_url (builder, app.server);
  duet_make_call_param_builder_set_media_type (builder, app.media_type);
  duet_make_call_param_builder_set_initial_my_video_state (builder, app.initial_video);

  param = duet_make_call_param_builder_build (builder, &error);
  if (param == NULL)
    {
      start_failed (DUET_START_FAIL_REASON_INVALID_PARAM, error);
      return;
    }
  simple_event ("make-call");
  duet_manager_make_call_async (app.manager, param, NULL, make_call_cb, NULL);
}

/* ---- callee ---- */

static gboolean
accept_cb (gpointer data)
{
  g_autoptr(GError) error = NULL;

  if (app.call == NULL)
    return G_SOURCE_REMOVE;
  simple_event ("accept-call");
  if (!duet_call_accept_call (app.call, app.responder_preparation, app.accept_video, &error))
    error_event ("command-failed", error->message);
  return G_SOURCE_REMOVE;
}

static void
verify_call_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetCall) call = NULL;
  DuetStartFailReason reason;

  call = duet_manager_verify_call_finish (DUET_MANAGER (source), result, &reason, &error);
  if (call == NULL)
    {
      start_failed (reason, error);
      return;
    }
  adopt_call (call);
  simple_event ("verified");

  if (app.auto_accept)
    g_timeout_add (MAX (app.accept_after, 0), accept_cb, NULL);
}

static void
on_manager_incoming_call (DuetManager *manager,
                          DuetCcParam *cc_param)
{
  g_autoptr(DuetVerifyCallParamBuilder) builder = NULL;
  g_autoptr(DuetVerifyCallParam) param = NULL;
  g_autoptr(GError) error = NULL;
  JsonBuilder *event = event_begin ("incoming-call");

  add_string (event, "call_id", duet_cc_param_get_call_id (cc_param));
  add_string (event, "caller_user", duet_cc_param_get_caller_user (cc_param));
  add_string (event, "caller_service", duet_cc_param_get_caller_service (cc_param));
  add_string (event, "media_type", duet_media_type_to_string (duet_cc_param_get_media_type (cc_param)));
  event_end (event);

  if (app.call != NULL)
    return;   /* one call per run */

  builder = duet_verify_call_param_builder_new ();
  duet_verify_call_param_builder_set_my_user_id (builder, app.user);
  duet_verify_call_param_builder_set_my_service_id (builder, app.service);
  duet_verify_call_param_builder_set_cc_param (builder, cc_param);
  duet_verify_call_param_builder_set_use_responder_preparation (builder, app.responder_preparation);
  param = duet_verify_call_param_builder_build (builder, &error);
  if (param == NULL)
    {
      start_failed (DUET_START_FAIL_REASON_INVALID_PARAM, error);
      return;
    }
  duet_manager_verify_call_async (app.manager, param, NULL, verify_call_cb, NULL);
}

static void
on_manager_missed_call (DuetManager          *manager,
                        DuetCallHistoryEntry *entry)
{
  JsonBuilder *builder = event_begin ("missed-call");

  add_string (builder, "call_id", duet_call_history_entry_get_call_id (entry));
  add_string (builder, "caller_user", duet_call_history_entry_get_peer_user_id (entry));
  add_string (builder, "reason", duet_disconnect_reason_to_string (duet_call_history_entry_get_disconnect_reason (entry)));
  event_end (builder);
}

static void
on_manager_missed_call_seen (DuetManager *manager,
                             const char  *call_id)
{
  JsonBuilder *builder = event_begin ("missed-call-seen");

  add_string (builder, "call_id", call_id);
  event_end (builder);
}

/* ---- the user's devices (not cameras and microphones: see "devices") ---- */

static void
add_bool (JsonBuilder *builder,
          const char  *name,
          gboolean     value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_boolean_value (builder, value);
}

static void
add_time (JsonBuilder *builder,
          const char  *name,
          GDateTime   *time)
{
  g_autofree char *text = time != NULL ? g_date_time_format_iso8601 (time) : NULL;

  if (text != NULL)
    add_string (builder, name, text);
}

static void
list_account_devices (void)
{
  GListModel *devices = duet_manager_get_devices (app.manager);
  JsonBuilder *builder = event_begin ("account-devices");

  json_builder_set_member_name (builder, "devices");
  json_builder_begin_array (builder);
  for (guint i = 0; i < g_list_model_get_n_items (devices); i++)
    {
      g_autoptr(DuetAccountDevice) device = g_list_model_get_item (devices, i);

      json_builder_begin_object (builder);
      add_string (builder, "id", duet_account_device_get_id (device));
      add_string (builder, "name", duet_account_device_get_name (device));
      add_bool (builder, "online", duet_account_device_get_online (device));
      add_bool (builder, "current", duet_account_device_get_current (device));
      add_time (builder, "created_at", duet_account_device_get_created_at (device));
      add_time (builder, "last_seen_at", duet_account_device_get_last_seen_at (device));
      json_builder_end_object (builder);
    }
  json_builder_end_array (builder);
  event_end (builder);
}

static void
on_account_devices_items_changed (GListModel *devices)
{
  JsonBuilder *builder = event_begin ("account-devices-changed");

  add_int (builder, "n", g_list_model_get_n_items (devices));
  event_end (builder);
}

/* A failed command, with the kit's error code when it has one */
static void
command_failed (const GError *error)
{
  JsonBuilder *builder = event_begin ("command-failed");

  add_string (builder, "message", error->message);
  if (error->domain == DUET_KIT_ERROR)
    {
      g_autoptr(GEnumClass) klass = g_type_class_ref (DUET_TYPE_KIT_ERROR);
      GEnumValue *value = g_enum_get_value (klass, error->code);

      if (value != NULL)
        add_string (builder, "error", value->value_nick);
    }
  event_end (builder);
}

static void
sign_out_device_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autofree char *id = data;
  g_autoptr(GError) error = NULL;

  if (duet_manager_sign_out_device_finish (DUET_MANAGER (source), result, &error))
    {
      JsonBuilder *builder = event_begin ("device-signed-out");

      if (id != NULL)
        add_string (builder, "id", id);
      event_end (builder);
    }
  else
    command_failed (error);
}

/* "sign-out-device [ID]": without one, this device */
static void
sign_out_device (const char *id)
{
  const char *target = *id != '\0' ? id : duet_manager_get_device_id (app.manager);

  duet_manager_sign_out_device_async (app.manager, *id != '\0' ? id : NULL, NULL,
                                      sign_out_device_cb, g_strdup (target));
}

static void
on_manager_notify_connected (DuetManager *manager)
{
  gboolean connected = duet_manager_get_connected (manager);
  JsonBuilder *builder;
  const char * const *calls = duet_manager_get_server_calls (manager);

  /* Which device this is, once: the server says so when it connects */
  if (connected && !app.signed_in)
    {
      JsonBuilder *signed_in = event_begin ("signed-in");
      const char *device_id = duet_manager_get_device_id (manager);

      add_string (signed_in, "user", app.user);
      if (device_id != NULL)
        add_string (signed_in, "device_id", device_id);
      event_end (signed_in);
    }
  builder = event_begin (connected ? "server-connected" : "server-disconnected");

  /* The calls the server still holds for us (hello.calls) */
  if (connected)
    {
      json_builder_set_member_name (builder, "calls");
      json_builder_begin_array (builder);
      for (guint i = 0; calls != NULL && calls[i] != NULL; i++)
        json_builder_add_string_value (builder, calls[i]);
      json_builder_end_array (builder);
    }
  event_end (builder);

  if (connected && !app.signed_in)
    {
      app.signed_in = TRUE;
      if (!app.listen)
        make_call ();
    }
}

static void
on_manager_server_error (DuetManager *manager,
                         const char  *code)
{
  JsonBuilder *builder = event_begin ("server-error");

  add_string (builder, "message", code);
  /* signed_out: by_user or device_limit */
  if (duet_manager_get_sign_out_reason (manager) != NULL)
    add_string (builder, "reason", duet_manager_get_sign_out_reason (manager));
  event_end (builder);
  if (app.call == NULL || duet_call_get_state (app.call) != DUET_CALL_STATE_CONNECTED)
    quit_soon (1);
}

/* ---- commands ---- */

static void
send_short_data_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      data)
{
  g_autoptr(GError) error = NULL;

  if (duet_call_send_short_data_finish (DUET_CALL (source), result, &error))
    simple_event ("short-data-sent");
  else
    error_event ("command-failed", error->message);
}

/* "TYPE TEXT", or "TYPE @N" for N bytes of 'x' */
static void
send_short_data (const char *args)
{
  g_auto(GStrv) parts = g_strsplit (args, " ", 2);
  g_autoptr(GBytes) data = NULL;

  if (g_strv_length (parts) != 2)
    {
      error_event ("command-failed", "short-data TYPE TEXT");
      return;
    }
  if (parts[1][0] == '@')
    {
      gsize size = g_ascii_strtoull (parts[1] + 1, NULL, 10);
      data = g_bytes_new_take (memset (g_malloc (MAX (size, 1)), 'x', size), size);
    }
  else
    data = g_bytes_new (parts[1], strlen (parts[1]));
  duet_call_send_short_data_async (app.call, parts[0], data, NULL, send_short_data_cb, NULL);
}

/* A device named by its id, its exact name, or a part of its name */
static const char *
find_device_id (DuetDeviceKind  kind,
                const char     *wanted)
{
  GListModel *list = duet_device_monitor_get_devices (duet_device_monitor_get_default (), kind);
  DuetDevice *partial = NULL;

  if (g_str_equal (wanted, "default"))
    return "";
  for (guint i = 0; i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(DuetDevice) device = g_list_model_get_item (list, i);

      if (g_str_equal (duet_device_get_id (device), wanted) || g_str_equal (duet_device_get_name (device), wanted))
        return duet_device_get_id (device);   /* the list holds a reference */
      if (partial == NULL && strstr (duet_device_get_name (device), wanted) != NULL)
        partial = device;
    }
  return partial != NULL ? duet_device_get_id (partial) : NULL;
}

static void
list_devices (void)
{
  DuetDeviceMonitor *monitor = duet_device_monitor_get_default ();
  JsonBuilder *builder = event_begin ("devices");

  for (int kind = 0; kind < 3; kind++)
    {
      GListModel *list = duet_device_monitor_get_devices (monitor, kind);

      json_builder_set_member_name (builder, kind_names[kind]);
      json_builder_begin_array (builder);
      for (guint i = 0; i < g_list_model_get_n_items (list); i++)
        {
          g_autoptr(DuetDevice) device = g_list_model_get_item (list, i);

          json_builder_begin_object (builder);
          add_string (builder, "id", duet_device_get_id (device));
          add_string (builder, "name", duet_device_get_name (device));
          json_builder_set_member_name (builder, "default");
          json_builder_add_boolean_value (builder, duet_device_get_is_default (device));
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
    }
  event_end (builder);
}

static gboolean
switch_device (DuetDeviceKind   kind,
               const char      *wanted,
               GError         **error)
{
  const char *id = find_device_id (kind, wanted);

  if (id == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "No %s “%s”", kind_names[kind], wanted);
      return FALSE;
    }
  duet_call_set_device (app.call, kind, id);
  return TRUE;
}

static void
run_command (const char *line)
{
  g_autoptr(GError) error = NULL;
  gboolean ok = TRUE;

  if (*line == '\0')
    return;
  if (g_str_equal (line, "devices"))
    {
      list_devices ();
      return;
    }
  if (g_str_equal (line, "account-devices"))
    {
      list_account_devices ();
      return;
    }
  if (g_str_equal (line, "sign-out-device") || g_str_has_prefix (line, "sign-out-device "))
    {
      sign_out_device (g_strchug ((char *) line + strlen ("sign-out-device")));
      return;
    }
  if (g_str_equal (line, "seen"))
    {
      error_event ("command-failed", "seen CALL_ID");
      return;
    }
  if (g_str_has_prefix (line, "seen "))
    {
      duet_manager_mark_missed_call_seen (app.manager, g_strchug ((char *) line + strlen ("seen ")));
      return;
    }
  if (app.call == NULL)
    {
      error_event ("command-failed", "No call");
      return;
    }

  if (g_str_equal (line, "mute"))
    duet_call_mute_my_audio (app.call, TRUE);
  else if (g_str_equal (line, "unmute"))
    duet_call_mute_my_audio (app.call, FALSE);
  else if (g_str_equal (line, "pause-video"))
    ok = duet_call_pause_my_video (app.call, &error);
  else if (g_str_equal (line, "resume-video"))
    ok = duet_call_resume_my_video (app.call, &error);
  else if (g_str_equal (line, "enable-video"))
    ok = duet_call_enable_video (app.call, DUET_INITIAL_VIDEO_STATE_RESUME, &error);
  else if (g_str_equal (line, "enable-video-paused"))
    ok = duet_call_enable_video (app.call, DUET_INITIAL_VIDEO_STATE_PAUSE, &error);
  else if (g_str_equal (line, "finish-preparation"))
    ok = duet_call_finish_preparation (app.call, &error);
  else if (g_str_has_prefix (line, "end-with-code "))
    ok = duet_call_end_call_with_user_code (app.call, line + strlen ("end-with-code "), &error);
  else if (g_str_has_prefix (line, "end-with-error "))
    ok = duet_call_end_call_with_error (app.call, line + strlen ("end-with-error "), &error);
  else if (g_str_has_prefix (line, "short-data "))
    send_short_data (line + strlen ("short-data "));
  else if (g_str_has_prefix (line, "camera "))
    ok = switch_device (DUET_DEVICE_KIND_CAMERA, line + strlen ("camera "), &error);
  else if (g_str_has_prefix (line, "mic "))
    ok = switch_device (DUET_DEVICE_KIND_MICROPHONE, line + strlen ("mic "), &error);
  else if (g_str_has_prefix (line, "speaker "))
    ok = switch_device (DUET_DEVICE_KIND_SPEAKER, line + strlen ("speaker "), &error);
  else if (g_str_equal (line, "disable-video"))
    ok = duet_call_disable_video (app.call, DUET_MEDIA_DISABLED_REASON_USER, &error);
  else if (g_str_equal (line, "accept"))
    {
      simple_event ("accept-call");
      ok = duet_call_accept_call (app.call, app.responder_preparation, app.accept_video, &error);
    }
  else if (g_str_equal (line, "end"))
    duet_call_end_call (app.call);
  else
    {
      error_event ("command-failed", "Unknown command");
      return;
    }
  if (!ok)
    error_event ("command-failed", error->message);
}

static void
read_line_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_finish_utf8 (G_DATA_INPUT_STREAM (source),
                                                                      result, NULL, &error);

  if (line == NULL)
    return;   /* EOF: keep running until the call ends */
  run_command (g_strstrip (line));
  g_data_input_stream_read_line_async (app.input, G_PRIORITY_DEFAULT, app.cancellable, read_line_cb, NULL);
}

/* ---- sign-in ---- */

static void
signed_in (void)
{
  g_signal_connect (app.manager, "notify::connected", G_CALLBACK (on_manager_notify_connected), NULL);
  g_signal_connect (app.manager, "incoming-call", G_CALLBACK (on_manager_incoming_call), NULL);
  g_signal_connect (app.manager, "missed-call", G_CALLBACK (on_manager_missed_call), NULL);
  g_signal_connect (app.manager, "missed-call-seen", G_CALLBACK (on_manager_missed_call_seen), NULL);
  g_signal_connect (duet_manager_get_devices (app.manager), "items-changed",
                    G_CALLBACK (on_account_devices_items_changed), NULL);
  g_signal_connect (app.manager, "server-error", G_CALLBACK (on_manager_server_error), NULL);
  g_signal_connect (app.manager, "device-warning", G_CALLBACK (on_manager_device_warning), NULL);
  g_signal_connect (app.manager, "network-warning", G_CALLBACK (on_manager_network_warning), NULL);
  duet_manager_sign_in (app.manager, app.server, app.token);
  g_data_input_stream_read_line_async (app.input, G_PRIORITY_DEFAULT, app.cancellable, read_line_cb, NULL);
}

static void
sign_in_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static char *
fetch_token (const char  *password,
             GError     **error)
{
  g_autoptr(DuetAuth) auth = duet_auth_new (app.server);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(DuetAuthToken) token = NULL;

  if (app.tls_ca_file != NULL && !duet_auth_set_tls_ca_file (auth, app.tls_ca_file, error))
    return NULL;
  duet_auth_set_device (auth, app.device_id, app.device_name);

  duet_auth_sign_in_async (auth, app.user, app.service, password, NULL, sign_in_cb, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);

  token = duet_auth_sign_in_finish (auth, result, error);
  return token ? g_strdup (duet_auth_token_get_token (token)) : NULL;
}

static gboolean
parse_enum_option (const char *value,
                   const char *a,
                   int         a_value,
                   const char *b,
                   int         b_value,
                   const char *c,
                   int         c_value,
                   int        *out)
{
  if (value == NULL)
    return TRUE;
  if (g_strcmp0 (value, a) == 0)
    *out = a_value;
  else if (g_strcmp0 (value, b) == 0)
    *out = b_value;
  else if (c != NULL && g_strcmp0 (value, c) == 0)
    *out = c_value;
  else
    return FALSE;
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GInputStream) stdin_stream = NULL;
  g_autofree char *media = NULL;
  g_autofree char *initial_video = NULL;
  g_autofree char *accept_video = NULL;
  g_autofree char *credential = NULL;
  gboolean password_stdin = FALSE, token_stdin = FALSE, test_sources = FALSE;
  int liveness_ms = 0;
  g_autofree char *video_size = NULL;
  g_autofree char *test_pattern = NULL;
  g_auto(GStrv) ice_servers = NULL;
  gboolean relay_only = FALSE, version = FALSE;
  int network_grace = 0;
  int fps = 0;
  int value;
  DuetMediaSettings *settings;
  GOptionEntry entries[] = {
    { "server", 0, 0, G_OPTION_ARG_STRING, &app.server, "Server URL", "URL" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &app.user, "My user id", "ID" },
    { "service", 0, 0, G_OPTION_ARG_STRING, &app.service, "My service id (default: duet)", "ID" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, "Read the password from the first line of stdin", NULL },
    { "token-stdin", 0, 0, G_OPTION_ARG_NONE, &token_stdin, "Read an access token from the first line of stdin", NULL },
    { "device-id", 0, 0, G_OPTION_ARG_STRING, &app.device_id, "With --password-stdin: sign in as this device of the user (default: this machine's, kept in $XDG_DATA_HOME/duet-kit-1/device-id)", "ID" },
    { "device-name", 0, 0, G_OPTION_ARG_STRING, &app.device_name, "With --password-stdin: the name the user's other devices show (default: \"duet-call on HOST\")", "NAME" },
    { "test-sources", 0, 0, G_OPTION_ARG_NONE, &test_sources, "Use test video and audio sources", NULL },
    { "camera", 0, 0, G_OPTION_ARG_STRING, &app.device_ids[0], "The camera, by id (see the devices command)", "ID" },
    { "mic", 0, 0, G_OPTION_ARG_STRING, &app.device_ids[1], "The microphone, by id", "ID" },
    { "speaker", 0, 0, G_OPTION_ARG_STRING, &app.device_ids[2], "The speaker, by id", "ID" },
    { "report-colour", 0, 0, G_OPTION_ARG_NONE, &app.report_colour, "Add the peer picture's mean colour (rx_rgb) to stats", NULL },
    { "test-pattern", 0, 0, G_OPTION_ARG_STRING, &test_pattern, "The picture test sources send: ball (default, simple) or motion (detailed and moving, for benchmarks)", "ball|motion" },
    { "auto-accept", 0, 0, G_OPTION_ARG_NONE, &app.auto_accept, "listen: accept at once", NULL },
    { "accept-after", 0, 0, G_OPTION_ARG_INT, &app.accept_after, "listen: with --auto-accept, ring this long first", "MS" },
    { "accept-video", 0, 0, G_OPTION_ARG_STRING, &accept_video, "listen: initial video on accept", "pause|resume" },
    { "responder-preparation", 0, 0, G_OPTION_ARG_NONE, &app.responder_preparation, "listen: accept with responder preparation (finish with the finish-preparation command)", NULL },
    { "media", 0, 0, G_OPTION_ARG_STRING, &media, "call: media type", "audio|video|audiovideo" },
    { "initial-video", 0, 0, G_OPTION_ARG_STRING, &initial_video, "call: initial video", "pause|resume" },
    { "hangup-after", 0, 0, G_OPTION_ARG_INT, &app.hangup_after, "End the call SECONDS after connected", "SECONDS" },
    { "liveness-timeout", 0, 0, G_OPTION_ARG_INT, &liveness_ms, "Dead-peer timeout", "MS" },
    { "video-size", 0, 0, G_OPTION_ARG_STRING, &video_size, "Send video of this size (default 640x480)", "WxH" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &fps, "Send video at this frame rate (default 30)", "N" },
    { "tls-ca-file", 0, 0, G_OPTION_ARG_FILENAME, &app.tls_ca_file, "Verify the server (https) against the CAs in this PEM file, not the system CAs", "PATH" },
    { "ice-server", 0, 0, G_OPTION_ARG_STRING_ARRAY, &ice_servers, "A STUN or TURN server besides the app server's (repeatable): stun:HOST:PORT or turn://USER:PASSWORD@HOST:PORT?transport=udp", "URI" },
    { "relay-only", 0, 0, G_OPTION_ARG_NONE, &relay_only, "Send media through TURN relays only, so the peer never learns this address", NULL },
    { "network-grace-period", 0, 0, G_OPTION_ARG_INT, &network_grace, "Seconds the media path may be lost before the call ends (default 20)", "SECONDS" },
    { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
    { NULL }
  };

  setlocale (LC_ALL, "");
  /* stdout is for JSON events only */
  g_log_writer_default_set_use_stderr (TRUE);
  gst_init (&argc, &argv);
  app.start_us = g_get_monotonic_time ();

  context = g_option_context_new ("listen | call PEER");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    "A headless client of duet-server: signs in, then waits for a call (listen)\n"
    "or calls PEER, printing every event as one JSON line on stdout.");
  g_option_context_set_description (context,
    "Commands, one per line on stdin (after the password or token line):\n"
    "  accept, end, mute, unmute, pause-video, resume-video, enable-video,\n"
    "  enable-video-paused, disable-video, finish-preparation,\n"
    "  end-with-code CODE, end-with-error TEXT, short-data TYPE TEXT|@N\n"
    "                            act on the call\n"
    "  devices                   list the cameras, microphones and speakers\n"
    "  camera|mic|speaker NAME   switch one during the call (an id, a name or\n"
    "                            part of one, or default)\n"
    "  account-devices           list the devices the user is signed in on\n"
    "  sign-out-device [ID]      sign one of them out (without ID, this one)\n"
    "  seen CALL_ID              mark a missed call seen on every device\n"
    "\n"
    "Exit status: 0 when the call ended as a user chose (NORMAL, DECLINE,\n"
    "CANCEL), 3 for any other disconnect reason, 1 for errors, 2 for bad usage.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (version)
    {
      g_print ("duet-call %s\n", DUET_VERSION_S);
      return 0;
    }

  app.listen = argc == 2 && g_str_equal (argv[1], "listen");
  if (!app.listen && !(argc == 3 && g_str_equal (argv[1], "call")))
    {
      g_printerr ("Usage: duet-call [OPTION…] listen | call PEER\n");
      return 2;
    }
  app.peer = app.listen ? NULL : g_strdup (argv[2]);
  if (app.service == NULL)
    app.service = g_strdup ("duet");

  app.media_type = DUET_MEDIA_TYPE_AUDIOVIDEO;
  if (!parse_enum_option (media, "audio", DUET_MEDIA_TYPE_AUDIO, "video", DUET_MEDIA_TYPE_VIDEO,
                          "audiovideo", DUET_MEDIA_TYPE_AUDIOVIDEO, &value))
    return (g_printerr ("Bad --media\n"), 2);
  if (media != NULL)
    app.media_type = (DuetMediaType) value;
  value = DUET_INITIAL_VIDEO_STATE_RESUME;
  if (!parse_enum_option (initial_video, "pause", DUET_INITIAL_VIDEO_STATE_PAUSE,
                          "resume", DUET_INITIAL_VIDEO_STATE_RESUME, NULL, 0, &value))
    return (g_printerr ("Bad --initial-video\n"), 2);
  app.initial_video = value;
  value = DUET_INITIAL_VIDEO_STATE_RESUME;
  if (!parse_enum_option (accept_video, "pause", DUET_INITIAL_VIDEO_STATE_PAUSE,
                          "resume", DUET_INITIAL_VIDEO_STATE_RESUME, NULL, 0, &value))
    return (g_printerr ("Bad --accept-video\n"), 2);
  app.accept_video = value;
  if (test_pattern != NULL && !g_str_equal (test_pattern, "ball") && !g_str_equal (test_pattern, "motion"))
    return (g_printerr ("Bad --test-pattern \"%s\": use ball or motion\n", test_pattern), 2);

  if (app.server == NULL || app.user == NULL || password_stdin == token_stdin)
    {
      g_printerr ("Need --server, --user and one of --password-stdin, --token-stdin\n");
      return 2;
    }
  if (token_stdin && (app.device_id != NULL || app.device_name != NULL))
    {
      g_printerr ("--device-id and --device-name go with --password-stdin: a token is already its device's\n");
      return 2;
    }

  app.manager = duet_manager_new ();
  if (!duet_manager_set_ice_servers (app.manager, (const char * const *) ice_servers, &error))
    {
      g_printerr ("Bad --ice-server %s\n", error->message);
      return 2;
    }
  g_object_set (app.manager, "ice-transport-policy",
                relay_only ? DUET_ICE_TRANSPORT_POLICY_RELAY : DUET_ICE_TRANSPORT_POLICY_ALL, NULL);
  if (network_grace > 0)
    g_object_set (app.manager, "network-grace-period", (guint) network_grace, NULL);

  stdin_stream = g_unix_input_stream_new (0, FALSE);
  app.input = g_data_input_stream_new (stdin_stream);
  credential = g_data_input_stream_read_line_utf8 (app.input, NULL, NULL, &error);
  if (credential == NULL)
    {
      g_printerr ("Cannot read the %s from stdin\n", password_stdin ? "password" : "token");
      return 2;
    }
  g_strchomp (credential);

  if (password_stdin)
    {
      app.token = fetch_token (credential, &error);
      if (app.token == NULL)
        {
          error_event ("sign-in-failed", error->message);
          return 1;
        }
    }
  else
    app.token = g_steal_pointer (&credential);

  settings = duet_manager_get_media_settings (app.manager);
  if (video_size != NULL)
    {
      guint w = 0, h = 0;

      /* the settings' range */
      if (sscanf (video_size, "%ux%u", &w, &h) != 2 || w < 16 || h < 16 || w > 4096 || h > 4096)
        return (g_printerr ("Bad --video-size\n"), 2);
      g_object_set (settings, "video-width", w, "video-height", h, NULL);
    }
  if (test_pattern != NULL)
    g_object_set (settings, "test-pattern", test_pattern, NULL);
  if (fps > 120)
    return (g_printerr ("Bad --fps: at most 120\n"), 2);
  if (fps > 0)
    g_object_set (settings, "video-fps", (guint) fps, NULL);

  app.loop = g_main_loop_new (NULL, FALSE);
  app.cancellable = g_cancellable_new ();
  g_object_set (settings, "test-sources", test_sources,
                "camera", app.device_ids[0], "microphone", app.device_ids[1], "speaker", app.device_ids[2], NULL);
  for (int c = 0; c < 3; c++)
    app.rx_rgb[c] = app.reported_rgb[c] = -1000;
  if (liveness_ms > 0)
    g_object_set (settings, "liveness-timeout", (guint) liveness_ms, NULL);
  g_object_set (app.manager, "tls-ca-file", app.tls_ca_file, NULL);

  signed_in ();
  g_main_loop_run (app.loop);

  g_cancellable_cancel (app.cancellable);
  g_clear_handle_id (&app.stats_source, g_source_remove);
  g_clear_handle_id (&app.video_watch, g_source_remove);
  g_clear_object (&app.call);
  /* The manager empties its list of devices as it goes: no event for that */
  g_signal_handlers_disconnect_by_func (duet_manager_get_devices (app.manager),
                                        on_account_devices_items_changed, NULL);
  g_clear_object (&app.manager);
  g_clear_object (&app.input);
  g_clear_object (&app.cancellable);
  g_main_loop_unref (app.loop);
  g_free (app.server);
  g_free (app.tls_ca_file);
  g_free (app.user);
  g_free (app.service);
  g_free (app.token);
  g_free (app.device_id);
  g_free (app.device_name);
  g_free (app.peer);
  return app.exit_status;
}
