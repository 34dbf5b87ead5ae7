/* duet-kit-error.h: the call kit's error domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DUET_KIT_ERROR (duet_kit_error_quark ())

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
} DuetKitError;

GQuark duet_kit_error_quark (void);

G_END_DECLS
