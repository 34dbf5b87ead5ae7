/* duet-server.h: the Duet app server (HTTP, WebSocket, call routing)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-store.h"

G_BEGIN_DECLS

typedef struct
{
  const char *listen;               /* NULL: 127.0.0.1 */
  guint       port;                 /* 0: pick one */
  const char *tls_cert;
  const char *tls_key;
  const char *service;
  guint       ring_timeout;         /* seconds */
  guint       grace_period;
  guint       token_lifetime;
  guint       max_connections;
  guint       login_rate_per_address; /* per minute */
  guint       auth_timeout;
} DuetServerOptions;

#define DUET_TYPE_SERVER (duet_server_get_type ())
G_DECLARE_FINAL_TYPE (DuetServer, duet_server, DUET, SERVER, GObject)

DuetServer *duet_server_new              (DuetStore               *store,
                                          const DuetServerOptions *options,
                                          GError                 **error);
gboolean    duet_server_start            (DuetServer              *self,
                                          GError                 **error);
char       *duet_server_get_url          (DuetServer              *self);
void        duet_server_begin_shutdown   (DuetServer              *self);
guint       duet_server_get_n_sessions   (DuetServer              *self);
void        duet_server_stop             (DuetServer              *self);

G_END_DECLS
