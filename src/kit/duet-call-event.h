/* duet-call-event.h: a server event for one call, parsed once
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "duet-messages.h"

G_BEGIN_DECLS

/* The server events that belong to a call, routed by call_id */
typedef struct
{
  DuetServerMessageType type;
  union
  {
    DuetVerifiedEvent            verified;
    DuetConnectedEvent           connected;
    DuetDisconnectedEvent        disconnected;
    DuetSignalEvent              signal;
    DuetPeerMediaStateEvent      peer_media_state;
    DuetPreparationFinishedEvent preparation_finished;
    DuetShortDataEvent           short_data;
  };
} DuetCallEvent;

DuetCallEvent *duet_call_event_parse       (DuetServerMessageType   type,
                                            JsonObject             *message,
                                            GError                **error);
const char    *duet_call_event_get_call_id (const DuetCallEvent    *event);
void           duet_call_event_free        (DuetCallEvent          *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetCallEvent, duet_call_event_free)

G_END_DECLS
