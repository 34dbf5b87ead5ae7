/* duet-window.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "duet-application.h"

G_BEGIN_DECLS

#define DUET_TYPE_WINDOW (duet_window_get_type ())
G_DECLARE_FINAL_TYPE (DuetWindow, duet_window, DUET, WINDOW, AdwApplicationWindow)

DuetWindow *duet_window_new        (DuetApplication *application);
void        duet_window_show_toast (DuetWindow      *self,
                                    const char      *message);

G_END_DECLS
