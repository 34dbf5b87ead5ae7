/* duet-preferences-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "duet-application.h"

G_BEGIN_DECLS

#define DUET_TYPE_PREFERENCES_WINDOW (duet_preferences_window_get_type ())
G_DECLARE_FINAL_TYPE (DuetPreferencesWindow, duet_preferences_window, DUET, PREFERENCES_WINDOW, AdwPreferencesWindow)

G_GNUC_WARN_UNUSED_RESULT
DuetPreferencesWindow *duet_preferences_window_new (DuetApplication *application);

char *duet_preferences_window_describe_device (gboolean   current,
                                               gboolean   online,
                                               GDateTime *last_seen,
                                               GDateTime *now);

G_END_DECLS
