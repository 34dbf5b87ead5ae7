/* duet-media-settings.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The one place the media knobs live: DuetManager holds one, each new
 * DuetMediaSession copies it at creation (so a call keeps what it started
 * with), and the DUET_* variables of src/kit/README.md are read here, once,
 * by duet_media_settings_new_from_environment().
 *
 * Every property is a plain field; one table of field offsets serves
 * get_property and set_property, so adding a knob is a field, a line in
 * class_init and, if it has one, a line in the environment reader.
 */
#define G_LOG_DOMAIN "DuetMediaSettings"

#include "config.h"

#include "duet-media-settings-private.h"
#include "duet-protocol.h"

/**
 * DuetMediaSettings:
 *
 * What a call's media is made of (devices or test sources, the picture's
 * size and rate) and how it is tuned (echo cancellation, receive latency,
 * liveness, the quality features). #DuetManager:media-settings is the one
 * its new calls use: each call takes a copy when it starts, so a change
 * applies from the next call on (a call's own device choice is
 * duet_call_set_device()).
 *
 * duet_media_settings_new_from_environment() starts from the `DUET_*`
 * variables that tests and benchmarks set; duet_media_settings_new() from
 * the defaults alone.
 */
G_DEFINE_FINAL_TYPE (DuetMediaSettings, duet_media_settings, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_TEST_SOURCES,
  PROP_TEST_PATTERN,
  PROP_FAKE_AUDIO_SINK,
  PROP_ECHO_CANCEL,
  PROP_CAMERA,
  PROP_MICROPHONE,
  PROP_SPEAKER,
  PROP_VIDEO_WIDTH,
  PROP_VIDEO_HEIGHT,
  PROP_VIDEO_FPS,
  PROP_VIDEO_BITRATE,
  PROP_LATENCY,
  PROP_ADAPTIVE_LATENCY,
  PROP_LIVENESS_TIMEOUT,
  PROP_CONGESTION_CONTROL,
  PROP_LOSS_RECOVERY,
  PROP_TRACE_QUALITY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];
/* Where each property's field is in the instance */
static glong offsets[N_PROPS];

#define FIELD(self, type, prop_id) G_STRUCT_MEMBER (type, self, offsets[prop_id])

static void
duet_media_settings_finalize (GObject *object)
{
  DuetMediaSettings *self = DUET_MEDIA_SETTINGS (object);

  g_free (self->test_pattern);
  for (int kind = 0; kind < DUET_MEDIA_SETTINGS_N_DEVICES; kind++)
    g_free (self->device_ids[kind]);

  G_OBJECT_CLASS (duet_media_settings_parent_class)->finalize (object);
}

static void
duet_media_settings_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  DuetMediaSettings *self = DUET_MEDIA_SETTINGS (object);

  if (prop_id == 0 || prop_id >= N_PROPS)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  if (G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_BOOLEAN)
    g_value_set_boolean (value, FIELD (self, gboolean, prop_id));
  else if (G_PARAM_SPEC_VALUE_TYPE (pspec) == G_TYPE_UINT)
    g_value_set_uint (value, FIELD (self, guint, prop_id));
  else
    g_value_set_string (value, FIELD (self, char *, prop_id));
}

static gboolean
set_string_field (char       **field,
                  const char  *text)
{
  /* An empty device id is the default device, like NULL */
  return duet_set_string (field, text != NULL && *text != '\0' ? text : NULL);
}

static gboolean
set_field (DuetMediaSettings *self,
           guint              prop_id,
           const GValue      *value)
{
  if (G_VALUE_HOLDS_BOOLEAN (value))
    {
      gboolean *field = &FIELD (self, gboolean, prop_id);
      gboolean new_value = g_value_get_boolean (value);

      /* DUET_TEST_SOURCES=1 forces test sources whatever an app says, so
       * that its tests never open a real device */
      if (prop_id == PROP_TEST_SOURCES)
        new_value = new_value || self->forced_test_sources;
      if (*field == new_value)
        return FALSE;
      *field = new_value;
      return TRUE;
    }
  if (G_VALUE_HOLDS_UINT (value))
    {
      guint *field = &FIELD (self, guint, prop_id);

      if (*field == g_value_get_uint (value))
        return FALSE;
      *field = g_value_get_uint (value);
      return TRUE;
    }
  return set_string_field (&FIELD (self, char *, prop_id), g_value_get_string (value));
}

static void
duet_media_settings_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  DuetMediaSettings *self = DUET_MEDIA_SETTINGS (object);

  if (prop_id == 0 || prop_id >= N_PROPS)
    {
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  if (set_field (self, prop_id, value))
    g_object_notify_by_pspec (object, pspec);
}

#define FLAGS (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

static void
add_boolean (guint       prop_id,
             const char *name,
             gboolean    default_value,
             glong       offset)
{
  properties[prop_id] = g_param_spec_boolean (name, NULL, NULL, default_value, FLAGS);
  offsets[prop_id] = offset;
}

static void
add_uint (guint       prop_id,
          const char *name,
          guint       minimum,
          guint       maximum,
          guint       default_value,
          glong       offset)
{
  properties[prop_id] = g_param_spec_uint (name, NULL, NULL, minimum, maximum, default_value, FLAGS);
  offsets[prop_id] = offset;
}

static void
add_string (guint       prop_id,
            const char *name,
            glong       offset)
{
  properties[prop_id] = g_param_spec_string (name, NULL, NULL, NULL, FLAGS);
  offsets[prop_id] = offset;
}

#define OFFSET(field) G_STRUCT_OFFSET (DuetMediaSettings, field)

static void
add_source_properties (void)
{
  /**
   * DuetMediaSettings:test-sources:
   *
   * Generated sound and video instead of the microphone and camera
   * (tests, demos), and no sound played. `DUET_TEST_SOURCES=1` turns it
   * on for good: setting it to %FALSE then leaves it %TRUE.
   */
  add_boolean (PROP_TEST_SOURCES, "test-sources", FALSE, OFFSET (test_sources));
  /**
   * DuetMediaSettings:test-pattern:
   *
   * The test sources' picture: `ball` (%NULL, the default: simple) or
   * `motion` (detailed and moving, for the encoder's sake);
   * `DUET_TEST_PATTERN`.
   */
  add_string (PROP_TEST_PATTERN, "test-pattern", OFFSET (test_pattern));
  /**
   * DuetMediaSettings:fake-audio-sink:
   *
   * Play the peer's sound to nowhere, even with real devices
   * (`DUET_FAKE_AUDIO_SINK`, set to anything).
   */
  add_boolean (PROP_FAKE_AUDIO_SINK, "fake-audio-sink", FALSE, OFFSET (fake_audio_sink));
  /**
   * DuetMediaSettings:echo-cancel:
   *
   * Cancel the speaker's echo in the microphone (webrtcdsp);
   * `DUET_ECHO_CANCEL=0` turns it off.
   */
  add_boolean (PROP_ECHO_CANCEL, "echo-cancel", TRUE, OFFSET (echo_cancel));
  /**
   * DuetMediaSettings:camera:
   *
   * The camera, by its #DuetDevice:id (from #DuetDeviceMonitor); %NULL
   * (or empty) for the default one.
   */
  add_string (PROP_CAMERA, "camera", OFFSET (device_ids[0]));
  /**
   * DuetMediaSettings:microphone:
   *
   * The microphone, by #DuetDevice:id; %NULL (or empty) for the desktop's
   * default.
   */
  add_string (PROP_MICROPHONE, "microphone", OFFSET (device_ids[1]));
  /**
   * DuetMediaSettings:speaker:
   *
   * The speakers or headphones, by #DuetDevice:id; %NULL (or empty) for
   * the desktop's default.
   */
  add_string (PROP_SPEAKER, "speaker", OFFSET (device_ids[2]));
}

static void
add_video_properties (void)
{
  /**
   * DuetMediaSettings:video-width:
   *
   * The width of the picture sent, at its best (`DUET_VIDEO_WIDTH`).
   */
  add_uint (PROP_VIDEO_WIDTH, "video-width", 16, 4096, 640, OFFSET (video_width));
  /**
   * DuetMediaSettings:video-height:
   *
   * The height of the picture sent, at its best (`DUET_VIDEO_HEIGHT`).
   */
  add_uint (PROP_VIDEO_HEIGHT, "video-height", 16, 4096, 480, OFFSET (video_height));
  /**
   * DuetMediaSettings:video-fps:
   *
   * Frames per second sent, at best (`DUET_VIDEO_FPS`).
   */
  add_uint (PROP_VIDEO_FPS, "video-fps", 1, 120, 30, OFFSET (video_fps));
  /**
   * DuetMediaSettings:video-bitrate:
   *
   * The starting video bitrate in bits per second (at most 350 kbit/s
   * under congestion control; the fixed one without);
   * `DUET_VIDEO_BITRATE`.
   */
  add_uint (PROP_VIDEO_BITRATE, "video-bitrate", 1, G_MAXUINT, 600000, OFFSET (video_bitrate));
}

static void
add_network_properties (void)
{
  /**
   * DuetMediaSettings:latency:
   *
   * The receive latency in milliseconds when it does not adapt (see
   * #DuetMediaSettings:adaptive-latency). `DUET_JB_LATENCY_MS` sets it and
   * turns adapting off.
   */
  add_uint (PROP_LATENCY, "latency", 0, 2000, 50, OFFSET (latency));
  /**
   * DuetMediaSettings:adaptive-latency:
   *
   * The receive latency starts at 20 ms and follows the network's jitter;
   * `DUET_ADAPTIVE_LATENCY=0` turns it off.
   */
  add_boolean (PROP_ADAPTIVE_LATENCY, "adaptive-latency", TRUE, OFFSET (adaptive_latency));
  /**
   * DuetMediaSettings:liveness-timeout:
   *
   * Milliseconds without media from the peer before
   * #DuetCall::network-unavailable; 0 for the default (2500).
   * `DUET_LIVENESS_TIMEOUT_MS`.
   */
  add_uint (PROP_LIVENESS_TIMEOUT, "liveness-timeout", 0, 600000, 0, OFFSET (liveness_timeout));
  /**
   * DuetMediaSettings:congestion-control:
   *
   * Follow the peer's receiver reports with the bitrate, pace what is
   * sent and step the picture's size and rate down under congestion;
   * `DUET_CONGESTION_CONTROL=0` turns it off (a fixed bitrate).
   */
  add_boolean (PROP_CONGESTION_CONTROL, "congestion-control", TRUE, OFFSET (congestion_control));
  /**
   * DuetMediaSettings:loss-recovery:
   *
   * Repair losses (NACK/RTX, Opus FEC) and merge keyframe requests;
   * `DUET_LOSS_RECOVERY=0` turns it off.
   */
  add_boolean (PROP_LOSS_RECOVERY, "loss-recovery", TRUE, OFFSET (loss_recovery));
  /**
   * DuetMediaSettings:trace-quality:
   *
   * Print one line per receiver report on stderr (what arrives, the
   * target, the step, RTT, keyframes); `DUET_TRACE_QUALITY=1`.
   */
  add_boolean (PROP_TRACE_QUALITY, "trace-quality", FALSE, OFFSET (trace_quality));
}

static void
duet_media_settings_class_init (DuetMediaSettingsClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = duet_media_settings_finalize;
  object_class->get_property = duet_media_settings_get_property;
  object_class->set_property = duet_media_settings_set_property;

  add_source_properties ();
  add_video_properties ();
  add_network_properties ();
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
duet_media_settings_init (DuetMediaSettings *self)
{
  /* The properties' defaults */
  self->echo_cancel = TRUE;
  self->video_width = 640;
  self->video_height = 480;
  self->video_fps = 30;
  self->video_bitrate = 600000;
  self->latency = 50;
  self->adaptive_latency = TRUE;
  self->congestion_control = TRUE;
  self->loss_recovery = TRUE;
}

/**
 * duet_media_settings_new:
 *
 * Creates media settings with every property at its default, whatever
 * the environment says.
 *
 * Returns: (transfer full): new #DuetMediaSettings
 */
DuetMediaSettings *
duet_media_settings_new (void)
{
  return g_object_new (DUET_TYPE_MEDIA_SETTINGS, NULL);
}

static gboolean
env_is (const char *name,
        const char *value)
{
  return g_strcmp0 (g_getenv (name), value) == 0;
}

/* A positive number from the environment into @field; anything else leaves
 * it. Not through the property: a test may ask for what an app may not. */
static void
env_uint (const char *name,
          guint      *field)
{
  const char *value = g_getenv (name);
  guint64 parsed;

  if (value != NULL && g_ascii_string_to_unsigned (value, 10, 1, G_MAXUINT, &parsed, NULL))
    *field = (guint) parsed;
}

static void
read_quality_features (DuetMediaSettings *self)
{
  gboolean fixed_latency = g_getenv ("DUET_JB_LATENCY_MS") != NULL;

  /* Each quality feature can be switched off, to show what it does */
  self->congestion_control = !env_is ("DUET_CONGESTION_CONTROL", "0");
  self->loss_recovery = !env_is ("DUET_LOSS_RECOVERY", "0");
  /* a latency asked for is a fixed one */
  self->adaptive_latency = !env_is ("DUET_ADAPTIVE_LATENCY", "0") && !fixed_latency;
  self->trace_quality = env_is ("DUET_TRACE_QUALITY", "1");
  /* The benchmarks' baseline: all of them off, with webrtcbin's default
   * latency */
  if (env_is ("DUET_MEDIA_BASELINE", "1"))
    {
      self->congestion_control = self->loss_recovery = self->adaptive_latency = FALSE;
      self->latency = 200;
      env_uint ("DUET_JB_LATENCY_MS", &self->latency);
    }
}

/**
 * duet_media_settings_new_from_environment:
 *
 * Creates media settings from the defaults and the `DUET_*` variables
 * (`DUET_TEST_SOURCES`, `DUET_TEST_PATTERN`, `DUET_ECHO_CANCEL`,
 * `DUET_VIDEO_WIDTH`/`HEIGHT`/`FPS`/`BITRATE`, `DUET_JB_LATENCY_MS`,
 * `DUET_LIVENESS_TIMEOUT_MS`, `DUET_CONGESTION_CONTROL`,
 * `DUET_LOSS_RECOVERY`, `DUET_ADAPTIVE_LATENCY`, `DUET_MEDIA_BASELINE`,
 * `DUET_TRACE_QUALITY`, `DUET_FAKE_AUDIO_SINK`; see each property), read
 * once, now. #DuetManager starts from these.
 *
 * Returns: (transfer full): new #DuetMediaSettings
 */
DuetMediaSettings *
duet_media_settings_new_from_environment (void)
{
  DuetMediaSettings *self = duet_media_settings_new ();

  self->forced_test_sources = env_is ("DUET_TEST_SOURCES", "1");
  self->test_sources = self->forced_test_sources;
  self->test_pattern = g_strdup (g_getenv ("DUET_TEST_PATTERN"));
  self->fake_audio_sink = g_getenv ("DUET_FAKE_AUDIO_SINK") != NULL;
  self->echo_cancel = !env_is ("DUET_ECHO_CANCEL", "0");
  env_uint ("DUET_VIDEO_WIDTH", &self->video_width);
  env_uint ("DUET_VIDEO_HEIGHT", &self->video_height);
  env_uint ("DUET_VIDEO_FPS", &self->video_fps);
  env_uint ("DUET_VIDEO_BITRATE", &self->video_bitrate);
  env_uint ("DUET_LIVENESS_TIMEOUT_MS", &self->liveness_timeout);
  env_uint ("DUET_JB_LATENCY_MS", &self->latency);
  read_quality_features (self);
  return self;
}
