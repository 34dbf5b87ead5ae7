/* duet-call.h: one 1-to-1 call, PlanetKitCall-shaped
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <gst/gst.h>

#include "duet-call-statistics.h"
#include "duet-device.h"
#include "duet-my-media-status.h"
#include "duet-protocol-enums.h"
#include "duet-version.h"

G_BEGIN_DECLS

/**
 * DuetCallState:
 * @DUET_CALL_STATE_IDLE: not placed yet
 * @DUET_CALL_STATE_WAITING: placed; the callee has not verified it yet
 * @DUET_CALL_STATE_VERIFIED: the callee verified it and is ringing
 * @DUET_CALL_STATE_CONNECTED: answered; media flows
 * @DUET_CALL_STATE_DISCONNECTED: over; see #DuetCall::disconnected
 *
 * The states of a 1-to-1 call, as PlanetKit's.
 */
typedef enum /*< prefix=DUET_CALL_STATE >*/
{
  DUET_CALL_STATE_IDLE,          /*< nick=idle >*/
  DUET_CALL_STATE_WAITING,       /*< nick=waiting >*/
  DUET_CALL_STATE_VERIFIED,      /*< nick=verified >*/
  DUET_CALL_STATE_CONNECTED,     /*< nick=connected >*/
  DUET_CALL_STATE_DISCONNECTED,  /*< nick=disconnected >*/
} DuetCallState;

#define DUET_TYPE_CALL (duet_call_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetCall, duet_call, DUET, CALL, GObject)

DUET_AVAILABLE_IN_ALL
const char        *duet_call_get_call_id          (DuetCall              *self);
DUET_AVAILABLE_IN_ALL
DuetCallState      duet_call_get_state            (DuetCall              *self);
DUET_AVAILABLE_IN_ALL
gboolean           duet_call_get_is_caller        (DuetCall              *self);
DUET_AVAILABLE_IN_ALL
DuetMediaType      duet_call_get_media_type       (DuetCall              *self);
DUET_AVAILABLE_IN_ALL
const char        *duet_call_get_peer_user_id     (DuetCall              *self);
DUET_AVAILABLE_IN_ALL
const char        *duet_call_get_peer_service_id  (DuetCall              *self);
DUET_AVAILABLE_IN_ALL
gboolean           duet_call_get_peer_mic_muted   (DuetCall              *self);
DUET_AVAILABLE_IN_ALL
DuetVideoState     duet_call_get_peer_video_state (DuetCall              *self);
DUET_AVAILABLE_IN_ALL
DuetMyMediaStatus *duet_call_get_my_media_status  (DuetCall              *self);
DUET_AVAILABLE_IN_ALL
void               duet_call_get_statistics       (DuetCall              *self,
                                                   DuetCallStatistics    *statistics);

DUET_AVAILABLE_IN_ALL
gboolean           duet_call_get_in_responder_preparation (DuetCall      *self);
DUET_AVAILABLE_IN_ALL
DuetNetworkQuality duet_call_get_network_quality  (DuetCall              *self);
DUET_AVAILABLE_IN_ALL
DuetNetworkQuality duet_call_get_peer_network_quality (DuetCall          *self);

DUET_AVAILABLE_IN_ALL
gboolean           duet_call_accept_call          (DuetCall              *self,
                                                   gboolean               use_responder_preparation,
                                                   DuetInitialVideoState  initial_my_video_state,
                                                   GError               **error);
DUET_AVAILABLE_IN_ALL
gboolean           duet_call_finish_preparation   (DuetCall              *self,
                                                   GError               **error);
DUET_AVAILABLE_IN_ALL
void               duet_call_end_call             (DuetCall              *self);
DUET_AVAILABLE_IN_ALL
gboolean           duet_call_end_call_with_user_code (DuetCall           *self,
                                                   const char            *user_code,
                                                   GError               **error);
DUET_AVAILABLE_IN_ALL
gboolean           duet_call_end_call_with_error  (DuetCall              *self,
                                                   const char            *user_code,
                                                   GError               **error);
DUET_AVAILABLE_IN_ALL
void               duet_call_send_short_data_async (DuetCall             *self,
                                                   const char            *type,
                                                   GBytes                *data,
                                                   GCancellable          *cancellable,
                                                   GAsyncReadyCallback    callback,
                                                   gpointer               user_data);
DUET_AVAILABLE_IN_ALL
gboolean           duet_call_send_short_data_finish (DuetCall            *self,
                                                   GAsyncResult          *result,
                                                   GError               **error);
DUET_AVAILABLE_IN_ALL
void               duet_call_mute_my_audio        (DuetCall              *self,
                                                   gboolean               mute);
DUET_AVAILABLE_IN_ALL
gboolean           duet_call_pause_my_video       (DuetCall              *self,
                                                   GError               **error);
DUET_AVAILABLE_IN_ALL
gboolean           duet_call_resume_my_video      (DuetCall              *self,
                                                   GError               **error);
DUET_AVAILABLE_IN_ALL
gboolean           duet_call_enable_video         (DuetCall              *self,
                                                   DuetInitialVideoState  initial_my_video_state,
                                                   GError               **error);
DUET_AVAILABLE_IN_ALL
gboolean           duet_call_disable_video        (DuetCall              *self,
                                                   DuetMediaDisabledReason reason,
                                                   GError               **error);
DUET_AVAILABLE_IN_ALL
void               duet_call_add_my_video_view    (DuetCall              *self,
                                                   GstElement            *sink);
DUET_AVAILABLE_IN_ALL
void               duet_call_remove_my_video_view (DuetCall              *self,
                                                   GstElement            *sink);
DUET_AVAILABLE_IN_ALL
void               duet_call_add_peer_video_view  (DuetCall              *self,
                                                   GstElement            *sink);
DUET_AVAILABLE_IN_ALL
void               duet_call_remove_peer_video_view (DuetCall            *self,
                                                     GstElement          *sink);
DUET_AVAILABLE_IN_ALL
void               duet_call_set_device           (DuetCall              *self,
                                                   DuetDeviceKind         kind,
                                                   const char            *id);
DUET_AVAILABLE_IN_ALL
const char        *duet_call_get_device           (DuetCall              *self,
                                                   DuetDeviceKind         kind);

G_END_DECLS
