/* duet-ringer.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plays the sound theme's "phone-incoming-call" when the freedesktop sound
 * theme is installed, looping it on end-of-stream; otherwise a generated
 * two-tone ring (440 Hz + 480 Hz, 2 s on and 4 s off, the classic North
 * American cadence) from two audiotestsrc elements. The cadence is driven
 * by a main-loop timer that only mutes a volume element, so nothing here
 * blocks the UI thread. The stream is an event (media.role=event), so the
 * sound server treats it as a ringtone, not as music to pause or duck.
 */
#define G_LOG_DOMAIN "DuetRinger"

#include "config.h"

#include <gst/gst.h>

#include "duet-call-centre.h"
#include "duet-ringer.h"

#define RING_ON_MS  2000
#define RING_OFF_MS 4000

static const char * const sound_files[] = {
  "/usr/share/sounds/freedesktop/stereo/phone-incoming-call.oga",
};

struct _DuetRinger
{
  GObject     parent_instance;

  GstElement *pipeline;
  GstElement *volume;      /* the generated tone only */
  guint       bus_watch;
  guint       cadence_id;
  gboolean    tone_on;
  gboolean    looping_file;
};

G_DEFINE_FINAL_TYPE (DuetRinger, duet_ringer, G_TYPE_OBJECT)

/* pulsesink and pipewiresink take the role as a stream property; it is
 * read when the stream is made, once caps are known, so setting it when
 * the element is added is early enough. Other sinks have no such thing. */
static void
set_event_role (GstElement *element)
{
  GParamSpec *pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (element), "stream-properties");
  g_autoptr(GstStructure) props = NULL;

  if (pspec == NULL || pspec->value_type != GST_TYPE_STRUCTURE || !(pspec->flags & G_PARAM_WRITABLE))
    return;
  props = gst_structure_new ("props", "media.role", G_TYPE_STRING, "event", NULL);
  g_object_set (element, "stream-properties", props, NULL);
}

static void
on_sink_deep_element_added (GstBin     *bin,
                       GstBin     *sub_bin,
                       GstElement *element,
                       gpointer    user_data)
{
  set_event_role (element);
}

/**
 * duet_ringer_new_audio_sink:
 *
 * The sink a ringtone plays into: autoaudiosink, whose real sink gets
 * media.role=event as autoaudiosink adds it when it starts; a fakesink
 * with DUET_FAKE_AUDIO_SINK (tests, machines without a sound server).
 *
 * Returns: (transfer floating): the sink
 */
GstElement *
duet_ringer_new_audio_sink (void)
{
  GstElement *sink = NULL;

  if (g_getenv ("DUET_FAKE_AUDIO_SINK") == NULL)
    sink = gst_element_factory_make ("autoaudiosink", NULL);
  if (sink == NULL)
    {
      sink = gst_element_factory_make ("fakesink", NULL);
      g_object_set (sink, "sync", TRUE, NULL);
      return sink;
    }
  set_event_role (sink);
  if (GST_IS_BIN (sink))
    g_signal_connect (sink, "deep-element-added", G_CALLBACK (on_sink_deep_element_added), NULL);
  return sink;
}

static GstElement *
build_file_pipeline (const char *path)
{
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  GstElement *playbin = gst_element_factory_make ("playbin", NULL);

  if (playbin == NULL || uri == NULL)
    {
      gst_clear_object (&playbin);
      return NULL;
    }
  g_object_set (playbin, "uri", uri, "audio-sink", duet_ringer_new_audio_sink (), NULL);
  /* No video output, even if a file had a cover picture */
  g_object_set (playbin, "flags", 0x2 /* GST_PLAY_FLAG_AUDIO */, NULL);
  return playbin;
}

static GstElement *
build_tone_pipeline (DuetRinger *self)
{
  g_autoptr(GError) error = NULL;
  GstElement *pipeline;

  pipeline = gst_parse_launch ("audiomixer name=mix ! audioconvert ! volume name=cadence ! "
                               "audioconvert ! audioresample ! identity name=tail "
                               "audiotestsrc is-live=true wave=sine freq=440 volume=0.25 ! mix. "
                               "audiotestsrc is-live=true wave=sine freq=480 volume=0.25 ! mix.",
                               &error);
  if (pipeline == NULL)
    {
      g_warning ("Cannot build the ringtone: %s", error->message);
      return NULL;
    }
  {
    g_autoptr(GstElement) tail = gst_bin_get_by_name (GST_BIN (pipeline), "tail");
    GstElement *sink = duet_ringer_new_audio_sink ();

    gst_bin_add (GST_BIN (pipeline), sink);
    gst_element_link (tail, sink);
  }
  self->volume = gst_bin_get_by_name (GST_BIN (pipeline), "cadence");
  return pipeline;
}

static gboolean
cadence_cb (gpointer user_data)
{
  DuetRinger *self = user_data;

  self->tone_on = !self->tone_on;
  g_object_set (self->volume, "mute", !self->tone_on, NULL);
  self->cadence_id = g_timeout_add (self->tone_on ? RING_ON_MS : RING_OFF_MS, cadence_cb, self);
  return G_SOURCE_REMOVE;
}

static gboolean
bus_cb (GstBus     *bus,
        GstMessage *message,
        gpointer    user_data)
{
  DuetRinger *self = user_data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_EOS:
      /* Loop the sound file, with the same pause as the generated tone */
      if (self->looping_file)
        gst_element_seek_simple (self->pipeline, GST_FORMAT_TIME,
                                 GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT, 0);
      break;
    case GST_MESSAGE_ERROR:
      {
        g_autoptr(GError) error = NULL;

        gst_message_parse_error (message, &error, NULL);
        /* A missing sound device must not disturb the call itself */
        g_message ("The ringtone cannot play: %s", error->message);
        duet_ringer_stop (self);
      }
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static void
duet_ringer_dispose (GObject *object)
{
  DuetRinger *self = DUET_RINGER (object);

  duet_ringer_stop (self);

  G_OBJECT_CLASS (duet_ringer_parent_class)->dispose (object);
}

static void
duet_ringer_class_init (DuetRingerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_ringer_dispose;
}

static void
duet_ringer_init (DuetRinger *self)
{
}

DuetRinger *
duet_ringer_new (void)
{
  return g_object_new (DUET_TYPE_RINGER, NULL);
}

void
duet_ringer_start (DuetRinger *self)
{
  g_autoptr(GstBus) bus = NULL;

  g_return_if_fail (DUET_IS_RINGER (self));

  if (self->pipeline != NULL)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (sound_files) && self->pipeline == NULL; i++)
    if (g_file_test (sound_files[i], G_FILE_TEST_IS_REGULAR) &&
        g_getenv ("DUET_RINGTONE_GENERATED") == NULL)
      self->pipeline = build_file_pipeline (sound_files[i]);

  self->looping_file = self->pipeline != NULL;
  if (self->pipeline == NULL)
    self->pipeline = build_tone_pipeline (self);
  if (self->pipeline == NULL)
    return;

  bus = gst_element_get_bus (self->pipeline);
  self->bus_watch = gst_bus_add_watch (bus, bus_cb, self);

  if (self->volume != NULL)
    {
      self->tone_on = TRUE;
      self->cadence_id = g_timeout_add (RING_ON_MS, cadence_cb, self);
    }

  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_message ("The ringtone cannot play: no sound output");
      duet_ringer_stop (self);
    }
}

void
duet_ringer_stop (DuetRinger *self)
{
  g_return_if_fail (DUET_IS_RINGER (self));

  g_clear_handle_id (&self->cadence_id, g_source_remove);
  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->pipeline != NULL)
    gst_element_set_state (self->pipeline, GST_STATE_NULL);
  gst_clear_object (&self->volume);
  gst_clear_object (&self->pipeline);
}

gboolean
duet_ringer_get_ringing (DuetRinger *self)
{
  g_return_val_if_fail (DUET_IS_RINGER (self), FALSE);
  return self->pipeline != NULL;
}

static void
on_centre_ringing_call_changed (DuetRinger     *self,
                                GParamSpec     *pspec,
                                DuetCallCentre *centre)
{
  if (duet_call_centre_get_ringing_call (centre) != NULL)
    duet_ringer_start (self);
  else
    duet_ringer_stop (self);
}

/**
 * duet_ringer_follow:
 * @centre: whose ringing call to ring for
 *
 * Rings while @centre has a ringing call.
 */
void
duet_ringer_follow (DuetRinger     *self,
                    DuetCallCentre *centre)
{
  g_return_if_fail (DUET_IS_RINGER (self));
  g_return_if_fail (DUET_IS_CALL_CENTRE (centre));

  g_signal_connect_object (centre, "notify::ringing-call",
                           G_CALLBACK (on_centre_ringing_call_changed), self, G_CONNECT_SWAPPED);
}
