/* duet-server-error.h: the server's GError domain
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define DUET_SERVER_ERROR (duet_server_error_quark ())

typedef enum
{
  DUET_SERVER_ERROR_FAILED,
  DUET_SERVER_ERROR_DATABASE,
  DUET_SERVER_ERROR_INVALID_ID,
  DUET_SERVER_ERROR_EXISTS,
  DUET_SERVER_ERROR_NOT_FOUND,
  DUET_SERVER_ERROR_BAD_PASSWORD,
  DUET_SERVER_ERROR_BAD_TOKEN,
  DUET_SERVER_ERROR_CRYPTO,
  DUET_SERVER_ERROR_INVALID_CONFIG,
  DUET_SERVER_ERROR_UNAVAILABLE,     /* a dependency (the database) cannot be reached */
} DuetServerError;

GQuark duet_server_error_quark (void);

G_END_DECLS
