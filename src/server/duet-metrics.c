/* duet-metrics.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "duet-metrics.h"

static const char * const login_results[] = { "ok", "invalid", "rate_limited", "bad_request" };
static const char * const refresh_results[] = { "ok", "invalid", "rate_limited" };
static const char * const refusals[] = { "total", "pending", "pending_address" };

G_STATIC_ASSERT (G_N_ELEMENTS (refresh_results) == DUET_REFRESH_RESULT_N);
G_STATIC_ASSERT (G_N_ELEMENTS (refusals) == DUET_METRICS_N_REFUSALS);

void
duet_metrics_init (DuetMetrics *self)
{
  memset (self, 0, sizeof *self);
  self->calls_ended = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
}

void
duet_metrics_clear (DuetMetrics *self)
{
  g_clear_pointer (&self->calls_ended, g_hash_table_unref);
}

void
duet_metrics_call_ended (DuetMetrics          *self,
                         DuetDisconnectReason  reason)
{
  /* Enum nicks are static strings, so they can be the keys */
  const char *name = duet_disconnect_reason_to_string (reason);
  guint64 *count = g_hash_table_lookup (self->calls_ended, name);

  if (count == NULL)
    {
      count = g_new0 (guint64, 1);
      g_hash_table_insert (self->calls_ended, (gpointer) name, count);
    }
  (*count)++;
}

static void
append_value (GString    *out,
              const char *name,
              const char *type,
              const char *help,
              guint64     value)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n%s %" G_GUINT64_FORMAT "\n",
                          name, help, name, type, name, value);
}

static void
append_metric (GString    *out,
               const char *name,
               const char *type,
               const char *help)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *
duet_metrics_to_prometheus (DuetMetrics *self)
{
  GString *out = g_string_new (NULL);
  GHashTableIter iter;
  gpointer key, value;

  append_metric (out, "duet_connections", "gauge", "Open WebSocket connections");
  g_string_append_printf (out, "duet_connections %" G_GUINT64_FORMAT "\n", self->connections);
  append_metric (out, "duet_authenticated_connections", "gauge", "Signed-in WebSocket connections");
  g_string_append_printf (out, "duet_authenticated_connections %" G_GUINT64_FORMAT "\n",
                          self->authenticated_connections);
  append_metric (out, "duet_active_calls", "gauge", "Calls not yet ended");
  g_string_append_printf (out, "duet_active_calls %" G_GUINT64_FORMAT "\n", self->active_calls);
  append_metric (out, "duet_calls_started_total", "counter", "Successful make_call requests");
  g_string_append_printf (out, "duet_calls_started_total %" G_GUINT64_FORMAT "\n", self->calls_started);

  append_metric (out, "duet_calls_ended_total", "counter", "Ended calls by disconnect reason");
  g_hash_table_iter_init (&iter, self->calls_ended);
  while (g_hash_table_iter_next (&iter, &key, &value))
    g_string_append_printf (out, "duet_calls_ended_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            (const char *) key, *(guint64 *) value);

  append_metric (out, "duet_messages_total", "counter", "WebSocket messages received");
  g_string_append_printf (out, "duet_messages_total %" G_GUINT64_FORMAT "\n", self->messages);

  append_metric (out, "duet_messages_rejected_total", "counter", "Messages answered with an error");
  for (guint i = 0; i < DUET_METRICS_N_ERROR_CODES; i++)
    g_string_append_printf (out, "duet_messages_rejected_total{code=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            duet_protocol_error_code_to_string (i), self->messages_rejected[i]);

  append_metric (out, "duet_logins_total", "counter", "POST /v1/token by result");
  for (guint i = 0; i < DUET_LOGIN_RESULT_N; i++)
    g_string_append_printf (out, "duet_logins_total{result=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            login_results[i], self->logins[i]);

  append_metric (out, "duet_token_refreshes_total", "counter", "POST /v1/token/refresh by result");
  for (guint i = 0; i < DUET_REFRESH_RESULT_N; i++)
    g_string_append_printf (out, "duet_token_refreshes_total{result=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            refresh_results[i], self->refreshes[i]);

  append_metric (out, "duet_slow_clients_closed_total", "counter",
                 "Connections closed because the client stopped reading");
  g_string_append_printf (out, "duet_slow_clients_closed_total %" G_GUINT64_FORMAT "\n",
                          self->slow_clients_closed);

  append_value (out, "duet_sockets_open", "gauge", "Open TCP connections, HTTP and WebSocket",
                self->sockets_open);
  append_value (out, "duet_sockets_pending", "gauge", "Open TCP connections not signed in yet",
                self->sockets_pending);
  append_value (out, "duet_ws_workers", "gauge", "Threads holding WebSocket connections",
                self->ws_workers);
  append_metric (out, "duet_connections_refused_total", "counter",
                 "Connections closed at accept, by the limit they hit");
  for (guint i = 0; i < DUET_METRICS_N_REFUSALS; i++)
    g_string_append_printf (out, "duet_connections_refused_total{reason=\"%s\"} %" G_GUINT64_FORMAT "\n",
                            refusals[i], self->connections_refused[i]);
  append_value (out, "duet_requests_timed_out_total", "counter",
                "Connections closed because their HTTP request did not arrive in time",
                self->requests_timed_out);
  append_value (out, "duet_accept_errors_total", "counter",
                "accept() failures (each pauses accepting for 100 ms)", self->accept_errors);
  append_value (out, "duet_calls_rate_limited_total", "counter",
                "make_call requests refused by the per-account call budget", self->calls_rate_limited);
  append_value (out, "duet_calls_pruned_total", "counter",
                "Calls deleted from the history by the retention limits", self->calls_pruned);
  append_value (out, "duet_password_checks_busy_total", "counter",
                "Sign-ins refused (503) because too many password checks were waiting",
                self->password_checks_busy);
  append_value (out, "duet_ice_credentials_issued_total", "counter",
                "TURN credentials handed out, in hello and ice_servers events",
                self->ice_credentials_issued);

  return g_string_free (out, FALSE);
}
