/* test-server-sockets.c: no socket outlives its use, and idle or half-sent
 * connections cannot crowd out real users
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Plain HTTP on fresh connections and WebSocket sessions ended every way a
 * client can end them must bring the server's fds back to where they were,
 * with nothing left in CLOSE-WAIT. Connections that do not finish their
 * request are bounded per address and overall and closed after
 * --request-timeout; connections count against --max-connections from
 * accept on; password checks are bounded so that a burst of sign-ins
 * cannot blow up the server's memory.
 *
 * The attackers here speak TCP by hand (blocking GSockets: the server is
 * another process) and bind to other loopback addresses, 127.0.0.2 and up,
 * so that the real user on 127.0.0.1 is another address to the server.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "duet-test-client.h"

#define IO_TIMEOUT_S    10    /* a server silent this long hangs */
#define SETTLE_S        3     /* time the server gets to drop closed sockets */
#define FD_SLACK        2
#define CLOSE_SLACK_S   3     /* on top of --request-timeout or --auth-timeout */
#define TCP_CLOSE_WAIT  0x08  /* include/net/tcp_states.h */

#define UPGRADE_FORMAT  "GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1\r\n" \
                        "Upgrade: websocket\r\nConnection: Upgrade\r\n" \
                        "Sec-WebSocket-Key: ZHVldC1zb2NrZXQtdGVzdA==\r\n" \
                        "Sec-WebSocket-Version: 13\r\n%s\r\n"

/* ---- the server process ------------------------------------------------- */

static guint16
server_port (DuetTestServer *server)
{
  return (guint16) atoi (strrchr (server->base_url, ':') + 1);
}

/* The inodes of the sockets the process holds, as "socket:[N]" links */
static GHashTable *
socket_inodes (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", pid);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  GHashTable *inodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *link = g_build_filename (path, name, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      if (target != NULL && g_str_has_prefix (target, "socket:["))
        g_hash_table_add (inodes, g_strndup (target + 8, strcspn (target + 8, "]")));
    }
  return inodes;
}

static guint
count_close_wait_in (const char *table,
                     GHashTable *inodes)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  guint n = 0;

  if (!g_file_get_contents (table, &text, NULL, NULL))
    return 0;   /* no IPv6 */
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      unsigned int state;
      unsigned long inode;
      char key[32];

      /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
      if (sscanf (lines[i], " %*s %*s %*s %x %*s %*s %*s %*s %*s %lu", &state, &inode) != 2)
        continue;
      g_snprintf (key, sizeof key, "%lu", inode);
      if (state == TCP_CLOSE_WAIT && g_hash_table_contains (inodes, key))
        n++;
    }
  return n;
}

/* Sockets the client has closed and the server has not */
static guint
close_wait_count (int pid)
{
  g_autoptr(GHashTable) inodes = socket_inodes (pid);

  return count_close_wait_in ("/proc/net/tcp", inodes) +
         count_close_wait_in ("/proc/net/tcp6", inodes);
}

static int
socket_fd_count (DuetTestServer *server)
{
  /* each worker thread keeps the eventfd of its main context */
  return duet_test_server_fd_count (server) - duet_test_server_metric (server, "duet_ws_workers");
}

/* The fd count once the server has had a moment to finish what it started */
static int
settled_fd_count (DuetTestServer *server)
{
  duet_test_iterate (200);
  return socket_fd_count (server);
}

/* Gives the server SETTLE_S to drop what the clients closed, then checks
 * that it did: fds back to @baseline and no socket left in CLOSE-WAIT */
static void
assert_no_sockets_left (DuetTestServer *server,
                        int             baseline)
{
  int pid = duet_test_server_pid (server);
  gint64 deadline = g_get_monotonic_time () + SETTLE_S * G_USEC_PER_SEC;
  guint close_wait;
  int fds;

  for (;;)
    {
      fds = socket_fd_count (server);
      close_wait = close_wait_count (pid);
      if ((fds <= baseline + FD_SLACK && close_wait == 0) || g_get_monotonic_time () >= deadline)
        break;
      duet_test_iterate (50);
    }
  g_test_message ("server fds %d (baseline %d), %u in CLOSE-WAIT", fds, baseline, close_wait);
  g_assert_cmpint (fds - baseline, <=, FD_SLACK);
  g_assert_cmpuint (close_wait, ==, 0);
}

/* ---- raw TCP ------------------------------------------------------------- */

/* A blocking connection to the server from @source (NULL: 127.0.0.1) */
static GSocket *
raw_connect (DuetTestServer *server,
             const char     *source)
{
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, server_port (server));
  g_autoptr(GSocket) sock = NULL;
  g_autoptr(GError) error = NULL;

  sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  if (source != NULL)
    {
      /* all of 127/8 is loopback on Linux: another address, same host */
      g_autoptr(GInetAddress) from = g_inet_address_new_from_string (source);
      g_autoptr(GSocketAddress) local = g_inet_socket_address_new (from, 0);

      g_assert_true (g_socket_bind (sock, local, FALSE, &error));
      g_assert_no_error (error);
    }
  g_socket_set_timeout (sock, IO_TIMEOUT_S);
  g_assert_true (g_socket_connect (sock, address, NULL, &error));
  g_assert_no_error (error);
  return g_steal_pointer (&sock);
}

/* FALSE if the server has closed or reset the connection */
static gboolean
raw_send (GSocket    *sock,
          const char *data,
          gsize       length)
{
  while (length > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (sock, data, length, NULL, &error);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        g_assert_no_error (error);
      if (n <= 0)
        return FALSE;
      data += n;
      length -= n;
    }
  return TRUE;
}

/* Appends what arrives; FALSE at the end of the stream or a reset */
static gboolean
raw_receive (GSocket *sock,
             GString *buffer)
{
  char chunk[16384];
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_receive (sock, chunk, sizeof chunk, NULL, &error);

  /* a server that says nothing at all is the one failure we must not hide */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    g_assert_no_error (error);
  if (n <= 0)
    return FALSE;
  g_string_append_len (buffer, chunk, n);
  return TRUE;
}

/* The value of header @name in @head, or NULL */
static char *
header_value (const char *head,
              const char *name)
{
  g_auto(GStrv) lines = g_strsplit (head, "\r\n", -1);
  gsize len = strlen (name);

  for (guint i = 1; lines[i] != NULL; i++)
    if (g_ascii_strncasecmp (lines[i], name, len) == 0 && lines[i][len] == ':')
      return g_strstrip (g_strdup (lines[i] + len + 1));
  return NULL;
}

/* Reads one whole response. Returns its status, or 0 if the server closed
 * or reset the connection before a whole response had arrived */
static guint
raw_read_response (GSocket  *sock,
                   char    **out_head,
                   char    **out_body)
{
  g_autoptr(GString) buffer = g_string_new (NULL);
  g_autofree char *head = NULL, *length = NULL, *chunked = NULL;
  const char *end;
  gsize head_len, body_len;
  guint status = 0;

  while ((end = strstr (buffer->str, "\r\n\r\n")) == NULL)
    if (!raw_receive (sock, buffer))
      return 0;
  head_len = end + 4 - buffer->str;
  head = g_strndup (buffer->str, head_len);
  g_assert_cmpint (sscanf (head, "HTTP/1.%*d %u", &status), ==, 1);

  length = header_value (head, "Content-Length");
  chunked = header_value (head, "Transfer-Encoding");
  g_assert_null (chunked);   /* the server always knows its bodies whole */
  if (status == 101 || status == 204 || status == 304)
    body_len = 0;            /* what follows a 101 is WebSocket frames */
  else if (length != NULL)
    body_len = g_ascii_strtoull (length, NULL, 10);
  else
    {
      while (raw_receive (sock, buffer))
        ;
      body_len = buffer->len - head_len;
    }
  while (buffer->len - head_len < body_len)
    if (!raw_receive (sock, buffer))
      return 0;

  if (out_head)
    *out_head = g_steal_pointer (&head);
  if (out_body)
    *out_body = g_strndup (buffer->str + head_len, body_len);
  return status;
}

/* @request on a new connection, read the answer whole, then the client
 * closes. Returns the status, 0 if refused without one. */
static guint
raw_request (DuetTestServer  *server,
             const char      *request,
             char           **out_head,
             char           **out_body)
{
  g_autoptr(GSocket) sock = raw_connect (server, NULL);
  guint status = 0;

  if (raw_send (sock, request, strlen (request)))
    status = raw_read_response (sock, out_head, out_body);
  g_socket_close (sock, NULL);
  return status;
}

static char *
token_request (const char *user,
               const char *password)
{
  g_autofree char *body = g_strdup_printf ("{\"user\":\"%s\",\"password\":\"%s\"}", user, password);

  return g_strdup_printf ("POST /v1/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Content-Type: application/json\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n\r\n%s",
                          strlen (body), body);
}

/* A metric from GET /metrics, fetched by hand so that it works whatever
 * the server does with keep-alive; @name may carry a {label} */
static gint64
metric (DuetTestServer *server,
        const char     *name)
{
  g_autofree char *body = NULL, *text = NULL, *key = g_strconcat ("\n", name, " ", NULL);
  const char *p;

  g_assert_cmpuint (raw_request (server, "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", NULL, &body),
                    ==, 200);
  text = g_strconcat ("\n", body, NULL);
  p = strstr (text, key);
  if (p == NULL)
    g_error ("no metric %s on /metrics", name);
  return g_ascii_strtoll (p + strlen (key), NULL, 10);
}

/* A WebSocket upgrade by hand from @source, with a bearer @token or none;
 * returns the socket once the 101 has arrived */
static GSocket *
raw_upgrade (DuetTestServer *server,
             const char     *source,
             const char     *token)
{
  g_autoptr(GSocket) sock = raw_connect (server, source);
  g_autofree char *auth = token ? g_strdup_printf ("Authorization: Bearer %s\r\n", token) : g_strdup ("");
  g_autofree char *request = g_strdup_printf (UPGRADE_FORMAT, auth);

  g_assert_true (raw_send (sock, request, strlen (request)));
  g_assert_cmpuint (raw_read_response (sock, NULL, NULL), ==, 101);
  return g_steal_pointer (&sock);
}

/* ---- many idle connections ------------------------------------------------ */

typedef struct
{
  GSocket  *socket;
  gboolean  answered;   /* the server wrote something (a 503, a close frame) */
  gboolean  closed;     /* ... and/or closed or reset it */
} Conn;

static void
conn_clear (Conn *conn)
{
  g_clear_object (&conn->socket);
}

static GArray *
conns_new (void)
{
  GArray *conns = g_array_new (FALSE, TRUE, sizeof (Conn));

  g_array_set_clear_func (conns, (GDestroyNotify) conn_clear);
  return conns;
}

/* Opens a connection from @source that sends @prefix (maybe "") and then
 * nothing more */
static void
conns_open (GArray         *conns,
            DuetTestServer *server,
            const char     *source,
            const char     *prefix)
{
  Conn conn = { raw_connect (server, source), FALSE, FALSE };

  if (!raw_send (conn.socket, prefix, strlen (prefix)))
    conn.closed = TRUE;
  g_array_append_val (conns, conn);
}

/* Takes what has arrived without blocking */
static void
conn_poll (Conn *conn)
{
  while (!conn->closed &&
         g_socket_condition_check (conn->socket, G_IO_IN | G_IO_HUP | G_IO_ERR) != 0)
    {
      char chunk[4096];
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive_with_blocking (conn->socket, chunk, sizeof chunk, FALSE, NULL, &error);

      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      if (n > 0)
        conn->answered = TRUE;
      else
        conn->closed = TRUE;
    }
}

/* How many the server has not closed (and, with @answered_is_refused, has not
 * answered either: a 503 is as good as a refusal) */
static guint
conns_count_open (GArray   *conns,
                  gboolean  answered_is_refused)
{
  guint n = 0;

  for (guint i = 0; i < conns->len; i++)
    {
      Conn *conn = &g_array_index (conns, Conn, i);

      conn_poll (conn);
      if (!conn->closed && !(answered_is_refused && conn->answered))
        n++;
    }
  return n;
}

/* Waits until at most @bound are unrefused, or @deadline; returns how many */
static guint
conns_wait_refused (GArray *conns,
                    guint   bound,
                    gint64  deadline)
{
  guint n;

  while ((n = conns_count_open (conns, TRUE)) > bound && g_get_monotonic_time () < deadline)
    g_usleep (20 * 1000);
  return n;
}

/* Waits until the server has closed them all, or @deadline; returns how
 * many are still open */
static guint
conns_wait_closed (GArray *conns,
                   gint64  deadline)
{
  guint n;

  while ((n = conns_count_open (conns, FALSE)) > 0 && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  return n;
}

static gint64
seconds_from (gint64 start,
              double seconds)
{
  return start + (gint64) (seconds * G_USEC_PER_SEC);
}

/* A signed-in session opened with @token (the server must take it) */
static void
assert_can_sign_in (DuetTestServer *server,
                    const char     *token)
{
  g_autoptr(DuetTestClient) client = duet_test_client_connect (server, token, NULL);
  g_autoptr(JsonObject) hello = NULL;

  g_assert_nonnull (client);
  hello = duet_test_client_wait_event (client, "hello", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (hello);
}

/* ---- compression ---------------------------------------------------------- */

/* A browser offers permessage-deflate; accepting it would cost ~100 KiB of
 * zlib state a connection, for messages of a few hundred bytes. The
 * upgrade succeeds without it, and the session works as any other. */
static void
test_no_compression (void)
{
  g_autoptr(DuetTestServer) server = duet_test_server_new (NULL);
  g_autofree char *token = NULL, *auth = NULL, *request = NULL, *head = NULL, *extensions = NULL;
  g_autoptr(GSocket) sock = NULL;

  duet_test_server_start (server);
  token = duet_test_server_token (server, "alice", 600);
  auth = g_strdup_printf ("Authorization: Bearer %s\r\n"
                          "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n",
                          token);
  request = g_strdup_printf (UPGRADE_FORMAT, auth);
  sock = raw_connect (server, NULL);
  g_assert_true (raw_send (sock, request, strlen (request)));
  g_assert_cmpuint (raw_read_response (sock, &head, NULL), ==, 101);
  extensions = header_value (head, "Sec-WebSocket-Extensions");
  g_assert_null (extensions);
  g_clear_object (&sock);

  assert_can_sign_in (server, token);
  g_assert_cmpint (duet_test_server_stop (server), ==, 0);
}

/* ---- 1. plain HTTP, one request per connection ---------------------------- */

#define HTTP_REQUESTS      1000
#define HTTP_UNKNOWN_EVERY 50     /* argon2 at the interactive cost: ~20 of them */

typedef struct
{
  const char *request;
  guint       status;
  guint       other_status;   /* also fine, or 0 */
} HttpCase;

static const HttpCase http_cases[] = {
  { "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 200, 0 },
  /* alice has a min-cost hash; she is locked after 5 failures: 429 */
  { NULL, 401, 429 },
  { "POST /v1/token/refresh HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer garbage\r\n"
    "Content-Length: 0\r\n\r\n", 401, 0 },
  { "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n", 200, 0 },
  { "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n", 404, 0 },
  { "GET /v1/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    "Sec-WebSocket-Key: ZHVldC1zb2NrZXQtdGVzdA==\r\nSec-WebSocket-Version: 13\r\n"
    "Authorization: Bearer garbage\r\n\r\n", 401, 0 },
};

static void
http_request_number (DuetTestServer *server,
                     guint           i)
{
  const HttpCase *c = &http_cases[i % G_N_ELEMENTS (http_cases)];
  g_autofree char *owned = NULL;
  const char *request = c->request;
  guint status;

  if (i % HTTP_UNKNOWN_EVERY == HTTP_UNKNOWN_EVERY - 1)
    {
      g_autofree char *user = g_strdup_printf ("nobody%u", i);

      /* an unknown user costs a full interactive hash and is never locked */
      request = owned = token_request (user, "wrong-password");
      g_assert_cmpuint (raw_request (server, request, NULL, NULL), ==, 401);
      return;
    }
  if (request == NULL)
    request = owned = token_request ("alice", "wrong-password");
  status = raw_request (server, request, NULL, NULL);
  if (status != c->status && (c->other_status == 0 || status != c->other_status))
    g_error ("request %u got %u, expected %u: %s", i, status, c->status, request);
}

/* Today libsoup keeps each connection for the next request and never
 * notices that the client has gone: one fd in CLOSE-WAIT per request */
static void
test_http_keepalive (void)
{
  const char * const args[] = { "--login-rate-per-address", "100000", NULL };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);
  int baseline;

  duet_test_server_start (server);
  /* one of each first: whatever the server sets up at first use */
  for (guint i = 0; i < G_N_ELEMENTS (http_cases); i++)
    http_request_number (server, i);
  baseline = settled_fd_count (server);

  for (guint i = 0; i < HTTP_REQUESTS; i++)
    http_request_number (server, i);

  assert_no_sockets_left (server, baseline);
  g_assert_cmpint (duet_test_server_stop (server), ==, 0);
}

/* ---- 2. every way a WebSocket session ends -------------------------------- */

#define SESSIONS_PER_WAY   20
#define CALLS              10
#define AUTH_TIMEOUTS      10
#define DUET_CALL_RUNS     5      /* per signal: GStreamer starts in each */
#define AUTH_TIMEOUT_S     1
/* libsoup waits this long for the client's answer to its close frame */
#define CLOSE_HANDSHAKE_S  5

static void
die_with_test (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Iterates until *@result is set or @deadline has passed */
static gboolean
iterate_until (GAsyncResult **result,
               gint64         deadline)
{
  while (*result == NULL && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (NULL, FALSE))
      g_usleep (1000);
  return *result != NULL;
}

/* Waits for a line of @out that contains @needle; FALSE at EOF or @deadline */
static gboolean
wait_for_line (GDataInputStream *out,
               const char       *needle,
               gint64            deadline)
{
  for (;;)
    {
      g_autoptr(GCancellable) cancellable = g_cancellable_new ();
      g_autoptr(GAsyncResult) result = NULL;
      g_autofree char *line = NULL;

      g_data_input_stream_read_line_async (out, G_PRIORITY_DEFAULT, cancellable, store_result, &result);
      if (!iterate_until (&result, deadline))
        {
          /* the callback must not outlive @result */
          g_cancellable_cancel (cancellable);
          while (result == NULL)
            g_main_context_iteration (NULL, TRUE);
          return FALSE;
        }
      line = g_data_input_stream_read_line_finish_utf8 (out, result, NULL, NULL);
      if (line == NULL)
        return FALSE;
      if (strstr (line, needle) != NULL)
        return TRUE;
    }
}

/* duet-call signs in (POST /v1/token, then the WebSocket) and is stopped
 * by @signum once the server has taken it */
static void
run_duet_call (DuetTestServer *server,
               const char     *bin,
               int             signum)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 3 * DUET_TEST_TIMEOUT_MS * 1000;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_subprocess_launcher_set_child_setup (launcher, die_with_test, NULL, NULL);
  proc = g_subprocess_launcher_spawn (launcher, &error, bin, "--server", server->base_url,
                                      "--user", "alice", "--password-stdin", "--test-sources",
                                      "listen", NULL);
  g_assert_no_error (error);
  g_assert_true (g_output_stream_write_all (g_subprocess_get_stdin_pipe (proc), "pw-alice\n", 9,
                                            NULL, NULL, &error));
  g_assert_no_error (error);

  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (proc));
  g_assert_true (wait_for_line (out, "server-connected", deadline));

  g_subprocess_send_signal (proc, signum);
  g_subprocess_wait_async (proc, NULL, store_result, &result);
  g_assert_true (iterate_until (&result, deadline));
}

static void
end_by_duet_call (DuetTestServer *server)
{
  const char *bin = g_getenv ("DUET_CALL_BIN");

  if (bin == NULL)
    {
      g_test_skip ("DUET_CALL_BIN is not set (built without the kit): "
                   "duet-call stopped by SIGINT and SIGKILL was not tried");
      return;
    }
  g_test_message ("duet-call stopped by SIGINT and by SIGKILL, %u times each", DUET_CALL_RUNS);
  for (guint i = 0; i < DUET_CALL_RUNS; i++)
    {
      run_duet_call (server, bin, SIGINT);
      run_duet_call (server, bin, SIGKILL);
    }
}

static void
end_by_end_call (DuetTestServer *server,
                 const char     *alice_token,
                 const char     *bob_token)
{
  g_test_message ("%u calls ended with end_call", CALLS);
  for (guint i = 0; i < CALLS; i++)
    {
      g_autoptr(DuetTestClient) alice = duet_test_client_connect (server, alice_token, NULL);
      g_autoptr(DuetTestClient) bob = duet_test_client_connect (server, bob_token, NULL);
      g_autoptr(JsonObject) reply = NULL;
      g_autofree char *call_id = NULL;
      g_autofree char *end = NULL;

      g_assert_nonnull (alice);
      g_assert_nonnull (bob);
      alice->hello = duet_test_client_wait_event (alice, "hello", DUET_TEST_TIMEOUT_MS);
      bob->hello = duet_test_client_wait_event (bob, "hello", DUET_TEST_TIMEOUT_MS);
      g_assert_nonnull (alice->hello);
      g_assert_nonnull (bob->hello);

      call_id = duet_test_connect_call (alice, bob, "bob");
      end = g_strdup_printf ("{\"type\":\"end_call\",\"call_id\":\"%s\"}", call_id);
      reply = duet_test_client_request (alice, end);
      duet_test_assert_reply (reply);
      duet_test_assert_disconnected (bob, call_id, "NORMAL", "CALLER", TRUE);
      /* freeing closes both cleanly */
    }
}

static void
end_by_clean_close (DuetTestServer *server,
                    const char     *token)
{
  g_test_message ("%u sessions closed cleanly", SESSIONS_PER_WAY);
  for (guint i = 0; i < SESSIONS_PER_WAY; i++)
    assert_can_sign_in (server, token);
}

/* The client vanishes: no close frame, just the TCP connection closed */
static void
end_by_tcp_drop (DuetTestServer *server,
                 const char     *token)
{
  g_test_message ("%u signed-in sessions dropped without a close frame", SESSIONS_PER_WAY);
  for (guint i = 0; i < SESSIONS_PER_WAY; i++)
    {
      g_autoptr(GSocket) sock = raw_upgrade (server, NULL, token);

      g_socket_close (sock, NULL);
    }
}

/* Each from an address of its own: the server may take a moment to see
 * a close, and until then the socket still counts against its address */
static void
end_unauthenticated (DuetTestServer *server)
{
  g_test_message ("%u sessions closed before signing in", SESSIONS_PER_WAY);
  for (guint i = 0; i < SESSIONS_PER_WAY; i++)
    {
      g_autofree char *source = g_strdup_printf ("127.0.1.%u", i + 1);
      g_autoptr(GSocket) sock = raw_upgrade (server, source, NULL);

      g_socket_close (sock, NULL);
    }
}

/* Upgraded without a token, and then silent, not even answering the
 * server's close frame: the server alone must end these. They wait while
 * the other ways run; from another address, so that they do not eat into
 * the per-address bound of the others. */
static GArray *
begin_auth_timeouts (DuetTestServer *server)
{
  GArray *conns = conns_new ();

  for (guint i = 0; i < AUTH_TIMEOUTS; i++)
    {
      Conn conn = { raw_upgrade (server, "127.0.0.4", NULL), FALSE, FALSE };

      g_array_append_val (conns, conn);
    }
  return conns;
}

static void
end_by_auth_timeout (GArray *conns,
                     gint64  deadline)
{
  guint open = conns_wait_closed (conns, deadline);

  g_test_message ("%u of %u silent unauthenticated sockets still open", open, AUTH_TIMEOUTS);
  g_assert_cmpuint (open, ==, 0);
}

static void
test_session_ends (void)
{
  const char * const args[] = { "--auth-timeout", G_STRINGIFY (AUTH_TIMEOUT_S), NULL };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);
  g_autofree char *alice_token = NULL, *bob_token = NULL;
  g_autoptr(GArray) silent = NULL;
  gint64 silent_deadline;
  int baseline;

  duet_test_server_start (server);
  alice_token = duet_test_server_token (server, "alice", 600);
  bob_token = duet_test_server_token (server, "bob", 600);
  assert_can_sign_in (server, alice_token);
  baseline = settled_fd_count (server);

  silent_deadline = seconds_from (g_get_monotonic_time (), AUTH_TIMEOUT_S + CLOSE_HANDSHAKE_S + CLOSE_SLACK_S);
  silent = begin_auth_timeouts (server);
  end_by_clean_close (server, alice_token);
  end_by_end_call (server, alice_token, bob_token);
  end_by_tcp_drop (server, alice_token);
  end_unauthenticated (server);
  end_by_duet_call (server);
  end_by_auth_timeout (silent, silent_deadline);

  assert_no_sockets_left (server, baseline);
  g_assert_cmpint (metric (server, "duet_connections"), ==, 0);
  g_assert_cmpint (metric (server, "duet_authenticated_connections"), ==, 0);
  g_assert_cmpint (duet_test_server_stop (server), ==, 0);
}

/* ---- 3, 4. connections that never finish a request ----------------------- */

#define REQUEST_TIMEOUT_S  2
#define REFUSE_WITHIN_S    1.5   /* before --request-timeout (2 s) could end any of them */

/* Half of them send an unfinished request line, half nothing at all */
static GArray *
open_idle (DuetTestServer *server,
           const char     *source,
           guint           n)
{
  GArray *conns = conns_new ();

  for (guint i = 0; i < n; i++)
    conns_open (conns, server, source, i % 2 ? "GET / HTTP/1.1\r\n" : "");
  return conns;
}

static void
test_pending_per_address (void)
{
  const char * const args[] = { "--max-connections", "300", "--max-pending-per-address", "16",
                                "--max-pending", "1000", "--request-timeout", "2", NULL };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);
  g_autoptr(GArray) attacker = NULL;
  g_autofree char *token = NULL;
  gint64 start;
  guint held, open;

  duet_test_server_start (server);
  token = duet_test_server_token (server, "alice", 600);

  start = g_get_monotonic_time ();
  attacker = open_idle (server, "127.0.0.2", 300);
  held = conns_wait_refused (attacker, 16, seconds_from (start, REFUSE_WITHIN_S));
  g_test_message ("the attacker holds %u of 300 connections", held);
  g_assert_cmpuint (held, <=, 16);

  /* had the attacker taken all 300 slots, these would be refused */
  for (guint i = 0; i < 10; i++)
    assert_can_sign_in (server, token);

  open = conns_wait_closed (attacker, seconds_from (start, REQUEST_TIMEOUT_S + CLOSE_SLACK_S));
  g_assert_cmpuint (open, ==, 0);
  g_assert_cmpint (metric (server, "duet_connections_refused_total{reason=\"pending_address\"}"), >, 0);
  g_assert_cmpint (duet_test_server_stop (server), ==, 0);
}

static void
test_pending_overall (void)
{
  const char * const args[] = { "--max-pending", "20", "--max-pending-per-address", "1000",
                                "--request-timeout", "2", NULL };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);
  g_autoptr(DuetTestClient) early = NULL;
  g_autoptr(GArray) attacker = NULL;
  g_autofree char *token = NULL;
  gint64 start;
  guint held, open, status = 0;

  duet_test_server_start (server);
  token = duet_test_server_token (server, "alice", 600);

  start = g_get_monotonic_time ();
  attacker = open_idle (server, "127.0.0.3", 40);
  held = conns_wait_refused (attacker, 20, seconds_from (start, REFUSE_WITHIN_S));
  g_test_message ("the attacker holds %u of 40 connections", held);
  g_assert_cmpuint (held, <=, 20);

  /* the documented cost of an overall bound: a full pool refuses everyone */
  early = duet_test_client_connect (server, token, &status);
  g_test_message ("a user while the pool is full: %s (%u)", early ? "let in" : "refused", status);
  g_clear_pointer (&early, duet_test_client_free);

  open = conns_wait_closed (attacker, seconds_from (start, REQUEST_TIMEOUT_S + CLOSE_SLACK_S));
  g_assert_cmpuint (open, ==, 0);
  assert_can_sign_in (server, token);
  g_assert_cmpint (metric (server, "duet_connections_refused_total{reason=\"pending\"}"), >, 0);
  g_assert_cmpint (duet_test_server_stop (server), ==, 0);
}

/* ---- 5. requests that never finish ------------------------------------- */

static void
test_request_timeout (void)
{
  const char * const args[] = { "--request-timeout", "2", NULL };
  static const char * const names[] = { "slowloris", "idle", "short body" };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);
  g_autoptr(GArray) conns = conns_new ();
  gint64 start, deadline;
  Conn *slowloris;
  guint open;

  duet_test_server_start (server);
  start = g_get_monotonic_time ();
  conns_open (conns, server, NULL, "GET /healthz?");
  conns_open (conns, server, NULL, "");
  conns_open (conns, server, NULL, "POST /v1/token HTTP/1.1\r\nHost: x\r\n"
                                   "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
                                   "{\"user\":\"a");
  slowloris = &g_array_index (conns, Conn, 0);

  /* one more byte of the request line every 500 ms, for as long as it lasts */
  deadline = seconds_from (start, REQUEST_TIMEOUT_S + CLOSE_SLACK_S);
  while ((open = conns_count_open (conns, FALSE)) > 0 && g_get_monotonic_time () < deadline)
    {
      if (!slowloris->closed && !raw_send (slowloris->socket, "a", 1))
        slowloris->closed = TRUE;
      g_usleep (500 * 1000);
    }
  for (guint i = 0; i < conns->len; i++)
    if (!g_array_index (conns, Conn, i).closed)
      g_test_message ("%s: still open after %d s", names[i], REQUEST_TIMEOUT_S + CLOSE_SLACK_S);
  g_assert_cmpuint (open, ==, 0);
  g_assert_cmpint (metric (server, "duet_requests_timed_out_total"), >=, 3);
  g_assert_cmpint (duet_test_server_stop (server), ==, 0);
}

/* ---- 6. idle HTTP connections count against --max-connections ------------ */

#define HEALTHZ "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"

static void
test_max_connections_counts_http (void)
{
  const char * const args[] = { "--max-connections", "5", "--request-timeout", "2", NULL };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);
  g_autoptr(GArray) conns = conns_new ();
  gint64 start;
  guint status, open;

  duet_test_server_start (server);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < 5; i++)
    conns_open (conns, server, NULL, "");

  /* accepted in order: the five are in when the sixth arrives */
  status = raw_request (server, HEALTHZ, NULL, NULL);
  g_test_message ("the sixth connection got %u", status);
  g_assert_true (status == 503 || status == 0);

  open = conns_wait_closed (conns, seconds_from (start, REQUEST_TIMEOUT_S + CLOSE_SLACK_S));
  g_assert_cmpuint (open, ==, 0);
  g_assert_cmpuint (raw_request (server, HEALTHZ, NULL, NULL), ==, 200);
  g_assert_cmpint (metric (server, "duet_connections_refused_total{reason=\"total\"}"), >, 0);
  g_assert_cmpint (duet_test_server_stop (server), ==, 0);
}

/* ---- 7. password checks are bounded -------------------------------------- */

#define SIGN_INS           29
#define ARGON2_KIB         (64 * 1024)
#define HASHING            2
/* the hashes that may run at once, one more for slack, and the rest of the server */
#define HWM_BOUND_KIB      ((HASHING + 1) * ARGON2_KIB + 60 * 1024)

/* 401 for a wrong password, or 503 busy with a Retry-After; anything else
 * (500, no answer) is wrong */
static guint
check_sign_in_answer (GSocket *sock)
{
  g_autofree char *head = NULL, *body = NULL, *retry_after = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  guint status = raw_read_response (sock, &head, &body);

  g_assert_true (status == 401 || status == 503);
  json_parser_load_from_data (parser, body, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  if (status == 401)
    return status;

  g_assert_cmpstr (json_object_get_string_member_with_default (json_node_get_object (json_parser_get_root (parser)),
                                                               "error", ""), ==, "busy");
  retry_after = header_value (head, "Retry-After");
  g_assert_nonnull (retry_after);
  g_assert_cmpint (g_ascii_strtoll (retry_after, NULL, 10), >, 0);
  return status;
}

static void
test_hashing_bounded (void)
{
  const char * const args[] = { "--max-hashing", "2", "--login-rate-per-address", "1000",
                                /* all 29 in flight from one address is the point here */
                                "--max-pending-per-address", "1000", NULL };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);
  g_autoptr(GPtrArray) socks = g_ptr_array_new_with_free_func (g_object_unref);
  guint unauthorized = 0, busy = 0;
  gint64 hwm;

  duet_test_server_start (server);
  /* unknown users: the dummy hash at the interactive cost, 64 MiB each */
  for (guint i = 0; i < SIGN_INS; i++)
    g_ptr_array_add (socks, raw_connect (server, NULL));
  for (guint i = 0; i < SIGN_INS; i++)
    {
      g_autofree char *user = g_strdup_printf ("nobody%u", i + 1);
      g_autofree char *request = token_request (user, "wrong-password");

      g_assert_true (raw_send (socks->pdata[i], request, strlen (request)));
    }
  for (guint i = 0; i < SIGN_INS; i++)
    {
      if (check_sign_in_answer (socks->pdata[i]) == 401)
        unauthorized++;
      else
        busy++;
    }

  hwm = duet_test_server_status_kib (server, "VmHWM");
  g_test_message ("%u wrong passwords, %u busy; server VmHWM %" G_GINT64_FORMAT " MiB (bound %d)",
                  unauthorized, busy, hwm / 1024, HWM_BOUND_KIB / 1024);
  g_assert_cmpuint (unauthorized, >, 0);
#ifdef __SANITIZE_ADDRESS__
  /* ASan's shadow memory and quarantine swamp the hashes' 64 MiB each */
  g_test_message ("VmHWM bound not checked under AddressSanitizer");
#else
  g_assert_cmpint (hwm, <, HWM_BOUND_KIB);
#endif
  /* 29 at once cannot all fit in 2 running and 8 queued */
  g_assert_cmpuint (busy, >, 0);
  g_assert_cmpint (duet_test_server_stop (server), ==, 0);
}

/* ---- worker threads ------------------------------------------------------ */

#define WORKERS_MAX        3
#define WORKER_SHARE       2
#define WORKER_CLIENTS     7

/* Connections spread over at most --workers threads, a new one started
 * only when each holds its share; sessions on every worker get requests
 * answered, close cleanly, and hear the shutdown */
static void
test_workers (void)
{
  const char * const args[] = { "--workers", G_STRINGIFY (WORKERS_MAX),
                                "--connections-per-worker", G_STRINGIFY (WORKER_SHARE), NULL };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);
  DuetTestClient *clients[WORKER_CLIENTS];

  duet_test_server_start (server);
  g_assert_cmpint (metric (server, "duet_ws_workers"), ==, 0);

  for (guint i = 0; i < WORKER_CLIENTS; i++)
    {
      g_autofree char *user = g_strdup_printf ("worker-user-%u", i);

      duet_test_server_add_user (server, user);
      clients[i] = duet_test_client_sign_in (server, user);
      /* one worker per WORKER_SHARE connections, up to the maximum */
      g_assert_cmpint (metric (server, "duet_ws_workers"), ==, MIN (i / WORKER_SHARE + 1, WORKERS_MAX));
    }
  g_assert_cmpint (metric (server, "duet_authenticated_connections"), ==, WORKER_CLIENTS);

  /* requests sent back to back are answered in order, on every worker */
  for (guint i = 0; i < WORKER_CLIENTS; i++)
    {
      for (guint j = 0; j < 5; j++)
        {
          g_autofree char *request = g_strdup_printf ("{\"type\":\"ping\",\"id\":\"p%u\"}", j);

          duet_test_client_send_raw (clients[i], request);
        }
      for (guint j = 0; j < 5; j++)
        {
          g_autoptr(JsonObject) reply = duet_test_client_next (clients[i], DUET_TEST_TIMEOUT_MS);
          g_autofree char *id = g_strdup_printf ("p%u", j);

          g_assert_nonnull (reply);
          duet_test_assert_reply (reply);
          g_assert_cmpstr (duet_test_get_string (reply, "id"), ==, id);
        }
    }

  /* four leave: their sockets are gone, the others stay */
  for (guint i = 0; i < 4; i++)
    g_clear_pointer (&clients[i], duet_test_client_free);
  for (guint i = 0; metric (server, "duet_authenticated_connections") != WORKER_CLIENTS - 4; i++)
    {
      g_assert_cmpuint (i, <, 200);
      duet_test_iterate (20);
    }
  g_assert_cmpint (metric (server, "duet_ws_workers"), ==, WORKERS_MAX);

  g_assert_cmpint (duet_test_server_stop (server), ==, 0);
  for (guint i = 4; i < WORKER_CLIENTS; i++)
    {
      g_assert_true (duet_test_client_wait_closed (clients[i], DUET_TEST_TIMEOUT_MS));
      g_assert_cmpuint (clients[i]->close_code, ==, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
      duet_test_client_free (clients[i]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/sockets/http-keepalive", test_http_keepalive);
  g_test_add_func ("/server/sockets/no-compression", test_no_compression);
  g_test_add_func ("/server/sockets/session-ends", test_session_ends);
  g_test_add_func ("/server/sockets/pending-per-address", test_pending_per_address);
  g_test_add_func ("/server/sockets/pending-overall", test_pending_overall);
  g_test_add_func ("/server/sockets/request-timeout", test_request_timeout);
  g_test_add_func ("/server/sockets/max-connections-counts-http", test_max_connections_counts_http);
  g_test_add_func ("/server/sockets/hashing-bounded", test_hashing_bounded);
  g_test_add_func ("/server/sockets/workers", test_workers);
  return g_test_run ();
}
