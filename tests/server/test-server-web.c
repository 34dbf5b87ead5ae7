/* test-server-web.c: the web client's files, and which web origins may
 * use the API (CORS on /v1/token*, Origin on the WebSocket upgrade)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duet-test-client.h"

#define GOOD_ORIGIN "https://good.example"
#define EVIL_ORIGIN "https://evil.example"
#define LOGIN_BODY  "{\"user\":\"alice\",\"password\":\"pw-alice\"}"

static const char *
web_root (void)
{
  const char *root = g_getenv ("DUET_WEB_ROOT");

  g_assert_nonnull (root);
  return root;
}

static DuetTestServer *
start_server_logged (gboolean capture_output)
{
  const char *args[] = { "--web-root", web_root (), "--allowed-origin", GOOD_ORIGIN, NULL };
  DuetTestServer *server = duet_test_server_new (args);

  server->capture_output = capture_output;
  duet_test_server_start (server);
  return server;
}

static DuetTestServer *
start_server (void)
{
  return start_server_logged (FALSE);
}

/* One request; the response's headers stay in *out_msg */
static guint
request (DuetTestServer  *server,
         const char      *method,
         const char      *path,
         const char      *origin,
         const char      *body,
         SoupMessage    **out_msg,
         char           **out_body)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (server->base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) error = NULL;
  SoupMessageHeaders *headers = soup_message_get_request_headers (msg);

  if (origin != NULL)
    soup_message_headers_replace (headers, "Origin", origin);
  if (g_strcmp0 (method, "OPTIONS") == 0)
    {
      soup_message_headers_replace (headers, "Access-Control-Request-Method", "POST");
      soup_message_headers_replace (headers, "Access-Control-Request-Headers", "content-type");
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  response = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  if (out_body)
    *out_body = g_strndup (g_bytes_get_data (response, NULL), g_bytes_get_size (response));
  if (out_msg)
    *out_msg = g_object_ref (msg);
  return soup_message_get_status (msg);
}

static const char *
response_header (SoupMessage *msg,
                 const char  *name)
{
  return soup_message_headers_get_one (soup_message_get_response_headers (msg), name);
}

/* The request line as written, past any client-side URI clean-up: the
 * status code of the answer */
static guint
raw_get (DuetTestServer *server,
         const char     *path)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GDataInputStream) in = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL, *line = NULL;
  const char *host = strstr (server->base_url, "://") + 3;
  guint status = 0;

  connection = g_socket_client_connect_to_host (client, host, 80, NULL, &error);
  g_assert_no_error (error);
  text = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)), text, strlen (text),
                             NULL, NULL, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  line = g_data_input_stream_read_line_utf8 (in, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  g_assert_cmpint (sscanf (line, "HTTP/1.1 %u", &status), ==, 1);
  return status;
}

static void
store_result (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
on_text (SoupWebsocketConnection *connection,
         gint                     type,
         GBytes                  *payload,
         gpointer                 user_data)
{
  g_autofree char *text = g_strndup (g_bytes_get_data (payload, NULL), g_bytes_get_size (payload));

  if (strstr (text, "\"type\":\"hello\"") != NULL)
    *(gboolean *) user_data = TRUE;
}

/* The status of a WebSocket upgrade with this Origin (NULL: none): 101
 * once the socket opened, took a token as a browser sends it, and said
 * hello */
static guint
upgrade_status (DuetTestServer *server,
                const char     *origin)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat ("ws", strchr (server->base_url, ':'), "/v1/ws", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(SoupWebsocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL, *auth = NULL;
  gint64 deadline = g_get_monotonic_time () + DUET_TEST_TIMEOUT_MS * 1000;
  gboolean hello = FALSE;

  soup_session_websocket_connect_async (session, msg, origin, NULL, G_PRIORITY_DEFAULT, NULL,
                                        store_result, &result);
  while (result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (result);
  connection = soup_session_websocket_connect_finish (session, result, &error);
  if (connection == NULL)
    return soup_message_get_status (msg);

  token = duet_test_server_token (server, "alice", 600);
  auth = g_strdup_printf ("{\"type\":\"auth\",\"id\":\"1\",\"token\":\"%s\"}", token);
  g_signal_connect (connection, "message", G_CALLBACK (on_text), &hello);
  soup_websocket_connection_send_text (connection, auth);
  while (!hello && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (hello);
  soup_websocket_connection_close (connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_signal_handlers_disconnect_by_data (connection, &hello);
  return SOUP_STATUS_SWITCHING_PROTOCOLS;
}

/* ---- CORS ---------------------------------------------------------------- */

static void
test_allowed_origin (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  g_autoptr(SoupMessage) preflight = NULL, login = NULL, refresh = NULL;
  g_autofree char *body = NULL, *token = NULL, *auth = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();

  g_assert_cmpuint (request (server, "OPTIONS", "/v1/token", GOOD_ORIGIN, NULL, &preflight, NULL), ==, 204);
  g_assert_cmpstr (response_header (preflight, "Access-Control-Allow-Origin"), ==, GOOD_ORIGIN);
  g_assert_nonnull (strstr (response_header (preflight, "Access-Control-Allow-Methods"), "POST"));
  g_assert_nonnull (strstr (response_header (preflight, "Access-Control-Allow-Headers"), "Content-Type"));
  g_assert_nonnull (strstr (response_header (preflight, "Access-Control-Allow-Headers"), "Authorization"));
  g_assert_cmpint (atoi (response_header (preflight, "Access-Control-Max-Age")), >, 0);
  g_assert_cmpstr (response_header (preflight, "Vary"), ==, "Origin");

  g_assert_cmpuint (request (server, "POST", "/v1/token", GOOD_ORIGIN, LOGIN_BODY, &login, &body), ==, 200);
  g_assert_cmpstr (response_header (login, "Access-Control-Allow-Origin"), ==, GOOD_ORIGIN);
  g_assert_cmpstr (response_header (login, "Vary"), ==, "Origin");
  g_assert_true (json_parser_load_from_data (parser, body, -1, NULL));
  token = g_strdup (json_object_get_string_member (json_node_get_object (json_parser_get_root (parser)), "token"));
  g_assert_nonnull (token);

  /* the refresh endpoint answers its preflight too */
  g_clear_object (&preflight);
  g_assert_cmpuint (request (server, "OPTIONS", "/v1/token/refresh", GOOD_ORIGIN, NULL, &preflight, NULL), ==, 204);
  g_assert_cmpstr (response_header (preflight, "Access-Control-Allow-Origin"), ==, GOOD_ORIGIN);

  /* and the refresh itself, with the token the page got */
  {
    g_autoptr(SoupSession) session = soup_session_new ();
    g_autofree char *url = g_strconcat (server->base_url, "/v1/token/refresh", NULL);
    g_autoptr(GBytes) answer = NULL;
    g_autoptr(GError) error = NULL;

    refresh = soup_message_new ("POST", url);
    auth = g_strconcat ("Bearer ", token, NULL);
    soup_message_headers_replace (soup_message_get_request_headers (refresh), "Origin", GOOD_ORIGIN);
    soup_message_headers_replace (soup_message_get_request_headers (refresh), "Authorization", auth);
    answer = soup_session_send_and_read (session, refresh, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (soup_message_get_status (refresh), ==, 200);
    g_assert_cmpstr (response_header (refresh, "Access-Control-Allow-Origin"), ==, GOOD_ORIGIN);
  }

  g_assert_cmpuint (upgrade_status (server, GOOD_ORIGIN), ==, 101);
}

static void
test_other_origin (void)
{
  g_autoptr(DuetTestServer) server = start_server_logged (TRUE);
  g_autoptr(SoupMessage) preflight = NULL, login = NULL;
  g_autofree char *body = NULL;

  g_assert_cmpuint (request (server, "OPTIONS", "/v1/token", EVIL_ORIGIN, NULL, &preflight, NULL), ==, 403);
  g_assert_null (response_header (preflight, "Access-Control-Allow-Origin"));
  g_assert_cmpuint (request (server, "OPTIONS", "/v1/token/refresh", EVIL_ORIGIN, NULL, NULL, NULL), ==, 403);
  /* a request a page could send without a preflight is refused as well */
  g_assert_cmpuint (request (server, "POST", "/v1/token", EVIL_ORIGIN, LOGIN_BODY, &login, &body), ==, 403);
  g_assert_null (response_header (login, "Access-Control-Allow-Origin"));
  g_assert_null (strstr (body, "token\""));
  /* an origin is its scheme, host and port: no prefix or look-alike passes */
  g_assert_cmpuint (request (server, "OPTIONS", "/v1/token", "http://good.example", NULL, NULL, NULL), ==, 403);
  g_assert_cmpuint (request (server, "OPTIONS", "/v1/token", GOOD_ORIGIN ".evil.example", NULL, NULL, NULL), ==, 403);
  g_assert_cmpuint (request (server, "OPTIONS", "/v1/token", "null", NULL, NULL, NULL), ==, 403);

  g_assert_cmpuint (upgrade_status (server, EVIL_ORIGIN), ==, 403);
  g_assert_cmpuint (upgrade_status (server, "null"), ==, 403);

  /* refusals are logged */
  {
    g_autofree char *output = duet_test_server_read_output (server);

    g_assert_nonnull (strstr (output, "WebSocket from 127.0.0.1 refused: origin “" EVIL_ORIGIN "”"));
    g_assert_nonnull (strstr (output, "OPTIONS /v1/token from 127.0.0.1 refused"));
  }
}

static void
test_no_origin (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  g_autoptr(SoupMessage) login = NULL;
  g_autoptr(DuetTestClient) client = NULL;

  /* native clients (duet-call, the app) send no Origin */
  g_assert_cmpuint (request (server, "POST", "/v1/token", NULL, LOGIN_BODY, &login, NULL), ==, 200);
  g_assert_null (response_header (login, "Access-Control-Allow-Origin"));
  g_assert_cmpuint (request (server, "OPTIONS", "/v1/token", NULL, NULL, NULL, NULL), ==, 204);
  g_assert_cmpuint (upgrade_status (server, NULL), ==, 101);
  client = duet_test_client_sign_in (server, "bob");
  g_assert_nonnull (client);
}

static void
test_own_origin (void)
{
  g_autoptr(DuetTestServer) server = NULL;
  g_autoptr(SoupMessage) login = NULL;
  g_autofree char *own = NULL;
  const char *args[] = { "--web-root", web_root (), NULL };

  /* no --allowed-origin at all: the page the server serves still works */
  server = duet_test_server_new (args);
  duet_test_server_start (server);
  own = g_strdup (server->base_url);
  g_assert_cmpuint (request (server, "POST", "/v1/token", own, LOGIN_BODY, &login, NULL), ==, 200);
  g_assert_cmpstr (response_header (login, "Access-Control-Allow-Origin"), ==, own);
  g_assert_cmpuint (upgrade_status (server, own), ==, 101);
  /* the same host on another port is another origin */
  g_assert_cmpuint (upgrade_status (server, "http://127.0.0.1:1"), ==, 403);
  g_assert_cmpuint (request (server, "POST", "/v1/token", "https://127.0.0.1", LOGIN_BODY, NULL, NULL), ==, 403);
}

/* ---- static files -------------------------------------------------------- */

static void
assert_file (DuetTestServer *server,
             const char     *path,
             const char     *file,
             const char     *content_type)
{
  g_autoptr(SoupMessage) msg = NULL;
  g_autofree char *body = NULL, *expected = NULL, *on_disk = NULL;
  gsize len = 0;

  g_assert_cmpuint (request (server, "GET", path, NULL, NULL, &msg, &body), ==, 200);
  g_assert_cmpstr (response_header (msg, "Content-Type"), ==, content_type);
  g_assert_cmpstr (response_header (msg, "Cache-Control"), ==, "no-cache");
  g_assert_cmpstr (response_header (msg, "X-Content-Type-Options"), ==, "nosniff");
  g_assert_nonnull (response_header (msg, "ETag"));
  on_disk = g_build_filename (web_root (), file, NULL);
  g_assert_true (g_file_get_contents (on_disk, &expected, &len, NULL));
  g_assert_cmpstr (body, ==, expected);
}

static void
test_static_files (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  g_autoptr(SoupMessage) index = NULL, post = NULL;
  g_autofree char *body = NULL;

  assert_file (server, "/", "index.html", "text/html; charset=utf-8");
  assert_file (server, "/index.html", "index.html", "text/html; charset=utf-8");
  assert_file (server, "/app.js", "app.js", "text/javascript; charset=utf-8");
  assert_file (server, "/style.css", "style.css", "text/css; charset=utf-8");
  assert_file (server, "/icon.svg", "icon.svg", "image/svg+xml");

  /* the page may talk only to its own server */
  g_assert_cmpuint (request (server, "GET", "/", NULL, NULL, &index, &body), ==, 200);
  g_assert_nonnull (strstr (response_header (index, "Content-Security-Policy"), "default-src 'self'"));
  g_assert_nonnull (strstr (body, "app.js"));

  g_assert_cmpuint (request (server, "GET", "/missing.js", NULL, NULL, NULL, NULL), ==, 404);
  g_assert_cmpuint (request (server, "GET", "/meson.build", NULL, NULL, NULL, NULL), ==, 404);
  g_assert_cmpuint (request (server, "GET", "/v1/nothing", NULL, NULL, NULL, NULL), ==, 404);
  g_assert_cmpuint (request (server, "POST", "/v1/nothing", NULL, "{}", NULL, NULL), ==, 404);
  g_assert_cmpuint (request (server, "POST", "/index.html", NULL, "{}", &post, NULL), ==, 405);
  g_assert_cmpstr (response_header (post, "Allow"), ==, "GET, HEAD");
}

static void
test_etag (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  g_autoptr(SoupMessage) first = NULL;
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = NULL;
  g_autoptr(SoupMessage) again = NULL;
  g_autoptr(GBytes) response = NULL;

  g_assert_cmpuint (request (server, "GET", "/app.js", NULL, NULL, &first, NULL), ==, 200);
  url = g_strconcat (server->base_url, "/app.js", NULL);
  again = soup_message_new ("GET", url);
  soup_message_headers_replace (soup_message_get_request_headers (again), "If-None-Match",
                                response_header (first, "ETag"));
  response = soup_session_send_and_read (session, again, NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (again), ==, 304);
  g_assert_cmpuint (g_bytes_get_size (response), ==, 0);
}

static void
test_traversal (void)
{
  g_autoptr(DuetTestServer) server = start_server ();
  const char *paths[] = {
    "/../meson.build", "/..%2fmeson.build", "/%2e%2e/meson.build", "/%2e%2e%2fmeson.build",
    "/..%5cmeson.build", "/web/index.html", "/x/../../meson.build", "//etc/passwd", "/../../../../etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/index.html%00.js", "/.git/config", "/.eslintrc.js",
  };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      guint status = raw_get (server, paths[i]);

      g_test_message ("%s: %u", paths[i], status);
      /* refused, however the server reads the path: never a file */
      g_assert_true (status == 404 || status == 400);
    }
  /* a directory is no listing */
  g_assert_cmpuint (raw_get (server, "/"), ==, 200);
  g_assert_cmpuint (raw_get (server, "/index.html"), ==, 200);
}

static void
test_no_web (void)
{
  const char *args[] = { "--no-web", NULL };
  g_autoptr(DuetTestServer) server = duet_test_server_new (args);

  duet_test_server_start (server);
  g_assert_cmpuint (request (server, "GET", "/", NULL, NULL, NULL, NULL), ==, 404);
  g_assert_cmpuint (request (server, "GET", "/app.js", NULL, NULL, NULL, NULL), ==, 404);
  /* the API is unchanged */
  g_assert_cmpuint (request (server, "GET", "/healthz", NULL, NULL, NULL, NULL), ==, 200);
  g_assert_cmpuint (request (server, "POST", "/v1/token", NULL, LOGIN_BODY, NULL, NULL), ==, 200);
}

static void
test_bad_options (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("duet-web-XXXXXX", NULL);
  g_autofree char *db = g_build_filename (tmp, "duet.db", NULL);
  g_autofree char *err = NULL, *err2 = NULL, *err3 = NULL;
  const char *missing[] = { "serve", "--db", db, "--web-root", "/nonexistent/web", NULL };
  const char *both[] = { "serve", "--db", db, "--web-root", web_root (), "--no-web", NULL };
  const char *bad_origin[] = { "serve", "--db", db, "--allowed-origin", "https://x.example/path", NULL };

  g_assert_cmpint (duet_test_run_cli (missing, NULL, NULL, &err), !=, 0);
  g_assert_nonnull (strstr (err, "web client"));
  g_assert_cmpint (duet_test_run_cli (both, NULL, NULL, &err2), ==, 2);
  g_assert_cmpint (duet_test_run_cli (bad_origin, NULL, NULL, &err3), ==, 2);
  g_assert_nonnull (strstr (err3, "--allowed-origin"));
  duet_test_remove_tree (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/web/cors/allowed-origin", test_allowed_origin);
  g_test_add_func ("/web/cors/other-origin", test_other_origin);
  g_test_add_func ("/web/cors/no-origin", test_no_origin);
  g_test_add_func ("/web/cors/own-origin", test_own_origin);
  g_test_add_func ("/web/files/served", test_static_files);
  g_test_add_func ("/web/files/etag", test_etag);
  g_test_add_func ("/web/files/traversal", test_traversal);
  g_test_add_func ("/web/files/no-web", test_no_web);
  g_test_add_func ("/web/options", test_bad_options);
  return g_test_run ();
}
