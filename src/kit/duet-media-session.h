/* duet-media-session.h: one call's webrtcbin pipeline
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "duet-call-statistics.h"
#include "duet-device.h"
#include "duet-media-settings.h"

G_BEGIN_DECLS

#define DUET_TYPE_MEDIA_SESSION (duet_media_session_get_type ())
G_DECLARE_FINAL_TYPE (DuetMediaSession, duet_media_session, DUET, MEDIA_SESSION, GObject)

/* The call's public statistics are the media session's own counters */
typedef DuetCallStatistics DuetMediaStats;

DuetMediaSession *duet_media_session_new                    (gboolean           offerer,
                                                             DuetMediaSettings *settings);
void              duet_media_session_set_ice_servers        (DuetMediaSession  *self,
                                                             const char * const *servers,
                                                             gboolean           relay_only);
gboolean          duet_media_session_start                  (DuetMediaSession  *self,
                                                             GError           **error);
void              duet_media_session_stop                   (DuetMediaSession  *self);
void              duet_media_session_stop_after_flush       (DuetMediaSession  *self);
void              duet_media_session_create_offer           (DuetMediaSession  *self);
gboolean          duet_media_session_set_remote_description (DuetMediaSession  *self,
                                                             const char        *type,
                                                             const char        *sdp,
                                                             GError           **error);
void              duet_media_session_add_remote_candidate   (DuetMediaSession  *self,
                                                             guint              mline_index,
                                                             const char        *candidate);
void              duet_media_session_open                   (DuetMediaSession  *self);
void              duet_media_session_set_mic_muted          (DuetMediaSession  *self,
                                                             gboolean           muted);
void              duet_media_session_set_audio_sending      (DuetMediaSession  *self,
                                                             gboolean           sending);
void              duet_media_session_set_peer_video_expected (DuetMediaSession *self,
                                                             gboolean          expected);
void              duet_media_session_set_video_sending      (DuetMediaSession  *self,
                                                             gboolean           sending);
void              duet_media_session_set_camera_active      (DuetMediaSession  *self,
                                                             gboolean           active);
void              duet_media_session_open_devices           (DuetMediaSession  *self);
void              duet_media_session_set_device             (DuetMediaSession  *self,
                                                             DuetDeviceKind     kind,
                                                             const char        *id);
const char       *duet_media_session_get_device             (DuetMediaSession  *self,
                                                             DuetDeviceKind     kind);
DuetDeviceProblem duet_media_session_get_device_problem     (DuetMediaSession  *self,
                                                             DuetDeviceKind     kind);
gboolean          duet_media_session_send_control           (DuetMediaSession  *self,
                                                             JsonObject        *message);
void              duet_media_session_add_view               (DuetMediaSession  *self,
                                                             gboolean           peer,
                                                             GstElement        *sink);
void              duet_media_session_remove_view            (DuetMediaSession  *self,
                                                             gboolean           peer,
                                                             GstElement        *sink);
gboolean          duet_media_session_get_channel_open       (DuetMediaSession  *self);
void              duet_media_session_get_stats              (DuetMediaSession  *self,
                                                             DuetMediaStats    *stats);

G_END_DECLS
