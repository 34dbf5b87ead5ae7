/* duet-bench-relay.c: signal relay latency and the highest sustainable rate
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   duet-bench-relay --url URL --tokens FILE --rate R --seconds T [--pairs K] [--prefix bench]
 *   duet-bench-relay --url URL --tokens FILE --sweep [--seconds T]
 *
 * Sets up K connected calls (PREFIX(2k) calls PREFIX(2k+1)), then the callers
 * send `signal` candidate messages, paced by a 1 ms timer to R messages a
 * second in total, round-robin over the calls, for T seconds. Each message
 * carries its send time (CLOCK_MONOTONIC, µs) in sdpMid and a sequence number
 * in the candidate; the callee timestamps arrival. Sender and receiver live in
 * this one process, so the clock is the same; latency includes the client's
 * own main-loop delay (an upper bound on the server's share).
 *
 * The server allows 50 messages a second per connection (burst 100), so a
 * single call cannot carry 1,000 msg/s: by default K = ceil(R / 40) calls,
 * 40 msg/s each. --pairs 1 shows what the rate limit does to one call.
 *
 * --sweep doubles R from 1,000 (new calls each step) until less than 99 % of
 * the messages arrive or p99 exceeds 100 ms, and reports the last rate that
 * passed as the maximum sustainable one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench-common.h"

typedef struct
{
  BenchConn caller, callee;
  char     *callee_user;
  char     *call_id;
  gboolean  connected;
} Pair;

typedef struct
{
  SoupSession *session;
  char        *ws_url;
  char        *callee_ws_url;     /* --callee-url: another node of a cluster */
  Pair        *pairs;
  guint        n_pairs, n_hello, n_connected, n_failed;
  GMainLoop   *loop;
  gboolean     sending, stopping;
  double       rate;
  gint64       t_start, t_stop_sending;
  guint64      sent, received, errors, rate_limited, closed;
  GArray      *lat_us;
} Bench;

static Bench B;

static void
on_caller (BenchConn *conn, JsonObject *o, const char *text, gsize len)
{
  Pair *p = conn->user_data;
  const char *type;

  if (o == NULL)   /* raw mode, while sending: only replies and errors come here */
    {
      if (g_strstr_len (text, len, "\"type\":\"error\"") != NULL)
        {
          B.errors++;
          if (strstr (text, "rate_limited"))
            B.rate_limited++;
        }
      return;
    }
  type = bench_get_string (o, "type");
  if (g_strcmp0 (type, "hello") == 0)
    {
      B.n_hello++;
      g_autofree char *req = g_strdup_printf ("{\"type\":\"make_call\",\"id\":\"m\",\"peer_user\":\"%s\","
                                              "\"media_type\":\"audio\"}", p->callee_user);
      /* the callee may not be signed in yet: the call waits for it */
      bench_conn_send (conn, req);
    }
  else if (g_strcmp0 (type, "reply") == 0 && g_strcmp0 (bench_get_string (o, "id"), "m") == 0)
    p->call_id = g_strdup (bench_get_string (o, "call_id"));
  else if (g_strcmp0 (type, "connected") == 0)
    {
      p->connected = TRUE;
      B.n_connected++;
      conn->raw = TRUE;
    }
  else if (g_strcmp0 (type, "error") == 0 || g_strcmp0 (type, "disconnected") == 0)
    g_printerr ("caller %u: %.*s\n", conn->index, (int) len, text);
}

static void
on_callee (BenchConn *conn, JsonObject *o, const char *text, gsize len)
{
  const char *type;

  if (o == NULL)
    {
      const char *mid = g_strstr_len (text, len, "\"sdpMid\":\"");

      /* the server writes "type" last: look for the member anywhere */
      if (mid != NULL && g_strstr_len (text, len, "\"type\":\"signal\"") != NULL)
        {
          gint64 sent = g_ascii_strtoll (mid + 10, NULL, 10);
          gint64 us = bench_now_us () - sent;

          B.received++;
          g_array_append_val (B.lat_us, us);
        }
      return;
    }
  type = bench_get_string (o, "type");
  if (g_strcmp0 (type, "hello") == 0)
    B.n_hello++;
  else if (g_strcmp0 (type, "incoming_call") == 0)
    {
      g_autofree char *req = g_strdup_printf ("{\"type\":\"verify_call\",\"id\":\"v\",\"cc_param\":\"%s\"}",
                                              bench_get_string (o, "cc_param"));
      bench_conn_send (conn, req);
    }
  else if (g_strcmp0 (type, "reply") == 0 && g_strcmp0 (bench_get_string (o, "id"), "v") == 0)
    {
      g_autofree char *req = g_strdup_printf ("{\"type\":\"accept_call\",\"id\":\"a\",\"call_id\":\"%s\"}",
                                              bench_get_string (o, "call_id"));
      bench_conn_send (conn, req);
    }
  else if (g_strcmp0 (type, "connected") == 0)
    conn->raw = TRUE;
  else if (g_strcmp0 (type, "error") == 0 || g_strcmp0 (type, "disconnected") == 0)
    g_printerr ("callee %u: %.*s\n", conn->index, (int) len, text);
}

static void
on_done (BenchConn *conn, const GError *error)
{
  if (!B.stopping)
    {
      g_printerr ("socket %u: %s (HTTP %u)\n", conn->index, error ? error->message : "closed", conn->status);
      B.n_failed++;
      B.closed++;
    }
}

static gboolean
tick (gpointer data)
{
  gint64 now = bench_now_us ();
  guint64 due;

  if (now >= B.t_stop_sending)
    {
      B.sending = FALSE;
      return G_SOURCE_REMOVE;
    }
  due = (guint64) ((now - B.t_start) * B.rate / 1e6);
  while (B.sent < due)
    {
      Pair *p = &B.pairs[B.sent % B.n_pairs];
      char buf[512];

      g_snprintf (buf, sizeof buf,
                  "{\"type\":\"signal\",\"id\":\"s%" G_GUINT64_FORMAT "\",\"call_id\":\"%s\",\"payload\":"
                  "{\"type\":\"candidate\",\"candidate\":\"candidate:%" G_GUINT64_FORMAT " 1 UDP 2015363327 "
                  "127.0.0.1 40123 typ host\",\"sdpMLineIndex\":0,\"sdpMid\":\"%" G_GINT64_FORMAT "\"}}",
                  B.sent, p->call_id, B.sent, bench_now_us ());
      bench_conn_send (&p->caller, buf);
      B.sent++;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (B.loop);
  return G_SOURCE_REMOVE;
}

static gboolean
drain (gpointer data)
{
  static gint64 since;

  if (B.sending)
    return G_SOURCE_CONTINUE;
  if (since == 0)
    since = bench_now_us ();
  /* all in, or 3 s after the last send */
  if (B.received >= B.sent - B.rate_limited || bench_now_us () - since > 3 * G_USEC_PER_SEC)
    {
      since = 0;
      g_main_loop_quit (B.loop);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
run_until (gboolean (*cond) (void), guint timeout_s)
{
  gint64 deadline = bench_now_us () + timeout_s * G_USEC_PER_SEC;

  while (!cond () && bench_now_us () < deadline)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean all_connected (void) { return B.n_connected + B.n_failed >= B.n_pairs; }

/* one step: K fresh calls, R msg/s for T s; returns the JSON, sets *ok */
static char *
run_step (char **tokens, guint first_token, const char *prefix, guint pairs, double rate,
          int seconds, gboolean *ok)
{
  double load_before = bench_loadavg (), p99;
  g_autofree char *json = NULL;
  double delivered;

  memset (&B.sent, 0, sizeof B - G_STRUCT_OFFSET (Bench, sent));
  B.n_pairs = pairs;
  B.n_hello = B.n_connected = B.n_failed = 0;
  B.rate = rate;
  B.pairs = g_new0 (Pair, pairs);
  B.lat_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  for (guint i = 0; i < pairs; i++)
    {
      Pair *p = &B.pairs[i];
      guint t = first_token + 2 * i;

      p->callee_user = g_strdup_printf ("%s%u", prefix, t + 1);
      p->caller = (BenchConn) { .token = tokens[t], .index = t, .on_message = on_caller,
                                .on_done = on_done, .user_data = p };
      p->callee = (BenchConn) { .token = tokens[t + 1], .index = t + 1, .on_message = on_callee,
                                .on_done = on_done, .user_data = p };
      bench_conn_connect (B.session, B.callee_ws_url, &p->callee);
      bench_conn_connect (B.session, B.ws_url, &p->caller);
    }
  run_until (all_connected, 60);
  if (B.n_connected < pairs)
    g_error ("only %u of %u calls connected", B.n_connected, pairs);

  B.sending = TRUE;
  B.t_start = bench_now_us ();
  B.t_stop_sending = B.t_start + seconds * G_USEC_PER_SEC;
  g_timeout_add (1, tick, NULL);
  g_timeout_add (10, drain, NULL);
  g_main_loop_run (B.loop);

  g_array_sort (B.lat_us, bench_cmp_gint64);
  delivered = B.sent ? (double) B.received / B.sent : 0;
  p99 = bench_percentile_ms (B.lat_us, 99);
  *ok = delivered >= 0.99 && p99 <= 100;
  json = g_strdup_printf ("{\"rate\": %.0f, \"pairs\": %u, \"per_call_rate\": %.1f, \"seconds\": %d,"
                          " \"sent\": %" G_GUINT64_FORMAT ", \"received\": %" G_GUINT64_FORMAT ","
                          " \"lost\": %" G_GUINT64_FORMAT ", \"loss_pct\": %.3f, \"rate_limited\": %" G_GUINT64_FORMAT ","
                          " \"received_per_s\": %.1f,"
                          " \"p50_ms\": %.3f, \"p95_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f,"
                          " \"load_before\": %.2f, \"load_after\": %.2f}",
                          rate, pairs, rate / pairs, seconds, B.sent, B.received,
                          B.sent - MIN (B.sent, B.received), B.sent ? 100.0 * (B.sent - MIN (B.sent, B.received)) / B.sent : 0,
                          B.rate_limited, B.received / (double) seconds,
                          bench_percentile_ms (B.lat_us, 50), bench_percentile_ms (B.lat_us, 95), p99,
                          bench_percentile_ms (B.lat_us, 100), load_before, bench_loadavg ());

  /* hang up: close every socket of this step */
  B.stopping = TRUE;
  for (guint i = 0; i < pairs; i++)
    {
      bench_conn_close (&B.pairs[i].caller);
      bench_conn_close (&B.pairs[i].callee);
    }
  g_timeout_add (500, quit, NULL);
  g_main_loop_run (B.loop);
  B.stopping = FALSE;
  g_array_unref (B.lat_us);
  return g_steal_pointer (&json);
}

int
main (int argc, char **argv)
{
  g_autofree char *url = NULL, *tokens_path = NULL, *prefix = NULL, *callee_url = NULL;
  int pairs = 0, seconds = 10, rate = 1000, per_call = 40, first = 0;
  gboolean sweep = FALSE;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "Server base URL", "URL" },
    { "callee-url", 0, 0, G_OPTION_ARG_STRING, &callee_url, "The callees' server, if another (a node of the same cluster)", "URL" },
    { "tokens", 0, 0, G_OPTION_ARG_FILENAME, &tokens_path, "Tokens, one per line", "FILE" },
    { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix, "User id prefix (bench)", "ID" },
    { "rate", 0, 0, G_OPTION_ARG_INT, &rate, "Messages a second in total (1000)", "R" },
    { "pairs", 0, 0, G_OPTION_ARG_INT, &pairs, "Calls (default ceil(R / per-call))", "K" },
    { "per-call", 0, 0, G_OPTION_ARG_INT, &per_call, "Messages a second per call when K is not given (40)", "N" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Duration (10)", "T" },
    { "first", 0, 0, G_OPTION_ARG_INT, &first, "First user index to use (0)", "I" },
    { "sweep", 0, 0, G_OPTION_ARG_NONE, &sweep, "Double the rate until it is no longer sustained", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- relay latency");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tokens = NULL;
  guint n_tokens, next_token;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || url == NULL ||
      tokens_path == NULL || rate < 1 || seconds < 1 || per_call < 1)
    {
      g_printerr ("usage: duet-bench-relay --url URL --tokens FILE [--rate R] [--pairs K] [--seconds T] [--sweep]\n");
      return 2;
    }
  if (prefix == NULL)
    prefix = g_strdup ("bench");
  bench_raise_nofile ();
  tokens = bench_read_lines (tokens_path, &n_tokens);
  next_token = (guint) MAX (first, 0);
  B.session = bench_session_new (64);
  B.ws_url = bench_ws_url (url);
  B.callee_ws_url = bench_ws_url (callee_url != NULL ? callee_url : url);
  B.loop = g_main_loop_new (NULL, FALSE);

  if (!sweep)
    {
      guint k = pairs > 0 ? (guint) pairs : (guint) ((rate + per_call - 1) / per_call);
      gboolean ok;
      g_autofree char *json = NULL;

      if (next_token + 2 * k > n_tokens)
        g_error ("need %u tokens", next_token + 2 * k);
      json = run_step (tokens, next_token, prefix, k, rate, seconds, &ok);
      printf ("%s\n", json);
      return 0;
    }

  {
    g_autoptr(GString) steps = g_string_new (NULL);
    double best = 0;

    for (double r = 1000; ; r *= 2)
      {
        guint k = (guint) ((r + per_call - 1) / per_call);
        gboolean ok;
        g_autofree char *json = NULL;

        if (next_token + 2 * k > n_tokens)
          {
            g_printerr ("sweep: out of tokens at %.0f msg/s\n", r);
            break;
          }
        json = run_step (tokens, next_token, prefix, k, r, seconds, &ok);
        next_token += 2 * k;
        g_printerr ("sweep: %s\n", json);
        g_string_append_printf (steps, "%s%s", steps->len ? ", " : "", json);
        if (!ok)
          break;
        best = r;
      }
    printf ("{\"max_sustained_rate\": %.0f, \"criterion\": \"delivered >= 99%% and p99 <= 100 ms\","
            " \"steps\": [%s]}\n", best, steps->str);
  }
  return 0;
}
