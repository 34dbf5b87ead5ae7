/* duet-metrics.h: counters exported on GET /metrics
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "duet-protocol.h"

G_BEGIN_DECLS

#define DUET_METRICS_N_ERROR_CODES (DUET_PROTOCOL_ERROR_INTERNAL + 1)

typedef enum
{
  DUET_LOGIN_RESULT_OK,
  DUET_LOGIN_RESULT_INVALID,
  DUET_LOGIN_RESULT_RATE_LIMITED,
  DUET_LOGIN_RESULT_BAD_REQUEST,
  DUET_LOGIN_RESULT_N,
} DuetLoginResult;

typedef enum
{
  DUET_REFRESH_RESULT_OK,
  DUET_REFRESH_RESULT_INVALID,
  DUET_REFRESH_RESULT_RATE_LIMITED,
  DUET_REFRESH_RESULT_N,
} DuetRefreshResult;

#define DUET_METRICS_N_REFUSALS 3   /* total, pending, pending_address */

/* Plain counters: the server is single-threaded (one GMainContext) */
typedef struct
{
  guint64     connections;
  guint64     authenticated_connections;
  guint64     active_calls;
  guint64     calls_started;
  GHashTable *calls_ended;                                /* reason nick → guint64* */
  guint64     messages;
  guint64     messages_rejected[DUET_METRICS_N_ERROR_CODES];
  guint64     logins[DUET_LOGIN_RESULT_N];
  guint64     refreshes[DUET_REFRESH_RESULT_N];
  guint64     slow_clients_closed;
  guint64     sockets_open;
  guint64     sockets_pending;
  guint64     ws_workers;                                  /* threads holding WebSockets */
  guint64     connections_refused[DUET_METRICS_N_REFUSALS];
  guint64     requests_timed_out;
  guint64     accept_errors;
  guint64     calls_rate_limited;
  guint64     calls_pruned;
  guint64     password_checks_busy;
  guint64     ice_credentials_issued;
} DuetMetrics;

void  duet_metrics_init          (DuetMetrics          *self);
void  duet_metrics_clear         (DuetMetrics          *self);
void  duet_metrics_call_ended    (DuetMetrics          *self,
                                  DuetDisconnectReason  reason);
char *duet_metrics_to_prometheus (DuetMetrics          *self);

G_END_DECLS
