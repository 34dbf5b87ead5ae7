/* duet-verify-call-param-builder.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The access token and server URL are optional here: a manager that is
 * already signed in (it got the incoming_call push) uses its own.
 */
#define G_LOG_DOMAIN "DuetVerifyCallParamBuilder"

#include "duet-kit-error.h"
#include "duet-verify-call-param-builder.h"
#include "duet-verify-call-param-private.h"
#include "duet-protocol.h"

struct _DuetVerifyCallParamBuilder
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
 * DuetVerifyCallParamBuilder:
 *
 * Collects the fields of a #DuetVerifyCallParam: PlanetKit's verify-call
 * param builder.
 *
 * Each setter returns the builder, so calls chain; nothing is checked
 * until duet_verify_call_param_builder_build(), which names the first
 * field that is missing or wrong. The user and service ids and the
 * cc_param are required; the access token and server URL are optional,
 * because a manager that got the call's #DuetManager::incoming-call is
 * already signed in and uses its own.
 */
G_DEFINE_FINAL_TYPE (DuetVerifyCallParamBuilder, duet_verify_call_param_builder, G_TYPE_OBJECT)

static void
duet_verify_call_param_builder_finalize (GObject *object)
{
  DuetVerifyCallParamBuilder *self = DUET_VERIFY_CALL_PARAM_BUILDER (object);

  g_free (self->my_user_id);
  g_free (self->my_service_id);
  g_clear_object (&self->cc_param);
  g_free (self->access_token);
  g_free (self->server_url);

  G_OBJECT_CLASS (duet_verify_call_param_builder_parent_class)->finalize (object);
}

static void
duet_verify_call_param_builder_class_init (DuetVerifyCallParamBuilderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = duet_verify_call_param_builder_finalize;
}

static void
duet_verify_call_param_builder_init (DuetVerifyCallParamBuilder *self)
{
}

/**
 * duet_verify_call_param_builder_new:
 *
 * Creates a builder with no fields set.
 *
 * Returns: (transfer full): a new #DuetVerifyCallParamBuilder
 */
DuetVerifyCallParamBuilder *
duet_verify_call_param_builder_new (void)
{
  return g_object_new (DUET_TYPE_VERIFY_CALL_PARAM_BUILDER, NULL);
}

#define DEFINE_STRING_SETTER(field)                                              \
DuetVerifyCallParamBuilder *                                                     \
duet_verify_call_param_builder_set_##field (DuetVerifyCallParamBuilder *self,    \
                                            const char                 *value)   \
{                                                                                \
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM_BUILDER (self), NULL);         \
  g_free (self->field);                                                          \
  self->field = g_strdup (value);                                                \
  return self;                                                                   \
}

/**
 * duet_verify_call_param_builder_set_my_user_id:
 * @self: a verify-call param builder
 * @user_id: the callee's user id
 *
 * Sets the callee's user id: the user the call is for. Required.
 *
 * Returns: (transfer none): @self, to chain calls
 */

/**
 * duet_verify_call_param_builder_set_my_service_id:
 * @self: a verify-call param builder
 * @service_id: the callee's service id
 *
 * Sets the callee's service id. Required.
 *
 * Returns: (transfer none): @self, to chain calls
 */

/**
 * duet_verify_call_param_builder_set_access_token:
 * @self: a verify-call param builder
 * @token: (nullable): an access token, or %NULL for the manager's
 *
 * Sets the access token to verify the call with. Optional.
 *
 * Returns: (transfer none): @self, to chain calls
 */

/**
 * duet_verify_call_param_builder_set_server_url:
 * @self: a verify-call param builder
 * @url: (nullable): the app server's URL, or %NULL for the manager's
 *
 * Sets the app server to verify the call with. Optional.
 *
 * Returns: (transfer none): @self, to chain calls
 */

DEFINE_STRING_SETTER (my_user_id)
DEFINE_STRING_SETTER (my_service_id)
DEFINE_STRING_SETTER (access_token)
DEFINE_STRING_SETTER (server_url)

/**
 * duet_verify_call_param_builder_set_use_responder_preparation:
 * @self: a verify-call param builder
 * @use_responder_preparation: whether this side will accept the call with
 *   responder preparation (see duet_call_accept_call())
 *
 * Tells the caller, in its #DuetCall::verified, that the callee means to
 * accept with responder preparation. Optional; %FALSE by default.
 *
 * Returns: (transfer none): @self, to chain calls
 */
DuetVerifyCallParamBuilder *
duet_verify_call_param_builder_set_use_responder_preparation (DuetVerifyCallParamBuilder *self,
                                                              gboolean                    use_responder_preparation)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM_BUILDER (self), NULL);
  self->use_responder_preparation = !!use_responder_preparation;
  return self;
}

/**
 * duet_verify_call_param_builder_set_cc_param:
 * @self: a verify-call param builder
 * @cc_param: (nullable): the cc_param of the incoming call, or %NULL to
 *   unset it
 *
 * Sets the cc_param of the call to verify, as #DuetManager::incoming-call
 * or duet_cc_param_new_from_string() gave it. Required.
 *
 * Returns: (transfer none): @self, to chain calls
 */
DuetVerifyCallParamBuilder *
duet_verify_call_param_builder_set_cc_param (DuetVerifyCallParamBuilder *self,
                                             DuetCcParam                *cc_param)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM_BUILDER (self), NULL);
  g_return_val_if_fail (cc_param == NULL || DUET_IS_CC_PARAM (cc_param), NULL);
  g_set_object (&self->cc_param, cc_param);
  return self;
}

static gboolean G_GNUC_PRINTF (2, 3)
fail (GError     **error,
      const char  *format,
      ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM, format, args));
  va_end (args);
  return FALSE;
}

static gboolean
check_fields (DuetVerifyCallParamBuilder  *self,
              GError                     **error)
{
  if (self->my_user_id == NULL || *self->my_user_id == '\0')
    return fail (error, "Missing field “%s”", "my_user_id");
  if (!duet_user_id_is_valid (self->my_user_id))
    return fail (error, "Invalid field “%s”", "my_user_id");
  if (self->my_service_id == NULL || *self->my_service_id == '\0')
    return fail (error, "Missing field “%s”", "my_service_id");
  if (!duet_service_id_is_valid (self->my_service_id))
    return fail (error, "Invalid field “%s”", "my_service_id");
  if (self->cc_param == NULL)
    return fail (error, "Missing field “%s”", "cc_param");
  if (g_strcmp0 (duet_cc_param_get_callee_user (self->cc_param), self->my_user_id) != 0 ||
      g_strcmp0 (duet_cc_param_get_callee_service (self->cc_param), self->my_service_id) != 0)
    return fail (error, "Invalid field “%s”: the call is for another user", "cc_param");
  if (self->access_token != NULL && *self->access_token == '\0')
    return fail (error, "Invalid field “%s”", "access_token");
  return TRUE;
}

/**
 * duet_verify_call_param_builder_build:
 * @self: a verify-call param builder
 * @error: return location for a #GError
 *
 * Checks the fields and makes a verify-call param of them. Fails with
 * %DUET_KIT_ERROR_INVALID_PARAM, whose message names the field, when a
 * required field is missing or malformed, when the cc_param is for
 * another user or service than the ids given, or when the access token
 * is empty. The builder can be changed and built again.
 *
 * Returns: (transfer full): a new #DuetVerifyCallParam, or %NULL with
 *   @error set
 */
DuetVerifyCallParam *
duet_verify_call_param_builder_build (DuetVerifyCallParamBuilder  *self,
                                      GError                     **error)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM_BUILDER (self), NULL);

  if (!check_fields (self, error))
    return NULL;

  return duet_verify_call_param_new_internal (self->my_user_id, self->my_service_id,
                                              self->cc_param, self->access_token,
                                              self->server_url, self->use_responder_preparation);
}
