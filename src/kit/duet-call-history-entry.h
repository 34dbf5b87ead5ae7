/* duet-call-history-entry.h: one call of the user's history
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-call.h"
#include "duet-protocol-enums.h"
#include "duet-version.h"

G_BEGIN_DECLS

#define DUET_TYPE_CALL_HISTORY_ENTRY (duet_call_history_entry_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetCallHistoryEntry, duet_call_history_entry, DUET, CALL_HISTORY_ENTRY, GObject)

DUET_AVAILABLE_IN_ALL
const char           *duet_call_history_entry_get_call_id           (DuetCallHistoryEntry *self);
DUET_AVAILABLE_IN_ALL
gboolean              duet_call_history_entry_get_outgoing          (DuetCallHistoryEntry *self);
DUET_AVAILABLE_IN_ALL
const char           *duet_call_history_entry_get_peer_user_id      (DuetCallHistoryEntry *self);
DUET_AVAILABLE_IN_ALL
const char           *duet_call_history_entry_get_peer_service_id   (DuetCallHistoryEntry *self);
DUET_AVAILABLE_IN_ALL
DuetMediaType         duet_call_history_entry_get_media_type        (DuetCallHistoryEntry *self);
DUET_AVAILABLE_IN_ALL
DuetCallState         duet_call_history_entry_get_state             (DuetCallHistoryEntry *self);
DUET_AVAILABLE_IN_ALL
GDateTime            *duet_call_history_entry_get_invited_at        (DuetCallHistoryEntry *self);
DUET_AVAILABLE_IN_ALL
GDateTime            *duet_call_history_entry_get_answered_at       (DuetCallHistoryEntry *self);
DUET_AVAILABLE_IN_ALL
GDateTime            *duet_call_history_entry_get_ended_at          (DuetCallHistoryEntry *self);
DUET_AVAILABLE_IN_ALL
GTimeSpan             duet_call_history_entry_get_duration          (DuetCallHistoryEntry *self);
DUET_AVAILABLE_IN_ALL
DuetDisconnectReason  duet_call_history_entry_get_disconnect_reason (DuetCallHistoryEntry *self);
DUET_AVAILABLE_IN_ALL
DuetDisconnectSource  duet_call_history_entry_get_disconnect_source (DuetCallHistoryEntry *self);
DUET_AVAILABLE_IN_ALL
gboolean              duet_call_history_entry_get_missed            (DuetCallHistoryEntry *self);
DUET_AVAILABLE_IN_ALL
gboolean              duet_call_history_entry_get_seen              (DuetCallHistoryEntry *self);
DUET_AVAILABLE_IN_ALL
const char           *duet_call_history_entry_get_user_code         (DuetCallHistoryEntry *self);

G_END_DECLS
