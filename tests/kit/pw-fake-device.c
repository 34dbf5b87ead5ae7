/* A synthetic PipeWire device for the kit's tests (tests/kit/pwenv.py):
 *
 *   pw-fake-device camera NAME DESCRIPTION RRGGBB [WIDTH HEIGHT FPS]
 *   pw-fake-device microphone NAME DESCRIPTION FREQ_HZ
 *   pw-fake-device speaker NAME DESCRIPTION
 *
 * camera: a Video/Source node with media.role Camera that drives its own
 * graph at FPS like a webcam, offering YUY2 frames of one solid colour.
 * microphone: an Audio/Source node giving a sine of FREQ_HZ (F32 mono,
 * 48 kHz) to whoever links to it. speaker: an Audio/Sink node that
 * swallows what is played into it and reports its level.
 *
 * Each is a pw_stream with no autoconnect, so the node stays until this
 * process exits: killing it is an unplug. Written against libpipewire
 * 0.3.65 because GStreamer's pipewiresink as a producer wedges for good
 * once a consumer is killed while it waits for a buffer back, and the SPA
 * audiotestsrc runs out of buffers after a few consumers.
 *
 * Prints one JSON line per event on stdout: {"event":"ready","node":ID}
 * once the node exists, {"event":"state","state":S} on each change, and
 * for a speaker {"event":"level","rms":R} every quarter second while it
 * is fed.
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <errno.h>
#include <stdarg.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/video/format-utils.h>

enum kind { CAMERA, MICROPHONE, SPEAKER };

struct dev {
  enum kind kind;
  struct pw_main_loop *loop;
  struct pw_stream *stream;
  struct spa_hook listener;
  struct spa_source *timer;
  int ready;
  int res;

  /* camera */
  uint8_t yuyv[4];
  uint32_t width, height, fps, stride;
  uint64_t seq;

  /* microphone */
  double freq, phase;

  /* speaker */
  uint32_t channels;
  double sum_sq;
  uint64_t frames;
};

#define RATE 48000

static void emit (const char *fmt, ...) __attribute__ ((format (printf, 1, 2)));

static void
emit (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  vprintf (fmt, ap);
  va_end (ap);
  putchar ('\n');
  fflush (stdout);
}

/* BT.601 limited range, what a webcam's YUY2 and GStreamer's videoconvert
 * use, so a consumer converting back to RGB gets the colour within ±2 */
static void
rgb_to_yuyv (uint32_t rgb, uint8_t out[4])
{
  double r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff, b = rgb & 0xff;
  double y = 16 + (65.738 * r + 129.057 * g + 25.064 * b) / 256;
  double u = 128 + (-37.945 * r - 74.494 * g + 112.439 * b) / 256;
  double v = 128 + (112.439 * r - 94.154 * g - 18.285 * b) / 256;
  out[0] = out[2] = (uint8_t) lround (y);
  out[1] = (uint8_t) lround (u);
  out[3] = (uint8_t) lround (v);
}

static void
fill_camera (struct dev *d, struct spa_buffer *buf)
{
  struct spa_data *sd = &buf->datas[0];
  struct spa_meta_header *h;
  uint8_t *p = sd->data;
  uint32_t size = d->stride * d->height;

  if (p == NULL || sd->maxsize < size)
    return;
  for (uint32_t x = 0; x < d->width / 2; x++)
    memcpy (p + 4 * x, d->yuyv, 4);
  for (uint32_t y = 1; y < d->height; y++)
    memcpy (p + y * d->stride, p, d->stride);
  if ((h = spa_buffer_find_meta_data (buf, SPA_META_Header, sizeof (*h)))) {
    h->pts = -1;
    h->flags = 0;
    h->seq = d->seq++;
    h->dts_offset = 0;
  }
  sd->chunk->offset = 0;
  sd->chunk->size = size;
  sd->chunk->stride = d->stride;
}

static void
fill_microphone (struct dev *d, struct pw_buffer *b)
{
  struct spa_data *sd = &b->buffer->datas[0];
  float *p = sd->data;
  uint32_t n;

  if (p == NULL)
    return;
  n = sd->maxsize / sizeof (float);
  /* the graph asks for one quantum; give exactly that so the phase
   * stays continuous across cycles */
  if (b->requested)
    n = SPA_MIN (n, (uint32_t) b->requested);
  for (uint32_t i = 0; i < n; i++) {
    p[i] = 0.5f * (float) sin (d->phase);
    d->phase += 2 * M_PI * d->freq / RATE;
    if (d->phase >= 2 * M_PI)
      d->phase -= 2 * M_PI;
  }
  sd->chunk->offset = 0;
  sd->chunk->stride = sizeof (float);
  sd->chunk->size = n * sizeof (float);
}

static void
drain_speaker (struct dev *d, struct spa_buffer *buf)
{
  struct spa_data *sd = &buf->datas[0];
  const float *p = SPA_PTROFF (sd->data, sd->chunk->offset, const float);
  uint32_t n = sd->chunk->size / sizeof (float);

  if (sd->data == NULL)
    return;
  for (uint32_t i = 0; i < n; i++)
    d->sum_sq += (double) p[i] * p[i];
  d->frames += n / SPA_MAX (d->channels, 1u);
  if (d->frames >= RATE / 4) {
    emit ("{\"event\":\"level\",\"rms\":%.4f}",
          sqrt (d->sum_sq / (double) (d->frames * SPA_MAX (d->channels, 1u))));
    d->sum_sq = 0;
    d->frames = 0;
  }
}

static void
on_process (void *data)
{
  struct dev *d = data;
  struct pw_buffer *b = pw_stream_dequeue_buffer (d->stream);

  if (b == NULL)
    return;
  switch (d->kind) {
  case CAMERA:
    fill_camera (d, b->buffer);
    break;
  case MICROPHONE:
    fill_microphone (d, b);
    break;
  case SPEAKER:
    drain_speaker (d, b->buffer);
    break;
  }
  pw_stream_queue_buffer (d->stream, b);
}

static void
on_timer (void *data, uint64_t expirations)
{
  struct dev *d = data;
  /* a driver stream makes a graph cycle itself, one per frame */
  pw_stream_trigger_process (d->stream);
}

static void
set_timer (struct dev *d, int on)
{
  struct timespec value = { 0, 1 }, interval = { 0, 0 };

  if (d->timer == NULL)
    return;
  interval.tv_sec = 0;
  interval.tv_nsec = SPA_NSEC_PER_SEC / SPA_MAX (d->fps, 1u);
  pw_loop_update_timer (pw_main_loop_get_loop (d->loop), d->timer,
                        on ? &value : NULL, on ? &interval : NULL, false);
}

static void
on_state_changed (void *data, enum pw_stream_state old,
                  enum pw_stream_state state, const char *error)
{
  struct dev *d = data;

  if (state == PW_STREAM_STATE_PAUSED && !d->ready) {
    d->ready = 1;
    emit ("{\"event\":\"ready\",\"node\":%u}", pw_stream_get_node_id (d->stream));
  }
  emit ("{\"event\":\"state\",\"state\":\"%s\"}", pw_stream_state_as_string (state));
  if (state == PW_STREAM_STATE_ERROR) {
    fprintf (stderr, "pw-fake-device: stream error: %s\n", error ? error : "?");
    d->res = 1;
    pw_main_loop_quit (d->loop);
  } else if (state == PW_STREAM_STATE_UNCONNECTED) {
    pw_main_loop_quit (d->loop);
  }
  set_timer (d, state == PW_STREAM_STATE_STREAMING);
}

static void
on_param_changed (void *data, uint32_t id, const struct spa_pod *param)
{
  struct dev *d = data;
  uint8_t buffer[1024];
  struct spa_pod_builder b = SPA_POD_BUILDER_INIT (buffer, sizeof (buffer));
  const struct spa_pod *params[2];

  if (param == NULL || id != SPA_PARAM_Format)
    return;

  if (d->kind == CAMERA) {
    struct spa_video_info_raw info = { 0 };
    spa_format_video_raw_parse (param, &info);
    d->width = info.size.width;
    d->height = info.size.height;
    if (info.framerate.denom && info.framerate.num)
      d->fps = SPA_MAX (info.framerate.num / info.framerate.denom, 1u);
    d->stride = SPA_ROUND_UP_N (d->width * 2, 4);
    params[0] = spa_pod_builder_add_object (&b,
        SPA_TYPE_OBJECT_ParamBuffers, SPA_PARAM_Buffers,
        SPA_PARAM_BUFFERS_buffers, SPA_POD_CHOICE_RANGE_Int (4, 2, 16),
        SPA_PARAM_BUFFERS_blocks, SPA_POD_Int (1),
        SPA_PARAM_BUFFERS_size, SPA_POD_Int (d->stride * d->height),
        SPA_PARAM_BUFFERS_stride, SPA_POD_Int (d->stride));
    params[1] = spa_pod_builder_add_object (&b,
        SPA_TYPE_OBJECT_ParamMeta, SPA_PARAM_Meta,
        SPA_PARAM_META_type, SPA_POD_Id (SPA_META_Header),
        SPA_PARAM_META_size, SPA_POD_Int (sizeof (struct spa_meta_header)));
    pw_stream_update_params (d->stream, params, 2);
    /* a format change while streaming restarts the pace */
    if (pw_stream_get_state (d->stream, NULL) == PW_STREAM_STATE_STREAMING)
      set_timer (d, 1);
  } else if (d->kind == SPEAKER) {
    struct spa_audio_info_raw info = { 0 };
    spa_format_audio_raw_parse (param, &info);
    d->channels = info.channels;
  }
}

static const struct pw_stream_events events = {
  PW_VERSION_STREAM_EVENTS,
  .state_changed = on_state_changed,
  .param_changed = on_param_changed,
  .process = on_process,
};

static void
on_signal (void *data, int signo)
{
  struct dev *d = data;
  pw_main_loop_quit (d->loop);
}

static const struct spa_pod *
camera_format (struct spa_pod_builder *b, struct dev *d)
{
  struct spa_pod_frame f[2];
  struct spa_rectangle sizes[] = {
    SPA_RECTANGLE (d->width, d->height), SPA_RECTANGLE (640, 480),
    SPA_RECTANGLE (320, 240), SPA_RECTANGLE (160, 120),
  };

  spa_pod_builder_push_object (b, &f[0], SPA_TYPE_OBJECT_Format, SPA_PARAM_EnumFormat);
  spa_pod_builder_add (b,
      SPA_FORMAT_mediaType, SPA_POD_Id (SPA_MEDIA_TYPE_video),
      SPA_FORMAT_mediaSubtype, SPA_POD_Id (SPA_MEDIA_SUBTYPE_raw),
      SPA_FORMAT_VIDEO_format, SPA_POD_Id (SPA_VIDEO_FORMAT_YUY2), 0);
  /* a few fixed sizes, the asked one first (preferred), as a webcam lists */
  spa_pod_builder_prop (b, SPA_FORMAT_VIDEO_size, 0);
  spa_pod_builder_push_choice (b, &f[1], SPA_CHOICE_Enum, 0);
  spa_pod_builder_rectangle (b, sizes[0].width, sizes[0].height);
  for (size_t i = 0; i < SPA_N_ELEMENTS (sizes); i++)
    spa_pod_builder_rectangle (b, sizes[i].width, sizes[i].height);
  spa_pod_builder_pop (b, &f[1]);
  spa_pod_builder_add (b,
      SPA_FORMAT_VIDEO_framerate, SPA_POD_CHOICE_RANGE_Fraction (
          &SPA_FRACTION (d->fps, 1), &SPA_FRACTION (1, 1), &SPA_FRACTION (60, 1)), 0);
  return spa_pod_builder_pop (b, &f[0]);
}

static int
usage (void)
{
  fprintf (stderr,
      "usage: pw-fake-device camera NAME DESCRIPTION RRGGBB [WIDTH HEIGHT FPS]\n"
      "       pw-fake-device microphone NAME DESCRIPTION FREQ_HZ\n"
      "       pw-fake-device speaker NAME DESCRIPTION\n");
  return 2;
}

int
main (int argc, char *argv[])
{
  struct dev d = { .width = 320, .height = 240, .fps = 15, .freq = 440, .channels = 2 };
  uint8_t buffer[1024];
  struct spa_pod_builder b = SPA_POD_BUILDER_INIT (buffer, sizeof (buffer));
  const struct spa_pod *params[1];
  struct pw_properties *props;
  struct pw_context *context;
  struct pw_core *core;
  enum pw_direction direction = PW_DIRECTION_OUTPUT;
  enum pw_stream_flags flags = PW_STREAM_FLAG_MAP_BUFFERS;

  if (argc < 4)
    return usage ();
  if (strcmp (argv[1], "camera") == 0 && (argc == 5 || argc == 8)) {
    d.kind = CAMERA;
    rgb_to_yuyv ((uint32_t) strtoul (argv[4], NULL, 16), d.yuyv);
    if (argc == 8) {
      d.width = (uint32_t) atoi (argv[5]) & ~1u;
      d.height = (uint32_t) atoi (argv[6]);
      d.fps = (uint32_t) atoi (argv[7]);
    }
    if (d.width == 0 || d.height == 0 || d.fps == 0)
      return usage ();
  } else if (strcmp (argv[1], "microphone") == 0 && argc == 5) {
    d.kind = MICROPHONE;
    d.freq = atof (argv[4]);
  } else if (strcmp (argv[1], "speaker") == 0 && argc == 4) {
    d.kind = SPEAKER;
  } else {
    return usage ();
  }

  pw_init (&argc, &argv);
  d.loop = pw_main_loop_new (NULL);
  pw_loop_add_signal (pw_main_loop_get_loop (d.loop), SIGINT, on_signal, &d);
  pw_loop_add_signal (pw_main_loop_get_loop (d.loop), SIGTERM, on_signal, &d);
  context = pw_context_new (pw_main_loop_get_loop (d.loop), NULL, 0);
  core = pw_context_connect (context, NULL, 0);
  if (core == NULL) {
    fprintf (stderr, "pw-fake-device: can't connect: %s\n", strerror (errno));
    return 1;
  }

  props = pw_properties_new (
      PW_KEY_NODE_NAME, argv[2],
      PW_KEY_NODE_DESCRIPTION, argv[3],
      PW_KEY_MEDIA_NAME, argv[3],
      NULL);
  switch (d.kind) {
  case CAMERA:
    pw_properties_set (props, PW_KEY_MEDIA_CLASS, "Video/Source");
    pw_properties_set (props, PW_KEY_MEDIA_TYPE, "Video");
    pw_properties_set (props, PW_KEY_MEDIA_CATEGORY, "Capture");
    pw_properties_set (props, PW_KEY_MEDIA_ROLE, "Camera");
    /* a webcam paces its graph itself */
    flags |= PW_STREAM_FLAG_DRIVER;
    d.timer = pw_loop_add_timer (pw_main_loop_get_loop (d.loop), on_timer, &d);
    params[0] = camera_format (&b, &d);
    break;
  case MICROPHONE:
    pw_properties_set (props, PW_KEY_MEDIA_CLASS, "Audio/Source");
    pw_properties_set (props, PW_KEY_MEDIA_TYPE, "Audio");
    params[0] = spa_format_audio_raw_build (&b, SPA_PARAM_EnumFormat,
        &SPA_AUDIO_INFO_RAW_INIT (.format = SPA_AUDIO_FORMAT_F32, .channels = 1,
                                  .rate = RATE, .position = { SPA_AUDIO_CHANNEL_MONO }));
    break;
  case SPEAKER:
    direction = PW_DIRECTION_INPUT;
    pw_properties_set (props, PW_KEY_MEDIA_CLASS, "Audio/Sink");
    pw_properties_set (props, PW_KEY_MEDIA_TYPE, "Audio");
    params[0] = spa_format_audio_raw_build (&b, SPA_PARAM_EnumFormat,
        &SPA_AUDIO_INFO_RAW_INIT (.format = SPA_AUDIO_FORMAT_F32, .channels = 2,
                                  .rate = RATE,
                                  .position = { SPA_AUDIO_CHANNEL_FL, SPA_AUDIO_CHANNEL_FR }));
    break;
  }

  d.stream = pw_stream_new (core, argv[2], props);
  pw_stream_add_listener (d.stream, &d.listener, &events, &d);
  /* no AUTOCONNECT: a device is linked to, it links to nothing */
  if (pw_stream_connect (d.stream, direction, PW_ID_ANY, flags, params, 1) < 0) {
    fprintf (stderr, "pw-fake-device: can't connect the stream\n");
    return 1;
  }

  pw_main_loop_run (d.loop);

  pw_stream_destroy (d.stream);
  pw_core_disconnect (core);
  pw_context_destroy (context);
  pw_main_loop_destroy (d.loop);
  pw_deinit ();
  return d.res;
}
