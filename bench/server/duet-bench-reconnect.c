/* duet-bench-reconnect.c: N clients sign in at once, as after a restart
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   duet-bench-reconnect --url http://127.0.0.1:PORT --tokens FILE --count N
 *                        [--skip S] [--inflight K] [--hold [--ping-interval S]]
 *
 * How long N WebSocket clients take until every one has its "hello", with
 * K handshakes in flight. The clients are plain sockets on one epoll (an
 * upgrade request with the Authorization header, then the server's frames
 * read until "hello"), so that the clients' own cost stays small next to
 * the server's on the same cores: duet-bench-conns, on libsoup, spent more
 * CPU than the server it measured. Each client offers permessage-deflate,
 * as browsers do. A refused or dropped handshake is retried after 50 ms.
 * Prints one JSON object; with --hold, keeps the connections until killed,
 * and with --ping-interval, each sends a `ping` request every S seconds
 * (spread evenly), as the kit does (every 5 s), and reads what comes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "bench-common.h"

#define RETRY_AFTER_US  (50 * 1000)
#define BUFFER_SIZE     4096

typedef enum { IDLE, CONNECTING, WAITING, DONE } State;

typedef struct
{
  int     fd;
  State   state;
  gint64  next_ping;
  gint64  started;
  gint64  retry_at;
  guint   attempts;
  gsize   have;
  char    buffer[BUFFER_SIZE];
} Client;

typedef struct
{
  struct sockaddr_in address;
  char             **tokens;
  Client            *clients;
  guint              n, next, inflight, max_inflight, done, retries, failed;
  int                epoll;
  GArray            *handshake_us;
  GQueue             waiting_retry;
} Bench;

static void
client_reset (Bench  *b,
              Client *c)
{
  if (c->fd >= 0)
    close (c->fd);
  c->fd = -1;
  c->have = 0;
  c->state = IDLE;
}

static void
start (Bench  *b,
       Client *c)
{
  struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN };
  int one = 1;

  c->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0)
    g_error ("socket: %s", g_strerror (errno));
  setsockopt (c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (connect (c->fd, (struct sockaddr *) &b->address, sizeof b->address) < 0 && errno != EINPROGRESS)
    g_error ("connect: %s", g_strerror (errno));
  c->state = CONNECTING;
  c->attempts++;
  if (c->started == 0)
    c->started = bench_now_us ();
  ev.data.ptr = c;
  epoll_ctl (b->epoll, EPOLL_CTL_ADD, c->fd, &ev);
  b->inflight++;
}

static void
fail (Bench  *b,
      Client *c)
{
  client_reset (b, c);
  b->inflight--;
  b->retries++;
  c->retry_at = bench_now_us () + RETRY_AFTER_US;
  g_queue_push_tail (&b->waiting_retry, c);
}

static void
send_request (Bench  *b,
              Client *c)
{
  struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
  guint index = c - b->clients;
  g_autofree char *request = g_strdup_printf (
    "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "Authorization: Bearer %s\r\n\r\n", b->tokens[index]);
  gsize length = strlen (request);

  if (send (c->fd, request, length, MSG_NOSIGNAL) != (ssize_t) length)
    {
      fail (b, c);
      return;
    }
  c->state = WAITING;
  epoll_ctl (b->epoll, EPOLL_CTL_MOD, c->fd, &ev);
}

/* The 101, then frames until the one that says "hello" */
static void
read_reply (Bench  *b,
            Client *c)
{
  ssize_t r = recv (c->fd, c->buffer + c->have, BUFFER_SIZE - 1 - c->have, 0);
  char *body;

  if (r <= 0)
    {
      if (r < 0 && errno == EAGAIN)
        return;
      fail (b, c);
      return;
    }
  c->have += r;
  c->buffer[c->have] = '\0';
  if (strncmp (c->buffer, "HTTP/1.1 ", 9) == 0 && c->have >= 12 && strncmp (c->buffer + 9, "101", 3) != 0)
    {
      fail (b, c);   /* 503: too many pending, say */
      return;
    }
  body = strstr (c->buffer, "\r\n\r\n");
  if (body == NULL || memmem (body, c->have - (body - c->buffer), "\"hello\"", 7) == NULL)
    {
      if (c->have >= BUFFER_SIZE - 1)
        c->have = body != NULL ? (gsize) (body + 4 - c->buffer) : 0;   /* keep reading */
      return;
    }

  /* signed in: keep the socket, stop watching it */
  epoll_ctl (b->epoll, EPOLL_CTL_DEL, c->fd, NULL);
  c->state = DONE;
  b->inflight--;
  b->done++;
  g_array_append_val (b->handshake_us, (gint64) { bench_now_us () - c->started });
}

static void
start_more (Bench *b)
{
  gint64 now = bench_now_us ();

  while (b->inflight < b->max_inflight && !g_queue_is_empty (&b->waiting_retry) &&
         ((Client *) g_queue_peek_head (&b->waiting_retry))->retry_at <= now)
    start (b, g_queue_pop_head (&b->waiting_retry));
  while (b->inflight < b->max_inflight && b->next < b->n)
    start (b, &b->clients[b->next++]);
}

/* A masked text frame (mask 0: the payload goes as it is) */
static void
send_ping (Client *c,
           guint   n)
{
  char payload[64], frame[80];
  int length = g_snprintf (payload, sizeof payload, "{\"type\":\"ping\",\"id\":\"p%u\"}", n);

  frame[0] = (char) 0x81;
  frame[1] = (char) (0x80 | length);
  memset (frame + 2, 0, 4);
  memcpy (frame + 6, payload, length);
  send (c->fd, frame, 6 + length, MSG_NOSIGNAL | MSG_DONTWAIT);
}

/* Holds the connections, each pinging every @interval_s and reading
 * (and dropping) what the server sends */
static G_GNUC_NORETURN void
hold_pinging (Bench *b,
              int    interval_s)
{
  gint64 period = (gint64) interval_s * G_USEC_PER_SEC, now = bench_now_us ();
  struct epoll_event events[256];
  char scratch[BUFFER_SIZE];
  guint sent = 0;

  for (guint i = 0; i < b->n; i++)
    {
      struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &b->clients[i] };

      b->clients[i].next_ping = now + period * i / b->n;
      epoll_ctl (b->epoll, EPOLL_CTL_ADD, b->clients[i].fd, &ev);
    }
  for (guint next = 0;; )
    {
      int n = epoll_wait (b->epoll, events, G_N_ELEMENTS (events), 5);

      for (int i = 0; i < n; i++)
        while (recv (((Client *) events[i].data.ptr)->fd, scratch, sizeof scratch, MSG_DONTWAIT) > 0)
          ;
      /* the clients are in order of their next ping */
      for (now = bench_now_us (); b->clients[next].next_ping <= now; next = (next + 1) % b->n)
        {
          send_ping (&b->clients[next], sent++);
          b->clients[next].next_ping += period;
        }
    }
}

static gboolean
parse_url (const char         *url,
           struct sockaddr_in *address)
{
  g_autoptr(GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);

  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_port (uri) <= 0)
    return FALSE;
  address->sin_family = AF_INET;
  address->sin_port = htons (g_uri_get_port (uri));
  return inet_pton (AF_INET, g_uri_get_host (uri), &address->sin_addr) == 1;
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *url = NULL, *tokens_path = NULL;
  int count = 0, skip = 0, inflight = 256, server_pid = 0, ping_interval = 0;
  gboolean hold = FALSE;
  GOptionEntry entries[] = {
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, "Server base URL (http://127.0.0.1:PORT)", "URL" },
    { "tokens", 0, 0, G_OPTION_ARG_FILENAME, &tokens_path, "One access token per line", "FILE" },
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "Clients", "N" },
    { "skip", 0, 0, G_OPTION_ARG_INT, &skip, "Tokens to skip first", "S" },
    { "inflight", 0, 0, G_OPTION_ARG_INT, &inflight, "Handshakes in flight (256)", "K" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &server_pid, "The server, for its RSS", "PID" },
    { "hold", 0, 0, G_OPTION_ARG_NONE, &hold, "Keep the connections until killed", NULL },
    { "ping-interval", 0, 0, G_OPTION_ARG_INT, &ping_interval, "With --hold: each client pings every S seconds", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- N clients sign in at once");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tokens = NULL;
  struct epoll_event events[256];
  gint64 t0, elapsed;
  Bench b = { 0 };
  guint n_tokens;
  double load_before;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || url == NULL || tokens_path == NULL ||
      count <= 0 || skip < 0 || inflight <= 0 || ping_interval < 0)
    {
      g_printerr ("usage: duet-bench-reconnect --url URL --tokens FILE --count N [--skip S] [--inflight K]\n");
      return 2;
    }
  bench_raise_nofile ();
  tokens = bench_read_lines (tokens_path, &n_tokens);
  if ((guint) (skip + count) > n_tokens)
    g_error ("%s has %u tokens, %d needed", tokens_path, n_tokens, skip + count);
  if (!parse_url (url, &b.address))
    g_error ("“%s” is not http://IPv4:PORT", url);

  b.tokens = tokens + skip;
  b.n = count;
  b.max_inflight = inflight;
  b.clients = g_new0 (Client, count);
  for (int i = 0; i < count; i++)
    b.clients[i].fd = -1;
  b.handshake_us = g_array_sized_new (FALSE, FALSE, sizeof (gint64), count);
  b.epoll = epoll_create1 (EPOLL_CLOEXEC);
  load_before = bench_loadavg ();

  t0 = bench_now_us ();
  start_more (&b);
  while (b.done < b.n)
    {
      int n = epoll_wait (b.epoll, events, G_N_ELEMENTS (events), 10);

      for (int i = 0; i < n; i++)
        {
          Client *c = events[i].data.ptr;

          if (c->state == CONNECTING && (events[i].events & (EPOLLERR | EPOLLHUP)))
            fail (&b, c);
          else if (c->state == CONNECTING && (events[i].events & EPOLLOUT))
            send_request (&b, c);
          else if (c->state == WAITING)
            read_reply (&b, c);
        }
      start_more (&b);
      if (bench_now_us () - t0 > 120 * G_USEC_PER_SEC)
        {
          b.failed = b.n - b.done;
          break;
        }
    }
  elapsed = bench_now_us () - t0;

  g_array_sort (b.handshake_us, bench_cmp_gint64);
  printf ("{\"clients\": %d, \"inflight\": %d, \"signed_in\": %u, \"failed\": %u, \"retries\": %u, "
          "\"all_signed_in_s\": %.2f, \"per_s\": %.0f, \"handshake_p50_ms\": %.2f, \"handshake_p99_ms\": %.2f, "
          "\"server_rss_kib\": %" G_GINT64_FORMAT ", \"load_before\": %.2f, \"load_after\": %.2f}\n",
          count, inflight, b.done, b.failed, b.retries, elapsed / 1e6, b.done / (elapsed / 1e6),
          bench_percentile_ms (b.handshake_us, 50), bench_percentile_ms (b.handshake_us, 99),
          server_pid > 0 ? bench_proc_status_kib (server_pid, "VmRSS") : 0,
          load_before, bench_loadavg ());
  fflush (stdout);

  if (hold && ping_interval > 0 && b.failed == 0)
    hold_pinging (&b, ping_interval);
  if (hold)
    for (;;)
      pause ();
  return b.failed == 0 ? 0 : 1;
}
