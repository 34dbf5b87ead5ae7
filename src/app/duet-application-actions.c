/* duet-application-actions.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application's actions, also on the session bus through
 * GApplication, so notifications, scripts and the tests use the same ones
 * as the windows:
 *
 *   app.call (ss)         peer user id, media type ("audio", "audiovideo")
 *   app.accept-call (b)   accept the ringing call, with video or not
 *   app.decline-call      decline it
 *   app.show-incoming     show the ringing call's window again
 *   app.show-missed-call (s)      show the window for a missed call (by id),
 *                                 marking it seen on every device
 *   app.mark-missed-call-seen (s) only mark it seen
 *   app.sign-out          sign this device out, at the server too
 *   app.preferences, app.about, app.quit
 *   app.online            read-only boolean state: connected to the server
 *   app.run-in-background, app.autostart, app.test-sources
 *                         the preferences of those names (GSettings actions)
 *
 * The calls themselves belong to DuetCallCentre; these only ask it.
 */
#define G_LOG_DOMAIN "DuetApplication"

#include "config.h"

#include <glib/gi18n.h>

#include "duet-application-private.h"
#include "duet-preferences-window.h"

static void
quit_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  DuetApplication *self = user_data;

  if (self->held)
    {
      self->held = FALSE;
      g_application_release (G_APPLICATION (self));
    }
  g_application_quit (G_APPLICATION (self));
}

static void
about_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { "The Duet developers", NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("Duet"),
                         "application-icon", APPLICATION_ID,
                         "version", PACKAGE_VERSION,
                         "developers", developers,
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "comments", _("Video calls with people on your own server"),
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
preferences_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  DuetApplication *self = user_data;

  if (self->preferences == NULL)
    {
      self->preferences = GTK_WINDOW (duet_preferences_window_new (self));
      _duet_application_track_weakly ((gpointer *) &self->preferences);
      gtk_window_set_transient_for (self->preferences,
                                    GTK_WINDOW (_duet_application_get_main_window (self)));
    }
  gtk_window_present (self->preferences);
}

/* ---- calls ---- */

static void
call_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  DuetApplication *self = user_data;
  g_autoptr(GError) error = NULL;
  DuetMediaType media_type = DUET_MEDIA_TYPE_AUDIOVIDEO;
  const char *peer, *media;

  g_variant_get (parameter, "(&s&s)", &peer, &media);
  duet_media_type_from_string (media, &media_type);

  /* New calls take the devices chosen since the manager last heard */
  _duet_application_apply_media_settings (self);
  if (duet_call_centre_dial (self->call_centre, peer, media_type, &error))
    return;
  _duet_application_toast (self, error->message);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BUSY) && self->call_window != NULL)
    gtk_window_present (GTK_WINDOW (self->call_window));
}

static void
accept_call_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  DuetApplication *self = user_data;

  if (duet_call_centre_get_ringing_call (self->call_centre) == NULL)
    return;
  _duet_application_apply_media_settings (self);
  duet_call_centre_accept (self->call_centre, g_variant_get_boolean (parameter));
}

static void
decline_call_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  DuetApplication *self = user_data;

  duet_call_centre_decline (self->call_centre);
}

static void
show_incoming_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  DuetApplication *self = user_data;

  if (duet_call_centre_get_ringing_call (self->call_centre) != NULL)
    _duet_application_show_incoming_window (self);
  else
    g_application_activate (G_APPLICATION (self));
}

/* ---- missed calls, the account ---- */

static void
show_missed_call_activated (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  DuetApplication *self = user_data;

  duet_application_mark_missed_call_seen (self, g_variant_get_string (parameter, NULL));
  g_application_activate (G_APPLICATION (self));
}

static void
mark_missed_call_seen_activated (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  duet_application_mark_missed_call_seen (user_data, g_variant_get_string (parameter, NULL));
}

static void
sign_out_activated (GSimpleAction *action,
                    GVariant      *parameter,
                    gpointer       user_data)
{
  duet_application_sign_out (user_data);
}

static void
online_change_state (GSimpleAction *action,
                     GVariant      *value,
                     gpointer       user_data)
{
  /* Read-only: the state follows the connection */
}

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
  { "preferences", preferences_activated },
  { "call", call_activated, "(ss)" },
  { "accept-call", accept_call_activated, "b" },
  { "decline-call", decline_call_activated },
  { "show-incoming", show_incoming_activated },
  { "show-missed-call", show_missed_call_activated, "s" },
  { "mark-missed-call-seen", mark_missed_call_seen_activated, "s" },
  { "sign-out", sign_out_activated },
  { "online", NULL, NULL, "false", online_change_state },
};

/* Test hook (DUET_TEST_HOOKS=1): what the sign-in page says after the
 * server signed this device out, read-only */
static void
add_test_hooks (DuetApplication *self)
{
  g_autoptr(GSimpleAction) hook = NULL;

  if (g_strcmp0 (g_getenv ("DUET_TEST_HOOKS"), "1") != 0)
    return;
  hook = g_simple_action_new_stateful ("sign-in-message", NULL, g_variant_new_string (""));
  g_simple_action_set_enabled (hook, FALSE);
  g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (hook));
}

/* The preferences as actions too: menus, scripts and the tests */
static void
add_settings_actions (DuetApplication *self)
{
  const char * const keys[] = { "run-in-background", "autostart", "test-sources" };

  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autoptr(GAction) action = g_settings_create_action (self->settings, keys[i]);

      g_action_map_add_action (G_ACTION_MAP (self), action);
    }
}

/* At startup, once the settings exist */
void
_duet_application_actions_init (DuetApplication *self)
{
  GtkApplication *app = GTK_APPLICATION (self);

  g_action_map_add_action_entries (G_ACTION_MAP (self), app_actions,
                                   G_N_ELEMENTS (app_actions), self);
  gtk_application_set_accels_for_action (app, "app.quit", (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (app, "app.preferences", (const char *[]) { "<Control>comma", NULL });
  gtk_application_set_accels_for_action (app, "win.show-help-overlay", (const char *[]) { "<Control>question", NULL });
  add_test_hooks (self);
  add_settings_actions (self);
}

void
_duet_application_set_online_action (DuetApplication *self,
                                     gboolean         online)
{
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self), "online");

  if (action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (online));
}

void
_duet_application_set_sign_in_message_hook (DuetApplication *self,
                                            const char      *message)
{
  GAction *hook = g_action_map_lookup_action (G_ACTION_MAP (self), "sign-in-message");

  if (hook != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (hook), g_variant_new_string (message ? message : ""));
}
