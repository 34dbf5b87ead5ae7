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
 *
 * The Account page lists the devices the user is signed in on, from the
 * manager's list, which the server keeps current; each but this one can
 * be signed out from here, after a confirmation.
 */
#define G_LOG_DOMAIN "DuetPreferencesWindow"

#include "config.h"

#include <glib/gi18n.h>
#include <gst/gst.h>

#include "duet-preferences-window.h"
#include "duet-video-sink.h"
#include "duet-video-view.h"

#define PREFERENCES_ACTIONS_PATH "/org/duet/Duet/preferences"
/* How often "Last seen 5 minutes ago" is brought up to date */
#define LAST_SEEN_REFRESH_S 30

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
  GtkWidget            *autostart_row;
  GtkSwitch            *autostart_switch;
  GtkSwitch            *notifications_switch;
  AdwActionRow         *server_row;
  GtkListBox           *devices_list;

  DuetApplication      *application;
  GSettings            *settings;
  DeviceRow             rows[N_ROWS];
  gboolean              filling;

  DuetCameraPreview    *preview;
  GstElement           *preview_sink;   /* the view's sink while the preview runs */
  GdkPaintable         *preview_paintable;
  GstElement           *test_picture;   /* with the test-sources setting */

  GListModel           *devices;        /* the manager's DuetAccountDevice list, as shown */
  GtkCustomFilter      *online_filter;
  GHashTable           *pending;        /* ids of devices being signed out */
  guint                 last_seen_timer;
  AdwMessageDialog     *confirm;        /* weak: the open confirmation */
  char                 *last_toast;     /* for the test hooks */

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
on_combo_row_selected_changed (AdwComboRow           *combo,
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
on_devices_items_changed (GListModel            *devices,
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
on_settings_device_changed (GSettings             *settings,
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
on_settings_camera_changed (DuetPreferencesWindow *self)
{
  g_autofree char *camera = g_settings_get_string (self->settings, "camera");

  duet_camera_preview_set_camera (self->preview, camera);
}

static void
on_settings_test_sources_changed (DuetPreferencesWindow *self)
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

/* ---- signed-in devices ---- */

static void update_account_hooks (DuetPreferencesWindow *self);

static void
show_toast (DuetPreferencesWindow *self,
            const char            *message)
{
  g_free (self->last_toast);
  self->last_toast = g_strdup (message);
  adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self), adw_toast_new (message));
  update_account_hooks (self);
}

/**
 * duet_preferences_window_describe_device:
 * @current: whether it is the device this app runs on
 * @online: whether it has a connection now
 * @last_seen: (nullable): when the server last heard from it
 * @now: the time to count from
 *
 * The subtitle of a device's row: "This device", "Online", or when it
 * was last seen, in words.
 *
 * Returns: (transfer full): the text
 */
char *
duet_preferences_window_describe_device (gboolean   current,
                                         gboolean   online,
                                         GDateTime *last_seen,
                                         GDateTime *now)
{
  GTimeSpan ago;
  gint64 n;

  if (current)
    return g_strdup (_("This device"));
  if (online)
    return g_strdup (_("Online"));
  if (last_seen == NULL)
    return g_strdup (_("Offline"));

  ago = MAX (g_date_time_difference (now, last_seen), 0);
  if (ago < G_TIME_SPAN_MINUTE)
    return g_strdup (_("Last seen just now"));
  if (ago < G_TIME_SPAN_HOUR)
    {
      n = ago / G_TIME_SPAN_MINUTE;
      return g_strdup_printf (ngettext ("Last seen %d minute ago", "Last seen %d minutes ago", n), (int) n);
    }
  if (ago < G_TIME_SPAN_DAY)
    {
      n = ago / G_TIME_SPAN_HOUR;
      return g_strdup_printf (ngettext ("Last seen %d hour ago", "Last seen %d hours ago", n), (int) n);
    }
  if (ago < 30 * G_TIME_SPAN_DAY)
    {
      n = ago / G_TIME_SPAN_DAY;
      return g_strdup_printf (ngettext ("Last seen %d day ago", "Last seen %d days ago", n), (int) n);
    }
  {
    g_autoptr(GDateTime) local = g_date_time_to_local (last_seen);
    /* Translators: the date a device was last seen, see GDateTime's format */
    g_autofree char *date = g_date_time_format (local, _("%-d %B %Y"));

    /* Translators: %s is a date, such as "3 March 2026" */
    return g_strdup_printf (_("Last seen on %s"), date);
  }
}

static DuetAccountDevice *
row_device (GtkWidget *row)
{
  return g_object_get_data (G_OBJECT (row), "duet-device");
}

static void
update_device_row (DuetPreferencesWindow *self,
                   GtkWidget             *row)
{
  DuetAccountDevice *device = row_device (row);
  GtkWidget *button = g_object_get_data (G_OBJECT (row), "duet-sign-out");
  GtkWidget *spinner = g_object_get_data (G_OBJECT (row), "duet-spinner");
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *subtitle = duet_preferences_window_describe_device (duet_account_device_get_current (device),
                                                                        duet_account_device_get_online (device),
                                                                        duet_account_device_get_last_seen_at (device),
                                                                        now);
  gboolean pending = g_hash_table_contains (self->pending, duet_account_device_get_id (device));

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), duet_account_device_get_name (device));
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (button != NULL)
    {
      g_autofree char *label = g_strdup_printf (_("Sign out “%s”"), duet_account_device_get_name (device));

      gtk_widget_set_visible (button, !duet_account_device_get_current (device));
      gtk_widget_set_sensitive (button, !pending);
      gtk_widget_set_tooltip_text (button, label);
      gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
      gtk_widget_set_visible (spinner, pending);
      gtk_spinner_set_spinning (GTK_SPINNER (spinner), pending);
    }
}

static void
update_device_rows (DuetPreferencesWindow *self)
{
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->devices_list, i)) != NULL; i++)
    update_device_row (self, GTK_WIDGET (row));
  update_account_hooks (self);
}

static GtkWidget *
find_device_row (DuetPreferencesWindow *self,
                 const char            *device_id)
{
  GtkListBoxRow *row;

  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->devices_list, i)) != NULL; i++)
    if (g_strcmp0 (duet_account_device_get_id (row_device (GTK_WIDGET (row))), device_id) == 0)
      return GTK_WIDGET (row);
  return NULL;
}

typedef struct
{
  DuetPreferencesWindow *self;
  char                  *id;
  char                  *name;
} SignOutDevice;

static void
sign_out_device_free (SignOutDevice *data)
{
  g_object_unref (data->self);
  g_free (data->id);
  g_free (data->name);
  g_free (data);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (SignOutDevice, sign_out_device_free)

/* What went wrong, and what to do about it */
static char *
describe_sign_out_error (const GError *error,
                         const char   *name)
{
  if (g_error_matches (error, DUET_KIT_ERROR, DUET_KIT_ERROR_NO_SUCH_DEVICE))
    return g_strdup_printf (_("“%s” was already signed out"), name);
  if (g_error_matches (error, DUET_KIT_ERROR, DUET_KIT_ERROR_NOT_CONNECTED) ||
      g_error_matches (error, DUET_KIT_ERROR, DUET_KIT_ERROR_NETWORK))
    return g_strdup_printf (_("Could not sign out “%s”: Duet is offline. Try again once it is connected."), name);
  return g_strdup_printf (_("Could not sign out “%s”: the server answered with an error. Try again later."), name);
}

static void
sign_out_device_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(SignOutDevice) data = user_data;
  DuetPreferencesWindow *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autofree char *message = NULL;

  if (!duet_manager_sign_out_device_finish (DUET_MANAGER (source), result, &error))
    {
      g_message ("Could not sign out device %s: %s", data->id, error->message);
      message = describe_sign_out_error (error, data->name);
    }
  else
    message = g_strdup_printf (_("“%s” was signed out"), data->name);

  if (self->pending == NULL)
    return;  /* the window is gone */
  g_hash_table_remove (self->pending, data->id);
  update_device_rows (self);
  show_toast (self, message);
}

static void
sign_out_device (DuetPreferencesWindow *self,
                 DuetAccountDevice     *device)
{
  DuetManager *manager = duet_application_get_manager (self->application);
  SignOutDevice *data;

  if (!g_hash_table_add (self->pending, g_strdup (duet_account_device_get_id (device))))
    return;
  data = g_new0 (SignOutDevice, 1);
  data->self = g_object_ref (self);
  data->id = g_strdup (duet_account_device_get_id (device));
  data->name = g_strdup (duet_account_device_get_name (device));
  duet_manager_sign_out_device_async (manager, data->id, NULL, sign_out_device_cb, data);
  update_device_rows (self);
}

static void
on_confirm_dialog_response (AdwMessageDialog      *dialog,
                     const char            *response,
                     DuetPreferencesWindow *self)
{
  DuetAccountDevice *device = g_object_get_data (G_OBJECT (dialog), "duet-device");

  if (g_str_equal (response, "sign-out"))
    sign_out_device (self, device);
}

static void
on_confirm_dialog_destroy (GtkWidget             *dialog,
                      DuetPreferencesWindow *self)
{
  if (self->confirm == ADW_MESSAGE_DIALOG (dialog))
    self->confirm = NULL;
  update_account_hooks (self);
}

static void
on_sign_out_device_button_clicked (GtkButton *button,
                            GtkWidget *row)
{
  DuetPreferencesWindow *self = g_object_get_data (G_OBJECT (row), "duet-preferences");
  DuetAccountDevice *device = row_device (row);
  g_autofree char *heading = g_strdup_printf (_("Sign Out “%s”?"), duet_account_device_get_name (device));
  GtkWidget *dialog;

  dialog = adw_message_dialog_new (GTK_WINDOW (self), heading,
                                   _("Calls will no longer ring on that device, and it has to sign in again to use Duet."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "cancel", _("_Cancel"),
                                    "sign-out", _("_Sign Out"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "sign-out",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "duet-device", g_object_ref (device), g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_confirm_dialog_response), self, 0);
  g_signal_connect_object (dialog, "destroy", G_CALLBACK (on_confirm_dialog_destroy), self, 0);
  self->confirm = ADW_MESSAGE_DIALOG (dialog);
  gtk_window_present (GTK_WINDOW (dialog));
  update_account_hooks (self);
}

static void
on_device_notify (GtkWidget *row)
{
  DuetPreferencesWindow *self = g_object_get_data (G_OBJECT (row), "duet-preferences");

  update_device_row (self, row);
  update_account_hooks (self);
}

static GtkWidget *
create_device_row (gpointer item,
                   gpointer user_data)
{
  DuetPreferencesWindow *self = user_data;
  DuetAccountDevice *device = item;
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *icon, *button, *spinner;

  /* Names come from the user's other devices: never markup */
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  g_object_set_data (G_OBJECT (row), "duet-preferences", self);
  g_object_set_data_full (G_OBJECT (row), "duet-device", g_object_ref (device), g_object_unref);

  icon = gtk_image_new_from_icon_name ("computer-symbolic");
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);

  if (!duet_account_device_get_current (device))
    {
      spinner = gtk_spinner_new ();
      gtk_widget_set_valign (spinner, GTK_ALIGN_CENTER);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), spinner);
      button = gtk_button_new_with_label (_("Sign Out"));
      gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (button, "destructive-action");
      g_signal_connect (button, "clicked", G_CALLBACK (on_sign_out_device_button_clicked), row);
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
      g_object_set_data (G_OBJECT (row), "duet-sign-out", button);
      g_object_set_data (G_OBJECT (row), "duet-spinner", spinner);
    }

  g_signal_connect_object (device, "notify", G_CALLBACK (on_device_notify), row, G_CONNECT_SWAPPED);
  update_device_row (self, row);
  return row;
}

static int
compare_current_first (gconstpointer a,
                       gconstpointer b,
                       gpointer      user_data)
{
  return (int) duet_account_device_get_current ((DuetAccountDevice *) b) -
         (int) duet_account_device_get_current ((DuetAccountDevice *) a);
}

static gboolean
app_online (gpointer item,
            gpointer user_data)
{
  return duet_application_get_online (user_data);
}

static void
on_application_online_changed (DuetPreferencesWindow *self)
{
  gtk_filter_changed (GTK_FILTER (self->online_filter), GTK_FILTER_CHANGE_DIFFERENT);
}

static gboolean
last_seen_timer_cb (gpointer user_data)
{
  update_device_rows (user_data);
  return G_SOURCE_CONTINUE;
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

/* account-devices: what each row shows (id, name, subtitle, whether it
 * offers Sign Out, whether its sign-out is pending); dialog: the heading
 * of the open confirmation, or ""; toast: the last toast's text */
static void
update_account_hooks (DuetPreferencesWindow *self)
{
  GVariantBuilder rows;
  GtkListBoxRow *row;
  GAction *action;

  if (self->test_actions == NULL || self->devices_list == NULL)
    return;
  g_variant_builder_init (&rows, G_VARIANT_TYPE ("a(sssbb)"));
  for (int i = 0; (row = gtk_list_box_get_row_at_index (self->devices_list, i)) != NULL; i++)
    {
      DuetAccountDevice *device = row_device (GTK_WIDGET (row));
      GtkWidget *button = g_object_get_data (G_OBJECT (row), "duet-sign-out");

      g_variant_builder_add (&rows, "(sssbb)", duet_account_device_get_id (device),
                             adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)),
                             adw_action_row_get_subtitle (ADW_ACTION_ROW (row)),
                             button != NULL && gtk_widget_get_visible (button),
                             g_hash_table_contains (self->pending, duet_account_device_get_id (device)));
    }
  action = g_action_map_lookup_action (G_ACTION_MAP (self->test_actions), "account-devices");
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_builder_end (&rows));
  action = g_action_map_lookup_action (G_ACTION_MAP (self->test_actions), "dialog");
  g_simple_action_set_state (G_SIMPLE_ACTION (action),
                             g_variant_new_string (self->confirm ? adw_message_dialog_get_heading (self->confirm) : ""));
  action = g_action_map_lookup_action (G_ACTION_MAP (self->test_actions), "toast");
  g_simple_action_set_state (G_SIMPLE_ACTION (action),
                             g_variant_new_string (self->last_toast ? self->last_toast : ""));
}

/* sign-out-device (s): presses the Sign Out button of that device's row */
static void
sign_out_device_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  DuetPreferencesWindow *self = user_data;
  GtkWidget *row = find_device_row (self, g_variant_get_string (parameter, NULL));
  GtkWidget *button = row ? g_object_get_data (G_OBJECT (row), "duet-sign-out") : NULL;

  if (button != NULL)
    gtk_widget_activate (button);
}

/* respond (s): answers the open confirmation, as its buttons would (a
 * click responds, then closes the dialog) */
static void
respond_activated (GSimpleAction *action,
                   GVariant      *parameter,
                   gpointer       user_data)
{
  DuetPreferencesWindow *self = user_data;
  g_autoptr(AdwMessageDialog) dialog = self->confirm ? g_object_ref (self->confirm) : NULL;

  if (dialog == NULL)
    return;
  adw_message_dialog_response (dialog, g_variant_get_string (parameter, NULL));
  gtk_window_close (GTK_WINDOW (dialog));
}

/* show-page (s): "general" or "account", as a click on its button in the
 * header would (a click hides the keyboard focus ring) */
static void
show_page_activated (GSimpleAction *action,
                     GVariant      *parameter,
                     gpointer       user_data)
{
  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (user_data),
                                                g_variant_get_string (parameter, NULL));
  gtk_window_set_focus_visible (GTK_WINDOW (user_data), FALSE);
}

/* Scrolls the Behavior group into view, for its screenshot: the page
 * scrolls to the focus, put on the group's last row */
static void
show_behavior_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  DuetPreferencesWindow *self = user_data;

  adw_preferences_window_set_visible_page_name (ADW_PREFERENCES_WINDOW (self), "general");
  gtk_widget_grab_focus (GTK_WIDGET (self->notifications_switch));
  gtk_window_set_focus_visible (GTK_WINDOW (self), FALSE);
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
  { "account-devices", NULL, NULL, "@a(sssbb) []" },
  { "dialog", NULL, NULL, "''" },
  { "toast", NULL, NULL, "''" },
  { "sign-out-device", sign_out_device_activated, "s" },
  { "respond", respond_activated, "s" },
  { "show-page", show_page_activated, "s" },
  { "show-behavior", show_behavior_activated },
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
  for (const char * const *name = (const char * const []) { "account-devices", "dialog", "toast", NULL }; *name; name++)
    g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->test_actions),
                                                                               *name)), FALSE);
  update_test_hooks (self);
  update_account_hooks (self);
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
on_sign_out_button_clicked (DuetPreferencesWindow *self)
{
  duet_application_sign_out (self->application);
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
  g_clear_handle_id (&self->last_seen_timer, g_source_remove);
  if (self->confirm != NULL)
    gtk_window_destroy (GTK_WINDOW (self->confirm));
  self->confirm = NULL;
  if (self->devices_list != NULL)
    gtk_list_box_bind_model (self->devices_list, NULL, NULL, NULL, NULL);
  if (self->devices != NULL)
    g_signal_handlers_disconnect_by_data (self->devices, self);
  g_clear_object (&self->devices);
  g_clear_object (&self->online_filter);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_pointer (&self->last_toast, g_free);
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
  gtk_widget_class_bind_template_child (widget_class, DuetPreferencesWindow, autostart_row);
  gtk_widget_class_bind_template_child (widget_class, DuetPreferencesWindow, autostart_switch);
  gtk_widget_class_bind_template_child (widget_class, DuetPreferencesWindow, notifications_switch);
  gtk_widget_class_bind_template_child (widget_class, DuetPreferencesWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, DuetPreferencesWindow, devices_list);
  gtk_widget_class_bind_template_callback (widget_class, on_sign_out_button_clicked);
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
  /* Started at login, Duet would only run hidden, which needs the other */
  g_settings_bind (self->settings, "autostart", self->autostart_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "run-in-background", self->autostart_row, "sensitive", G_SETTINGS_BIND_GET);
  g_settings_bind (self->settings, "notifications", self->notifications_switch, "active", G_SETTINGS_BIND_DEFAULT);

  for (guint i = 0; i < N_ROWS; i++)
    {
      DeviceRow *row = &self->rows[i];
      g_autofree char *signal = g_strconcat ("changed::", row->key, NULL);

      row->ids = g_ptr_array_new_with_free_func (g_free);
      fill_row (self, row);
      g_signal_connect (row->row, "notify::selected", G_CALLBACK (on_combo_row_selected_changed), self);
      g_signal_connect_object (duet_device_monitor_get_devices (monitor, row->kind), "items-changed",
                               G_CALLBACK (on_devices_items_changed), self, 0);
      g_signal_connect_object (self->settings, signal, G_CALLBACK (on_settings_device_changed), self, 0);
    }

  self->preview = duet_camera_preview_new ();
  g_signal_connect_swapped (self->preview, "notify::active", G_CALLBACK (update_preview), self);
  g_signal_connect_swapped (self->preview, "notify::problem", G_CALLBACK (update_preview), self);
  g_signal_connect_object (monitor, "notify::camera-access", G_CALLBACK (update_preview), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (duet_device_monitor_get_devices (monitor, DUET_DEVICE_KIND_CAMERA), "items-changed",
                           G_CALLBACK (update_preview), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::camera",
                           G_CALLBACK (on_settings_camera_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::test-sources",
                           G_CALLBACK (on_settings_test_sources_changed), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (duet_application_get_account (application), "notify::state",
                           G_CALLBACK (update_server_row), self, G_CONNECT_SWAPPED);
  update_server_row (self);

  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* Only while online: offline, the last list would say who was online
   * then, and signing out could not work; the placeholder says why the
   * list is empty. This device first, the others as the server lists them
   * (oldest first; the sort is stable). */
  self->online_filter = gtk_custom_filter_new (app_online, application, NULL);
  self->devices = G_LIST_MODEL (gtk_filter_list_model_new (g_object_ref (duet_manager_get_devices (duet_application_get_manager (application))),
                                                           GTK_FILTER (g_object_ref (self->online_filter))));
  self->devices = G_LIST_MODEL (gtk_sort_list_model_new (self->devices,
                                                         GTK_SORTER (gtk_custom_sorter_new (compare_current_first, NULL, NULL))));
  g_signal_connect_object (application, "notify::online", G_CALLBACK (on_application_online_changed), self, G_CONNECT_SWAPPED);
  gtk_list_box_bind_model (self->devices_list, self->devices, create_device_row, self, NULL);
  /* After the list box's own handler, so the rows are there */
  g_signal_connect_swapped (self->devices, "items-changed", G_CALLBACK (update_account_hooks), self);
  self->last_seen_timer = g_timeout_add_seconds (LAST_SEEN_REFRESH_S, last_seen_timer_cb, self);

  export_test_hooks (self);
  return self;
}
