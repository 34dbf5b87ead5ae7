/* baseline-webrtc.c: two webrtcbins in one process, wired directly
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The baseline for bench/run: peer A offers, peer B answers; SDP and ICE
 * candidates are handed over in-process (no signalling hop). Each peer
 * sends videotestsrc (is-live, ball) + audiotestsrc (ticks, Opus) and
 * receives the other's. By default everything is GStreamer's default:
 * webrtcbin latency 200 ms, vp8enc deadline/cpu-used/threads as shipped.
 * --duet uses Duet's media settings instead (latency 50, realtime VP8,
 * same bitrate), to separate "Duet's tuning" from "Duet's server hop".
 *
 * Each frame carries its capture time (duet-bench-stamp, painted before
 * the encoder) and is read back in a synced fakesink after the decoder.
 * Prints one JSON object on stdout:
 *   offer_to_first_frame_ms / answer_to_first_frame_ms (per side, a/b),
 *   answer_to_connected_ms, answer_to_first_audio_ms, latency p50/p95 over
 *   both directions after a 2 s warm-up, CPU % of one core (whole process:
 *   both peers) over the measuring window, VmHWM.
 *
 * Usage: duet-bench-baseline [--size WxH] [--fps N] [--seconds S] [--duet]
 */
#define GST_USE_UNSTABLE_API
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <gst/gst.h>
#include <gst/sdp/sdp.h>
#include <gst/webrtc/webrtc.h>

#include "duet-bench-stamp.h"

#define WARMUP_US (2 * G_USEC_PER_SEC)

typedef struct Peer Peer;
struct Peer
{
  const char *name;
  GstElement *pipe;
  GstElement *webrtc;
  Peer       *other;
  gint64      first_frame_us;
  gint64      first_audio_us;
  gint64      connected_us;
};

static Peer a = { "a" }, b = { "b" };
static guint width = 640, height = 480, fps = 30, seconds = 5;
static gboolean duet_settings;
static gint64 offer_us, answer_us, first_stamp_us;
static GMutex lock;
static GArray *latency_us;
static guint unreadable;
static GMainLoop *loop;

/* ---- stamps ---- */

static void
on_handoff (GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer data)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  gint64 now = g_get_monotonic_time (), stamp;
  GstVideoInfo info;
  GstVideoFrame frame;

  if (caps == NULL || !gst_video_info_from_caps (&info, caps) ||
      !gst_video_frame_map (&frame, &info, buffer, GST_MAP_READ))
    return;
  stamp = duet_bench_stamp_read (&frame);
  gst_video_frame_unmap (&frame);
  g_mutex_lock (&lock);
  if (stamp < 0)
    unreadable++;
  else
    {
      gint64 latency = (now - stamp) & ((G_GINT64_CONSTANT (1) << 48) - 1);

      if (first_stamp_us == 0)
        first_stamp_us = now;
      if (now - first_stamp_us >= WARMUP_US)
        g_array_append_val (latency_us, latency);
    }
  g_mutex_unlock (&lock);
}

static GstPadProbeReturn
first_probe (GstPad *pad, GstPadProbeInfo *info, gpointer when)
{
  gint64 expected = 0;

  __atomic_compare_exchange_n ((gint64 *) when, &expected, g_get_monotonic_time (), FALSE,
                               __ATOMIC_RELAXED, __ATOMIC_RELAXED);
  return GST_PAD_PROBE_REMOVE;
}

/* ---- pipelines ---- */

static GstElement *
el (GstElement *bin, const char *factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e == NULL)
    g_error ("missing element %s", factory);
  gst_bin_add (GST_BIN (bin), e);
  return e;
}

static void
on_pad_added (GstElement *webrtc, GstPad *pad, Peer *peer)
{
  g_autoptr(GstCaps) caps = NULL;
  const char *media;
  GstElement *depay, *dec, *conv = NULL, *queue = NULL, *sink;
  g_autoptr(GstPad) sinkpad = NULL;
  g_autoptr(GstPad) decpad = NULL;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;
  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  media = gst_structure_get_string (gst_caps_get_structure (caps, 0), "media");

  if (g_strcmp0 (media, "video") == 0)
    {
      depay = el (peer->pipe, "rtpvp8depay");
      dec = el (peer->pipe, "vp8dec");
      conv = el (peer->pipe, "videoconvert");
      queue = el (peer->pipe, "queue");
      sink = el (peer->pipe, "fakesink");
      g_object_set (sink, "sync", TRUE, "signal-handoffs", TRUE, "async", FALSE, NULL);
      g_signal_connect (sink, "handoff", G_CALLBACK (on_handoff), NULL);
      gst_element_link_many (depay, dec, conv, queue, sink, NULL);
      decpad = gst_element_get_static_pad (dec, "src");
      gst_pad_add_probe (decpad, GST_PAD_PROBE_TYPE_BUFFER, first_probe, &peer->first_frame_us, NULL);
    }
  else
    {
      depay = el (peer->pipe, "rtpopusdepay");
      dec = el (peer->pipe, "opusdec");
      sink = el (peer->pipe, "fakesink");
      g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
      gst_element_link_many (depay, dec, sink, NULL);
      decpad = gst_element_get_static_pad (dec, "src");
      gst_pad_add_probe (decpad, GST_PAD_PROBE_TYPE_BUFFER, first_probe, &peer->first_audio_us, NULL);
    }
  gst_element_sync_state_with_parent (sink);
  if (queue)
    gst_element_sync_state_with_parent (queue);
  if (conv)
    gst_element_sync_state_with_parent (conv);
  gst_element_sync_state_with_parent (dec);
  gst_element_sync_state_with_parent (depay);
  sinkpad = gst_element_get_static_pad (depay, "sink");
  gst_pad_link (pad, sinkpad);
}

static void
on_ice_candidate (GstElement *webrtc, guint mline, const char *candidate, Peer *peer)
{
  g_signal_emit_by_name (peer->other->webrtc, "add-ice-candidate", mline, candidate);
}

static void
on_connection_state (GObject *webrtc, GParamSpec *pspec, Peer *peer)
{
  GstWebRTCPeerConnectionState state;

  g_object_get (webrtc, "connection-state", &state, NULL);
  if (state == GST_WEBRTC_PEER_CONNECTION_STATE_CONNECTED && peer->connected_us == 0)
    peer->connected_us = g_get_monotonic_time ();
}

static void
on_answer_created (GstPromise *promise, gpointer data)
{
  GstWebRTCSessionDescription *answer = NULL;

  gst_structure_get (gst_promise_get_reply (promise), "answer",
                     GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &answer, NULL);
  gst_promise_unref (promise);
  g_signal_emit_by_name (b.webrtc, "set-local-description", answer, NULL);
  answer_us = g_get_monotonic_time ();
  g_signal_emit_by_name (a.webrtc, "set-remote-description", answer, NULL);
  gst_webrtc_session_description_free (answer);
}

static void
on_offer_set (GstPromise *promise, gpointer data)
{
  gst_promise_unref (promise);
  g_signal_emit_by_name (b.webrtc, "create-answer", NULL,
                         gst_promise_new_with_change_func (on_answer_created, NULL, NULL));
}

static void
on_offer_created (GstPromise *promise, gpointer data)
{
  GstWebRTCSessionDescription *offer = NULL;

  gst_structure_get (gst_promise_get_reply (promise), "offer",
                     GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &offer, NULL);
  gst_promise_unref (promise);
  g_signal_emit_by_name (a.webrtc, "set-local-description", offer, NULL);
  g_signal_emit_by_name (b.webrtc, "set-remote-description", offer,
                         gst_promise_new_with_change_func (on_offer_set, NULL, NULL));
  gst_webrtc_session_description_free (offer);
}

static void
on_negotiation_needed (GstElement *webrtc, gpointer data)
{
  if (offer_us != 0)
    return;
  offer_us = g_get_monotonic_time ();
  g_signal_emit_by_name (a.webrtc, "create-offer", NULL,
                         gst_promise_new_with_change_func (on_offer_created, NULL, NULL));
}

static void
link_sink (Peer *peer, GstElement *last)
{
  g_autoptr(GstPad) src = gst_element_get_static_pad (last, "src");
  g_autoptr(GstPad) sink = gst_element_request_pad_simple (peer->webrtc, "sink_%u");

  if (gst_pad_link (src, sink) != GST_PAD_LINK_OK)
    g_error ("cannot link to webrtcbin");
}

static void
build (Peer *peer)
{
  GstElement *vsrc, *vcaps, *vq, *venc, *vpay, *asrc, *aconv, *ares, *aenc, *apay;
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GstPad) stamp_pad = NULL;

  peer->pipe = gst_pipeline_new (peer->name);
  peer->webrtc = el (peer->pipe, "webrtcbin");
  gst_util_set_object_arg (G_OBJECT (peer->webrtc), "bundle-policy", "max-bundle");
  if (duet_settings)
    g_object_set (peer->webrtc, "latency", 50, NULL);

  vsrc = el (peer->pipe, "videotestsrc");
  g_object_set (vsrc, "is-live", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (vsrc), "pattern", "ball");
  vcaps = el (peer->pipe, "capsfilter");
  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420",
                              "width", G_TYPE_INT, width, "height", G_TYPE_INT, height,
                              "framerate", GST_TYPE_FRACTION, fps, 1, NULL);
  g_object_set (vcaps, "caps", caps, NULL);
  vq = el (peer->pipe, "queue");
  venc = el (peer->pipe, "vp8enc");
  if (duet_settings)
    {
      g_object_set (vq, "max-size-buffers", 2, "max-size-bytes", 0, "max-size-time", (guint64) 0, NULL);
      gst_util_set_object_arg (G_OBJECT (vq), "leaky", "downstream");
      /* keep in step with src/kit/duet-media-session.c (VP8_CPU_USED) */
      g_object_set (venc, "deadline", (gint64) 1, "cpu-used", 12, "threads", 1,
                    "target-bitrate", 600000, "keyframe-max-dist", 300, "lag-in-frames", 0, NULL);
      gst_util_set_object_arg (G_OBJECT (venc), "end-usage", "cbr");
      gst_util_set_object_arg (G_OBJECT (venc), "error-resilient", "default");
    }
  vpay = el (peer->pipe, "rtpvp8pay");
  g_object_set (vpay, "pt", 96, NULL);
  gst_element_link_many (vsrc, vcaps, vq, venc, vpay, NULL);
  stamp_pad = gst_element_get_static_pad (vcaps, "src");
  gst_pad_add_probe (stamp_pad, GST_PAD_PROBE_TYPE_BUFFER, duet_bench_stamp_probe, NULL, NULL);
  {
    GstElement *rtpcaps = el (peer->pipe, "capsfilter");
    g_autoptr(GstCaps) rtp = gst_caps_from_string ("application/x-rtp,media=video,encoding-name=VP8,payload=96,clock-rate=90000");

    g_object_set (rtpcaps, "caps", rtp, NULL);
    gst_element_link (vpay, rtpcaps);
    link_sink (peer, rtpcaps);
  }

  asrc = el (peer->pipe, "audiotestsrc");
  g_object_set (asrc, "is-live", TRUE, NULL);
  gst_util_set_object_arg (G_OBJECT (asrc), "wave", "ticks");
  aconv = el (peer->pipe, "audioconvert");
  ares = el (peer->pipe, "audioresample");
  aenc = el (peer->pipe, "opusenc");
  apay = el (peer->pipe, "rtpopuspay");
  g_object_set (apay, "pt", 111, NULL);
  gst_element_link_many (asrc, aconv, ares, aenc, apay, NULL);
  {
    GstElement *rtpcaps = el (peer->pipe, "capsfilter");
    g_autoptr(GstCaps) rtp = gst_caps_from_string ("application/x-rtp,media=audio,encoding-name=OPUS,payload=111,clock-rate=48000");

    g_object_set (rtpcaps, "caps", rtp, NULL);
    gst_element_link (apay, rtpcaps);
    link_sink (peer, rtpcaps);
  }

  g_signal_connect (peer->webrtc, "on-ice-candidate", G_CALLBACK (on_ice_candidate), peer);
  g_signal_connect (peer->webrtc, "pad-added", G_CALLBACK (on_pad_added), peer);
  g_signal_connect (peer->webrtc, "notify::connection-state", G_CALLBACK (on_connection_state), peer);
}

/* ---- measuring ---- */

static double cpu_start_s;
static gint64 wall_start_us;

static double
cpu_seconds (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static gboolean
start_window (gpointer data)
{
  cpu_start_s = cpu_seconds ();
  wall_start_us = g_get_monotonic_time ();
  return G_SOURCE_REMOVE;
}

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static gboolean
on_bus (GstBus *bus, GstMessage *msg, gpointer pipe)
{
  /* Sinks added after PLAYING: redistribute the latency, as apps must */
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_LATENCY)
    gst_bin_recalculate_latency (GST_BIN (pipe));
  else if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    {
      g_autoptr(GError) error = NULL;

      gst_message_parse_error (msg, &error, NULL);
      g_printerr ("error: %s\n", error->message);
      g_main_loop_quit (loop);
    }
  return TRUE;
}

static long
vm_hwm_kib (void)
{
  g_autofree char *status = NULL;
  const char *line;

  if (!g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    return -1;
  line = strstr (status, "VmHWM:");
  return line ? strtol (line + 6, NULL, 10) : -1;
}

static int
cmp64 (gconstpointer x, gconstpointer y)
{
  gint64 p = *(const gint64 *) x, q = *(const gint64 *) y;

  return p < q ? -1 : p > q;
}

static double
pct (GArray *sorted, double p)
{
  guint rank = (guint) MAX (1.0, (p / 100.0) * sorted->len + 0.999999);

  return sorted->len ? g_array_index (sorted, gint64, MIN (rank, sorted->len) - 1) / 1000.0 : -1;
}

static double
ms_since (gint64 from, gint64 to)
{
  return from && to ? (to - from) / 1000.0 : -1;
}

int
main (int argc, char **argv)
{
  g_autofree char *size = NULL;
  g_autoptr(GOptionContext) ctx = g_option_context_new ("");
  g_autoptr(GError) error = NULL;
  int opt_fps = 0, opt_seconds = 0;
  GOptionEntry entries[] = {
    { "size", 0, 0, G_OPTION_ARG_STRING, &size, "Video size", "WxH" },
    { "fps", 0, 0, G_OPTION_ARG_INT, &opt_fps, "Frame rate", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &opt_seconds, "Measuring window after connected + 2 s warm-up", "S" },
    { "duet", 0, 0, G_OPTION_ARG_NONE, &duet_settings, "Duet's media settings instead of the defaults", NULL },
    { NULL }
  };
  double cpu_s, wall_s;
  GArray *sorted;

  gst_init (&argc, &argv);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return (g_printerr ("%s\n", error->message), 2);
  if (size && sscanf (size, "%ux%u", &width, &height) != 2)
    return (g_printerr ("bad --size\n"), 2);
  if (opt_fps > 0)
    fps = opt_fps;
  if (opt_seconds > 0)
    seconds = opt_seconds;

  latency_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  loop = g_main_loop_new (NULL, FALSE);
  a.other = &b;
  b.other = &a;
  build (&a);
  build (&b);
  g_signal_connect (a.webrtc, "on-negotiation-needed", G_CALLBACK (on_negotiation_needed), NULL);
  gst_bus_add_watch (GST_ELEMENT_BUS (a.pipe), on_bus, a.pipe);
  gst_bus_add_watch (GST_ELEMENT_BUS (b.pipe), on_bus, b.pipe);

  gst_element_set_state (b.pipe, GST_STATE_PLAYING);
  gst_element_set_state (a.pipe, GST_STATE_PLAYING);

  /* 3 s to connect and warm up, then the measuring window */
  g_timeout_add (3000, start_window, NULL);
  g_timeout_add (3000 + seconds * 1000, quit, NULL);
  g_main_loop_run (loop);

  cpu_s = cpu_seconds () - cpu_start_s;
  wall_s = (g_get_monotonic_time () - wall_start_us) / 1e6;

  g_mutex_lock (&lock);
  sorted = g_array_copy (latency_us);
  g_mutex_unlock (&lock);
  g_array_sort (sorted, cmp64);

  g_print ("{\"size\": \"%ux%u\", \"fps\": %u, \"settings\": \"%s\", \"seconds\": %.1f, "
           "\"offer_to_first_frame_ms\": {\"a\": %.1f, \"b\": %.1f}, "
           "\"answer_to_first_frame_ms\": {\"a\": %.1f, \"b\": %.1f}, "
           "\"answer_to_first_audio_ms\": {\"a\": %.1f, \"b\": %.1f}, "
           "\"answer_to_connected_ms\": {\"a\": %.1f, \"b\": %.1f}, "
           "\"offer_to_answer_ms\": %.1f, "
           "\"latency_n\": %u, \"latency_unreadable\": %u, \"latency_p50_ms\": %.1f, \"latency_p95_ms\": %.1f, "
           "\"cpu_pct_process\": %.1f, \"vm_hwm_kib\": %ld}\n",
           width, height, fps, duet_settings ? "duet" : "defaults", wall_s,
           ms_since (offer_us, a.first_frame_us), ms_since (offer_us, b.first_frame_us),
           ms_since (answer_us, a.first_frame_us), ms_since (answer_us, b.first_frame_us),
           ms_since (answer_us, a.first_audio_us), ms_since (answer_us, b.first_audio_us),
           ms_since (answer_us, a.connected_us), ms_since (answer_us, b.connected_us),
           ms_since (offer_us, answer_us),
           sorted->len, unreadable, pct (sorted, 50), pct (sorted, 95),
           100.0 * cpu_s / wall_s, vm_hwm_kib ());

  gst_element_set_state (a.pipe, GST_STATE_NULL);
  gst_element_set_state (b.pipe, GST_STATE_NULL);
  return 0;
}
