/* duet-call-history-entry.h: one call of the user's history
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-call.h"
#include "duet-protocol-enums.h"

G_BEGIN_DECLS

#define DUET_TYPE_CALL_HISTORY_ENTRY (duet_call_history_entry_get_type ())
G_DECLARE_FINAL_TYPE (DuetCallHistoryEntry, duet_call_history_entry, DUET, CALL_HISTORY_ENTRY, GObject)

const char           *duet_call_history_entry_get_call_id           (DuetCallHistoryEntry *self);
gboolean              duet_call_history_entry_get_outgoing          (DuetCallHistoryEntry *self);
const char           *duet_call_history_entry_get_peer_user_id      (DuetCallHistoryEntry *self);
const char           *duet_call_history_entry_get_peer_service_id   (DuetCallHistoryEntry *self);
DuetMediaType         duet_call_history_entry_get_media_type        (DuetCallHistoryEntry *self);
DuetCallState         duet_call_history_entry_get_state             (DuetCallHistoryEntry *self);
GDateTime            *duet_call_history_entry_get_invited_at        (DuetCallHistoryEntry *self);
GDateTime            *duet_call_history_entry_get_answered_at       (DuetCallHistoryEntry *self);
GDateTime            *duet_call_history_entry_get_ended_at          (DuetCallHistoryEntry *self);
GTimeSpan             duet_call_history_entry_get_duration          (DuetCallHistoryEntry *self);
DuetDisconnectReason  duet_call_history_entry_get_disconnect_reason (DuetCallHistoryEntry *self);
DuetDisconnectSource  duet_call_history_entry_get_disconnect_source (DuetCallHistoryEntry *self);
gboolean              duet_call_history_entry_get_missed            (DuetCallHistoryEntry *self);
const char           *duet_call_history_entry_get_user_code         (DuetCallHistoryEntry *self);

G_END_DECLS
