/* duet-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "duet-protocol.h"
#include "duet-window.h"

struct _DuetWindow
{
  AdwApplicationWindow  parent_instance;

  /* template widgets */
  AdwWindowTitle       *window_title;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
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
  GCancellable         *cancellable;
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

  if (duet_account_get_state (self->account) == DUET_ACCOUNT_SIGNED_IN && user != NULL)
    {
      g_autofree char *subtitle = g_strdup_printf (_("Signed in as %s"), user);
      adw_window_title_set_subtitle (self->window_title, subtitle);
    }
  else
    adw_window_title_set_subtitle (self->window_title, NULL);
}

static void
account_state_changed_cb (DuetWindow *self)
{
  DuetAccountState state = duet_account_get_state (self->account);

  update_sign_in_sensitivity (self);
  update_title (self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.sign-out", state == DUET_ACCOUNT_SIGNED_IN);

  if (state == DUET_ACCOUNT_SIGNED_IN)
    gtk_stack_set_visible_child_name (self->stack, "main");
  else if (state == DUET_ACCOUNT_SIGNED_OUT)
    gtk_stack_set_visible_child_name (self->stack, "sign-in");
}

static void
remember_identity (DuetWindow *self)
{
  GSettings *settings = duet_application_get_settings (self->application);

  g_settings_set_string (settings, "server-url", duet_account_get_server_url (self->account));
  g_settings_set_string (settings, "user-id", duet_account_get_user_id (self->account));
  g_settings_set_string (settings, "service-id", duet_account_get_service_id (self->account));
}

static void
sign_in_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(DuetWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!duet_account_sign_in_finish (DUET_ACCOUNT (source), result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        show_sign_in_error (self, error->message);
      return;
    }

  gtk_editable_set_text (GTK_EDITABLE (self->password_row), "");
  remember_identity (self);
}

static void
start_sign_in (DuetWindow *self,
               const char *server,
               const char *user,
               const char *service,
               const char *password)
{
  show_sign_in_error (self, NULL);
  duet_account_sign_in_async (self->account, server, user,
                              service && *service ? service : "duet",
                              password, self->cancellable,
                              sign_in_cb, g_object_ref (self));
}

static void
sign_in_activated (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  DuetWindow *self = DUET_WINDOW (widget);
  GSettings *settings = duet_application_get_settings (self->application);
  g_autofree char *service = g_settings_get_string (settings, "service-id");

  start_sign_in (self,
                 gtk_editable_get_text (GTK_EDITABLE (self->server_row)),
                 gtk_editable_get_text (GTK_EDITABLE (self->user_row)),
                 service,
                 gtk_editable_get_text (GTK_EDITABLE (self->password_row)));
}

static void
sign_out_activated (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  DuetWindow *self = DUET_WINDOW (widget);

  duet_account_sign_out (self->account);
}

static void
sign_in_fields_changed_cb (DuetWindow *self)
{
  update_sign_in_sensitivity (self);
}

static void
sign_in_activated_cb (DuetWindow *self)
{
  if (gtk_widget_activate_action (GTK_WIDGET (self), "win.sign-in", NULL))
    return;
}

static void
dial_activated_cb (DuetWindow *self)
{
  gtk_widget_activate_action (GTK_WIDGET (self), "win.call-video", NULL);
}

static void
restore_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(DuetWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!duet_account_restore_finish (DUET_ACCOUNT (source), result, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    show_sign_in_error (self, error->message);
}

/* Command-line credentials first, then the keyring, then the form */
static void
begin_session (DuetWindow *self)
{
  GSettings *settings = duet_application_get_settings (self->application);
  g_autofree char *server = NULL;
  g_autofree char *user = NULL;
  g_autofree char *service = NULL;
  g_autofree char *password = NULL;

  if (duet_account_get_state (self->account) == DUET_ACCOUNT_SIGNED_IN)
    {
      account_state_changed_cb (self);
      return;
    }

  if (duet_application_take_command_line_sign_in (self->application, &server, &user,
                                                  &service, &password))
    {
      gtk_editable_set_text (GTK_EDITABLE (self->server_row), server);
      gtk_editable_set_text (GTK_EDITABLE (self->user_row), user);
      start_sign_in (self, server, user, service, password);
      memset (password, 0, strlen (password));
      return;
    }

  server = g_settings_get_string (settings, "server-url");
  user = g_settings_get_string (settings, "user-id");
  service = g_settings_get_string (settings, "service-id");
  gtk_editable_set_text (GTK_EDITABLE (self->server_row), server);
  gtk_editable_set_text (GTK_EDITABLE (self->user_row), user);

  if (*server == '\0' || *user == '\0')
    {
      gtk_stack_set_visible_child_name (self->stack, "sign-in");
      return;
    }
  duet_account_restore_async (self->account, server, user, service,
                              self->cancellable, restore_cb, g_object_ref (self));
}

static void
duet_window_dispose (GObject *object)
{
  DuetWindow *self = DUET_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->account);
  gtk_widget_dispose_template (GTK_WIDGET (self), DUET_TYPE_WINDOW);

  G_OBJECT_CLASS (duet_window_parent_class)->dispose (object);
}

static void
duet_window_class_init (DuetWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = duet_window_dispose;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/duet/Duet/ui/duet-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, server_row);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, user_row);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, password_row);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, sign_in_error);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, sign_in_spinner);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, offline_revealer);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, dial_row);
  gtk_widget_class_bind_template_child (widget_class, DuetWindow, recents_list);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_fields_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, sign_in_activated_cb);
  gtk_widget_class_bind_template_callback (widget_class, dial_activated_cb);

  gtk_widget_class_install_action (widget_class, "win.sign-in", NULL, sign_in_activated);
  gtk_widget_class_install_action (widget_class, "win.sign-out", NULL, sign_out_activated);
}

static void
duet_window_init (DuetWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
}

DuetWindow *
duet_window_new (DuetApplication *application)
{
  DuetWindow *self = g_object_new (DUET_TYPE_WINDOW, "application", application, NULL);

  self->application = application;
  self->account = g_object_ref (duet_application_get_account (application));
  g_signal_connect_object (self->account, "notify::state",
                           G_CALLBACK (account_state_changed_cb), self, G_CONNECT_SWAPPED);
  account_state_changed_cb (self);
  gtk_stack_set_visible_child_name (self->stack, "loading");
  begin_session (self);
  return self;
}

void
duet_window_show_toast (DuetWindow *self,
                        const char *message)
{
  g_return_if_fail (DUET_IS_WINDOW (self));
  adw_toast_overlay_add_toast (self->toast_overlay, adw_toast_new (message));
}
