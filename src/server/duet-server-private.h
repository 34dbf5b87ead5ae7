/* duet-server-private.h: DuetServer's instance struct and the internal
 * functions its files share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <libsoup/soup.h>

#include "duet-acceptor.h"
#include "duet-ws-worker.h"
#include "duet-bus.h"
#include "duet-call-router.h"
#include "duet-directory.h"
#include "duet-login-limiter.h"
#include "duet-metrics.h"
#include "duet-server.h"
#include "duet-session.h"
#include "duet-token.h"
#include "duet-token-bucket.h"

G_BEGIN_DECLS

/* What an account may spend, whichever of its connections spends it.
 * Ref-counted (g_rc_box): the server's table and each signed-in session. */
typedef struct
{
  DuetTokenBucket messages;
  DuetTokenBucket calls;
} DuetAccountBudget;

struct _DuetServer
{
  GObject            parent_instance;

  DuetServerOptions  options;
  char              *listen;
  char              *service;
  char              *tls_cert;
  char              *tls_key;
  GStrv              stun_uris;    /* NULL: none */
  GStrv              turn_uris;
  GStrv              allowed_origins; /* NULL: only our own */
  GHashTable        *web_files;    /* name → WebFile; NULL: no web client */
  char              *turn_secret;  /* never logged; wiped on dispose */

  DuetStore         *store;
  DuetBus           *bus;          /* the other nodes on the same store */
  DuetDirectory     *directory;    /* their devices and calls */
  gboolean           adopt_stored_calls;  /* in a cluster: see on_settled() */
  guint8             jwt_key[DUET_STORE_SECRET_LENGTH];
  DuetCallRouter    *router;
  SoupServer        *soup;
  DuetAcceptor      *acceptor;
  GPtrArray         *workers;      /* DuetWsWorker*: they hold the WebSockets */
  DuetLoginLimiter  *limiter;
  GThreadPool       *hashing;      /* argon2 checks, bounded */
  guint              hashing_queued;
  DuetMetrics        metrics;

  GHashTable        *sessions;     /* DuetSession* → owned */
  GHashTable        *users;        /* "service/user" → DuetSession* */
  GHashTable        *budgets;      /* account id → DuetAccountBudget* (rc) */

  gint64             data_version;
  guint              revocation_poll;
  guint              prune_timer;
  guint              ice_timer;
  guint              ice_interval_ms;
  gboolean           shutting_down;
};

/* duet-server.c */
gint64          duet_server_now_s                (void);
GPtrArray      *duet_server_user_sessions        (DuetServer          *self,
                                                  const char          *service,
                                                  const char          *user);
GPtrArray      *duet_server_snapshot_sessions    (DuetServer          *self,
                                                  const char          *service,
                                                  const char          *user);
DuetSession    *duet_server_device_session       (DuetServer          *self,
                                                  const char          *service,
                                                  const char          *user,
                                                  const char          *device_id);
void            duet_server_forget_session       (DuetServer          *self,
                                                  DuetSession         *session);
gboolean        duet_server_check_token          (DuetServer          *self,
                                                  const char          *token,
                                                  DuetTokenClaims     *claims,
                                                  gint64              *out_account_id,
                                                  GError             **error);
const char     *duet_server_bearer_token         (SoupServerMessage   *msg);
void            duet_server_sign_in              (DuetServer          *self,
                                                  DuetSession         *session,
                                                  DuetTokenClaims     *claims,
                                                  gint64               account_id);
DuetAccountBudget *duet_server_account_budget    (DuetServer          *self,
                                                  gint64               account_id);
void            duet_server_check_revocations    (DuetServer          *self);

/* duet-server-http.c */
gboolean        duet_server_start_hashing        (DuetServer          *self,
                                                  GError             **error);
void            duet_server_respond_error        (SoupServerMessage   *msg,
                                                  guint                status,
                                                  const char          *error,
                                                  const char          *message);
void            duet_server_handle_healthz       (SoupServer          *server,
                                                  SoupServerMessage   *msg,
                                                  const char          *path,
                                                  GHashTable          *query,
                                                  gpointer             user_data);
void            duet_server_handle_metrics       (SoupServer          *server,
                                                  SoupServerMessage   *msg,
                                                  const char          *path,
                                                  GHashTable          *query,
                                                  gpointer             user_data);
void            duet_server_handle_token         (SoupServer          *server,
                                                  SoupServerMessage   *msg,
                                                  const char          *path,
                                                  GHashTable          *query,
                                                  gpointer             user_data);
void            duet_server_handle_token_refresh (SoupServer          *server,
                                                  SoupServerMessage   *msg,
                                                  const char          *path,
                                                  GHashTable          *query,
                                                  gpointer             user_data);

/* duet-server-web.c */
gboolean        duet_server_load_web             (DuetServer          *self,
                                                  const char          *root,
                                                  GError             **error);
void            duet_server_clear_web            (DuetServer          *self);
gboolean        duet_server_check_ws_origin      (DuetServer          *self,
                                                  SoupServerMessage   *msg);
gboolean        duet_server_handle_cors          (DuetServer          *self,
                                                  SoupServerMessage   *msg,
                                                  const char          *methods);
void            duet_server_handle_web           (SoupServer          *server,
                                                  SoupServerMessage   *msg,
                                                  const char          *path,
                                                  GHashTable          *query,
                                                  gpointer             user_data);

/* duet-server-devices.c */
void            duet_server_touch_device         (DuetServer          *self,
                                                  DuetSession         *session);
void            duet_server_broadcast_devices    (DuetServer          *self,
                                                  DuetSession         *session,
                                                  DuetSession         *skip);
gboolean        duet_server_register_device      (DuetServer          *self,
                                                  const char          *service,
                                                  const char          *user,
                                                  const char          *device_id,
                                                  const char          *device_name,
                                                  char               **out_device_id,
                                                  gint64              *out_key,
                                                  GError             **error);
gboolean        duet_server_sign_out_device      (DuetServer          *self,
                                                  gint64               account_id,
                                                  const char          *service,
                                                  const char          *user,
                                                  const char          *device_id,
                                                  DuetSignOutReason    reason,
                                                  GError             **error);
void            duet_server_handle_devices       (DuetServer          *self,
                                                  DuetSession         *session,
                                                  JsonObject          *message,
                                                  const char          *id);
void            duet_server_handle_sign_out_device (DuetServer        *self,
                                                  DuetSession         *session,
                                                  JsonObject          *message,
                                                  const char          *id);
void            duet_server_handle_mark_seen     (DuetServer          *self,
                                                  DuetSession         *session,
                                                  JsonObject          *message,
                                                  const char          *id);

G_END_DECLS
