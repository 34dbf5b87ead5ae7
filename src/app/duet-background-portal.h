/* duet-background-portal.h: asks the Background portal to let Duet run
 * in the background and start at login
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define DUET_TYPE_BACKGROUND_PORTAL (duet_background_portal_get_type ())
G_DECLARE_FINAL_TYPE (DuetBackgroundPortal, duet_background_portal, DUET, BACKGROUND_PORTAL, GObject)

G_GNUC_WARN_UNUSED_RESULT
DuetBackgroundPortal *duet_background_portal_new            (void);
void                  duet_background_portal_request_async  (DuetBackgroundPortal  *self,
                                                             gboolean               autostart,
                                                             GtkWindow             *parent,
                                                             GAsyncReadyCallback    callback,
                                                             gpointer               user_data);
gboolean              duet_background_portal_request_finish (DuetBackgroundPortal  *self,
                                                             GAsyncResult          *result,
                                                             GError               **error);

G_END_DECLS
