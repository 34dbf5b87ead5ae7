/* duet-incoming-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Its buttons are the application's actions (app.accept-call,
 * app.decline-call), the same ones the notification's buttons use, so the
 * window and the notification can never disagree about what they do.
 * Closing the window only hides the question; the notification still
 * offers it until the call stops ringing. Following the call centre, the
 * window goes by itself when its call stops ringing (answered, declined,
 * given up).
 */
#define G_LOG_DOMAIN "DuetIncomingWindow"

#include "config.h"

#include <glib/gi18n.h>

#include "duet-incoming-window.h"

struct _DuetIncomingWindow
{
  AdwApplicationWindow  parent_instance;

  AdwAvatar            *avatar;
  GtkLabel             *caller_label;
  GtkLabel             *media_label;
  GtkWidget            *accept_audio_box;
  GtkWidget            *accept_button;

  DuetCall             *call;    /* the ringing call it asks about, once following */
};

G_DEFINE_FINAL_TYPE (DuetIncomingWindow, duet_incoming_window, ADW_TYPE_APPLICATION_WINDOW)

/* GtkWindow focuses its first control when shown. Here no button may have
 * the focus until the user moves it (Tab), so that an Enter meant for
 * another window does not answer the call, with the camera on at that;
 * Ctrl+Return, Ctrl+D and Escape still answer, decline and hide. */
static void
duet_incoming_window_show (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (duet_incoming_window_parent_class)->show (widget);
  gtk_window_set_focus (GTK_WINDOW (widget), NULL);
}

static void
duet_incoming_window_dispose (GObject *object)
{
  DuetIncomingWindow *self = DUET_INCOMING_WINDOW (object);

  g_clear_object (&self->call);

  G_OBJECT_CLASS (duet_incoming_window_parent_class)->dispose (object);
}

static void
duet_incoming_window_class_init (DuetIncomingWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = duet_incoming_window_dispose;
  widget_class->show = duet_incoming_window_show;

  gtk_widget_class_set_template_from_resource (widget_class, "/org/duet/Duet/ui/duet-incoming-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DuetIncomingWindow, avatar);
  gtk_widget_class_bind_template_child (widget_class, DuetIncomingWindow, caller_label);
  gtk_widget_class_bind_template_child (widget_class, DuetIncomingWindow, media_label);
  gtk_widget_class_bind_template_child (widget_class, DuetIncomingWindow, accept_audio_box);
  gtk_widget_class_bind_template_child (widget_class, DuetIncomingWindow, accept_button);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "app.accept-call", "b", TRUE);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_d, GDK_CONTROL_MASK,
                                       "app.decline-call", NULL);
}

static void
duet_incoming_window_init (DuetIncomingWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

DuetIncomingWindow *
duet_incoming_window_new (GtkApplication *application,
                          const char     *caller,
                          DuetMediaType   media_type)
{
  DuetIncomingWindow *self = g_object_new (DUET_TYPE_INCOMING_WINDOW, "application", application, NULL);
  gboolean video = duet_media_type_has_video (media_type);
  g_autofree char *title = g_strdup_printf (_("Call from %s"), caller);

  gtk_window_set_title (GTK_WINDOW (self), title);
  adw_avatar_set_text (self->avatar, caller);
  gtk_label_set_label (self->caller_label, caller);
  gtk_label_set_label (self->media_label, video ? _("Incoming video call…") : _("Incoming audio call…"));
  gtk_widget_set_visible (self->accept_audio_box, video);
  gtk_button_set_icon_name (GTK_BUTTON (self->accept_button),
                            video ? "camera-video-symbolic" : "call-start-symbolic");
  gtk_actionable_set_action_target_value (GTK_ACTIONABLE (self->accept_button),
                                          g_variant_new_boolean (video));
  return self;
}

static void
on_centre_ringing_call_changed (DuetIncomingWindow *self,
                                GParamSpec         *pspec,
                                DuetCallCentre     *centre)
{
  if (duet_call_centre_get_ringing_call (centre) != self->call)
    gtk_window_destroy (GTK_WINDOW (self));
}

/**
 * duet_incoming_window_follow:
 * @centre: whose ringing call this window shows
 *
 * Closes the window once that call no longer rings.
 */
void
duet_incoming_window_follow (DuetIncomingWindow *self,
                             DuetCallCentre     *centre)
{
  g_return_if_fail (DUET_IS_INCOMING_WINDOW (self));
  g_return_if_fail (DUET_IS_CALL_CENTRE (centre));

  g_set_object (&self->call, duet_call_centre_get_ringing_call (centre));
  g_signal_connect_object (centre, "notify::ringing-call",
                           G_CALLBACK (on_centre_ringing_call_changed), self, G_CONNECT_SWAPPED);
}
