/* duet-notifier.h: desktop notifications for incoming and missed calls
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-call-centre.h"
#include "duet-protocol.h"

G_BEGIN_DECLS

#define DUET_TYPE_NOTIFIER (duet_notifier_get_type ())
G_DECLARE_FINAL_TYPE (DuetNotifier, duet_notifier, DUET, NOTIFIER, GObject)

G_GNUC_WARN_UNUSED_RESULT
DuetNotifier *duet_notifier_new             (void);
void          duet_notifier_show_incoming   (DuetNotifier  *self,
                                             const char    *caller,
                                             DuetMediaType  media_type);
void          duet_notifier_withdraw_incoming (DuetNotifier *self);
void          duet_notifier_show_missed     (DuetNotifier  *self,
                                             const char    *call_id,
                                             const char    *caller,
                                             DuetMediaType  media_type,
                                             gint64         invited_at_ms);
void          duet_notifier_withdraw_missed (DuetNotifier  *self,
                                             const char    *call_id);
void          duet_notifier_show_signed_out (DuetNotifier  *self,
                                             const char    *message);
void          duet_notifier_follow          (DuetNotifier   *self,
                                             DuetCallCentre *centre,
                                             GSettings      *settings);

G_END_DECLS
