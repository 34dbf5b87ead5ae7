/* duet-call-window.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The peer's video fills the window, the self view sits in a corner, and
 * round controls float over the bottom of the video (GNOME Calls' layout).
 * Every control is an action in the "call" group, which the buttons, the
 * keyboard shortcuts and the session bus (/org/duet/Duet/call, for
 * scripts and the tests) all use. Video arrives through DuetVideoSink,
 * which hands frames to the main loop itself, so nothing here waits on
 * GStreamer.
 *
 * The header's menu lists the kit's cameras, microphones and speakers as
 * radio items of call.camera, call.microphone and call.speaker (string
 * states: a device id, "" for the default), rebuilt as devices come and
 * go; a choice there is for this call only (Preferences sets the devices
 * of every call, the one in progress too). A chosen device that is
 * unplugged shows as the default, which the kit uses meanwhile. A missing, refused or broken camera or microphone is
 * said under the header until it is back.
 */
#define G_LOG_DOMAIN "DuetCallWindow"

#include "config.h"

#include <glib/gi18n.h>

#include "duet-application.h"
#include "duet-call-window.h"
#include "duet-quality-hint.h"
#include "duet-video-sink.h"
#include "duet-video-view.h"

#define CALL_ACTIONS_PATH "/org/duet/Duet/call"
#define CLOSE_AFTER_END_MS 3000
#define QUALITY_INTERVAL_S 2

struct _DuetCallWindow
{
  AdwApplicationWindow  parent_instance;

  /* template widgets */
  DuetVideoView        *peer_view;
  DuetVideoView        *self_view;
  GtkWidget            *peer_avatar_box;
  AdwAvatar            *peer_avatar;
  GtkLabel             *peer_avatar_label;
  GtkLabel             *peer_label;
  GtkLabel             *status_label;
  GtkSpinner           *status_spinner;
  GtkImage             *quality_icon;
  GtkImage             *peer_muted_icon;
  GtkWidget            *controls;
  GtkButton            *mute_button;
  GtkButton            *pause_button;
  GtkButton            *video_button;
  GtkButton            *fullscreen_button;
  GtkWidget            *reconnecting_box;
  GtkSpinner           *reconnecting_spinner;
  GtkLabel             *reconnecting_label;
  GtkRevealer          *hint_revealer;
  GtkLabel             *hint_label;
  GtkMenuButton        *device_button;
  GtkRevealer          *device_revealer;
  GtkWidget            *camera_hint;
  GtkLabel             *camera_hint_label;
  GtkWidget            *microphone_hint;
  GtkLabel             *microphone_hint_label;

  char                 *peer_user_id;
  DuetMediaType         media_type;
  gboolean              outgoing;

  DuetCall             *call;
  DuetCallCentre       *centre;    /* the call comes from it, once following */
  GstElement           *peer_sink_bin;
  GstElement           *self_sink_bin;
  GdkPaintable         *peer_paintable;
  GSimpleActionGroup   *actions;
  guint                 export_id;
  GDBusConnection      *export_connection;

  gint64                connected_at;
  gint64                reconnect_deadline;   /* monotonic µs; 0: not reconnecting */
  guint                 countdown_id;
  guint                 clock_id;
  guint                 quality_id;
  guint                 close_id;
  guint                 inhibit_cookie;
  DuetCallStatistics    last_stats;
  gint64                last_stats_at;
  /* The last sample, its rates filled in from the counters while the kit
   * does not measure them, and the quality those rates suggest */
  DuetCallStatistics    figures;
  DuetNetworkQuality    rate_quality;
  DuetQualityHint      *hint;
  guint                 hint_id;
  GMenu                *device_sections[3];   /* by DuetDeviceKind */
  DuetVideoPauseReason  peer_pause_reason;
  /* Test hooks: a quality or device problem to use instead of the
   * call's; -1: none */
  int                   forced_quality;
  int                   forced_peer_quality;
  int                   forced_camera_problem;
  int                   forced_microphone_problem;
  gboolean              ended;
};

/* The actions and menu sections of the devices, by DuetDeviceKind */
static const char * const device_actions[] = { "camera", "microphone", "speaker" };

G_DEFINE_FINAL_TYPE (DuetCallWindow, duet_call_window, ADW_TYPE_APPLICATION_WINDOW)

/* ---- text ---- */

/**
 * duet_call_window_describe_end:
 *
 * Says in words why a call ended, as the person who sees it would put it.
 */
char *
duet_call_window_describe_end (DuetDisconnectReason  reason,
                               gboolean              by_remote,
                               const char           *peer_user_id)
{
  switch (reason)
    {
    case DUET_DISCONNECT_REASON_NORMAL:
      return by_remote ? g_strdup_printf (_("%s ended the call"), peer_user_id)
                       : g_strdup (_("Call ended"));
    case DUET_DISCONNECT_REASON_DECLINE:
      return by_remote ? g_strdup_printf (_("%s declined the call"), peer_user_id)
                       : g_strdup (_("Call declined"));
    case DUET_DISCONNECT_REASON_CANCEL:
      return by_remote ? g_strdup_printf (_("%s cancelled the call"), peer_user_id)
                       : g_strdup (_("Call cancelled"));
    case DUET_DISCONNECT_REASON_BUSY:
    case DUET_DISCONNECT_REASON_ALREADY_GOT_A_CALL:
      return g_strdup_printf (_("%s is busy"), peer_user_id);
    case DUET_DISCONNECT_REASON_NOANSWER:
      return g_strdup (_("No answer"));
    /* The user's own other devices */
    case DUET_DISCONNECT_REASON_MULTIDEV_IN_USE:
      return g_strdup (_("You are already in a call on another device"));
    case DUET_DISCONNECT_REASON_MULTIDEV_ANSWER:
      return g_strdup (_("Answered on another device"));
    case DUET_DISCONNECT_REASON_MULTIDEV_DECLINE:
      return g_strdup (_("Declined on another device"));
    case DUET_DISCONNECT_REASON_NETWORK_UNSTABLE:
    case DUET_DISCONNECT_REASON_UNAVAILABLE_NETWORK:
    case DUET_DISCONNECT_REASON_MTU_EXCEEDED:
      return g_strdup (_("Connection lost"));
    case DUET_DISCONNECT_REASON_AUTH_ERROR:
    case DUET_DISCONNECT_REASON_SERVICE_ACCESS_TOKEN_ERROR:
      return g_strdup (_("Your sign-in is no longer valid"));
    case DUET_DISCONNECT_REASON_SERVICE_MAINTENANCE:
      return g_strdup (_("The server is restarting"));
    case DUET_DISCONNECT_REASON_MAX_CALL_TIME_EXCEEDED:
      return g_strdup (_("The call reached its time limit"));
    case DUET_DISCONNECT_REASON_AUDIO_TX_NO_SRC:
      return g_strdup (_("No microphone could be used"));
    case DUET_DISCONNECT_REASON_SYSTEM_SLEEP:
    case DUET_DISCONNECT_REASON_SYSTEM_LOGOFF:
    case DUET_DISCONNECT_REASON_DESKTOP_SCREEN_LOCKED:
    case DUET_DISCONNECT_REASON_APP_DESTROY:
      return by_remote ? g_strdup_printf (_("%s left the call"), peer_user_id)
                       : g_strdup (_("Call ended"));
    case DUET_DISCONNECT_REASON_CELL_CALL:
    case DUET_DISCONNECT_REASON_INTERNAL_ERROR:
    case DUET_DISCONNECT_REASON_USER_ERROR:
    case DUET_DISCONNECT_REASON_INTERNAL_KIT_ERROR:
    case DUET_DISCONNECT_REASON_PUSH_ERROR:
    case DUET_DISCONNECT_REASON_RELEASED_CALL:
    case DUET_DISCONNECT_REASON_SERVER_INTERNAL_ERROR:
    case DUET_DISCONNECT_REASON_APP_SERVER_DATA_ERROR:
    default:
      return g_strdup (_("The call failed"));
    }
}

/**
 * duet_call_window_describe_device_problem:
 *
 * Says what happened to the camera or microphone and what to do about
 * it; %NULL when nothing did.
 */
const char *
duet_call_window_describe_device_problem (DuetDeviceKind    kind,
                                          DuetDeviceProblem problem)
{
  gboolean camera = kind == DUET_DEVICE_KIND_CAMERA;

  if (kind == DUET_DEVICE_KIND_SPEAKER)
    return NULL;
  switch (problem)
    {
    case DUET_DEVICE_PROBLEM_MISSING:
      return camera ? _("No camera found. Your video is off until you connect one.")
                    : _("No microphone found. You are muted until you connect one.");
    case DUET_DEVICE_PROBLEM_DENIED:
      return camera ? _("Duet may not use the camera, so your video is off. Allow it in Settings › Apps › Duet.")
                    : _("Duet may not use the microphone, so you are muted. Allow it in Settings › Apps › Duet.");
    case DUET_DEVICE_PROBLEM_FAILED:
      return camera ? _("The camera stopped working, so your video is off. Choose another one from the menu, or plug it in again.")
                    : _("The microphone stopped working, so you are muted. Choose another one from the menu, or plug it in again.");
    case DUET_DEVICE_PROBLEM_NONE:
    default:
      return NULL;
    }
}

static const char *
quality_word (DuetNetworkQuality quality)
{
  switch (quality)
    {
    case DUET_NETWORK_QUALITY_GOOD:
      /* Translators: the quality of a call's connection */
      return C_("connection", "Good");
    case DUET_NETWORK_QUALITY_FAIR:
      /* Translators: the quality of a call's connection */
      return C_("connection", "Fair");
    case DUET_NETWORK_QUALITY_POOR:
      /* Translators: the quality of a call's connection */
      return C_("connection", "Poor");
    case DUET_NETWORK_QUALITY_UNKNOWN:
    default:
      /* Translators: the quality of a call's connection, not measured yet */
      return C_("connection", "Unknown");
    }
}

/**
 * duet_call_window_describe_quality:
 * @figures: the call's statistics; a zero figure is one not measured
 *
 * The connection quality icon's tooltip: the quality in a word, then the
 * figures behind it that are known.
 */
char *
duet_call_window_describe_quality (DuetNetworkQuality        quality,
                                   const DuetCallStatistics *figures)
{
  g_autoptr(GString) text = g_string_new (NULL);

  /* Translators: %s is the connection quality: Good, Fair, Poor */
  g_string_append_printf (text, _("Connection: %s"), quality_word (quality));

  if (figures->rtt_ms > 0)
    {
      double loss = CLAMP (figures->rx_loss, 0.0, 1.0) * 100;

      g_string_append_c (text, '\n');
      /* Translators: the round-trip time in milliseconds, then the share of
       * the other person's packets lost on the way, in percent (%.*f: with
       * one decimal below 1 %, so that a little loss does not read as none) */
      g_string_append_printf (text, _("Round trip %u ms, %.*f %% loss"), figures->rtt_ms,
                              loss > 0 && loss < 0.95 ? 1 : 0, loss);
    }

  g_string_append_c (text, '\n');
  if (figures->rx_width > 0 && figures->rx_height > 0)
    /* Translators: the other person's video as it arrives: width × height
     * in pixels, frames per second, kilobits per second */
    g_string_append_printf (text, _("%u×%u at %u frames/s, %u kbit/s"),
                            figures->rx_width, figures->rx_height, figures->rx_fps, figures->rx_kbps);
  else if (figures->rx_fps > 0)
    /* Translators: the other person's video as it arrives: frames per
     * second, kilobits per second */
    g_string_append_printf (text, _("%u frames/s, %u kbit/s"), figures->rx_fps, figures->rx_kbps);
  else
    /* Translators: kilobits per second arriving from the other person */
    g_string_append_printf (text, _("%u kbit/s received"), figures->rx_kbps);

  return g_string_free (g_steal_pointer (&text), FALSE);
}

static char *
format_duration (gint64 seconds)
{
  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", seconds / 3600,
                            (int) (seconds / 60 % 60), (int) (seconds % 60));
  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

static void
set_status (DuetCallWindow *self,
            const char     *text,
            gboolean        busy)
{
  gtk_label_set_label (self->status_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->status_spinner), busy);
  gtk_spinner_set_spinning (self->status_spinner, busy);
}

/* ---- indicators ---- */

static void
set_class (GtkWidget  *widget,
           const char *css_class,
           gboolean    on)
{
  if (on)
    gtk_widget_add_css_class (widget, css_class);
  else
    gtk_widget_remove_css_class (widget, css_class);
}

static gboolean
clock_cb (gpointer user_data)
{
  DuetCallWindow *self = user_data;
  g_autofree char *text = format_duration ((g_get_monotonic_time () - self->connected_at) / G_USEC_PER_SEC);

  if (self->reconnect_deadline == 0)
    set_status (self, text, FALSE);
  return G_SOURCE_CONTINUE;
}

/* ---- reconnecting ---- */

static gboolean
countdown_cb (gpointer user_data)
{
  DuetCallWindow *self = user_data;
  gint64 left = MAX (0, (self->reconnect_deadline - g_get_monotonic_time () + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  g_autofree char *text = NULL;

  /* Translators: %d is a number of seconds */
  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE,
                                       "The call ends in %d second unless the connection comes back",
                                       "The call ends in %d seconds unless the connection comes back",
                                       left), (int) left);
  gtk_label_set_label (self->reconnecting_label, text);
  return G_SOURCE_CONTINUE;
}

static void
stop_reconnecting_ui (DuetCallWindow *self)
{
  self->reconnect_deadline = 0;
  g_clear_handle_id (&self->countdown_id, g_source_remove);
  gtk_spinner_stop (self->reconnecting_spinner);
  gtk_widget_set_visible (self->reconnecting_box, FALSE);
}

static void update_hint (DuetCallWindow *self);

/* The peer's picture stays as it was: the view keeps its last frame */
static void
on_call_network_unavailable (DuetCallWindow *self,
                        guint           seconds_left)
{
  if (self->ended)
    return;
  self->reconnect_deadline = g_get_monotonic_time () + seconds_left * G_USEC_PER_SEC;
  set_status (self, _("Reconnecting…"), TRUE);
  countdown_cb (self);
  g_clear_handle_id (&self->countdown_id, g_source_remove);
  self->countdown_id = g_timeout_add_seconds (1, countdown_cb, self);
  gtk_spinner_start (self->reconnecting_spinner);
  gtk_widget_set_visible (self->reconnecting_box, TRUE);
  update_hint (self);
}

static void
on_call_network_available (DuetCallWindow *self)
{
  stop_reconnecting_ui (self);
  update_hint (self);
  if (!self->ended && self->clock_id != 0)
    clock_cb (self);
}

/* ---- connection quality ---- */

static DuetNetworkQuality
own_quality (DuetCallWindow *self)
{
  if (self->forced_quality >= 0)
    return self->forced_quality;
  return self->call ? duet_call_get_network_quality (self->call) : DUET_NETWORK_QUALITY_UNKNOWN;
}

static DuetNetworkQuality
peer_quality (DuetCallWindow *self)
{
  if (self->forced_peer_quality >= 0)
    return self->forced_peer_quality;
  return self->call ? duet_call_get_peer_network_quality (self->call) : DUET_NETWORK_QUALITY_UNKNOWN;
}

static void
update_quality_icon (DuetCallWindow *self)
{
  GtkWidget *widget = GTK_WIDGET (self->quality_icon);
  DuetNetworkQuality quality = own_quality (self);
  g_autofree char *tooltip = NULL;
  g_autofree char *label = NULL;
  const char *icon;

  /* The kit's judgement when it has one; the rates' guess until then */
  if (quality == DUET_NETWORK_QUALITY_UNKNOWN)
    quality = self->rate_quality;
  if (quality == DUET_NETWORK_QUALITY_UNKNOWN || self->ended)
    {
      gtk_widget_set_visible (widget, FALSE);
      return;
    }

  switch (quality)
    {
    case DUET_NETWORK_QUALITY_GOOD:
      icon = "network-cellular-signal-excellent-symbolic";
      break;
    case DUET_NETWORK_QUALITY_FAIR:
      icon = "network-cellular-signal-ok-symbolic";
      break;
    case DUET_NETWORK_QUALITY_POOR:
    case DUET_NETWORK_QUALITY_UNKNOWN:
    default:
      icon = "network-cellular-signal-weak-symbolic";
      break;
    }

  tooltip = duet_call_window_describe_quality (quality, &self->figures);
  /* Translators: read out for the connection quality icon; %s is Good, Fair or Poor */
  label = g_strdup_printf (_("Connection quality: %s"), quality_word (quality));
  gtk_image_set_from_icon_name (self->quality_icon, icon);
  gtk_widget_set_tooltip_text (widget, tooltip);
  gtk_accessible_update_property (GTK_ACCESSIBLE (widget), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
  gtk_widget_set_visible (widget, TRUE);
  set_class (widget, "warning", quality == DUET_NETWORK_QUALITY_FAIR);
  set_class (widget, "error", quality == DUET_NETWORK_QUALITY_POOR);
}

static DuetNetworkQuality
rate_quality (double rate,
              double good,
              double fair)
{
  if (rate >= good)
    return DUET_NETWORK_QUALITY_GOOD;
  if (rate >= fair)
    return DUET_NETWORK_QUALITY_FAIR;
  return DUET_NETWORK_QUALITY_POOR;
}

static guint64
counted_since (guint64 now,
               guint64 before)
{
  /* a new media session counts from 0 */
  return now >= before ? now - before : now;
}

/* Samples the statistics for the tooltip and, while the kit has no
 * quality yet, guesses one from what actually arrives: decoded frames and
 * audio packets per second against what a healthy call delivers (Opus
 * sends 50 packets/s; the kit's VP8 runs at 15–30 fps). */
static gboolean
quality_cb (gpointer user_data)
{
  DuetCallWindow *self = user_data;
  DuetCallStatistics stats = { 0 };
  gint64 now = g_get_monotonic_time ();
  double dt = (now - self->last_stats_at) / (double) G_USEC_PER_SEC;
  double fps, audio_rate;
  DuetNetworkQuality quality;

  if (self->call == NULL || dt <= 0)
    return G_SOURCE_CONTINUE;

  duet_call_get_statistics (self->call, &stats);
  fps = counted_since (stats.video_frames_decoded, self->last_stats.video_frames_decoded) / dt;
  audio_rate = counted_since (stats.audio_buffers_decoded, self->last_stats.audio_buffers_decoded) / dt;

  self->figures = stats;
  if (self->figures.rx_kbps == 0)
    self->figures.rx_kbps = (guint) (counted_since (stats.rx_bytes, self->last_stats.rx_bytes) * 8 / dt / 1000 + 0.5);
  if (self->figures.rx_fps == 0)
    self->figures.rx_fps = (guint) (fps + 0.5);
  /* The size of the picture the view shows, while it is live */
  if (self->figures.rx_width == 0 && self->figures.rx_fps > 0 && self->peer_paintable != NULL &&
      duet_call_get_peer_video_state (self->call) == DUET_VIDEO_STATE_ENABLED)
    {
      self->figures.rx_width = MAX (0, gdk_paintable_get_intrinsic_width (self->peer_paintable));
      self->figures.rx_height = MAX (0, gdk_paintable_get_intrinsic_height (self->peer_paintable));
    }
  self->last_stats = stats;
  self->last_stats_at = now;

  /* The worse of sound and picture; a worse quality is a larger value */
  quality = rate_quality (audio_rate, 40, 20);
  if (duet_call_get_peer_video_state (self->call) == DUET_VIDEO_STATE_ENABLED)
    quality = MAX (quality, rate_quality (fps, 12, 5));
  self->rate_quality = quality;

  update_quality_icon (self);
  return G_SOURCE_CONTINUE;
}

/* ---- the poor-connection hint ---- */

static gboolean
hint_deadline_cb (gpointer user_data)
{
  DuetCallWindow *self = user_data;

  self->hint_id = 0;
  update_hint (self);
  return G_SOURCE_REMOVE;
}

static void
update_hint (DuetCallWindow *self)
{
  gint64 now = g_get_monotonic_time ();
  DuetQualityHintKind kind;
  g_autofree char *text = NULL;
  gint64 deadline;
  GAction *action;

  g_clear_handle_id (&self->hint_id, g_source_remove);
  if (self->ended)
    duet_quality_hint_reset (self->hint);
  else
    duet_quality_hint_update (self->hint, own_quality (self), peer_quality (self), now);

  kind = duet_quality_hint_get_kind (self->hint);
  text = duet_quality_hint_describe (kind, self->peer_user_id);
  /* The label keeps its text while the revealer fades it out */
  if (text != NULL)
    gtk_label_set_label (self->hint_label, text);
  /* The reconnecting box says more while it shows */
  gtk_revealer_set_reveal_child (self->hint_revealer,
                                 kind != DUET_QUALITY_HINT_NONE && self->reconnect_deadline == 0);

  if (!self->ended && duet_quality_hint_get_deadline (self->hint, &deadline))
    self->hint_id = g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) MAX (0, (deadline - now + 999) / 1000),
                                        hint_deadline_cb, self, NULL);

  action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "quality-hint");
  if (action != NULL)
    g_simple_action_set_state (G_SIMPLE_ACTION (action),
                               g_variant_new_string (kind == DUET_QUALITY_HINT_OWN ? "own"
                                                     : kind == DUET_QUALITY_HINT_PEER ? "peer" : "none"));
}

static void
on_call_network_quality_changed (DuetCallWindow *self)
{
  g_debug ("Network quality: mine %s, the peer's %s",
           duet_network_quality_to_string (own_quality (self)),
           duet_network_quality_to_string (peer_quality (self)));
  update_quality_icon (self);
  update_hint (self);
}

static void
update_peer_video (DuetCallWindow *self)
{
  DuetVideoState state = self->call ? duet_call_get_peer_video_state (self->call)
                                    : DUET_VIDEO_STATE_DISABLED;
  gboolean connected = self->call && duet_call_get_state (self->call) == DUET_CALL_STATE_CONNECTED;
  gboolean picture = connected && state == DUET_VIDEO_STATE_ENABLED;
  gboolean paused_by_peer = state == DUET_VIDEO_STATE_PAUSED &&
                            self->peer_pause_reason != DUET_VIDEO_PAUSE_REASON_CAMERA_INACTIVE;
  const char *text = NULL;

  /* The view says how the call ended; nothing here may replace that */
  if (self->ended)
    {
      gtk_widget_set_visible (self->peer_avatar_box, FALSE);
      return;
    }

  /* Without a picture the view shows its placeholder, so the last frame
   * of a paused camera does not linger as if it were live */
  duet_video_view_set_paintable (self->peer_view, picture ? self->peer_paintable : NULL);

  if (!connected || picture)
    text = NULL;
  else if (state == DUET_VIDEO_STATE_PAUSED && !paused_by_peer)
    /* Translators: the other person's camera is missing or broken */
    text = _("No camera");
  else if (state == DUET_VIDEO_STATE_PAUSED)
    text = _("Camera paused");
  else if (state == DUET_VIDEO_STATE_DISABLED)
    text = duet_media_type_has_video (self->media_type) ? _("Camera off") : _("Audio call");

  /* A camera the peer paused shows as such; otherwise, without a picture,
   * there is only the person: their avatar, as in the incoming-call window */
  gtk_widget_set_visible (self->peer_avatar_box, !picture && !paused_by_peer);
  gtk_label_set_label (self->peer_avatar_label, text);
  gtk_widget_set_visible (GTK_WIDGET (self->peer_avatar_label), text != NULL);
  duet_video_view_set_placeholder_text (self->peer_view, paused_by_peer ? text : NULL);
  duet_video_view_set_placeholder_icon_name (self->peer_view, paused_by_peer ? "camera-disabled-symbolic" : NULL);
}

static void
on_call_peer_video_paused (DuetCallWindow       *self,
                      DuetVideoPauseReason  reason)
{
  self->peer_pause_reason = reason;
  update_peer_video (self);
}

/* ---- devices ---- */

static DuetDeviceProblem
camera_problem (DuetCallWindow *self)
{
  if (self->forced_camera_problem >= 0)
    return self->forced_camera_problem;
  return self->call ? duet_my_media_status_get_camera_problem (duet_call_get_my_media_status (self->call))
                    : DUET_DEVICE_PROBLEM_NONE;
}

static DuetDeviceProblem
microphone_problem (DuetCallWindow *self)
{
  if (self->forced_microphone_problem >= 0)
    return self->forced_microphone_problem;
  return self->call ? duet_my_media_status_get_microphone_problem (duet_call_get_my_media_status (self->call))
                    : DUET_DEVICE_PROBLEM_NONE;
}

static gboolean
test_sources (DuetCallWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  return DUET_IS_APPLICATION (app) && duet_application_get_test_sources (DUET_APPLICATION (app));
}

static void
fill_device_section (DuetCallWindow *self,
                     DuetDeviceKind  kind)
{
  GListModel *devices = duet_device_monitor_get_devices (duet_device_monitor_get_default (), kind);
  g_autofree char *action = g_strconcat ("call.", device_actions[kind], NULL);
  GMenu *section = self->device_sections[kind];
  g_autoptr(GMenuItem) item = NULL;

  g_menu_remove_all (section);
  /* Translators: the device the desktop uses unless told otherwise */
  item = g_menu_item_new (C_("device", "Default"), NULL);
  g_menu_item_set_action_and_target_value (item, action, g_variant_new_string (""));
  g_menu_append_item (section, item);
  for (guint i = 0; i < g_list_model_get_n_items (devices); i++)
    {
      g_autoptr(DuetDevice) device = g_list_model_get_item (devices, i);

      g_clear_object (&item);
      item = g_menu_item_new (duet_device_get_name (device), NULL);
      g_menu_item_set_action_and_target_value (item, action, g_variant_new_string (duet_device_get_id (device)));
      g_menu_append_item (section, item);
    }
}

static void update_actions (DuetCallWindow *self);

static void
on_devices_items_changed (GListModel     *devices,
                    guint           position,
                    guint           removed,
                    guint           added,
                    DuetCallWindow *self)
{
  for (DuetDeviceKind kind = 0; kind < G_N_ELEMENTS (device_actions); kind++)
    if (duet_device_monitor_get_devices (duet_device_monitor_get_default (), kind) == devices)
      fill_device_section (self, kind);
  update_actions (self);  /* a chosen device may be back */
}

static void
update_device_actions (DuetCallWindow *self,
                       gboolean        live)
{
  DuetDeviceMonitor *monitor = duet_device_monitor_get_default ();
  gboolean test = test_sources (self);

  for (DuetDeviceKind kind = 0; kind < G_N_ELEMENTS (device_actions); kind++)
    {
      GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), device_actions[kind]);
      const char *id = self->call ? duet_call_get_device (self->call, kind) : NULL;

      /* An unplugged choice: the kit uses the default until it is back */
      if (id == NULL || duet_device_monitor_lookup (monitor, kind, id) == NULL)
        id = "";
      g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (id));
      /* Test sources stand in for the camera and microphone, whatever is chosen */
      g_simple_action_set_enabled (G_SIMPLE_ACTION (action),
                                   live && (kind == DUET_DEVICE_KIND_SPEAKER || !test));
    }
}

static void
update_device_hint (DuetCallWindow *self,
                    DuetVideoState  video)
{
  /* The camera matters only while my video is on */
  const char *camera = self->ended || video == DUET_VIDEO_STATE_DISABLED ? NULL
                       : duet_call_window_describe_device_problem (DUET_DEVICE_KIND_CAMERA, camera_problem (self));
  const char *microphone = self->ended ? NULL
                           : duet_call_window_describe_device_problem (DUET_DEVICE_KIND_MICROPHONE,
                                                                       microphone_problem (self));
  g_autofree char *both = NULL;
  GAction *action;

  /* The labels keep their text while the revealer fades out */
  if (camera != NULL)
    gtk_label_set_label (self->camera_hint_label, camera);
  if (microphone != NULL)
    gtk_label_set_label (self->microphone_hint_label, microphone);
  if (camera != NULL || microphone != NULL)
    {
      gtk_widget_set_visible (self->camera_hint, camera != NULL);
      gtk_widget_set_visible (self->microphone_hint, microphone != NULL);
    }
  gtk_revealer_set_reveal_child (self->device_revealer, camera != NULL || microphone != NULL);

  action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "device-hint");
  if (action != NULL)
    {
      both = g_strjoin ("\n", camera ? camera : "", microphone ? microphone : "", NULL);
      g_strstrip (both);
      g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_string (both));
    }
}

static void
update_actions (DuetCallWindow *self)
{
  DuetMyMediaStatus *status = self->call ? duet_call_get_my_media_status (self->call) : NULL;
  DuetVideoState video = status ? duet_my_media_status_get_video_state (status) : DUET_VIDEO_STATE_DISABLED;
  gboolean live = self->call != NULL && !self->ended;
  gboolean connected = live && duet_call_get_state (self->call) == DUET_CALL_STATE_CONNECTED;
  DuetDeviceProblem camera = camera_problem (self);
  GAction *action;

  /* Nothing to unmute or resume until the device is back */
  action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "mute");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), live && microphone_problem (self) == DUET_DEVICE_PROBLEM_NONE);
  g_simple_action_set_state (G_SIMPLE_ACTION (action),
                             g_variant_new_boolean (status && duet_my_media_status_get_mic_muted (status)));

  action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "pause-video");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), connected && video != DUET_VIDEO_STATE_DISABLED &&
                               camera == DUET_DEVICE_PROBLEM_NONE);
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (video == DUET_VIDEO_STATE_PAUSED));

  action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "video");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), connected);
  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (video != DUET_VIDEO_STATE_DISABLED));

  action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "end");
  g_simple_action_set_enabled (G_SIMPLE_ACTION (action), !self->ended);

  gtk_button_set_icon_name (self->mute_button, status && duet_my_media_status_get_mic_muted (status)
                            ? "microphone-disabled-symbolic" : "audio-input-microphone-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->mute_button),
                               status && duet_my_media_status_get_mic_muted (status)
                               ? _("Unmute Microphone (Ctrl+M)") : _("Mute Microphone (Ctrl+M)"));
  gtk_button_set_icon_name (self->pause_button, video == DUET_VIDEO_STATE_PAUSED
                            ? "media-playback-start-symbolic" : "media-playback-pause-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->pause_button), video == DUET_VIDEO_STATE_PAUSED
                               ? _("Resume Video (Ctrl+Shift+V)") : _("Pause Video (Ctrl+Shift+V)"));
  gtk_button_set_icon_name (self->video_button, video == DUET_VIDEO_STATE_DISABLED
                            ? "camera-disabled-symbolic" : "camera-video-symbolic");
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->video_button), video == DUET_VIDEO_STATE_DISABLED
                               ? _("Turn Video On (Ctrl+Shift+D)") : _("Turn Video Off (Ctrl+Shift+D)"));
  /* GTK 4.8's toggle buttons set their pressed state only once it
   * changes: say it from the start */
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->mute_button), GTK_ACCESSIBLE_STATE_PRESSED,
                               status && duet_my_media_status_get_mic_muted (status), -1);
  gtk_accessible_update_state (GTK_ACCESSIBLE (self->pause_button), GTK_ACCESSIBLE_STATE_PRESSED,
                               video == DUET_VIDEO_STATE_PAUSED, -1);
  /* Mute and pause are toggles whose pressed state speaks for them; this
   * one is a plain button, so its name says what it does next */
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->video_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  video == DUET_VIDEO_STATE_DISABLED ? _("Turn Video On") : _("Turn Video Off"),
                                  -1);

  /* A control that took something away stands out, as in GNOME Calls */
  set_class (GTK_WIDGET (self->mute_button), "off", status && duet_my_media_status_get_mic_muted (status));
  set_class (GTK_WIDGET (self->pause_button), "off", video == DUET_VIDEO_STATE_PAUSED);
  set_class (GTK_WIDGET (self->video_button), "off", video == DUET_VIDEO_STATE_DISABLED);

  gtk_widget_set_visible (GTK_WIDGET (self->self_view), video != DUET_VIDEO_STATE_DISABLED);
  if (camera != DUET_DEVICE_PROBLEM_NONE)
    {
      /* What the peer sees: me without a picture */
      duet_video_view_set_placeholder_icon_name (self->self_view, "avatar-default-symbolic");
      duet_video_view_set_placeholder_text (self->self_view,
                                            camera == DUET_DEVICE_PROBLEM_MISSING ? _("No camera")
                                            : camera == DUET_DEVICE_PROBLEM_DENIED ? _("Camera not allowed")
                                            : _("Camera not working"));
    }
  else
    {
      duet_video_view_set_placeholder_icon_name (self->self_view, "camera-disabled-symbolic");
      duet_video_view_set_placeholder_text (self->self_view,
                                            video == DUET_VIDEO_STATE_PAUSED ? _("Paused") : NULL);
    }
  if (self->self_sink_bin != NULL)
    {
      /* Hide my own last frame while paused, like the peer sees it */
      DuetVideoSink *sink = g_object_get_data (G_OBJECT (self->self_sink_bin), "duet-sink");

      duet_video_view_set_paintable (self->self_view,
                                     video == DUET_VIDEO_STATE_ENABLED && camera == DUET_DEVICE_PROBLEM_NONE && sink
                                     ? GDK_PAINTABLE (duet_video_sink_get_paintable (sink)) : NULL);
    }

  update_device_actions (self, live);
  update_device_hint (self, video);
}

/* ---- call events ---- */

static gboolean
close_cb (gpointer user_data)
{
  DuetCallWindow *self = user_data;

  self->close_id = 0;
  gtk_window_destroy (GTK_WINDOW (self));
  return G_SOURCE_REMOVE;
}

static void
end_ui (DuetCallWindow *self,
        const char     *message)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  self->ended = TRUE;
  stop_reconnecting_ui (self);
  update_hint (self);
  g_clear_handle_id (&self->clock_id, g_source_remove);
  g_clear_handle_id (&self->quality_id, g_source_remove);
  if (self->inhibit_cookie != 0 && app != NULL)
    gtk_application_uninhibit (app, self->inhibit_cookie);
  self->inhibit_cookie = 0;

  set_status (self, message, FALSE);
  gtk_widget_set_visible (self->peer_avatar_box, FALSE);
  duet_video_view_set_paintable (self->peer_view, NULL);
  duet_video_view_set_placeholder_text (self->peer_view, message);
  duet_video_view_set_placeholder_icon_name (self->peer_view, "call-stop-symbolic");
  gtk_widget_set_visible (GTK_WIDGET (self->self_view), FALSE);
  gtk_widget_set_visible (GTK_WIDGET (self->quality_icon), FALSE);
  gtk_widget_set_sensitive (self->controls, FALSE);
  update_actions (self);

  /* Long enough to read why, short enough not to be in the way */
  if (self->close_id == 0)
    self->close_id = g_timeout_add (CLOSE_AFTER_END_MS, close_cb, self);
}

static void
on_call_wait_connected (DuetCallWindow *self)
{
  g_autofree char *text = g_strdup_printf (_("Calling %s…"), self->peer_user_id);

  set_status (self, text, TRUE);
}

static void
on_call_verified (DuetCallWindow *self)
{
  set_status (self, _("Ringing…"), TRUE);
}

static void
on_call_connected (DuetCallWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  self->connected_at = g_get_monotonic_time ();
  clock_cb (self);
  self->clock_id = g_timeout_add_seconds (1, clock_cb, self);

  self->last_stats = (DuetCallStatistics) { 0 };
  duet_call_get_statistics (self->call, &self->last_stats);
  self->last_stats_at = g_get_monotonic_time ();
  self->figures = (DuetCallStatistics) { 0 };
  self->rate_quality = DUET_NETWORK_QUALITY_UNKNOWN;
  g_clear_handle_id (&self->quality_id, g_source_remove);
  self->quality_id = g_timeout_add_seconds (QUALITY_INTERVAL_S, quality_cb, self);
  update_quality_icon (self);
  update_hint (self);

  /* A call must not be cut off by the screen saver or suspend; once is
   * enough when the call connects again after a network change */
  if (app != NULL && self->inhibit_cookie == 0)
    self->inhibit_cookie = gtk_application_inhibit (app, GTK_WINDOW (self),
                                                    GTK_APPLICATION_INHIBIT_IDLE |
                                                    GTK_APPLICATION_INHIBIT_SUSPEND,
                                                    _("In a call"));
  update_peer_video (self);
  update_actions (self);
}

static void
on_call_disconnected (DuetCallWindow       *self,
                 DuetDisconnectReason  reason,
                 DuetDisconnectSource  source,
                 gboolean              by_remote)
{
  g_autofree char *message = duet_call_window_describe_end (reason, by_remote, self->peer_user_id);

  end_ui (self, message);
}

static void
on_call_peer_mic_muted_changed (DuetCallWindow *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->peer_muted_icon),
                          self->call && duet_call_get_peer_mic_muted (self->call));
}

/* ---- actions ---- */

static void
mute_activated (GSimpleAction *action,
                GVariant      *parameter,
                gpointer       user_data)
{
  DuetCallWindow *self = user_data;
  DuetMyMediaStatus *status = duet_call_get_my_media_status (self->call);

  duet_call_mute_my_audio (self->call, !duet_my_media_status_get_mic_muted (status));
  update_actions (self);
}

static void
pause_video_activated (GSimpleAction *action,
                       GVariant      *parameter,
                       gpointer       user_data)
{
  DuetCallWindow *self = user_data;
  DuetMyMediaStatus *status = duet_call_get_my_media_status (self->call);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (duet_my_media_status_get_video_state (status) == DUET_VIDEO_STATE_PAUSED)
    ok = duet_call_resume_my_video (self->call, &error);
  else
    ok = duet_call_pause_my_video (self->call, &error);
  if (!ok)
    g_message ("Cannot change the video: %s", error->message);
  update_actions (self);
}

static void
video_activated (GSimpleAction *action,
                 GVariant      *parameter,
                 gpointer       user_data)
{
  DuetCallWindow *self = user_data;
  DuetMyMediaStatus *status = duet_call_get_my_media_status (self->call);
  g_autoptr(GError) error = NULL;
  gboolean ok;

  if (duet_my_media_status_get_video_state (status) == DUET_VIDEO_STATE_DISABLED)
    ok = duet_call_enable_video (self->call, DUET_INITIAL_VIDEO_STATE_RESUME, &error);
  else
    ok = duet_call_disable_video (self->call, DUET_MEDIA_DISABLED_REASON_USER, &error);
  if (!ok)
    g_message ("Cannot change the video: %s", error->message);
  update_actions (self);
}

static void
device_activated (GSimpleAction *action,
                  GVariant      *parameter,
                  gpointer       user_data)
{
  DuetCallWindow *self = user_data;
  const char *name = g_action_get_name (G_ACTION (action));
  const char *id = g_variant_get_string (parameter, NULL);

  for (DuetDeviceKind kind = 0; kind < G_N_ELEMENTS (device_actions); kind++)
    if (g_str_equal (name, device_actions[kind]))
      duet_call_set_device (self->call, kind, *id != '\0' ? id : NULL);
  update_actions (self);
}

static void
end_activated (GSimpleAction *action,
               GVariant      *parameter,
               gpointer       user_data)
{
  DuetCallWindow *self = user_data;

  if (self->call != NULL && duet_call_get_state (self->call) != DUET_CALL_STATE_DISCONNECTED)
    duet_call_end_call (self->call);
  else
    gtk_window_destroy (GTK_WINDOW (self));
}

static void
fullscreen_activated (GSimpleAction *action,
                      GVariant      *parameter,
                      gpointer       user_data)
{
  DuetCallWindow *self = user_data;

  if (gtk_window_is_fullscreen (GTK_WINDOW (self)))
    gtk_window_unfullscreen (GTK_WINDOW (self));
  else
    gtk_window_fullscreen (GTK_WINDOW (self));
}

static void
leave_fullscreen_activated (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  gtk_window_unfullscreen (GTK_WINDOW (user_data));
}

/* Test hook (DUET_TEST_HOOKS=1 only): writes the newest peer frame as PNG,
 * so a test can look at the pixels the call delivered */
static void
save_peer_frame_activated (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  DuetCallWindow *self = user_data;
  GdkTexture *texture = NULL;

  if (DUET_IS_VIDEO_PAINTABLE (self->peer_paintable))
    texture = duet_video_paintable_get_texture (DUET_VIDEO_PAINTABLE (self->peer_paintable));
  if (texture == NULL || !gdk_texture_save_to_png (texture, g_variant_get_string (parameter, NULL)))
    g_message ("No peer frame to save");
}

static int
parse_forced_problem (const char *nick)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (DUET_TYPE_DEVICE_PROBLEM);
  GEnumValue *value = g_enum_get_value_by_nick (klass, nick);

  return value != NULL ? value->value : -1;
}

/* Test hook (DUET_TEST_HOOKS=1 only): ("CAMERA", "MICROPHONE") stand in
 * for my media status's camera-problem and microphone-problem ("missing",
 * "denied", "failed", "none"; "" follows the call again), so the notes and
 * the self view can be shown with devices that work */
static void
force_device_problem_activated (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  DuetCallWindow *self = user_data;
  const char *camera, *microphone;

  g_variant_get (parameter, "(&s&s)", &camera, &microphone);
  self->forced_camera_problem = parse_forced_problem (camera);
  self->forced_microphone_problem = parse_forced_problem (microphone);
  update_actions (self);
}

/* Test hook (DUET_TEST_HOOKS=1 only): opens (true) or closes the device
 * menu, for a screenshot */
static void
show_device_menu_activated (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  DuetCallWindow *self = user_data;

  if (g_variant_get_boolean (parameter))
    gtk_menu_button_popup (self->device_button);
  else
    gtk_menu_button_popdown (self->device_button);
}

static int
parse_forced_quality (const char *nick)
{
  DuetNetworkQuality quality;

  return duet_network_quality_from_string (nick, &quality) ? (int) quality : -1;
}

/* Test hook (DUET_TEST_HOOKS=1 only): ("OWN", "PEER") stand in for the
 * call's network-quality and peer-network-quality ("good", "poor", …; ""
 * follows the call again), so the icon and the hint can be shown without
 * a bad network */
static void
force_network_quality_activated (GSimpleAction *action,
                                 GVariant      *parameter,
                                 gpointer       user_data)
{
  DuetCallWindow *self = user_data;
  const char *own, *peer;

  g_variant_get (parameter, "(&s&s)", &own, &peer);
  self->forced_quality = parse_forced_quality (own);
  self->forced_peer_quality = parse_forced_quality (peer);
  on_call_network_quality_changed (self);
}

/* quality-hint and device-hint (test hooks only) are states to read:
 * "none", "own", "peer"; the device notes' text, "" without any */
static const GActionEntry test_actions[] = {
  { "save-peer-frame", save_peer_frame_activated, "s" },
  { "force-network-quality", force_network_quality_activated, "(ss)" },
  { "force-device-problem", force_device_problem_activated, "(ss)" },
  { "show-device-menu", show_device_menu_activated, "b" },
  { "quality-hint", NULL, NULL, "'none'" },
  { "device-hint", NULL, NULL, "''" },
};

static const GActionEntry call_actions[] = {
  { "mute", mute_activated, NULL, "false" },
  { "pause-video", pause_video_activated, NULL, "false" },
  { "video", video_activated, NULL, "true" },
  { "end", end_activated },
  { "fullscreen", fullscreen_activated, NULL, "false" },
  { "leave-fullscreen", leave_fullscreen_activated },
  { "camera", device_activated, "s", "''" },
  { "microphone", device_activated, "s", "''" },
  { "speaker", device_activated, "s", "''" },
};

static void
on_fullscreened_changed (DuetCallWindow *self)
{
  gboolean fullscreen = gtk_window_is_fullscreen (GTK_WINDOW (self));
  GAction *action = g_action_map_lookup_action (G_ACTION_MAP (self->actions), "fullscreen");

  g_simple_action_set_state (G_SIMPLE_ACTION (action), g_variant_new_boolean (fullscreen));
  gtk_button_set_icon_name (self->fullscreen_button,
                            fullscreen ? "view-restore-symbolic" : "view-fullscreen-symbolic");
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->fullscreen_button), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  fullscreen ? _("Leave Fullscreen") : _("Fullscreen"), -1);
}

static void
on_peer_view_pressed (DuetCallWindow *self,
                      int             n_press)
{
  if (n_press == 2)
    g_action_group_activate_action (G_ACTION_GROUP (self->actions), "fullscreen", NULL);
}

static void
add_shortcut (GtkShortcutController *controller,
              const char            *accelerator,
              const char            *action)
{
  gtk_shortcut_controller_add_shortcut (controller,
                                        gtk_shortcut_new (gtk_shortcut_trigger_parse_string (accelerator),
                                                          gtk_named_action_new (action)));
}

/* Scripts and the tests drive a call with org.gtk.Actions on the bus */
static void
export_actions (DuetCallWindow *self)
{
  GApplication *app = G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self)));
  GDBusConnection *connection = app ? g_application_get_dbus_connection (app) : NULL;
  g_autoptr(GError) error = NULL;

  if (connection == NULL)
    return;
  self->export_id = g_dbus_connection_export_action_group (connection, CALL_ACTIONS_PATH,
                                                           G_ACTION_GROUP (self->actions), &error);
  if (self->export_id == 0)
    g_debug ("Call actions not on the bus: %s", error->message);
  else
    self->export_connection = g_object_ref (connection);
}

/* ---- GObject ---- */

static gboolean
duet_call_window_close_request (GtkWindow *window)
{
  DuetCallWindow *self = DUET_CALL_WINDOW (window);

  /* Closing the window hangs up, as in GNOME Calls */
  if (self->call != NULL && duet_call_get_state (self->call) != DUET_CALL_STATE_DISCONNECTED)
    duet_call_end_call (self->call);
  return GTK_WINDOW_CLASS (duet_call_window_parent_class)->close_request (window);
}

static void
detach_call (DuetCallWindow *self)
{
  if (self->call == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->call, self);
  g_signal_handlers_disconnect_by_data (duet_call_get_my_media_status (self->call), self);
  if (self->peer_sink_bin != NULL)
    duet_call_remove_peer_video_view (self->call, self->peer_sink_bin);
  if (self->self_sink_bin != NULL)
    duet_call_remove_my_video_view (self->call, self->self_sink_bin);
  g_clear_object (&self->call);
}

static void
duet_call_window_dispose (GObject *object)
{
  DuetCallWindow *self = DUET_CALL_WINDOW (object);
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  g_clear_handle_id (&self->clock_id, g_source_remove);
  g_clear_handle_id (&self->countdown_id, g_source_remove);
  g_clear_handle_id (&self->quality_id, g_source_remove);
  g_clear_handle_id (&self->hint_id, g_source_remove);
  g_clear_handle_id (&self->close_id, g_source_remove);
  if (self->inhibit_cookie != 0 && app != NULL)
    gtk_application_uninhibit (app, self->inhibit_cookie);
  self->inhibit_cookie = 0;
  if (self->export_id != 0)
    g_dbus_connection_unexport_action_group (self->export_connection, self->export_id);
  self->export_id = 0;
  g_clear_object (&self->export_connection);

  /* Closed while dialling: nobody wants the call when it comes */
  if (self->centre != NULL && self->call == NULL && !self->ended && self->outgoing)
    duet_call_centre_abandon_dial (self->centre);
  g_clear_object (&self->centre);
  detach_call (self);
  gst_clear_object (&self->peer_sink_bin);
  gst_clear_object (&self->self_sink_bin);
  g_clear_object (&self->peer_paintable);
  g_clear_object (&self->actions);
  g_clear_object (&self->hint);
  for (guint i = 0; i < G_N_ELEMENTS (self->device_sections); i++)
    g_clear_object (&self->device_sections[i]);
  gtk_widget_dispose_template (GTK_WIDGET (self), DUET_TYPE_CALL_WINDOW);

  G_OBJECT_CLASS (duet_call_window_parent_class)->dispose (object);
}

static void
duet_call_window_finalize (GObject *object)
{
  DuetCallWindow *self = DUET_CALL_WINDOW (object);

  g_free (self->peer_user_id);

  G_OBJECT_CLASS (duet_call_window_parent_class)->finalize (object);
}

static void
duet_call_window_class_init (DuetCallWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = duet_call_window_dispose;
  object_class->finalize = duet_call_window_finalize;
  window_class->close_request = duet_call_window_close_request;

  g_type_ensure (DUET_TYPE_VIDEO_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class, "/org/duet/Duet/ui/duet-call-window.ui");
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, peer_view);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, self_view);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, peer_avatar_box);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, peer_avatar);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, peer_avatar_label);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, peer_label);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, status_label);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, status_spinner);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, quality_icon);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, peer_muted_icon);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, controls);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, mute_button);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, pause_button);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, video_button);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, fullscreen_button);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, reconnecting_box);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, reconnecting_spinner);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, reconnecting_label);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, hint_revealer);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, hint_label);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, device_button);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, device_revealer);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, camera_hint);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, camera_hint_label);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, microphone_hint);
  gtk_widget_class_bind_template_child (widget_class, DuetCallWindow, microphone_hint_label);
  gtk_widget_class_bind_template_callback (widget_class, on_peer_view_pressed);
}

static void
duet_call_window_init (DuetCallWindow *self)
{
  GtkEventController *shortcuts;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->hint = duet_quality_hint_new ();
  self->forced_quality = -1;
  self->forced_peer_quality = -1;
  self->forced_camera_problem = -1;
  self->forced_microphone_problem = -1;

  self->actions = g_simple_action_group_new ();
  g_action_map_add_action_entries (G_ACTION_MAP (self->actions), call_actions,
                                   G_N_ELEMENTS (call_actions), self);
  if (g_strcmp0 (g_getenv ("DUET_TEST_HOOKS"), "1") == 0)
    {
      g_action_map_add_action_entries (G_ACTION_MAP (self->actions), test_actions,
                                       G_N_ELEMENTS (test_actions), self);
      /* Read only */
      g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions),
                                                                                 "quality-hint")), FALSE);
      g_simple_action_set_enabled (G_SIMPLE_ACTION (g_action_map_lookup_action (G_ACTION_MAP (self->actions),
                                                                                 "device-hint")), FALSE);
    }
  gtk_widget_insert_action_group (GTK_WIDGET (self), "call", G_ACTION_GROUP (self->actions));

  /* The device menu: a section per kind, refilled as devices come and go */
  {
    const char *titles[] = { _("Camera"), _("Microphone"), _("Speaker") };
    g_autoptr(GMenu) menu = g_menu_new ();
    DuetDeviceMonitor *monitor = duet_device_monitor_get_default ();

    for (DuetDeviceKind kind = 0; kind < G_N_ELEMENTS (device_actions); kind++)
      {
        self->device_sections[kind] = g_menu_new ();
        fill_device_section (self, kind);
        g_menu_append_section (menu, titles[kind], G_MENU_MODEL (self->device_sections[kind]));
        g_signal_connect_object (duet_device_monitor_get_devices (monitor, kind), "items-changed",
                                 G_CALLBACK (on_devices_items_changed), self, 0);
      }
    gtk_menu_button_set_menu_model (self->device_button, G_MENU_MODEL (menu));
  }

  /* Capture phase: the shortcuts work whichever control has the focus */
  shortcuts = gtk_shortcut_controller_new ();
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), "<Control>m", "call.mute");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), "<Control><Shift>v", "call.pause-video");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), "<Control><Shift>d", "call.video");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), "<Control>e", "call.end");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), "F11", "call.fullscreen");
  add_shortcut (GTK_SHORTCUT_CONTROLLER (shortcuts), "Escape", "call.leave-fullscreen");
  gtk_widget_add_controller (GTK_WIDGET (self), shortcuts);

  g_signal_connect (self, "notify::fullscreened", G_CALLBACK (on_fullscreened_changed), NULL);
  update_actions (self);
}

DuetCallWindow *
duet_call_window_new (GtkApplication *application,
                      const char     *peer_user_id,
                      DuetMediaType   media_type,
                      gboolean        outgoing)
{
  DuetCallWindow *self = g_object_new (DUET_TYPE_CALL_WINDOW, "application", application, NULL);
  g_autofree char *title = g_strdup_printf (_("Call with %s"), peer_user_id);

  self->peer_user_id = g_strdup (peer_user_id);
  self->media_type = media_type;
  self->outgoing = outgoing;
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_label_set_label (self->peer_label, peer_user_id);
  adw_avatar_set_text (self->peer_avatar, peer_user_id);
  if (outgoing)
    {
      g_autofree char *text = g_strdup_printf (_("Calling %s…"), peer_user_id);
      set_status (self, text, TRUE);
    }
  else
    set_status (self, _("Connecting…"), TRUE);
  update_peer_video (self);
  export_actions (self);
  return self;
}

DuetCall *
duet_call_window_get_call (DuetCallWindow *self)
{
  g_return_val_if_fail (DUET_IS_CALL_WINDOW (self), NULL);
  return self->call;
}

/**
 * duet_call_window_get_peer_paintable:
 *
 * Returns: (transfer none) (nullable): the peer's video, also while hidden
 */
GdkPaintable *
duet_call_window_get_peer_paintable (DuetCallWindow *self)
{
  g_return_val_if_fail (DUET_IS_CALL_WINDOW (self), NULL);
  return self->peer_paintable;
}

static GstElement *
make_view_bin (DuetVideoSink **sink)
{
  GstElement *bin = duet_video_sink_new_bin (sink);

  if (bin == NULL)
    return NULL;
  g_object_set_data (G_OBJECT (bin), "duet-sink", *sink);
  return gst_object_ref_sink (bin);
}

void
duet_call_window_set_call (DuetCallWindow *self,
                           DuetCall       *call)
{
  DuetVideoSink *peer_sink = NULL;
  DuetVideoSink *self_sink = NULL;

  g_return_if_fail (DUET_IS_CALL_WINDOW (self));
  g_return_if_fail (DUET_IS_CALL (call));

  detach_call (self);
  self->call = g_object_ref (call);
  self->media_type = duet_call_get_media_type (call);
  self->peer_pause_reason = DUET_VIDEO_PAUSE_REASON_BY_USER;
  duet_quality_hint_reset (self->hint);

  g_signal_connect_swapped (call, "wait-connected", G_CALLBACK (on_call_wait_connected), self);
  g_signal_connect_swapped (call, "verified", G_CALLBACK (on_call_verified), self);
  g_signal_connect_swapped (call, "connected", G_CALLBACK (on_call_connected), self);
  g_signal_connect_swapped (call, "disconnected", G_CALLBACK (on_call_disconnected), self);
  g_signal_connect_swapped (call, "network-unavailable", G_CALLBACK (on_call_network_unavailable), self);
  g_signal_connect_swapped (call, "network-available", G_CALLBACK (on_call_network_available), self);
  g_signal_connect_swapped (call, "notify::peer-mic-muted", G_CALLBACK (on_call_peer_mic_muted_changed), self);
  g_signal_connect_swapped (call, "notify::peer-video-state", G_CALLBACK (update_peer_video), self);
  g_signal_connect_swapped (call, "peer-video-paused", G_CALLBACK (on_call_peer_video_paused), self);
  g_signal_connect_swapped (call, "notify::camera", G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (call, "notify::microphone", G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (call, "notify::speaker", G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (call, "notify::media-type", G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (call, "notify::network-quality", G_CALLBACK (on_call_network_quality_changed), self);
  g_signal_connect_swapped (call, "notify::peer-network-quality", G_CALLBACK (on_call_network_quality_changed), self);
  g_signal_connect_swapped (duet_call_get_my_media_status (call), "notify::mic-muted",
                            G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (duet_call_get_my_media_status (call), "notify::video-state",
                            G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (duet_call_get_my_media_status (call), "notify::camera-problem",
                            G_CALLBACK (update_actions), self);
  g_signal_connect_swapped (duet_call_get_my_media_status (call), "notify::microphone-problem",
                            G_CALLBACK (update_actions), self);

  if (self->peer_sink_bin == NULL)
    {
      self->peer_sink_bin = make_view_bin (&peer_sink);
      if (peer_sink != NULL)
        self->peer_paintable = g_object_ref (GDK_PAINTABLE (duet_video_sink_get_paintable (peer_sink)));
    }
  if (self->self_sink_bin == NULL)
    self->self_sink_bin = make_view_bin (&self_sink);
  if (self->peer_sink_bin != NULL)
    duet_call_add_peer_video_view (call, self->peer_sink_bin);
  if (self->self_sink_bin != NULL)
    duet_call_add_my_video_view (call, self->self_sink_bin);

  switch (duet_call_get_state (call))
    {
    case DUET_CALL_STATE_VERIFIED:
      if (duet_call_get_is_caller (call))
        on_call_verified (self);
      break;
    case DUET_CALL_STATE_CONNECTED:
      on_call_connected (self);
      break;
    case DUET_CALL_STATE_DISCONNECTED:
      end_ui (self, _("Call ended"));
      break;
    case DUET_CALL_STATE_IDLE:
    case DUET_CALL_STATE_WAITING:
    default:
      break;
    }
  on_call_peer_mic_muted_changed (self);
  update_peer_video (self);
  update_actions (self);
}

void
duet_call_window_fail (DuetCallWindow *self,
                       const char     *message)
{
  g_return_if_fail (DUET_IS_CALL_WINDOW (self));
  end_ui (self, message);
}

/* ---- following the call centre ---- */

/* Only a window still waiting for its call takes one */
static gboolean
waiting_for_call (DuetCallWindow *self)
{
  return self->call == NULL && !self->ended;
}

static void
on_centre_active_call_changed (DuetCallWindow *self,
                               GParamSpec     *pspec,
                               DuetCallCentre *centre)
{
  DuetCall *call = duet_call_centre_get_active_call (centre);

  if (call != NULL && waiting_for_call (self))
    duet_call_window_set_call (self, call);
}

static void
on_centre_call_failed (DuetCallWindow *self,
                       const char     *message)
{
  if (waiting_for_call (self))
    duet_call_window_fail (self, message);
}

/**
 * duet_call_window_follow:
 * @centre: the call centre that has just announced this window's call
 *   (#DuetCallCentre::call-added)
 *
 * The window shows the call once @centre has made or accepted it, or why
 * it failed.
 */
void
duet_call_window_follow (DuetCallWindow *self,
                         DuetCallCentre *centre)
{
  g_return_if_fail (DUET_IS_CALL_WINDOW (self));
  g_return_if_fail (DUET_IS_CALL_CENTRE (centre));

  g_set_object (&self->centre, centre);
  g_signal_connect_object (centre, "notify::active-call",
                           G_CALLBACK (on_centre_active_call_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (centre, "call-failed",
                           G_CALLBACK (on_centre_call_failed), self, G_CONNECT_SWAPPED);
}
