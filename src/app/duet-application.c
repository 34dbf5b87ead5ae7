/* duet-application.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The application owns everything that must outlive a window: the
 * account, the kit's DuetManager and its connection, the call centre
 * (DuetCallCentre: the ringing and the active call), the notifier and the
 * ringer that follow it, and the history. Windows only show them, so
 * calls can be answered from a notification with no window open (run in
 * background). Its actions are in duet-application-actions.c, starting at
 * login in DuetAutostart.
 */
#define G_LOG_DOMAIN "DuetApplication"

#include "config.h"

#include <stdio.h>
#include <string.h>

#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>
#include <glib/gi18n.h>

#include "duet-application-private.h"
#include "duet-protocol.h"

/* How long signing out waits for the server before it signs out here only */
#define SIGN_OUT_TIMEOUT_S 3

G_DEFINE_FINAL_TYPE (DuetApplication, duet_application, ADW_TYPE_APPLICATION)

enum {
  PROP_0,
  PROP_ONLINE,
  PROP_SIGNING_OUT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

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

/* ---- online state ---- */

static void
set_online (DuetApplication *self,
            gboolean         online)
{
  if (self->online == online)
    return;
  self->online = online;
  _duet_application_set_online_action (self, online);
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

DuetWindow *
_duet_application_get_main_window (DuetApplication *self)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (self)); l; l = l->next)
    if (DUET_IS_WINDOW (l->data))
      return l->data;
  return NULL;
}

void
_duet_application_toast (DuetApplication *self,
                         const char      *message)
{
  DuetWindow *window = _duet_application_get_main_window (self);

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

void
_duet_application_apply_media_settings (DuetApplication *self)
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
on_settings_device_changed (GSettings       *settings,
                           const char      *key,
                           DuetApplication *self)
{
  const char * const keys[] = { "camera", "microphone", "speaker" };  /* by DuetDeviceKind */
  g_autofree char *id = g_settings_get_string (settings, key);
  DuetCall *call = duet_call_centre_get_active_call (self->call_centre);

  if (call == NULL || duet_call_get_state (call) == DUET_CALL_STATE_DISCONNECTED)
    return;
  for (DuetDeviceKind kind = 0; kind < G_N_ELEMENTS (keys); kind++)
    if (g_str_equal (key, keys[kind]))
      duet_call_set_device (call, kind, *id ? id : NULL);
}

/* ---- running in the background ---- */

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
on_autostart_failed (DuetApplication *self,
                     const char      *message)
{
  if (_duet_application_get_main_window (self) != NULL || self->preferences != NULL)
    _duet_application_toast (self, message);  /* else toast() would log it twice */
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
fetch_history_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!duet_history_fetch_finish (DUET_HISTORY (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_message ("No call history: %s", error->message);
}

void
duet_application_refresh_history (DuetApplication *self)
{
  g_return_if_fail (DUET_IS_APPLICATION (self));

  if (!duet_manager_get_connected (self->manager))
    return;
  duet_history_fetch_async (self->history, self->manager, self->session_cancellable,
                            fetch_history_cb, NULL);
}

static gboolean
refresh_history_cb (gpointer user_data)
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
  self->history_timeout = g_timeout_add (1000, refresh_history_cb, self);
}

static void
on_account_state_changed (DuetApplication *self)
{
  switch (duet_account_get_state (self->account))
    {
    case DUET_ACCOUNT_SIGNED_IN:
      g_cancellable_cancel (self->session_cancellable);
      g_clear_object (&self->session_cancellable);
      self->session_cancellable = g_cancellable_new ();
      g_hash_table_remove_all (self->seen_calls);
      connect_manager (self);
      break;
    case DUET_ACCOUNT_SIGNED_OUT:
      g_cancellable_cancel (self->session_cancellable);
      duet_call_centre_end_all (self->call_centre);
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
on_account_token_changed (DuetApplication *self)
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

/* Test hook: the sign-in page's message, as an action's state */
static void
on_account_sign_in_message_changed (DuetApplication *self)
{
  _duet_application_set_sign_in_message_hook (self, duet_account_get_sign_in_message (self->account));
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
sign_out_device_cb (GObject      *source,
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
                                      sign_out_device_cb, g_object_ref (self));
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
  DuetWindow *window = _duet_application_get_main_window (self);

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
  duet_account_sign_out_with_message (self->account, message);
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
on_manager_missed_call_seen (DuetApplication *self,
                     const char      *call_id)
{
  g_debug ("Missed call %s seen on another device", call_id);
  g_hash_table_add (self->seen_calls, g_strdup (call_id));
  duet_notifier_withdraw_missed (self->notifier, call_id);
  queue_history_refresh (self);
}

/* The account signed out already; say why, as for a refused sign-in */
static void
on_account_session_expired (DuetApplication *self,
                    const char      *message)
{
  _duet_application_toast (self, message);
}

static void
on_manager_server_error (DuetApplication *self,
                 const char      *code)
{
  if (g_str_equal (code, "signed_out"))
    {
      signed_out_by_server (self, duet_manager_get_sign_out_reason (self->manager));
      return;
    }
  if (g_str_equal (code, "auth_failed"))
    {
      _duet_application_toast (self, _("The server no longer accepts your sign-in. Sign in again."));
      duet_account_sign_out (self->account);
    }
  else if (g_str_equal (code, "session_replaced"))
    _duet_application_toast (self, _("You signed in to Duet somewhere else, so this window is offline."));
  else
    _duet_application_toast (self, _("Cannot connect to the server. Check its address."));
  update_online (self);
}

/* ---- the call centre's calls, in windows ---- */

void
_duet_application_track_weakly (gpointer *location)
{
  g_object_add_weak_pointer (G_OBJECT (*location), location);
}

/* The window goes by itself once the call no longer rings */
void
_duet_application_show_incoming_window (DuetApplication *self)
{
  DuetCall *ringing = duet_call_centre_get_ringing_call (self->call_centre);

  if (ringing == NULL)
    return;
  if (self->incoming_window == NULL)
    {
      self->incoming_window = duet_incoming_window_new (GTK_APPLICATION (self),
                                                        duet_call_get_peer_user_id (ringing),
                                                        duet_call_get_media_type (ringing));
      duet_incoming_window_follow (self->incoming_window, self->call_centre);
      _duet_application_track_weakly ((gpointer *) &self->incoming_window);
    }
  gtk_window_present (GTK_WINDOW (self->incoming_window));
}

static void
on_call_centre_ringing_call_changed (DuetApplication *self)
{
  _duet_application_show_incoming_window (self);
}

/* A call is dialled or accepted: its window waits for it at the centre */
static void
on_call_centre_call_added (DuetApplication *self,
                           const char      *peer_user_id,
                           DuetMediaType    media_type,
                           gboolean         outgoing)
{
  if (self->call_window != NULL)
    gtk_window_destroy (GTK_WINDOW (self->call_window));
  self->call_window = duet_call_window_new (GTK_APPLICATION (self), peer_user_id, media_type, outgoing);
  duet_call_window_follow (self->call_window, self->call_centre);
  _duet_application_track_weakly ((gpointer *) &self->call_window);
  gtk_window_present (GTK_WINDOW (self->call_window));
}

/* The call window says why itself; closed while dialling, it cannot */
static void
on_call_centre_call_failed (DuetApplication *self,
                            const char      *message)
{
  if (self->call_window == NULL)
    _duet_application_toast (self, message);
}

/* Give the server a moment to record the call that just ended */
static void
on_call_centre_call_ended (DuetApplication *self)
{
  queue_history_refresh (self);
}

static void
start_call_centre (DuetApplication *self)
{
  self->call_centre = duet_call_centre_new (self->manager, self->account);
  /* The incoming window first, then the notification and the ringtone */
  g_signal_connect_object (self->call_centre, "notify::ringing-call",
                           G_CALLBACK (on_call_centre_ringing_call_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->call_centre, "call-added",
                           G_CALLBACK (on_call_centre_call_added), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->call_centre, "call-failed",
                           G_CALLBACK (on_call_centre_call_failed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->call_centre, "call-ended",
                           G_CALLBACK (on_call_centre_call_ended), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->call_centre, "call-missed",
                           G_CALLBACK (on_call_centre_call_ended), self, G_CONNECT_SWAPPED);
  duet_notifier_follow (self->notifier, self->call_centre, self->settings);
  duet_ringer_follow (self->ringer, self->call_centre);
}

/* Command-line credentials first, else the identity last signed in */
static void
begin_session (DuetApplication *self)
{
  if (duet_account_get_state (self->account) == DUET_ACCOUNT_SIGNED_IN)
    return;
  if (self->cli_server == NULL || self->cli_user == NULL || self->cli_password == NULL)
    {
      duet_account_begin_session (self->account);
      return;
    }
  duet_account_sign_in (self->account, self->cli_server, self->cli_user,
                        self->cli_service ? self->cli_service : "duet", self->cli_password);
  memset (self->cli_password, 0, strlen (self->cli_password));
  g_clear_pointer (&self->cli_password, g_free);
  g_clear_pointer (&self->cli_server, g_free);
  g_clear_pointer (&self->cli_user, g_free);
  g_clear_pointer (&self->cli_service, g_free);
}

/* ---- GApplication ---- */

/* The manager's and the account's news that are not about calls */
static void
connect_session_signals (DuetApplication *self)
{
  g_signal_connect_object (self->manager, "notify::connected",
                           G_CALLBACK (update_online), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "server-error",
                           G_CALLBACK (on_manager_server_error), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->manager, "missed-call-seen",
                           G_CALLBACK (on_manager_missed_call_seen), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account, "notify::state",
                           G_CALLBACK (on_account_state_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account, "notify::token",
                           G_CALLBACK (on_account_token_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account, "notify::sign-in-message",
                           G_CALLBACK (on_account_sign_in_message_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account, "session-expired",
                           G_CALLBACK (on_account_session_expired), self, G_CONNECT_SWAPPED);
}

static void
connect_settings_signals (DuetApplication *self)
{
  const char * const device_keys[] = { "changed::camera", "changed::microphone", "changed::speaker" };

  g_signal_connect_object (self->settings, "changed::run-in-background",
                           G_CALLBACK (update_background_hold), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->settings, "changed",
                           G_CALLBACK (_duet_application_apply_media_settings), self, G_CONNECT_SWAPPED);
  for (guint i = 0; i < G_N_ELEMENTS (device_keys); i++)
    g_signal_connect_object (self->settings, device_keys[i],
                             G_CALLBACK (on_settings_device_changed), self, 0);
}

static void
duet_application_startup (GApplication *app)
{
  DuetApplication *self = DUET_APPLICATION (app);

  G_APPLICATION_CLASS (duet_application_parent_class)->startup (app);

  self->settings = create_settings (self->profile);
  _duet_application_actions_init (self);
  self->account = duet_account_new (self->profile ? self->profile : "default", self->settings);
  self->history = duet_history_new ();
  self->notifier = duet_notifier_new ();
  self->ringer = duet_ringer_new ();
  self->session_cancellable = g_cancellable_new ();

  self->manager = duet_manager_new ();
  _duet_application_apply_media_settings (self);
  start_call_centre (self);
  connect_session_signals (self);
  connect_settings_signals (self);
  update_background_hold (self);
  self->autostart = duet_autostart_new (GTK_APPLICATION (app), self->settings, self->profile);
  g_signal_connect_object (self->autostart, "failed",
                           G_CALLBACK (on_autostart_failed), self, G_CONNECT_SWAPPED);
}

static void
duet_application_activate (GApplication *app)
{
  DuetApplication *self = DUET_APPLICATION (app);
  GtkWindow *window = GTK_WINDOW (_duet_application_get_main_window (self));

  /* The window shows the session; the account begins it */
  if (window == NULL)
    {
      begin_session (self);
      window = GTK_WINDOW (duet_window_new (self));
    }

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
  if (self->call_centre != NULL)
    duet_call_centre_end_all (self->call_centre);
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
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_application_dispose (GObject *object)
{
  DuetApplication *self = DUET_APPLICATION (object);

  g_clear_object (&self->call_centre);
  g_clear_handle_id (&self->history_timeout, g_source_remove);
  g_clear_object (&self->manager);
  g_clear_object (&self->history);
  g_clear_object (&self->notifier);
  g_clear_object (&self->ringer);
  g_clear_object (&self->autostart);
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
