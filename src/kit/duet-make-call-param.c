/* duet-make-call-param.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Built only by DuetMakeCallParamBuilder, which checks every field, so a
 * param that exists is valid.
 */
#define G_LOG_DOMAIN "DuetMakeCallParam"

#include "duet-make-call-param.h"
#include "duet-make-call-param-private.h"

struct _DuetMakeCallParam
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
 * DuetMakeCallParam:
 *
 * What is needed to place a call, checked and immutable: PlanetKit's
 * `PlanetKitMakeCallParam`.
 *
 * Only duet_make_call_param_builder_build() makes one, after checking
 * every field, so a make-call param that exists is valid. Pass it to
 * duet_manager_make_call_async().
 */
G_DEFINE_FINAL_TYPE (DuetMakeCallParam, duet_make_call_param, G_TYPE_OBJECT)

static void
duet_make_call_param_finalize (GObject *object)
{
  DuetMakeCallParam *self = DUET_MAKE_CALL_PARAM (object);

  g_free (self->my_user_id);
  g_free (self->my_service_id);
  g_free (self->peer_user_id);
  g_free (self->peer_service_id);
  g_free (self->access_token);
  g_free (self->server_url);

  G_OBJECT_CLASS (duet_make_call_param_parent_class)->finalize (object);
}

static void
duet_make_call_param_class_init (DuetMakeCallParamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = duet_make_call_param_finalize;
}

static void
duet_make_call_param_init (DuetMakeCallParam *self)
{
}

DuetMakeCallParam *
duet_make_call_param_new_internal (const char            *my_user_id,
                                   const char            *my_service_id,
                                   const char            *peer_user_id,
                                   const char            *peer_service_id,
                                   const char            *access_token,
                                   const char            *server_url,
                                   DuetMediaType          media_type,
                                   DuetInitialVideoState  initial_video_state)
{
  DuetMakeCallParam *self = g_object_new (DUET_TYPE_MAKE_CALL_PARAM, NULL);

  self->my_user_id = g_strdup (my_user_id);
  self->my_service_id = g_strdup (my_service_id);
  self->peer_user_id = g_strdup (peer_user_id);
  self->peer_service_id = g_strdup (peer_service_id);
  self->access_token = g_strdup (access_token);
  self->server_url = g_strdup (server_url);
  self->media_type = media_type;
  self->initial_video_state = initial_video_state;

  return self;
}

/**
 * duet_make_call_param_get_my_user_id:
 * @self: a make-call param
 *
 * Gives the caller's user id: the user signed in with the access token.
 *
 * Returns: the caller's user id
 */
const char *
duet_make_call_param_get_my_user_id (DuetMakeCallParam *self)
{
  g_return_val_if_fail (DUET_IS_MAKE_CALL_PARAM (self), NULL);
  return self->my_user_id;
}

/**
 * duet_make_call_param_get_my_service_id:
 * @self: a make-call param
 *
 * Gives the caller's service id.
 *
 * Returns: the caller's service id
 */
const char *
duet_make_call_param_get_my_service_id (DuetMakeCallParam *self)
{
  g_return_val_if_fail (DUET_IS_MAKE_CALL_PARAM (self), NULL);
  return self->my_service_id;
}

/**
 * duet_make_call_param_get_peer_user_id:
 * @self: a make-call param
 *
 * Gives the user id of the user to call.
 *
 * Returns: the peer's user id
 */
const char *
duet_make_call_param_get_peer_user_id (DuetMakeCallParam *self)
{
  g_return_val_if_fail (DUET_IS_MAKE_CALL_PARAM (self), NULL);
  return self->peer_user_id;
}

/**
 * duet_make_call_param_get_peer_service_id:
 * @self: a make-call param
 *
 * Gives the service id of the user to call; the caller's own when the builder was given none.
 *
 * Returns: the peer's service id
 */
const char *
duet_make_call_param_get_peer_service_id (DuetMakeCallParam *self)
{
  g_return_val_if_fail (DUET_IS_MAKE_CALL_PARAM (self), NULL);
  return self->peer_service_id;
}

/**
 * duet_make_call_param_get_access_token:
 * @self: a make-call param
 *
 * Gives the access token the call is placed with, as duet_auth_sign_in_finish() returned it.
 *
 * Returns: the access token
 */
const char *
duet_make_call_param_get_access_token (DuetMakeCallParam *self)
{
  g_return_val_if_fail (DUET_IS_MAKE_CALL_PARAM (self), NULL);
  return self->access_token;
}

/**
 * duet_make_call_param_get_server_url:
 * @self: a make-call param
 *
 * Gives the URL of the app server to place the call through, when the
 * builder was given one. Without it the manager's own server is used.
 *
 * Returns: (nullable): the server's URL, such as `https://duet.example.org`
 */
const char *
duet_make_call_param_get_server_url (DuetMakeCallParam *self)
{
  g_return_val_if_fail (DUET_IS_MAKE_CALL_PARAM (self), NULL);
  return self->server_url;
}

/**
 * duet_make_call_param_get_media_type:
 * @self: a make-call param
 *
 * Gives the media type of the call to place.
 *
 * Returns: %DUET_MEDIA_TYPE_AUDIO, %DUET_MEDIA_TYPE_VIDEO or
 *   %DUET_MEDIA_TYPE_AUDIOVIDEO
 */
DuetMediaType
duet_make_call_param_get_media_type (DuetMakeCallParam *self)
{
  g_return_val_if_fail (DUET_IS_MAKE_CALL_PARAM (self), DUET_MEDIA_TYPE_UNKNOWN);
  return self->media_type;
}

/**
 * duet_make_call_param_get_initial_video_state:
 * @self: a make-call param
 *
 * Gives how the caller's video starts in a video call.
 *
 * Returns: whether the caller's video is sent at once or starts paused
 */
DuetInitialVideoState
duet_make_call_param_get_initial_video_state (DuetMakeCallParam *self)
{
  g_return_val_if_fail (DUET_IS_MAKE_CALL_PARAM (self), DUET_INITIAL_VIDEO_STATE_RESUME);
  return self->initial_video_state;
}
