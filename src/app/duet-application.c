/* duet-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application owns everything that must outlive a window: the
 * account, the kit's DuetManager and its connection, the call in
 * progress, the ringing call with its window, notification and ringtone,
 * and the history. Windows only show them, so calls can be answered from
 * a notification with no window open (run in background).
 *
 * App actions (also on the session bus through GApplication):
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
 */
#define G_LOG_DOMAIN "DuetApplication"
#include "config.h"

#include <stdio.h>
#include <string.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gi18n.h>

#include "duet-application.h"
#include "duet-background-portal.h"
#include "duet-call-window.h"
#include "duet-incoming-window.h"
#include "duet-notifier.h"
#include "duet-preferences-window.h"
#include "duet-protocol.h"
#include "duet-ringer.h"
#include "duet-window.h"

/* How long signing out waits for the server before it signs out here only */
#define SIGN_OUT_TIMEOUT_S 3

struct _DuetApplication
{
  AdwApplication      parent_instance;

  GSettings          *settings;
  DuetAccount        *account;
  char               *profile;

  DuetManager        *manager;
  DuetHistory        *history;
  DuetNotifier       *notifier;
  DuetRinger         *ringer;
  DuetBackgroundPortal *background_portal;
  GCancellable       *session_cancellable;
  guint               history_timeout;

  DuetCall           *call;           /* the call in progress, once accepted or made */
  DuetCallWindow     *call_window;    /* weak */
  DuetCall           *ringing;        /* an incoming call not yet answered */
  DuetIncomingWindow *incoming_window;/* weak */
  GtkWindow          *preferences;    /* weak */

  /* Signing out: the server is asked to forget this device first */
  GCancellable       *sign_out_cancellable;
  guint               sign_out_timeout;
  gboolean            signing_out;
  char               *sign_in_message;  /* why the device was signed out, for the sign-in page */
  GHashTable         *seen_calls;       /* missed call ids marked seen from here */

  /* Sign-in given on the command line (demo and tests) */
  char               *cli_server;
  char               *cli_user;
  char               *cli_service;
  char               *cli_password;

  gboolean            start_in_background;
  gboolean            held;
  gboolean            autostart;      /* what the entry or the portal was last told */
  gboolean            online;
};

G_DEFINE_FINAL_TYPE (DuetApplication, duet_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_ONLINE,
  PROP_SIGNING_OUT,
  PROP_SIGN_IN_MESSAGE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void set_sign_in_message (DuetApplication *self,
                                 const char      *message);

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
  { "version", 0, 0, G_OPTION_ARG_NONE, NULL,
    N_("Print the version and exit"), NULL },
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

  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("duet %s\n", PACKAGE_VERSION);
      return 0;
    }

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

/* ---- online state ---- */

static void
set_online (DuetApplication *self,
            gboolean         online)
{
  GAction *action;

  if (self->online == online)
    return;
  self->online = online;
  action = g_action_map_lookup_action (G_ACTION_MAP (self), "online");
  if (action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (online));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ONLINE]);
}

static void
update_online (DuetApplication *self)
{
  gboolean online = duet_manager_get_connected (self->manager);

  /* Every (re)connection may have missed calls that ended meanwhile */
  if (online && !self->online)
    duet_application_refresh_history (self);
  set_online (self, online);
}

static DuetWindow *
main_window (DuetApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (DUET_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

static void
toast (DuetApplication *self,
       const char      *message)
{
  DuetWindow *window = main_window (self);

  /* The preferences window covers the main one while it is open */
  if (self->preferences != NULL && gtk_widget_get_visible (GTK_WIDGET (self->preferences)))
    adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self->preferences),
                                      adw_toast_new (message));
  else if (window != NULL)
    duet_window_show_toast (window, message);
  else
    g_message ("%s", message);
}

/* ---- manager settings ---- */

static void
apply_media_settings (DuetApplication *self)
{
  g_autofree char *camera = g_settings_get_string (self->settings, "camera");
  g_autofree char *microphone = g_settings_get_string (self->settings, "microphone");
  g_autofree char *speaker = g_settings_get_string (self->settings, "speaker");
  g_autofree char *tls_ca_file = g_settings_get_string (self->settings, "tls-ca-file");

  /* Device ids from the kit's DuetDeviceMonitor; NULL is the default */
  g_object_set (self->manager,
                "test-sources", g_settings_get_boolean (self->settings, "test-sources"),
                "camera", *camera ? camera : NULL,
                "microphone", *microphone ? microphone : NULL,
                "speaker", *speaker ? speaker : NULL,
                "echo-cancel", g_settings_get_boolean (self->settings, "echo-cancellation"),
                /* read at the next connect */
                "tls-ca-file", *tls_ca_file ? tls_ca_file : NULL,
                NULL);
  duet_account_set_tls_ca_file (self->account, *tls_ca_file ? tls_ca_file : NULL);
}

/* The manager's devices are for new calls; a new choice in Preferences
 * applies to the call in progress too, as its device menu would */
static void
device_setting_changed_cb (GSettings       *settings,
                           const char      *key,
                           DuetApplication *self)
{
  const char * const keys[] = { "camera", "microphone", "speaker" };  /* by DuetDeviceKind */
  g_autofree char *id = g_settings_get_string (settings, key);

  if (self->call == NULL || duet_call_get_state (self->call) == DUET_CALL_STATE_DISCONNECTED)
    return;
  for (DuetDeviceKind kind = 0; kind < G_N_ELEMENTS (keys); kind++)
    if (g_str_equal (key, keys[kind]))
      duet_call_set_device (self->call, kind, *id ? id : NULL);
}

/* ---- autostart ---- */

static char *
autostart_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", APPLICATION_ID "-autostart.desktop", NULL);
}

/* The installed entry: XDG_DATA_DIRS first (a relocated install, the
 * tests), then the prefix Duet was built for */
static char *
find_autostart_source (void)
{
  const char * const *dirs = g_get_system_data_dirs ();
  g_autofree char *fallback = NULL;

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], "duet", APPLICATION_ID "-autostart.desktop", NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  fallback = g_build_filename (DUET_DATADIR, "duet", APPLICATION_ID "-autostart.desktop", NULL);
  return g_file_test (fallback, G_FILE_TEST_IS_REGULAR) ? g_steal_pointer (&fallback) : NULL;
}

/* Inside Flatpak a copied autostart entry would name a binary the host
 * cannot run, so the Background portal writes one instead (docs/flatpak.md).
 * DUET_USE_PORTALS=1 uses the portals outside a sandbox too: the tests do,
 * against a stand-in portal. */
static gboolean
use_portals (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) ||
         g_strcmp0 (g_getenv ("DUET_USE_PORTALS"), "1") == 0;
}

static void
background_requested_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(DuetApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  /* A refusal only costs the start at login: the hold keeps this process
   * running either way, so say what happened and carry on */
  if (!duet_background_portal_request_finish (DUET_BACKGROUND_PORTAL (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;  /* a newer request replaced it */
      g_warning ("Background portal: %s", error->message);
      if (main_window (self) != NULL || self->preferences != NULL)
        toast (self, error->message);  /* else toast() would log it twice */
      return;
    }
  g_debug ("The Background portal agreed");
}

/* A newer request replaces one still waiting to be sent */
static void
request_background (DuetApplication *self,
                    gboolean         autostart)
{
  if (self->background_portal == NULL)
    self->background_portal = duet_background_portal_new ();
  duet_background_portal_request_async (self->background_portal, autostart,
                                        gtk_application_get_active_window (GTK_APPLICATION (self)),
                                        background_requested_cb, g_object_ref (self));
}

/* Autostart is opt-in: the user turns it on in Preferences. Started at
 * login Duet runs hidden, which only makes sense while it runs in the
 * background; profiles are for demos and never start by themselves. */
static gboolean
autostart_wanted (DuetApplication *self)
{
  return self->profile == NULL &&
         g_settings_get_boolean (self->settings, "autostart") &&
         g_settings_get_boolean (self->settings, "run-in-background");
}

/* Copies the installed entry while autostart is wanted, deletes it when not */
static void
update_autostart_file (gboolean wanted)
{
  g_autofree char *target = autostart_path ();
  g_autoptr(GFile) dest = g_file_new_for_path (target);
  g_autoptr(GError) error = NULL;

  if (wanted)
    {
      g_autofree char *source_path = find_autostart_source ();
      g_autoptr(GFile) source = NULL;
      g_autoptr(GFile) parent = g_file_get_parent (dest);

      if (!g_file_make_directory_with_parents (parent, NULL, &error) &&
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        {
          g_warning ("Cannot create %s: %s", g_file_peek_path (parent), error->message);
          return;
        }
      g_clear_error (&error);
      if (source_path == NULL)
        {
          g_warning ("Cannot start Duet at login: %s is not installed",
                     APPLICATION_ID "-autostart.desktop");
          return;
        }
      source = g_file_new_for_path (source_path);
      if (!g_file_copy (source, dest, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
        g_warning ("Cannot start Duet at login: %s", error->message);
    }
  else if (!g_file_delete (dest, NULL, &error) &&
           !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_warning ("Cannot remove %s: %s", target, error->message);
}

/* Outside a sandbox the installed autostart entry is copied into the
 * user's autostart folder; with portals the Background portal is asked,
 * and only when the answer changes, so that turning on something else
 * does not raise the portal's question. */
static void
update_autostart (DuetApplication *self)
{
  gboolean wanted = autostart_wanted (self);

  if (self->profile != NULL || wanted == self->autostart)
    return;
  self->autostart = wanted;
  if (use_portals ())
    request_background (self, wanted);
  else
    update_autostart_file (wanted);
}

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

/* Nothing is written or asked on a first start, autostart being off. Once
 * the user has turned it on, the portal (which keeps no state we could
 * check) is asked again at every start, which it answers without asking
 * the user again; an entry the user's files lost is put back. An entry
 * that an older Duet wrote unasked goes while the setting is off. */
static void
sync_autostart_at_startup (DuetApplication *self)
{
  g_autofree char *target = NULL;

  self->autostart = autostart_wanted (self);
  if (self->profile != NULL)
    return;
  if (use_portals ())
    {
      if (self->autostart)
        request_background (self, TRUE);
      return;
    }
  target = autostart_path ();
  if (!self->autostart || !g_file_test (target, G_FILE_TEST_EXISTS))
    update_autostart_file (self->autostart);
}

static void
run_in_background_changed_cb (DuetApplication *self)
{
  update_background_hold (self);
  update_autostart (self);
}

/* ---- session: the manager's connection, and the history over it ---- */

static void
connect_manager (DuetApplication *self)
{
  if (duet_account_get_state (self->account) != DUET_ACCOUNT_SIGNED_IN)
    return;
  duet_manager_sign_in (self->manager,
                        duet_account_get_server_url (self->account),
                        duet_account_get_token (self->account));
}

static void
history_fetched_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!duet_history_fetch_finish (DUET_HISTORY (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("No call history: %s", error->message);
}

static gboolean
call_busy (DuetApplication *self)
{
  return self->call != NULL || self->ringing != NULL;
}

void
duet_application_refresh_history (DuetApplication *self)
{
  g_return_if_fail (DUET_IS_APPLICATION (self));

  if (!duet_manager_get_connected (self->manager))
    return;
  duet_history_fetch_async (self->history, self->manager, self->session_cancellable,
                            history_fetched_cb, NULL);
}

static gboolean
refresh_history_timeout_cb (gpointer user_data)
{
  DuetApplication *self = user_data;

  self->history_timeout = 0;
  duet_application_refresh_history (self);
  return G_SOURCE_REMOVE;
}

/* Give the server a moment to record the call that just ended */
static void
queue_history_refresh (DuetApplication *self)
{
  g_clear_handle_id (&self->history_timeout, g_source_remove);
  self->history_timeout = g_timeout_add (1000, refresh_history_timeout_cb, self);
}

static void
account_state_changed_cb (DuetApplication *self)
{
  switch (duet_account_get_state (self->account))
    {
    case DUET_ACCOUNT_SIGNED_IN:
      g_cancellable_cancel (self->session_cancellable);
      g_clear_object (&self->session_cancellable);
      self->session_cancellable = g_cancellable_new ();
      set_sign_in_message (self, NULL);
      g_hash_table_remove_all (self->seen_calls);
      connect_manager (self);
      break;
    case DUET_ACCOUNT_SIGNED_OUT:
      g_cancellable_cancel (self->session_cancellable);
      if (self->call != NULL)
        duet_call_end_call (self->call);
      if (self->ringing != NULL)
        duet_call_end_call (self->ringing);
      duet_manager_sign_out (self->manager);
      duet_history_clear (self->history);
      update_online (self);
      break;
    case DUET_ACCOUNT_SIGNING_IN:
    default:
      break;
    }
}

/* A renewed token: the manager signs in with it from its next reconnect */
static void
account_token_changed_cb (DuetApplication *self)
{
  const char *token = duet_account_get_token (self->account);

  if (token != NULL && self->manager != NULL)
    duet_manager_set_access_token (self->manager, token);
}

/* ---- signing out ---- */

static void
set_signing_out (DuetApplication *self,
                 gboolean         signing_out)
{
  if (self->signing_out == signing_out)
    return;
  self->signing_out = signing_out;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGNING_OUT]);
}

static void
set_sign_in_message (DuetApplication *self,
                     const char      *message)
{
  GAction *hook;

  if (!duet_set_string (&self->sign_in_message, message))
    return;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SIGN_IN_MESSAGE]);
  hook = g_action_map_lookup_action (G_ACTION_MAP (self), "sign-in-message");
  if (hook != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (hook), g_variant_new_string (message ? message : ""));
}

/* The server has forgotten this device, or could not be asked in time:
 * forget the token here too */
static void
finish_sign_out (DuetApplication *self)
{
  g_clear_handle_id (&self->sign_out_timeout, g_source_remove);
  g_cancellable_cancel (self->sign_out_cancellable);
  g_clear_object (&self->sign_out_cancellable);
  if (duet_account_get_state (self->account) != DUET_ACCOUNT_SIGNED_OUT)
    duet_account_sign_out (self->account);
  set_signing_out (self, FALSE);
}

static void
device_signed_out_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(DuetApplication) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!duet_manager_sign_out_device_finish (DUET_MANAGER (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;  /* timed out (finished there) or superseded */
      /* Signed out here all the same; the server drops the device at the
       * device limit, or the user does it from another device */
      g_message ("The server did not sign this device out: %s", error->message);
    }
  if (self->signing_out)
    finish_sign_out (self);
}

static gboolean
sign_out_timeout_cb (gpointer user_data)
{
  DuetApplication *self = user_data;

  self->sign_out_timeout = 0;
  g_message ("The server did not answer within %d s; signing out here only", SIGN_OUT_TIMEOUT_S);
  finish_sign_out (self);
  return G_SOURCE_REMOVE;
}

/**
 * duet_application_sign_out:
 *
 * Signs this device out: first at the server (so the user's other devices
 * no longer list it and calls stop ringing here), then here, forgetting
 * the token. An unreachable server delays it by SIGN_OUT_TIMEOUT_S at
 * most; #DuetApplication:signing-out is set meanwhile.
 */
void
duet_application_sign_out (DuetApplication *self)
{
  g_return_if_fail (DUET_IS_APPLICATION (self));

  if (self->signing_out)
    return;
  set_sign_in_message (self, NULL);
  if (duet_account_get_state (self->account) != DUET_ACCOUNT_SIGNED_IN ||
      !duet_manager_get_connected (self->manager))
    {
      duet_account_sign_out (self->account);
      return;
    }

  set_signing_out (self, TRUE);
  self->sign_out_cancellable = g_cancellable_new ();
  /* Not g_timeout_add_seconds(), whose whole-second grouping may fire it
   * a quarter of a second early */
  self->sign_out_timeout = g_timeout_add (SIGN_OUT_TIMEOUT_S * 1000, sign_out_timeout_cb, self);
  duet_manager_sign_out_device_async (self->manager, NULL, self->sign_out_cancellable,
                                      device_signed_out_cb, g_object_ref (self));
}

/* What the sign-in page says after the server signed this device out */
const char *
duet_application_describe_sign_out (const char *reason)
{
  if (g_strcmp0 (reason, "device_limit") == 0)
    return _("You are signed in on too many devices; this one was signed out. Sign in again to use it.");
  return _("This device was signed out from another of your devices. Sign in again to use it.");
}

/* The server signed this device out (another of the user's devices did,
 * or the device limit): its token is no good any more, so forget it, as
 * for a refused token, and say why on the sign-in page */
static void
signed_out_by_server (DuetApplication *self,
                      const char      *reason)
{
  const char *message;
  DuetWindow *window = main_window (self);

  g_message ("The server signed this device out (%s)", reason ? reason : "no reason");
  /* Late news of our own sign-out */
  if (duet_account_get_state (self->account) == DUET_ACCOUNT_SIGNED_OUT)
    return;
  if (self->signing_out)
    {
      /* The answer to our own request */
      finish_sign_out (self);
      return;
    }
  message = duet_application_describe_sign_out (reason);
  set_sign_in_message (self, message);
  duet_account_sign_out (self->account);
  update_online (self);
  /* Nobody may be looking: calls no longer ring here */
  if ((window == NULL || !gtk_widget_get_visible (GTK_WIDGET (window))) &&
      g_settings_get_boolean (self->settings, "notifications"))
    duet_notifier_show_signed_out (self->notifier, message);
}

/* ---- missed calls seen ---- */

/**
 * duet_application_mark_missed_call_seen:
 * @call_id: a missed call the user has now seen
 *
 * Tells the server (once per call), so that the user's other devices
 * take back their notifications, and takes back this one's.
 */
void
duet_application_mark_missed_call_seen (DuetApplication *self,
                                        const char      *call_id)
{
  g_return_if_fail (DUET_IS_APPLICATION (self));
  g_return_if_fail (call_id != NULL);

  duet_notifier_withdraw_missed (self->notifier, call_id);
  if (!g_hash_table_add (self->seen_calls, g_strdup (call_id)))
    return;
  g_debug ("Missed call %s seen", call_id);
  duet_manager_mark_missed_call_seen (self->manager, call_id);
}

/* Another of the user's devices has seen it */
static void
missed_call_seen_cb (DuetApplication *self,
                     const char      *call_id)
{
  g_debug ("Missed call %s seen on another device", call_id);
  g_hash_table_add (self->seen_calls, g_strdup (call_id));
  duet_notifier_withdraw_missed (self->notifier, call_id);
  queue_history_refresh (self);
}

/* The account signed out already; say why, as for a refused sign-in */
static void
session_expired_cb (DuetApplication *self,
                    const char      *message)
{
  toast (self, message);
}

static void
server_error_cb (DuetApplication *self,
                 const char      *code)
{
  if (g_str_equal (code, "signed_out"))
    {
      signed_out_by_server (self, duet_manager_get_sign_out_reason (self->manager));
      return;
    }
  if (g_str_equal (code, "auth_failed"))
    {
      toast (self, _("The server no longer accepts your sign-in. Sign in again."));
      duet_account_sign_out (self->account);
    }
  else if (g_str_equal (code, "session_replaced"))
    toast (self, _("You signed in to Duet somewhere else, so this window is offline."));
  else
    toast (self, _("Cannot connect to the server. Check its address."));
  update_online (self);
}

/* ---- ringing ---- */

static void
stop_ringing (DuetApplication *self)
{
  duet_ringer_stop (self->ringer);
  duet_notifier_withdraw_incoming (self->notifier);
  if (self->incoming_window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->incoming_window));
}

static void
call_ended_cb (DuetCall             *call,
               DuetDisconnectReason  reason,
               DuetDisconnectSource  source,
               gboolean              by_remote,
               const char           *user_code,
               DuetApplication      *self)
{
  g_signal_handlers_disconnect_by_data (call, self);
  if (self->call == call)
    g_clear_object (&self->call);
  queue_history_refresh (self);
}

static void
ringing_ended_cb (DuetCall             *call,
                  DuetDisconnectReason  reason,
                  DuetDisconnectSource  source,
                  gboolean              by_remote,
                  const char           *user_code,
                  DuetApplication      *self)
{
  g_autoptr(DuetCall) ringing = NULL;

  if (self->ringing != call)
    return;
  ringing = g_steal_pointer (&self->ringing);
  g_signal_handlers_disconnect_by_data (call, self);
  stop_ringing (self);

  /* Answered or declined on another of the user's devices: not missed,
   * and nothing to say (the other device shows the call) */
  if (reason == DUET_DISCONNECT_REASON_MULTIDEV_ANSWER || reason == DUET_DISCONNECT_REASON_MULTIDEV_DECLINE)
    g_debug ("The call from %s was %s on another device", duet_call_get_peer_user_id (call),
             reason == DUET_DISCONNECT_REASON_MULTIDEV_ANSWER ? "answered" : "declined");
  /* Cancelled by the caller or not answered in time: missed */
  else if (by_remote && g_settings_get_boolean (self->settings, "notifications"))
    duet_notifier_show_missed (self->notifier, duet_call_get_call_id (call),
                               duet_call_get_peer_user_id (call),
                               duet_call_get_media_type (call), 0);
  queue_history_refresh (self);
}

static void
track_weakly (gpointer *location)
{
  g_object_add_weak_pointer (G_OBJECT (*location), location);
}

static void
show_incoming_window (DuetApplication *self)
{
  if (self->ringing == NULL)
    return;
  if (self->incoming_window == NULL)
    {
      self->incoming_window = duet_incoming_window_new (GTK_APPLICATION (self),
                                                        duet_call_get_peer_user_id (self->ringing),
                                                        duet_call_get_media_type (self->ringing));
      track_weakly ((gpointer *) &self->incoming_window);
    }
  gtk_window_present (GTK_WINDOW (self->incoming_window));
}

static void
verified_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(DuetApplication) self = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetCall) call = NULL;
  DuetStartFailReason reason;

  call = duet_manager_verify_call_finish (DUET_MANAGER (source), result, &reason, &error);
  if (call == NULL)
    {
      g_message ("Not ringing for an incoming call (%s): %s",
                 duet_start_fail_reason_to_string (reason), error->message);
      return;
    }

  self->ringing = g_steal_pointer (&call);
  g_signal_connect (self->ringing, "disconnected", G_CALLBACK (ringing_ended_cb), self);

  show_incoming_window (self);
  if (g_settings_get_boolean (self->settings, "notifications"))
    duet_notifier_show_incoming (self->notifier, duet_call_get_peer_user_id (self->ringing),
                                 duet_call_get_media_type (self->ringing));
  duet_ringer_start (self->ringer);
}

static void
incoming_call_cb (DuetApplication *self,
                  DuetCcParam     *cc_param)
{
  g_autoptr(DuetVerifyCallParamBuilder) builder = duet_verify_call_param_builder_new ();
  g_autoptr(DuetVerifyCallParam) param = NULL;
  g_autoptr(GError) error = NULL;

  duet_verify_call_param_builder_set_my_user_id (builder, duet_account_get_user_id (self->account));
  duet_verify_call_param_builder_set_my_service_id (builder, duet_account_get_service_id (self->account));
  duet_verify_call_param_builder_set_cc_param (builder, cc_param);
  duet_verify_call_param_builder_set_access_token (builder, duet_account_get_token (self->account));
  duet_verify_call_param_builder_set_server_url (builder, duet_account_get_server_url (self->account));
  param = duet_verify_call_param_builder_build (builder, &error);
  if (param == NULL)
    {
      g_warning ("Cannot answer an incoming call: %s", error->message);
      return;
    }
  duet_manager_verify_call_async (self->manager, param, NULL, verified_cb, g_object_ref (self));
}

static void
missed_call_cb (DuetApplication      *self,
                DuetCallHistoryEntry *entry)
{
  GDateTime *invited_at = duet_call_history_entry_get_invited_at (entry);

  if (!g_settings_get_boolean (self->settings, "notifications"))
    return;
  duet_notifier_show_missed (self->notifier,
                             duet_call_history_entry_get_call_id (entry),
                             duet_call_history_entry_get_peer_user_id (entry),
                             duet_call_history_entry_get_media_type (entry),
                             invited_at ? g_date_time_to_unix (invited_at) * 1000 : 0);
  queue_history_refresh (self);
}

/* ---- call windows ---- */

static DuetCallWindow *
open_call_window (DuetApplication *self,
                  const char      *peer,
                  DuetMediaType    media_type,
                  gboolean         outgoing)
{
  if (self->call_window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->call_window));
  self->call_window = duet_call_window_new (GTK_APPLICATION (self), peer, media_type, outgoing);
  track_weakly ((gpointer *) &self->call_window);
  gtk_window_present (GTK_WINDOW (self->call_window));
  return self->call_window;
}

static const char *
describe_start_failure (DuetStartFailReason reason)
{
  switch (reason)
    {
    case DUET_START_FAIL_REASON_UNKNOWN_PEER:
      return _("There is no such user on this server");
    case DUET_START_FAIL_REASON_ID_CONFLICT:
      return _("You cannot call yourself");
    case DUET_START_FAIL_REASON_ALREADY_EXIST:
      return _("Another call is still in progress");
    case DUET_START_FAIL_REASON_INVALID_PEER_ID:
    case DUET_START_FAIL_REASON_INVALID_USER_ID:
      return _("That is not a valid user ID");
    case DUET_START_FAIL_REASON_SERVER_UNREACHABLE:
    case DUET_START_FAIL_REASON_NOT_INITIALIZED:
      return _("Duet is offline; try again when it is connected");
    case DUET_START_FAIL_REASON_INVALID_AUTHENTICATION:
      return _("Your sign-in is no longer valid");
    case DUET_START_FAIL_REASON_TOO_MANY_CALLS:
      return _("You have started too many calls in a short time; wait a minute and try again");
    default:
      return _("The call could not be started");
    }
}

typedef struct
{
  DuetApplication *self;
  DuetCallWindow  *window;  /* weak */
} MakeCallData;

static void
make_call_data_free (MakeCallData *data)
{
  if (data->window != NULL)
    g_object_remove_weak_pointer (G_OBJECT (data->window), (gpointer *) &data->window);
  g_object_unref (data->self);
  g_free (data);
}

static void
made_call_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  MakeCallData *data = user_data;
  DuetApplication *self = data->self;
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetCall) call = NULL;
  DuetStartFailReason reason;

  call = duet_manager_make_call_finish (DUET_MANAGER (source), result, &reason, &error);
  if (call == NULL)
    {
      g_message ("The call did not start (%s): %s",
                 duet_start_fail_reason_to_string (reason), error->message);
      if (data->window != NULL)
        duet_call_window_fail (data->window, describe_start_failure (reason));
      else
        toast (self, describe_start_failure (reason));
      make_call_data_free (data);
      return;
    }

  self->call = g_object_ref (call);
  g_signal_connect (call, "disconnected", G_CALLBACK (call_ended_cb), self);
  if (data->window != NULL)
    duet_call_window_set_call (data->window, call);
  else
    duet_call_end_call (call);  /* the window was closed while dialling */
  make_call_data_free (data);
}

static void
call_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  DuetApplication *self = user_data;
  g_autoptr(DuetMakeCallParamBuilder) builder = duet_make_call_param_builder_new ();
  g_autoptr(DuetMakeCallParam) param = NULL;
  g_autoptr(GError) error = NULL;
  DuetMediaType media_type = DUET_MEDIA_TYPE_AUDIOVIDEO;
  const char *peer, *media;
  MakeCallData *data;

  g_variant_get (parameter, "(&s&s)", &peer, &media);
  duet_media_type_from_string (media, &media_type);

  if (duet_account_get_state (self->account) != DUET_ACCOUNT_SIGNED_IN)
    {
      toast (self, _("Sign in to make calls"));
      return;
    }
  if (call_busy (self))
    {
      toast (self, _("Another call is still in progress"));
      if (self->call_window != NULL)
        gtk_window_present (GTK_WINDOW (self->call_window));
      return;
    }

  duet_make_call_param_builder_set_my_user_id (builder, duet_account_get_user_id (self->account));
  duet_make_call_param_builder_set_my_service_id (builder, duet_account_get_service_id (self->account));
  duet_make_call_param_builder_set_peer_user_id (builder, peer);
  duet_make_call_param_builder_set_peer_service_id (builder, duet_account_get_service_id (self->account));
  duet_make_call_param_builder_set_access_token (builder, duet_account_get_token (self->account));
  duet_make_call_param_builder_set_server_url (builder, duet_account_get_server_url (self->account));
  duet_make_call_param_builder_set_media_type (builder, media_type);
  param = duet_make_call_param_builder_build (builder, &error);
  if (param == NULL)
    {
      toast (self, _("That is not a valid user ID"));
      g_message ("Cannot call %s: %s", peer, error->message);
      return;
    }

  apply_media_settings (self);
  data = g_new0 (MakeCallData, 1);
  data->self = g_object_ref (self);
  data->window = open_call_window (self, peer, media_type, TRUE);
  g_object_add_weak_pointer (G_OBJECT (data->window), (gpointer *) &data->window);
  duet_manager_make_call_async (self->manager, param, NULL, made_call_cb, data);
}

static void
accept_call_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  DuetApplication *self = user_data;
  gboolean video = g_variant_get_boolean (parameter);
  g_autoptr(DuetCall) call = NULL;
  g_autoptr(GError) error = NULL;
  DuetCallWindow *window;

  if (self->ringing == NULL)
    return;

  call = g_steal_pointer (&self->ringing);
  g_signal_handlers_disconnect_by_data (call, self);
  stop_ringing (self);

  apply_media_settings (self);
  window = open_call_window (self, duet_call_get_peer_user_id (call),
                             duet_call_get_media_type (call), FALSE);
  if (!duet_call_accept_call (call, FALSE, video ? DUET_INITIAL_VIDEO_STATE_RESUME
                                          : DUET_INITIAL_VIDEO_STATE_PAUSE, &error))
    {
      g_message ("Cannot accept the call: %s", error->message);
      duet_call_window_fail (window, _("The call could not be accepted"));
      queue_history_refresh (self);
      return;
    }

  self->call = g_object_ref (call);
  g_signal_connect (call, "disconnected", G_CALLBACK (call_ended_cb), self);
  duet_call_window_set_call (window, call);
}

static void
decline_call_activated (GSimpleAction *action,
                        GVariant      *parameter,
                        gpointer       user_data)
{
  DuetApplication *self = user_data;
  g_autoptr(DuetCall) call = NULL;

  if (self->ringing == NULL)
    return;
  call = g_steal_pointer (&self->ringing);
  g_signal_handlers_disconnect_by_data (call, self);
  stop_ringing (self);
  duet_call_end_call (call);
  queue_history_refresh (self);
}

static void
show_incoming_activated (GSimpleAction *action,
                         GVariant      *parameter,
                         gpointer       user_data)
{
  DuetApplication *self = user_data;

  if (self->ringing != NULL)
    show_incoming_window (self);
  else
    g_application_activate (G_APPLICATION (self));
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
      track_weakly ((gpointer *) &self->preferences);
      gtk_window_set_transient_for (self->preferences, GTK_WINDOW (main_window (self)));
    }
  gtk_window_present (self->preferences);
}

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

/* ---- GApplication ---- */

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
  self->history = duet_history_new ();
  self->notifier = duet_notifier_new ();
  self->ringer = duet_ringer_new ();
  self->session_cancellable = g_cancellable_new ();

  self->manager = duet_manager_new ();
  apply_media_settings (self);
  g_signal_connect_object (self->manager, "notify::connected",
                           G_CALLBACK (update_online), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "incoming-call",
                           G_CALLBACK (incoming_call_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "missed-call",
                           G_CALLBACK (missed_call_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "server-error",
                           G_CALLBACK (server_error_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "missed-call-seen",
                           G_CALLBACK (missed_call_seen_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account, "notify::state",
                           G_CALLBACK (account_state_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account, "notify::token",
                           G_CALLBACK (account_token_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account, "session-expired",
                           G_CALLBACK (session_expired_cb), self, G_CONNECT_SWAPPED);

  /* Test hook (DUET_TEST_HOOKS=1): what the sign-in page says after the
   * server signed this device out, read-only */
  if (g_strcmp0 (g_getenv ("DUET_TEST_HOOKS"), "1") == 0)
    {
      g_autoptr(GSimpleAction) hook = g_simple_action_new_stateful ("sign-in-message", NULL,
                                                                      g_variant_new_string (""));

      g_simple_action_set_enabled (hook, FALSE);
      g_action_map_add_action (G_ACTION_MAP (self), G_ACTION (hook));
    }

  /* The preferences as actions too: menus, scripts and the tests */
  {
    g_autoptr(GAction) background = g_settings_create_action (self->settings, "run-in-background");
    g_autoptr(GAction) autostart = g_settings_create_action (self->settings, "autostart");
    g_autoptr(GAction) test_sources = g_settings_create_action (self->settings, "test-sources");

    g_action_map_add_action (G_ACTION_MAP (self), background);
    g_action_map_add_action (G_ACTION_MAP (self), autostart);
    g_action_map_add_action (G_ACTION_MAP (self), test_sources);
  }

  g_signal_connect_object (self->settings, "changed::run-in-background",
                           G_CALLBACK (run_in_background_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::autostart",
                           G_CALLBACK (update_autostart), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (apply_media_settings), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed::camera",
                           G_CALLBACK (device_setting_changed_cb), self, 0);
  g_signal_connect_object (self->settings, "changed::microphone",
                           G_CALLBACK (device_setting_changed_cb), self, 0);
  g_signal_connect_object (self->settings, "changed::speaker",
                           G_CALLBACK (device_setting_changed_cb), self, 0);
  update_background_hold (self);
  sync_autostart_at_startup (self);
}

static void
duet_application_activate (GApplication *app)
{
  DuetApplication *self = DUET_APPLICATION (app);
  GtkWindow *window = GTK_WINDOW (main_window (self));

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
duet_application_shutdown (GApplication *app)
{
  DuetApplication *self = DUET_APPLICATION (app);

  /* Leave no call hanging at the server until its grace period ends */
  if (self->call != NULL)
    duet_call_end_call (self->call);
  if (self->ringing != NULL)
    duet_call_end_call (self->ringing);
  g_clear_handle_id (&self->history_timeout, g_source_remove);
  g_cancellable_cancel (self->session_cancellable);
  /* Quitting while the server is asked: sign out here at least */
  if (self->signing_out)
    finish_sign_out (self);
  if (self->ringer != NULL)
    duet_ringer_stop (self->ringer);
  if (self->notifier != NULL)
    duet_notifier_withdraw_incoming (self->notifier);

  G_APPLICATION_CLASS (duet_application_parent_class)->shutdown (app);

  if (self->manager != NULL)
    duet_manager_sign_out (self->manager);
}

static void
duet_application_get_property (GObject    *object,
                               guint       prop_id,
                               GValue     *value,
                               GParamSpec *pspec)
{
  DuetApplication *self = DUET_APPLICATION (object);

  switch (prop_id)
    {
    case PROP_ONLINE:
      g_value_set_boolean (value, self->online);
      break;
    case PROP_SIGNING_OUT:
      g_value_set_boolean (value, self->signing_out);
      break;
    case PROP_SIGN_IN_MESSAGE:
      g_value_set_string (value, self->sign_in_message);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_application_dispose (GObject *object)
{
  DuetApplication *self = DUET_APPLICATION (object);

  if (self->call != NULL)
    g_signal_handlers_disconnect_by_data (self->call, self);
  if (self->ringing != NULL)
    g_signal_handlers_disconnect_by_data (self->ringing, self);
  g_clear_object (&self->call);
  g_clear_object (&self->ringing);
  g_clear_handle_id (&self->history_timeout, g_source_remove);
  g_clear_object (&self->manager);
  g_clear_object (&self->history);
  g_clear_object (&self->notifier);
  g_clear_object (&self->ringer);
  g_clear_object (&self->background_portal);
  g_clear_object (&self->session_cancellable);
  g_clear_handle_id (&self->sign_out_timeout, g_source_remove);
  g_clear_object (&self->sign_out_cancellable);

  G_OBJECT_CLASS (duet_application_parent_class)->dispose (object);
}

static void
duet_application_finalize (GObject *object)
{
  DuetApplication *self = DUET_APPLICATION (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->account);
  g_free (self->profile);
  g_free (self->sign_in_message);
  g_clear_pointer (&self->seen_calls, g_hash_table_unref);
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

  object_class->dispose = duet_application_dispose;
  object_class->finalize = duet_application_finalize;
  object_class->get_property = duet_application_get_property;
  app_class->handle_local_options = duet_application_handle_local_options;
  app_class->startup = duet_application_startup;
  app_class->activate = duet_application_activate;
  app_class->shutdown = duet_application_shutdown;

  properties[PROP_ONLINE] =
    g_param_spec_boolean ("online", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Asking the server to sign this device out, before doing it here */
  properties[PROP_SIGNING_OUT] =
    g_param_spec_boolean ("signing-out", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Why the server signed this device out, translated, until the next sign-in */
  properties[PROP_SIGN_IN_MESSAGE] =
    g_param_spec_string ("sign-in-message", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
duet_application_init (DuetApplication *self)
{
  self->seen_calls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
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

DuetHistory *
duet_application_get_history (DuetApplication *self)
{
  g_return_val_if_fail (DUET_IS_APPLICATION (self), NULL);
  return self->history;
}

gboolean
duet_application_get_online (DuetApplication *self)
{
  g_return_val_if_fail (DUET_IS_APPLICATION (self), FALSE);
  return self->online;
}

/**
 * duet_application_get_test_sources:
 *
 * Returns: whether calls send a test picture and tone instead of the
 *   camera and microphone: the test-sources setting, or DUET_TEST_SOURCES=1
 *   (which the kit honours whatever the setting says)
 */
gboolean
duet_application_get_test_sources (DuetApplication *self)
{
  g_return_val_if_fail (DUET_IS_APPLICATION (self), FALSE);
  return g_settings_get_boolean (self->settings, "test-sources") ||
         g_strcmp0 (g_getenv ("DUET_TEST_SOURCES"), "1") == 0;
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

DuetManager *
duet_application_get_manager (DuetApplication *self)
{
  g_return_val_if_fail (DUET_IS_APPLICATION (self), NULL);
  return self->manager;
}

gboolean
duet_application_get_signing_out (DuetApplication *self)
{
  g_return_val_if_fail (DUET_IS_APPLICATION (self), FALSE);
  return self->signing_out;
}

/**
 * duet_application_get_sign_in_message:
 *
 * Returns: (nullable): why the server signed this device out, for the
 *   sign-in page, until the next sign-in
 */
const char *
duet_application_get_sign_in_message (DuetApplication *self)
{
  g_return_val_if_fail (DUET_IS_APPLICATION (self), NULL);
  return self->sign_in_message;
}
