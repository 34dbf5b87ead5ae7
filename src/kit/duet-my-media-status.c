/* duet-my-media-status.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Signals follow PlanetKitMyMediaStatusHandler: audio-description-update,
 * mic-mute, mic-unmute, video-status-update. Each fires only on a change,
 * except the volume which is reported at the level element's interval.
 */
#define G_LOG_DOMAIN "DuetMyMediaStatus"

#include "duet-enum-types.h"
#include "duet-kit-enum-types.h"
#include "duet-my-media-status-private.h"

struct _DuetMyMediaStatus
{
  GObject         parent_instance;

  gboolean        mic_muted;
  DuetVideoState  video_state;
  DuetVideoPauseReason pause_reason;
  guint           volume;
  DuetDeviceProblem problems[2];   /* camera, microphone */
};

/**
 * DuetMyMediaStatus:
 *
 * This side's microphone and video in a call (PlanetKit's MyMediaStatus),
 * from duet_call_get_my_media_status().
 */
G_DEFINE_FINAL_TYPE (DuetMyMediaStatus, duet_my_media_status, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MIC_MUTED,
  PROP_VIDEO_STATE,
  PROP_VIDEO_PAUSE_REASON,
  PROP_AVERAGE_VOLUME_LEVEL,
  PROP_CAMERA_PROBLEM,
  PROP_MICROPHONE_PROBLEM,
  N_PROPS
};

enum {
  AUDIO_DESCRIPTION_UPDATE,
  MIC_MUTE,
  MIC_UNMUTE,
  VIDEO_STATUS_UPDATE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
duet_my_media_status_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  DuetMyMediaStatus *self = DUET_MY_MEDIA_STATUS (object);

  switch (prop_id)
    {
    case PROP_MIC_MUTED:
      g_value_set_boolean (value, self->mic_muted);
      break;
    case PROP_VIDEO_STATE:
      g_value_set_enum (value, self->video_state);
      break;
    case PROP_VIDEO_PAUSE_REASON:
      g_value_set_enum (value, self->pause_reason);
      break;
    case PROP_AVERAGE_VOLUME_LEVEL:
      g_value_set_uint (value, self->volume);
      break;
    case PROP_CAMERA_PROBLEM:
      g_value_set_enum (value, self->problems[DUET_DEVICE_KIND_CAMERA]);
      break;
    case PROP_MICROPHONE_PROBLEM:
      g_value_set_enum (value, self->problems[DUET_DEVICE_KIND_MICROPHONE]);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_my_media_status_class_init (DuetMyMediaStatusClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = duet_my_media_status_get_property;

  /**
   * DuetMyMediaStatus:mic-muted:
   *
   * Whether this side's microphone is muted (duet_call_mute_my_audio()).
   */
  properties[PROP_MIC_MUTED] =
    g_param_spec_boolean ("mic-muted", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * DuetMyMediaStatus:video-state:
   *
   * Whether this side sends video, has it paused, or has none.
   */
  properties[PROP_VIDEO_STATE] =
    g_param_spec_enum ("video-state", NULL, NULL, DUET_TYPE_VIDEO_STATE, DUET_VIDEO_STATE_DISABLED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * DuetMyMediaStatus:video-pause-reason:
   *
   * Why the video is paused; meaningful while #DuetMyMediaStatus:video-state
   * is %DUET_VIDEO_STATE_PAUSED.
   */
  properties[PROP_VIDEO_PAUSE_REASON] =
    g_param_spec_enum ("video-pause-reason", NULL, NULL, DUET_TYPE_VIDEO_PAUSE_REASON,
                       DUET_VIDEO_PAUSE_REASON_BY_USER,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * DuetMyMediaStatus:average-volume-level:
   *
   * The microphone's recent loudness, 0 (silence) to 100.
   */
  properties[PROP_AVERAGE_VOLUME_LEVEL] =
    g_param_spec_uint ("average-volume-level", NULL, NULL, 0, 100, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * DuetMyMediaStatus:camera-problem:
   *
   * Why the call goes on without a camera: then the video is paused with
   * %DUET_VIDEO_PAUSE_REASON_CAMERA_INACTIVE until a camera works again.
   */
  properties[PROP_CAMERA_PROBLEM] =
    g_param_spec_enum ("camera-problem", NULL, NULL, DUET_TYPE_DEVICE_PROBLEM, DUET_DEVICE_PROBLEM_NONE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * DuetMyMediaStatus:microphone-problem:
   *
   * Why the call goes on without a microphone: then it is muted until a
   * microphone works again.
   */
  properties[PROP_MICROPHONE_PROBLEM] =
    g_param_spec_enum ("microphone-problem", NULL, NULL, DUET_TYPE_DEVICE_PROBLEM, DUET_DEVICE_PROBLEM_NONE,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DuetMyMediaStatus::audio-description-update:
   * @status: the #DuetMyMediaStatus
   * @average_volume_level: the microphone's loudness, 0 to 100
   *
   * The microphone's level, a few times a second while a call has sound
   * (PlanetKit's onAudioDescriptionUpdate).
   */
  signals[AUDIO_DESCRIPTION_UPDATE] =
    g_signal_new ("audio-description-update", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /**
   * DuetMyMediaStatus::mic-mute:
   * @status: the #DuetMyMediaStatus
   *
   * The microphone was muted (PlanetKit's onMicMute).
   */
  signals[MIC_MUTE] =
    g_signal_new ("mic-mute", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * DuetMyMediaStatus::mic-unmute:
   * @status: the #DuetMyMediaStatus
   *
   * The microphone was unmuted (PlanetKit's onMicUnmute).
   */
  signals[MIC_UNMUTE] =
    g_signal_new ("mic-unmute", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * DuetMyMediaStatus::video-status-update:
   * @status: the #DuetMyMediaStatus
   * @state: the new video state
   * @pause_reason: why the video is paused, when @state is
   *   %DUET_VIDEO_STATE_PAUSED (otherwise %DUET_VIDEO_PAUSE_REASON_BY_USER)
   *
   * This side's video changed (PlanetKit's onVideoStatusUpdate, whose
   * VideoStatus holds the state and the pause reason).
   */
  signals[VIDEO_STATUS_UPDATE] =
    g_signal_new ("video-status-update", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, DUET_TYPE_VIDEO_STATE, DUET_TYPE_VIDEO_PAUSE_REASON);
}

static void
duet_my_media_status_init (DuetMyMediaStatus *self)
{
  self->video_state = DUET_VIDEO_STATE_DISABLED;
}

DuetMyMediaStatus *
duet_my_media_status_new (void)
{
  return g_object_new (DUET_TYPE_MY_MEDIA_STATUS, NULL);
}

/**
 * duet_my_media_status_get_mic_muted:
 * @self: a #DuetMyMediaStatus
 *
 * Gets whether the microphone is muted.
 *
 * Returns: whether the microphone is muted
 */
gboolean
duet_my_media_status_get_mic_muted (DuetMyMediaStatus *self)
{
  g_return_val_if_fail (DUET_IS_MY_MEDIA_STATUS (self), FALSE);
  return self->mic_muted;
}

/**
 * duet_my_media_status_get_video_state:
 * @self: a #DuetMyMediaStatus
 *
 * Gets this side's video state.
 *
 * Returns: this side's video state
 */
DuetVideoState
duet_my_media_status_get_video_state (DuetMyMediaStatus *self)
{
  g_return_val_if_fail (DUET_IS_MY_MEDIA_STATUS (self), DUET_VIDEO_STATE_DISABLED);
  return self->video_state;
}

/**
 * duet_my_media_status_get_video_pause_reason:
 * @self: a #DuetMyMediaStatus
 *
 * Gets why the video is paused, while it is.
 *
 * Returns: why the video is paused, while it is
 */
DuetVideoPauseReason
duet_my_media_status_get_video_pause_reason (DuetMyMediaStatus *self)
{
  g_return_val_if_fail (DUET_IS_MY_MEDIA_STATUS (self), DUET_VIDEO_PAUSE_REASON_BY_USER);
  return self->pause_reason;
}

/**
 * duet_my_media_status_get_average_volume_level:
 * @self: a #DuetMyMediaStatus
 *
 * Gets the microphone's recent loudness, 0 to 100.
 *
 * Returns: the microphone's recent loudness, 0 to 100
 */
guint
duet_my_media_status_get_average_volume_level (DuetMyMediaStatus *self)
{
  g_return_val_if_fail (DUET_IS_MY_MEDIA_STATUS (self), 0);
  return self->volume;
}

void
duet_my_media_status_set_mic_muted (DuetMyMediaStatus *self,
                                    gboolean           muted)
{
  g_return_if_fail (DUET_IS_MY_MEDIA_STATUS (self));

  muted = !!muted;
  if (self->mic_muted == muted)
    return;

  self->mic_muted = muted;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIC_MUTED]);
  g_signal_emit (self, signals[muted ? MIC_MUTE : MIC_UNMUTE], 0);
}

void
duet_my_media_status_set_video_state (DuetMyMediaStatus    *self,
                                      DuetVideoState        state,
                                      DuetVideoPauseReason  pause_reason)
{
  g_return_if_fail (DUET_IS_MY_MEDIA_STATUS (self));

  if (state != DUET_VIDEO_STATE_PAUSED)
    pause_reason = DUET_VIDEO_PAUSE_REASON_BY_USER;
  if (self->video_state == state && self->pause_reason == pause_reason)
    return;

  g_object_freeze_notify (G_OBJECT (self));
  if (self->video_state != state)
    {
      self->video_state = state;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIDEO_STATE]);
    }
  if (self->pause_reason != pause_reason)
    {
      self->pause_reason = pause_reason;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIDEO_PAUSE_REASON]);
    }
  g_object_thaw_notify (G_OBJECT (self));
  g_signal_emit (self, signals[VIDEO_STATUS_UPDATE], 0, state, pause_reason);
}

void
duet_my_media_status_update_volume (DuetMyMediaStatus *self,
                                    guint              level)
{
  g_return_if_fail (DUET_IS_MY_MEDIA_STATUS (self));

  level = MIN (level, 100);
  if (self->volume != level)
    {
      self->volume = level;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AVERAGE_VOLUME_LEVEL]);
    }
  g_signal_emit (self, signals[AUDIO_DESCRIPTION_UPDATE], 0, level);
}

/**
 * duet_my_media_status_get_camera_problem:
 * @self: a #DuetMyMediaStatus
 *
 * Gets why the call has no camera.
 *
 * Returns: the problem, or %DUET_DEVICE_PROBLEM_NONE
 */
DuetDeviceProblem
duet_my_media_status_get_camera_problem (DuetMyMediaStatus *self)
{
  g_return_val_if_fail (DUET_IS_MY_MEDIA_STATUS (self), DUET_DEVICE_PROBLEM_NONE);
  return self->problems[DUET_DEVICE_KIND_CAMERA];
}

/**
 * duet_my_media_status_get_microphone_problem:
 * @self: a #DuetMyMediaStatus
 *
 * Gets why the call has no microphone.
 *
 * Returns: the problem, or %DUET_DEVICE_PROBLEM_NONE
 */
DuetDeviceProblem
duet_my_media_status_get_microphone_problem (DuetMyMediaStatus *self)
{
  g_return_val_if_fail (DUET_IS_MY_MEDIA_STATUS (self), DUET_DEVICE_PROBLEM_NONE);
  return self->problems[DUET_DEVICE_KIND_MICROPHONE];
}

/* @kind: camera or microphone */
void
duet_my_media_status_set_device_problem (DuetMyMediaStatus *self,
                                         DuetDeviceKind     kind,
                                         DuetDeviceProblem  problem)
{
  g_return_if_fail (DUET_IS_MY_MEDIA_STATUS (self));
  g_return_if_fail (kind == DUET_DEVICE_KIND_CAMERA || kind == DUET_DEVICE_KIND_MICROPHONE);

  if (self->problems[kind] == problem)
    return;
  self->problems[kind] = problem;
  g_object_notify_by_pspec (G_OBJECT (self), properties[kind == DUET_DEVICE_KIND_CAMERA ? PROP_CAMERA_PROBLEM
                                                                                       : PROP_MICROPHONE_PROBLEM]);
}
