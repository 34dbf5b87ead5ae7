/* duet-notifier.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libnotify rather than GNotification: an incoming call needs critical
 * urgency (GNOME Shell keeps such a banner up until it is acted on) and a
 * category, neither of which GNotification can set on GLib 2.74. Outside
 * a sandbox libnotify talks to org.freedesktop.Notifications; inside
 * Flatpak, libnotify 0.8 switches to the notification portal by itself.
 *
 * Categories: "call.incoming" and "call.unanswered" are the names the
 * Desktop Notifications Specification lists for calls (GNOME Calls uses
 * "call.unanswered" too); "im" would let a server treat a ringing call
 * like a chat message.
 *
 * Buttons map onto application actions, so they work with no window
 * open: "accept" → app.accept-call(true), "accept-audio" →
 * app.accept-call(false), "decline" → app.decline-call, the default
 * action (clicking the banner) → app.show-incoming. A missed call's
 * banner → app.show-missed-call(call id), its "call-back" →
 * app.mark-missed-call-seen(call id) and app.call: either way the call is
 * marked seen on all the user's devices.
 *
 * A missed call stays in the table once withdrawn (with no notification),
 * so that a late report of a call seen elsewhere does not show it again.
 */
#define G_LOG_DOMAIN "DuetNotifier"

#include "config.h"

#include <glib/gi18n.h>
#include <gio/gio.h>
#include <libnotify/notify.h>

#include "duet-call-centre.h"
#include "duet-clock.h"
#include "duet-notifier.h"

struct _DuetNotifier
{
  GObject             parent_instance;

  NotifyNotification *incoming;
  NotifyNotification *signed_out;
  GHashTable         *missed;     /* call id → NotifyNotification, or NULL once withdrawn */
  GSettings          *settings;   /* whether to notify at all; once following a call centre */
  gboolean            initialized;
};

G_DEFINE_FINAL_TYPE (DuetNotifier, duet_notifier, G_TYPE_OBJECT)

static void
activate_app_action (const char *name,
                     GVariant   *parameter)
{
  GApplication *app = g_application_get_default ();
  g_autoptr(GVariant) sunk = parameter ? g_variant_ref_sink (parameter) : NULL;

  if (app != NULL)
    g_action_group_activate_action (G_ACTION_GROUP (app), name, sunk);
}

static void
incoming_action_cb (NotifyNotification *notification,
                    char               *action,
                    gpointer            user_data)
{
  DuetNotifier *self = user_data;

  /* The server closes a notification once an action was invoked; forget
   * it before the action can show a new one, so that is not withdrawn */
  if (self->incoming == notification)
    g_clear_object (&self->incoming);

  if (g_str_equal (action, "accept"))
    activate_app_action ("accept-call", g_variant_new_boolean (TRUE));
  else if (g_str_equal (action, "accept-audio"))
    activate_app_action ("accept-call", g_variant_new_boolean (FALSE));
  else if (g_str_equal (action, "decline"))
    activate_app_action ("decline-call", NULL);
  else
    activate_app_action ("show-incoming", NULL);
}

static void
missed_action_cb (NotifyNotification *notification,
                  char               *action,
                  gpointer            user_data)
{
  const char *call_id = g_object_get_data (G_OBJECT (notification), "duet-call-id");
  const char *caller = g_object_get_data (G_OBJECT (notification), "duet-caller");

  if (g_str_equal (action, "call-back"))
    {
      activate_app_action ("mark-missed-call-seen", g_variant_new_string (call_id));
      activate_app_action ("call", g_variant_new ("(ss)", caller, "audiovideo"));
    }
  else
    activate_app_action ("show-missed-call", g_variant_new_string (call_id));
}

static gboolean
ensure_init (DuetNotifier *self)
{
  if (!self->initialized)
    self->initialized = notify_is_initted () || notify_init (_("Duet"));
  return self->initialized;
}

static void
set_common_hints (NotifyNotification *notification)
{
  notify_notification_set_app_name (notification, _("Duet"));
  notify_notification_set_hint_string (notification, "desktop-entry", APPLICATION_ID);
  /* Duet plays its own ringtone; the server must not add a sound */
  notify_notification_set_hint (notification, "suppress-sound", g_variant_new_boolean (TRUE));
}

static void
show (NotifyNotification *notification)
{
  g_autoptr(GError) error = NULL;

  if (!notify_notification_show (notification, &error))
    g_message ("Cannot show a notification: %s", error->message);
}

static void
clear_notification (gpointer notification)
{
  if (notification != NULL)
    g_object_unref (notification);
}

static void
duet_notifier_dispose (GObject *object)
{
  DuetNotifier *self = DUET_NOTIFIER (object);

  duet_notifier_withdraw_incoming (self);
  g_clear_object (&self->signed_out);
  g_clear_pointer (&self->missed, g_hash_table_unref);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (duet_notifier_parent_class)->dispose (object);
}

static void
duet_notifier_class_init (DuetNotifierClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_notifier_dispose;
}

static void
duet_notifier_init (DuetNotifier *self)
{
  self->missed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, clear_notification);
}

DuetNotifier *
duet_notifier_new (void)
{
  return g_object_new (DUET_TYPE_NOTIFIER, NULL);
}

void
duet_notifier_show_incoming (DuetNotifier  *self,
                             const char    *caller,
                             DuetMediaType  media_type)
{
  g_autofree char *summary = NULL;
  const char *body;

  g_return_if_fail (DUET_IS_NOTIFIER (self));

  duet_notifier_withdraw_incoming (self);
  if (!ensure_init (self))
    return;

  summary = g_strdup_printf (_("%s is calling"), caller);
  body = duet_media_type_has_video (media_type) ? _("Incoming video call") : _("Incoming audio call");
  self->incoming = notify_notification_new (summary, body, "call-incoming-symbolic");
  set_common_hints (self->incoming);
  notify_notification_set_category (self->incoming, "call.incoming");
  notify_notification_set_urgency (self->incoming, NOTIFY_URGENCY_CRITICAL);
  notify_notification_set_timeout (self->incoming, NOTIFY_EXPIRES_NEVER);
  notify_notification_set_hint (self->incoming, "resident", g_variant_new_boolean (TRUE));

  notify_notification_add_action (self->incoming, "default", _("Show"),
                                  incoming_action_cb, self, NULL);
  notify_notification_add_action (self->incoming, "decline", _("Decline"),
                                  incoming_action_cb, self, NULL);
  if (duet_media_type_has_video (media_type))
    notify_notification_add_action (self->incoming, "accept-audio", _("Audio Only"),
                                    incoming_action_cb, self, NULL);
  notify_notification_add_action (self->incoming, "accept", _("Accept"),
                                  incoming_action_cb, self, NULL);
  show (self->incoming);
}

void
duet_notifier_withdraw_incoming (DuetNotifier *self)
{
  g_return_if_fail (DUET_IS_NOTIFIER (self));

  if (self->incoming == NULL)
    return;
  notify_notification_close (self->incoming, NULL);
  g_clear_object (&self->incoming);
}

void
duet_notifier_show_missed (DuetNotifier  *self,
                           const char    *call_id,
                           const char    *caller,
                           DuetMediaType  media_type,
                           gint64         invited_at_ms)
{
  g_autofree char *summary = NULL;
  g_autofree char *body = NULL;
  g_autofree char *when = NULL;
  g_autoptr(GDateTime) time = NULL;
  NotifyNotification *notification;

  g_return_if_fail (DUET_IS_NOTIFIER (self));
  g_return_if_fail (call_id != NULL);

  if (!ensure_init (self))
    return;

  /* The same call can be reported twice (a push, then the call's own end),
   * or be seen on another device before it is reported here */
  if (g_hash_table_contains (self->missed, call_id))
    return;

  time = invited_at_ms > 0 ? g_date_time_new_from_unix_local (invited_at_ms / 1000)
                           : g_date_time_new_now_local ();
  {
    g_autoptr(GSettings) clock = duet_clock_new_settings ();

    when = duet_clock_format_time (time, duet_clock_get_use_24h (clock));
  }
  summary = g_strdup_printf (_("Missed call from %s"), caller);
  body = g_strdup_printf (duet_media_type_has_video (media_type)
                          ? _("Video call at %s") : _("Audio call at %s"), when);

  notification = notify_notification_new (summary, body, "call-missed-symbolic");
  set_common_hints (notification);
  notify_notification_set_category (notification, "call.unanswered");
  notify_notification_set_urgency (notification, NOTIFY_URGENCY_NORMAL);
  g_object_set_data_full (G_OBJECT (notification), "duet-call-id", g_strdup (call_id), g_free);
  g_object_set_data_full (G_OBJECT (notification), "duet-caller", g_strdup (caller), g_free);
  notify_notification_add_action (notification, "default", _("Show"),
                                  missed_action_cb, NULL, NULL);
  notify_notification_add_action (notification, "call-back", _("Call Back"),
                                  missed_action_cb, NULL, NULL);
  show (notification);

  g_hash_table_replace (self->missed, g_strdup (call_id), notification);
}

/**
 * duet_notifier_withdraw_missed:
 * @call_id: the missed call
 *
 * Takes back the notification of a missed call that the user has seen,
 * here or on another of their devices; a report of it that comes later
 * shows nothing.
 */
void
duet_notifier_withdraw_missed (DuetNotifier *self,
                               const char   *call_id)
{
  NotifyNotification *notification;

  g_return_if_fail (DUET_IS_NOTIFIER (self));
  g_return_if_fail (call_id != NULL);

  notification = g_hash_table_lookup (self->missed, call_id);
  if (notification != NULL)
    notify_notification_close (notification, NULL);
  g_hash_table_replace (self->missed, g_strdup (call_id), NULL);
}

static void
signed_out_action_cb (NotifyNotification *notification,
                      char               *action,
                      gpointer            user_data)
{
  GApplication *app = g_application_get_default ();

  if (app != NULL)
    g_application_activate (app);
}

/**
 * duet_notifier_show_signed_out:
 * @message: why, and what to do, translated
 *
 * Says that this device was signed out while no window showed it: calls
 * no longer ring here until the user signs in again.
 */
void
duet_notifier_show_signed_out (DuetNotifier *self,
                               const char   *message)
{
  g_return_if_fail (DUET_IS_NOTIFIER (self));

  if (!ensure_init (self))
    return;
  if (self->signed_out != NULL)
    notify_notification_close (self->signed_out, NULL);
  g_clear_object (&self->signed_out);
  self->signed_out = notify_notification_new (_("Signed out of Duet"), message, "system-log-out-symbolic");
  set_common_hints (self->signed_out);
  notify_notification_add_action (self->signed_out, "default", _("Sign In"),
                                  signed_out_action_cb, NULL, NULL);
  show (self->signed_out);
}

/* ---- following a call centre ---- */

static gboolean
notifications_wanted (DuetNotifier *self)
{
  return self->settings != NULL && g_settings_get_boolean (self->settings, "notifications");
}

static void
on_centre_ringing_call_changed (DuetNotifier   *self,
                                GParamSpec     *pspec,
                                DuetCallCentre *centre)
{
  DuetCall *call = duet_call_centre_get_ringing_call (centre);

  if (call == NULL)
    duet_notifier_withdraw_incoming (self);
  else if (notifications_wanted (self))
    duet_notifier_show_incoming (self, duet_call_get_peer_user_id (call),
                                 duet_call_get_media_type (call));
}

static void
on_centre_call_missed (DuetNotifier  *self,
                       const char    *call_id,
                       const char    *caller,
                       DuetMediaType  media_type,
                       gint64         invited_at_ms)
{
  if (notifications_wanted (self))
    duet_notifier_show_missed (self, call_id, caller, media_type, invited_at_ms);
}

/**
 * duet_notifier_follow:
 * @centre: whose calls to announce
 * @settings: the app's settings, whose `notifications` says whether to
 *
 * Shows the ringing call while @centre has one, and the missed calls it
 * reports.
 */
void
duet_notifier_follow (DuetNotifier   *self,
                      DuetCallCentre *centre,
                      GSettings      *settings)
{
  g_return_if_fail (DUET_IS_NOTIFIER (self));
  g_return_if_fail (DUET_IS_CALL_CENTRE (centre));
  g_return_if_fail (G_IS_SETTINGS (settings));

  g_set_object (&self->settings, settings);
  g_signal_connect_object (centre, "notify::ringing-call",
                           G_CALLBACK (on_centre_ringing_call_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (centre, "call-missed",
                           G_CALLBACK (on_centre_call_missed), self, G_CONNECT_SWAPPED);
}
