/* duet-acceptor.h: accepts TCP connections for a SoupServer and bounds them
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libsoup 3.2's own listener leaks every keep-alive connection that a
 * client closes while idle, stops accepting for good after one accept()
 * error, and has no limit or timeout of any kind. The acceptor owns the
 * listening socket instead and hands each connection to libsoup with
 * soup_server_accept_iostream(), which also turns keep-alive off: every
 * plain HTTP response is the last on its connection.
 */
#pragma once

#include <libsoup/soup.h>

#include "duet-metrics.h"

G_BEGIN_DECLS

typedef struct
{
  guint max_connections;          /* every socket */
  guint max_pending;              /* not signed in yet, all addresses */
  guint max_pending_per_address;
  guint request_timeout;          /* seconds from accept to a complete request */
} DuetAcceptorLimits;

#define DUET_TYPE_ACCEPTOR (duet_acceptor_get_type ())
G_DECLARE_FINAL_TYPE (DuetAcceptor, duet_acceptor, DUET, ACCEPTOR, GObject)

DuetAcceptor *duet_acceptor_new           (SoupServer               *soup,
                                           GTlsCertificate          *certificate,
                                           const DuetAcceptorLimits *limits,
                                           DuetMetrics              *metrics);
gboolean      duet_acceptor_listen        (DuetAcceptor             *self,
                                           GSocketAddress           *address,
                                           GError                  **error);
guint         duet_acceptor_get_port      (DuetAcceptor             *self);
GSocket      *duet_acceptor_get_socket    (DuetAcceptor             *self,
                                           SoupServerMessage        *msg);
void          duet_acceptor_set_signed_in (DuetAcceptor             *self,
                                           GSocket                  *socket);
void          duet_acceptor_set_closed    (DuetAcceptor             *self,
                                           GSocket                  *socket);
void          duet_acceptor_hand_over     (DuetAcceptor             *self,
                                           GSocket                  *socket);
void          duet_acceptor_stop          (DuetAcceptor             *self);

G_END_DECLS
