/* duet-my-media-status.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Signals follow PlanetKitMyMediaStatusHandler: audio-description-update,
 * mic-mute, mic-unmute, video-status-update. Each fires only on a change,
 * except the volume which is reported at the level element's interval.
 */
#include "duet-enum-types.h"
#include "duet-my-media-status.h"

struct _DuetMyMediaStatus
{
  GObject         parent_instance;

  gboolean        mic_muted;
  DuetVideoState  video_state;
  guint           volume;
};

G_DEFINE_FINAL_TYPE (DuetMyMediaStatus, duet_my_media_status, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_MIC_MUTED,
  PROP_VIDEO_STATE,
  PROP_AVERAGE_VOLUME_LEVEL,
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
    case PROP_AVERAGE_VOLUME_LEVEL:
      g_value_set_uint (value, self->volume);
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

  properties[PROP_MIC_MUTED] =
    g_param_spec_boolean ("mic-muted", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_VIDEO_STATE] =
    g_param_spec_enum ("video-state", NULL, NULL, DUET_TYPE_VIDEO_STATE, DUET_VIDEO_STATE_DISABLED,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  properties[PROP_AVERAGE_VOLUME_LEVEL] =
    g_param_spec_uint ("average-volume-level", NULL, NULL, 0, 100, 0,
                       G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[AUDIO_DESCRIPTION_UPDATE] =
    g_signal_new ("audio-description-update", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  signals[MIC_MUTE] =
    g_signal_new ("mic-mute", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[MIC_UNMUTE] =
    g_signal_new ("mic-unmute", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[VIDEO_STATUS_UPDATE] =
    g_signal_new ("video-status-update", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, DUET_TYPE_VIDEO_STATE);
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

gboolean
duet_my_media_status_get_mic_muted (DuetMyMediaStatus *self)
{
  g_return_val_if_fail (DUET_IS_MY_MEDIA_STATUS (self), FALSE);
  return self->mic_muted;
}

DuetVideoState
duet_my_media_status_get_video_state (DuetMyMediaStatus *self)
{
  g_return_val_if_fail (DUET_IS_MY_MEDIA_STATUS (self), DUET_VIDEO_STATE_DISABLED);
  return self->video_state;
}

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
duet_my_media_status_set_video_state (DuetMyMediaStatus *self,
                                      DuetVideoState     state)
{
  g_return_if_fail (DUET_IS_MY_MEDIA_STATUS (self));

  if (self->video_state == state)
    return;

  self->video_state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIDEO_STATE]);
  g_signal_emit (self, signals[VIDEO_STATUS_UPDATE], 0, state);
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
