/* duet-call-history-entry-private.h: entries from the server's messages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "duet-call-history-entry.h"
#include "duet-messages.h"

G_BEGIN_DECLS

DuetCallHistoryEntry *duet_call_history_entry_new_from_history (const DuetHistoryEntry    *entry);
DuetCallHistoryEntry *duet_call_history_entry_new_from_missed  (const DuetMissedCallEvent *event);

G_END_DECLS
