/* bench-common.h: small asynchronous WebSocket client and helpers for the server benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Unlike tests/server/duet-test-client.c nothing here blocks or asserts:
 * a benchmark holds hundreds of sockets in one GMainContext and counts
 * failures instead of aborting on them.
 */
#pragma once

#include <libsoup/soup.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _BenchConn BenchConn;

/* Called for every JSON object the server sends */
typedef void (*BenchMessageFunc) (BenchConn *conn, JsonObject *message, const char *text, gsize len);
/* Called once when connecting failed (error set) or the socket closed (error NULL) */
typedef void (*BenchDoneFunc)    (BenchConn *conn, const GError *error);

struct _BenchConn
{
  SoupWebsocketConnection *ws;
  char                    *token;
  guint                    index;
  gboolean                 open;
  gboolean                 hello;
  guint                    status;    /* HTTP status of a refused upgrade */
  BenchMessageFunc         on_message;
  BenchDoneFunc            on_done;
  gpointer                 user_data;
  gint64                   connect_started_us;
  gboolean                 raw;       /* on_message gets NULL and the text, unparsed */
};

SoupSession *bench_session_new        (guint max_conns);
void         bench_raise_nofile       (void);
void         bench_conn_connect       (SoupSession *session,
                                       const char  *ws_url,
                                       BenchConn   *conn);
void         bench_conn_send          (BenchConn   *conn,
                                       const char  *text);
void         bench_conn_close         (BenchConn   *conn);
char        *bench_ws_url             (const char  *base_url);
const char  *bench_get_string         (JsonObject  *object,
                                       const char  *member);
char       **bench_read_lines         (const char  *path,
                                       guint       *out_n);

/* /proc/PID/status fields in KiB (-1 if unknown) and open fd count */
gint64       bench_proc_status_kib    (int          pid,
                                       const char  *field);
int          bench_proc_fd_count      (int          pid);
double       bench_loadavg            (void);

/* latency samples in microseconds */
int          bench_cmp_gint64         (gconstpointer a,
                                       gconstpointer b);
double       bench_percentile_ms      (GArray      *sorted_us,
                                       double       p);

static inline gint64
bench_now_us (void)
{
  return g_get_monotonic_time ();
}

G_END_DECLS
