/* duet-server.h: the Duet app server (HTTP, WebSocket, call routing)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-bus.h"
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
  guint       max_connections;        /* sockets of any kind */
  guint       max_pending;            /* sockets not signed in yet */
  guint       max_pending_per_address;
  guint       request_timeout;        /* seconds from accept to a whole HTTP request */
  guint       login_rate_per_address; /* per minute */
  guint       auth_timeout;
  guint       history_max;            /* calls kept per account */
  guint       history_days;
  guint       missed_calls_max;       /* pending notices delivered at sign-in */
  guint       calls_per_minute;       /* make_call budget per account */
  guint       prune_interval;         /* seconds */
  guint       max_hashing;            /* password checks at once */
  guint       workers;                /* most threads holding WebSockets; 0: the default */
  guint       connections_per_worker; /* WebSockets a worker holds before another starts */
  const char * const *stun_uris;      /* NULL or empty: none */
  const char * const *turn_uris;
  const char *turn_secret;            /* required with turn_uris; copied */
  guint       turn_ttl;               /* seconds TURN credentials live */
  guint       max_devices;            /* signed-in devices per account */
  const char *web_root;               /* the web client's files; NULL: no web client */
  const char * const *allowed_origins; /* web origins besides our own; NULL: none */
} DuetServerOptions;

/* Defaults, shared with the command line's help (docs/security.md) */
#define DUET_SERVER_DEFAULT_MAX_CONNECTIONS          20000
#define DUET_SERVER_DEFAULT_MAX_PENDING              1024
#define DUET_SERVER_DEFAULT_MAX_PENDING_PER_ADDRESS  16
#define DUET_SERVER_DEFAULT_REQUEST_TIMEOUT          10
#define DUET_SERVER_DEFAULT_AUTH_TIMEOUT             5
#define DUET_SERVER_DEFAULT_HISTORY_MAX              1000
#define DUET_SERVER_DEFAULT_HISTORY_DAYS             90
#define DUET_SERVER_DEFAULT_MISSED_CALLS_MAX         100
#define DUET_SERVER_DEFAULT_CALLS_PER_MINUTE         20
#define DUET_SERVER_DEFAULT_PRUNE_INTERVAL           3600
#define DUET_SERVER_DEFAULT_TURN_TTL                 86400
#define DUET_SERVER_DEFAULT_MAX_DEVICES              10
#define DUET_SERVER_DEFAULT_WORKERS                  64
/* At ≈ 0.3 µs a wake-up per fd, a full worker wakes in ≈ 0.1 ms */
#define DUET_SERVER_DEFAULT_CONNECTIONS_PER_WORKER   256

#define DUET_TYPE_SERVER (duet_server_get_type ())
G_DECLARE_FINAL_TYPE (DuetServer, duet_server, DUET, SERVER, GObject)

DuetServer *duet_server_new              (DuetStore               *store,
                                          const DuetServerOptions *options,
                                          GError                 **error);
void        duet_server_set_bus          (DuetServer              *self,
                                          DuetBus                 *bus);
gboolean    duet_server_start            (DuetServer              *self,
                                          GError                 **error);
char       *duet_server_get_url          (DuetServer              *self);
void        duet_server_begin_shutdown   (DuetServer              *self);
guint       duet_server_get_n_sessions   (DuetServer              *self);
void        duet_server_stop             (DuetServer              *self);

G_END_DECLS
