/* duet-incoming-window.h: a ringing call, to accept or decline
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "duet-call-centre.h"
#include "duet-protocol.h"

G_BEGIN_DECLS

#define DUET_TYPE_INCOMING_WINDOW (duet_incoming_window_get_type ())
G_DECLARE_FINAL_TYPE (DuetIncomingWindow, duet_incoming_window, DUET, INCOMING_WINDOW, AdwApplicationWindow)

G_GNUC_WARN_UNUSED_RESULT
DuetIncomingWindow *duet_incoming_window_new (GtkApplication *application,
                                              const char     *caller,
                                              DuetMediaType   media_type);
void                duet_incoming_window_follow (DuetIncomingWindow *self,
                                                 DuetCallCentre     *centre);

G_END_DECLS
