/* duet-bench-calls.c: call setups per second
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   duet-bench-calls --url URL --tokens FILE --pairs K --seconds T [--prefix bench]
 *
 * Pair k is user PREFIX(2k) calling PREFIX(2k+1) (tokens on lines 2k and
 * 2k+1). Every pair loops as fast as the server answers:
 *   caller make_call → callee incoming_call → verify_call (reply) →
 *   accept_call → caller connected → caller end_call → both disconnected.
 * Setup time is make_call sent → caller's "connected". A cycle counts when
 * both parties saw "disconnected". The server allows 50 messages a second per
 * connection and each side sends 2 per cycle, so one pair cannot exceed
 * 25 cycles/s: use enough pairs that the server, not the rate limit, is the
 * bottleneck (the JSON says how close the pairs came to the limit).
 */
#include <stdio.h>
#include <string.h>

#include "bench-common.h"

typedef struct
{
  BenchConn caller, callee;
  char     *callee_user;
  char     *call_id;
  gint64    started_us;
  gboolean  caller_down, callee_down;
  guint     seq;
  gint64    last_progress_us;
} Pair;

typedef struct
{
  SoupSession *session;
  char        *ws_url;
  char        *callee_ws_url;     /* --callee-url: another node of a cluster */
  Pair        *pairs;
  guint        n_pairs, n_hello, n_failed;
  gboolean     running, stopping;
  gint64       t_start, t_end;
  guint64      setups, cycles, errors, rate_limited, restarts;
  GArray      *setup_us;
  GMainLoop   *loop;
} Bench;

static Bench B;

static void
send_fmt (BenchConn *conn, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
send_fmt (BenchConn *conn, const char *format, ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);
  bench_conn_send (conn, text);
}

static void
start_cycle (Pair *p)
{
  if (!B.running)
    return;
  p->caller_down = p->callee_down = FALSE;
  g_clear_pointer (&p->call_id, g_free);
  p->started_us = p->last_progress_us = bench_now_us ();
  send_fmt (&p->caller, "{\"type\":\"make_call\",\"id\":\"m%u\",\"peer_user\":\"%s\",\"media_type\":\"audio\"}",
            ++p->seq, p->callee_user);
}

static void
cycle_done (Pair *p)
{
  B.cycles++;
  start_cycle (p);
}

static void
count_error (JsonObject *o)
{
  B.errors++;
  if (g_strcmp0 (bench_get_string (o, "code"), "rate_limited") == 0)
    B.rate_limited++;
  else if (B.errors <= 5)
    {
      g_autoptr(JsonNode) node = json_node_init_object (json_node_alloc (), o);
      g_autofree char *text = json_to_string (node, FALSE);
      g_printerr ("error: %s\n", text);
    }
}

static void
on_caller (BenchConn *conn, JsonObject *o, const char *text, gsize len)
{
  Pair *p = conn->user_data;
  const char *type = bench_get_string (o, "type");

  p->last_progress_us = bench_now_us ();
  if (g_strcmp0 (type, "hello") == 0)
    B.n_hello++;
  else if (g_strcmp0 (type, "reply") == 0 && g_str_has_prefix (bench_get_string (o, "id") ?: "", "m"))
    {
      g_free (p->call_id);
      p->call_id = g_strdup (bench_get_string (o, "call_id"));
    }
  else if (g_strcmp0 (type, "connected") == 0)
    {
      gint64 us = bench_now_us () - p->started_us;

      if (B.running)
        {
          g_array_append_val (B.setup_us, us);
          B.setups++;
        }
      send_fmt (&p->caller, "{\"type\":\"end_call\",\"id\":\"e%u\",\"call_id\":\"%s\"}",
                p->seq, bench_get_string (o, "call_id"));
    }
  else if (g_strcmp0 (type, "disconnected") == 0)
    {
      p->caller_down = TRUE;
      if (p->callee_down)
        cycle_done (p);
    }
  else if (g_strcmp0 (type, "error") == 0)
    count_error (o);
}

static void
on_callee (BenchConn *conn, JsonObject *o, const char *text, gsize len)
{
  Pair *p = conn->user_data;
  const char *type = bench_get_string (o, "type");

  p->last_progress_us = bench_now_us ();
  if (g_strcmp0 (type, "hello") == 0)
    B.n_hello++;
  else if (g_strcmp0 (type, "incoming_call") == 0)
    send_fmt (&p->callee, "{\"type\":\"verify_call\",\"id\":\"v%u\",\"cc_param\":\"%s\"}",
              p->seq, bench_get_string (o, "cc_param"));
  else if (g_strcmp0 (type, "reply") == 0 && g_str_has_prefix (bench_get_string (o, "id") ?: "", "v"))
    send_fmt (&p->callee, "{\"type\":\"accept_call\",\"id\":\"a%u\",\"call_id\":\"%s\"}",
              p->seq, bench_get_string (o, "call_id"));
  else if (g_strcmp0 (type, "disconnected") == 0 || g_strcmp0 (type, "missed_call") == 0)
    {
      p->callee_down = TRUE;
      if (p->caller_down)
        cycle_done (p);
    }
  else if (g_strcmp0 (type, "error") == 0)
    count_error (o);
}

static void
on_done (BenchConn *conn, const GError *error)
{
  if (!B.stopping)
    {
      g_printerr ("socket %u: %s (HTTP %u)\n", conn->index,
                  error ? error->message : "closed", conn->status);
      B.n_failed++;
    }
}

/* a pair that lost a message (rate limit) would wait forever: end its call and start over */
static gboolean
watchdog (gpointer data)
{
  gint64 now = bench_now_us ();

  for (guint i = 0; i < B.n_pairs && B.running; i++)
    {
      Pair *p = &B.pairs[i];

      if (now - p->last_progress_us > 3 * G_USEC_PER_SEC)
        {
          B.restarts++;
          if (p->call_id)
            send_fmt (&p->caller, "{\"type\":\"end_call\",\"id\":\"x%u\",\"call_id\":\"%s\"}", p->seq, p->call_id);
          start_cycle (p);
        }
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
stop (gpointer data)
{
  B.running = FALSE;
  B.t_end = bench_now_us ();
  g_main_loop_quit (B.loop);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_hello (gpointer data)
{
  if (B.n_hello + B.n_failed < 2 * B.n_pairs)
    return G_SOURCE_CONTINUE;
  if (B.n_failed > 0)
    g_error ("%u sockets failed to sign in", B.n_failed);
  B.running = TRUE;
  B.t_start = bench_now_us ();
  for (guint i = 0; i < B.n_pairs; i++)
    start_cycle (&B.pairs[i]);
  g_timeout_add_seconds (1, watchdog, NULL);
  g_timeout_add (GPOINTER_TO_UINT (data), stop, NULL);
  return G_SOURCE_REMOVE;
}

int
main (int argc, char **argv)
{
  g_autofree char *url = NULL, *tokens_path = NULL, *prefix = NULL, *callee_url = NULL;
  int pairs = 50, seconds = 10;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "Server base URL", "URL" },
    { "callee-url", 0, 0, G_OPTION_ARG_STRING, &callee_url, "The callees' server, if another (a node of the same cluster)", "URL" },
    { "tokens", 0, 0, G_OPTION_ARG_FILENAME, &tokens_path, "Tokens, one per line", "FILE" },
    { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix, "User id prefix (bench)", "ID" },
    { "pairs", 0, 0, G_OPTION_ARG_INT, &pairs, "Caller/callee pairs (50)", "K" },
    { "seconds", 0, 0, G_OPTION_ARG_INT, &seconds, "Duration (10)", "T" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- call setups per second");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tokens = NULL;
  guint n_tokens;
  double elapsed, load_before;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || url == NULL ||
      tokens_path == NULL || pairs < 1 || seconds < 1)
    {
      g_printerr ("usage: duet-bench-calls --url URL --tokens FILE [--pairs K] [--seconds T]\n");
      return 2;
    }
  if (prefix == NULL)
    prefix = g_strdup ("bench");
  bench_raise_nofile ();
  tokens = bench_read_lines (tokens_path, &n_tokens);
  if (n_tokens < (guint) pairs * 2)
    g_error ("need %d tokens", pairs * 2);

  load_before = bench_loadavg ();
  B.session = bench_session_new (64);
  B.ws_url = bench_ws_url (url);
  B.callee_ws_url = bench_ws_url (callee_url != NULL ? callee_url : url);
  B.n_pairs = pairs;
  B.pairs = g_new0 (Pair, pairs);
  B.setup_us = g_array_new (FALSE, FALSE, sizeof (gint64));
  B.loop = g_main_loop_new (NULL, FALSE);
  for (int i = 0; i < pairs; i++)
    {
      Pair *p = &B.pairs[i];

      p->callee_user = g_strdup_printf ("%s%d", prefix, 2 * i + 1);
      p->caller = (BenchConn) { .token = tokens[2 * i], .index = 2 * i, .on_message = on_caller,
                                .on_done = on_done, .user_data = p };
      p->callee = (BenchConn) { .token = tokens[2 * i + 1], .index = 2 * i + 1, .on_message = on_callee,
                                .on_done = on_done, .user_data = p };
      bench_conn_connect (B.session, B.ws_url, &p->caller);
      bench_conn_connect (B.session, B.callee_ws_url, &p->callee);
    }
  g_timeout_add (10, wait_hello, GUINT_TO_POINTER (seconds * 1000));
  g_main_loop_run (B.loop);

  elapsed = (B.t_end - B.t_start) / 1e6;
  g_array_sort (B.setup_us, bench_cmp_gint64);
  printf ("{\"pairs\": %d, \"seconds\": %.2f, \"setups\": %" G_GUINT64_FORMAT ", \"cycles\": %" G_GUINT64_FORMAT ","
          " \"setups_per_s\": %.1f, \"cycles_per_s\": %.1f, \"rate_limit_ceiling_per_s\": %d,"
          " \"setup_p50_ms\": %.2f, \"setup_p99_ms\": %.2f, \"setup_max_ms\": %.2f,"
          " \"errors\": %" G_GUINT64_FORMAT ", \"rate_limited\": %" G_GUINT64_FORMAT ", \"restarts\": %" G_GUINT64_FORMAT ","
          " \"load_before\": %.2f, \"load_after\": %.2f}\n",
          pairs, elapsed, B.setups, B.cycles, B.setups / elapsed, B.cycles / elapsed, pairs * 25,
          bench_percentile_ms (B.setup_us, 50), bench_percentile_ms (B.setup_us, 99),
          bench_percentile_ms (B.setup_us, 100),
          B.errors, B.rate_limited, B.restarts, load_before, bench_loadavg ());
  fflush (stdout);
  B.stopping = TRUE;
  return 0;
}
