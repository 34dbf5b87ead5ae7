/* duet-ice-uri.h: STUN and TURN server URIs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Reads both the WebRTC form (RFC 7064/7065: "stun:host:3478",
 * "turn:host?transport=udp") and webrtcbin's ("turn://user:pass@host:3478"),
 * and writes webrtcbin's, with the credentials escaped as it needs them.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  DUET_ICE_SCHEME_STUN,
  DUET_ICE_SCHEME_TURN,
  DUET_ICE_SCHEME_TURNS,
} DuetIceScheme;

typedef enum
{
  DUET_ICE_TRANSPORT_ANY,
  DUET_ICE_TRANSPORT_UDP,
  DUET_ICE_TRANSPORT_TCP,
} DuetIceTransport;

typedef struct
{
  DuetIceScheme     scheme;
  char             *host;        /* without brackets for IPv6 */
  guint             port;        /* 0: the scheme's default */
  DuetIceTransport  transport;
  char             *username;    /* NULL unless given in the URI */
  char             *password;
} DuetIceUri;

DuetIceUri *duet_ice_uri_parse         (const char   *text,
                                        GError      **error);
void        duet_ice_uri_free          (DuetIceUri   *uri);
gboolean    duet_ice_uri_is_turn       (DuetIceUri   *uri);
char       *duet_ice_uri_to_webrtcbin  (DuetIceUri   *uri,
                                        const char   *username,
                                        const char   *password);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetIceUri, duet_ice_uri_free)

G_END_DECLS
