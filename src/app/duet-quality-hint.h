/* duet-quality-hint.h: when to tell the user that a call's connection is poor
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-kit.h"

G_BEGIN_DECLS

/* How long a quality must last before the hint follows it, either way */
#define DUET_QUALITY_HINT_DELAY_US (3 * G_USEC_PER_SEC)

typedef enum
{
  DUET_QUALITY_HINT_NONE,
  DUET_QUALITY_HINT_OWN,    /* the peer's media reaches this side poorly */
  DUET_QUALITY_HINT_PEER,   /* this side's media reaches the peer poorly */
} DuetQualityHintKind;

#define DUET_TYPE_QUALITY_HINT (duet_quality_hint_get_type ())
G_DECLARE_FINAL_TYPE (DuetQualityHint, duet_quality_hint, DUET, QUALITY_HINT, GObject)

G_GNUC_WARN_UNUSED_RESULT
DuetQualityHint    *duet_quality_hint_new          (void);
gboolean            duet_quality_hint_update       (DuetQualityHint    *self,
                                                    DuetNetworkQuality  own,
                                                    DuetNetworkQuality  peer,
                                                    gint64              now_us);
void                duet_quality_hint_reset        (DuetQualityHint    *self);
DuetQualityHintKind duet_quality_hint_get_kind     (DuetQualityHint    *self);
gboolean            duet_quality_hint_get_deadline (DuetQualityHint    *self,
                                                    gint64             *deadline_us);

G_GNUC_WARN_UNUSED_RESULT
char               *duet_quality_hint_describe     (DuetQualityHintKind kind,
                                                    const char         *peer_name);

G_END_DECLS
