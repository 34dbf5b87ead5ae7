/* duet-clock.h: times of day as the desktop's clock shows them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

GSettings *duet_clock_new_settings   (void);
gboolean   duet_clock_get_use_24h    (GSettings *settings);
char      *duet_clock_format_time    (GDateTime *time,
                                      gboolean   use_24h);
char      *duet_clock_format_when    (GDateTime *time,
                                      GDateTime *now,
                                      gboolean   use_24h);

G_END_DECLS
