/* bench-common.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench-common.h"

SoupSession *
bench_session_new (guint max_conns)
{
  /* libsoup's defaults (10 connections, 2 per host) would serialise the
   * handshakes; the sockets leave the session's pool once upgraded */
  SoupSession *session = soup_session_new_with_options ("max-conns", max_conns,
                                                        "max-conns-per-host", max_conns,
                                                        "timeout", 30,
                                                        "idle-timeout", 0,
                                                        NULL);

  /* Offer permessage-deflate, as every browser does: the server must not
   * let that make a connection expensive */
  soup_session_add_feature_by_type (session, SOUP_TYPE_WEBSOCKET_EXTENSION_MANAGER);
  return session;
}

/* Only this process: never system-wide */
void
bench_raise_nofile (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }
}

char *
bench_ws_url (const char *base_url)
{
  return g_strconcat ("ws", strchr (base_url, ':'), "/v1/ws", NULL);
}

const char *
bench_get_string (JsonObject *object,
                  const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static void
on_ws_message (SoupWebsocketConnection *ws,
               gint                     type,
               GBytes                  *payload,
               BenchConn               *conn)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize len;
  const char *data = g_bytes_get_data (payload, &len);
  JsonObject *o;

  if (conn->raw)
    {
      if (conn->on_message)
        conn->on_message (conn, NULL, data, len);
      return;
    }
  if (!json_parser_load_from_data (parser, data, len, NULL) ||
      !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return;
  o = json_node_get_object (json_parser_get_root (parser));
  if (!conn->hello && g_strcmp0 (bench_get_string (o, "type"), "hello") == 0)
    conn->hello = TRUE;
  if (conn->on_message)
    conn->on_message (conn, o, data, len);
}

static void
on_ws_closed (SoupWebsocketConnection *ws,
              BenchConn               *conn)
{
  conn->open = FALSE;
  if (conn->on_done)
    conn->on_done (conn, NULL);
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  BenchConn *conn = user_data;
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);
  g_autoptr(GError) error = NULL;

  conn->ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (conn->ws == NULL)
    {
      conn->status = msg ? soup_message_get_status (msg) : 0;
      if (conn->on_done)
        conn->on_done (conn, error);
      return;
    }
  conn->open = TRUE;
  soup_websocket_connection_set_max_incoming_payload_size (conn->ws, 1024 * 1024);
  /* idle holders must not add keepalive traffic of their own */
  soup_websocket_connection_set_keepalive_interval (conn->ws, 0);
  g_signal_connect (conn->ws, "message", G_CALLBACK (on_ws_message), conn);
  g_signal_connect (conn->ws, "closed", G_CALLBACK (on_ws_closed), conn);
}

void
bench_conn_connect (SoupSession *session,
                    const char  *ws_url,
                    BenchConn   *conn)
{
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", ws_url);

  if (conn->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (conn->ws, conn);
      g_clear_object (&conn->ws);
    }
  conn->open = FALSE;
  conn->hello = FALSE;
  conn->status = 0;
  conn->connect_started_us = bench_now_us ();
  if (conn->token != NULL)
    {
      g_autofree char *header = g_strdup_printf ("Bearer %s", conn->token);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
    }
  soup_session_websocket_connect_async (session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, connect_cb, conn);
}

void
bench_conn_send (BenchConn  *conn,
                 const char *text)
{
  if (conn->ws != NULL && conn->open)
    soup_websocket_connection_send_text (conn->ws, text);
}

void
bench_conn_close (BenchConn *conn)
{
  if (conn->ws != NULL &&
      soup_websocket_connection_get_state (conn->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (conn->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
}

char **
bench_read_lines (const char *path,
                  guint      *out_n)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  char **lines;
  guint n;

  if (!g_file_get_contents (path, &text, NULL, &error))
    g_error ("%s", error->message);
  g_strchomp (text);
  lines = g_strsplit (text, "\n", -1);
  n = g_strv_length (lines);
  if (out_n)
    *out_n = n;
  return lines;
}

gint64
bench_proc_status_kib (int         pid,
                       const char *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  g_autofree char *key = g_strconcat ("\n", field, ":", NULL);
  const char *p;

  if (!g_file_get_contents (path, &text, NULL, NULL) || (p = strstr (text, key)) == NULL)
    return -1;
  return g_ascii_strtoll (p + strlen (key), NULL, 10);
}

int
bench_proc_fd_count (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", pid);
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  int n = 0;

  if (dir == NULL)
    return -1;
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

double
bench_loadavg (void)
{
  g_autofree char *text = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return -1;
  return g_ascii_strtod (text, NULL);
}

int
bench_cmp_gint64 (gconstpointer a,
                  gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* nearest-rank percentile of samples already sorted, in ms */
double
bench_percentile_ms (GArray *sorted_us,
                     double  p)
{
  guint rank;

  if (sorted_us->len == 0)
    return -1;
  rank = (guint) (p / 100.0 * sorted_us->len + 0.999999);
  if (rank < 1)
    rank = 1;
  if (rank > sorted_us->len)
    rank = sorted_us->len;
  return g_array_index (sorted_us, gint64, rank - 1) / 1000.0;
}
