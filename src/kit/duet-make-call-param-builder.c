/* duet-make-call-param-builder.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Setters return the builder so calls chain like PlanetKit's builder;
 * nothing is checked until build(), which names the first bad field.
 */
#define G_LOG_DOMAIN "DuetMakeCallParamBuilder"

#include "duet-kit-error.h"
#include "duet-make-call-param-builder.h"
#include "duet-make-call-param-private.h"
#include "duet-protocol.h"

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

/**
 * DuetMakeCallParamBuilder:
 *
 * Collects the fields of a #DuetMakeCallParam: PlanetKit's make-call
 * param builder.
 *
 * Each setter returns the builder, so calls chain; nothing is checked
 * until duet_make_call_param_builder_build(), which names the first
 * field that is missing or malformed:
 *
 * ```c
 * g_autoptr(DuetMakeCallParamBuilder) builder = duet_make_call_param_builder_new ();
 * g_autoptr(DuetMakeCallParam) param = NULL;
 *
 * duet_make_call_param_builder_set_my_user_id (builder, "alice");
 * duet_make_call_param_builder_set_my_service_id (builder, "duet");
 * duet_make_call_param_builder_set_peer_user_id (builder, "bob");
 * duet_make_call_param_builder_set_access_token (builder, token);
 * duet_make_call_param_builder_set_media_type (builder, DUET_MEDIA_TYPE_AUDIOVIDEO);
 * param = duet_make_call_param_builder_build (builder, &error);
 * ```
 *
 * The media type defaults to %DUET_MEDIA_TYPE_AUDIOVIDEO, the initial
 * video state to %DUET_INITIAL_VIDEO_STATE_RESUME and the peer's service
 * id to the caller's.
 */
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

/**
 * duet_make_call_param_builder_new:
 *
 * Creates a builder with no ids, no token and the default media type
 * and initial video state.
 *
 * Returns: (transfer full): a new #DuetMakeCallParamBuilder
 */
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

/**
 * duet_make_call_param_builder_set_my_user_id:
 * @self: a make-call param builder
 * @user_id: the caller's user id
 *
 * Sets the caller's user id, the user the access token was issued to. Required.
 *
 * Returns: (transfer none): @self, to chain calls
 */

/**
 * duet_make_call_param_builder_set_my_service_id:
 * @self: a make-call param builder
 * @service_id: the caller's service id
 *
 * Sets the caller's service id (`duet` on a server with default settings). Required.
 *
 * Returns: (transfer none): @self, to chain calls
 */

/**
 * duet_make_call_param_builder_set_peer_user_id:
 * @self: a make-call param builder
 * @user_id: the user id of the user to call
 *
 * Sets the user to call. Required.
 *
 * Returns: (transfer none): @self, to chain calls
 */

/**
 * duet_make_call_param_builder_set_peer_service_id:
 * @self: a make-call param builder
 * @service_id: (nullable): the service id of the user to call, or %NULL for the caller's own
 *
 * Sets the service of the user to call. Optional: the caller's service by default.
 *
 * Returns: (transfer none): @self, to chain calls
 */

/**
 * duet_make_call_param_builder_set_access_token:
 * @self: a make-call param builder
 * @token: an access token from duet_auth_sign_in_finish() or duet_auth_refresh_finish()
 *
 * Sets the access token the call is placed with. Required.
 *
 * Returns: (transfer none): @self, to chain calls
 */

/**
 * duet_make_call_param_builder_set_server_url:
 * @self: a make-call param builder
 * @url: (nullable): the app server's `http` or `https` URL, or %NULL
 *
 * Sets the app server to call through. Optional: the manager's own by default.
 *
 * Returns: (transfer none): @self, to chain calls
 */

DEFINE_STRING_SETTER (my_user_id)
DEFINE_STRING_SETTER (my_service_id)
DEFINE_STRING_SETTER (peer_user_id)
DEFINE_STRING_SETTER (peer_service_id)
DEFINE_STRING_SETTER (access_token)
DEFINE_STRING_SETTER (server_url)

/**
 * duet_make_call_param_builder_set_media_type:
 * @self: a make-call param builder
 * @media_type: %DUET_MEDIA_TYPE_AUDIO, %DUET_MEDIA_TYPE_VIDEO or
 *   %DUET_MEDIA_TYPE_AUDIOVIDEO
 *
 * Sets what the call carries. %DUET_MEDIA_TYPE_AUDIOVIDEO by default; an
 * audio call can turn video on later with duet_call_enable_video().
 *
 * Returns: (transfer none): @self, to chain calls
 */
DuetMakeCallParamBuilder *
duet_make_call_param_builder_set_media_type (DuetMakeCallParamBuilder *self,
                                             DuetMediaType             media_type)
{
  g_return_val_if_fail (DUET_IS_MAKE_CALL_PARAM_BUILDER (self), NULL);
  self->media_type = media_type;
  return self;
}

/**
 * duet_make_call_param_builder_set_initial_my_video_state:
 * @self: a make-call param builder
 * @state: whether to send video at once or start with it paused
 *
 * Sets how the caller's video starts in a video call:
 * %DUET_INITIAL_VIDEO_STATE_PAUSE sends none until
 * duet_call_resume_my_video(). %DUET_INITIAL_VIDEO_STATE_RESUME by
 * default.
 *
 * Returns: (transfer none): @self, to chain calls
 */
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

/**
 * duet_make_call_param_builder_build:
 * @self: a make-call param builder
 * @error: return location for a #GError
 *
 * Checks the fields and makes a make-call param of them. Fails with
 * %DUET_KIT_ERROR_INVALID_PARAM, whose message names the field, when a
 * required field is missing, an id is not well formed (1–64 ASCII
 * letters, digits, `-`, `_` or `.`), the server URL is not an `http` or
 * `https` URL, or the media type or initial video state is not one of
 * theirs. The builder can be changed and built again.
 *
 * Returns: (transfer full): a new #DuetMakeCallParam, or %NULL with
 *   @error set
 */
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
