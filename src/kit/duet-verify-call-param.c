/* duet-verify-call-param.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DuetVerifyCallParam"

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
  gboolean     use_responder_preparation;
};

/**
 * DuetVerifyCallParam:
 *
 * What is needed to verify an incoming call, checked and immutable:
 * PlanetKit's `PlanetKitVerifyCallParam`.
 *
 * Only duet_verify_call_param_builder_build() makes one. Pass it to
 * duet_manager_verify_call_async(): verifying tells the caller the call
 * is ringing (#DuetCall::verified on the caller's side) and gives the
 * callee its #DuetCall to accept or decline.
 */
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
                                     const char  *server_url,
                                     gboolean     use_responder_preparation)
{
  DuetVerifyCallParam *self = g_object_new (DUET_TYPE_VERIFY_CALL_PARAM, NULL);

  self->my_user_id = g_strdup (my_user_id);
  self->my_service_id = g_strdup (my_service_id);
  self->cc_param = g_object_ref (cc_param);
  self->access_token = g_strdup (access_token);
  self->server_url = g_strdup (server_url);
  self->use_responder_preparation = use_responder_preparation;

  return self;
}

/**
 * duet_verify_call_param_get_my_user_id:
 * @self: a verify-call param
 *
 * Gives the callee's user id.
 *
 * Returns: the callee's user id
 */
const char *
duet_verify_call_param_get_my_user_id (DuetVerifyCallParam *self)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM (self), NULL);
  return self->my_user_id;
}

/**
 * duet_verify_call_param_get_my_service_id:
 * @self: a verify-call param
 *
 * Gives the callee's service id.
 *
 * Returns: the callee's service id
 */
const char *
duet_verify_call_param_get_my_service_id (DuetVerifyCallParam *self)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM (self), NULL);
  return self->my_service_id;
}

/**
 * duet_verify_call_param_get_cc_param:
 * @self: a verify-call param
 *
 * Gives the cc_param of the call to verify.
 *
 * Returns: (transfer none): the cc_param
 */
DuetCcParam *
duet_verify_call_param_get_cc_param (DuetVerifyCallParam *self)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM (self), NULL);
  return self->cc_param;
}

/**
 * duet_verify_call_param_get_access_token:
 * @self: a verify-call param
 *
 * Gives the access token to verify the call with, when the builder was
 * given one; without it the manager uses the token it signed in with.
 *
 * Returns: (nullable): the access token
 */
const char *
duet_verify_call_param_get_access_token (DuetVerifyCallParam *self)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM (self), NULL);
  return self->access_token;
}

/**
 * duet_verify_call_param_get_use_responder_preparation:
 * @self: a verify-call param
 *
 * Tells whether the callee said it will accept with responder preparation.
 *
 * Returns: the builder's flag
 */
gboolean
duet_verify_call_param_get_use_responder_preparation (DuetVerifyCallParam *self)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM (self), FALSE);
  return self->use_responder_preparation;
}

/**
 * duet_verify_call_param_get_server_url:
 * @self: a verify-call param
 *
 * Gives the URL of the app server to verify the call with, when the
 * builder was given one; without it the manager uses its own server.
 *
 * Returns: (nullable): the server's URL
 */
const char *
duet_verify_call_param_get_server_url (DuetVerifyCallParam *self)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM (self), NULL);
  return self->server_url;
}
