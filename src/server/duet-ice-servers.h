/* duet-ice-servers.h: the STUN and TURN servers handed to clients
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * URIs follow RFC 7064 and RFC 7065; TURN credentials follow the TURN
 * REST scheme that coturn's use-auth-secret checks. Pure functions (the
 * caller passes the clock) so that tests can call them directly.
 */
#pragma once

#include "duet-messages.h"

G_BEGIN_DECLS

/* Bounds on what --turn-secret-file may hold */
#define DUET_ICE_SECRET_MAX_LENGTH 4096

typedef enum
{
  DUET_ICE_URI_STUN,   /* stun: */
  DUET_ICE_URI_TURN,   /* turn: or turns: */
} DuetIceUriKind;

gboolean   duet_ice_uri_check         (const char         *uri,
                                       DuetIceUriKind      kind,
                                       GError            **error);
char      *duet_ice_read_secret       (const char         *path,
                                       GError            **error);
void       duet_ice_free_secret       (char               *secret);
void       duet_ice_turn_credential   (const char         *secret,
                                       const char         *user,
                                       gint64              expires_at,
                                       char              **out_username,
                                       char              **out_credential);
GPtrArray *duet_ice_servers_build     (const char * const *stun_uris,
                                       const char * const *turn_uris,
                                       const char         *secret,
                                       const char         *user,
                                       gint64              expires_at);

G_END_DECLS
