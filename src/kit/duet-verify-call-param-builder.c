/* duet-verify-call-param-builder.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The access token and server URL are optional here: a manager that is
 * already signed in (it got the incoming_call push) uses its own.
 */
#include "duet-kit-error.h"
#include "duet-verify-call-param-builder.h"
#include "duet-verify-call-param-private.h"

struct _DuetVerifyCallParamBuilder
{
  GObject      parent_instance;

  char        *my_user_id;
  char        *my_service_id;
  DuetCcParam *cc_param;
  char        *access_token;
  char        *server_url;
};

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

DEFINE_STRING_SETTER (my_user_id)
DEFINE_STRING_SETTER (my_service_id)
DEFINE_STRING_SETTER (access_token)
DEFINE_STRING_SETTER (server_url)

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

DuetVerifyCallParam *
duet_verify_call_param_builder_build (DuetVerifyCallParamBuilder  *self,
                                      GError                     **error)
{
  g_return_val_if_fail (DUET_IS_VERIFY_CALL_PARAM_BUILDER (self), NULL);

  if (!check_fields (self, error))
    return NULL;

  return duet_verify_call_param_new_internal (self->my_user_id, self->my_service_id,
                                              self->cc_param, self->access_token,
                                              self->server_url);
}
