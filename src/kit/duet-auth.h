/* duet-auth.h: signing in to duet-server and renewing the access token
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "duet-auth-token.h"
#include "duet-version.h"

G_BEGIN_DECLS

#define DUET_TYPE_AUTH (duet_auth_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetAuth, duet_auth, DUET, AUTH, GObject)

DUET_AVAILABLE_IN_ALL
DuetAuth      *duet_auth_new               (const char           *server_url);
DUET_AVAILABLE_IN_ALL
const char    *duet_auth_get_server_url    (DuetAuth             *self);
DUET_AVAILABLE_IN_ALL
gboolean       duet_auth_set_tls_ca_file   (DuetAuth             *self,
                                            const char           *path,
                                            GError              **error);
DUET_AVAILABLE_IN_ALL
void           duet_auth_set_device        (DuetAuth             *self,
                                            const char           *device_id,
                                            const char           *device_name);
DUET_AVAILABLE_IN_ALL
const char    *duet_auth_get_device_id     (DuetAuth             *self);
DUET_AVAILABLE_IN_ALL
const char    *duet_auth_get_device_name   (DuetAuth             *self);
DUET_AVAILABLE_IN_ALL
void           duet_auth_sign_in_async     (DuetAuth             *self,
                                            const char           *user_id,
                                            const char           *service_id,
                                            const char           *password,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
DUET_AVAILABLE_IN_ALL
DuetAuthToken *duet_auth_sign_in_finish    (DuetAuth             *self,
                                            GAsyncResult         *result,
                                            GError              **error);
DUET_AVAILABLE_IN_ALL
void           duet_auth_refresh_async     (DuetAuth             *self,
                                            const char           *token,
                                            GCancellable         *cancellable,
                                            GAsyncReadyCallback   callback,
                                            gpointer              user_data);
DUET_AVAILABLE_IN_ALL
DuetAuthToken *duet_auth_refresh_finish    (DuetAuth             *self,
                                            GAsyncResult         *result,
                                            GError              **error);

G_END_DECLS
