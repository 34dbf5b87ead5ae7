/* duet-media-session.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Send:    camera ! convert/scale/rate ! caps ! tee ─ queue ! valve ! vp8enc ! rtpvp8pay ─┐
 *                                              └─ my views                              webrtcbin
 *          mic ! convert ! webrtcdsp ! level ! volume ! valve ! opusenc ! rtpopuspay ─────┘
 * Receive: webrtcbin ! rtpvp8depay ! vp8dec ! videoconvert ! tee ─ peer views
 *          webrtcbin ! rtpopusdepay ! opusdec ! audioconvert ! webrtcechoprobe ! sink
 *
 * The valves are the privacy gate: they drop everything before the
 * encoders until the call is accepted, so ICE and DTLS can finish while
 * ringing without a frame of camera or microphone leaving the device.
 * Both transceivers are always negotiated; an audio call gains video by
 * opening the video valve, which needs no renegotiation.
 *
 * webrtcbin emits from its own threads; everything that reaches the
 * owner is marshalled to the main context the session was created in.
 */
#define G_LOG_DOMAIN "DuetMediaSession"

#define GST_USE_UNSTABLE_API
#include <stdio.h>
#include <string.h>

#include <gst/rtp/gstrtpbuffer.h>
#include <gst/sdp/sdp.h>
#include <gst/video/video.h>
#include <gst/webrtc/webrtc.h>
#include <nice/agent.h>
#include <nice/interfaces.h>

#include "duet-bench-stamp.h"
#include "duet-device-monitor-private.h"
#include "duet-device-slot.h"
#include "duet-kit-enum-types.h"
#include "duet-kit-error.h"
#include "duet-media-session.h"
#include "duet-media-settings-private.h"
#include "duet-messages.h"
#include "duet-protocol.h"
#include "duet-rate-controller.h"
#include "duet-stream-monitor.h"

#define N_DEVICE_KINDS 3
#define DEVICE_RETRIES 3          /* a failed device is opened again after 50, 200 and 800 ms */
#define DEVICE_RETRY_MS 50
#define RESTAMP_MS 200            /* device times further off than this are not running time */
#define VP8_CPU_USED 12
#define VIDEO_PT 96
#define AUDIO_PT 111
/* Transport-wide congestion control feedback: the one header extension
 * webrtcbin 1.22 both writes and reports on. Id 1 because 1.22.0's
 * rtpredenc writes it under id 1 whatever was negotiated. */
#define TWCC_URI "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
#define TWCC_ID 1
#define HEARTBEAT_MS 1000
#define DEFAULT_LIVENESS_TIMEOUT_MS 2500
#define FLUSH_MAX_MS 500
#define REPORT_MS 500             /* receiver reports, and the controller's pace */
#define LOSS_WINDOW 4             /* reports the loss shown to users covers */
#define AUDIO_SHARE_KBPS 50       /* Opus at 32 kbit/s and its packets' headers */
#define MIN_TOTAL_KBPS 80
#define START_VIDEO_KBPS 350
#define JB_MIN_MS 20              /* the receive jitter buffer on a clean link */
#define JB_MAX_MS 600
#define JB_MARGIN_MS 10
#define KEYFRAME_GAP_MIN_MS 500   /* keyframe requests closer than this (or 2 RTT) merge */
#define KEYFRAME_GAP_MAX_MS 4000
#define RTCP_MIN_INTERVAL_MS 100
#define RTCP_BITS_PER_S 32000     /* RTCP's budget (the docs say bytes; rtpstats counts bits) */
#define VIEW_DEADLINE_MS 5
#define PACE_FACTOR 1.5
#define PACE_MIN_KBPS 150
#define PACE_BURST_US (20 * G_TIME_SPAN_MILLISECOND)
#define PACE_MAX_WAIT_US (200 * G_TIME_SPAN_MILLISECOND)

typedef struct
{
  GstElement *sink;
  GstElement *bin;
  GstPad     *tee_pad;
  GstElement *tee;
} View;

struct _DuetMediaSession
{
  GObject           parent_instance;

  gboolean          offerer;
  /* From DuetMediaSettings at creation (see apply_settings) */
  gboolean          test_sources;
  gboolean          fake_audio_sink;
  gboolean          echo_cancel;
  char             *device_ids[N_DEVICE_KINDS];   /* chosen; NULL for the desktop's default */
  guint             width, height, fps;
  guint             latency_ms;
  guint             liveness_timeout_ms;
  guint             level_interval_ms;
  guint             video_bitrate;
  GStrv             ice_servers;          /* webrtcbin's URI form */
  gboolean          relay_only;
  char             *test_pattern;         /* "ball" or "motion" */
  /* Round-2 quality features; the settings turn them off for the
   * benchmarks' baseline (DUET_MEDIA_BASELINE) */
  gboolean          congestion_control;
  gboolean          loss_recovery;
  gboolean          adaptive_latency;
  gboolean          trace_quality;        /* DUET_TRACE_QUALITY=1: a line per report on stderr */

  GMainContext     *context;
  GstElement       *pipeline;
  GstElement       *webrtc;
  /* The devices: each in a slot of the running pipeline, so a new one
   * replaces the old without renegotiation. Sources open at start for the
   * caller and at accept for the callee, so nothing lights a camera or
   * opens a microphone while a call only rings. */
  DuetDeviceSlot   *slots[N_DEVICE_KINDS];
  char             *used_ids[N_DEVICE_KINDS];     /* what each slot holds; NULL for a server default */
  DuetDeviceProblem problems[N_DEVICE_KINDS];
  gboolean          failed[N_DEVICE_KINDS];       /* the device errored: retried a few times, then not until the list changes */
  guint             retries[N_DEVICE_KINDS];
  guint             retry_sources[N_DEVICE_KINDS];
  gboolean          devices_open;
  gulong            list_handlers[N_DEVICE_KINDS];
  gulong            access_handler;
  gboolean          asked_camera;         /* the Camera portal, this session */
  GstElement       *video_pay;
  GstElement       *video_rtp_caps;
  GstElement       *audio_pay;
  GstElement       *audio_rtp_caps;
  GstElement       *video_enc;
  GstElement       *video_enc_caps;       /* the size step */
  GstElement       *opus_enc;
  gint              audio_pt;             /* atomic: tells the jitter buffers apart */
  gboolean          camera_active;
  GstElement       *video_valve;
  GstElement       *audio_valve;
  gboolean          audio_sending;
  GstElement       *mute;
  GstElement       *my_tee;
  GstElement       *peer_tee;
  GstElement       *audio_out;   /* head of the playback chain */
  GstWebRTCDataChannel *channel;
  GPtrArray        *my_views;
  GPtrArray        *peer_views;

  gboolean          opened;
  gboolean          video_sending;
  gboolean          stopped;
  gboolean          path_up;              /* the peer was heard lately */
  gboolean          path_lost_told;       /* path-lost emitted since it was last up */
  guint             heartbeat_source;
  guint             liveness_source;
  guint             flush_source;
  gint64            flush_deadline;
  gint64            last_peer_activity;   /* atomic, monotonic µs */
  gint              peer_heard;           /* atomic: anything came from the peer */

  /* atomics, read by get_stats */
  guint64           video_frames_decoded;
  guint64           audio_buffers_decoded;
  guint64           video_frames_sent;
  guint64           audio_buffers_sent;
  guint64           rx_bytes;
  guint64           tx_bytes;
  gint64            first_video_frame_us;   /* monotonic, 0 = none yet */
  gint64            first_audio_buffer_us;
  guint64           audio_concealed;
  guint64           keyframe_requests;
  guint64           keyframes_sent;
  gint64            last_keyframe_us;       /* the encoder thread's */
  gint64            keyframe_gap_us;
  gint              congested;              /* atomic: the controller cut lately */
  gint              rtt_ms;                 /* atomic: the keyframe probe reads it */
  gint64            frame_gap_us;           /* atomic: the frame rate step, 0: every frame */
  gint64            next_frame_pts;         /* the send thread's own */
  gint64            pace_bps;               /* atomic; 0: no pacing */
  gint64            pace_next_us;           /* the send thread's own */
  gint              pacing;                 /* atomic: the peer has reported once */

  /* The receive side, written from streaming threads under rx_lock */
  GMutex            rx_lock;
  GPtrArray        *jitterbuffers;
  DuetStreamMonitor *video_monitor;
  DuetStreamMonitor *audio_monitor;
  GstPad           *decoder_src;
  gboolean          peer_video_expected;
  gint64            last_frame_us;
  double            frame_interval_us;
  guint             freeze_count;
  guint             long_freeze_count;

  /* Network quality, on the owner's thread */
  DuetRateController *controller;
  DuetVideoLayer    full_layer;
  DuetVideoLayer    layer;
  guint             video_target_kbps;
  guint             report_source;
  gint64            report_seq;
  gboolean          have_peer_ts;
  gint64            peer_ts_ms;
  gint64            peer_ts_at_us;
  double            tx_loss;
  DuetNetworkQuality quality;
  DuetNetworkQuality peer_quality;
  guint             jb_latency_ms;
  gint64            last_spread_ms;
  gint64            jb_raised_us;
  DuetStreamSample  video_sample;
  DuetStreamSample  audio_sample;
  DuetNetworkQuality last_raw_quality;
  guint64           loss_expected[LOSS_WINDOW];   /* the last reports', all streams */
  guint64           loss_lost[LOSS_WINDOW];
  guint             loss_slot;
  double            rx_loss;
  guint             long_freeze_seen;
  guint             rx_kbps, tx_kbps, rx_fps, tx_fps;
  guint             best_rx_fps;
  guint64           last_frames_decoded, last_frames_sent, last_rx_bytes, last_tx_bytes;
  gint64            last_report_us;

  /* ICE, written from webrtcbin's and libnice's threads */
  gboolean          has_turn;
  gint              relay_gathered;         /* atomic */
  gint              turn_warned;            /* atomic */
  GMutex            ice_lock;
  GHashTable       *candidate_types;        /* "l:"/"r:" + foundation → interned type */
  const char       *local_type;             /* atomic, interned; NULL: no pair yet */
  const char       *remote_type;
};

G_DEFINE_FINAL_TYPE (DuetMediaSession, duet_media_session, G_TYPE_OBJECT)

enum {
  LOCAL_DESCRIPTION,
  LOCAL_CANDIDATE,
  CONTROL_MESSAGE,
  PATH_UP,
  PATH_LOST,
  VOLUME,
  DEVICE_WARNING,
  DEVICE_PROBLEM,
  MEDIA_ERROR,
  NETWORK_WARNING,
  NETWORK_QUALITY,
  MEDIA_REJECTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const char *remember_candidate (DuetMediaSession *self,
                                       const char       *prefix,
                                       const char       *candidate);
static gboolean take_receiver_report (DuetMediaSession *self,
                                      JsonObject       *message);

/* ---- marshalling to the owner's context ---- */

typedef struct
{
  DuetMediaSession *self;
  guint             signal_id;
  char             *text1;
  char             *text2;
  guint             number;
  JsonObject       *object;
} Deferred;

static void
deferred_free (gpointer data)
{
  Deferred *d = data;

  g_object_unref (d->self);
  g_free (d->text1);
  g_free (d->text2);
  g_clear_pointer (&d->object, json_object_unref);
  g_free (d);
}

static gboolean
deferred_emit (gpointer data)
{
  Deferred *d = data;

  if (d->self->stopped)
    return G_SOURCE_REMOVE;

  switch (d->signal_id)
    {
    case LOCAL_DESCRIPTION:
      g_signal_emit (d->self, signals[LOCAL_DESCRIPTION], 0, d->text1, d->text2);
      break;
    case LOCAL_CANDIDATE:
      g_signal_emit (d->self, signals[LOCAL_CANDIDATE], 0, d->number, d->text1);
      break;
    case CONTROL_MESSAGE:
      g_signal_emit (d->self, signals[CONTROL_MESSAGE], 0, d->object);
      break;
    case MEDIA_ERROR:
      g_signal_emit (d->self, signals[MEDIA_ERROR], 0, d->text1);
      break;
    case NETWORK_WARNING:
      g_signal_emit (d->self, signals[NETWORK_WARNING], 0, d->text1);
      break;
    case MEDIA_REJECTED:
      g_signal_emit (d->self, signals[MEDIA_REJECTED], 0, d->text1, d->text2);
      break;
    default:
      g_assert_not_reached ();
    }
  return G_SOURCE_REMOVE;
}

static void
defer (DuetMediaSession *self,
       guint             signal_id,
       const char       *text1,
       const char       *text2,
       guint             number,
       JsonObject       *object)
{
  Deferred *d = g_new0 (Deferred, 1);

  d->self = g_object_ref (self);
  d->signal_id = signal_id;
  d->text1 = g_strdup (text1);
  d->text2 = g_strdup (text2);
  d->number = number;
  d->object = object ? json_object_ref (object) : NULL;
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, deferred_emit, d, deferred_free);
}

static void
touch_peer_activity (DuetMediaSession *self)
{
  __atomic_store_n (&self->last_peer_activity, g_get_monotonic_time (), __ATOMIC_RELAXED);
}

/* RTP or a data channel message arrived from the peer */
static void
peer_heard_from (DuetMediaSession *self)
{
  g_atomic_int_set (&self->peer_heard, TRUE);
  touch_peer_activity (self);
}

static gint64
peer_idle_ms (DuetMediaSession *self)
{
  gint64 last = __atomic_load_n (&self->last_peer_activity, __ATOMIC_RELAXED);

  return (g_get_monotonic_time () - last) / 1000;
}

/* ---- counting probes ---- */

static GstPadProbeReturn
count_probe (GstPad          *pad,
             GstPadProbeInfo *info,
             gpointer         counter)
{
  __atomic_fetch_add ((guint64 *) counter, 1, __ATOMIC_RELAXED);
  return GST_PAD_PROBE_OK;
}

static void
add_counter (GstElement *element,
             const char *pad_name,
             guint64    *counter)
{
  g_autoptr(GstPad) pad = gst_element_get_static_pad (element, pad_name);

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, count_probe, counter, NULL);
}

static gboolean
count_list_bytes (GstBuffer **buffer,
                  guint       index,
                  gpointer    counter)
{
  __atomic_fetch_add ((guint64 *) counter, gst_buffer_get_size (*buffer), __ATOMIC_RELAXED);
  return TRUE;
}

/* Payloaders push lists (a frame's packets at once) as well as buffers */
static GstPadProbeReturn
tx_bytes_probe (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         user_data)
{
  DuetMediaSession *self = user_data;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), count_list_bytes, &self->tx_bytes);
  else
    __atomic_fetch_add (&self->tx_bytes, gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)), __ATOMIC_RELAXED);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
rx_probe (GstPad          *pad,
          GstPadProbeInfo *info,
          gpointer         user_data)
{
  DuetMediaSession *self = user_data;

  __atomic_fetch_add (&self->rx_bytes, gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info)), __ATOMIC_RELAXED);
  peer_heard_from (self);
  return GST_PAD_PROBE_OK;
}

/* The first decoded buffer's monotonic time, for setup benchmarks */
static GstPadProbeReturn
first_buffer_probe (GstPad          *pad,
                    GstPadProbeInfo *info,
                    gpointer         when)
{
  gint64 expected = 0;

  __atomic_compare_exchange_n ((gint64 *) when, &expected, g_get_monotonic_time (), FALSE,
                               __ATOMIC_RELAXED, __ATOMIC_RELAXED);
  return GST_PAD_PROBE_REMOVE;
}

static void
add_first_buffer_probe (GstElement *element,
                        gint64     *when)
{
  g_autoptr(GstPad) pad = gst_element_get_static_pad (element, "src");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, first_buffer_probe, when, NULL);
}

/* ---- building the pipeline ---- */

static GstElement *
make (const char *factory,
      const char *name)
{
  GstElement *element = gst_element_factory_make (factory, name);

  if (element == NULL)
    g_warning ("Missing GStreamer element “%s”", factory);
  return element;
}

static GstElement *
make_test_source (DuetMediaSession *self,
                  gboolean          video)
{
  GstElement *source = make (video ? "videotestsrc" : "audiotestsrc", NULL);

  g_object_set (source, "is-live", TRUE, NULL);
  if (!video)
    gst_util_set_object_arg (G_OBJECT (source), "wave", "ticks");
  else if (g_strcmp0 (self->test_pattern, "motion") == 0)
    {
      /* Moving rings with fine detail: like a camera picture, it needs over
       * 1 Mbit/s of VP8 at VGA (the ball needs ~0.1), so a thin link bites */
      gst_util_set_object_arg (G_OBJECT (source), "pattern", "zone-plate");
      g_object_set (source, "kx2", 20, "ky2", 20, "kt", 1, NULL);
    }
  else
    gst_util_set_object_arg (G_OBJECT (source), "pattern", "ball");
  return source;
}

static GstElement *
make_fake_sink (void)
{
  GstElement *sink = make ("fakesink", NULL);

  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  return sink;
}

/* What a slot should hold now: nothing (a callee's sources while ringing,
 * the camera while video is off), a test source when asked for, or the
 * chosen device, else the default one. Tests and headless runs without a
 * sound server play into a fake sink. */
static GstElement *
make_device (DuetMediaSession   *self,
             DuetDeviceKind      kind,
             char              **used_id,
             DuetDeviceProblem  *problem)
{
  DuetDeviceMonitor *monitor;
  gboolean wanted = kind == DUET_DEVICE_KIND_SPEAKER ||
                    (self->devices_open && (kind != DUET_DEVICE_KIND_CAMERA || self->camera_active));

  *used_id = NULL;
  *problem = DUET_DEVICE_PROBLEM_NONE;
  if (!wanted)
    return NULL;
  if (kind == DUET_DEVICE_KIND_SPEAKER && (self->test_sources || self->fake_audio_sink))
    return make_fake_sink ();
  if (self->test_sources)
    return make_test_source (self, kind == DUET_DEVICE_KIND_CAMERA);
  if (self->failed[kind])
    {
      *problem = DUET_DEVICE_PROBLEM_FAILED;
      return NULL;
    }

  monitor = duet_device_monitor_get_default ();
  if (kind == DUET_DEVICE_KIND_CAMERA && duet_device_monitor_get_uses_portal (monitor))
    {
      /* once a call: after a refusal the next call asks again (the user
       * may have allowed the camera in Settings meanwhile), never in a loop */
      if (!self->asked_camera)
        {
          self->asked_camera = TRUE;
          duet_device_monitor_request_camera_access (monitor);
        }
      /* the portal is asking: the camera comes with its answer */
      if (duet_device_monitor_get_camera_access (monitor) == DUET_CAMERA_ACCESS_REQUESTING)
        return NULL;
    }
  {
    GstElement *element = duet_device_monitor_create_element (monitor, kind, self->device_ids[kind],
                                                              used_id, problem);
    /* pipewiresrc lends PipeWire's own buffers, which go back to the
     * device while the echo canceller's adapter still holds them */
    if (element != NULL && kind == DUET_DEVICE_KIND_MICROPHONE &&
        g_object_class_find_property (G_OBJECT_GET_CLASS (element), "always-copy") != NULL)
      g_object_set (element, "always-copy", TRUE, NULL);

    /* without speakers the call still goes on, in silence; "" tells this
     * sink from the sound server's default (NULL), so speakers that come
     * later replace it */
    if (element == NULL && kind == DUET_DEVICE_KIND_SPEAKER)
      {
        *used_id = g_strdup ("");
        return make_fake_sink ();
      }
    return element;
  }
}

static void
set_problem (DuetMediaSession  *self,
             DuetDeviceKind     kind,
             DuetDeviceProblem  problem)
{
  if (self->problems[kind] == problem)
    return;
  self->problems[kind] = problem;
  g_signal_emit (self, signals[DEVICE_PROBLEM], 0, kind, problem);
}

/* Puts the right device in @kind's slot, unless it is there already */
static void
update_device (DuetMediaSession *self,
               DuetDeviceKind    kind)
{
  g_autofree char *used_id = NULL;
  DuetDeviceProblem problem;
  GstElement *element;

  if (self->slots[kind] == NULL || self->stopped)
    return;
  element = make_device (self, kind, &used_id, &problem);
  if (element != NULL && !duet_device_slot_is_empty (self->slots[kind]) && !self->test_sources &&
      g_strcmp0 (used_id, self->used_ids[kind]) == 0)
    {
      /* the same device (or the same server default) */
      gst_object_unref (gst_object_ref_sink (element));
      set_problem (self, kind, problem);
      return;
    }
  if (element == NULL && duet_device_slot_is_empty (self->slots[kind]))
    {
      set_problem (self, kind, problem);
      return;
    }
  if (element != NULL && self->test_sources && !duet_device_slot_is_empty (self->slots[kind]))
    {
      gst_object_unref (gst_object_ref_sink (element));
      return;
    }

  g_debug ("%s: %s", kind == DUET_DEVICE_KIND_CAMERA ? "camera" : kind == DUET_DEVICE_KIND_MICROPHONE
                     ? "microphone" : "speaker", element == NULL ? "none" : used_id ? used_id : "default");
  g_free (self->used_ids[kind]);
  self->used_ids[kind] = g_steal_pointer (&used_id);
  duet_device_slot_set (self->slots[kind], element);
  set_problem (self, kind, problem);
}

static void
update_devices (DuetMediaSession *self)
{
  for (int kind = 0; kind < N_DEVICE_KINDS; kind++)
    update_device (self, kind);
}

typedef struct
{
  DuetMediaSession *self;
  DuetDeviceKind    kind;
} Retry;

static gboolean
retry_device_cb (gpointer data)
{
  Retry *retry = data;

  retry->self->retry_sources[retry->kind] = 0;
  retry->self->failed[retry->kind] = FALSE;
  update_device (retry->self, retry->kind);
  return G_SOURCE_REMOVE;
}

static void
forget_failures (DuetMediaSession *self,
                 DuetDeviceKind    kind)
{
  self->failed[kind] = FALSE;
  self->retries[kind] = 0;
  g_clear_handle_id (&self->retry_sources[kind], g_source_remove);
}

/* A device came or went: a failed or missing one may be back, a chosen one
 * may be gone (then the default one takes over) */
static void
on_devices_items_changed (GListModel       *list,
                          guint             position,
                          guint             removed,
                          guint             added,
                          DuetMediaSession *self)
{
  for (int kind = 0; kind < N_DEVICE_KINDS; kind++)
    if (list == duet_device_monitor_get_devices (duet_device_monitor_get_default (), kind))
      {
        forget_failures (self, kind);
        update_device (self, kind);
      }
}

static void
on_monitor_notify_camera_access (DuetDeviceMonitor *monitor,
                                 GParamSpec        *pspec,
                                 DuetMediaSession  *self)
{
  update_device (self, DUET_DEVICE_KIND_CAMERA);
}

static void
watch_devices (DuetMediaSession *self)
{
  DuetDeviceMonitor *monitor;

  if (self->test_sources)
    return;
  monitor = duet_device_monitor_get_default ();
  for (int kind = 0; kind < N_DEVICE_KINDS; kind++)
    self->list_handlers[kind] = g_signal_connect (duet_device_monitor_get_devices (monitor, kind), "items-changed",
                                                  G_CALLBACK (on_devices_items_changed), self);
  self->access_handler = g_signal_connect (monitor, "notify::camera-access",
                                           G_CALLBACK (on_monitor_notify_camera_access), self);
}

static void
unwatch_devices (DuetMediaSession *self)
{
  DuetDeviceMonitor *monitor;

  if (self->access_handler == 0)
    return;
  monitor = duet_device_monitor_get_default ();
  for (int kind = 0; kind < N_DEVICE_KINDS; kind++)
    g_clear_signal_handler (&self->list_handlers[kind], duet_device_monitor_get_devices (monitor, kind));
  g_clear_signal_handler (&self->access_handler, monitor);
}

/* A device's element failed (unplugged, taken by another program, or
 * PipeWire found no node for it: pipewiresrc 0.3.65 reconnects once it
 * knows its format, and the session manager may answer that second
 * connection with "no node available" while it undoes the first): the call
 * goes on without it, tries it again soon and a few times more, then waits
 * for the device list to change */
static gboolean
handle_device_error (DuetMediaSession *self,
                     GstObject        *source,
                     const GError     *error)
{
  for (int kind = 0; kind < N_DEVICE_KINDS; kind++)
    if (self->slots[kind] != NULL && duet_device_slot_contains (self->slots[kind], source))
      {
        g_message ("The %s failed: %s", kind == DUET_DEVICE_KIND_CAMERA ? "camera"
                   : kind == DUET_DEVICE_KIND_MICROPHONE ? "microphone" : "speaker", error->message);
        self->failed[kind] = TRUE;
        update_device (self, kind);
        if (self->retries[kind] < DEVICE_RETRIES && self->retry_sources[kind] == 0)
          {
            Retry *retry = g_new (Retry, 1);

            *retry = (Retry) { self, kind };
            self->retry_sources[kind] = g_timeout_add_full (G_PRIORITY_DEFAULT,
                                                            DEVICE_RETRY_MS << (2 * self->retries[kind]++),
                                                            retry_device_cb, retry, g_free);
          }
        return TRUE;
      }
  return FALSE;
}

/* A device's streaming thread: its buffers' times must be the pipeline's
 * running time, as the rate probe, the converters and the payloaders' RTP
 * clock read them. Some devices send none (after the first), or times of
 * their own clock; those get the time they arrive. Times within
 * RESTAMP_MS of it are kept: a device's own capture times are regular,
 * arrival times jitter (and videorate then drops and repeats frames). */
static GstPadProbeReturn
restamp_probe (GstPad          *pad,
               GstPadProbeInfo *info,
               gpointer         user_data)
{
  DuetMediaSession *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  g_autoptr(GstClock) clock = gst_element_get_clock (self->pipeline);
  GstClockTime now, pts = GST_BUFFER_PTS (buffer);

  if (clock == NULL)
    return GST_PAD_PROBE_OK;
  now = gst_clock_get_time (clock) - gst_element_get_base_time (self->pipeline);
  if (GST_CLOCK_TIME_IS_VALID (pts) && GST_CLOCK_DIFF (pts, now) < RESTAMP_MS * GST_MSECOND &&
      GST_CLOCK_DIFF (now, pts) < RESTAMP_MS * GST_MSECOND)
    return GST_PAD_PROBE_OK;
  buffer = gst_buffer_make_writable (buffer);
  GST_BUFFER_PTS (buffer) = now;
  GST_BUFFER_DTS (buffer) = GST_CLOCK_TIME_NONE;
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  return GST_PAD_PROBE_OK;
}

/* The slot for @kind's device, next to @neighbour: before it for a source */
static void
make_slot (DuetMediaSession *self,
           DuetDeviceKind    kind,
           GstElement       *neighbour,
           gboolean          source)
{
  g_autoptr(GstPad) pad = gst_element_get_static_pad (neighbour, source ? "sink" : "src");

  self->slots[kind] = duet_device_slot_new (GST_BIN (self->pipeline), pad, source);
  if (source)
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, restamp_probe, self, NULL);
}

static void
link_to_webrtc (DuetMediaSession *self,
                GstElement       *last,
                gboolean          video)
{
  g_autoptr(GstPad) src = gst_element_get_static_pad (last, "src");
  g_autoptr(GstPad) sink = gst_element_request_pad_simple (self->webrtc, "sink_%u");
  g_autoptr(GstWebRTCRTPTransceiver) transceiver = NULL;

  if (gst_pad_link (src, sink) != GST_PAD_LINK_OK)
    g_warning ("Cannot link %s to webrtcbin", GST_ELEMENT_NAME (last));

  /* NACK + RTX for video only: webrtcbin 1.22 picks RTX payload types per
   * m-line, so audio RTX could collide with video's in the bundle. No
   * ULPFEC: between two 1.22 peers, raising its share mid-call made the
   * receiver see gaps in the video, report them as loss, and get more FEC
   * and less bitrate for it (call-audio-gains-video froze one run in
   * three). Opus has its own in-band FEC. */
  g_object_get (sink, "transceiver", &transceiver, NULL);
  if (transceiver != NULL && video && self->loss_recovery)
    g_object_set (transceiver, "do-nack", TRUE, NULL);
}

/* The encoder's thread, upstream: the peer's PLI or FIR. On a lossy link
 * every loss can ask for a keyframe, and each keyframe is several times a
 * frame's size; so requests closer together than the round trip (or the
 * current gap) merge into one, which answers them all. On a congested
 * link a request soon after a keyframe means that keyframe was lost too,
 * in the queue it overflowed: sending more of them sooner only loses
 * more, so there the gap doubles (up to KEYFRAME_GAP_MAX_MS) and relaxes
 * once requests stop. Random loss keeps the short gap. */
static GstPadProbeReturn
keyframe_request_probe (GstPad          *pad,
                        GstPadProbeInfo *info,
                        gpointer         user_data)
{
  DuetMediaSession *self = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  gint64 now = g_get_monotonic_time ();
  gint64 rtt_gap = 2 * g_atomic_int_get (&self->rtt_ms) * G_TIME_SPAN_MILLISECOND;
  gint64 since;

  if (!gst_video_event_is_force_key_unit (event))
    return GST_PAD_PROBE_OK;
  __atomic_fetch_add (&self->keyframe_requests, 1, __ATOMIC_RELAXED);
  if (!self->loss_recovery)
    return GST_PAD_PROBE_OK;

  /* only this thread touches the gap */
  since = self->last_keyframe_us ? now - self->last_keyframe_us : G_MAXINT64;
  if (since < MAX (self->keyframe_gap_us, rtt_gap))
    return GST_PAD_PROBE_DROP;
  if (g_atomic_int_get (&self->congested) && since < 2 * MAX (self->keyframe_gap_us, rtt_gap) + G_USEC_PER_SEC)
    self->keyframe_gap_us = MIN (self->keyframe_gap_us * 2, KEYFRAME_GAP_MAX_MS * G_TIME_SPAN_MILLISECOND);
  else
    self->keyframe_gap_us = KEYFRAME_GAP_MIN_MS * G_TIME_SPAN_MILLISECOND;
  self->last_keyframe_us = now;
  __atomic_fetch_add (&self->keyframes_sent, 1, __ATOMIC_RELAXED);
  return GST_PAD_PROBE_OK;
}

/* The send thread, after the payloader: a token bucket that lets video
 * packets out at PACE_FACTOR × the video target. The link's queue sees a
 * keyframe arrive over a few hundred milliseconds instead of at once, and
 * a thin link's small queue does not overflow and lose it. Until the peer
 * first reports, nothing is known of the link and the first keyframe goes
 * out at once, for a fast start on the links most calls have. Waiting here
 * holds the encoder's thread, and the leaky queue before it drops camera
 * frames meanwhile, as a real-time sender should. */
static GstPadProbeReturn
pacer_probe (GstPad          *pad,
             GstPadProbeInfo *info,
             gpointer         user_data)
{
  DuetMediaSession *self = user_data;
  gint64 bps = __atomic_load_n (&self->pace_bps, __ATOMIC_RELAXED);
  gsize size = gst_buffer_get_size (GST_PAD_PROBE_INFO_BUFFER (info));
  gint64 now = g_get_monotonic_time ();
  gint64 wait;

  if (bps <= 0 || !g_atomic_int_get (&self->pacing))
    return GST_PAD_PROBE_OK;
  /* the bucket's level in µs of sending: at most PACE_BURST_US ahead */
  self->pace_next_us = MAX (self->pace_next_us, now - PACE_BURST_US);
  wait = MIN (self->pace_next_us - now, PACE_MAX_WAIT_US);
  if (wait > 0)
    g_usleep (wait);
  self->pace_next_us += (gint64) size * 8 * G_USEC_PER_SEC / bps;
  return GST_PAD_PROBE_OK;
}

/* The send thread: the frame rate step drops frames here, before the
 * encoder, without videorate's one frame of added latency */
static GstPadProbeReturn
frame_rate_probe (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         user_data)
{
  DuetMediaSession *self = user_data;
  GstClockTime pts = GST_BUFFER_PTS (GST_PAD_PROBE_INFO_BUFFER (info));
  gint64 gap_us = __atomic_load_n (&self->frame_gap_us, __ATOMIC_RELAXED);
  gint64 pts_us;

  if (gap_us == 0 || !GST_CLOCK_TIME_IS_VALID (pts))
    return GST_PAD_PROBE_OK;
  pts_us = (gint64) (pts / GST_USECOND);
  /* a quarter frame of slack for capture timing */
  if (pts_us + gap_us / 4 < self->next_frame_pts)
    return GST_PAD_PROBE_DROP;
  self->next_frame_pts = MAX (self->next_frame_pts + gap_us, pts_us);
  return GST_PAD_PROBE_OK;
}

static GstCaps *
layer_caps (const DuetVideoLayer *layer)
{
  return gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT, layer->width,
                              "height", G_TYPE_INT, layer->height,
                              "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
}

static void
add_probe (GstElement         *element,
           const char         *pad_name,
           GstPadProbeType     type,
           GstPadProbeCallback callback,
           gpointer            data)
{
  g_autoptr(GstPad) pad = gst_element_get_static_pad (element, pad_name);

  gst_pad_add_probe (pad, type, callback, data, NULL);
}

static gboolean
build_video_send (DuetMediaSession *self,
                  GError          **error)
{
  g_autoptr(GstCaps) raw = NULL;
  g_autoptr(GstCaps) rtp = NULL;
  g_autoptr(GstCaps) sized = NULL;
  GstElement *convert = make ("videoconvert", NULL);
  GstElement *scale = make ("videoscale", NULL);
  GstElement *rate = make ("videorate", NULL);
  GstElement *caps = make ("capsfilter", NULL);
  GstElement *queue = make ("queue", NULL);
  GstElement *enc_scale = make ("videoscale", NULL);
  GstElement *enc_caps = make ("capsfilter", NULL);
  GstElement *enc = make ("vp8enc", NULL);
  GstElement *pay = make ("rtpvp8pay", NULL);
  GstElement *rtp_caps = make ("capsfilter", NULL);
  /* identity has no list function, so the payloader's lists reach the
   * pacer one packet at a time */
  GstElement *pacer = make ("identity", NULL);

  self->my_tee = make ("tee", NULL);
  self->video_valve = make ("valve", NULL);
  if (!convert || !scale || !rate || !caps || !queue || !enc_scale || !enc_caps || !enc ||
      !pay || !rtp_caps || !pacer || !self->my_tee || !self->video_valve)
    {
      g_set_error_literal (error, DUET_KIT_ERROR, DUET_KIT_ERROR_MEDIA, "Missing video elements");
      return FALSE;
    }

  raw = gst_caps_new_simple ("video/x-raw", "width", G_TYPE_INT, self->width,
                             "height", G_TYPE_INT, self->height,
                             "framerate", GST_TYPE_FRACTION, self->fps, 1, NULL);
  g_object_set (caps, "caps", raw, NULL);
  /* A camera that joins a playing pipeline (the callee's at accept, a
   * switch, a replug) starts at its first frame: without this, videorate
   * fills the time since the segment began with copies of that frame, a
   * burst of stale timestamps that the peer's jitter buffer reads as loss */
  g_object_set (rate, "skip-to-first", TRUE, NULL);
  g_object_set (self->my_tee, "allow-not-linked", TRUE, NULL);
  g_object_set (queue, "max-size-buffers", 2, "max-size-bytes", 0, "max-size-time", (guint64) 0, NULL);
  gst_util_set_object_arg (G_OBJECT (queue), "leaky", "downstream");
  g_object_set (self->video_valve, "drop", TRUE, NULL);

  /* The size step the congestion controller picks; full size to start */
  self->full_layer = (DuetVideoLayer) { self->width, self->height, self->fps };
  self->layer = self->full_layer;
  sized = layer_caps (&self->layer);
  g_object_set (enc_caps, "caps", sized, NULL);
  self->video_enc_caps = enc_caps;

  /* Realtime VP8: libvpx's defaults are for offline encoding. cpu-used 12
   * keeps a VGA call within a quarter of a core (docs/benchmarks.md). The
   * target bitrate follows the congestion controller; with it, keyframes
   * come when the peer asks (PLI), not every 10 s: each is a burst a thin
   * link has to queue. */
  g_object_set (enc, "deadline", (gint64) 1, "cpu-used", VP8_CPU_USED, "threads", 1,
                "target-bitrate", self->video_bitrate, "keyframe-max-dist", self->congestion_control ? 3000 : 300,
                "lag-in-frames", 0, NULL);
  gst_util_set_object_arg (G_OBJECT (enc), "end-usage", "cbr");
  gst_util_set_object_arg (G_OBJECT (enc), "error-resilient", "default");
  /* Under congestion control the encoder must hold the rate it is given:
   * libvpx's default 4–6 s rate buffers let a keyframe burst several times
   * over a thin link's rate. These are the values real-time VP8 uses: a
   * 0.5–1 s buffer, 15 % overshoot, keyframes at most 3 frames' budget (no pacer spreads them, so a bigger one overflows a thin link's queue),
   * and frames dropped rather than the buffer overrun. */
  if (self->congestion_control)
    g_object_set (enc, "buffer-size", 1000, "buffer-initial-size", 500, "buffer-optimal-size", 600,
                  "undershoot", 100, "overshoot", 15, "max-intra-bitrate", 300,
                  "dropframe-threshold", 30, NULL);
  self->video_enc = enc;
  g_object_set (pay, "pt", VIDEO_PT, NULL);
  gst_util_set_object_arg (G_OBJECT (pay), "picture-id-mode", "15-bit");

  self->video_pay = pay;
  self->video_rtp_caps = rtp_caps;
  rtp = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "video",
                             "encoding-name", G_TYPE_STRING, "VP8",
                             "payload", G_TYPE_INT, VIDEO_PT, "clock-rate", G_TYPE_INT, 90000,
                             "extmap-" G_STRINGIFY (TWCC_ID), G_TYPE_STRING, TWCC_URI, NULL);
  g_object_set (rtp_caps, "caps", rtp, NULL);

  gst_bin_add_many (GST_BIN (self->pipeline), convert, scale, rate, caps, self->my_tee,
                    queue, self->video_valve, enc_scale, enc_caps, enc, pay, rtp_caps, pacer, NULL);
  if (!gst_element_link_many (convert, scale, rate, caps, self->my_tee, queue,
                              self->video_valve, enc_scale, enc_caps, enc, pay, rtp_caps, pacer, NULL))
    {
      g_set_error_literal (error, DUET_KIT_ERROR, DUET_KIT_ERROR_MEDIA, "Cannot link the video chain");
      return FALSE;
    }

  /* Bench only (DUET_BENCH_STAMP=1): the capture time painted into each frame */
  if (duet_bench_stamp_enabled ())
    add_probe (caps, "src", GST_PAD_PROBE_TYPE_BUFFER, duet_bench_stamp_probe, NULL);

  make_slot (self, DUET_DEVICE_KIND_CAMERA, convert, TRUE);
  add_probe (self->video_valve, "src", GST_PAD_PROBE_TYPE_BUFFER, frame_rate_probe, self);
  add_probe (enc, "src", GST_PAD_PROBE_TYPE_EVENT_UPSTREAM, keyframe_request_probe, self);
  add_counter (enc, "src", &self->video_frames_sent);
  add_probe (pay, "src", GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, tx_bytes_probe, self);
  add_probe (pacer, "src", GST_PAD_PROBE_TYPE_BUFFER, pacer_probe, self);
  link_to_webrtc (self, pacer, TRUE);
  return TRUE;
}

static gboolean
build_audio_send (DuetMediaSession *self,
                  GError          **error)
{
  g_autoptr(GstCaps) raw = NULL;
  g_autoptr(GstCaps) rtp = NULL;
  g_autofree char *probe_name = g_strdup_printf ("duet-echoprobe-%p", self);
  GstElement *convert = make ("audioconvert", NULL);
  GstElement *resample = make ("audioresample", NULL);
  GstElement *caps = make ("capsfilter", NULL);
  GstElement *dsp = self->echo_cancel ? gst_element_factory_make ("webrtcdsp", NULL) : NULL;
  GstElement *level = make ("level", NULL);
  GstElement *convert2 = make ("audioconvert", NULL);
  GstElement *enc = make ("opusenc", NULL);
  GstElement *pay = make ("rtpopuspay", NULL);
  GstElement *rtp_caps = make ("capsfilter", NULL);
  GstElement *last;

  self->mute = make ("volume", NULL);
  self->audio_valve = make ("valve", NULL);
  if (!convert || !resample || !caps || !level || !convert2 || !enc || !pay ||
      !rtp_caps || !self->mute || !self->audio_valve)
    {
      g_set_error_literal (error, DUET_KIT_ERROR, DUET_KIT_ERROR_MEDIA, "Missing audio elements");
      return FALSE;
    }

  raw = gst_caps_from_string ("audio/x-raw,format=S16LE,rate=48000,channels=1");
  g_object_set (caps, "caps", raw, NULL);
  g_object_set (level, "interval", (guint64) self->level_interval_ms * GST_MSECOND,
                "post-messages", TRUE, NULL);
  g_object_set (self->audio_valve, "drop", TRUE, NULL);
  g_object_set (enc, "bitrate", 32000, NULL);
  /* In-band FEC costs nothing until packet-loss-percentage (the peer's
   * reported loss) is above 0 */
  if (self->loss_recovery)
    g_object_set (enc, "inband-fec", TRUE, NULL);
  self->opus_enc = enc;
  g_object_set (pay, "pt", AUDIO_PT, NULL);
  g_atomic_int_set (&self->audio_pt, AUDIO_PT);
  self->audio_pay = pay;
  self->audio_rtp_caps = rtp_caps;
  /* An offer made while the valve still drops everything (the callee's,
   * while it rings) is built from these caps alone, not from the
   * payloader's: so they carry what RFC 7587 requires (two channels) and
   * the receive parameters (in-band FEC is decoded whenever it comes) */
  rtp = gst_caps_new_simple ("application/x-rtp", "media", G_TYPE_STRING, "audio",
                             "encoding-name", G_TYPE_STRING, "OPUS",
                             "payload", G_TYPE_INT, AUDIO_PT, "clock-rate", G_TYPE_INT, 48000,
                             "encoding-params", G_TYPE_STRING, "2",
                             "minptime", G_TYPE_STRING, "10",
                             "useinbandfec", G_TYPE_STRING, "1",
                             "extmap-" G_STRINGIFY (TWCC_ID), G_TYPE_STRING, TWCC_URI, NULL);
  g_object_set (rtp_caps, "caps", rtp, NULL);

  gst_bin_add_many (GST_BIN (self->pipeline), convert, resample, caps, level, self->mute,
                    self->audio_valve, convert2, enc, pay, rtp_caps, NULL);
  if (!gst_element_link_many (convert, resample, caps, NULL))
    goto link_failed;
  make_slot (self, DUET_DEVICE_KIND_MICROPHONE, convert, TRUE);
  last = caps;

  if (self->echo_cancel && dsp == NULL)
    g_signal_emit (self, signals[DEVICE_WARNING], 0, "webrtcdsp is missing; echo cancellation is off");
  if (dsp != NULL)
    {
      g_object_set (dsp, "probe", probe_name, NULL);
      gst_bin_add (GST_BIN (self->pipeline), dsp);
      if (!gst_element_link (last, dsp))
        goto link_failed;
      last = dsp;
    }

  if (!gst_element_link_many (last, level, self->mute, self->audio_valve, convert2, enc, pay, rtp_caps, NULL))
    goto link_failed;

  add_counter (enc, "src", &self->audio_buffers_sent);
  add_probe (pay, "src", GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, tx_bytes_probe, self);
  link_to_webrtc (self, rtp_caps, FALSE);
  return TRUE;

link_failed:
  g_set_error_literal (error, DUET_KIT_ERROR, DUET_KIT_ERROR_MEDIA, "Cannot link the audio chain");
  return FALSE;
}

static gboolean
build_audio_out (DuetMediaSession *self,
                 GError          **error)
{
  g_autofree char *probe_name = g_strdup_printf ("duet-echoprobe-%p", self);
  GstElement *convert = make ("audioconvert", NULL);
  GstElement *resample = make ("audioresample", NULL);
  GstElement *probe = self->echo_cancel ? gst_element_factory_make ("webrtcechoprobe", probe_name) : NULL;

  if (!convert || !resample)
    {
      g_set_error_literal (error, DUET_KIT_ERROR, DUET_KIT_ERROR_MEDIA, "Missing audio output elements");
      return FALSE;
    }

  /* The echo probe must exist before webrtcdsp starts, hence built up front */
  gst_bin_add_many (GST_BIN (self->pipeline), convert, resample, NULL);
  gst_element_link (convert, resample);
  if (probe != NULL)
    {
      gst_bin_add (GST_BIN (self->pipeline), probe);
      gst_element_link (resample, probe);
    }
  make_slot (self, DUET_DEVICE_KIND_SPEAKER, probe != NULL ? probe : resample, FALSE);

  self->audio_out = convert;
  return TRUE;
}

/* ---- receiving ---- */

static void
link_chain (DuetMediaSession *self,
            GstPad           *pad,
            GstElement      **chain,
            guint             n)
{
  g_autoptr(GstPad) sink = NULL;

  for (guint i = 0; i < n; i++)
    gst_bin_add (GST_BIN (self->pipeline), chain[i]);
  for (guint i = 0; i + 1 < n; i++)
    gst_element_link (chain[i], chain[i + 1]);
  for (guint i = 0; i < n; i++)
    gst_element_sync_state_with_parent (chain[i]);

  sink = gst_element_get_static_pad (chain[0], "sink");
  if (gst_pad_link (pad, sink) != GST_PAD_LINK_OK)
    g_warning ("Cannot link an incoming stream");
}

/* The decoder's thread: a gap between decoded frames longer than three
 * frame intervals and 150 ms is a freeze (the W3C statistics' rule) */
static GstPadProbeReturn
freeze_probe (GstPad          *pad,
              GstPadProbeInfo *info,
              gpointer         user_data)
{
  DuetMediaSession *self = user_data;
  gint64 now = g_get_monotonic_time ();

  g_mutex_lock (&self->rx_lock);
  if (self->peer_video_expected && self->last_frame_us != 0)
    {
      gint64 gap = now - self->last_frame_us;
      double interval = self->frame_interval_us > 0 ? self->frame_interval_us : gap;

      if (gap > MAX (3 * interval, interval + 150 * G_TIME_SPAN_MILLISECOND))
        {
          self->freeze_count++;
          if (gap > 500 * G_TIME_SPAN_MILLISECOND)
            self->long_freeze_count++;
        }
      else
        self->frame_interval_us = self->frame_interval_us > 0
                                  ? 0.9 * self->frame_interval_us + 0.1 * gap : gap;
    }
  self->last_frame_us = now;
  g_mutex_unlock (&self->rx_lock);
  return GST_PAD_PROBE_OK;
}

/* opusdec's sink: each GAP stands for lost audio it conceals */
static GstPadProbeReturn
gap_probe (GstPad          *pad,
           GstPadProbeInfo *info,
           gpointer         user_data)
{
  DuetMediaSession *self = user_data;

  if (GST_EVENT_TYPE (GST_PAD_PROBE_INFO_EVENT (info)) == GST_EVENT_GAP)
    __atomic_fetch_add (&self->audio_concealed, 1, __ATOMIC_RELAXED);
  return GST_PAD_PROBE_OK;
}

typedef struct
{
  DuetMediaSession *self;
  gboolean          classified;
} JitterbufferProbe;

/* A packet on its way into a jitter buffer (after SRTP, before reordering):
 * what the receiver reports of the path. Returns whether it was video. */
static gboolean
monitor_packet (DuetMediaSession *self,
                GstBuffer        *buffer,
                gint64            now)
{
  guint8 header[8];
  gboolean video;

  if (gst_buffer_extract (buffer, 0, header, sizeof header) != sizeof header || (header[0] >> 6) != 2)
    return FALSE;
  video = (gint) (header[1] & 0x7f) != g_atomic_int_get (&self->audio_pt);
  duet_stream_monitor_packet (video ? self->video_monitor : self->audio_monitor,
                              (guint16) (header[2] << 8 | header[3]),
                              (guint32) header[4] << 24 | header[5] << 16 | header[6] << 8 | header[7],
                              gst_buffer_get_size (buffer), now,
                              GST_BUFFER_FLAG_IS_SET (buffer, GST_RTP_BUFFER_FLAG_RETRANSMISSION));
  return video;
}

static gboolean
monitor_list_item (GstBuffer **buffer,
                   guint       index,
                   gpointer    user_data)
{
  gpointer *args = user_data;

  *(gboolean *) args[2] = monitor_packet (args[0], *buffer, *(gint64 *) args[1]);
  return TRUE;
}

/* Whatever thread sets it: webrtcbin 1.22 may later apply its own guess
 * (taken before it knew which transceiver the stream is), and an audio
 * stream with NACKs on asks for hundreds of retransmissions that never
 * come, crowding out the video's. Our decision, from the packets, stays. */
static void
on_jitterbuffer_notify_do_retransmission (GObject    *jitterbuffer,
                                          GParamSpec *pspec,
                                          gpointer    user_data)
{
  gboolean wanted = GPOINTER_TO_INT (user_data);
  gboolean current = FALSE;

  g_object_get (jitterbuffer, "do-retransmission", &current, NULL);
  if (current != wanted)
    {
      g_debug ("jitter buffer %s: retransmission back to %d", GST_OBJECT_NAME (jitterbuffer), wanted);
      g_object_set (jitterbuffer, "do-retransmission", wanted, NULL);
    }
}

/* webrtcbin 1.22 cannot tie a jitter buffer to its transceiver in a bundle
 * without a=ssrc lines, so it guesses whether to ask for retransmissions:
 * the first packet decides here instead, on for video (which has RTX) and
 * off for audio (which has not, and conceals losses with Opus FEC) */
static GstPadProbeReturn
jitterbuffer_probe (GstPad          *pad,
                    GstPadProbeInfo *info,
                    gpointer         user_data)
{
  JitterbufferProbe *probe = user_data;
  DuetMediaSession *self = probe->self;
  gint64 now = g_get_monotonic_time ();
  gboolean video = FALSE;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), monitor_list_item,
                             (gpointer[]) { self, &now, &video });
  else
    video = monitor_packet (self, GST_PAD_PROBE_INFO_BUFFER (info), now);

  if (!probe->classified)
    {
      g_autoptr(GstElement) jitterbuffer = gst_pad_get_parent_element (pad);
      gboolean wanted = video && self->loss_recovery;

      probe->classified = TRUE;
      if (jitterbuffer != NULL)
        {
          g_signal_connect (jitterbuffer, "notify::do-retransmission",
                            G_CALLBACK (on_jitterbuffer_notify_do_retransmission), GINT_TO_POINTER (wanted));
          g_object_set (jitterbuffer, "do-retransmission", wanted, NULL);
        }
    }
  return GST_PAD_PROBE_OK;
}

/* Which RTP session's RTCP to tune, from the main context */
typedef struct
{
  DuetMediaSession *self;
  GstElement       *rtpbin;
  guint             session;
} RtcpTuning;

static void
rtcp_tuning_free (gpointer data)
{
  RtcpTuning *tuning = data;

  g_object_unref (tuning->self);
  gst_object_unref (tuning->rtpbin);
  g_free (tuning);
}

/* RTCP's regular interval (5 s by default) also spaces the early feedback
 * AVPF allows: at that pace most NACKs wait too long to help. The interval
 * also follows RTCP's share of the bandwidth (5 % of what is sent): on a
 * link where video has been cut that stretches it to 0.2–0.8 s, so RTCP
 * gets a fixed budget instead, which the minimum interval caps in
 * practice at ~12 kbit/s. */
static gboolean
tune_rtcp_cb (gpointer data)
{
  RtcpTuning *tuning = data;
  g_autoptr(GObject) internal = NULL;

  if (tuning->self->stopped)
    return G_SOURCE_REMOVE;
  g_signal_emit_by_name (tuning->rtpbin, "get-internal-session", tuning->session, &internal);
  if (internal != NULL)
    g_object_set (internal,
                  "rtcp-min-interval", (guint64) RTCP_MIN_INTERVAL_MS * GST_MSECOND,
                  "rtcp-fraction", (gdouble) RTCP_BITS_PER_S,
                  NULL);
  return G_SOURCE_REMOVE;
}

/* rtpbin's thread: a jitter buffer for a new incoming stream */
static void
on_rtpbin_new_jitterbuffer (GstElement *rtpbin,
                            GstElement *jitterbuffer,
                            guint       session,
                            guint       ssrc,
                            gpointer    user_data)
{
  DuetMediaSession *self = user_data;

  /* Not here: rtpbin emits this holding the RTP session's lock, and
   * get-internal-session takes rtpbin's, the reverse of the order in which
   * setting webrtcbin's latency (adapt_latency, on the main context) takes
   * them; the app hung on it once */
  if (self->loss_recovery)
    {
      RtcpTuning *tuning = g_new0 (RtcpTuning, 1);

      tuning->self = g_object_ref (self);
      tuning->rtpbin = gst_object_ref (rtpbin);
      tuning->session = session;
      g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, tune_rtcp_cb, tuning, rtcp_tuning_free);
    }

  /* Start playing once a few packets are in, rather than a latency later */
  if (self->adaptive_latency)
    g_object_set (jitterbuffer, "faststart-min-packets", 2, NULL);
  {
    g_autoptr(GstPad) pad = gst_element_get_static_pad (jitterbuffer, "sink");
    JitterbufferProbe *probe = g_new0 (JitterbufferProbe, 1);

    probe->self = self;
    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                       jitterbuffer_probe, probe, g_free);
  }
  g_mutex_lock (&self->rx_lock);
  g_ptr_array_add (self->jitterbuffers, gst_object_ref (jitterbuffer));
  g_mutex_unlock (&self->rx_lock);
}

static void attach_view (DuetMediaSession *self, GstElement *tee, View *view);

static void
link_incoming_video (DuetMediaSession *self,
                     GstPad           *pad)
{
  GstElement *chain[4];

  chain[0] = make ("rtpvp8depay", NULL);
  chain[1] = make ("vp8dec", NULL);
  chain[2] = make ("videoconvert", NULL);
  chain[3] = make ("tee", NULL);
  g_object_set (chain[3], "allow-not-linked", TRUE, NULL);
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (chain[0]), "request-keyframe"))
    g_object_set (chain[0], "request-keyframe", TRUE, "wait-for-keyframe", TRUE, NULL);

  add_counter (chain[1], "src", &self->video_frames_decoded);
  add_first_buffer_probe (chain[1], &self->first_video_frame_us);
  add_probe (chain[1], "src", GST_PAD_PROBE_TYPE_BUFFER, freeze_probe, self);
  {
    GstPad *decoder_src = gst_element_get_static_pad (chain[1], "src");
    GstPad *old;

    /* a new path's stream replaces the last one's */
    g_mutex_lock (&self->rx_lock);
    old = self->decoder_src;
    self->decoder_src = decoder_src;
    g_mutex_unlock (&self->rx_lock);
    gst_clear_object (&old);
  }
  link_chain (self, pad, chain, G_N_ELEMENTS (chain));

  /* Views added before the stream arrived */
  GST_OBJECT_LOCK (self->pipeline);
  self->peer_tee = chain[3];
  GST_OBJECT_UNLOCK (self->pipeline);
}

static gboolean
attach_pending_peer_views (gpointer data)
{
  DuetMediaSession *self = data;

  for (guint i = 0; i < self->peer_views->len; i++)
    {
      View *view = g_ptr_array_index (self->peer_views, i);

      if (view->tee == NULL && self->peer_tee != NULL)
        attach_view (self, self->peer_tee, view);
    }
  return G_SOURCE_REMOVE;
}

static void
link_incoming_audio (DuetMediaSession *self,
                     GstPad           *pad)
{
  GstElement *chain[2];
  g_autoptr(GstPad) src = NULL;
  g_autoptr(GstPad) out = NULL;

  chain[0] = make ("rtpopusdepay", NULL);
  chain[1] = make ("opusdec", NULL);
  /* A lost packet (a GAP from the jitter buffer) is rebuilt from the next
   * one's in-band FEC, or concealed */
  g_object_set (chain[1], "plc", TRUE, "use-inband-fec", self->loss_recovery, NULL);
  add_probe (chain[1], "sink", GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, gap_probe, self);
  add_counter (chain[1], "src", &self->audio_buffers_decoded);
  add_first_buffer_probe (chain[1], &self->first_audio_buffer_us);
  link_chain (self, pad, chain, G_N_ELEMENTS (chain));

  src = gst_element_get_static_pad (chain[1], "src");
  out = gst_element_get_static_pad (self->audio_out, "sink");
  if (gst_pad_is_linked (out) || gst_pad_link (src, out) != GST_PAD_LINK_OK)
    g_warning ("Cannot link the incoming audio to the output");
}

static void
on_webrtc_pad_added (GstElement *webrtc,
                     GstPad     *pad,
                     gpointer    user_data)
{
  DuetMediaSession *self = user_data;
  g_autoptr(GstCaps) caps = NULL;
  const char *media;

  if (GST_PAD_DIRECTION (pad) != GST_PAD_SRC)
    return;

  caps = gst_pad_get_current_caps (pad);
  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  media = gst_structure_get_string (gst_caps_get_structure (caps, 0), "media");

  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, rx_probe, self, NULL);

  if (g_strcmp0 (media, "video") == 0)
    {
      link_incoming_video (self, pad);
      g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, attach_pending_peer_views,
                                  g_object_ref (self), g_object_unref);
    }
  else if (g_strcmp0 (media, "audio") == 0)
    link_incoming_audio (self, pad);
}

/* ---- negotiation ---- */

/* webrtcbin holds its own reference to a promise until it has answered,
 * or dropped the operation: 1.22 drops queued ones without a reply when
 * the call closes. So the caller lets go of its reference at once, and
 * the reference to SELF goes with the promise, not with a reply that may
 * never come. */
static void
emit_with_promise (DuetMediaSession     *self,
                   const char           *action,
                   gpointer              argument,
                   GstPromiseChangeFunc  func)
{
  GstPromise *promise = gst_promise_new_with_change_func (func, g_object_ref (self), g_object_unref);

  g_signal_emit_by_name (self->webrtc, action, argument, promise);
  gst_promise_unref (promise);
}

/* The direction an m-line asks for; sendrecv when it names none */
static const char *
direction_of (const GstSDPMedia *media)
{
  static const char *const directions[] = { "sendonly", "recvonly", "inactive" };

  for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++)
    {
      const char *key = gst_sdp_media_get_attribute (media, j)->key;

      for (guint i = 0; i < G_N_ELEMENTS (directions); i++)
        if (g_strcmp0 (key, directions[i]) == 0)
          return directions[i];
    }
  return "sendrecv";
}

/* An answer can refuse a stream (port 0, inactive) or leave it one way,
 * for example when the two ends share no codec: the call would go on
 * without that audio or video and nobody would know. Say which stream
 * and which way, seen from here: @ours is the answer we made. */
static void
check_answer (DuetMediaSession    *self,
              const GstSDPMessage *answer,
              gboolean             ours)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (answer); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (answer, i);
      const char *kind = gst_sdp_media_get_media (media);
      const char *direction = direction_of (media);
      const char *what;

      if (g_strcmp0 (kind, "audio") != 0 && g_strcmp0 (kind, "video") != 0)
        continue;
      if (gst_sdp_media_get_port (media) == 0 || g_str_equal (direction, "inactive"))
        what = "refused";
      else if (g_str_equal (direction, "sendrecv"))
        continue;
      else   /* our recvonly, or the peer's sendonly, leaves ours unsent */
        what = g_str_equal (direction, ours ? "recvonly" : "sendonly") ? "not-sent" : "not-received";

      g_message ("Negotiation left %s %s: m-line %u of the %s answer has port %u, %s",
                 kind, what, i, ours ? "local" : "peer's", gst_sdp_media_get_port (media), direction);
      defer (self, MEDIA_REJECTED, kind, what, 0, NULL);
    }
}

static void
create_description_cb (GstPromise *promise,
                       gpointer    user_data)
{
  DuetMediaSession *self = user_data;
  const GstStructure *reply = gst_promise_get_reply (promise);
  GstWebRTCSessionDescription *desc = NULL;
  const char *field = self->offerer ? "offer" : "answer";
  g_autofree char *text = NULL;

  if (reply != NULL)
    gst_structure_get (reply, field, GST_TYPE_WEBRTC_SESSION_DESCRIPTION, &desc, NULL);

  if (desc == NULL)
    {
      defer (self, MEDIA_ERROR, "Cannot create an SDP description", NULL, 0, NULL);
      return;
    }

  /* Queue the SDP before our candidates can be: same priority keeps order */
  text = gst_sdp_message_as_text (desc->sdp);
  defer (self, LOCAL_DESCRIPTION, field, text, 0, NULL);
  if (!self->offerer)
    check_answer (self, desc->sdp, TRUE);
  {
    /* With a NULL promise, webrtcbin 1.22 leaks its error reply (and warns)
     * when the call was closed while the description was being made */
    GstPromise *done = gst_promise_new ();

    g_signal_emit_by_name (self->webrtc, "set-local-description", desc, done);
    gst_promise_unref (done);
  }
  gst_webrtc_session_description_free (desc);
}

void
duet_media_session_create_offer (DuetMediaSession *self)
{
  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));
  g_return_if_fail (self->offerer);

  emit_with_promise (self, "create-offer", NULL, create_description_cb);
}

static void
set_remote_description_cb (GstPromise *promise,
                           gpointer    user_data)
{
  emit_with_promise (user_data, "create-answer", NULL, create_description_cb);
}

static void
set_payload_type (GstElement *pay,
                  GstElement *rtp_caps,
                  guint       pt)
{
  g_autoptr(GstCaps) caps = NULL;

  g_object_get (rtp_caps, "caps", &caps, NULL);
  caps = gst_caps_make_writable (caps);
  gst_caps_set_simple (caps, "payload", G_TYPE_INT, pt, NULL);
  g_object_set (rtp_caps, "caps", caps, NULL);
  g_object_set (pay, "pt", pt, NULL);
}

/* The id an SDP m-line gives the TWCC extension, or 0 if it has none */
static guint
twcc_id_of (const GstSDPMedia *media)
{
  for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++)
    {
      const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, j);
      g_auto(GStrv) parts = NULL;
      guint64 id;

      if (g_strcmp0 (attr->key, "extmap") != 0 || attr->value == NULL)
        continue;
      /* "ID[/direction] URI [attributes]" */
      parts = g_strsplit (attr->value, " ", 3);
      if (g_strv_length (parts) >= 2 && g_str_equal (parts[1], TWCC_URI) &&
          g_ascii_string_to_unsigned (g_strdelimit (parts[0], "/", '\0'), 10, 1, 255, &id, NULL))
        return id;
    }
  return 0;
}

/* Our extensions are extmap-ID fields of the RTP caps, and an answer is
 * made from the offer's caps and ours: a field both name with different
 * URIs (a browser's id 1 is its audio level) would leave nothing to send.
 * So the answer keeps TWCC under the offer's id, or goes without it. */
static void
adopt_twcc_id (GstElement *rtp_caps,
               guint       id)
{
  g_autoptr(GstCaps) caps = NULL;
  g_autoptr(GPtrArray) ours = g_ptr_array_new_with_free_func (g_free);
  GstStructure *structure;

  g_object_get (rtp_caps, "caps", &caps, NULL);
  caps = gst_caps_make_writable (caps);
  structure = gst_caps_get_structure (caps, 0);
  for (int i = 0; i < gst_structure_n_fields (structure); i++)
    if (g_str_has_prefix (gst_structure_nth_field_name (structure, i), "extmap-"))
      g_ptr_array_add (ours, g_strdup (gst_structure_nth_field_name (structure, i)));
  for (guint i = 0; i < ours->len; i++)
    gst_structure_remove_field (structure, g_ptr_array_index (ours, i));
  if (id > 0)
    {
      g_autofree char *field = g_strdup_printf ("extmap-%u", id);

      gst_structure_set (structure, field, G_TYPE_STRING, TWCC_URI, NULL);
    }
  g_object_set (rtp_caps, "caps", caps, NULL);
}

/* An offer from another client (a browser) may use other payload types
 * and extension ids; an answer must reuse them. Nothing has been sent
 * yet, so retarget. */
static void
adopt_offer_payload_types (DuetMediaSession    *self,
                           const GstSDPMessage *sdp)
{
  for (guint i = 0; i < gst_sdp_message_medias_len (sdp); i++)
    {
      const GstSDPMedia *media = gst_sdp_message_get_media (sdp, i);
      gboolean video = g_strcmp0 (gst_sdp_media_get_media (media), "video") == 0;
      gboolean audio = g_strcmp0 (gst_sdp_media_get_media (media), "audio") == 0;

      if (video && self->video_rtp_caps != NULL)
        adopt_twcc_id (self->video_rtp_caps, twcc_id_of (media));
      else if (audio && self->audio_rtp_caps != NULL)
        adopt_twcc_id (self->audio_rtp_caps, twcc_id_of (media));

      for (guint j = 0; j < gst_sdp_media_attributes_len (media); j++)
        {
          const GstSDPAttribute *attr = gst_sdp_media_get_attribute (media, j);
          guint pt;
          char name[32];

          if (g_strcmp0 (attr->key, "rtpmap") != 0 || attr->value == NULL ||
              sscanf (attr->value, "%u %31[^/]", &pt, name) != 2 || pt > 127)
            continue;
          if (g_ascii_strcasecmp (name, "VP8") == 0)
            set_payload_type (self->video_pay, self->video_rtp_caps, pt);
          else if (g_ascii_strcasecmp (name, "OPUS") == 0)
            {
              set_payload_type (self->audio_pay, self->audio_rtp_caps, pt);
              g_atomic_int_set (&self->audio_pt, pt);
            }
          else
            continue;
          break;   /* the first, preferred, entry of each m-line */
        }
    }
}

gboolean
duet_media_session_set_remote_description (DuetMediaSession  *self,
                                           const char        *type,
                                           const char        *sdp,
                                           GError           **error)
{
  GstSDPMessage *message = NULL;
  GstWebRTCSessionDescription *desc;
  gboolean is_offer = g_strcmp0 (type, "offer") == 0;

  g_return_val_if_fail (DUET_IS_MEDIA_SESSION (self), FALSE);

  if (is_offer == self->offerer)
    {
      g_set_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_BAD_STATE, "Unexpected SDP %s", type);
      return FALSE;
    }
  if (gst_sdp_message_new_from_text (sdp, &message) != GST_SDP_OK ||
      gst_sdp_message_medias_len (message) == 0)
    {
      g_clear_pointer (&message, gst_sdp_message_free);
      g_set_error_literal (error, DUET_KIT_ERROR, DUET_KIT_ERROR_MEDIA, "Malformed SDP");
      return FALSE;
    }

  if (is_offer)
    adopt_offer_payload_types (self, message);
  else
    check_answer (self, message, FALSE);

  desc = gst_webrtc_session_description_new (is_offer ? GST_WEBRTC_SDP_TYPE_OFFER
                                                      : GST_WEBRTC_SDP_TYPE_ANSWER, message);
  /* An answer needs no reply; an offer is answered once it is set */
  if (is_offer)
    emit_with_promise (self, "set-remote-description", desc, set_remote_description_cb);
  else
    g_signal_emit_by_name (self->webrtc, "set-remote-description", desc, NULL);
  gst_webrtc_session_description_free (desc);
  return TRUE;
}

void
duet_media_session_add_remote_candidate (DuetMediaSession *self,
                                         guint             mline_index,
                                         const char       *candidate)
{
  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));

  if (candidate == NULL || *candidate == '\0')
    return;
  remember_candidate (self, "r:", candidate);
  g_signal_emit_by_name (self->webrtc, "add-ice-candidate", mline_index, candidate);
}

static void
on_webrtc_ice_candidate (GstElement *webrtc,
                         guint       mline_index,
                         char       *candidate,
                         gpointer    user_data)
{
  DuetMediaSession *self = user_data;

  if (g_strcmp0 (remember_candidate (self, "l:", candidate), "relay") == 0)
    g_atomic_int_set (&self->relay_gathered, TRUE);
  defer (self, LOCAL_CANDIDATE, candidate, NULL, mline_index, NULL);
}

/* ---- data channel ---- */

static void
on_channel_message_string (GstWebRTCDataChannel *channel,
                           char                 *text,
                           gpointer              user_data)
{
  DuetMediaSession *self = user_data;
  g_autoptr(JsonObject) message = NULL;

  peer_heard_from (self);
  if (text == NULL)
    return;
  message = duet_protocol_parse_message (text, strlen (text), NULL);
  if (message == NULL)
    return;
  /* The heartbeat has done its work by arriving, and receiver reports are
   * the session's own; DuetCall reads the rest */
  if (!duet_channel_heartbeat_parse (message, NULL) && !take_receiver_report (self, message))
    defer (self, CONTROL_MESSAGE, NULL, NULL, 0, message);
}

static void
setup_channel (DuetMediaSession     *self,
               GstWebRTCDataChannel *channel)
{
  g_set_object (&self->channel, channel);
  g_signal_connect (channel, "on-message-string", G_CALLBACK (on_channel_message_string), self);
}

static void
on_webrtc_data_channel (GstElement           *webrtc,
                        GstWebRTCDataChannel *channel,
                        gpointer              user_data)
{
  DuetMediaSession *self = user_data;

  GST_OBJECT_LOCK (self->pipeline);
  setup_channel (self, channel);
  GST_OBJECT_UNLOCK (self->pipeline);
}

gboolean
duet_media_session_send_control (DuetMediaSession *self,
                                 JsonObject       *message)
{
  g_autofree char *text = NULL;
  g_autoptr(GstWebRTCDataChannel) channel = NULL;
  GstWebRTCDataChannelState state;

  g_return_val_if_fail (DUET_IS_MEDIA_SESSION (self), FALSE);

  if (self->pipeline == NULL)
    return FALSE;
  GST_OBJECT_LOCK (self->pipeline);
  channel = self->channel ? g_object_ref (self->channel) : NULL;
  GST_OBJECT_UNLOCK (self->pipeline);
  if (channel == NULL)
    return FALSE;

  g_object_get (channel, "ready-state", &state, NULL);
  if (state != GST_WEBRTC_DATA_CHANNEL_STATE_OPEN)
    return FALSE;

  text = duet_protocol_serialize (message);
  gst_webrtc_data_channel_send_string (channel, text);
  return TRUE;
}

gboolean
duet_media_session_get_channel_open (DuetMediaSession *self)
{
  g_autoptr(GstWebRTCDataChannel) channel = NULL;
  GstWebRTCDataChannelState state = GST_WEBRTC_DATA_CHANNEL_STATE_CLOSED;

  g_return_val_if_fail (DUET_IS_MEDIA_SESSION (self), FALSE);

  if (self->pipeline == NULL)
    return FALSE;
  GST_OBJECT_LOCK (self->pipeline);
  channel = self->channel ? g_object_ref (self->channel) : NULL;
  GST_OBJECT_UNLOCK (self->pipeline);
  if (channel != NULL)
    g_object_get (channel, "ready-state", &state, NULL);
  return state == GST_WEBRTC_DATA_CHANNEL_STATE_OPEN;
}

static gboolean
heartbeat_cb (gpointer user_data)
{
  DuetMediaSession *self = user_data;
  g_autoptr(JsonObject) hb = duet_channel_heartbeat_build ();

  duet_media_session_send_control (self, hb);
  return G_SOURCE_CONTINUE;
}

/* Until the peer has been heard at all, ICE and DTLS may still be at work
 * (a lost handshake packet costs a second or more, a loaded machine more),
 * so a path that has yet to come up gets this many times as long */
#define SETUP_LIVENESS_FACTOR 3

/* Traffic this recent means the path works (again) */
#define HEARD_RECENTLY_MS 750

/* Watches the path while the call is up: path-lost once the peer has been
 * quiet for the liveness timeout, path-up when it is heard again. Nothing
 * ends here; the call decides what a lost path means. */
static gboolean
liveness_cb (gpointer user_data)
{
  DuetMediaSession *self = user_data;
  gboolean heard = g_atomic_int_get (&self->peer_heard);
  guint limit = self->liveness_timeout_ms;
  gint64 idle = peer_idle_ms (self);

  if (!heard)
    limit *= SETUP_LIVENESS_FACTOR;

  if (!self->path_up && heard && idle < HEARD_RECENTLY_MS)
    {
      self->path_up = TRUE;
      self->path_lost_told = FALSE;
      g_signal_emit (self, signals[PATH_UP], 0);
    }
  else if (!self->path_lost_told && idle >= limit)
    {
      self->path_up = FALSE;
      self->path_lost_told = TRUE;
      g_signal_emit (self, signals[PATH_LOST], 0);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- network quality ---- */

static guint64
jitterbuffer_stat (GstElement *jitterbuffer,
                   const char *field)
{
  g_autoptr(GstStructure) stats = NULL;
  guint64 value = 0;

  g_object_get (jitterbuffer, "stats", &stats, NULL);
  if (stats != NULL)
    gst_structure_get_uint64 (stats, field, &value);
  return value;
}

static guint64
sum_jitterbuffer_stat (DuetMediaSession *self,
                       const char       *field)
{
  g_autoptr(GPtrArray) jitterbuffers = g_ptr_array_new_with_free_func (gst_object_unref);
  guint64 sum = 0;

  g_mutex_lock (&self->rx_lock);
  for (guint i = 0; i < self->jitterbuffers->len; i++)
    g_ptr_array_add (jitterbuffers, gst_object_ref (g_ptr_array_index (self->jitterbuffers, i)));
  g_mutex_unlock (&self->rx_lock);
  for (guint i = 0; i < jitterbuffers->len; i++)
    sum += jitterbuffer_stat (g_ptr_array_index (jitterbuffers, i), field);
  return sum;
}

static void
set_jitterbuffer_latency (DuetMediaSession *self,
                          guint             latency_ms)
{
  self->jb_latency_ms = latency_ms;
  /* webrtcbin hands it to every jitter buffer, now and later */
  g_object_set (self->webrtc, "latency", latency_ms, NULL);
}

/* The receive latency follows the link: JB_MIN_MS while it is clean, and
 * otherwise the latest frames arrived lately after the earliest (the
 * spread of their delays) plus a margin, and, while packets are lost, room
 * for one retransmission. It rises at once and falls slowly, since each
 * change is a small glitch. */
static void
adapt_latency (DuetMediaSession *self,
               gint64            now)
{
  double loss = MAX (self->rx_loss, MAX (self->video_sample.loss, self->audio_sample.loss));
  gint64 spread_now = MAX (self->video_sample.spread_ms, self->audio_sample.spread_ms);
  /* two intervals in a row: one late burst (a start, a stall) is no jitter */
  gint64 spread = MIN (spread_now, self->last_spread_ms);
  guint rtt = g_atomic_int_get (&self->rtt_ms);
  guint want = MAX (JB_MIN_MS, (guint) MIN (spread, JB_MAX_MS) + JB_MARGIN_MS);

  self->last_spread_ms = spread_now;
  if (!self->adaptive_latency)
    return;
  /* A frame's last lost packet shows when the next frame arrives, its
   * NACK waits for the next early feedback slot (RTCP_MIN_INTERVAL_MS
   * apart), and the retransmission comes a round trip later; leave room
   * for one more try. A round trip under a millisecond reads as 0. */
  if (loss > 0.005)
    {
      guint frame_gap = self->rx_fps > 0 ? 1000 / self->rx_fps : 100;

      want = MAX (want, frame_gap + RTCP_MIN_INTERVAL_MS + rtt * 5 / 2 + 30);
    }
  want = MIN (want, JB_MAX_MS);

  if (want > self->jb_latency_ms)
    {
      set_jitterbuffer_latency (self, want);
      self->jb_raised_us = now;
    }
  else if (want < self->jb_latency_ms && now - self->jb_raised_us > 5 * G_USEC_PER_SEC)
    set_jitterbuffer_latency (self, MAX (want, self->jb_latency_ms * 9 / 10));
}

static void
apply_layer (DuetMediaSession *self,
             gint64            now,
             guint             video_kbps)
{
  DuetVideoLayer layer;
  g_autoptr(GstCaps) caps = NULL;

  if (!duet_rate_controller_pick_layer (self->controller, now, video_kbps, &self->full_layer, &layer))
    return;
  if (layer.width != self->layer.width || layer.height != self->layer.height)
    {
      caps = layer_caps (&layer);
      g_object_set (self->video_enc_caps, "caps", caps, NULL);
    }
  __atomic_store_n (&self->frame_gap_us,
                    layer.fps < self->full_layer.fps ? G_USEC_PER_SEC / layer.fps : 0, __ATOMIC_RELAXED);
  g_debug ("Video steps to %u×%u at %u fps for %u kbit/s", layer.width, layer.height, layer.fps, video_kbps);
  self->layer = layer;
}

/* What the controller's target means for each encoder */
static void
apply_rate (DuetMediaSession *self,
            gint64            now)
{
  guint total, video;

  if (!self->congestion_control || self->controller == NULL)
    return;
  total = duet_rate_controller_get_target_kbps (self->controller);
  g_atomic_int_set (&self->congested, duet_rate_controller_get_congested (self->controller, now));

  /* Audio's share first; packet headers take about 5 % of video's */
  video = total > AUDIO_SHARE_KBPS + 30 ? total - AUDIO_SHARE_KBPS : 30;
  video = (guint) (video * 0.95);
  if (video != self->video_target_kbps)
    {
      self->video_target_kbps = video;
      g_object_set (self->video_enc, "target-bitrate", (gint) video * 1000, NULL);
    }
  __atomic_store_n (&self->pace_bps, (gint64) MAX (video * PACE_FACTOR, PACE_MIN_KBPS) * 1000, __ATOMIC_RELAXED);
  apply_layer (self, now, video);
}

/* How well the peer's media arrives here: the worst of loss, round trip,
 * jitter and frame rate against the best this call has seen (paused video
 * sends nothing, which is no loss of frame rate) */
static DuetNetworkQuality
judge_quality (DuetMediaSession *self,
               double            loss,
               guint             jitter_ms,
               guint             freezes)
{
  guint rtt = g_atomic_int_get (&self->rtt_ms);
  gboolean video = self->video_sample.expected > 0;
  /* the peer's camera may run slower than ours: its own best is the mark */
  guint best_fps = MAX (self->best_rx_fps, 1);

  if (self->video_sample.expected == 0 && self->audio_sample.expected == 0)
    return freezes > 0 || self->quality != DUET_NETWORK_QUALITY_UNKNOWN
           ? DUET_NETWORK_QUALITY_POOR : DUET_NETWORK_QUALITY_UNKNOWN;
  if (loss > 0.10 || rtt > 500 || jitter_ms > 80 || freezes > 0 ||
      (video && self->rx_fps * 10 < best_fps * 3))
    return DUET_NETWORK_QUALITY_POOR;
  if (loss > 0.03 || rtt > 250 || jitter_ms > 30 || (video && self->rx_fps * 10 < best_fps * 6))
    return DUET_NETWORK_QUALITY_FAIR;
  return DUET_NETWORK_QUALITY_GOOD;
}

static void
set_quality (DuetMediaSession   *self,
             DuetNetworkQuality  quality,
             DuetNetworkQuality  peer_quality)
{
  if (quality == self->quality && peer_quality == self->peer_quality)
    return;
  self->quality = quality;
  self->peer_quality = peer_quality;
  g_signal_emit (self, signals[NETWORK_QUALITY], 0, quality, peer_quality);
}

static guint
per_mille (double share)
{
  return (guint) CLAMP (share * 1000 + 0.5, 0, 1000);
}

static void
send_receiver_report (DuetMediaSession *self,
                      gint64            now,
                      guint             interval_ms)
{
  DuetChannelReceiverReport report = { 0 };
  const DuetStreamSample *v = &self->video_sample, *a = &self->audio_sample;
  g_autoptr(JsonObject) message = NULL;

  report.seq = self->report_seq++;
  report.ts_ms = now / 1000;
  if (self->have_peer_ts)
    {
      report.has_echo = TRUE;
      report.echo_ts_ms = self->peer_ts_ms;
      report.echo_delay_ms = MIN ((now - self->peer_ts_at_us) / 1000, 60000);
    }
  report.interval_ms = MAX (1, interval_ms);
  report.kbps = self->rx_kbps;
  report.has_video_loss = v->expected > 0;
  report.video_loss = per_mille (v->loss);
  report.has_audio_loss = a->expected > 0;
  report.audio_loss = per_mille (a->loss);
  report.has_queue_delay = (v->expected > 0 ? v : a)->queue_delay_ms >= 0;
  report.queue_delay_ms = MAX (0, (v->expected > 0 ? v : a)->queue_delay_ms);
  report.jitter_ms = MAX (v->jitter_ms, a->jitter_ms);
  report.fps = self->rx_fps;
  report.quality = self->quality;
  message = duet_channel_receiver_report_build (&report);
  duet_media_session_send_control (self, message);
}

static guint
rate_kbps (guint64 bytes,
           gint64  interval_us)
{
  return interval_us > 0 ? (guint) (bytes * 8 * 1000 / interval_us) : 0;
}

static guint
rate_per_second (guint64 count,
                 gint64  interval_us)
{
  return interval_us > 0 ? (guint) ((count * G_USEC_PER_SEC + interval_us / 2) / interval_us) : 0;
}

/* The loss users see: all streams over the last LOSS_WINDOW reports, so
 * that a thin stream's few packets do not make it jump between 0 and 20 % */
static void
note_loss (DuetMediaSession *self)
{
  const DuetStreamSample *v = &self->video_sample, *a = &self->audio_sample;
  guint64 expected = 0, lost = 0;

  self->loss_slot = (self->loss_slot + 1) % LOSS_WINDOW;
  self->loss_expected[self->loss_slot] = v->expected + a->expected;
  self->loss_lost[self->loss_slot] = (v->expected - MIN (v->expected, v->received)) +
                                     (a->expected - MIN (a->expected, a->received));
  for (guint i = 0; i < LOSS_WINDOW; i++)
    {
      expected += self->loss_expected[i];
      lost += self->loss_lost[i];
    }
  self->rx_loss = expected > 0 ? (double) lost / expected : 0.0;
}

/* Every REPORT_MS once accepted: measure, adapt, and tell the peer */
static gboolean
report_cb (gpointer user_data)
{
  DuetMediaSession *self = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 interval = self->last_report_us ? now - self->last_report_us : REPORT_MS * 1000;
  /* The counters only: get_stats also walks webrtcbin's elements for the
   * jitter buffer and FEC figures, which a report does not need */
  guint64 frames_decoded = __atomic_load_n (&self->video_frames_decoded, __ATOMIC_RELAXED);
  guint64 frames_sent = __atomic_load_n (&self->video_frames_sent, __ATOMIC_RELAXED);
  guint64 rx_bytes = __atomic_load_n (&self->rx_bytes, __ATOMIC_RELAXED);
  guint64 tx_bytes = __atomic_load_n (&self->tx_bytes, __ATOMIC_RELAXED);
  guint long_freezes, freezes;
  DuetNetworkQuality quality, raw;
  const DuetStreamSample *main_stream;

  g_mutex_lock (&self->rx_lock);
  long_freezes = self->long_freeze_count;
  g_mutex_unlock (&self->rx_lock);
  duet_stream_monitor_sample (self->video_monitor, now, &self->video_sample);
  duet_stream_monitor_sample (self->audio_monitor, now, &self->audio_sample);
  self->rx_fps = rate_per_second (frames_decoded - self->last_frames_decoded, interval);
  self->best_rx_fps = MAX (self->best_rx_fps, MIN (self->rx_fps, self->full_layer.fps * 2));
  self->tx_fps = rate_per_second (frames_sent - self->last_frames_sent, interval);
  self->rx_kbps = rate_kbps (rx_bytes - self->last_rx_bytes, interval);
  self->tx_kbps = rate_kbps (tx_bytes - self->last_tx_bytes, interval);
  freezes = long_freezes - self->long_freeze_seen;
  self->long_freeze_seen = long_freezes;
  self->last_frames_decoded = frames_decoded;
  self->last_frames_sent = frames_sent;
  self->last_rx_bytes = rx_bytes;
  self->last_tx_bytes = tx_bytes;
  self->last_report_us = now;

  note_loss (self);
  adapt_latency (self, now);
  main_stream = self->video_sample.expected > 0 ? &self->video_sample : &self->audio_sample;
  raw = judge_quality (self, main_stream->loss, MAX (self->video_sample.jitter_ms, self->audio_sample.jitter_ms),
                       freezes);
  /* the worse of this judgement and the last, so one bad half second shows for a second */
  quality = MAX (raw, self->last_raw_quality);
  self->last_raw_quality = raw;
  set_quality (self, quality, self->peer_quality);
  send_receiver_report (self, now, (guint) (interval / 1000));

  if (self->controller != NULL)
    {
      duet_rate_controller_tick (self->controller, now);
      apply_rate (self, now);
    }
  if (self->trace_quality)
    g_printerr ("duet-quality %" G_GINT64_FORMAT " %s/%s: rx %u kbit/s %u fps loss %.3f q %" G_GINT64_FORMAT " ms jitter %u ms jb %u ms; "
           "tx %u kbit/s target %u (video %u, %u×%u@%u) loss %.3f rtt %d ms kf %" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT "\n",
                now / 1000,
           duet_network_quality_to_string (self->quality), duet_network_quality_to_string (self->peer_quality),
           self->rx_kbps, self->rx_fps, main_stream->loss, main_stream->queue_delay_ms, main_stream->jitter_ms,
           self->jb_latency_ms, self->tx_kbps,
           self->controller ? duet_rate_controller_get_target_kbps (self->controller) : 0,
           self->video_target_kbps, self->layer.width, self->layer.height, self->layer.fps, self->tx_loss,
           g_atomic_int_get (&self->rtt_ms),
           (guint64) __atomic_load_n (&self->keyframes_sent, __ATOMIC_RELAXED),
           (guint64) __atomic_load_n (&self->keyframe_requests, __ATOMIC_RELAXED));
  return G_SOURCE_CONTINUE;
}

/* The peer's report of how our media arrives there */
static void
handle_receiver_report (DuetMediaSession                *self,
                        const DuetChannelReceiverReport *report)
{
  gint64 now = g_get_monotonic_time ();
  DuetRateFeedback feedback = { 0 };

  if (report->has_echo)
    {
      gint64 rtt = now / 1000 - report->echo_ts_ms - report->echo_delay_ms;

      /* a forged or stale echo cannot make a negative or absurd RTT */
      if (rtt >= 0 && rtt < 60000)
        g_atomic_int_set (&self->rtt_ms, (gint) rtt);
    }
  self->have_peer_ts = TRUE;
  g_atomic_int_set (&self->pacing, self->congestion_control);
  self->peer_ts_ms = report->ts_ms;
  self->peer_ts_at_us = now;

  self->tx_loss = report->has_video_loss ? report->video_loss / 1000.0
                  : report->has_audio_loss ? report->audio_loss / 1000.0 : 0.0;
  if (self->loss_recovery && self->opus_enc != NULL)
    g_object_set (self->opus_enc, "packet-loss-percentage",
                  report->has_audio_loss ? (gint) (report->audio_loss + 5) / 10 : 0, NULL);
  set_quality (self, self->quality, report->quality);

  if (self->controller == NULL)
    return;
  feedback.received_kbps = (guint) report->kbps;
  feedback.loss = self->tx_loss;
  feedback.queue_delay_ms = report->has_queue_delay ? report->queue_delay_ms : -1;
  feedback.rtt_ms = g_atomic_int_get (&self->rtt_ms);
  duet_rate_controller_feedback (self->controller, now, &feedback);
  apply_rate (self, now);
}

typedef struct
{
  DuetMediaSession          *self;
  DuetChannelReceiverReport  report;
} ReportIn;

static gboolean
report_in_cb (gpointer data)
{
  ReportIn *in = data;

  if (!in->self->stopped)
    handle_receiver_report (in->self, &in->report);
  return G_SOURCE_REMOVE;
}

static void
report_in_free (gpointer data)
{
  ReportIn *in = data;

  g_object_unref (in->self);
  duet_channel_receiver_report_clear (&in->report);
  g_free (in);
}

/* The channel's thread: true when @message was a receiver report */
static gboolean
take_receiver_report (DuetMediaSession *self,
                      JsonObject       *message)
{
  ReportIn *in;
  g_autoptr(GError) error = NULL;
  if (g_strcmp0 (duet_message_read_type (message, NULL), "rx") != 0)
    return FALSE;
  in = g_new0 (ReportIn, 1);
  if (!duet_channel_receiver_report_parse (message, &in->report, &error))
    {
      g_debug ("Ignoring a receiver report: %s", error->message);
      g_free (in);
      return TRUE;
    }
  in->self = g_object_ref (self);
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, report_in_cb, in, report_in_free);
  return TRUE;
}

void
duet_media_session_set_peer_video_expected (DuetMediaSession *self,
                                            gboolean          expected)
{
  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));

  /* A pause is no freeze: the clock starts again with the next frame */
  g_mutex_lock (&self->rx_lock);
  self->peer_video_expected = expected;
  self->last_frame_us = 0;
  g_mutex_unlock (&self->rx_lock);
}

/* ---- bus ---- */

static guint
db_to_percent (double db)
{
  /* -60 dBFS and below reads as silence */
  return (guint) CLAMP ((db + 60.0) * 100.0 / 60.0, 0.0, 100.0);
}

static void
handle_level (DuetMediaSession   *self,
              const GstStructure *s)
{
  const GValue *rms = gst_structure_get_value (s, "rms");
  GValueArray *array;
  double sum = 0;

  /* level still posts a GValueArray */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  if (rms == NULL || G_VALUE_TYPE (rms) != g_value_array_get_type ())
    return;

  array = g_value_get_boxed (rms);
  for (guint i = 0; i < array->n_values; i++)
    sum += g_value_get_double (g_value_array_get_nth (array, i));
  if (array->n_values > 0)
    g_signal_emit (self, signals[VOLUME], 0, db_to_percent (sum / array->n_values));
  G_GNUC_END_IGNORE_DEPRECATIONS
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  DuetMediaSession *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_ELEMENT:
      if (gst_structure_has_name (gst_message_get_structure (message), "level"))
        handle_level (self, gst_message_get_structure (message));
      break;
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) error = NULL;
        g_autofree char *debug = NULL;

        gst_message_parse_error (message, &error, &debug);
        if (handle_device_error (self, GST_MESSAGE_SRC (message), error))
          break;
        g_warning ("Media error from %s: %s (%s)", GST_OBJECT_NAME (message->src), error->message,
                   debug ? debug : "");
        g_signal_emit (self, signals[MEDIA_ERROR], 0, error->message);
      }
      break;
    case GST_MESSAGE_WARNING:
      {
        g_autoptr(GError) error = NULL;

        gst_message_parse_warning (message, &error, NULL);
        g_debug ("Media warning from %s: %s", GST_OBJECT_NAME (message->src), error->message);
      }
      break;
    case GST_MESSAGE_LATENCY:
      gst_bin_recalculate_latency (GST_BIN (self->pipeline));
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

/* ---- views ---- */

static void
view_free (gpointer data)
{
  View *view = data;

  gst_clear_object (&view->sink);
  gst_clear_object (&view->tee_pad);
  g_free (view);
}

static void
prepare_view_sink (GstElement *sink)
{
  /* A sink joining a playing pipeline must not wait for preroll: that
   * would make the whole pipeline lose its state */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (sink), "async"))
    g_object_set (sink, "async", FALSE, NULL);
  /* A video sink holds each frame back by its processing deadline (20 ms
   * by default) on top of the pipeline's latency; showing a decoded frame
   * takes far less */
  if (g_object_class_find_property (G_OBJECT_GET_CLASS (sink), "processing-deadline"))
    g_object_set (sink, "processing-deadline", (guint64) VIEW_DEADLINE_MS * GST_MSECOND, NULL);
}

/* A view may be a bin of its own (a converter and a sink, say): the same
 * goes for every sink inside it */
static void
prepare_sink_in_bin (const GValue *item,
                     gpointer      user_data)
{
  prepare_view_sink (g_value_get_object (item));
}

static void
attach_view (DuetMediaSession *self,
             GstElement       *tee,
             View             *view)
{
  GstElement *queue = make ("queue", NULL);
  GstElement *convert = make ("videoconvert", NULL);
  g_autoptr(GstPad) sink_pad = NULL;

  if (GST_IS_BIN (view->sink))
    {
      g_autoptr(GstIterator) sinks = gst_bin_iterate_sinks (GST_BIN (view->sink));

      while (gst_iterator_foreach (sinks, prepare_sink_in_bin, NULL) == GST_ITERATOR_RESYNC)
        gst_iterator_resync (sinks);
    }
  else
    prepare_view_sink (view->sink);

  view->bin = gst_bin_new (NULL);
  g_object_set (queue, "max-size-buffers", 2, "max-size-bytes", 0, "max-size-time", (guint64) 0, NULL);
  gst_util_set_object_arg (G_OBJECT (queue), "leaky", "downstream");
  gst_bin_add_many (GST_BIN (view->bin), queue, convert, gst_object_ref (view->sink), NULL);
  gst_element_link_many (queue, convert, view->sink, NULL);
  sink_pad = gst_element_get_static_pad (queue, "sink");
  gst_element_add_pad (view->bin, gst_ghost_pad_new ("sink", sink_pad));

  /* Playing before it is linked: a frame the tee hands a view still in
   * NULL comes back FLUSHING, an error the tee may pass upstream */
  gst_bin_add (GST_BIN (self->pipeline), view->bin);
  gst_element_sync_state_with_parent (view->bin);
  view->tee = tee;
  view->tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  {
    g_autoptr(GstPad) bin_pad = gst_element_get_static_pad (view->bin, "sink");
    gst_pad_link (view->tee_pad, bin_pad);
  }
}

typedef struct
{
  DuetMediaSession *self;
  View             *view;
} Detach;

static gboolean
finish_detach (gpointer data)
{
  Detach *d = data;
  View *view = d->view;

  gst_element_set_state (view->bin, GST_STATE_NULL);
  gst_bin_remove (GST_BIN (d->self->pipeline), view->bin);
  gst_element_release_request_pad (view->tee, view->tee_pad);
  view_free (view);
  g_object_unref (d->self);
  g_free (d);
  return G_SOURCE_REMOVE;
}

static GstPadProbeReturn
unlink_when_idle (GstPad          *pad,
                  GstPadProbeInfo *info,
                  gpointer         data)
{
  Detach *d = data;
  g_autoptr(GstPad) peer = gst_pad_get_peer (pad);

  /* Unlinked while no buffer is in flight; state changes go to the main thread */
  if (peer != NULL)
    gst_pad_unlink (pad, peer);
  /* Never synchronously: we may be inside gst_pad_add_probe() on this pad */
  {
    g_autoptr(GSource) source = g_idle_source_new ();

    g_source_set_callback (source, finish_detach, d, NULL);
    g_source_attach (source, d->self->context);
  }
  return GST_PAD_PROBE_REMOVE;
}

void
duet_media_session_add_view (DuetMediaSession *self,
                             gboolean          peer,
                             GstElement       *sink)
{
  View *view;

  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));
  g_return_if_fail (GST_IS_ELEMENT (sink));

  view = g_new0 (View, 1);
  view->sink = gst_object_ref_sink (sink);
  g_ptr_array_add (peer ? self->peer_views : self->my_views, view);

  if (!peer)
    attach_view (self, self->my_tee, view);
  else if (self->peer_tee != NULL)
    attach_view (self, self->peer_tee, view);
}

void
duet_media_session_remove_view (DuetMediaSession *self,
                                gboolean          peer,
                                GstElement       *sink)
{
  GPtrArray *views = peer ? self->peer_views : self->my_views;

  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));

  for (guint i = 0; i < views->len; i++)
    {
      View *view = g_ptr_array_index (views, i);
      Detach *d;

      if (view->sink != sink)
        continue;

      g_ptr_array_steal_index (views, i);
      if (view->tee_pad == NULL)
        {
          view_free (view);
          return;
        }
      d = g_new0 (Detach, 1);
      d->self = g_object_ref (self);
      d->view = view;
      gst_pad_add_probe (view->tee_pad, GST_PAD_PROBE_TYPE_IDLE, unlink_when_idle, d, NULL);
      return;
    }
}

/* ---- ICE servers and the path in use ---- */

/* "candidate:FOUNDATION COMPONENT TRANSPORT PRIORITY ADDRESS PORT typ TYPE …":
 * remembers TYPE by FOUNDATION, which is all libnice names a pair by */
static const char *
remember_candidate (DuetMediaSession *self,
                    const char       *prefix,
                    const char       *candidate)
{
  g_auto(GStrv) fields = g_strsplit (candidate, " ", 10);
  const char *type = NULL;

  if (g_strv_length (fields) < 8 || !g_str_has_prefix (fields[0], "candidate:") ||
      !g_str_equal (fields[6], "typ"))
    return NULL;
  type = g_intern_string (fields[7]);
  g_mutex_lock (&self->ice_lock);
  g_hash_table_insert (self->candidate_types, g_strconcat (prefix, fields[0] + strlen ("candidate:"), NULL),
                       (gpointer) type);
  g_mutex_unlock (&self->ice_lock);
  return type;
}

static const char *
candidate_type (DuetMediaSession *self,
                const char       *prefix,
                const char       *foundation)
{
  g_autofree char *key = g_strconcat (prefix, foundation, NULL);
  const char *type;

  g_mutex_lock (&self->ice_lock);
  type = g_hash_table_lookup (self->candidate_types, key);
  g_mutex_unlock (&self->ice_lock);
  return type;
}

/* libnice's thread: the pair media now flows over */
static void
on_agent_new_selected_pair (GObject    *agent,
                            guint       stream_id,
                            guint       component_id,
                            const char *local_foundation,
                            const char *remote_foundation,
                            gpointer    user_data)
{
  DuetMediaSession *self = user_data;
  const char *local = candidate_type (self, "l:", local_foundation);
  const char *remote = candidate_type (self, "r:", remote_foundation);

  /* a remote candidate learnt from its packets was never signalled */
  g_atomic_pointer_set (&self->local_type, local ? local : g_intern_static_string ("prflx"));
  g_atomic_pointer_set (&self->remote_type, remote ? remote : g_intern_static_string ("prflx"));
}

static GObject *
nice_agent_of (GstElement *webrtc)
{
  g_autoptr(GObject) ice = NULL;
  GObject *agent = NULL;

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  if (ice != NULL && g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
    g_object_get (ice, "agent", &agent, NULL);
  return agent;
}

/* "turn://user:secret@host:3478" → "turn://host:3478", for messages */
static char *
redact (const char *uri)
{
  const char *at = strchr (uri, '@');
  const char *scheme_end = strstr (uri, "://");

  if (at == NULL || scheme_end == NULL)
    return g_strdup (uri);
  return g_strdup_printf ("%.*s%s", (int) (scheme_end + 3 - uri), uri, at + 1);
}

static char *
turn_servers_text (DuetMediaSession *self)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (guint i = 0; self->ice_servers != NULL && self->ice_servers[i] != NULL; i++)
    {
      g_autofree char *shown = NULL;

      if (g_str_has_prefix (self->ice_servers[i], "stun://"))
        continue;
      shown = redact (self->ice_servers[i]);
      g_string_append_printf (text, "%s%s", text->len ? ", " : "", shown);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* webrtcbin's thread. webrtcbin cannot tell why a TURN server gave
 * nothing; no relay candidate once gathering is over is the sign. */
static void
on_webrtc_notify_ice_gathering_state (GstElement *webrtc,
                                      GParamSpec *pspec,
                                      gpointer    user_data)
{
  DuetMediaSession *self = user_data;
  GstWebRTCICEGatheringState state;
  g_autofree char *servers = NULL;
  g_autofree char *message = NULL;

  g_object_get (webrtc, "ice-gathering-state", &state, NULL);
  if (state != GST_WEBRTC_ICE_GATHERING_STATE_COMPLETE || !self->has_turn ||
      g_atomic_int_get (&self->relay_gathered) || !g_atomic_int_compare_and_exchange (&self->turn_warned, FALSE, TRUE))
    return;

  servers = turn_servers_text (self);
  message = g_strdup_printf ("The TURN server (%s) gave no relay address: its credentials were refused "
                             "or it cannot be reached. Calls across firewalls may fail.", servers);
  g_warning ("%s", message);
  defer (self, NETWORK_WARNING, message, NULL, 0, NULL);
}

/* One STUN server (all webrtcbin takes) and every TURN server, before any
 * description: gathering starts with the first one */
static void
apply_ice_servers (DuetMediaSession *self)
{
  g_autoptr(GObject) agent = nice_agent_of (self->webrtc);
  gboolean have_stun = FALSE;

  for (guint i = 0; self->ice_servers != NULL && self->ice_servers[i] != NULL; i++)
    {
      const char *uri = self->ice_servers[i];
      gboolean added = FALSE;

      if (g_str_has_prefix (uri, "stun://"))
        {
          if (!have_stun)
            g_object_set (self->webrtc, "stun-server", uri, NULL);
          else
            g_debug ("webrtcbin takes one STUN server; %s is not used", uri);
          have_stun = TRUE;
          continue;
        }
      g_signal_emit_by_name (self->webrtc, "add-turn-server", uri, &added);
      if (added)
        self->has_turn = TRUE;
      else
        {
          g_autofree char *shown = redact (uri);
          g_warning ("webrtcbin refused the TURN server %s", shown);
        }
    }

  if (self->relay_only)
    gst_util_set_object_arg (G_OBJECT (self->webrtc), "ice-transport-policy", "relay");
  g_signal_connect_object (self->webrtc, "notify::ice-gathering-state",
                           G_CALLBACK (on_webrtc_notify_ice_gathering_state), self, 0);
  if (agent != NULL)
    g_signal_connect_object (agent, "new-selected-pair", G_CALLBACK (on_agent_new_selected_pair), self, 0);
}

/* ---- life cycle ---- */

/* libnice leaves loopback addresses out, so on a machine with no other
 * interface up (a demo on one machine, a container or namespace with only
 * lo) nothing is gathered and no call connects. Only then, offer loopback
 * candidates: anywhere else they would only add checks that cannot reach
 * another machine. */
static void
add_loopback_if_alone (NiceAgent *agent)
{
  GList *usable = nice_interfaces_get_local_ips (FALSE);
  GList *all;

  if (usable != NULL)
    {
      g_list_free_full (usable, g_free);
      return;
    }
  all = nice_interfaces_get_local_ips (TRUE);
  for (GList *l = all; l != NULL; l = l->next)
    {
      NiceAddress address;

      nice_address_init (&address);
      if (nice_address_set_from_string (&address, l->data) && nice_agent_add_local_address (agent, &address))
        g_debug ("No network interface but loopback: ICE uses %s", (const char *) l->data);
    }
  g_list_free_full (all, g_free);
}

/* Before the agent gathers. No UPnP-IGD port mapping: a LAN multicast
 * search at each call, a thread whose warnings we cannot act on, and no
 * use with STUN/TURN. */
static void
configure_agent (GstElement *webrtc)
{
  g_autoptr(GObject) ice = NULL;
  g_autoptr(GObject) agent = NULL;

  g_object_get (webrtc, "ice-agent", &ice, NULL);
  if (ice == NULL || !g_object_class_find_property (G_OBJECT_GET_CLASS (ice), "agent"))
    return;
  g_object_get (ice, "agent", &agent, NULL);
  if (agent == NULL || !NICE_IS_AGENT (agent))
    return;
  g_object_set (agent, "upnp", FALSE, NULL);
  add_loopback_if_alone (NICE_AGENT (agent));
}

static gboolean
check_plugins (GError **error)
{
  static const char *needed[] = { "webrtcbin", "nicesrc", "dtlssrtpenc", "vp8enc", "opusenc",
                                  "rtpvp8pay", "rtpopuspay", "valve", "level" };

  for (guint i = 0; i < G_N_ELEMENTS (needed); i++)
    {
      g_autoptr(GstElementFactory) factory = gst_element_factory_find (needed[i]);

      if (factory == NULL)
        {
          g_set_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_MEDIA,
                       "GStreamer element “%s” is missing (install gstreamer1.0-plugins-bad, "
                       "gstreamer1.0-nice, gstreamer1.0-plugins-good)", needed[i]);
          return FALSE;
        }
    }
  return TRUE;
}

/* From a modest start (a link is not known to carry more until it has) to
 * what the picture can use: VGA at 30 fps rarely gains from more than
 * 1.5 Mbit/s of VP8. Growth from the start reaches that within seconds. */
static DuetRateController *
make_controller (DuetMediaSession *self)
{
  double pixel_rate = (double) self->width * self->height * self->fps;
  guint max = (guint) CLAMP (1500 * pixel_rate / (640.0 * 480 * 30), 300, 4000) + AUDIO_SHARE_KBPS;
  guint start = MIN (MIN (self->video_bitrate / 1000, START_VIDEO_KBPS) + AUDIO_SHARE_KBPS, max);

  self->video_target_kbps = start - AUDIO_SHARE_KBPS;
  g_object_set (self->video_enc, "target-bitrate", (gint) self->video_target_kbps * 1000, NULL);
  self->pace_bps = (gint64) MAX (self->video_target_kbps * PACE_FACTOR, PACE_MIN_KBPS) * 1000;
  return duet_rate_controller_new (MIN_TOTAL_KBPS, start, max);
}

gboolean
duet_media_session_start (DuetMediaSession  *self,
                          GError           **error)
{
  g_autoptr(GstBus) bus = NULL;

  g_return_val_if_fail (DUET_IS_MEDIA_SESSION (self), FALSE);
  g_return_val_if_fail (self->pipeline == NULL, FALSE);

  if (!check_plugins (error))
    return FALSE;

  self->pipeline = gst_pipeline_new (NULL);
  {
    /* devices come and go mid-call: none of them may be the clock */
    g_autoptr(GstClock) clock = gst_system_clock_obtain ();

    gst_pipeline_use_clock (GST_PIPELINE (self->pipeline), clock);
  }
  self->webrtc = make ("webrtcbin", NULL);
  gst_util_set_object_arg (G_OBJECT (self->webrtc), "bundle-policy", "max-bundle");
  self->jb_latency_ms = self->adaptive_latency ? JB_MIN_MS : self->latency_ms;
  g_object_set (self->webrtc, "latency", self->jb_latency_ms, NULL);
  gst_bin_add (GST_BIN (self->pipeline), self->webrtc);
  configure_agent (self->webrtc);
  apply_ice_servers (self);

  g_signal_connect (self->webrtc, "on-ice-candidate", G_CALLBACK (on_webrtc_ice_candidate), self);
  g_signal_connect (self->webrtc, "pad-added", G_CALLBACK (on_webrtc_pad_added), self);
  g_signal_connect (self->webrtc, "on-data-channel", G_CALLBACK (on_webrtc_data_channel), self);
  {
    g_autoptr(GstElement) rtpbin = gst_bin_get_by_name (GST_BIN (self->webrtc), "rtpbin");

    if (rtpbin != NULL)
      g_signal_connect (rtpbin, "new-jitterbuffer", G_CALLBACK (on_rtpbin_new_jitterbuffer), self);
  }

  if (!build_audio_out (self, error) ||
      !build_video_send (self, error) ||
      !build_audio_send (self, error))
    return FALSE;
  if (self->congestion_control)
    self->controller = make_controller (self);
  /* the caller chose to call: its devices open now, a callee's at accept */
  self->devices_open = self->offerer;
  watch_devices (self);
  update_devices (self);

  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  gst_bus_add_watch (bus, on_bus_message, self);

  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error_literal (error, DUET_KIT_ERROR, DUET_KIT_ERROR_MEDIA, "Cannot start the media pipeline");
      return FALSE;
    }

  /* The offerer's channel must exist before the offer to be in the SDP */
  if (self->offerer)
    {
      GstWebRTCDataChannel *channel = NULL;

      g_signal_emit_by_name (self->webrtc, "create-data-channel", "control", NULL, &channel);
      if (channel != NULL)
        {
          setup_channel (self, channel);
          g_object_unref (channel);
        }
    }

  touch_peer_activity (self);
  self->heartbeat_source = g_timeout_add (HEARTBEAT_MS, heartbeat_cb, self);
  return TRUE;
}

/* Accepted: let media out and start watching the peer */
void
duet_media_session_open (DuetMediaSession *self)
{
  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));

  if (self->opened || self->pipeline == NULL)
    return;
  self->opened = TRUE;
  duet_media_session_open_devices (self);
  g_object_set (self->audio_valve, "drop", !self->audio_sending, NULL);
  g_object_set (self->video_valve, "drop", !self->video_sending, NULL);

  touch_peer_activity (self);
  self->liveness_source = g_timeout_add (250, liveness_cb, self);
  self->report_source = g_timeout_add (REPORT_MS, report_cb, self);
}

void
duet_media_session_set_mic_muted (DuetMediaSession *self,
                                  gboolean          muted)
{
  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));

  if (self->mute != NULL)
    g_object_set (self->mute, "mute", muted, NULL);
}

/* Unlike a muted mic, which sends silence, this sends no audio at all */
void
duet_media_session_set_audio_sending (DuetMediaSession *self,
                                      gboolean          sending)
{
  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));

  self->audio_sending = sending;
  if (self->opened)
    g_object_set (self->audio_valve, "drop", !sending, NULL);
}

void
duet_media_session_set_video_sending (DuetMediaSession *self,
                                      gboolean          sending)
{
  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));

  self->video_sending = sending;
  if (self->opened)
    g_object_set (self->video_valve, "drop", !sending, NULL);
}

/* Whether the camera captures at all; off while video is disabled */
void
duet_media_session_set_camera_active (DuetMediaSession *self,
                                      gboolean          active)
{
  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));

  active = !!active;
  if (self->camera_active == active)
    return;
  self->camera_active = active;
  update_device (self, DUET_DEVICE_KIND_CAMERA);
}

/* The user accepted: the callee's camera and microphone open (the
 * caller's opened at start) */
void
duet_media_session_open_devices (DuetMediaSession *self)
{
  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));

  if (self->devices_open)
    return;
  self->devices_open = TRUE;
  update_devices (self);
}

/* @id: the device for @kind, or NULL for the desktop's default */
void
duet_media_session_set_device (DuetMediaSession *self,
                               DuetDeviceKind    kind,
                               const char       *id)
{
  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));
  g_return_if_fail (kind < N_DEVICE_KINDS);

  if (!duet_set_string (&self->device_ids[kind], id))
    return;
  forget_failures (self, kind);
  update_device (self, kind);
}

DuetDeviceProblem
duet_media_session_get_device_problem (DuetMediaSession *self,
                                       DuetDeviceKind    kind)
{
  g_return_val_if_fail (DUET_IS_MEDIA_SESSION (self), DUET_DEVICE_PROBLEM_NONE);
  g_return_val_if_fail (kind < N_DEVICE_KINDS, DUET_DEVICE_PROBLEM_NONE);

  return self->problems[kind];
}

/* webrtcbin builds its FEC decoder inside; find it by factory */
static guint64
fec_recovered (DuetMediaSession *self)
{
  g_autoptr(GstIterator) it = gst_bin_iterate_recurse (GST_BIN (self->webrtc));
  GValue item = G_VALUE_INIT;
  guint64 sum = 0;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *element = g_value_get_object (&item);
      GstElementFactory *factory = gst_element_get_factory (element);

      if (factory != NULL && g_str_equal (GST_OBJECT_NAME (factory), "rtpulpfecdec"))
        {
          guint recovered = 0;

          g_object_get (element, "recovered", &recovered, NULL);
          sum += recovered;
        }
      g_value_reset (&item);
    }
  g_value_unset (&item);
  return sum;
}

void
duet_media_session_get_stats (DuetMediaSession *self,
                              DuetMediaStats   *stats)
{
  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));

  *stats = (DuetMediaStats) { 0 };
  stats->video_frames_decoded = __atomic_load_n (&self->video_frames_decoded, __ATOMIC_RELAXED);
  stats->audio_buffers_decoded = __atomic_load_n (&self->audio_buffers_decoded, __ATOMIC_RELAXED);
  stats->video_frames_sent = __atomic_load_n (&self->video_frames_sent, __ATOMIC_RELAXED);
  stats->audio_buffers_sent = __atomic_load_n (&self->audio_buffers_sent, __ATOMIC_RELAXED);
  stats->rx_bytes = __atomic_load_n (&self->rx_bytes, __ATOMIC_RELAXED);
  stats->tx_bytes = __atomic_load_n (&self->tx_bytes, __ATOMIC_RELAXED);
  stats->first_video_frame_us = __atomic_load_n (&self->first_video_frame_us, __ATOMIC_RELAXED);
  stats->first_audio_buffer_us = __atomic_load_n (&self->first_audio_buffer_us, __ATOMIC_RELAXED);
  stats->local_candidate_type = g_atomic_pointer_get (&self->local_type);
  stats->remote_candidate_type = g_atomic_pointer_get (&self->remote_type);

  stats->rtt_ms = g_atomic_int_get (&self->rtt_ms);
  stats->rx_loss = self->rx_loss;
  stats->tx_loss = self->tx_loss;
  stats->jitter_ms = MAX (self->video_sample.jitter_ms, self->audio_sample.jitter_ms);
  stats->rx_kbps = self->rx_kbps;
  stats->tx_kbps = self->tx_kbps;
  stats->video_target_kbps = self->congestion_control ? self->video_target_kbps : self->video_bitrate / 1000;
  stats->tx_width = self->video_sending ? self->layer.width : 0;
  stats->tx_height = self->video_sending ? self->layer.height : 0;
  stats->tx_fps = self->tx_fps;
  stats->rx_fps = self->rx_fps;
  stats->jitter_buffer_ms = self->jb_latency_ms;
  stats->audio_concealed_count = __atomic_load_n (&self->audio_concealed, __ATOMIC_RELAXED);
  stats->keyframe_requests = __atomic_load_n (&self->keyframe_requests, __ATOMIC_RELAXED);
  stats->keyframes_sent = __atomic_load_n (&self->keyframes_sent, __ATOMIC_RELAXED);
  stats->network_quality = self->quality;
  stats->peer_network_quality = self->peer_quality;
  if (self->pipeline != NULL)
    {
      stats->nack_count = sum_jitterbuffer_stat (self, "rtx-count");
      stats->retransmitted_count = sum_jitterbuffer_stat (self, "rtx-success-count");
      stats->fec_recovered_count = fec_recovered (self);
    }

  g_mutex_lock (&self->rx_lock);
  stats->freeze_count = self->freeze_count;
  stats->long_freeze_count = self->long_freeze_count;
  if (self->decoder_src != NULL)
    {
      g_autoptr(GstCaps) caps = gst_pad_get_current_caps (self->decoder_src);
      GstStructure *structure = caps ? gst_caps_get_structure (caps, 0) : NULL;
      gint width = 0, height = 0;

      if (structure != NULL && gst_structure_get_int (structure, "width", &width) &&
          gst_structure_get_int (structure, "height", &height))
        {
          stats->rx_width = width;
          stats->rx_height = height;
        }
    }
  g_mutex_unlock (&self->rx_lock);
}

static gboolean
stop_cb (gpointer data)
{
  duet_media_session_stop (data);
  return G_SOURCE_REMOVE;
}

static gboolean
flush_cb (gpointer data)
{
  DuetMediaSession *self = data;
  guint64 buffered = 0;

  if (self->channel != NULL)
    g_object_get (self->channel, "buffered-amount", &buffered, NULL);
  if (buffered > 0 && g_get_monotonic_time () < self->flush_deadline)
    return G_SOURCE_CONTINUE;

  /* A little longer for the last SCTP packet to leave through DTLS and ICE */
  self->flush_source = 0;
  g_timeout_add_full (G_PRIORITY_DEFAULT, 50, stop_cb, g_object_ref (self), g_object_unref);
  return G_SOURCE_REMOVE;
}

/* Stops once the data channel has sent what is queued (a last "end"),
 * so that the peer hears it even when the app server is away */
void
duet_media_session_stop_after_flush (DuetMediaSession *self)
{
  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));

  if (self->stopped || self->flush_source != 0)
    return;
  g_clear_handle_id (&self->liveness_source, g_source_remove);
  self->flush_deadline = g_get_monotonic_time () + FLUSH_MAX_MS * 1000;
  self->flush_source = g_timeout_add_full (G_PRIORITY_DEFAULT, 10, flush_cb,
                                           g_object_ref (self), g_object_unref);
}

void
duet_media_session_stop (DuetMediaSession *self)
{
  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));

  if (self->stopped)
    return;
  self->stopped = TRUE;
  g_clear_handle_id (&self->flush_source, g_source_remove);
  g_clear_handle_id (&self->heartbeat_source, g_source_remove);
  g_clear_handle_id (&self->liveness_source, g_source_remove);
  g_clear_handle_id (&self->report_source, g_source_remove);

  if (self->pipeline != NULL)
    {
      g_autoptr(GstBus) bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));

      gst_bus_remove_watch (bus);
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      g_signal_handlers_disconnect_by_data (self->webrtc, self);
      if (self->channel != NULL)
        g_signal_handlers_disconnect_by_data (self->channel, self);
    }
  unwatch_devices (self);
  for (int kind = 0; kind < N_DEVICE_KINDS; kind++)
    g_clear_handle_id (&self->retry_sources[kind], g_source_remove);
  g_clear_object (&self->channel);
  g_ptr_array_set_size (self->my_views, 0);
  g_ptr_array_set_size (self->peer_views, 0);
  gst_clear_object (&self->pipeline);
}

static void
duet_media_session_dispose (GObject *object)
{
  DuetMediaSession *self = DUET_MEDIA_SESSION (object);

  duet_media_session_stop (self);

  G_OBJECT_CLASS (duet_media_session_parent_class)->dispose (object);
}

static void
duet_media_session_finalize (GObject *object)
{
  DuetMediaSession *self = DUET_MEDIA_SESSION (object);

  g_ptr_array_unref (self->my_views);
  g_ptr_array_unref (self->peer_views);
  for (int kind = 0; kind < N_DEVICE_KINDS; kind++)
    {
      g_clear_pointer (&self->slots[kind], duet_device_slot_free);
      g_free (self->device_ids[kind]);
      g_free (self->used_ids[kind]);
    }
  g_strfreev (self->ice_servers);
  g_hash_table_unref (self->candidate_types);
  g_mutex_clear (&self->ice_lock);
  g_ptr_array_unref (self->jitterbuffers);
  gst_clear_object (&self->decoder_src);
  duet_stream_monitor_free (self->video_monitor);
  duet_stream_monitor_free (self->audio_monitor);
  g_clear_pointer (&self->controller, duet_rate_controller_free);
  g_mutex_clear (&self->rx_lock);
  g_free (self->test_pattern);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (duet_media_session_parent_class)->finalize (object);
}

static void
duet_media_session_class_init (DuetMediaSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_media_session_dispose;
  object_class->finalize = duet_media_session_finalize;

  /* local-description (type, sdp): send it to the peer */
  signals[LOCAL_DESCRIPTION] =
    g_signal_new ("local-description", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  signals[LOCAL_CANDIDATE] =
    g_signal_new ("local-candidate", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);
  /* control-message (JsonObject): from the peer's data channel */
  signals[CONTROL_MESSAGE] =
    g_signal_new ("control-message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
  /* path-up: the peer is heard, for the first time or again after path-lost */
  signals[PATH_UP] =
    g_signal_new ("path-up", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* path-lost: nothing from the peer for liveness-timeout (three times that
   * before it was first heard: ICE and DTLS may still be at work) */
  signals[PATH_LOST] =
    g_signal_new ("path-lost", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[VOLUME] =
    g_signal_new ("volume", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[DEVICE_WARNING] =
    g_signal_new ("device-warning", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* device-problem (kind, problem): a device is missing, refused or failed,
   * or (NONE) works again */
  signals[DEVICE_PROBLEM] =
    g_signal_new ("device-problem", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, DUET_TYPE_DEVICE_KIND, DUET_TYPE_DEVICE_PROBLEM);
  signals[MEDIA_ERROR] =
    g_signal_new ("media-error", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* network-warning (message): e.g. no relay from the TURN servers; not fatal */
  signals[NETWORK_WARNING] =
    g_signal_new ("network-warning", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /* media-rejected (media, what): negotiation left "audio" or "video"
   * "refused", "not-sent" or "not-received" */
  signals[MEDIA_REJECTED] =
    g_signal_new ("media-rejected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
  /* network-quality (mine, peer's): how media arrives here and at the peer */
  signals[NETWORK_QUALITY] =
    g_signal_new ("network-quality", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, DUET_TYPE_NETWORK_QUALITY, DUET_TYPE_NETWORK_QUALITY);
}

static void
duet_media_session_init (DuetMediaSession *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->my_views = g_ptr_array_new_with_free_func (view_free);
  self->peer_views = g_ptr_array_new_with_free_func (view_free);
  self->level_interval_ms = 500;
  self->camera_active = TRUE;
  self->audio_sending = TRUE;
  g_mutex_init (&self->ice_lock);
  self->candidate_types = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&self->rx_lock);
  self->jitterbuffers = g_ptr_array_new_with_free_func (gst_object_unref);
  self->video_monitor = duet_stream_monitor_new (90000);
  self->audio_monitor = duet_stream_monitor_new (48000);
  self->peer_video_expected = TRUE;
  self->keyframe_gap_us = KEYFRAME_GAP_MIN_MS * G_TIME_SPAN_MILLISECOND;
}

/* A snapshot: later changes to the settings are for the next session */
static void
apply_settings (DuetMediaSession  *self,
                DuetMediaSettings *settings)
{
  self->test_sources = settings->test_sources;
  self->fake_audio_sink = settings->fake_audio_sink;
  self->echo_cancel = settings->echo_cancel;
  self->test_pattern = g_strdup (settings->test_pattern);
  for (int kind = 0; kind < N_DEVICE_KINDS; kind++)
    self->device_ids[kind] = g_strdup (settings->device_ids[kind]);
  self->width = settings->video_width;
  self->height = settings->video_height;
  self->fps = settings->video_fps;
  self->video_bitrate = settings->video_bitrate;
  self->latency_ms = settings->latency;
  self->adaptive_latency = settings->adaptive_latency;
  self->liveness_timeout_ms = settings->liveness_timeout != 0 ? settings->liveness_timeout
                                                              : DEFAULT_LIVENESS_TIMEOUT_MS;
  self->congestion_control = settings->congestion_control;
  self->loss_recovery = settings->loss_recovery;
  self->trace_quality = settings->trace_quality;
}

DuetMediaSession *
duet_media_session_new (gboolean           offerer,
                        DuetMediaSettings *settings)
{
  DuetMediaSession *self;

  g_return_val_if_fail (DUET_IS_MEDIA_SETTINGS (settings), NULL);

  self = g_object_new (DUET_TYPE_MEDIA_SESSION, NULL);
  self->offerer = offerer;
  apply_settings (self, settings);
  return self;
}

/* ICE servers in webrtcbin's URI form ("stun://host:port",
 * "turn[s]://user:pass@host:port?transport=…", credentials escaped), and
 * whether to use TURN relays only, so the peer never learns our address;
 * read when the session starts */
void
duet_media_session_set_ice_servers (DuetMediaSession   *self,
                                    const char * const *servers,
                                    gboolean            relay_only)
{
  g_return_if_fail (DUET_IS_MEDIA_SESSION (self));

  g_strfreev (self->ice_servers);
  self->ice_servers = g_strdupv ((char **) servers);
  self->relay_only = relay_only;
}

/* The device the session was asked for (NULL: the default), not
 * necessarily the one open: see get_device_problem */
const char *
duet_media_session_get_device (DuetMediaSession *self,
                               DuetDeviceKind    kind)
{
  g_return_val_if_fail (DUET_IS_MEDIA_SESSION (self), NULL);
  g_return_val_if_fail (kind < N_DEVICE_KINDS, NULL);

  return self->device_ids[kind];
}
