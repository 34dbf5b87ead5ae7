/* duet-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Devices are the call kit's DuetDeviceMonitor lists, stored by their ids;
 * "Default" (stored as "") follows the desktop's default device. The rows
 * follow the lists as devices come and go. A chosen device that is
 * unplugged shows as "Default", which is what the kit uses meanwhile; its
 * id stays in the setting, so the choice comes back with the device.
 *
 * The camera preview runs only while the window is mapped, so the camera
 * (and its light) is off once the window is closed or hidden. It shows
 * what a call would send: the chosen camera, or with test sources the test
 * picture (DuetCameraPreview makes it under DUET_TEST_SOURCES=1; for the
 * test-sources setting, which the preview does not know, the window runs
 * its own videotestsrc into the same view). Without a picture it says why.
 */
#define G_LOG_DOMAIN "DuetPreferencesWindow"

#include "config.h"

#include <glib/gi18n.h>
#include <gst/gst.h>

#include "duet-preferences-window.h"
#include "duet-video-sink.h"
#include "duet-video-view.h"

#define PREFERENCES_ACTIONS_PATH "/org/duet/Duet/preferences"

typedef struct
{
  AdwComboRow    *row;
  const char     *key;
  DuetDeviceKind  kind;
  GPtrArray      *ids;      /* of the row's items: "" for Default */
} DeviceRow;

enum {
  ROW_CAMERA,
  ROW_MICROPHONE,
  ROW_SPEAKER,
  N_ROWS
};

struct _DuetPreferencesWindow
{
  AdwPreferencesWindow  parent_instance;

  /* template widgets */
  DuetVideoView        *preview_view;
  AdwComboRow          *camera_row;
  AdwComboRow          *microphone_row;
  AdwComboRow          *speaker_row;
  GtkSwitch            *test_sources_switch;
  GtkSwitch            *echo_cancellation_switch;
  GtkSwitch            *run_in_background_switch;
  GtkSwitch            *notifications_switch;
  AdwActionRow         *server_row;

  DuetApplication      *application;
  GSettings            *settings;
  DeviceRow             rows[N_ROWS];
  gboolean              filling;

  DuetCameraPreview    *preview;
  GstElement           *preview_sink;   /* the view's sink while the preview runs */
  GdkPaintable         *preview_paintable;
  GstElement           *test_picture;   /* with the test-sources setting */

  /* Test hooks (DUET_TEST_HOOKS=1) on the session bus */
  GSimpleActionGroup   *test_actions;
  guint                 export_id;
  GDBusConnection      *export_connection;
};

G_DEFINE_FINAL_TYPE (DuetPreferencesWindow, duet_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

/* ---- device rows ---- */

static void update_test_hooks (DuetPreferencesWindow *self);

/* The camera and microphone are moot while test sources are sent */
static void
update_row_sensitivity (DuetPreferencesWindow *self,
                        DeviceRow             *row)
{
  gtk_widget_set_sensitive (GTK_WIDGET (row->row),
                            row->kind == DUET_DEVICE_KIND_SPEAKER ||
                            !duet_application_get_test_sources (self->application));
}

static void
fill_row (DuetPreferencesWindow *self,
          DeviceRow             *row)
{
  GListModel *devices = duet_device_monitor_get_devices (duet_device_monitor_get_default (), row->kind);
  g_autoptr(GtkStringList) names = gtk_string_list_new (NULL);
  g_autofree char *current = g_settings_get_string (self->settings, row->key);
  guint selected = 0;

  g_ptr_array_set_size (row->ids, 0);
  /* Translators: the device the desktop uses unless told otherwise */
  gtk_string_list_append (names, C_("device", "Default"));
  g_ptr_array_add (row->ids, g_strdup (""));

  for (guint i = 0; i < g_list_model_get_n_items (devices); i++)
    {
      g_autoptr(DuetDevice) device = g_list_model_get_item (devices, i);

      gtk_string_list_append (names, duet_device_get_name (device));
      g_ptr_array_add (row->ids, g_strdup (duet_device_get_id (device)));
      if (g_str_equal (duet_device_get_id (device), current))
        selected = row->ids->len - 1;
    }

  self->filling = TRUE;
  adw_combo_row_set_model (row->row, G_LIST_MODEL (names));
  adw_combo_row_set_selected (row->row, selected);
  self->filling = FALSE;

  /* A new model makes the row sensitive again */
  update_row_sensitivity (self, row);
  update_test_hooks (self);
}

static void
row_selected_cb (AdwComboRow           *combo,
                 GParamSpec            *pspec,
                 DuetPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (combo);

  if (self->filling)
    return;

  for (guint i = 0; i < N_ROWS; i++)
    if (self->rows[i].row == combo && selected < self->rows[i].ids->len)
      g_settings_set_string (self->settings, self->rows[i].key,
                             g_ptr_array_index (self->rows[i].ids, selected));
  update_test_hooks (self);
}

static void
devices_changed_cb (GListModel            *devices,
                    guint                  position,
                    guint                  removed,
                    guint                  added,
                    DuetPreferencesWindow *self)
{
  for (guint i = 0; i < N_ROWS; i++)
    if (duet_device_monitor_get_devices (duet_device_monitor_get_default (), self->rows[i].kind) == devices)
      fill_row (self, &self->rows[i]);
}

static void
device_setting_changed_cb (GSettings             *settings,
                           const char            *key,
                           DuetPreferencesWindow *self)
{
  for (guint i = 0; i < N_ROWS; i++)
    {
      DeviceRow *row = &self->rows[i];
      g_autofree char *id = NULL;
      guint selected;

      if (!g_str_equal (row->key, key))
        continue;
      /* The row's own choice coming back has nothing new to show, and a
       * new model now would pull the old one from under the row while it
       * is still telling about the selection */
      id = g_settings_get_string (settings, key);
      selected = adw_combo_row_get_selected (row->row);
      if (selected < row->ids->len && g_str_equal (g_ptr_array_index (row->ids, selected), id))
        continue;
      fill_row (self, row);
    }
  update_test_hooks (self);
}

/* ---- camera preview ---- */

static gboolean
preview_live (DuetPreferencesWindow *self)
{
  if (self->test_picture != NULL)
    return TRUE;
  return self->preview_sink != NULL && duet_camera_preview_get_active (self->preview);
}

/* Why there is no picture, in the words of the one looking at the window */
static const char *
describe_no_picture (DuetPreferencesWindow *self)
{
  DuetDeviceMonitor *monitor = duet_device_monitor_get_default ();
  GListModel *cameras = duet_device_monitor_get_devices (monitor, DUET_DEVICE_KIND_CAMERA);

  if (duet_device_monitor_get_uses_portal (monitor))
    switch (duet_device_monitor_get_camera_access (monitor))
      {
      case DUET_CAMERA_ACCESS_DENIED:
        return _("Duet may not use the camera. Allow it in Settings › Apps › Duet.");
      case DUET_CAMERA_ACCESS_UNAVAILABLE:
        return _("Duet cannot ask for the camera: the desktop has no Camera portal.");
      case DUET_CAMERA_ACCESS_UNKNOWN:
      case DUET_CAMERA_ACCESS_REQUESTING:
        return _("Waiting for permission to use the camera…");
      case DUET_CAMERA_ACCESS_GRANTED:
      default:
        break;
      }

  if (g_list_model_get_n_items (cameras) == 0)
    return _("No camera found");
  /* English, for the log; the window says it in its own words */
  if (duet_camera_preview_get_problem (self->preview) != NULL)
    return _("The camera is not working. Choose another one, or unplug it and plug it in again.");
  return NULL;  /* still starting */
}

static void
update_preview (DuetPreferencesWindow *self)
{
  gboolean live = preview_live (self);
  const char *text = NULL;

  /* No picture, no last frame lingering as if it were live */
  duet_video_view_set_paintable (self->preview_view, live ? self->preview_paintable : NULL);
  if (!live && self->preview_sink != NULL)
    text = describe_no_picture (self);
  duet_video_view_set_placeholder_text (self->preview_view, text);
  duet_video_view_set_placeholder_icon_name (self->preview_view,
                                             text != NULL ? "camera-disabled-symbolic" : "camera-web-symbolic");
  if (!live && duet_camera_preview_get_problem (self->preview) != NULL)
    g_debug ("No camera preview: %s", duet_camera_preview_get_problem (self->preview));
  update_test_hooks (self);
}

/* The test picture the test-sources setting stands for, into @sink */
static GstElement *
start_test_picture (GstElement *sink)
{
  GstElement *pipeline = gst_pipeline_new ("duet-test-picture");
  GstElement *source = gst_element_factory_make ("videotestsrc", NULL);
  GstElement *convert = gst_element_factory_make ("videoconvert", NULL);

  if (source == NULL || convert == NULL)
    {
      g_warning ("Cannot show the test picture: videotestsrc or videoconvert is missing");
      gst_clear_object (&source);
      gst_clear_object (&convert);
      gst_object_unref (pipeline);
      return NULL;
    }
  g_object_set (source, "is-live", TRUE, NULL);
  gst_bin_add_many (GST_BIN (pipeline), source, convert, sink, NULL);
  gst_element_link_many (source, convert, sink, NULL);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  return pipeline;
}

static void
start_preview (DuetPreferencesWindow *self)
{
  DuetVideoSink *sink = NULL;
  g_autofree char *camera = NULL;

  if (self->preview_sink != NULL)
    return;

  self->preview_sink = duet_video_sink_new_bin (&sink);
  if (self->preview_sink == NULL)
    return;
  gst_object_ref_sink (self->preview_sink);
  g_set_object (&self->preview_paintable, GDK_PAINTABLE (duet_video_sink_get_paintable (sink)));

  if (g_settings_get_boolean (self->settings, "test-sources") &&
      g_strcmp0 (g_getenv ("DUET_TEST_SOURCES"), "1") != 0)
    self->test_picture = start_test_picture (self->preview_sink);
  else
    {
      camera = g_settings_get_string (self->settings, "camera");
      duet_camera_preview_set_camera (self->preview, camera);
      duet_camera_preview_add_view (self->preview, self->preview_sink);
    }
  g_debug ("Camera preview started");
  update_preview (self);
}

static void
stop_preview (DuetPreferencesWindow *self)
{
  if (self->preview_sink == NULL)
    return;

  if (self->test_picture != NULL)
    {
      gst_element_set_state (self->test_picture, GST_STATE_NULL);
      gst_clear_object (&self->test_picture);
    }
  else
    duet_camera_preview_remove_view (self->preview, self->preview_sink);
  gst_clear_object (&self->preview_sink);
  /* A new sink next time: this one's paintable keeps its last frame */
  g_clear_object (&self->preview_paintable);
  g_debug ("Camera preview stopped");
  update_preview (self);
}

static void
camera_setting_changed_cb (DuetPreferencesWindow *self)
{
  g_autofree char *camera = g_settings_get_string (self->settings, "camera");

  duet_camera_preview_set_camera (self->preview, camera);
}

static void
test_sources_changed_cb (DuetPreferencesWindow *self)
{
  for (guint i = 0; i < N_ROWS; i++)
    update_row_sensitivity (self, &self->rows[i]);
  if (self->preview_sink == NULL)
    return;
  stop_preview (self);
  start_preview (self);
}

static void
duet_preferences_window_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (duet_preferences_window_parent_class)->map (widget);
  start_preview (DUET_PREFERENCES_WINDOW (widget));
}

/* Closing and hiding both unmap: the camera goes off with the window */
static void
duet_preferences_window_unmap (GtkWidget *widget)
{
  stop_preview (DUET_PREFERENCES_WINDOW (widget));
  GTK_WIDGET_CLASS (duet_preferences_window_parent_class)->unmap (widget);
}

/* ---- test hooks ---- */

/* Read-only states: preview, (whether a picture shows, the placeholder
 * text); devices, for each row's key (the items' names, their ids, the
 * selected item, the id in the setting) */
static void
update_test_hooks (DuetPreferencesWindow *self)
{
  const char *placeholder = duet_video_view_get_placeholder_text (self->preview_view);
  GVariantBuilder devices;
  GAction *action;

  if (self->test_actions == NULL)
    return;
  action = g_action_map_lookup_action (G_ACTION_MAP (self->test_actions), "preview");
  g_simple_action_set_state (G_SIMPLE_ACTION (action),
                             g_variant_new ("(bs)", preview_live (self), placeholder ? placeholder : ""));

  g_variant_builder_init (&devices, G_VARIANT_TYPE ("a{s(asasus)}"));
  for (guint i = 0; i < N_ROWS; i++)
    {
      DeviceRow *row = &self->rows[i];
      GListModel *names = adw_combo_row_get_model (row->row);
      g_autofree char *stored = g_settings_get_string (self->settings, row->key);
      GVariantBuilder row_names, row_ids;

      if (row->ids == NULL || names == NULL)
        continue;
      g_variant_builder_init (&row_names, G_VARIANT_TYPE_STRING_ARRAY);
      g_variant_builder_init (&row_ids, G_VARIANT_TYPE_STRING_ARRAY);
      for (guint j = 0; j < g_list_model_get_n_items (names) && j < row->ids->len; j++)
        {
          g_variant_builder_add (&row_names, "s", gtk_string_list_get_string (GTK_STRING_LIST (names), j));
          g_variant_builder_add (&row_ids, "s", g_ptr_array_index (row->ids, j));
        }
      g_variant_builder_add (&devices, "{s(asasus)}", row->key, &row_names, &row_ids,
                             adw_combo_row_get_selected (row->row), stored);
    }
  action = g_action_map_lookup_action (G_ACTION_MAP (self->test_actions), "devices");
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_builder_end (&devices));
}

static void
hide_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  gtk_widget_set_visible (GTK_WIDGET (user_data), FALSE);
}

/* select-device (su): chooses the index-th item of the row of a key, as a
 * click would */
static void
select_device_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  DuetPreferencesWindow *self = user_data;
  const char *key;
  guint index;

  g_variant_get (parameter, "(&su)", &key, &index);
  for (guint i = 0; i < N_ROWS; i++)
    if (g_str_equal (self->rows[i].key, key))
      adw_combo_row_set_selected (self->rows[i].row, index);
}

static const GActionEntry test_actions[] = {
  { "preview", NULL, NULL, "(false, '')" },
  { "devices", NULL, NULL, "@a{s(asasus)} {}" },
  { "hide", hide_activated },
  { "select-device", select_device_activated, "(su)" },
};

/* Tests read the preview and the rows, choose devices and hide the window
 * over org.gtk.Actions at /org/duet/Duet/preferences */
static void
export_test_hooks (DuetPreferencesWindow *self)
{
  GDBusConnection *connection = g_application_get_dbus_connection (G_APPLICATION (self->application));
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (g_getenv ("DUET_TEST_HOOKS"), "1") != 0 || connection == NULL)
    return;
  self->test_actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->test_actions), test_actions,
                                   G_N_ELEMENTS (test_actions), self);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->test_actions),
                                                                             "preview")), FALSE);
  g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->test_actions),
                                                                             "devices")), FALSE);
  update_test_hooks (self);
  self->export_id = g_dbus_connection_export_action_group (connection, PREFERENCES_ACTIONS_PATH,
                                                           G_ACTION_GROUP (self->test_actions), &error);
  if (self->export_id == 0)
    g_debug ("Preferences test hooks not on the bus: %s", error->message);
  else
    self->export_connection = g_object_ref (connection);
}

/* ---- server ---- */

static void
update_server_row (DuetPreferencesWindow *self)
{
  DuetAccount *account = duet_application_get_account (self->application);
  const char *server = duet_account_get_server_url (account);
  const char *user = duet_account_get_user_id (account);

  if (duet_account_get_state (account) == DUET_ACCOUNT_SIGNED_IN && server && user)
    {
      g_autofree char *subtitle = g_strdup_printf (_("Signed in as %s"), user);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->server_row), server);
      adw_action_row_set_subtitle (self->server_row, subtitle);
    }
  else
    {
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->server_row), _("Not signed in"));
      adw_action_row_set_subtitle (self->server_row, NULL);
    }
}

static void
sign_out_clicked_cb (DuetPreferencesWindow *self)
{
  duet_account_sign_out (duet_application_get_account (self->application));
  gtk_window_close (GTK_WINDOW (self));
}

/* ---- GObject ---- */

static void
duet_preferences_window_dispose (GObject *object)
{
  DuetPreferencesWindow *self = DUET_PREFERENCES_WINDOW (object);

  if (self->export_id != 0)
    g_dbus_connection_unexport_action_group (self->export_connection, self->export_id);
  self->export_id = 0;
  g_clear_object (&self->export_connection);
  g_clear_object (&self->test_actions);

  if (self->preview != NULL)
    {
      stop_preview (self);
      g_signal_handlers_disconnect_by_data (self->preview, self);
      g_clear_object (&self->preview);
    }
  for (guint i = 0; i < N_ROWS; i++)
    g_clear_pointer (&self->rows[i].ids, g_ptr_array_unref);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), DUET_TYPE_PREFERENCES_WINDOW);

  G_OBJECT_CLASS (duet_preferences_window_parent_class)->dispose (object);
}

static void
duet_preferences_window_class_init (DuetPreferencesWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = duet_preferences_window_dispose;
  widget_class->map = duet_preferences_window_map;
  widget_class->unmap = duet_preferences_window_unmap;

  g_type_ensure (DUET_TYPE_VIDEO_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/duet/Duet/ui/duet-preferences-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DuetPreferencesWindow, preview_view);
  gtk_widget_class_bind_template_child (widget_class, DuetPreferencesWindow, camera_row);
  gtk_widget_class_bind_template_child (widget_class, DuetPreferencesWindow, microphone_row);
  gtk_widget_class_bind_template_child (widget_class, DuetPreferencesWindow, speaker_row);
  gtk_widget_class_bind_template_child (widget_class, DuetPreferencesWindow, test_sources_switch);
  gtk_widget_class_bind_template_child (widget_class, DuetPreferencesWindow, echo_cancellation_switch);
  gtk_widget_class_bind_template_child (widget_class, DuetPreferencesWindow, run_in_background_switch);
  gtk_widget_class_bind_template_child (widget_class, DuetPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, DuetPreferencesWindow, server_row);
  gtk_widget_class_bind_template_callback (widget_class, sign_out_clicked_cb);
}

static void
duet_preferences_window_init (DuetPreferencesWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

DuetPreferencesWindow *
duet_preferences_window_new (DuetApplication *application)
{
  DuetPreferencesWindow *self = g_object_new (DUET_TYPE_PREFERENCES_WINDOW,
                                              "application", application,
                                              NULL);
  DuetDeviceMonitor *monitor = duet_device_monitor_get_default ();

  self->application = application;
  self->settings = g_object_ref (duet_application_get_settings (application));
  self->rows[ROW_CAMERA] = (DeviceRow) { self->camera_row, "camera", DUET_DEVICE_KIND_CAMERA };
  self->rows[ROW_MICROPHONE] = (DeviceRow) { self->microphone_row, "microphone", DUET_DEVICE_KIND_MICROPHONE };
  self->rows[ROW_SPEAKER] = (DeviceRow) { self->speaker_row, "speaker", DUET_DEVICE_KIND_SPEAKER };

  g_settings_bind (self->settings, "test-sources", self->test_sources_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "echo-cancellation", self->echo_cancellation_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "run-in-background", self->run_in_background_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "notifications", self->notifications_switch, "active", G_SETTINGS_BIND_DEFAULT);

  for (guint i = 0; i < N_ROWS; i++)
    {
      DeviceRow *row = &self->rows[i];
      g_autofree char *signal = g_strconcat ("changed::", row->key, NULL);

      row->ids = g_ptr_array_new_with_free_func (g_free);
      fill_row (self, row);
      g_signal_connect (row->row, "notify::selected", G_CALLBACK (row_selected_cb), self);
      g_signal_connect_object (duet_device_monitor_get_devices (monitor, row->kind), "items-changed",
                               G_CALLBACK (devices_changed_cb), self, 0);
      g_signal_connect_object (self->settings, signal, G_CALLBACK (device_setting_changed_cb), self, 0);
    }

  self->preview = duet_camera_preview_new ();
  g_signal_connect_swapped (self->preview, "notify::active", G_CALLBACK (update_preview), self);
  g_signal_connect_swapped (self->preview, "notify::problem", G_CALLBACK (update_preview), self);
  g_signal_connect_object (monitor, "notify::camera-access", G_CALLBACK (update_preview), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (duet_device_monitor_get_devices (monitor, DUET_DEVICE_KIND_CAMERA), "items-changed",
                           G_CALLBACK (update_preview), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::camera",
                           G_CALLBACK (camera_setting_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::test-sources",
                           G_CALLBACK (test_sources_changed_cb), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (duet_application_get_account (application), "notify::state",
                           G_CALLBACK (update_server_row), self, G_CONNECT_SWAPPED);
  update_server_row (self);
  export_test_hooks (self);
  return self;
}
