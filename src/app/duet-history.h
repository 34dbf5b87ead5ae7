/* duet-history.h: the server's list of recent calls
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "duet-manager.h"

G_BEGIN_DECLS

#define DUET_TYPE_HISTORY (duet_history_get_type ())
G_DECLARE_FINAL_TYPE (DuetHistory, duet_history, DUET, HISTORY, GObject)

G_GNUC_WARN_UNUSED_RESULT
DuetHistory *duet_history_new          (void);
guint        duet_history_get_n_calls  (DuetHistory          *self);
DuetCallHistoryEntry *duet_history_get_call     (DuetHistory          *self,
                                        guint                 position);
void         duet_history_fetch_async  (DuetHistory          *self,
                                        DuetManager          *manager,
                                        GCancellable         *cancellable,
                                        GAsyncReadyCallback   callback,
                                        gpointer              user_data);
gboolean     duet_history_fetch_finish (DuetHistory          *self,
                                        GAsyncResult         *result,
                                        GError              **error);
void         duet_history_clear        (DuetHistory          *self);

G_END_DECLS
