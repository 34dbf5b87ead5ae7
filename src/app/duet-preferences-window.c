/* duet-preferences-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Devices are listed by the names GstDeviceMonitor gives them and stored
 * by that name, which is also what the kit matches them by; "Automatic"
 * (stored as "") lets the kit choose. The monitor keeps running while the
 * window is open, so a camera plugged in meanwhile shows up.
 */
#define G_LOG_DOMAIN "DuetPreferencesWindow"

#include "config.h"

#include <glib/gi18n.h>
#include <gst/gst.h>

#include "duet-preferences-window.h"

typedef struct
{
  AdwComboRow *row;
  const char  *key;
  const char  *klass;
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
  GstDeviceMonitor     *monitor;
  guint                 bus_watch;
  DeviceRow             rows[N_ROWS];
  gboolean              filling;
};

G_DEFINE_FINAL_TYPE (DuetPreferencesWindow, duet_preferences_window, ADW_TYPE_PREFERENCES_WINDOW)

static gboolean
device_has_class (GstDevice  *device,
                  const char *klass)
{
  return gst_device_has_classes (device, klass);
}

static void
fill_row (DuetPreferencesWindow *self,
          DeviceRow             *row)
{
  g_autoptr(GtkStringList) model = gtk_string_list_new (NULL);
  g_autofree char *current = g_settings_get_string (self->settings, row->key);
  g_autoptr(GList) devices = NULL;
  guint selected = 0, n = 1;
  gboolean found = *current == '\0';

  gtk_string_list_append (model, _("Automatic"));
  if (self->monitor != NULL)
    devices = gst_device_monitor_get_devices (self->monitor);
  for (GList *l = devices; l != NULL; l = l->next)
    {
      g_autofree char *name = NULL;

      if (!device_has_class (l->data, row->klass))
        continue;
      name = gst_device_get_display_name (l->data);
      gtk_string_list_append (model, name);
      if (!found && g_str_equal (name, current))
        {
          selected = n;
          found = TRUE;
        }
      n++;
    }
  g_list_free_full (g_steal_pointer (&devices), gst_object_unref);

  /* Keep a choice whose device is unplugged right now */
  if (!found)
    {
      gtk_string_list_append (model, current);
      selected = n;
    }

  self->filling = TRUE;
  adw_combo_row_set_model (row->row, G_LIST_MODEL (model));
  adw_combo_row_set_selected (row->row, selected);
  self->filling = FALSE;
}

static void
fill_all (DuetPreferencesWindow *self)
{
  for (guint i = 0; i < N_ROWS; i++)
    fill_row (self, &self->rows[i]);
}

static void
row_selected_cb (AdwComboRow           *combo,
                 GParamSpec            *pspec,
                 DuetPreferencesWindow *self)
{
  guint selected = adw_combo_row_get_selected (combo);
  GListModel *model = adw_combo_row_get_model (combo);

  if (self->filling || model == NULL)
    return;

  for (guint i = 0; i < N_ROWS; i++)
    if (self->rows[i].row == combo)
      {
        const char *name = selected == 0 || selected == GTK_INVALID_LIST_POSITION
                           ? "" : gtk_string_list_get_string (GTK_STRING_LIST (model), selected);
        g_settings_set_string (self->settings, self->rows[i].key, name ? name : "");
      }
}

static gboolean
monitor_bus_cb (GstBus     *bus,
                GstMessage *message,
                gpointer    user_data)
{
  DuetPreferencesWindow *self = user_data;

  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_DEVICE_ADDED ||
      GST_MESSAGE_TYPE (message) == GST_MESSAGE_DEVICE_REMOVED)
    fill_all (self);
  return G_SOURCE_CONTINUE;
}

static void
start_monitor (DuetPreferencesWindow *self)
{
  g_autoptr(GstBus) bus = NULL;

  self->monitor = gst_device_monitor_new ();
  gst_device_monitor_add_filter (self->monitor, "Video/Source", NULL);
  gst_device_monitor_add_filter (self->monitor, "Audio/Source", NULL);
  gst_device_monitor_add_filter (self->monitor, "Audio/Sink", NULL);
  bus = gst_device_monitor_get_bus (self->monitor);
  self->bus_watch = gst_bus_add_watch (bus, monitor_bus_cb, self);
  if (!gst_device_monitor_start (self->monitor))
    g_debug ("No device providers; only “Automatic” is offered");
}

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

static void
duet_preferences_window_dispose (GObject *object)
{
  DuetPreferencesWindow *self = DUET_PREFERENCES_WINDOW (object);

  g_clear_handle_id (&self->bus_watch, g_source_remove);
  if (self->monitor != NULL)
    gst_device_monitor_stop (self->monitor);
  gst_clear_object (&self->monitor);
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

  gtk_widget_class_set_template_from_resource (widget_class, "/org/duet/Duet/ui/duet-preferences-window.ui");
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

  self->application = application;
  self->settings = g_object_ref (duet_application_get_settings (application));
  self->rows[ROW_CAMERA] = (DeviceRow) { self->camera_row, "camera", "Video/Source" };
  self->rows[ROW_MICROPHONE] = (DeviceRow) { self->microphone_row, "microphone", "Audio/Source" };
  self->rows[ROW_SPEAKER] = (DeviceRow) { self->speaker_row, "speaker", "Audio/Sink" };

  g_settings_bind (self->settings, "test-sources", self->test_sources_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "echo-cancellation", self->echo_cancellation_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "run-in-background", self->run_in_background_switch, "active", G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "notifications", self->notifications_switch, "active", G_SETTINGS_BIND_DEFAULT);

  /* The device choice is moot while test sources are sent */
  g_settings_bind (self->settings, "test-sources", self->camera_row, "sensitive",
                   G_SETTINGS_BIND_GET | G_SETTINGS_BIND_INVERT_BOOLEAN);
  g_settings_bind (self->settings, "test-sources", self->microphone_row, "sensitive",
                   G_SETTINGS_BIND_GET | G_SETTINGS_BIND_INVERT_BOOLEAN);

  start_monitor (self);
  fill_all (self);
  for (guint i = 0; i < N_ROWS; i++)
    g_signal_connect (self->rows[i].row, "notify::selected", G_CALLBACK (row_selected_cb), self);

  g_signal_connect_object (duet_application_get_account (application), "notify::state",
                           G_CALLBACK (update_server_row), self, G_CONNECT_SWAPPED);
  update_server_row (self);
  return self;
}
