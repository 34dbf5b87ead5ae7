/* duet-call-window.h: the window of a call in progress
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "duet-call-centre.h"
#include "duet-kit.h"

G_BEGIN_DECLS

#define DUET_TYPE_CALL_WINDOW (duet_call_window_get_type ())
G_DECLARE_FINAL_TYPE (DuetCallWindow, duet_call_window, DUET, CALL_WINDOW, AdwApplicationWindow)

G_GNUC_WARN_UNUSED_RESULT
DuetCallWindow *duet_call_window_new        (GtkApplication *application,
                                             const char     *peer_user_id,
                                             DuetMediaType   media_type,
                                             gboolean        outgoing);
DuetCall       *duet_call_window_get_call   (DuetCallWindow *self);
void            duet_call_window_set_call   (DuetCallWindow *self,
                                             DuetCall       *call);
void            duet_call_window_fail       (DuetCallWindow *self,
                                             const char     *message);
GdkPaintable   *duet_call_window_get_peer_paintable (DuetCallWindow *self);
void            duet_call_window_follow     (DuetCallWindow *self,
                                             DuetCallCentre *centre);

G_GNUC_WARN_UNUSED_RESULT
char           *duet_call_window_describe_end (DuetDisconnectReason reason,
                                               gboolean             by_remote,
                                               const char          *peer_user_id);
const char     *duet_call_window_describe_device_problem (DuetDeviceKind    kind,
                                                          DuetDeviceProblem problem);
G_GNUC_WARN_UNUSED_RESULT
char           *duet_call_window_describe_quality (DuetNetworkQuality        quality,
                                                   const DuetCallStatistics *figures);

G_END_DECLS
