/* duet-bench-conns.c: N authenticated idle WebSockets, the server's memory and fds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   duet-bench-conns --url http://127.0.0.1:PORT --tokens FILE --count N
 *                    --server-pid PID [--procs P] [--inflight K] [--retries R]
 *                    [--skip S] [--hold]
 *
 * The sockets are spread over P holder processes (forked before any GLib
 * main context exists), each holding at most ceil(N/P) sockets: a single
 * GMainContext with thousands of fds spends its time in poll(). A holder
 * keeps at most K handshakes in flight (paced connects; by default 8 over all
 * holders, because the server's accept backlog is only 10) and retries a failed
 * one R times with a growing back-off. Each socket signs in with the
 * Authorization header and counts once "hello" arrives. When every holder
 * has reported, the parent reads VmRSS/VmHWM and the fd count of the server
 * from /proc, reads duet_authenticated_connections from /metrics, prints one
 * JSON object and lets the holders go; with --hold, only once it is killed,
 * so that other benchmarks run beside the idle connections.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <glib-unix.h>

#include "bench-common.h"

typedef struct
{
  SoupSession *session;
  char        *ws_url;
  BenchConn   *conns;
  guint        n, next, inflight, max_inflight, ok, failed, retries, dropped, max_retries;
  guint       *attempts;
  GMainLoop   *loop;
  int          status_fd;
  gboolean     reported;
  gint64       started;
  GArray      *handshake_us;
} Holder;

static void start_more (Holder *h);

static void
maybe_report (Holder *h)
{
  g_autofree char *line = NULL;
  double p50, p99;

  if (h->reported || h->ok + h->failed < h->n)
    return;
  h->reported = TRUE;
  g_array_sort (h->handshake_us, bench_cmp_gint64);
  p50 = bench_percentile_ms (h->handshake_us, 50);
  p99 = bench_percentile_ms (h->handshake_us, 99);
  line = g_strdup_printf ("%u %u %u %.1f %.2f %.2f\n", h->ok, h->failed, h->retries,
                          (bench_now_us () - h->started) / 1000.0, p50, p99);
  if (write (h->status_fd, line, strlen (line)) < 0)
    g_printerr ("holder: cannot report: %s\n", g_strerror (errno));
}

typedef struct { Holder *h; BenchConn *conn; } Retry;

static gboolean
retry_cb (gpointer data)
{
  Retry *r = data;

  r->h->inflight++;
  bench_conn_connect (r->h->session, r->h->ws_url, r->conn);
  return G_SOURCE_REMOVE;
}

static void
on_done (BenchConn *conn, const GError *error)
{
  Holder *h = conn->user_data;
  guint i = conn->index;

  if (conn->hello)
    {
      /* a signed-in socket closed under us */
      h->dropped++;
      return;
    }
  h->inflight--;
  if (h->attempts[i]++ < h->max_retries)
    {
      Retry *r = g_new (Retry, 1);

      h->retries++;
      r->h = h;
      r->conn = conn;
      g_timeout_add_full (G_PRIORITY_DEFAULT, 100 * h->attempts[i], retry_cb, r, g_free);
    }
  else
    {
      g_printerr ("holder: socket %u failed: %s (HTTP %u)\n", i,
                  error ? error->message : "closed before hello", conn->status);
      h->failed++;
      maybe_report (h);
    }
  start_more (h);
}

static void
on_message (BenchConn *conn, JsonObject *o, const char *text, gsize len)
{
  Holder *h = conn->user_data;
  gint64 us;

  if (g_strcmp0 (bench_get_string (o, "type"), "hello") != 0)
    return;
  us = bench_now_us () - conn->connect_started_us;
  g_array_append_val (h->handshake_us, us);
  h->inflight--;
  h->ok++;
  maybe_report (h);
  start_more (h);
}

static void
start_more (Holder *h)
{
  while (h->inflight < h->max_inflight && h->next < h->n)
    {
      BenchConn *conn = &h->conns[h->next++];

      h->inflight++;
      bench_conn_connect (h->session, h->ws_url, conn);
    }
}

static gboolean
on_control (gint fd, GIOCondition condition, gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static int
run_holder (const char *url, char **tokens, guint first, guint n, guint inflight,
            guint max_retries, int status_fd, int control_fd)
{
  Holder h = { 0 };

  h.session = bench_session_new (inflight);
  h.ws_url = bench_ws_url (url);
  h.n = n;
  h.max_inflight = inflight;
  h.max_retries = max_retries;
  h.status_fd = status_fd;
  h.conns = g_new0 (BenchConn, n);
  h.attempts = g_new0 (guint, n);
  h.loop = g_main_loop_new (NULL, FALSE);
  h.handshake_us = g_array_sized_new (FALSE, FALSE, sizeof (gint64), n);
  for (guint i = 0; i < n; i++)
    {
      h.conns[i].token = tokens[first + i];
      h.conns[i].index = i;
      h.conns[i].on_message = on_message;
      h.conns[i].on_done = on_done;
      h.conns[i].user_data = &h;
    }
  g_unix_fd_add (control_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_control, h.loop);
  h.started = bench_now_us ();
  start_more (&h);
  maybe_report (&h);
  g_main_loop_run (h.loop);
  if (h.dropped > 0)
    g_printerr ("holder: %u signed-in sockets were closed by the server\n", h.dropped);
  _exit (0);   /* the kernel closes the sockets at once; no 10k close handshakes */
}

static gint64
read_metric (const char *url, const char *name)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *murl = g_strconcat (url, "/metrics", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", murl);
  g_autoptr(GBytes) body = soup_session_send_and_read (session, msg, NULL, NULL);
  g_autofree char *text = NULL, *key = g_strconcat ("\n", name, " ", NULL);
  const char *p;

  if (body == NULL)
    return -1;
  {
    g_autofree char *raw = g_strndup (g_bytes_get_data (body, NULL), g_bytes_get_size (body));
    text = g_strconcat ("\n", raw, NULL);
  }
  p = strstr (text, key);
  return p ? g_ascii_strtoll (p + strlen (key), NULL, 10) : -1;
}

int
main (int argc, char **argv)
{
  g_autofree char *url = NULL, *tokens_path = NULL;
  int count = 0, procs = 0, inflight = 0, total_inflight = 8, retries = 5, server_pid = 0, settle_ms = 2000;
  int skip = 0;
  gboolean hold = FALSE;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "Server base URL", "URL" },
    { "tokens", 0, 0, G_OPTION_ARG_FILENAME, &tokens_path, "Tokens, one per line (duet-bench-users)", "FILE" },
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "Connections", "N" },
    { "procs", 0, 0, G_OPTION_ARG_INT, &procs, "Holder processes (default: ceil(N/1000))", "P" },
    { "inflight", 0, 0, G_OPTION_ARG_INT, &inflight, "Handshakes in flight per holder (default: total / P)", "K" },
    { "total-inflight", 0, 0, G_OPTION_ARG_INT, &total_inflight, "Handshakes in flight over all holders (8)", "N" },
    { "retries", 0, 0, G_OPTION_ARG_INT, &retries, "Retries per socket (5)", "R" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &server_pid, "duet-server's pid", "PID" },
    { "settle-ms", 0, 0, G_OPTION_ARG_INT, &settle_ms, "Wait before measuring (2000)", "MS" },
    { "skip", 0, 0, G_OPTION_ARG_INT, &skip, "Leave the first S tokens to other clients", "S" },
    { "hold", 0, 0, G_OPTION_ARG_NONE, &hold, "Keep the connections open after reporting, until killed", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- idle connections");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tokens = NULL;
  guint n_tokens = 0, ok = 0, failed = 0, n_retries = 0;
  double worst_ms = 0, p50_max = 0, p99_max = 0, load_before, load_after;
  gint64 rss0, hwm0, rss, hwm, authed, started;
  int fds0, fds;
  int *status_fds, *control_fds;
  pid_t *pids;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || url == NULL ||
      tokens_path == NULL || count < 0 || server_pid <= 0)
    {
      g_printerr ("usage: duet-bench-conns --url URL --tokens FILE --count N --server-pid PID [--procs P]\n");
      return 2;
    }
  bench_raise_nofile ();
  tokens = bench_read_lines (tokens_path, &n_tokens);
  if (skip < 0 || (guint) count + (guint) skip > n_tokens)
    g_error ("%u tokens for %d connections after %d", n_tokens, count, skip);
  if (procs <= 0)
    procs = MAX (1, (count + 999) / 1000);
  /* duet-server listens with GSocket's default backlog of 10: more
   * handshakes in flight overflow the accept queue, the kernel drops SYNs and
   * the client waits out 1 s, 3 s, 7 s … retransmissions */
  if (inflight <= 0)
    inflight = MAX (1, total_inflight / procs);

  load_before = bench_loadavg ();
  rss0 = bench_proc_status_kib (server_pid, "VmRSS");
  hwm0 = bench_proc_status_kib (server_pid, "VmHWM");
  fds0 = bench_proc_fd_count (server_pid);

  status_fds = g_new0 (int, procs);
  control_fds = g_new0 (int, procs);
  pids = g_new0 (pid_t, procs);
  started = g_get_monotonic_time ();
  for (int p = 0; p < procs; p++)
    {
      int sp[2], cp[2];
      guint first = (guint) ((gint64) count * p / procs), last = (guint) ((gint64) count * (p + 1) / procs);

      if (pipe (sp) < 0 || pipe (cp) < 0)
        g_error ("pipe: %s", g_strerror (errno));
      pids[p] = fork ();
      if (pids[p] == 0)
        {
          close (sp[0]);
          close (cp[1]);
          for (int q = 0; q < p; q++)
            {
              close (status_fds[q]);
              close (control_fds[q]);
            }
          run_holder (url, tokens, skip + first, last - first, inflight, retries, sp[1], cp[0]);
        }
      close (sp[1]);
      close (cp[0]);
      status_fds[p] = sp[0];
      control_fds[p] = cp[1];
    }

  for (int p = 0; p < procs; p++)
    {
      char buf[256];
      ssize_t len = 0, r;
      guint a = 0, b = 0, c = 0;
      double ms = 0, p50 = 0, p99 = 0;

      while (len < (ssize_t) sizeof buf - 1 && (r = read (status_fds[p], buf + len, sizeof buf - 1 - len)) > 0)
        {
          len += r;
          if (memchr (buf, '\n', len))
            break;
        }
      buf[MAX (len, 0)] = '\0';
      if (sscanf (buf, "%u %u %u %lf %lf %lf", &a, &b, &c, &ms, &p50, &p99) != 6)
        g_printerr ("holder %d did not report\n", p);
      ok += a;
      failed += b;
      n_retries += c;
      worst_ms = MAX (worst_ms, ms);
      p50_max = MAX (p50_max, p50);
      p99_max = MAX (p99_max, p99);
    }
  g_usleep (settle_ms * 1000);

  rss = bench_proc_status_kib (server_pid, "VmRSS");
  hwm = bench_proc_status_kib (server_pid, "VmHWM");
  fds = bench_proc_fd_count (server_pid);
  authed = read_metric (url, "duet_authenticated_connections");
  load_after = bench_loadavg ();

  printf ("{\"connections\": %d, \"procs\": %d, \"inflight_per_proc\": %d, \"authenticated\": %u, \"failed\": %u, \"retries\": %u,"
          " \"server_authenticated_gauge\": %" G_GINT64_FORMAT ","
          " \"connect_all_s\": %.2f, \"handshake_p50_ms_worst_holder\": %.2f, \"handshake_p99_ms_worst_holder\": %.2f,"
          " \"rss_before_kib\": %" G_GINT64_FORMAT ", \"hwm_before_kib\": %" G_GINT64_FORMAT ", \"fds_before\": %d,"
          " \"rss_kib\": %" G_GINT64_FORMAT ", \"hwm_kib\": %" G_GINT64_FORMAT ", \"fds\": %d,"
          " \"rss_per_conn_kib\": %.2f, \"load_before\": %.2f, \"load_after\": %.2f}\n",
          count, procs, inflight, ok, failed, n_retries, authed,
          worst_ms / 1000.0, p50_max, p99_max,
          rss0, hwm0, fds0, rss, hwm, fds,
          count > 0 ? (double) (rss - rss0) / count : 0.0, load_before, load_after);
  fflush (stdout);
  (void) started;

  /* Held while other benchmarks run: killing this process closes the
   * control pipes, which lets the holders go */
  if (hold)
    for (;;)
      pause ();

  for (int p = 0; p < procs; p++)
    close (control_fds[p]);
  for (int p = 0; p < procs; p++)
    waitpid (pids[p], NULL, 0);
  return failed == 0 ? 0 : 1;
}
