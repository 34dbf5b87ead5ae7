/* duet-call-private.h: what DuetManager uses to drive a call
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "duet-call.h"
#include "duet-call-event.h"
#include "duet-media-session.h"
#include "duet-protocol.h"
#include "duet-signalling.h"

G_BEGIN_DECLS

/* Makes and starts a media session for a call that already exists */
typedef DuetMediaSession *(*DuetMediaFactory) (gboolean offerer,
                                               gpointer owner);

#define DUET_CALL_DEFAULT_NETWORK_GRACE 20

DuetCall *duet_call_new           (DuetSignalling        *signalling,
                                   DuetMediaSession      *media,
                                   gboolean               is_caller,
                                   const char            *peer_user_id,
                                   const char            *peer_service_id,
                                   DuetMediaType          media_type,
                                   DuetInitialVideoState  initial_my_video_state);
void      duet_call_set_reconnect (DuetCall              *self,
                                   DuetMediaFactory       factory,
                                   gpointer               owner,
                                   guint                  grace_s);
void      duet_call_set_call_id   (DuetCall              *self,
                                   const char            *call_id);
void      duet_call_set_state     (DuetCall              *self,
                                   DuetCallState          state);
void      duet_call_queue_wait_connected (DuetCall       *self);
void      duet_call_handle_event  (DuetCall              *self,
                                   const DuetCallEvent   *event);

G_END_DECLS
