/* duet-call-history-entry-private.h: entries from the server's messages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "duet-call-history-entry.h"

G_BEGIN_DECLS

DuetCallHistoryEntry *duet_call_history_entry_new_from_history (JsonObject  *entry,
                                                                GError     **error);
DuetCallHistoryEntry *duet_call_history_entry_new_from_missed  (JsonObject  *event,
                                                                GError     **error);

G_END_DECLS
