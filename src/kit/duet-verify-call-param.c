/* duet-verify-call-param.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-verify-call-param.h"
#include "duet-verify-call-param-private.h"

struct _DuetVerifyCallParam
{
  GObject      parent_instance;

  char        *my_user_id;
  char        *my_service_id;
  DuetCcParam *cc_param;
  char        *access_token;
  char        *server_url;
};

G_DEFINE_FINAL_TYPE (DuetVerifyCallParam, duet_verify_call_param, G_TYPE_OBJECT)

static void
duet_verify_call_param_finalize (GObject *object)
{
  DuetVerifyCallParam *self = DUET_VERIFY_CALL_PARAM (object);

  g_free (self->my_user_id);
  g_free (self->my_service_id);
  g_clear_object (&self->cc_param);
  g_free (self->access_token);
  g_free (self->server_url);

  G_OBJECT_CLASS (duet_verify_call_param_parent_class)->finalize (object);
}

static void
duet_verify_call_param_class_init (DuetVerifyCallParamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = duet_verify_call_param_finalize;
}

static void
duet_verify_call_param_init (DuetVerifyCallParam *self)
{
}

DuetVerifyCallParam *
duet_verify_call_param_new_internal (const char  *my_user_id,
                                     const char  *my_service_id,
                                     DuetCcParam *cc_param,
                                     const char  *access_token,
                                     const char  *server_url)
{
  DuetVerifyCallParam *self = g_object_new (DUET_TYPE_VERIFY_CALL_PARAM, NULL);

  self->my_user_id = g_strdup (my_user_id);
  self->my_service_id = g_strdup (my_service_id);
  self->cc_param = g_object_ref (cc_param);
  self->access_token = g_strdup (access_token);
  self->server_url = g_strdup (server_url);

  return self;
}

const char *
duet_verify_call_param_get_my_user_id (DuetVerifyCallParam *self)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM (self), NULL);
  return self->my_user_id;
}

const char *
duet_verify_call_param_get_my_service_id (DuetVerifyCallParam *self)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM (self), NULL);
  return self->my_service_id;
}

DuetCcParam *
duet_verify_call_param_get_cc_param (DuetVerifyCallParam *self)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM (self), NULL);
  return self->cc_param;
}

const char *
duet_verify_call_param_get_access_token (DuetVerifyCallParam *self)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM (self), NULL);
  return self->access_token;
}

const char *
duet_verify_call_param_get_server_url (DuetVerifyCallParam *self)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM (self), NULL);
  return self->server_url;
}
