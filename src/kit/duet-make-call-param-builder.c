/* duet-make-call-param-builder.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Setters return the builder so calls chain like PlanetKit's builder;
 * nothing is checked until build(), which names the first bad field.
 */
#include "duet-kit-error.h"
#include "duet-make-call-param-builder.h"
#include "duet-make-call-param-private.h"

struct _DuetMakeCallParamBuilder
{
  GObject                parent_instance;

  char                  *my_user_id;
  char                  *my_service_id;
  char                  *peer_user_id;
  char                  *peer_service_id;
  char                  *access_token;
  char                  *server_url;
  DuetMediaType          media_type;
  DuetInitialVideoState  initial_video_state;
};

G_DEFINE_FINAL_TYPE (DuetMakeCallParamBuilder, duet_make_call_param_builder, G_TYPE_OBJECT)

static void
duet_make_call_param_builder_finalize (GObject *object)
{
  DuetMakeCallParamBuilder *self = DUET_MAKE_CALL_PARAM_BUILDER (object);

  g_free (self->my_user_id);
  g_free (self->my_service_id);
  g_free (self->peer_user_id);
  g_free (self->peer_service_id);
  g_free (self->access_token);
  g_free (self->server_url);

  G_OBJECT_CLASS (duet_make_call_param_builder_parent_class)->finalize (object);
}

static void
duet_make_call_param_builder_class_init (DuetMakeCallParamBuilderClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = duet_make_call_param_builder_finalize;
}

static void
duet_make_call_param_builder_init (DuetMakeCallParamBuilder *self)
{
  self->media_type = DUET_MEDIA_TYPE_AUDIOVIDEO;
  self->initial_video_state = DUET_INITIAL_VIDEO_STATE_RESUME;
}

DuetMakeCallParamBuilder *
duet_make_call_param_builder_new (void)
{
  return g_object_new (DUET_TYPE_MAKE_CALL_PARAM_BUILDER, NULL);
}

#define DEFINE_STRING_SETTER(field)                                              \
DuetMakeCallParamBuilder *                                                       \
duet_make_call_param_builder_set_##field (DuetMakeCallParamBuilder *self,        \
                                          const char               *value)       \
{                                                                                \
  g_return_val_if_fail (DUET_IS_MAKE_CALL_PARAM_BUILDER (self), NULL);           \
  g_free (self->field);                                                          \
  self->field = g_strdup (value);                                                \
  return self;                                                                   \
}

DEFINE_STRING_SETTER (my_user_id)
DEFINE_STRING_SETTER (my_service_id)
DEFINE_STRING_SETTER (peer_user_id)
DEFINE_STRING_SETTER (peer_service_id)
DEFINE_STRING_SETTER (access_token)
DEFINE_STRING_SETTER (server_url)

DuetMakeCallParamBuilder *
duet_make_call_param_builder_set_media_type (DuetMakeCallParamBuilder *self,
                                             DuetMediaType             media_type)
{
  g_return_val_if_fail (DUET_IS_MAKE_CALL_PARAM_BUILDER (self), NULL);
  self->media_type = media_type;
  return self;
}

DuetMakeCallParamBuilder *
duet_make_call_param_builder_set_initial_my_video_state (DuetMakeCallParamBuilder *self,
                                                         DuetInitialVideoState     state)
{
  g_return_val_if_fail (DUET_IS_MAKE_CALL_PARAM_BUILDER (self), NULL);
  self->initial_video_state = state;
  return self;
}

static gboolean
check_id (const char  *value,
          gboolean     valid,
          const char  *field,
          GError     **error)
{
  if (value == NULL || *value == '\0')
    {
      g_set_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM,
                   "Missing field “%s”", field);
      return FALSE;
    }
  if (!valid)
    {
      g_set_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM,
                   "Invalid field “%s”: “%s”", field, value);
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_server_url (const char *url,
                  GError    **error)
{
  g_autoptr(GUri) uri = NULL;

  /* The URL may come later from the manager; only a given one must parse */
  if (url == NULL)
    return TRUE;

  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  if (uri == NULL || g_uri_get_host (uri) == NULL ||
      !(g_str_equal (g_uri_get_scheme (uri), "http") || g_str_equal (g_uri_get_scheme (uri), "https")))
    {
      g_set_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM,
                   "Invalid field “server_url”: “%s”", url);
      return FALSE;
    }
  return TRUE;
}

DuetMakeCallParam *
duet_make_call_param_builder_build (DuetMakeCallParamBuilder  *self,
                                    GError                   **error)
{
  g_return_val_if_fail (DUET_IS_MAKE_CALL_PARAM_BUILDER (self), NULL);

  if (!check_id (self->my_user_id, duet_user_id_is_valid (self->my_user_id), "my_user_id", error) ||
      !check_id (self->my_service_id, duet_service_id_is_valid (self->my_service_id), "my_service_id", error) ||
      !check_id (self->peer_user_id, duet_user_id_is_valid (self->peer_user_id), "peer_user_id", error) ||
      !check_id (self->access_token, TRUE, "access_token", error) ||
      !check_server_url (self->server_url, error))
    return NULL;

  /* The peer's service defaults to ours, as on the wire */
  if (self->peer_service_id != NULL &&
      !check_id (self->peer_service_id, duet_service_id_is_valid (self->peer_service_id), "peer_service_id", error))
    return NULL;

  if (self->media_type != DUET_MEDIA_TYPE_AUDIO &&
      self->media_type != DUET_MEDIA_TYPE_VIDEO &&
      self->media_type != DUET_MEDIA_TYPE_AUDIOVIDEO)
    {
      g_set_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM,
                   "Invalid field “media_type”: %d", self->media_type);
      return NULL;
    }

  if (self->initial_video_state != DUET_INITIAL_VIDEO_STATE_RESUME &&
      self->initial_video_state != DUET_INITIAL_VIDEO_STATE_PAUSE)
    {
      g_set_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM,
                   "Invalid field “initial_my_video_state”: %d", self->initial_video_state);
      return NULL;
    }

  return duet_make_call_param_new_internal (self->my_user_id, self->my_service_id,
                                            self->peer_user_id,
                                            self->peer_service_id ? self->peer_service_id : self->my_service_id,
                                            self->access_token, self->server_url,
                                            self->media_type, self->initial_video_state);
}
