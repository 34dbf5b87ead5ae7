/* duet-call.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Glue between the server's call state machine (DuetSignalling events)
 * and the media (DuetMediaSession). Mute and video changes go to the peer
 * twice: over the WebRTC data channel, which survives an app-server
 * restart, and as media_state through the server. While the data channel
 * is open the server copy coming back is ignored, as it may be stale.
 */
#define G_LOG_DOMAIN "DuetCall"

#include <string.h>

#include "duet-call-private.h"
#include "duet-kit-enum-types.h"
#include "duet-kit-error.h"
#include "duet-media-session.h"
#include "duet-my-media-status-private.h"

#define END_FALLBACK_MS 3000
/* While the path is lost the caller offers a fresh one this often: an
 * offer may be lost with the signalling connection, and the peer's
 * network may come back on another address */
#define NEW_PATH_RETRY_MS 4000
/* A network change while the path works gets a fresh path after this */
#define NETWORK_CHANGE_SETTLE_MS 1000

struct _DuetCall
{
  GObject                parent_instance;

  DuetSignalling        *signalling;
  DuetMediaSession      *media;
  DuetMyMediaStatus     *my_media_status;

  /* Network changes: a fresh media session is built beside the current one
   * and swapped in once the peer is heard on it (webrtcbin 1.22 has no ICE
   * restart); sessions are numbered so that late signals find theirs */
  DuetMediaFactory       media_factory;
  gpointer               factory_owner;   /* weak */
  DuetMediaSession      *pending;
  guint                  generation;      /* of media */
  guint                  pending_generation;
  guint                  last_generation;
  GPtrArray             *my_views;        /* GstElement sinks, kept across swaps */
  GPtrArray             *peer_views;
  guint                  network_grace_s;
  gboolean               network_lost;
  guint                  grace_source;
  guint                  retry_source;
  GNetworkMonitor       *monitor;

  char                  *call_id;
  char                  *peer_user_id;
  char                  *peer_service_id;
  gboolean               is_caller;
  DuetCallState          state;
  DuetMediaType          media_type;
  DuetVideoState         my_video_state;
  gboolean               peer_mic_muted;
  gboolean               peer_state_on_channel;   /* its media_state came over the channel */
  DuetVideoState         peer_video_state;
  gboolean               ending;
  gboolean               in_preparation;      /* responder preparation, either side */
  DuetNetworkQuality     network_quality;
  DuetNetworkQuality     peer_network_quality;
  char                  *my_user_code;        /* the code this side ended with */
  GPtrArray             *local_mids;   /* a=mid values of our SDP, by m-line */
  gboolean               wait_connected_pending;
  guint                  wait_connected_source;
  guint                  end_fallback;

  char                  *device_ids[3];   /* chosen for this call; NULL for the default */
  const char            *my_video_reason; /* why my video is paused or disabled, for the peer */
  gboolean               paused_for_camera;   /* no camera: paused by the kit, not the user */
  gboolean               muted_for_microphone;
};

/**
 * DuetCall:
 *
 * One 1-to-1 call, PlanetKit's PlanetKitCall: from
 * duet_manager_make_call_finish() on the caller's side and
 * duet_manager_verify_call_finish() on the callee's. Its signals are
 * PlanetKit's call events; its methods answer, end and control the call.
 * A call never sends media before the callee accepts.
 */
G_DEFINE_FINAL_TYPE (DuetCall, duet_call, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CALL_ID,
  PROP_STATE,
  PROP_IS_CALLER,
  PROP_MEDIA_TYPE,
  PROP_PEER_USER_ID,
  PROP_PEER_SERVICE_ID,
  PROP_PEER_MIC_MUTED,
  PROP_PEER_VIDEO_STATE,
  PROP_MY_MEDIA_STATUS,
  PROP_IN_RESPONDER_PREPARATION,
  PROP_NETWORK_QUALITY,
  PROP_PEER_NETWORK_QUALITY,
  PROP_CAMERA,
  PROP_MICROPHONE,
  PROP_SPEAKER,
  N_PROPS
};

enum {
  WAIT_CONNECTED,
  VERIFIED,
  CONNECTED,
  DISCONNECTED,
  PEER_MIC_MUTED,
  PEER_MIC_UNMUTED,
  PEER_VIDEO_PAUSED,
  PEER_VIDEO_RESUMED,
  VIDEO_ENABLED_BY_PEER,
  VIDEO_DISABLED_BY_PEER,
  DEVICE_WARNING,
  MEDIA_REJECTED,
  NETWORK_UNAVAILABLE,
  NETWORK_AVAILABLE,
  SHORT_DATA_RECEIVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static DuetMediaSession *try_new_path      (DuetCall *self,
                                            guint     number);
static void              drop_pending      (DuetCall *self);
static void              stop_reconnecting (DuetCall *self);
static void              swap_in_pending   (DuetCall *self);

/* ---- sending ---- */

/* Fire and forget: kept across reconnects until the server has it */
static void
send_request (DuetCall   *self,
              JsonObject *message)
{
  duet_signalling_send (self->signalling, message);
  json_object_unref (message);
}

static void
send_end_call (DuetCall             *self,
               DuetDisconnectReason  reason,
               const char           *user_code)
{
  send_request (self, duet_end_call_request_build (NULL, &(DuetEndCallRequest) {
    .call_id = self->call_id,
    .reason = reason,
    .user_code = (char *) user_code,
  }));
}

static void
send_media_state (DuetCall   *self,
                  gboolean    mic,
                  gboolean    video,
                  const char *reason)
{
  DuetChannelMediaState state = {
    .has_mic_muted = mic,
    .mic_muted = duet_my_media_status_get_mic_muted (self->my_media_status),
    .has_video_state = video,
    .video_state = self->my_video_state,
    .reason = (char *) (reason != NULL || !video ? reason : self->my_video_reason),
  };
  g_autoptr(JsonObject) channel = NULL;

  if (self->state != DUET_CALL_STATE_CONNECTED)
    return;   /* the whole state goes out on connect */

  channel = duet_channel_media_state_build (&state);
  duet_media_session_send_control (self->media, channel);
  send_request (self, duet_media_state_request_build (NULL, &(DuetMediaStateRequest) {
    .call_id = self->call_id,
    .has_mic_muted = state.has_mic_muted,
    .mic_muted = state.mic_muted,
    .has_video_state = state.has_video_state,
    .video_state = state.video_state,
    .reason = state.reason,
  }));
}
/* A callee in responder preparation sends nothing until it finishes */
static void
apply_sending (DuetCall         *self,
               DuetMediaSession *media)
{
  gboolean holding = self->in_preparation && !self->is_caller;

  duet_media_session_set_mic_muted (media, duet_my_media_status_get_mic_muted (self->my_media_status));
  duet_media_session_set_audio_sending (media, !holding);
  duet_media_session_set_video_sending (media, !holding && self->my_video_state == DUET_VIDEO_STATE_ENABLED);
  duet_media_session_set_camera_active (media, self->my_video_state != DUET_VIDEO_STATE_DISABLED);
}

static void
set_in_preparation (DuetCall *self,
                    gboolean  in_preparation)
{
  if (self->in_preparation == in_preparation)
    return;
  self->in_preparation = in_preparation;
  apply_sending (self, self->media);
  if (self->pending != NULL)
    apply_sending (self, self->pending);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_IN_RESPONDER_PREPARATION]);
}

/* The number the peer knows @media by */
static guint
session_number (DuetCall         *self,
                DuetMediaSession *media)
{
  return media == self->pending ? self->pending_generation : self->generation;
}

static void
send_signal (DuetCall          *self,
             DuetMediaSession  *media,
             DuetSignalPayload  payload)
{
  payload.has_session = TRUE;
  payload.session = session_number (self, media);
  send_request (self, duet_signal_request_build (NULL, &(DuetSignalRequest) {
    .call_id = self->call_id,
    .payload = payload,
  }));
}

static void
on_session_local_description (DuetMediaSession *media,
                              const char       *type,
                              const char       *sdp,
                              DuetCall         *self)
{
  g_auto(GStrv) lines = g_strsplit (sdp, "\n", -1);
  DuetSignalType signal_type = DUET_SIGNAL_TYPE_OFFER;

  g_debug ("Local %s:\n%s", type, sdp);
  /* Browsers want sdpMid with each candidate; webrtcbin gives only the index */
  g_ptr_array_set_size (self->local_mids, 0);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "a=mid:"))
      g_ptr_array_add (self->local_mids, g_strstrip (g_strdup (lines[i] + strlen ("a=mid:"))));
  duet_signal_type_from_string (type, &signal_type);
  send_signal (self, media, (DuetSignalPayload) { .type = signal_type, .sdp = (char *) sdp });
}
static void
on_session_local_candidate (DuetMediaSession *media,
                            guint             mline_index,
                            const char       *candidate,
                            DuetCall         *self)
{
  send_signal (self, media, (DuetSignalPayload) {
    .type = DUET_SIGNAL_TYPE_CANDIDATE,
    .candidate = (char *) candidate,
    .sdp_mline_index = mline_index,
    .sdp_mid = mline_index < self->local_mids->len ? g_ptr_array_index (self->local_mids, mline_index) : NULL,
  });
}
/* ---- state ---- */

void
duet_call_set_state (DuetCall      *self,
                     DuetCallState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
finish (DuetCall             *self,
        DuetDisconnectReason  reason,
        DuetDisconnectSource  source,
        gboolean              by_remote,
        const char           *user_code)
{
  if (self->state == DUET_CALL_STATE_DISCONNECTED)
    return;

  g_clear_handle_id (&self->end_fallback, g_source_remove);
  stop_reconnecting (self);
  if (self->ending && self->state == DUET_CALL_STATE_CONNECTED)
    duet_media_session_stop_after_flush (self->media);
  else
    duet_media_session_stop (self->media);
  duet_call_set_state (self, DUET_CALL_STATE_DISCONNECTED);
  g_signal_emit (self, signals[DISCONNECTED], 0, reason, source, by_remote, user_code);
}

static DuetDisconnectSource
my_source (DuetCall *self)
{
  return self->is_caller ? DUET_DISCONNECT_SOURCE_CALLER : DUET_DISCONNECT_SOURCE_CALLEE;
}

static DuetDisconnectSource
peer_source (DuetCall *self)
{
  return self->is_caller ? DUET_DISCONNECT_SOURCE_CALLEE : DUET_DISCONNECT_SOURCE_CALLER;
}

static void
set_peer_mic_muted (DuetCall *self,
                    gboolean  muted)
{
  if (self->peer_mic_muted == muted)
    return;
  self->peer_mic_muted = muted;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_MIC_MUTED]);
  g_signal_emit (self, signals[muted ? PEER_MIC_MUTED : PEER_MIC_UNMUTED], 0);
}

static void
set_media_type_video (DuetCall *self)
{
  if (duet_media_type_has_video (self->media_type))
    return;
  self->media_type = DUET_MEDIA_TYPE_AUDIOVIDEO;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MEDIA_TYPE]);
}

static void
set_peer_video_state (DuetCall       *self,
                      DuetVideoState  state,
                      const char     *reason)
{
  DuetVideoState old = self->peer_video_state;
  DuetVideoPauseReason pause_reason = DUET_VIDEO_PAUSE_REASON_BY_USER;
  DuetMediaDisabledReason disabled_reason = DUET_MEDIA_DISABLED_REASON_USER;

  if (old == state)
    return;
  self->peer_video_state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_VIDEO_STATE]);
  if (self->media != NULL)
    duet_media_session_set_peer_video_expected (self->media, state == DUET_VIDEO_STATE_ENABLED);

  if (state == DUET_VIDEO_STATE_DISABLED)
    {
      if (reason != NULL)
        duet_media_disabled_reason_from_string (reason, &disabled_reason);
      g_signal_emit (self, signals[VIDEO_DISABLED_BY_PEER], 0, disabled_reason);
      return;
    }

  if (old == DUET_VIDEO_STATE_DISABLED)
    {
      set_media_type_video (self);
      g_signal_emit (self, signals[VIDEO_ENABLED_BY_PEER], 0);
    }

  if (state == DUET_VIDEO_STATE_PAUSED)
    {
      if (reason != NULL)
        duet_video_pause_reason_from_string (reason, &pause_reason);
      g_signal_emit (self, signals[PEER_VIDEO_PAUSED], 0, pause_reason);
    }
  else if (old == DUET_VIDEO_STATE_PAUSED)
    g_signal_emit (self, signals[PEER_VIDEO_RESUMED], 0);
}

/* From the server's peer_media_state or the data channel's media_state */
static void
apply_peer_media_state (DuetCall       *self,
                        gboolean        has_mic_muted,
                        gboolean        mic_muted,
                        gboolean        has_video_state,
                        DuetVideoState  video_state,
                        const char     *reason)
{
  if (has_mic_muted)
    set_peer_mic_muted (self, mic_muted);
  if (has_video_state)
    set_peer_video_state (self, video_state, reason);
}
static void
apply_my_video_state (DuetCall       *self,
                      DuetVideoState  state,
                      const char     *reason)
{
  DuetVideoPauseReason pause_reason = DUET_VIDEO_PAUSE_REASON_BY_USER;

  if (self->my_video_state == state && self->my_video_reason == g_intern_string (reason))
    return;
  self->my_video_state = state;
  self->my_video_reason = state == DUET_VIDEO_STATE_ENABLED ? NULL : g_intern_string (reason);
  if (state != DUET_VIDEO_STATE_DISABLED)
    set_media_type_video (self);
  apply_sending (self, self->media);
  if (state == DUET_VIDEO_STATE_PAUSED && reason != NULL)
    duet_video_pause_reason_from_string (reason, &pause_reason);
  duet_my_media_status_set_video_state (self->my_media_status, state, pause_reason);
  send_media_state (self, FALSE, TRUE, reason);
}

/* ---- server and peer events ---- */

/* The session a signal is for: the current one, the one being tried, or
 * (a peer's offer of a newer one) a fresh answering session; NULL for a
 * stale one. Signals without a number are for the first session. */
static DuetMediaSession *
session_for_signal (DuetCall                *self,
                    const DuetSignalPayload *payload)
{
  guint number = (guint) payload->session;   /* 0–G_MAXINT32, 0 when absent */

  if (number == self->generation)
    return self->media;
  if (self->pending != NULL && number == self->pending_generation)
    return self->pending;
  if (payload->type == DUET_SIGNAL_TYPE_OFFER && number > self->last_generation && !self->is_caller)
    return try_new_path (self, number);
  return NULL;
}
static void
handle_signal (DuetCall              *self,
               const DuetSignalEvent *event)
{
  const DuetSignalPayload *payload = &event->payload;
  const char *type = duet_signal_type_to_string (payload->type);
  DuetMediaSession *media;
  g_autoptr(GError) error = NULL;

  if ((media = session_for_signal (self, payload)) == NULL)
    {
      g_debug ("Ignoring a %s for an old media session", type);
      return;
    }

  if (payload->type == DUET_SIGNAL_TYPE_CANDIDATE)
    duet_media_session_add_remote_candidate (media, (guint) payload->sdp_mline_index, payload->candidate);
  else if (!duet_media_session_set_remote_description (media, type, payload->sdp, &error))
    g_warning ("Ignoring the peer's %s: %s", type, error->message);
}
/* Another device of the callee answered than the one media was set up
 * with while it rang: that session is for nobody now, so a fresh one
 * replaces it at once (no waiting for the old path to fail) */
static void
answered_elsewhere (DuetCall *self)
{
  g_debug ("The callee answered on another device; offering it a new media session");
  if (try_new_path (self, 0) != NULL)
    swap_in_pending (self);
}

static void
handle_connected (DuetCall                 *self,
                  const DuetConnectedEvent *event)
{
  if (self->state == DUET_CALL_STATE_CONNECTED || self->state == DUET_CALL_STATE_DISCONNECTED)
    return;

  self->in_preparation = !event->is_in_responder_preparation;   /* so that the setter applies it */
  set_in_preparation (self, event->is_in_responder_preparation);
  if (!event->renegotiate || !self->is_caller)
    duet_media_session_open (self->media);
  duet_call_set_state (self, DUET_CALL_STATE_CONNECTED);
  if (event->renegotiate && self->is_caller)
    answered_elsewhere (self);
  send_media_state (self, TRUE, TRUE, NULL);
  g_signal_emit (self, signals[CONNECTED], 0, event->is_in_responder_preparation,
                 event->should_finish_preparation && !self->is_caller);
}
static void
handle_short_data (DuetCall                 *self,
                   const DuetShortDataEvent *event)
{
  g_signal_emit (self, signals[SHORT_DATA_RECEIVED], 0, event->data_type, event->data);
}
static void
handle_disconnected (DuetCall                    *self,
                     const DuetDisconnectedEvent *event)
{
  finish (self, event->reason, event->source, event->by_remote, event->user_code);
}
static void
flush_wait_connected (DuetCall *self)
{
  g_clear_handle_id (&self->wait_connected_source, g_source_remove);
  if (!self->wait_connected_pending)
    return;
  self->wait_connected_pending = FALSE;
  g_signal_emit (self, signals[WAIT_CONNECTED], 0);
}

static gboolean
wait_connected_cb (gpointer data)
{
  DuetCall *self = data;

  self->wait_connected_source = 0;
  flush_wait_connected (self);
  return G_SOURCE_REMOVE;
}

/* Emitted from an idle, or before the next event if that comes first,
 * so that the result's receiver can connect its handlers */
void
duet_call_queue_wait_connected (DuetCall *self)
{
  g_return_if_fail (DUET_IS_CALL (self));

  self->wait_connected_pending = TRUE;
  self->wait_connected_source = g_idle_add (wait_connected_cb, self);
}

void
duet_call_handle_event (DuetCall            *self,
                        const DuetCallEvent *event)
{
  g_return_if_fail (DUET_IS_CALL (self));

  flush_wait_connected (self);

  if (self->state == DUET_CALL_STATE_DISCONNECTED)
    return;

  switch (event->type)
    {
    case DUET_SERVER_MESSAGE_VERIFIED:
      if (!self->is_caller)
        break;
      duet_call_set_state (self, DUET_CALL_STATE_VERIFIED);
      g_signal_emit (self, signals[VERIFIED], 0, event->verified.peer_use_responder_preparation);
      /* Prepare while it rings: ICE and DTLS finish before accept */
      duet_media_session_create_offer (self->media);
      break;
    case DUET_SERVER_MESSAGE_SIGNAL:
      handle_signal (self, &event->signal);
      break;
    case DUET_SERVER_MESSAGE_CONNECTED:
      handle_connected (self, &event->connected);
      break;
    case DUET_SERVER_MESSAGE_PREPARATION_FINISHED:
      set_in_preparation (self, FALSE);
      break;
    case DUET_SERVER_MESSAGE_SHORT_DATA:
      handle_short_data (self, &event->short_data);
      break;
    case DUET_SERVER_MESSAGE_DISCONNECTED:
      handle_disconnected (self, &event->disconnected);
      break;
    case DUET_SERVER_MESSAGE_PEER_MEDIA_STATE:
      /* the data channel's copy is fresher while it is open, once the
       * peer has shown it sends its state there (a browser may not) */
      if (!self->peer_state_on_channel || !duet_media_session_get_channel_open (self->media))
        apply_peer_media_state (self, event->peer_media_state.has_mic_muted, event->peer_media_state.mic_muted,
                                event->peer_media_state.has_video_state, event->peer_media_state.video_state,
                                event->peer_media_state.reason);
      break;
    default:
      break;
    }
}
/* What the peer's kit sends over the data channel */
static void
on_session_control_message (DuetMediaSession *media,
                            JsonObject       *message,
                            DuetCall         *self)
{
  const char *type = duet_message_read_type (message, NULL);
  g_auto(DuetChannelMediaState) state = { 0 };
  g_auto(DuetChannelEnd) end = { 0 };
  g_autoptr(GError) error = NULL;

  if (g_strcmp0 (type, "media_state") == 0 && duet_channel_media_state_parse (message, &state, &error))
    {
      self->peer_state_on_channel = TRUE;
      apply_peer_media_state (self, state.has_mic_muted, state.mic_muted, state.has_video_state,
                              state.video_state, state.reason);
    }
  else if (g_strcmp0 (type, "end") == 0 && duet_channel_end_parse (message, &end, &error))
    finish (self, end.reason, peer_source (self), TRUE, end.user_code);
  else
    g_debug ("Ignoring a %s from the peer's data channel: %s", type ? type : "message",
             error ? error->message : "unknown type");
}
/* ---- the media path: lost, tried anew, found ---- */

static void
stop_reconnecting (DuetCall *self)
{
  g_clear_handle_id (&self->grace_source, g_source_remove);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  drop_pending (self);
}

static gboolean
grace_expired (gpointer user_data)
{
  DuetCall *self = user_data;

  self->grace_source = 0;
  g_debug ("No media path for %u s; ending the call", self->network_grace_s);
  send_end_call (self, DUET_DISCONNECT_REASON_NETWORK_UNSTABLE, NULL);
  finish (self, DUET_DISCONNECT_REASON_NETWORK_UNSTABLE, DUET_DISCONNECT_SOURCE_CLOUD_SERVER, TRUE, NULL);
  return G_SOURCE_REMOVE;
}
static gboolean
retry_cb (gpointer user_data)
{
  DuetCall *self = user_data;

  self->retry_source = 0;
  try_new_path (self, 0);
  return G_SOURCE_REMOVE;
}

static void
network_lost (DuetCall *self)
{
  if (self->network_lost || self->state != DUET_CALL_STATE_CONNECTED)
    return;
  self->network_lost = TRUE;
  self->grace_source = g_timeout_add_seconds (self->network_grace_s, grace_expired, self);
  g_signal_emit (self, signals[NETWORK_UNAVAILABLE], 0, self->network_grace_s);
  /* the signalling socket may have died with the path, unnoticed */
  duet_signalling_check_alive (self->signalling);
  /* the caller offers, the callee answers whatever comes */
  if (self->is_caller)
    try_new_path (self, 0);
}

static void
network_found (DuetCall *self)
{
  g_clear_handle_id (&self->retry_source, g_source_remove);
  if (!self->network_lost)
    return;
  self->network_lost = FALSE;
  g_clear_handle_id (&self->grace_source, g_source_remove);
  g_signal_emit (self, signals[NETWORK_AVAILABLE], 0);
}

static void
on_session_path_lost (DuetMediaSession *media,
                      DuetCall         *self)
{
  if (media == self->media)
    network_lost (self);
  else if (media == self->pending)
    drop_pending (self);   /* it never came up; a retry may make another */
}

/* The pending session works: it becomes the call's, with the views and
 * the media state of the old one */
static void
swap_in_pending (DuetCall *self)
{
  g_autoptr(DuetMediaSession) old = g_steal_pointer (&self->media);

  g_debug ("Media session %u replaces %u", self->pending_generation, self->generation);
  g_signal_handlers_disconnect_by_data (old, self);
  for (guint i = 0; i < self->my_views->len; i++)
    duet_media_session_remove_view (old, FALSE, g_ptr_array_index (self->my_views, i));
  for (guint i = 0; i < self->peer_views->len; i++)
    duet_media_session_remove_view (old, TRUE, g_ptr_array_index (self->peer_views, i));
  duet_media_session_stop (old);

  self->media = g_steal_pointer (&self->pending);
  self->generation = self->pending_generation;
  for (guint i = 0; i < self->my_views->len; i++)
    duet_media_session_add_view (self->media, FALSE, g_ptr_array_index (self->my_views, i));
  for (guint i = 0; i < self->peer_views->len; i++)
    duet_media_session_add_view (self->media, TRUE, g_ptr_array_index (self->peer_views, i));
}

static void
on_session_path_up (DuetMediaSession *media,
                    DuetCall         *self)
{
  if (media == self->pending)
    swap_in_pending (self);
  else if (media == self->media)
    drop_pending (self);   /* the old path came back first */
  else
    return;
  network_found (self);
}

/* A short blip is healed by the path itself; a new address needs a new
 * session. The caller makes one, and keeps the old until it works. */
static gboolean
network_changed_cb (gpointer user_data)
{
  DuetCall *self = user_data;

  self->retry_source = 0;
  if (self->state == DUET_CALL_STATE_CONNECTED && self->pending == NULL)
    try_new_path (self, 0);
  return G_SOURCE_REMOVE;
}

/* Back on the server (perhaps from a new address): offer at once rather
 * than at the next retry, as earlier offers may have been lost */
static void
on_signalling_notify_ready (DuetSignalling *signalling,
                            GParamSpec     *pspec,
                            DuetCall       *self)
{
  gboolean ready = FALSE;

  g_object_get (signalling, "ready", &ready, NULL);
  if (ready && self->network_lost && self->is_caller)
    try_new_path (self, 0);
}

static void
on_network_monitor_network_changed (GNetworkMonitor *monitor,
                                    gboolean         available,
                                    DuetCall         *self)
{
  if (!self->is_caller || self->state != DUET_CALL_STATE_CONNECTED || !available)
    return;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->retry_source = g_timeout_add (NETWORK_CHANGE_SETTLE_MS, network_changed_cb, self);
}

static void
on_session_media_error (DuetMediaSession *media,
                        const char       *message,
                        DuetCall         *self)
{
  if (media == self->pending)
    {
      g_warning ("A new media path failed: %s", message);
      drop_pending (self);
      return;
    }
  if (self->state == DUET_CALL_STATE_DISCONNECTED || self->call_id == NULL)
    return;
  send_end_call (self, DUET_DISCONNECT_REASON_INTERNAL_KIT_ERROR, NULL);
  finish (self, DUET_DISCONNECT_REASON_INTERNAL_KIT_ERROR, my_source (self), FALSE, NULL);
}

static void
on_session_volume (DuetMediaSession *media,
                   guint             level,
                   DuetCall         *self)
{
  if (media == self->media)
    duet_my_media_status_update_volume (self->my_media_status, level);
}

static void
on_session_network_quality (DuetMediaSession   *media,
                            DuetNetworkQuality  mine,
                            DuetNetworkQuality  peer,
                            DuetCall           *self)
{
  if (media != self->media)
    return;
  g_object_freeze_notify (G_OBJECT (self));
  if (self->network_quality != mine)
    {
      self->network_quality = mine;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NETWORK_QUALITY]);
    }
  if (self->peer_network_quality != peer)
    {
      self->peer_network_quality = peer;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PEER_NETWORK_QUALITY]);
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
on_session_device_warning (DuetMediaSession *media,
                           const char       *message,
                           DuetCall         *self)
{
  g_message ("%s", message);
  g_signal_emit (self, signals[DEVICE_WARNING], 0, message);
}

static void
on_session_media_rejected (DuetMediaSession *media,
                           const char       *kind,
                           const char       *what,
                           DuetCall         *self)
{
  g_signal_emit (self, signals[MEDIA_REJECTED], 0, kind, what);
}

/* A camera or microphone went missing, was refused or failed, or works
 * again. Without a camera the video pauses (CAMERA_INACTIVE, so the peer
 * shows the avatar) and resumes when one works; without a microphone the
 * call goes on muted. Only what the kit did itself is undone: a user's own
 * pause or mute stays. */
static void
on_session_device_problem (DuetMediaSession  *media,
                           DuetDeviceKind     kind,
                           DuetDeviceProblem  problem,
                           DuetCall          *self)
{
  if (media != self->media || kind == DUET_DEVICE_KIND_SPEAKER)
    return;
  duet_my_media_status_set_device_problem (self->my_media_status, kind, problem);

  if (kind == DUET_DEVICE_KIND_CAMERA)
    {
      if (problem != DUET_DEVICE_PROBLEM_NONE && self->my_video_state == DUET_VIDEO_STATE_ENABLED)
        {
          self->paused_for_camera = TRUE;
          apply_my_video_state (self, DUET_VIDEO_STATE_PAUSED, "CAMERA_INACTIVE");
        }
      else if (problem == DUET_DEVICE_PROBLEM_NONE && self->paused_for_camera)
        {
          self->paused_for_camera = FALSE;
          if (self->my_video_state == DUET_VIDEO_STATE_PAUSED)
            apply_my_video_state (self, DUET_VIDEO_STATE_ENABLED, NULL);
        }
      return;
    }

  if (problem != DUET_DEVICE_PROBLEM_NONE && !duet_my_media_status_get_mic_muted (self->my_media_status))
    {
      duet_call_mute_my_audio (self, TRUE);   /* (which forgets who muted) */
      self->muted_for_microphone = TRUE;
    }
  else if (problem == DUET_DEVICE_PROBLEM_NONE && self->muted_for_microphone)
    duet_call_mute_my_audio (self, FALSE);
}

/* What the user chose goes with the call into every new session */
static void
apply_media_state (DuetCall         *self,
                   DuetMediaSession *media)
{
  for (int kind = 0; kind < 3; kind++)
    duet_media_session_set_device (media, kind, self->device_ids[kind]);
  apply_sending (self, media);
}

static void
connect_media (DuetCall         *self,
               DuetMediaSession *media)
{
  g_signal_connect (media, "local-description", G_CALLBACK (on_session_local_description), self);
  g_signal_connect (media, "local-candidate", G_CALLBACK (on_session_local_candidate), self);
  g_signal_connect (media, "control-message", G_CALLBACK (on_session_control_message), self);
  g_signal_connect (media, "path-up", G_CALLBACK (on_session_path_up), self);
  g_signal_connect (media, "path-lost", G_CALLBACK (on_session_path_lost), self);
  g_signal_connect (media, "media-error", G_CALLBACK (on_session_media_error), self);
  g_signal_connect (media, "volume", G_CALLBACK (on_session_volume), self);
  g_signal_connect (media, "device-warning", G_CALLBACK (on_session_device_warning), self);
  g_signal_connect (media, "media-rejected", G_CALLBACK (on_session_media_rejected), self);
  g_signal_connect (media, "device-problem", G_CALLBACK (on_session_device_problem), self);
  g_signal_connect (media, "network-quality", G_CALLBACK (on_session_network_quality), self);
}

static void
drop_pending (DuetCall *self)
{
  if (self->pending == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->pending, self);
  duet_media_session_stop (self->pending);
  g_clear_object (&self->pending);
}

/* A fresh media session beside the current one: the caller's next offer
 * (@number 0), or the answer to the peer's offer numbered @number */
static DuetMediaSession *
try_new_path (DuetCall *self,
              guint     number)
{
  DuetMediaSession *media;

  g_clear_handle_id (&self->retry_source, g_source_remove);
  if (self->media_factory == NULL || self->factory_owner == NULL ||
      self->state != DUET_CALL_STATE_CONNECTED)
    return NULL;

  drop_pending (self);
  media = self->media_factory (self->is_caller, self->factory_owner);
  if (media == NULL)
    return NULL;
  self->last_generation = number != 0 ? number : self->last_generation + 1;
  self->pending_generation = self->last_generation;
  self->pending = media;
  g_debug ("Trying media session %u", self->pending_generation);
  connect_media (self, media);
  apply_media_state (self, media);
  duet_media_session_open (media);

  if (self->is_caller)
    {
      duet_media_session_create_offer (media);
      if (self->network_lost)
        self->retry_source = g_timeout_add (NEW_PATH_RETRY_MS, retry_cb, self);
    }
  return media;
}

/* ---- public API ---- */

/**
 * duet_call_accept_call:
 * @self: a ringing incoming #DuetCall (state %DUET_CALL_STATE_VERIFIED)
 * @use_responder_preparation: %TRUE to connect without sending any media
 *   until duet_call_finish_preparation(); the peer's #DuetCall::connected
 *   says so
 * @initial_my_video_state: for a video call, whether video starts sending
 *   (%DUET_INITIAL_VIDEO_STATE_RESUME) or paused
 * @error: return location for a #GError, or %NULL
 *
 * Answers the call, as PlanetKit's acceptCall(). #DuetCall::connected
 * follows on both sides.
 *
 * Returns: %TRUE, or %FALSE with %DUET_KIT_ERROR_BAD_STATE when the call is
 *   not a ringing incoming call
 */
gboolean
duet_call_accept_call (DuetCall               *self,
                       gboolean                use_responder_preparation,
                       DuetInitialVideoState   initial_my_video_state,
                       GError                **error)
{
  g_return_val_if_fail (DUET_IS_CALL (self), FALSE);

  if (self->is_caller || self->state != DUET_CALL_STATE_VERIFIED)
    {
      g_set_error_literal (error, DUET_KIT_ERROR, DUET_KIT_ERROR_BAD_STATE,
                           "Only a ringing incoming call can be accepted");
      return FALSE;
    }

  if (duet_media_type_has_video (self->media_type))
    apply_my_video_state (self, initial_my_video_state == DUET_INITIAL_VIDEO_STATE_PAUSE
                                ? DUET_VIDEO_STATE_PAUSED : DUET_VIDEO_STATE_ENABLED,
                          initial_my_video_state == DUET_INITIAL_VIDEO_STATE_PAUSE ? "BY_USER" : NULL);
  send_request (self, duet_accept_call_request_build (NULL, &(DuetAcceptCallRequest) {
    .call_id = self->call_id,
    .use_responder_preparation = use_responder_preparation,
  }));
  /* the camera and microphone open now, while the server confirms */
  duet_media_session_open_devices (self->media);
  return TRUE;
}

/**
 * duet_call_finish_preparation:
 * @self: a connected #DuetCall that was accepted with responder preparation
 * @error: return location for a #GError, or %NULL
 *
 * Ends the responder preparation (PlanetKit's finishPreparation()): media
 * starts flowing both ways, with the mute and video state the user chose
 * meanwhile. #DuetCall:in-responder-preparation turns %FALSE on both sides.
 *
 * Returns: %TRUE, or %FALSE with %DUET_KIT_ERROR_BAD_STATE when this side
 *   is not the callee of a call in preparation
 */
gboolean
duet_call_finish_preparation (DuetCall  *self,
                              GError   **error)
{
  g_return_val_if_fail (DUET_IS_CALL (self), FALSE);

  if (self->is_caller || !self->in_preparation || self->state != DUET_CALL_STATE_CONNECTED)
    {
      g_set_error_literal (error, DUET_KIT_ERROR, DUET_KIT_ERROR_BAD_STATE,
                           "Only the callee of a call in responder preparation can finish it");
      return FALSE;
    }

  send_request (self, duet_finish_preparation_request_build (NULL, &(DuetFinishPreparationRequest) {
    .call_id = self->call_id,
  }));
  set_in_preparation (self, FALSE);
  return TRUE;
}

static gboolean
end_fallback_cb (gpointer user_data)
{
  DuetCall *self = user_data;

  /* The server did not answer; end our side anyway */
  self->end_fallback = 0;
  finish (self, self->is_caller ? DUET_DISCONNECT_REASON_CANCEL : DUET_DISCONNECT_REASON_DECLINE,
          my_source (self), FALSE, self->my_user_code);
  return G_SOURCE_REMOVE;
}

/* PlanetKit allows 128 bytes with the NUL */
#define USER_CODE_MAX DUET_PROTOCOL_MAX_USER_CODE

static gboolean
check_user_code (const char  *user_code,
                 GError     **error)
{
  if (!duet_text_is_valid (user_code, USER_CODE_MAX))
    {
      g_set_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM,
                   "A user code is 1 to %d bytes of UTF-8 without control characters; this one is %"
                   G_GSIZE_FORMAT " bytes", USER_CODE_MAX, strlen (user_code));
      return FALSE;
    }
  return TRUE;
}

static void
end_call (DuetCall             *self,
          DuetDisconnectReason  reason,
          const char           *user_code)
{
  DuetDisconnectReason local = reason;

  if (self->state == DUET_CALL_STATE_DISCONNECTED || self->ending)
    return;
  self->ending = TRUE;
  self->my_user_code = g_strdup (user_code);

  if (self->call_id == NULL)
    {
      finish (self, DUET_DISCONNECT_REASON_CANCEL, my_source (self), FALSE, user_code);
      return;
    }

  /* Without a reason the server picks it from the call's state */
  send_end_call (self, reason == DUET_DISCONNECT_REASON_USER_ERROR ? reason : 0, user_code);

  if (self->state == DUET_CALL_STATE_CONNECTED)
    {
      g_autoptr(JsonObject) bye = NULL;

      if (local != DUET_DISCONNECT_REASON_USER_ERROR)
        local = DUET_DISCONNECT_REASON_NORMAL;
      /* The peer learns at once, even with the server away */
      bye = duet_channel_end_build (&(DuetChannelEnd) { .reason = local, .user_code = (char *) user_code });
      duet_media_session_send_control (self->media, bye);
      finish (self, local, my_source (self), FALSE, user_code);
      return;
    }

  /* Before connect the server decides between CANCEL and DECLINE */
  self->end_fallback = g_timeout_add (END_FALLBACK_MS, end_fallback_cb, self);
}

/**
 * duet_call_end_call:
 * @self: a #DuetCall
 *
 * Hangs up, cancels (caller, before connect) or declines (callee, before
 * connect), as PlanetKit's endCall(). #DuetCall::disconnected follows on
 * both sides. Does nothing once the call has ended.
 */
void
duet_call_end_call (DuetCall *self)
{
  g_return_if_fail (DUET_IS_CALL (self));
  end_call (self, DUET_DISCONNECT_REASON_NORMAL, NULL);
}

/**
 * duet_call_end_call_with_user_code:
 * @self: a #DuetCall
 * @user_code: an app-defined code, 1 to 127 bytes of UTF-8 without
 *   control characters
 * @error: return location for a #GError, or %NULL
 *
 * Ends the call as duet_call_end_call() does and hands @user_code to both
 * sides' #DuetCall::disconnected (PlanetKit's endCall(userReleasePhrase)).
 *
 * Returns: %TRUE, or %FALSE with %DUET_KIT_ERROR_INVALID_PARAM for a bad code
 */
gboolean
duet_call_end_call_with_user_code (DuetCall    *self,
                                   const char  *user_code,
                                   GError     **error)
{
  g_return_val_if_fail (DUET_IS_CALL (self), FALSE);
  g_return_val_if_fail (user_code != NULL, FALSE);

  if (!check_user_code (user_code, error))
    return FALSE;
  end_call (self, DUET_DISCONNECT_REASON_NORMAL, user_code);
  return TRUE;
}

/**
 * duet_call_end_call_with_error:
 * @self: a #DuetCall
 * @user_code: an app-defined code, 1 to 127 bytes of UTF-8 without
 *   control characters
 * @error: return location for a #GError, or %NULL
 *
 * Ends the call because of an error of the app's own: both sides'
 * #DuetCall::disconnected get %DUET_DISCONNECT_REASON_USER_ERROR and
 * @user_code (PlanetKit's endCallWithError()).
 *
 * Returns: %TRUE, or %FALSE with %DUET_KIT_ERROR_INVALID_PARAM for a bad code
 */
gboolean
duet_call_end_call_with_error (DuetCall    *self,
                               const char  *user_code,
                               GError     **error)
{
  g_return_val_if_fail (DUET_IS_CALL (self), FALSE);
  g_return_val_if_fail (user_code != NULL, FALSE);

  if (!check_user_code (user_code, error))
    return FALSE;
  end_call (self, DUET_DISCONNECT_REASON_USER_ERROR, user_code);
  return TRUE;
}

/* PlanetKit's limits: type 100 bytes with the NUL, data 800 bytes */
#define SHORT_DATA_TYPE_MAX DUET_PROTOCOL_MAX_SHORT_DATA_TYPE
#define SHORT_DATA_MAX DUET_PROTOCOL_MAX_SHORT_DATA

static void
send_short_data_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(JsonObject) answer = NULL;
  g_auto(DuetErrorMessage) refusal = { 0 };
  GError *error = NULL;

  answer = duet_signalling_request_finish (DUET_SIGNALLING (source), result, &error);
  if (answer == NULL)
    g_task_return_error (task, error);
  else if (duet_empty_reply_parse (answer, NULL))
    g_task_return_boolean (task, TRUE);
  else if (duet_error_message_parse (answer, &refusal, NULL))
    g_task_return_new_error (task, DUET_KIT_ERROR,
                             refusal.code == DUET_PROTOCOL_ERROR_BAD_STATE ? DUET_KIT_ERROR_BAD_STATE
                                                                           : DUET_KIT_ERROR_SERVER,
                             "The server refused the short data: %s", refusal.message);
  else
    g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_SERVER,
                             "The server's answer to the short data cannot be read");
}
static gboolean
check_short_data (DuetCall    *self,
                  const char  *type,
                  GBytes      *data,
                  GError     **error)
{
  if (!duet_text_is_valid (type, SHORT_DATA_TYPE_MAX))
    {
      g_set_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM,
                   "A short data type is 1 to %d bytes of UTF-8 without control characters; this one is %"
                   G_GSIZE_FORMAT " bytes", SHORT_DATA_TYPE_MAX, strlen (type));
      return FALSE;
    }
  if (g_bytes_get_size (data) == 0 || g_bytes_get_size (data) > SHORT_DATA_MAX)
    {
      g_set_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_TOO_LARGE,
                   "Short data is 1 to %d bytes; this is %" G_GSIZE_FORMAT " bytes",
                   SHORT_DATA_MAX, g_bytes_get_size (data));
      return FALSE;
    }
  if (self->state != DUET_CALL_STATE_CONNECTED)
    {
      g_set_error_literal (error, DUET_KIT_ERROR, DUET_KIT_ERROR_BAD_STATE,
                           "Short data can only be sent in a connected call");
      return FALSE;
    }
  return TRUE;
}

/**
 * duet_call_send_short_data_async:
 * @self: a connected #DuetCall
 * @type: what the data is, for the app: 1 to 99 bytes of UTF-8
 * @data: the payload, 1 to 800 bytes
 * @cancellable: (nullable): a #GCancellable
 * @callback: (scope async): called once the server has passed it on
 * @user_data: (closure): data for @callback
 *
 * Sends a small application payload to the peer, who gets it as
 * #DuetCall::short-data-received (PlanetKit's sendShortData()). It goes
 * through the server, in order with the call's other messages.
 */
void
duet_call_send_short_data_async (DuetCall            *self,
                                 const char          *type,
                                 GBytes              *data,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(JsonObject) message = NULL;
  GError *error = NULL;

  g_return_if_fail (DUET_IS_CALL (self));
  g_return_if_fail (type != NULL);
  g_return_if_fail (data != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, duet_call_send_short_data_async);
  if (!check_short_data (self, type, data, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  message = duet_short_data_request_build (NULL, &(DuetShortDataRequest) {
    .call_id = self->call_id,
    .data_type = (char *) type,
    .data = data,
  });
  duet_signalling_request_async (self->signalling, message, cancellable, send_short_data_cb,
                                 g_steal_pointer (&task));
}

/**
 * duet_call_send_short_data_finish:
 * @self: a #DuetCall
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError, or %NULL
 *
 * Errors: %DUET_KIT_ERROR_TOO_LARGE past 800 bytes,
 * %DUET_KIT_ERROR_INVALID_PARAM for a bad @type, %DUET_KIT_ERROR_BAD_STATE
 * when the call is not connected or the peer is away,
 * %DUET_KIT_ERROR_SERVER when the server refused it.
 *
 * Returns: %TRUE once the server has passed the data on to the peer
 */
gboolean
duet_call_send_short_data_finish (DuetCall      *self,
                                  GAsyncResult  *result,
                                  GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * duet_call_mute_my_audio:
 * @self: a #DuetCall
 * @mute: %TRUE to stop sending sound
 *
 * Mutes or unmutes the microphone; the peer gets #DuetCall::peer-mic-muted
 * or #DuetCall::peer-mic-unmuted, and #DuetMyMediaStatus says so here.
 */
void
duet_call_mute_my_audio (DuetCall *self,
                         gboolean  mute)
{
  g_return_if_fail (DUET_IS_CALL (self));

  self->muted_for_microphone = FALSE;
  if (duet_my_media_status_get_mic_muted (self->my_media_status) == !!mute)
    return;
  duet_my_media_status_set_mic_muted (self->my_media_status, mute);
  apply_sending (self, self->media);
  send_media_state (self, TRUE, FALSE, NULL);
}

static gboolean
check_video (DuetCall        *self,
             DuetVideoState   required,
             const char      *what,
             GError         **error)
{
  if (self->state == DUET_CALL_STATE_DISCONNECTED)
    {
      g_set_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_BAD_STATE, "Cannot %s: the call has ended", what);
      return FALSE;
    }
  if (self->my_video_state != required)
    {
      g_set_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_BAD_STATE, "Cannot %s: my video is %s",
                   what, duet_video_state_to_string (self->my_video_state));
      return FALSE;
    }
  return TRUE;
}

/**
 * duet_call_pause_my_video:
 * @self: a #DuetCall whose video is enabled
 * @error: return location for a #GError, or %NULL
 *
 * Stops sending video without dropping the video track; the peer gets
 * #DuetCall::peer-video-paused with %DUET_VIDEO_PAUSE_REASON_BY_USER.
 *
 * Returns: %TRUE, or %FALSE with %DUET_KIT_ERROR_BAD_STATE when the video is
 *   not enabled or the call has ended
 */
gboolean
duet_call_pause_my_video (DuetCall  *self,
                          GError   **error)
{
  g_return_val_if_fail (DUET_IS_CALL (self), FALSE);

  if (self->paused_for_camera && self->my_video_state == DUET_VIDEO_STATE_PAUSED)
    {
      /* the user's pause outlasts the camera's return */
      self->paused_for_camera = FALSE;
      apply_my_video_state (self, DUET_VIDEO_STATE_PAUSED, "BY_USER");
      return TRUE;
    }
  if (!check_video (self, DUET_VIDEO_STATE_ENABLED, "pause video", error))
    return FALSE;
  apply_my_video_state (self, DUET_VIDEO_STATE_PAUSED, "BY_USER");
  return TRUE;
}

/**
 * duet_call_resume_my_video:
 * @self: a #DuetCall whose video is paused
 * @error: return location for a #GError, or %NULL
 *
 * Sends video again after duet_call_pause_my_video(), or after a call
 * started paused; the peer gets #DuetCall::peer-video-resumed.
 *
 * Returns: %TRUE, or %FALSE with %DUET_KIT_ERROR_BAD_STATE when the video is
 *   not paused
 */
gboolean
duet_call_resume_my_video (DuetCall  *self,
                           GError   **error)
{
  g_return_val_if_fail (DUET_IS_CALL (self), FALSE);

  if (!check_video (self, DUET_VIDEO_STATE_PAUSED, "resume video", error))
    return FALSE;
  if (duet_my_media_status_get_camera_problem (self->my_media_status) != DUET_DEVICE_PROBLEM_NONE)
    {
      /* nothing to send yet: paused for the camera, back when it is */
      self->paused_for_camera = TRUE;
      apply_my_video_state (self, DUET_VIDEO_STATE_PAUSED, "CAMERA_INACTIVE");
      return TRUE;
    }
  apply_my_video_state (self, DUET_VIDEO_STATE_ENABLED, NULL);
  return TRUE;
}

/**
 * duet_call_enable_video:
 * @self: a #DuetCall without video (audio call, or after
 *   duet_call_disable_video())
 * @initial_my_video_state: %DUET_INITIAL_VIDEO_STATE_RESUME to send video
 *   at once, %DUET_INITIAL_VIDEO_STATE_PAUSE to turn the camera on paused
 * @error: return location for a #GError, or %NULL
 *
 * Turns an audio call into a video call (PlanetKit's enableVideo()); the
 * peer gets #DuetCall::video-enabled-by-peer.
 *
 * Returns: %TRUE, or %FALSE with %DUET_KIT_ERROR_BAD_STATE when video is
 *   already on
 */
gboolean
duet_call_enable_video (DuetCall               *self,
                        DuetInitialVideoState   initial_my_video_state,
                        GError                **error)
{
  g_return_val_if_fail (DUET_IS_CALL (self), FALSE);

  if (!check_video (self, DUET_VIDEO_STATE_DISABLED, "enable video", error))
    return FALSE;
  if (initial_my_video_state == DUET_INITIAL_VIDEO_STATE_PAUSE)
    apply_my_video_state (self, DUET_VIDEO_STATE_PAUSED, "BY_USER");
  else
    apply_my_video_state (self, DUET_VIDEO_STATE_ENABLED, NULL);
  return TRUE;
}

/**
 * duet_call_disable_video:
 * @self: a #DuetCall with video
 * @reason: why, for the peer's #DuetCall::video-disabled-by-peer
 * @error: return location for a #GError, or %NULL
 *
 * Turns the camera off and stops sending video (PlanetKit's
 * disableVideo()).
 *
 * Returns: %TRUE, or %FALSE with %DUET_KIT_ERROR_BAD_STATE when video is
 *   already off
 */
gboolean
duet_call_disable_video (DuetCall                 *self,
                         DuetMediaDisabledReason   reason,
                         GError                  **error)
{
  g_return_val_if_fail (DUET_IS_CALL (self), FALSE);

  if (self->state == DUET_CALL_STATE_DISCONNECTED || self->my_video_state == DUET_VIDEO_STATE_DISABLED)
    {
      g_set_error_literal (error, DUET_KIT_ERROR, DUET_KIT_ERROR_BAD_STATE, "Video is not enabled");
      return FALSE;
    }
  apply_my_video_state (self, DUET_VIDEO_STATE_DISABLED, duet_media_disabled_reason_to_string (reason));
  return TRUE;
}

/**
 * duet_call_add_my_video_view:
 * @self: a #DuetCall
 * @sink: a GStreamer video sink, e.g. a #DuetVideoSink from libduet-kit-gtk
 *
 * Shows this side's camera in @sink (a preview). The view stays across network changes, which replace the media session underneath. PlanetKit's addMyVideoView.
 */
void
duet_call_add_my_video_view (DuetCall   *self,
                             GstElement *sink)
{
  g_return_if_fail (DUET_IS_CALL (self));
  g_ptr_array_add (self->my_views, gst_object_ref (sink));
  duet_media_session_add_view (self->media, FALSE, sink);
}

/**
 * duet_call_remove_my_video_view:
 * @self: a #DuetCall
 * @sink: a GStreamer video sink, e.g. a #DuetVideoSink from libduet-kit-gtk
 *
 * Stops showing this side's camera in @sink. PlanetKit's removeMyVideoView.
 */
void
duet_call_remove_my_video_view (DuetCall   *self,
                                GstElement *sink)
{
  g_return_if_fail (DUET_IS_CALL (self));
  duet_media_session_remove_view (self->media, FALSE, sink);
  g_ptr_array_remove (self->my_views, sink);
}

/**
 * duet_call_add_peer_video_view:
 * @self: a #DuetCall
 * @sink: a GStreamer video sink, e.g. a #DuetVideoSink from libduet-kit-gtk
 *
 * Shows the peer's video in @sink. The view stays across network changes, which replace the media session underneath. PlanetKit's addPeerVideoView.
 */
void
duet_call_add_peer_video_view (DuetCall   *self,
                               GstElement *sink)
{
  g_return_if_fail (DUET_IS_CALL (self));
  g_ptr_array_add (self->peer_views, gst_object_ref (sink));
  duet_media_session_add_view (self->media, TRUE, sink);
}

/**
 * duet_call_remove_peer_video_view:
 * @self: a #DuetCall
 * @sink: a GStreamer video sink, e.g. a #DuetVideoSink from libduet-kit-gtk
 *
 * Stops showing the peer's video in @sink. PlanetKit's removePeerVideoView.
 */
void
duet_call_remove_peer_video_view (DuetCall   *self,
                                  GstElement *sink)
{
  g_return_if_fail (DUET_IS_CALL (self));
  duet_media_session_remove_view (self->media, TRUE, sink);
  g_ptr_array_remove (self->peer_views, sink);
}

/**
 * duet_call_get_call_id:
 * @self: a #DuetCall
 *
 * Gets the call's id, given by the server; %NULL until
 * #DuetCall::wait-connected.
 *
 * Returns: the call's id, given by the server; %NULL until #DuetCall::wait-connected
 */
const char *
duet_call_get_call_id (DuetCall *self)
{
  g_return_val_if_fail (DUET_IS_CALL (self), NULL);
  return self->call_id;
}

/**
 * duet_call_get_state:
 * @self: a #DuetCall
 *
 * Gets where the call is.
 *
 * Returns: where the call is
 */
DuetCallState
duet_call_get_state (DuetCall *self)
{
  g_return_val_if_fail (DUET_IS_CALL (self), DUET_CALL_STATE_IDLE);
  return self->state;
}

/**
 * duet_call_get_is_caller:
 * @self: a #DuetCall
 *
 * Tells whether this side placed the call.
 *
 * Returns: %TRUE on the side that placed the call
 */
gboolean
duet_call_get_is_caller (DuetCall *self)
{
  g_return_val_if_fail (DUET_IS_CALL (self), FALSE);
  return self->is_caller;
}

/**
 * duet_call_get_media_type:
 * @self: a #DuetCall
 *
 * Gets the call's media: audio, or audio and video (an audio call turns
 * into a video call when either side enables video).
 *
 * Returns: audio, or audio and video (turns to audio and video when either side enables video)
 */
DuetMediaType
duet_call_get_media_type (DuetCall *self)
{
  g_return_val_if_fail (DUET_IS_CALL (self), DUET_MEDIA_TYPE_UNKNOWN);
  return self->media_type;
}

/**
 * duet_call_get_peer_user_id:
 * @self: a #DuetCall
 *
 * Gets the other party's user id.
 *
 * Returns: the other party's user id
 */
const char *
duet_call_get_peer_user_id (DuetCall *self)
{
  g_return_val_if_fail (DUET_IS_CALL (self), NULL);
  return self->peer_user_id;
}

/**
 * duet_call_get_peer_service_id:
 * @self: a #DuetCall
 *
 * Gets the other party's service id.
 *
 * Returns: the other party's service id
 */
const char *
duet_call_get_peer_service_id (DuetCall *self)
{
  g_return_val_if_fail (DUET_IS_CALL (self), NULL);
  return self->peer_service_id;
}

/**
 * duet_call_get_peer_mic_muted:
 * @self: a #DuetCall
 *
 * Gets whether the peer has muted its microphone.
 *
 * Returns: whether the peer has muted its microphone
 */
gboolean
duet_call_get_peer_mic_muted (DuetCall *self)
{
  g_return_val_if_fail (DUET_IS_CALL (self), FALSE);
  return self->peer_mic_muted;
}

/**
 * duet_call_get_peer_video_state:
 * @self: a #DuetCall
 *
 * Gets whether the peer sends video, has it paused, or has none.
 *
 * Returns: whether the peer sends video, has it paused, or has none
 */
DuetVideoState
duet_call_get_peer_video_state (DuetCall *self)
{
  g_return_val_if_fail (DUET_IS_CALL (self), DUET_VIDEO_STATE_DISABLED);
  return self->peer_video_state;
}

/**
 * duet_call_get_my_media_status:
 * @self: a #DuetCall
 *
 * Gets this side's microphone and video state, PlanetKit's MyMediaStatus.
 *
 * Returns: (transfer none): this side's microphone and video state, with its signals (PlanetKit's MyMediaStatus)
 */
DuetMyMediaStatus *
duet_call_get_my_media_status (DuetCall *self)
{
  g_return_val_if_fail (DUET_IS_CALL (self), NULL);
  return self->my_media_status;
}

/**
 * duet_call_get_in_responder_preparation:
 * @self: a #DuetCall
 *
 * Tells whether the call is connected in responder preparation.
 *
 * Returns: whether the call is connected in responder preparation: the callee sends nothing until duet_call_finish_preparation()
 */
gboolean
duet_call_get_in_responder_preparation (DuetCall *self)
{
  g_return_val_if_fail (DUET_IS_CALL (self), FALSE);
  return self->in_preparation;
}

/**
 * duet_call_get_network_quality:
 * @self: a #DuetCall
 *
 * Reads #DuetCall:network-quality.
 *
 * Returns: how well the peer's media reaches this side (#DuetCall:network-quality)
 */
DuetNetworkQuality
duet_call_get_network_quality (DuetCall *self)
{
  g_return_val_if_fail (DUET_IS_CALL (self), DUET_NETWORK_QUALITY_UNKNOWN);
  return self->network_quality;
}

/**
 * duet_call_get_peer_network_quality:
 * @self: a #DuetCall
 *
 * Reads #DuetCall:peer-network-quality.
 *
 * Returns: how well this side's media reaches the peer, as it reports it
 *   (#DuetCall:peer-network-quality)
 */
DuetNetworkQuality
duet_call_get_peer_network_quality (DuetCall *self)
{
  g_return_val_if_fail (DUET_IS_CALL (self), DUET_NETWORK_QUALITY_UNKNOWN);
  return self->peer_network_quality;
}

/**
 * duet_call_get_statistics:
 * @self: a #DuetCall
 * @statistics: (out caller-allocates): where to write the counters
 *
 * Reads the media counters of the call's current media session
 * (PlanetKit's statistics): frames and bytes both ways, when the first
 * peer frame arrived, and which kind of ICE path is in use.
 */
void
duet_call_get_statistics (DuetCall           *self,
                          DuetCallStatistics *stats)
{
  g_return_if_fail (DUET_IS_CALL (self));
  duet_media_session_get_stats (self->media, stats);
}

/* ---- GObject ---- */

static void
duet_call_dispose (GObject *object)
{
  DuetCall *self = DUET_CALL (object);

  g_clear_handle_id (&self->end_fallback, g_source_remove);
  g_clear_handle_id (&self->wait_connected_source, g_source_remove);
  stop_reconnecting (self);
  if (self->factory_owner != NULL)
    g_object_remove_weak_pointer (self->factory_owner, &self->factory_owner);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  if (self->media != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->media, self);
      duet_media_session_stop (self->media);
    }
  g_clear_object (&self->media);
  g_clear_object (&self->signalling);
  g_clear_object (&self->my_media_status);

  G_OBJECT_CLASS (duet_call_parent_class)->dispose (object);
}

static void
duet_call_finalize (GObject *object)
{
  DuetCall *self = DUET_CALL (object);

  g_free (self->call_id);
  g_free (self->peer_user_id);
  g_free (self->peer_service_id);
  g_free (self->my_user_code);
  for (int kind = 0; kind < 3; kind++)
    g_free (self->device_ids[kind]);
  g_ptr_array_unref (self->local_mids);
  g_ptr_array_unref (self->my_views);
  g_ptr_array_unref (self->peer_views);

  G_OBJECT_CLASS (duet_call_parent_class)->finalize (object);
}

static void
duet_call_get_property (GObject    *object,
                        guint       prop_id,
                        GValue     *value,
                        GParamSpec *pspec)
{
  DuetCall *self = DUET_CALL (object);

  switch (prop_id)
    {
    case PROP_CALL_ID: g_value_set_string (value, self->call_id); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_IS_CALLER: g_value_set_boolean (value, self->is_caller); break;
    case PROP_MEDIA_TYPE: g_value_set_enum (value, self->media_type); break;
    case PROP_PEER_USER_ID: g_value_set_string (value, self->peer_user_id); break;
    case PROP_PEER_SERVICE_ID: g_value_set_string (value, self->peer_service_id); break;
    case PROP_PEER_MIC_MUTED: g_value_set_boolean (value, self->peer_mic_muted); break;
    case PROP_PEER_VIDEO_STATE: g_value_set_enum (value, self->peer_video_state); break;
    case PROP_MY_MEDIA_STATUS: g_value_set_object (value, self->my_media_status); break;
    case PROP_IN_RESPONDER_PREPARATION: g_value_set_boolean (value, self->in_preparation); break;
    case PROP_NETWORK_QUALITY: g_value_set_enum (value, self->network_quality); break;
    case PROP_PEER_NETWORK_QUALITY: g_value_set_enum (value, self->peer_network_quality); break;
    case PROP_CAMERA:
    case PROP_MICROPHONE:
    case PROP_SPEAKER:
      g_value_set_string (value, self->device_ids[prop_id - PROP_CAMERA]);
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_call_set_property (GObject      *object,
                        guint         prop_id,
                        const GValue *value,
                        GParamSpec   *pspec)
{
  DuetCall *self = DUET_CALL (object);

  switch (prop_id)
    {
    case PROP_CAMERA:
    case PROP_MICROPHONE:
    case PROP_SPEAKER:
      duet_call_set_device (self, prop_id - PROP_CAMERA, g_value_get_string (value));
      break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_call_class_init (DuetCallClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;
  GType type = G_TYPE_FROM_CLASS (klass);

  object_class->dispose = duet_call_dispose;
  object_class->finalize = duet_call_finalize;
  object_class->get_property = duet_call_get_property;
  object_class->set_property = duet_call_set_property;

  /**
   * DuetCall:call-id:
   *
   * The server's id of the call; %NULL until #DuetCall::wait-connected.
   */
  properties[PROP_CALL_ID] = g_param_spec_string ("call-id", NULL, NULL, NULL, flags);
  /**
   * DuetCall:state:
   *
   * Where the call is, as PlanetKit's call states.
   */
  properties[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, DUET_TYPE_CALL_STATE, DUET_CALL_STATE_IDLE, flags);
  /**
   * DuetCall:is-caller:
   *
   * %TRUE on the side that placed the call.
   */
  properties[PROP_IS_CALLER] = g_param_spec_boolean ("is-caller", NULL, NULL, FALSE, flags);
  /**
   * DuetCall:media-type:
   *
   * Audio, or audio and video.
   */
  properties[PROP_MEDIA_TYPE] = g_param_spec_enum ("media-type", NULL, NULL, DUET_TYPE_MEDIA_TYPE, DUET_MEDIA_TYPE_UNKNOWN, flags);
  /**
   * DuetCall:peer-user-id:
   *
   * The other party's user id.
   */
  properties[PROP_PEER_USER_ID] = g_param_spec_string ("peer-user-id", NULL, NULL, NULL, flags);
  /**
   * DuetCall:peer-service-id:
   *
   * The other party's service id.
   */
  properties[PROP_PEER_SERVICE_ID] = g_param_spec_string ("peer-service-id", NULL, NULL, NULL, flags);
  /**
   * DuetCall:peer-mic-muted:
   *
   * Whether the peer has muted its microphone.
   */
  properties[PROP_PEER_MIC_MUTED] = g_param_spec_boolean ("peer-mic-muted", NULL, NULL, FALSE, flags);
  /**
   * DuetCall:peer-video-state:
   *
   * Whether the peer sends video, has it paused, or has none.
   */
  properties[PROP_PEER_VIDEO_STATE] = g_param_spec_enum ("peer-video-state", NULL, NULL, DUET_TYPE_VIDEO_STATE, DUET_VIDEO_STATE_DISABLED, flags);
  /**
   * DuetCall:my-media-status:
   *
   * This side's microphone and video state.
   */
  properties[PROP_MY_MEDIA_STATUS] = g_param_spec_object ("my-media-status", NULL, NULL, DUET_TYPE_MY_MEDIA_STATUS, flags);
  /**
   * DuetCall:in-responder-preparation:
   *
   * Whether the call is connected in responder preparation (see
   * duet_call_accept_call()); turns %FALSE when the callee finishes it.
   */
  properties[PROP_IN_RESPONDER_PREPARATION] = g_param_spec_boolean ("in-responder-preparation", NULL, NULL, FALSE, flags);
  /**
   * DuetCall:network-quality:
   *
   * How well the peer's media reaches this side, from the loss, jitter,
   * round-trip time and bitrate of the last seconds; updated about once a
   * second while media flows. A user interface shows it as a signal icon.
   */
  properties[PROP_NETWORK_QUALITY] = g_param_spec_enum ("network-quality", NULL, NULL, DUET_TYPE_NETWORK_QUALITY, DUET_NETWORK_QUALITY_UNKNOWN, flags);
  /**
   * DuetCall:peer-network-quality:
   *
   * How well this side's media reaches the peer, as the peer reports it:
   * when it is poor, the peer sees and hears this side badly (a user
   * interface says so: "Bob's connection is poor").
   */
  properties[PROP_PEER_NETWORK_QUALITY] = g_param_spec_enum ("peer-network-quality", NULL, NULL, DUET_TYPE_NETWORK_QUALITY, DUET_NETWORK_QUALITY_UNKNOWN, flags);
  /**
   * DuetCall:camera:
   *
   * The camera this call uses, by its #DuetDevice:id; %NULL for the
   * default one. See duet_call_set_device().
   */
  properties[PROP_CAMERA] = g_param_spec_string ("camera", NULL, NULL, NULL,
                                                 G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * DuetCall:microphone:
   *
   * The microphone this call uses, by its #DuetDevice:id; %NULL for the
   * desktop's default one.
   */
  properties[PROP_MICROPHONE] = g_param_spec_string ("microphone", NULL, NULL, NULL,
                                                     G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  /**
   * DuetCall:speaker:
   *
   * The speakers or headphones this call plays to, by their #DuetDevice:id;
   * %NULL for the desktop's default.
   */
  properties[PROP_SPEAKER] = g_param_spec_string ("speaker", NULL, NULL, NULL,
                                                  G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DuetCall::wait-connected:
   * @call: the #DuetCall
   *
   * The server has the caller's call and is pushing it to the callee
   * (PlanetKit's onWaitConnected). Emitted after the make-call result is
   * delivered, so handlers connected then see it.
   */
  signals[WAIT_CONNECTED] = g_signal_new ("wait-connected", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * DuetCall::verified:
   * @call: the #DuetCall
   * @peer_use_responder_preparation: whether the callee said it will
   *   accept with responder preparation
   *
   * The caller's side: the callee verified the call and is ringing
   * (PlanetKit's onVerified).
   */
  signals[VERIFIED] = g_signal_new ("verified", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                    G_TYPE_BOOLEAN);
  /**
   * DuetCall::connected:
   * @call: the #DuetCall
   * @is_in_responder_preparation: whether the callee accepted with
   *   responder preparation, so no media flows yet
   * @should_finish_preparation: %TRUE on the callee's side of such a call:
   *   call duet_call_finish_preparation() when ready
   *
   * The callee accepted; media flows (PlanetKit's onConnected).
   */
  signals[CONNECTED] = g_signal_new ("connected", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                     G_TYPE_BOOLEAN, G_TYPE_BOOLEAN);
  /**
   * DuetCall::disconnected:
   * @call: the #DuetCall
   * @reason: why the call ended (PlanetKit's numbers)
   * @source: who ended it
   * @by_remote: %TRUE when this side did not end it
   * @user_code: (nullable): the app-defined code the call was ended with
   *   (duet_call_end_call_with_user_code(), duet_call_end_call_with_error()),
   *   on both sides, or %NULL
   *
   * The call is over (PlanetKit's onDisconnected). Emitted once.
   */
  signals[DISCONNECTED] =
    g_signal_new ("disconnected", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 4,
                  DUET_TYPE_DISCONNECT_REASON, DUET_TYPE_DISCONNECT_SOURCE, G_TYPE_BOOLEAN, G_TYPE_STRING);
  /**
   * DuetCall::peer-mic-muted:
   * @call: the #DuetCall
   *
   * The peer muted its microphone (PlanetKit's onPeerMicMuted).
   */
  signals[PEER_MIC_MUTED] = g_signal_new ("peer-mic-muted", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * DuetCall::peer-mic-unmuted:
   * @call: the #DuetCall
   *
   * The peer unmuted its microphone (PlanetKit's onPeerMicUnmuted).
   */
  signals[PEER_MIC_UNMUTED] = g_signal_new ("peer-mic-unmuted", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * DuetCall::peer-video-paused:
   * @call: the #DuetCall
   * @reason: why the peer paused
   *
   * The peer stopped sending video for now (PlanetKit's onPeerVideoPaused).
   */
  signals[PEER_VIDEO_PAUSED] =
    g_signal_new ("peer-video-paused", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  DUET_TYPE_VIDEO_PAUSE_REASON);
  /**
   * DuetCall::peer-video-resumed:
   * @call: the #DuetCall
   *
   * The peer sends video again (PlanetKit's onPeerVideoResumed).
   */
  signals[PEER_VIDEO_RESUMED] = g_signal_new ("peer-video-resumed", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * DuetCall::video-enabled-by-peer:
   * @call: the #DuetCall
   *
   * The peer turned the call into a video call (PlanetKit's
   * onVideoEnabledByPeer).
   */
  signals[VIDEO_ENABLED_BY_PEER] = g_signal_new ("video-enabled-by-peer", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * DuetCall::video-disabled-by-peer:
   * @call: the #DuetCall
   * @reason: why
   *
   * The peer turned its video off (PlanetKit's onVideoDisabledByPeer).
   */
  signals[VIDEO_DISABLED_BY_PEER] =
    g_signal_new ("video-disabled-by-peer", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                  DUET_TYPE_MEDIA_DISABLED_REASON);
  /**
   * DuetCall::device-warning:
   * @call: the #DuetCall
   * @message: what is missing, in English
   *
   * A media feature is unavailable (such as echo cancellation without
   * webrtcdsp); the call goes on. A missing camera or microphone is
   * #DuetMyMediaStatus:camera-problem and #DuetMyMediaStatus:microphone-problem.
   */
  signals[DEVICE_WARNING] =
    g_signal_new ("device-warning", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
  /**
   * DuetCall::media-rejected:
   * @call: the #DuetCall
   * @media: "audio" or "video"
   * @what: "refused" (neither way), "not-sent" (the peer takes none of
   *   ours) or "not-received" (the peer sends none)
   *
   * Offer and answer left a stream of the call one way or off, for
   * example because the two ends share no codec for it. The call goes on
   * with what was agreed.
   */
  signals[MEDIA_REJECTED] =
    g_signal_new ("media-rejected", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_STRING);
  /**
   * DuetCall::network-unavailable:
   * @call: the #DuetCall
   * @seconds_left: when the call ends unless the path comes back
   *
   * Nothing has come from the peer for a while; a new path is being tried
   * (PlanetKit's onNetworkUnavailable).
   */
  signals[NETWORK_UNAVAILABLE] =
    g_signal_new ("network-unavailable", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
  /**
   * DuetCall::network-available:
   * @call: the #DuetCall
   *
   * Media flows again, on the old path or a new one (PlanetKit's
   * onNetworkReavailable).
   */
  signals[NETWORK_AVAILABLE] =
    g_signal_new ("network-available", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /**
   * DuetCall::short-data-received:
   * @call: the #DuetCall
   * @type: what the data is, as the sender named it
   * @data: the payload, 1 to 800 bytes
   *
   * The peer sent short data with duet_call_send_short_data_async()
   * (PlanetKit's onShortDataReceived).
   */
  signals[SHORT_DATA_RECEIVED] =
    g_signal_new ("short-data-received", type, G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                  G_TYPE_STRING, G_TYPE_BYTES);
}

static void
duet_call_init (DuetCall *self)
{
  self->my_media_status = duet_my_media_status_new ();
  self->local_mids = g_ptr_array_new_with_free_func (g_free);
  self->my_views = g_ptr_array_new_with_free_func (gst_object_unref);
  self->peer_views = g_ptr_array_new_with_free_func (gst_object_unref);
  self->network_grace_s = DUET_CALL_DEFAULT_NETWORK_GRACE;
}

DuetCall *
duet_call_new (DuetSignalling        *signalling,
               DuetMediaSession      *media,
               gboolean               is_caller,
               const char            *peer_user_id,
               const char            *peer_service_id,
               DuetMediaType          media_type,
               DuetInitialVideoState  initial_my_video_state)
{
  DuetCall *self = g_object_new (DUET_TYPE_CALL, NULL);
  gboolean video = duet_media_type_has_video (media_type);

  self->signalling = g_object_ref (signalling);
  self->media = g_object_ref (media);
  self->is_caller = is_caller;
  self->peer_user_id = g_strdup (peer_user_id);
  self->peer_service_id = g_strdup (peer_service_id);
  self->media_type = media_type;
  self->peer_video_state = video ? DUET_VIDEO_STATE_ENABLED : DUET_VIDEO_STATE_DISABLED;
  self->my_video_state = !video ? DUET_VIDEO_STATE_DISABLED
                         : initial_my_video_state == DUET_INITIAL_VIDEO_STATE_PAUSE ? DUET_VIDEO_STATE_PAUSED
                         : DUET_VIDEO_STATE_ENABLED;
  if (self->my_video_state == DUET_VIDEO_STATE_PAUSED)
    self->my_video_reason = g_intern_static_string ("BY_USER");
  duet_my_media_status_set_video_state (self->my_media_status, self->my_video_state,
                                        DUET_VIDEO_PAUSE_REASON_BY_USER);
  for (int kind = 0; kind < 3; kind++)
    self->device_ids[kind] = g_strdup (duet_media_session_get_device (media, kind));
  apply_sending (self, media);

  connect_media (self, media);
  return self;
}

/**
 * duet_call_set_reconnect: (skip)
 * @factory: makes and starts a fresh media session for this call
 * @owner: the object @factory needs (held weakly)
 * @grace_s: how long the media path may be lost before the call ends
 *
 * Without this a lost path simply ends the call after @grace_s.
 */
void
duet_call_set_reconnect (DuetCall         *self,
                         DuetMediaFactory  factory,
                         gpointer          owner,
                         guint             grace_s)
{
  g_return_if_fail (DUET_IS_CALL (self));

  self->media_factory = factory;
  self->factory_owner = owner;
  g_object_add_weak_pointer (owner, &self->factory_owner);
  self->network_grace_s = MAX (grace_s, 1);
  g_signal_connect_object (self->signalling, "notify::ready", G_CALLBACK (on_signalling_notify_ready), self, 0);
  if (self->is_caller && self->monitor == NULL)
    {
      self->monitor = g_object_ref (g_network_monitor_get_default ());
      g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_monitor_network_changed), self);
    }
}

void
duet_call_set_call_id (DuetCall   *self,
                       const char *call_id)
{
  g_return_if_fail (DUET_IS_CALL (self));

  if (duet_set_string (&self->call_id, call_id))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CALL_ID]);
}

/**
 * duet_call_set_device:
 * @self: a #DuetCall
 * @kind: which device
 * @id: (nullable): a #DuetDevice:id from #DuetDeviceMonitor, or %NULL for the default one
 *
 * Switches the call's camera, microphone or speaker, at once and without
 * renegotiating. Should the device go away, the call goes on with the
 * default one, and comes back to @id when it returns.
 */
void
duet_call_set_device (DuetCall       *self,
                      DuetDeviceKind  kind,
                      const char     *id)
{
  g_return_if_fail (DUET_IS_CALL (self));
  g_return_if_fail (kind <= DUET_DEVICE_KIND_SPEAKER);

  if (id != NULL && *id == '\0')
    id = NULL;
  if (!duet_set_string (&self->device_ids[kind], id))
    return;
  duet_media_session_set_device (self->media, kind, id);
  if (self->pending != NULL)
    duet_media_session_set_device (self->pending, kind, id);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAMERA + kind]);
}

/**
 * duet_call_get_device:
 * @self: a #DuetCall
 * @kind: which device
 *
 * Gets the device chosen for the call.
 *
 * Returns: (nullable): the device's id, or %NULL for the default one
 */
const char *
duet_call_get_device (DuetCall       *self,
                      DuetDeviceKind  kind)
{
  g_return_val_if_fail (DUET_IS_CALL (self), NULL);
  g_return_val_if_fail (kind <= DUET_DEVICE_KIND_SPEAKER, NULL);

  return self->device_ids[kind];
}
