/* duet-camera-preview.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * camera ! videoconvert ! tee ─ queue ! videoconvert ! view, for each view
 *
 * The pipeline runs only while a view is attached, so the camera (and its
 * light) is on only while someone looks. Views are few and change seldom:
 * a change rebuilds the pipeline, while a new camera only replaces the
 * element in its slot.
 */
#define G_LOG_DOMAIN "DuetCameraPreview"

#include "config.h"

#include "duet-camera-preview.h"
#include "duet-device-monitor-private.h"
#include "duet-device-slot.h"
#include "duet-media-settings.h"
#include "duet-protocol.h"

struct _DuetCameraPreview
{
  GObject         parent_instance;

  char           *camera;       /* chosen; NULL for the default */
  GPtrArray      *views;
  GstElement     *pipeline;
  DuetDeviceSlot *slot;
  char           *used_id;
  char           *problem;
  gboolean        failed;
  gboolean        active;
  gboolean        asked_camera;  /* the Camera portal, since the preview started */
  gulong          list_handler;
  gulong          access_handler;
};

/**
 * DuetCameraPreview:
 *
 * Shows a camera's picture outside a call, for a settings page where the
 * user checks the camera before calling (PlanetKit's camera preview). The
 * camera opens when the first view is added and closes with the last one.
 * Test sources (`DUET_TEST_SOURCES=1`) show the test picture.
 */
G_DEFINE_FINAL_TYPE (DuetCameraPreview, duet_camera_preview, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CAMERA,
  PROP_ACTIVE,
  PROP_PROBLEM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
set_state (DuetCameraPreview *self,
           gboolean           active,
           const char        *problem)
{
  if (self->active != active)
    {
      self->active = active;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ACTIVE]);
    }
  if (duet_set_string (&self->problem, problem))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PROBLEM]);
}

/* A preview is no call, but shows what one would: the same test picture
 * when the environment asks for test sources */
static gboolean
test_sources (void)
{
  g_autoptr(DuetMediaSettings) settings = duet_media_settings_new_from_environment ();
  gboolean test_sources;

  g_object_get (settings, "test-sources", &test_sources, NULL);
  return test_sources;
}

static GstElement *
make_camera (DuetCameraPreview *self,
             char             **used_id,
             const char       **problem)
{
  DuetDeviceMonitor *monitor = duet_device_monitor_get_default ();
  DuetDeviceProblem why = DUET_DEVICE_PROBLEM_NONE;
  GstElement *element;

  *used_id = NULL;
  *problem = NULL;
  if (test_sources ())
    {
      element = gst_element_factory_make ("videotestsrc", NULL);
      g_object_set (element, "is-live", TRUE, NULL);
      return element;
    }
  if (self->failed)
    {
      *problem = "The camera stopped working";
      return NULL;
    }
  if (duet_device_monitor_get_uses_portal (monitor))
    {
      /* once each time the preview starts, never in a loop */
      if (!self->asked_camera)
        {
          self->asked_camera = TRUE;
          duet_device_monitor_request_camera_access (monitor);
        }
      if (duet_device_monitor_get_camera_access (monitor) == DUET_CAMERA_ACCESS_REQUESTING)
        return NULL;
    }
  element = duet_device_monitor_create_element (monitor, DUET_DEVICE_KIND_CAMERA, self->camera, used_id, &why);
  if (element == NULL)
    *problem = why == DUET_DEVICE_PROBLEM_DENIED ? "Camera access was refused" : "No camera found";
  return element;
}

static void
update_camera (DuetCameraPreview *self)
{
  g_autofree char *used_id = NULL;
  const char *problem;
  GstElement *element;

  if (self->slot == NULL)
    return;
  element = make_camera (self, &used_id, &problem);
  if (element != NULL && !duet_device_slot_is_empty (self->slot) && g_strcmp0 (used_id, self->used_id) == 0)
    {
      gst_object_unref (gst_object_ref_sink (element));
      return;
    }
  g_free (self->used_id);
  self->used_id = g_steal_pointer (&used_id);
  duet_device_slot_set (self->slot, element);
  set_state (self, element != NULL, problem);
}

static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    data)
{
  DuetCameraPreview *self = data;
  g_autoptr(GError) error = NULL;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ERROR)
    return G_SOURCE_CONTINUE;
  gst_message_parse_error (message, &error, NULL);
  g_message ("Camera preview: %s", error->message);
  if (self->slot != NULL && duet_device_slot_contains (self->slot, GST_MESSAGE_SRC (message)))
    {
      self->failed = TRUE;
      update_camera (self);
    }
  return G_SOURCE_CONTINUE;
}

static void
stop (DuetCameraPreview *self)
{
  if (self->pipeline != NULL)
    {
      g_autoptr(GstBus) bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));

      gst_bus_remove_watch (bus);
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      for (guint i = 0; i < self->views->len; i++)
        {
          GstElement *sink = g_ptr_array_index (self->views, i);
          g_autoptr(GstObject) parent = gst_object_get_parent (GST_OBJECT (sink));

          if (parent != NULL)
            gst_bin_remove (GST_BIN (parent), sink);
        }
    }
  g_clear_pointer (&self->slot, duet_device_slot_free);
  gst_clear_object (&self->pipeline);
  g_clear_pointer (&self->used_id, g_free);
  set_state (self, FALSE, NULL);
}

static void
add_view_branch (DuetCameraPreview *self,
                 GstElement        *tee,
                 GstElement        *sink)
{
  GstElement *queue = gst_element_factory_make ("queue", NULL);
  GstElement *convert = gst_element_factory_make ("videoconvert", NULL);

  g_object_set (queue, "max-size-buffers", 2, "max-size-bytes", 0, "max-size-time", (guint64) 0, NULL);
  gst_util_set_object_arg (G_OBJECT (queue), "leaky", "downstream");
  /* the bin takes a reference of its own; ours stays in self->views */
  gst_bin_add_many (GST_BIN (self->pipeline), queue, convert, sink, NULL);
  gst_element_link_many (tee, queue, convert, sink, NULL);
}

static void
start (DuetCameraPreview *self)
{
  g_autoptr(GstClock) clock = gst_system_clock_obtain ();
  g_autoptr(GstBus) bus = NULL;
  g_autoptr(GstPad) pad = NULL;
  GstElement *convert = gst_element_factory_make ("videoconvert", NULL);
  GstElement *tee = gst_element_factory_make ("tee", NULL);

  self->asked_camera = FALSE;
  self->pipeline = gst_pipeline_new ("duet-camera-preview");
  gst_pipeline_use_clock (GST_PIPELINE (self->pipeline), clock);
  g_object_set (tee, "allow-not-linked", TRUE, NULL);
  gst_bin_add_many (GST_BIN (self->pipeline), convert, tee, NULL);
  gst_element_link (convert, tee);
  for (guint i = 0; i < self->views->len; i++)
    add_view_branch (self, tee, g_ptr_array_index (self->views, i));

  pad = gst_element_get_static_pad (convert, "sink");
  self->slot = duet_device_slot_new (GST_BIN (self->pipeline), pad, TRUE);
  bus = gst_pipeline_get_bus (GST_PIPELINE (self->pipeline));
  gst_bus_add_watch (bus, on_bus_message, self);
  gst_element_set_state (self->pipeline, GST_STATE_PLAYING);
  update_camera (self);
}

static void
restart (DuetCameraPreview *self)
{
  stop (self);
  if (self->views->len > 0)
    start (self);
}

static void
on_devices_items_changed (GListModel        *list,
                          guint              position,
                          guint              removed,
                          guint              added,
                          DuetCameraPreview *self)
{
  self->failed = FALSE;
  update_camera (self);
}

static void
on_monitor_notify_camera_access (DuetDeviceMonitor *monitor,
                                 GParamSpec        *pspec,
                                 DuetCameraPreview *self)
{
  update_camera (self);
}

/**
 * duet_camera_preview_new:
 *
 * Creates a preview of the default camera; it opens the camera when a view
 * is added.
 *
 * Returns: (transfer full): a new #DuetCameraPreview
 */
DuetCameraPreview *
duet_camera_preview_new (void)
{
  return g_object_new (DUET_TYPE_CAMERA_PREVIEW, NULL);
}

/**
 * duet_camera_preview_set_camera:
 * @self: a #DuetCameraPreview
 * @id: (nullable): a camera's #DuetDevice:id, or %NULL for the default one
 *
 * Shows another camera.
 */
void
duet_camera_preview_set_camera (DuetCameraPreview *self,
                                const char        *id)
{
  g_return_if_fail (DUET_IS_CAMERA_PREVIEW (self));

  if (id != NULL && *id == '\0')
    id = NULL;
  if (!duet_set_string (&self->camera, id))
    return;
  self->failed = FALSE;
  update_camera (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAMERA]);
}

/**
 * duet_camera_preview_get_camera:
 * @self: a #DuetCameraPreview
 *
 * Gets the camera chosen.
 *
 * Returns: (nullable): the camera's id, or %NULL for the default one
 */
const char *
duet_camera_preview_get_camera (DuetCameraPreview *self)
{
  g_return_val_if_fail (DUET_IS_CAMERA_PREVIEW (self), NULL);

  return self->camera;
}

/**
 * duet_camera_preview_add_view:
 * @self: a #DuetCameraPreview
 * @sink: a GStreamer video sink, e.g. a #DuetVideoSink from libduet-kit-gtk
 *
 * Shows the camera in @sink; the first view opens the camera.
 */
void
duet_camera_preview_add_view (DuetCameraPreview *self,
                              GstElement        *sink)
{
  g_return_if_fail (DUET_IS_CAMERA_PREVIEW (self));
  g_return_if_fail (GST_IS_ELEMENT (sink));

  if (g_ptr_array_find (self->views, sink, NULL))
    return;
  g_ptr_array_add (self->views, gst_object_ref_sink (sink));
  restart (self);
}

/**
 * duet_camera_preview_remove_view:
 * @self: a #DuetCameraPreview
 * @sink: a sink given to duet_camera_preview_add_view()
 *
 * Stops showing the camera in @sink; the last view closes the camera.
 */
void
duet_camera_preview_remove_view (DuetCameraPreview *self,
                                 GstElement        *sink)
{
  guint index;

  g_return_if_fail (DUET_IS_CAMERA_PREVIEW (self));

  if (!g_ptr_array_find (self->views, sink, &index))
    return;
  stop (self);
  g_ptr_array_remove_index (self->views, index);
  restart (self);
}

/**
 * duet_camera_preview_get_active:
 * @self: a #DuetCameraPreview
 *
 * Gets whether a camera is open and showing.
 *
 * Returns: whether the preview shows a camera
 */
gboolean
duet_camera_preview_get_active (DuetCameraPreview *self)
{
  g_return_val_if_fail (DUET_IS_CAMERA_PREVIEW (self), FALSE);

  return self->active;
}

/**
 * duet_camera_preview_get_problem:
 * @self: a #DuetCameraPreview
 *
 * Gets why no camera shows, in English for logs; programs show their own
 * text from #DuetDeviceMonitor:camera-access and the camera list.
 *
 * Returns: (nullable): the problem, or %NULL
 */
const char *
duet_camera_preview_get_problem (DuetCameraPreview *self)
{
  g_return_val_if_fail (DUET_IS_CAMERA_PREVIEW (self), NULL);

  return self->problem;
}

static void
duet_camera_preview_dispose (GObject *object)
{
  DuetCameraPreview *self = DUET_CAMERA_PREVIEW (object);
  DuetDeviceMonitor *monitor = duet_device_monitor_get_default ();

  stop (self);
  g_clear_signal_handler (&self->list_handler, duet_device_monitor_get_devices (monitor, DUET_DEVICE_KIND_CAMERA));
  g_clear_signal_handler (&self->access_handler, monitor);
  g_ptr_array_set_size (self->views, 0);
  G_OBJECT_CLASS (duet_camera_preview_parent_class)->dispose (object);
}

static void
duet_camera_preview_finalize (GObject *object)
{
  DuetCameraPreview *self = DUET_CAMERA_PREVIEW (object);

  g_ptr_array_unref (self->views);
  g_free (self->camera);
  g_free (self->problem);
  G_OBJECT_CLASS (duet_camera_preview_parent_class)->finalize (object);
}

static void
duet_camera_preview_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  DuetCameraPreview *self = DUET_CAMERA_PREVIEW (object);

  switch (prop_id)
    {
    case PROP_CAMERA: g_value_set_string (value, self->camera); break;
    case PROP_ACTIVE: g_value_set_boolean (value, self->active); break;
    case PROP_PROBLEM: g_value_set_string (value, self->problem); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_camera_preview_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  DuetCameraPreview *self = DUET_CAMERA_PREVIEW (object);

  switch (prop_id)
    {
    case PROP_CAMERA: duet_camera_preview_set_camera (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_camera_preview_class_init (DuetCameraPreviewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = duet_camera_preview_dispose;
  object_class->finalize = duet_camera_preview_finalize;
  object_class->get_property = duet_camera_preview_get_property;
  object_class->set_property = duet_camera_preview_set_property;

  /**
   * DuetCameraPreview:camera:
   *
   * The camera shown, by its #DuetDevice:id; %NULL for the default one.
   */
  properties[PROP_CAMERA] = g_param_spec_string ("camera", NULL, NULL, NULL,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /**
   * DuetCameraPreview:active:
   *
   * Whether a camera is open and showing.
   */
  properties[PROP_ACTIVE] = g_param_spec_boolean ("active", NULL, NULL, FALSE, ro);
  /**
   * DuetCameraPreview:problem:
   *
   * Why no camera shows, in English, or %NULL.
   */
  properties[PROP_PROBLEM] = g_param_spec_string ("problem", NULL, NULL, NULL, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
duet_camera_preview_init (DuetCameraPreview *self)
{
  DuetDeviceMonitor *monitor;

  self->views = g_ptr_array_new_with_free_func (gst_object_unref);
  if (test_sources ())
    return;
  monitor = duet_device_monitor_get_default ();
  self->list_handler = g_signal_connect (duet_device_monitor_get_devices (monitor, DUET_DEVICE_KIND_CAMERA),
                                         "items-changed", G_CALLBACK (on_devices_items_changed), self);
  self->access_handler = g_signal_connect (monitor, "notify::camera-access",
                                           G_CALLBACK (on_monitor_notify_camera_access), self);
}
