/* duet-kit-error.h: the call kit's error domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "duet-version.h"

G_BEGIN_DECLS

/**
 * DUET_KIT_ERROR:
 *
 * The error domain of the call kit; its codes are #DuetKitError.
 */
#define DUET_KIT_ERROR (duet_kit_error_quark ())

/**
 * DuetKitError:
 * @DUET_KIT_ERROR_INVALID_PARAM: a parameter is missing or malformed; the
 *   message names the field, as a builder's `build()` reports it
 * @DUET_KIT_ERROR_NOT_CONNECTED: the manager is not signed in to a
 *   server, or the connection went away before the server answered
 * @DUET_KIT_ERROR_SERVER: the server refused a request or answered with
 *   something the kit cannot read; the message starts with the server's
 *   error code
 * @DUET_KIT_ERROR_BAD_STATE: the call is not in a state that allows this,
 *   such as accepting a call that is not ringing, or pausing video that
 *   is not on
 * @DUET_KIT_ERROR_MEDIA: the media pipeline could not be built or
 *   started, for example because a GStreamer element is missing
 * @DUET_KIT_ERROR_AUTH: signing in failed: wrong credentials, or a token
 *   the server no longer accepts
 * @DUET_KIT_ERROR_RATE_LIMITED: the server refused because of too many
 *   attempts in a short time; the message says when to try again
 * @DUET_KIT_ERROR_NETWORK: the server could not be reached
 * @DUET_KIT_ERROR_TLS: the server's TLS certificate is not trusted
 * @DUET_KIT_ERROR_TOO_LARGE: the data is too long, such as short data past
 *   its limit
 * @DUET_KIT_ERROR_NO_SUCH_DEVICE: the user has no device of that id (it
 *   was signed out already, or never signed in); see
 *   duet_manager_sign_out_device_async()
 *
 * The ways a call kit operation fails, in the %DUET_KIT_ERROR domain.
 * Operations that start a call report why they could not also as a
 * #DuetStartFailReason, PlanetKit's way.
 */
typedef enum /*< prefix=DUET_KIT_ERROR >*/
{
  DUET_KIT_ERROR_INVALID_PARAM,   /*< nick=invalid-param >*/
  DUET_KIT_ERROR_NOT_CONNECTED,   /*< nick=not-connected >*/
  DUET_KIT_ERROR_SERVER,          /*< nick=server >*/
  DUET_KIT_ERROR_BAD_STATE,       /*< nick=bad-state >*/
  DUET_KIT_ERROR_MEDIA,           /*< nick=media >*/
  DUET_KIT_ERROR_AUTH,            /*< nick=auth >*/
  DUET_KIT_ERROR_RATE_LIMITED,    /*< nick=rate-limited >*/
  DUET_KIT_ERROR_NETWORK,         /*< nick=network >*/
  DUET_KIT_ERROR_TLS,             /*< nick=tls >*/
  DUET_KIT_ERROR_TOO_LARGE,       /*< nick=too-large >*/
  DUET_KIT_ERROR_NO_SUCH_DEVICE,  /*< nick=no-such-device >*/
} DuetKitError;

DUET_AVAILABLE_IN_ALL
GQuark duet_kit_error_quark (void);

G_END_DECLS
