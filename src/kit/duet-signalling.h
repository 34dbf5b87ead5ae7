/* duet-signalling.h: the WebSocket client to duet-server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define DUET_TYPE_SIGNALLING (duet_signalling_get_type ())
G_DECLARE_FINAL_TYPE (DuetSignalling, duet_signalling, DUET, SIGNALLING, GObject)

DuetSignalling *duet_signalling_new            (const char           *server_url,
                                                const char           *access_token);
gboolean        duet_signalling_set_tls_ca_file (DuetSignalling      *self,
                                                const char           *path,
                                                GError              **error);
void            duet_signalling_set_access_token (DuetSignalling     *self,
                                                const char           *access_token);
const char     *duet_signalling_get_server_url (DuetSignalling       *self);
gboolean        duet_signalling_get_ready      (DuetSignalling       *self);
void            duet_signalling_start          (DuetSignalling       *self);
void            duet_signalling_stop           (DuetSignalling       *self);
void            duet_signalling_request_async  (DuetSignalling       *self,
                                                JsonObject           *message,
                                                GCancellable         *cancellable,
                                                GAsyncReadyCallback   callback,
                                                gpointer              user_data);
JsonObject     *duet_signalling_request_finish (DuetSignalling       *self,
                                                GAsyncResult         *result,
                                                GError              **error);
void            duet_signalling_send           (DuetSignalling       *self,
                                                JsonObject           *message);

void            duet_signalling_check_alive     (DuetSignalling      *self);

G_END_DECLS
