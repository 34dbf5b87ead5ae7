/* duet-login-limiter.h: throttles password guessing on POST /v1/token and
 * token guessing on POST /v1/token/refresh
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define DUET_TYPE_LOGIN_LIMITER (duet_login_limiter_get_type ())
G_DECLARE_FINAL_TYPE (DuetLoginLimiter, duet_login_limiter, DUET, LOGIN_LIMITER, GObject)

DuetLoginLimiter *duet_login_limiter_new                 (guint             account_failures,
                                                          gint64            account_window_s,
                                                          guint             address_attempts,
                                                          gint64            address_window_s);
gboolean          duet_login_limiter_allow               (DuetLoginLimiter *self,
                                                          const char       *account,
                                                          const char       *address,
                                                          gint64            now_s,
                                                          gint64           *retry_after_s);
void              duet_login_limiter_add_failure         (DuetLoginLimiter *self,
                                                          const char       *account,
                                                          gint64            now_s);
gboolean          duet_login_limiter_allow_address       (DuetLoginLimiter *self,
                                                          const char       *address,
                                                          gint64            now_s,
                                                          gint64           *retry_after_s);
void              duet_login_limiter_add_address_failure (DuetLoginLimiter *self,
                                                          const char       *address,
                                                          gint64            now_s);

G_END_DECLS
