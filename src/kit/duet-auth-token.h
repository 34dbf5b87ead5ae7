/* duet-auth-token.h: an access token and what it says about itself
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>
#include "duet-version.h"

G_BEGIN_DECLS

#define DUET_TYPE_AUTH_TOKEN (duet_auth_token_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetAuthToken, duet_auth_token, DUET, AUTH_TOKEN, GObject)

DUET_AVAILABLE_IN_ALL
DuetAuthToken *duet_auth_token_new_from_string (const char     *token,
                                                GError        **error);
DUET_AVAILABLE_IN_ALL
const char    *duet_auth_token_get_token       (DuetAuthToken  *self);
DUET_AVAILABLE_IN_ALL
const char    *duet_auth_token_get_user_id     (DuetAuthToken  *self);
DUET_AVAILABLE_IN_ALL
const char    *duet_auth_token_get_service_id  (DuetAuthToken  *self);
DUET_AVAILABLE_IN_ALL
const char    *duet_auth_token_get_device_id   (DuetAuthToken  *self);
DUET_AVAILABLE_IN_ALL
gint64         duet_auth_token_get_issued_at   (DuetAuthToken  *self);
DUET_AVAILABLE_IN_ALL
gint64         duet_auth_token_get_expires_at  (DuetAuthToken  *self);
DUET_AVAILABLE_IN_ALL
gint64         duet_auth_token_get_renew_at    (DuetAuthToken  *self);

G_END_DECLS
