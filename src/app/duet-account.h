/* duet-account.h: who the app is signed in as, and their access token
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  DUET_ACCOUNT_SIGNED_OUT,
  DUET_ACCOUNT_SIGNING_IN,
  DUET_ACCOUNT_SIGNED_IN,
} DuetAccountState;

#define DUET_TYPE_ACCOUNT (duet_account_get_type ())
G_DECLARE_FINAL_TYPE (DuetAccount, duet_account, DUET, ACCOUNT, GObject)

DuetAccount      *duet_account_new              (const char           *profile,
                                                 GSettings            *settings);
DuetAccountState  duet_account_get_state        (DuetAccount          *self);
const char       *duet_account_get_server_url   (DuetAccount          *self);
const char       *duet_account_get_user_id      (DuetAccount          *self);
const char       *duet_account_get_service_id   (DuetAccount          *self);
const char       *duet_account_get_token        (DuetAccount          *self);
const char       *duet_account_get_profile      (DuetAccount          *self);

void              duet_account_sign_in_async    (DuetAccount          *self,
                                                 const char           *server_url,
                                                 const char           *user_id,
                                                 const char           *service_id,
                                                 const char           *password,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean          duet_account_sign_in_finish   (DuetAccount          *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
void              duet_account_restore_async    (DuetAccount          *self,
                                                 const char           *server_url,
                                                 const char           *user_id,
                                                 const char           *service_id,
                                                 GCancellable         *cancellable,
                                                 GAsyncReadyCallback   callback,
                                                 gpointer              user_data);
gboolean          duet_account_restore_finish   (DuetAccount          *self,
                                                 GAsyncResult         *result,
                                                 GError              **error);
void              duet_account_set_tls_ca_file  (DuetAccount          *self,
                                                 const char           *path);
void              duet_account_sign_out         (DuetAccount          *self);
void              duet_account_sign_out_with_message (DuetAccount     *self,
                                                      const char      *message);
const char       *duet_account_get_sign_in_message   (DuetAccount     *self);

void              duet_account_sign_in          (DuetAccount          *self,
                                                 const char           *server_url,
                                                 const char           *user_id,
                                                 const char           *service_id,
                                                 const char           *password);
void              duet_account_begin_session    (DuetAccount          *self);
const char       *duet_account_get_sign_in_error (DuetAccount         *self);

gint64            duet_account_token_expiry     (const char           *token);
char             *duet_account_device_name      (const char           *host);

G_END_DECLS
