/* duet-autostart.h: starting Duet at login, when the user asks for it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DUET_TYPE_AUTOSTART (duet_autostart_get_type ())
G_DECLARE_FINAL_TYPE (DuetAutostart, duet_autostart, DUET, AUTOSTART, GObject)

G_GNUC_WARN_UNUSED_RESULT
DuetAutostart *duet_autostart_new (GtkApplication *application,
                                   GSettings      *settings,
                                   const char     *profile);

G_END_DECLS
