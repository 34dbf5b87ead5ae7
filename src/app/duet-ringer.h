/* duet-ringer.h: plays the ringtone of an incoming call
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gst/gst.h>

#include "duet-call-centre.h"

G_BEGIN_DECLS

#define DUET_TYPE_RINGER (duet_ringer_get_type ())
G_DECLARE_FINAL_TYPE (DuetRinger, duet_ringer, DUET, RINGER, GObject)

G_GNUC_WARN_UNUSED_RESULT
DuetRinger *duet_ringer_new         (void);
void        duet_ringer_start       (DuetRinger *self);
void        duet_ringer_stop        (DuetRinger *self);
gboolean    duet_ringer_get_ringing (DuetRinger *self);
void        duet_ringer_follow      (DuetRinger     *self,
                                     DuetCallCentre *centre);

GstElement *duet_ringer_new_audio_sink (void);

G_END_DECLS
