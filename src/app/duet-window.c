/* duet-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The main window: sign-in, then dialling and the recent calls. It only
 * shows the state of others: the session and its sign-in belong to
 * DuetAccount, calls to DuetCallCentre and the connection to
 * DuetApplication, so they go on when this window is closed (or before
 * it opens).
 */
#define G_LOG_DOMAIN "DuetWindow"

#include "config.h"

#include <glib/gi18n.h>

#include "duet-clock.h"
#include "duet-protocol.h"
#include "duet-window.h"

struct _DuetWindow
{
  AdwApplicationWindow  parent_instance;

  /* template widgets */
  AdwWindowTitle       *window_title;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  AdwStatusPage        *sign_in_page;
  AdwEntryRow          *server_row;
  AdwEntryRow          *user_row;
  AdwPasswordEntryRow  *password_row;
  GtkLabel             *sign_in_error;
  GtkSpinner           *sign_in_spinner;
  GtkRevealer          *offline_revealer;
  AdwEntryRow          *dial_row;
  GtkListBox           *recents_list;

  DuetApplication      *application;
  DuetAccount          *account;
  DuetHistory          *history;
  GSettings            *interface_settings;   /* the desktop's clock format; NULL without GNOME's schema */
  char                 *sign_in_title;        /* the page's own */
  char                 *sign_in_description;
};

G_DEFINE_FINAL_TYPE (DuetWindow, duet_window, ADW_TYPE_APPLICATION_WINDOW)

static void
show_sign_in_error (DuetWindow *self,
                    const char *message)
{
  gtk_label_set_label (self->sign_in_error, message);
  gtk_widget_set_visible (GTK_WIDGET (self->sign_in_error), message != NULL);
}

static void
update_sign_in_sensitivity (DuetWindow *self)
{
  gboolean busy = duet_account_get_state (self->account) == DUET_ACCOUNT_SIGNING_IN;
  gboolean filled =
    *gtk_editable_get_text (GTK_EDITABLE (self->server_row)) != '\0' &&
    *gtk_editable_get_text (GTK_EDITABLE (self->user_row)) != '\0' &&
    *gtk_editable_get_text (GTK_EDITABLE (self->password_row)) != '\0';

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-in", filled && !busy);
  gtk_widget_set_visible (GTK_WIDGET (self->sign_in_spinner), busy);
  gtk_spinner_set_spinning (self->sign_in_spinner, busy);
}

static void
update_title (DuetWindow *self)
{
  const char *user = duet_account_get_user_id (self->account);
  gboolean signed_in = duet_account_get_state (self->account) == DUET_ACCOUNT_SIGNED_IN;
  gboolean online = duet_application_get_online (self->application);

  if (signed_in && user != NULL)
    {
      /* Translators: the window subtitle, with the user id */
      g_autofree char *subtitle = g_strdup_printf (online ? _("%s · Online") : _("%s · Offline"), user);
      adw_window_title_set_subtitle (self->window_title, subtitle);
    }
  else
    adw_window_title_set_subtitle (self->window_title, NULL);

  /* Hidden once folded away, so it leaves no gap above the dial row */
  if (signed_in && !online)
    gtk_widget_set_visible (GTK_WIDGET (self->offline_revealer), TRUE);
  gtk_revealer_set_reveal_child (self->offline_revealer, signed_in && !online);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.call-audio", signed_in && online);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.call-video", signed_in && online);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.refresh-history", signed_in && online);
}

/* ---- recent calls ---- */

/* What happened to the call, as one word or its length */
static char *
describe_outcome (DuetCallHistoryEntry *entry)
{
  DuetCallState state = duet_call_history_entry_get_state (entry);
  DuetDisconnectReason reason = duet_call_history_entry_get_disconnect_reason (entry);
  gboolean ended = state == DUET_CALL_STATE_DISCONNECTED;
  gboolean outgoing = duet_call_history_entry_get_outgoing (entry);

  /* The server also counts a declined call as missed (never answered);
   * whoever declined it did not miss it */
  if (ended && reason == DUET_DISCONNECT_REASON_DECLINE)
    return g_strdup (_("Declined"));
  if (duet_call_history_entry_get_missed (entry))
    return g_strdup (_("Missed"));
  if (duet_call_history_entry_get_answered_at (entry) != NULL)
    {
      gint64 s = duet_call_history_entry_get_duration (entry) / G_USEC_PER_SEC;

      if (!ended)
        return g_strdup (_("In progress"));
      if (s >= 3600)
        return g_strdup_printf ("%d:%02d:%02d", (int) (s / 3600), (int) (s / 60 % 60), (int) (s % 60));
      return g_strdup_printf ("%d:%02d", (int) (s / 60), (int) (s % 60));
    }
  if (!ended)
    return g_strdup (_("Ringing"));
  switch ((int) reason)
    {
    case DUET_DISCONNECT_REASON_CANCEL:
      return g_strdup (outgoing ? _("Cancelled") : _("Missed"));
    case DUET_DISCONNECT_REASON_NOANSWER:
      return g_strdup (outgoing ? _("No answer") : _("Missed"));
    case DUET_DISCONNECT_REASON_BUSY:
    case DUET_DISCONNECT_REASON_ALREADY_GOT_A_CALL:
      return g_strdup (_("Busy"));
    default:
      return g_strdup (_("Failed"));
    }
}

/* A call this user missed: declined ones were not (the server counts
 * them as missed, never answered), nor are the user's own */
static gboolean
entry_is_missed (DuetCallHistoryEntry *entry)
{
  return duet_call_history_entry_get_missed (entry) &&
         !duet_call_history_entry_get_outgoing (entry) &&
         duet_call_history_entry_get_disconnect_reason (entry) != DUET_DISCONNECT_REASON_DECLINE;
}

static GtkWidget *
create_recent_row (DuetCallHistoryEntry *entry,
                   gboolean              use_24h)
{
  const char *peer = duet_call_history_entry_get_peer_user_id (entry);
  gboolean outgoing = duet_call_history_entry_get_outgoing (entry);
  gboolean missed = entry_is_missed (entry);
  gboolean video = duet_call_history_entry_get_media_type (entry) != DUET_MEDIA_TYPE_AUDIO;
  g_autofree char *outcome = describe_outcome (entry);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *when = duet_clock_format_when (duet_call_history_entry_get_invited_at (entry), now, use_24h);
  g_autofree char *subtitle = NULL;
  GtkWidget *row, *icon, *button;

  /* Translators: "Video call · 2:31 · 14:05": kind of call, outcome or length, time */
  subtitle = g_strdup_printf (_("%s · %s · %s"),
                              video ? _("Video call") : _("Audio call"), outcome, when);

  row = adw_action_row_new ();
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), peer);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);

  icon = gtk_image_new_from_icon_name (missed ? "call-missed-symbolic"
                                       : outgoing ? "call-outgoing-symbolic" : "call-incoming-symbolic");
  gtk_widget_set_tooltip_text (icon, missed ? _("Missed call") : outgoing ? _("Outgoing call") : _("Incoming call"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (icon), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  gtk_widget_get_tooltip_text (icon), -1);
  if (missed)
    gtk_widget_add_css_class (icon, "error");
  /* Not seen yet on any of the user's devices */
  if (missed && !duet_call_history_entry_get_seen (entry))
    gtk_widget_add_css_class (row, "unseen");
  /* The person first, then which way the call went (a prefix goes before
   * those added earlier); the row's title already names them */
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), icon);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row),
                             g_object_new (ADW_TYPE_AVATAR,
                                           "accessible-role", GTK_ACCESSIBLE_ROLE_PRESENTATION,
                                           "size", 32,
                                           "show-initials", TRUE,
                                           "text", peer,
                                           NULL));

  button = gtk_button_new_from_icon_name (video ? "camera-video-symbolic" : "call-start-symbolic");
  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (button, "flat");
  gtk_widget_set_tooltip_text (button, _("Call Back"));
  {
    /* Translators: the name screen readers give the button of a recent call */
    g_autofree char *label = g_strdup_printf (_("Call %s Back"), peer);

    gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  }
  gtk_actionable_set_action_name (GTK_ACTIONABLE (button), "app.call");
  gtk_actionable_set_action_target (GTK_ACTIONABLE (button), "(ss)", peer, video ? "audiovideo" : "audio");
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), button);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), button);
  return row;
}

static void
on_offline_revealer_child_revealed_changed (DuetWindow *self)
{
  if (!gtk_revealer_get_child_revealed (self->offline_revealer) &&
      !gtk_revealer_get_reveal_child (self->offline_revealer))
    gtk_widget_set_visible (GTK_WIDGET (self->offline_revealer), FALSE);
}

/* The user is looking at the recent calls: the missed ones among them are
 * seen, on all the user's devices (their notifications go) */
static void
mark_shown_missed_calls (DuetWindow *self)
{
  if (self->history == NULL || !gtk_window_is_active (GTK_WINDOW (self)) ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "main") != 0)
    return;
  for (guint i = 0; i < duet_history_get_n_calls (self->history); i++)
    {
      DuetCallHistoryEntry *entry = duet_history_get_call (self->history, i);

      if (entry_is_missed (entry) && !duet_call_history_entry_get_seen (entry))
        duet_application_mark_missed_call_seen (self->application,
                                                duet_call_history_entry_get_call_id (entry));
    }
}

static void
on_history_changed (DuetWindow *self)
{
  GtkListBoxRow *row;

  /* Rows only: the first child may be the "No calls yet" placeholder */
  while ((row = gtk_list_box_get_row_at_index (self->recents_list, 0)) != NULL)
    gtk_list_box_remove (self->recents_list, GTK_WIDGET (row));
  for (guint i = 0; i < duet_history_get_n_calls (self->history); i++)
    gtk_list_box_append (self->recents_list,
                         create_recent_row (duet_history_get_call (self->history, i),
                                            duet_clock_get_use_24h (self->interface_settings)));
  mark_shown_missed_calls (self);
}

/* ---- dialling ---- */

static void
call_activated (DuetWindow *self,
                const char *media_type)
{
  g_autofree char *peer = g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->dial_row)));

  g_strstrip (peer);
  if (*peer == '\0')
    {
      gtk_widget_grab_focus (GTK_WIDGET (self->dial_row));
      return;
    }
  if (!duet_user_id_is_valid (peer))
    {
      duet_window_show_toast (self, _("A user ID has 1 to 64 letters, digits, dots, dashes or underscores."));
      return;
    }
  g_action_group_activate_action (G_ACTION_GROUP (self->application), "call",
                                  g_variant_new ("(ss)", peer, media_type));
}

static void
call_audio_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  call_activated (DUET_WINDOW (widget), "audio");
}

static void
call_video_activated (GtkWidget  *widget,
                      const char *action_name,
                      GVariant   *parameter)
{
  call_activated (DUET_WINDOW (widget), "audiovideo");
}

static void
refresh_history_activated (GtkWidget  *widget,
                           const char *action_name,
                           GVariant   *parameter)
{
  duet_application_refresh_history (DUET_WINDOW (widget)->application);
}

static void
on_account_state_changed (DuetWindow *self)
{
  DuetAccountState state = duet_account_get_state (self->account);
  gboolean signing_out = duet_application_get_signing_out (self->application);

  update_sign_in_sensitivity (self);
  update_title (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out",
                                 state == DUET_ACCOUNT_SIGNED_IN && !signing_out);

  /* The server is asked to sign this device out: a moment, at most a few seconds */
  if (signing_out)
    gtk_stack_set_visible_child_name (self->stack, "loading");
  else if (state == DUET_ACCOUNT_SIGNED_IN)
    {
      gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
      gtk_stack_set_visible_child_name (self->stack, "main");
    }
  else if (state == DUET_ACCOUNT_SIGNED_OUT)
    gtk_stack_set_visible_child_name (self->stack, "sign-in");
}

/* Signed out by the server: the sign-in page says why instead of its welcome */
static void
on_account_sign_in_message_changed (DuetWindow *self)
{
  const char *message = duet_account_get_sign_in_message (self->account);

  adw_status_page_set_title (self->sign_in_page, message ? _("Signed Out") : self->sign_in_title);
  adw_status_page_set_description (self->sign_in_page, message ? message : self->sign_in_description);
}

static void
sign_in_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  DuetWindow *self = DUET_WINDOW (widget);

  /* The account remembers the identity once signed in */
  duet_account_sign_in (self->account,
                        gtk_editable_get_text (GTK_EDITABLE (self->server_row)),
                        gtk_editable_get_text (GTK_EDITABLE (self->user_row)),
                        NULL,
                        gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
}

static void
sign_out_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  DuetWindow *self = DUET_WINDOW (widget);

  duet_application_sign_out (self->application);
}

static void
on_sign_in_field_changed (DuetWindow *self)
{
  update_sign_in_sensitivity (self);
}

static void
on_password_row_entry_activated (DuetWindow *self)
{
  if (gtk_widget_activate_action (GTK_WIDGET (self), "win.sign-in", NULL))
    return;
}

static void
on_dial_row_entry_activated (DuetWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.call-video", NULL);
}

static void
on_account_sign_in_error_changed (DuetWindow *self)
{
  show_sign_in_error (self, duet_account_get_sign_in_error (self->account));
}

/* The identity last signed in, for the form (the account restores it
 * meanwhile, or has nothing to restore) */
static void
fill_sign_in_form (DuetWindow *self,
                   GSettings  *settings)
{
  g_autofree char *server = g_settings_get_string (settings, "server-url");
  g_autofree char *user = g_settings_get_string (settings, "user-id");

  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server);
  gtk_editable_set_text (GTK_EDITABLE (self->user_row), user);
}

static gboolean
duet_window_close_request (GtkWindow *window)
{
  DuetWindow *self = DUET_WINDOW (window);
  GSettings *settings = duet_application_get_settings (self->application);
  int width, height;

  gtk_window_get_default_size (window, &width, &height);
  g_settings_delay (settings);
  g_settings_set_int (settings, "window-width", width);
  g_settings_set_int (settings, "window-height", height);
  g_settings_set_boolean (settings, "window-maximized", gtk_window_is_maximized (window));
  g_settings_apply (settings);

  return GTK_WINDOW_CLASS (duet_window_parent_class)->close_request (window);
}

static void
duet_window_dispose (GObject *object)
{
  DuetWindow *self = DUET_WINDOW (object);

  g_clear_object (&self->account);
  g_clear_object (&self->history);
  g_clear_object (&self->interface_settings);
  g_clear_pointer (&self->sign_in_title, g_free);
  g_clear_pointer (&self->sign_in_description, g_free);
  gtk_widget_dispose_template (GTK_WIDGET (self), DUET_TYPE_WINDOW);

  G_OBJECT_CLASS (duet_window_parent_class)->dispose (object);
}

static void
duet_window_class_init (DuetWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = duet_window_dispose;
  GTK_WINDOW_CLASS (klass)->close_request = duet_window_close_request;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/duet/Duet/ui/duet-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, sign_in_page);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, user_row);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, password_row);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, sign_in_error);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, sign_in_spinner);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, offline_revealer);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, dial_row);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, recents_list);
  gtk_widget_class_bind_template_callback (widget_class, on_sign_in_field_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_password_row_entry_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_dial_row_entry_activated);

  gtk_widget_class_install_action (widget_class, "win.sign-in", NULL, sign_in_activated);
  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_activated);
  gtk_widget_class_install_action (widget_class, "win.call-audio", NULL, call_audio_activated);
  gtk_widget_class_install_action (widget_class, "win.call-video", NULL, call_video_activated);
  gtk_widget_class_install_action (widget_class, "win.refresh-history", NULL, refresh_history_activated);
}

static void
duet_window_init (DuetWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_visible (GTK_WIDGET (self->offline_revealer), FALSE);
  g_signal_connect_swapped (self->offline_revealer, "notify::child-revealed",
                            G_CALLBACK (on_offline_revealer_child_revealed_changed), self);
  self->sign_in_title = g_strdup (adw_status_page_get_title (self->sign_in_page));
  self->sign_in_description = g_strdup (adw_status_page_get_description (self->sign_in_page));
  g_signal_connect (self, "notify::is-active", G_CALLBACK (mark_shown_missed_calls), NULL);
  g_signal_connect_swapped (self->stack, "notify::visible-child-name",
                            G_CALLBACK (mark_shown_missed_calls), self);
}

DuetWindow *
duet_window_new (DuetApplication *application)
{
  DuetWindow *self = g_object_new (DUET_TYPE_WINDOW, "application", application, NULL);
  GSettings *settings;

  self->application = application;
  self->account = g_object_ref (duet_application_get_account (application));
  self->history = g_object_ref (duet_application_get_history (application));

  /* GET only: the size is written back once, on close, not on every resize */
  settings = duet_application_get_settings (application);
  g_settings_bind (settings, "window-width", self, "default-width", G_SETTINGS_BIND_GET_NO_CHANGES);
  g_settings_bind (settings, "window-height", self, "default-height", G_SETTINGS_BIND_GET_NO_CHANGES);
  g_settings_bind (settings, "window-maximized", self, "maximized", G_SETTINGS_BIND_GET_NO_CHANGES);
  g_signal_connect_object (self->account, "notify::state",
                           G_CALLBACK (on_account_state_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (application, "notify::online",
                           G_CALLBACK (update_title), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (application, "notify::signing-out",
                           G_CALLBACK (on_account_state_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account, "notify::sign-in-message",
                           G_CALLBACK (on_account_sign_in_message_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->history, "changed",
                           G_CALLBACK (on_history_changed), self, G_CONNECT_SWAPPED);
  /* The times follow the desktop's clock when the user switches it */
  self->interface_settings = duet_clock_new_settings ();
  if (self->interface_settings != NULL)
    g_signal_connect_object (self->interface_settings, "changed::clock-format",
                             G_CALLBACK (on_history_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->account, "notify::sign-in-error",
                           G_CALLBACK (on_account_sign_in_error_changed), self, G_CONNECT_SWAPPED);
  fill_sign_in_form (self, settings);
  on_history_changed (self);
  on_account_sign_in_message_changed (self);
  on_account_sign_in_error_changed (self);
  /* Loading while the account restores its session; signed in or out, the
   * account's state picks the page */
  gtk_stack_set_visible_child_name (self->stack, "loading");
  on_account_state_changed (self);
  return self;
}

void
duet_window_show_toast (DuetWindow *self,
                        const char *message)
{
  g_return_if_fail (DUET_IS_WINDOW (self));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}
