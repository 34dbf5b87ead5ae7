/* duet-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gi18n.h>

#include "duet-application.h"
#include "duet-protocol.h"
#include "duet-window.h"

struct _DuetApplication
{
  AdwApplication  parent_instance;

  GSettings      *settings;
  DuetAccount    *account;
  char           *profile;

  /* Sign-in given on the command line (demo and tests) */
  char           *cli_server;
  char           *cli_user;
  char           *cli_service;
  char           *cli_password;

  gboolean        start_in_background;
  gboolean        held;
};

G_DEFINE_FINAL_TYPE (DuetApplication, duet_application, ADW_TYPE_APPLICATION)

static const GOptionEntry option_entries[] = {
  { "background", 'b', 0, G_OPTION_ARG_NONE, NULL,
    N_("Start without a window and wait for calls"), NULL },
  { "profile", 'p', 0, G_OPTION_ARG_STRING, NULL,
    N_("Use a separate profile (settings and sign-in), for running two accounts at once"), N_("NAME") },
  { "server", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Sign in to this server"), N_("URL") },
  { "user", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Sign in as this user"), N_("ID") },
  { "service", 0, 0, G_OPTION_ARG_STRING, NULL,
    N_("Service ID of the user"), N_("ID") },
  { "password-stdin", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Read the password from standard input"), NULL },
  { NULL }
};

static char *
read_password_from_stdin (void)
{
  char buf[1025];
  size_t len;

  if (fgets (buf, sizeof buf, stdin) == NULL)
    return NULL;

  len = strlen (buf);
  while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
    buf[--len] = '\0';
  return g_strdup (buf);
}

static GSettings *
create_settings (const char *profile)
{
  g_autoptr(GSettingsBackend) backend = NULL;
  g_autofree char *path = NULL;

  if (profile == NULL)
    return g_settings_new (APPLICATION_ID);

  /* Each profile keeps its own settings file, so two instances can run
   * side by side as different users. */
  path = g_build_filename (g_get_user_config_dir (), "duet", "profiles",
                           profile, "settings.ini", NULL);
  backend = g_keyfile_settings_backend_new (path, "/", NULL);
  return g_settings_new_with_backend (APPLICATION_ID, backend);
}

static gint
duet_application_handle_local_options (GApplication *app,
                                       GVariantDict *options)
{
  DuetApplication *self = DUET_APPLICATION (app);
  gboolean password_stdin = FALSE;

  g_variant_dict_lookup (options, "profile", "s", &self->profile);
  g_variant_dict_lookup (options, "server", "s", &self->cli_server);
  g_variant_dict_lookup (options, "user", "s", &self->cli_user);
  g_variant_dict_lookup (options, "service", "s", &self->cli_service);
  g_variant_dict_lookup (options, "password-stdin", "b", &password_stdin);
  g_variant_dict_lookup (options, "background", "b", &self->start_in_background);

  if (self->profile != NULL)
    {
      if (!duet_user_id_is_valid (self->profile))
        {
          g_printerr (_("Invalid profile name “%s”\n"), self->profile);
          return 2;
        }
      g_application_set_flags (app, g_application_get_flags (app) | G_APPLICATION_NON_UNIQUE);
    }

  if (password_stdin)
    self->cli_password = read_password_from_stdin ();

  return -1;
}

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

static const GActionEntry app_actions[] = {
  { "quit", quit_activated },
  { "about", about_activated },
};

/* Keeps the process alive without windows so calls can still come in */
static void
update_background_hold (DuetApplication *self)
{
  gboolean wanted = g_settings_get_boolean (self->settings, "run-in-background");

  if (wanted && !self->held)
    g_application_hold (G_APPLICATION (self));
  else if (!wanted && self->held)
    g_application_release (G_APPLICATION (self));
  self->held = wanted;
}

static void
duet_application_startup (GApplication *app)
{
  DuetApplication *self = DUET_APPLICATION (app);
  GtkApplication *gtk_app = GTK_APPLICATION (app);

  G_APPLICATION_CLASS (duet_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (gtk_app, "app.quit", (const char *[]) { "<Control>q", NULL });
  gtk_application_set_accels_for_action (gtk_app, "app.preferences", (const char *[]) { "<Control>comma", NULL });
  gtk_application_set_accels_for_action (gtk_app, "win.show-help-overlay", (const char *[]) { "<Control>question", NULL });

  self->settings = create_settings (self->profile);
  self->account = duet_account_new (self->profile ? self->profile : "default");

  g_signal_connect_object (self->settings, "changed::run-in-background",
                           G_CALLBACK (update_background_hold), self, G_CONNECT_SWAPPED);
  update_background_hold (self);
}

static void
duet_application_activate (GApplication *app)
{
  DuetApplication *self = DUET_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    window = GTK_WINDOW (duet_window_new (self));

  if (self->start_in_background)
    {
      /* Only the first activation stays hidden; later ones show the window */
      self->start_in_background = FALSE;
      return;
    }
  gtk_window_present (window);
}

static void
duet_application_finalize (GObject *object)
{
  DuetApplication *self = DUET_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->account);
  g_free (self->profile);
  g_free (self->cli_server);
  g_free (self->cli_user);
  g_free (self->cli_service);
  if (self->cli_password)
    memset (self->cli_password, 0, strlen (self->cli_password));
  g_free (self->cli_password);

  G_OBJECT_CLASS (duet_application_parent_class)->finalize (object);
}

static void
duet_application_class_init (DuetApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = duet_application_finalize;
  app_class->handle_local_options = duet_application_handle_local_options;
  app_class->startup = duet_application_startup;
  app_class->activate = duet_application_activate;
}

static void
duet_application_init (DuetApplication *self)
{
  g_application_add_main_option_entries (G_APPLICATION (self), option_entries);
  g_application_set_option_context_parameter_string (G_APPLICATION (self), NULL);
}

DuetApplication *
duet_application_new (void)
{
  return g_object_new (DUET_TYPE_APPLICATION,
                       "application-id", APPLICATION_ID,
                       "flags", G_APPLICATION_DEFAULT_FLAGS,
                       "resource-base-path", "/org/duet/Duet",
                       NULL);
}

DuetAccount *
duet_application_get_account (DuetApplication *self)
{
  g_return_val_if_fail (DUET_IS_APPLICATION (self), NULL);
  return self->account;
}

GSettings *
duet_application_get_settings (DuetApplication *self)
{
  g_return_val_if_fail (DUET_IS_APPLICATION (self), NULL);
  return self->settings;
}

const char *
duet_application_get_profile (DuetApplication *self)
{
  g_return_val_if_fail (DUET_IS_APPLICATION (self), NULL);
  return self->profile;
}

/**
 * duet_application_take_command_line_sign_in:
 *
 * Hands over (once) the credentials given with --server/--user/--password-stdin.
 * Returns: %TRUE if there were any
 */
gboolean
duet_application_take_command_line_sign_in (DuetApplication  *self,
                                            char            **server,
                                            char            **user,
                                            char            **service,
                                            char            **password)
{
  g_return_val_if_fail (DUET_IS_APPLICATION (self), FALSE);

  if (self->cli_server == NULL || self->cli_user == NULL || self->cli_password == NULL)
    return FALSE;

  *server = g_steal_pointer (&self->cli_server);
  *user = g_steal_pointer (&self->cli_user);
  *service = g_steal_pointer (&self->cli_service);
  *password = g_steal_pointer (&self->cli_password);
  return TRUE;
}
