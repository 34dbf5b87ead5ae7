/* duet-call-centre.h: the calls the user takes part in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "duet-account.h"
#include "duet-kit.h"

G_BEGIN_DECLS

#define DUET_TYPE_CALL_CENTRE (duet_call_centre_get_type ())
G_DECLARE_FINAL_TYPE (DuetCallCentre, duet_call_centre, DUET, CALL_CENTRE, GObject)

G_GNUC_WARN_UNUSED_RESULT
DuetCallCentre *duet_call_centre_new          (DuetManager     *manager,
                                               DuetAccount     *account);
DuetCall       *duet_call_centre_get_ringing_call (DuetCallCentre *self);
DuetCall       *duet_call_centre_get_active_call  (DuetCallCentre *self);
gboolean        duet_call_centre_get_busy     (DuetCallCentre  *self);
gboolean        duet_call_centre_dial         (DuetCallCentre  *self,
                                               const char      *peer_user_id,
                                               DuetMediaType    media_type,
                                               GError         **error);
void            duet_call_centre_abandon_dial (DuetCallCentre  *self);
void            duet_call_centre_accept       (DuetCallCentre  *self,
                                               gboolean         video);
void            duet_call_centre_decline      (DuetCallCentre  *self);
void            duet_call_centre_end_all      (DuetCallCentre  *self);

const char     *duet_call_centre_describe_start_failure (DuetStartFailReason reason);

G_END_DECLS
