/* test-server-input.c: hostile and broken input never crashes the server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "duet-test-client.h"

typedef struct
{
  DuetTestServer *server;
  DuetTestClient *alice;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  f->server = duet_test_server_new (NULL);
  duet_test_server_start (f->server);
  f->alice = duet_test_client_sign_in (f->server, "alice");
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_clear_pointer (&f->alice, duet_test_client_free);
  g_clear_pointer (&f->server, duet_test_server_free);
}

static void
assert_alive (Fixture *f)
{
  g_autoptr(JsonObject) reply = duet_test_client_request (f->alice, "{\"type\":\"ping\"}");

  duet_test_assert_reply (reply);
  g_assert_cmpuint (duet_test_http (f->server, "GET", "/healthz", NULL, NULL, NULL), ==, 200);
}

/* Sends @raw and checks the error: @id NULL means "id": null */
static void
assert_raw_error (DuetTestClient *client,
                  const char     *raw,
                  const char     *code,
                  const char     *id)
{
  g_autoptr(JsonObject) error = NULL;

  duet_test_client_send_raw (client, raw);
  error = duet_test_client_next (client, DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (error);
  duet_test_assert_error (error, code);
  if (id == NULL)
    g_assert_true (json_object_get_null_member (error, "id"));
  else
    g_assert_cmpstr (duet_test_get_string (error, "id"), ==, id);
  g_assert_nonnull (duet_test_get_string (error, "message"));
}

static void
test_malformed (Fixture *f, gconstpointer data)
{
  assert_raw_error (f->alice, "{not json", "bad_json", NULL);
  assert_raw_error (f->alice, "", "bad_json", NULL);
  assert_raw_error (f->alice, "[1,2]", "bad_message", NULL);
  assert_raw_error (f->alice, "\"ping\"", "bad_message", NULL);
  assert_raw_error (f->alice, "{\"type\":\"ping\"}", "bad_message", NULL);
  assert_raw_error (f->alice, "{\"type\":\"ping\",\"id\":5}", "bad_message", NULL);
  assert_raw_error (f->alice, "{\"type\":\"ping\",\"id\":\"\"}", "bad_message", NULL);
  assert_raw_error (f->alice, "{\"type\":\"ping\",\"id\":\"a b\"}", "bad_message", NULL);
  assert_raw_error (f->alice, "{\"type\":5,\"id\":\"1\"}", "bad_message", "1");
  assert_raw_error (f->alice, "{\"id\":\"2\"}", "bad_message", "2");
  assert_raw_error (f->alice, "{\"type\":\"launch_missiles\",\"id\":\"3\"}", "unknown_type", "3");
  assert_raw_error (f->alice, "{\"type\":\"make_call\",\"id\":\"4\",\"peer_user\":[],\"media_type\":{}}",
                    "start_failed", "4");
  assert_raw_error (f->alice, "{\"type\":\"verify_call\",\"id\":\"5\",\"cc_param\":null}", "bad_message", "5");
  assert_raw_error (f->alice, "{\"type\":\"accept_call\",\"id\":\"6\",\"call_id\":7}", "bad_message", "6");
  assert_raw_error (f->alice, "{\"type\":\"auth\",\"id\":\"7\",\"token\":\"x\"}", "bad_state", "7");
  assert_alive (f);
}

static void
test_binary_frame (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) error = NULL;

  soup_websocket_connection_send_binary (f->alice->connection, "{}", 2);
  error = duet_test_client_next (f->alice, DUET_TEST_TIMEOUT_MS);
  duet_test_assert_error (error, "bad_json");
  assert_alive (f);
}

static void
test_too_large (Fixture *f, gconstpointer data)
{
  GString *big = g_string_new ("{\"type\":\"ping\",\"id\":\"big\",\"pad\":\"");

  while (big->len < 70 * 1024)
    g_string_append (big, "xxxxxxxxxxxxxxxx");
  g_string_append (big, "\"}");
  assert_raw_error (f->alice, big->str, "too_large", NULL);
  g_string_free (big, TRUE);
  /* the connection stays usable */
  assert_alive (f);
}

static void
test_huge_frame_closes (Fixture *f, gconstpointer data)
{
  g_autofree char *huge = g_malloc (300 * 1024 + 1);

  memset (huge, 'x', 300 * 1024);
  huge[300 * 1024] = '\0';
  duet_test_client_send_raw (f->alice, huge);
  g_assert_true (duet_test_client_wait_closed (f->alice, DUET_TEST_TIMEOUT_MS));
  /* libsoup sends 1009 but may drop the socket before the client reads it */
  g_assert_true (f->alice->close_code == 1009 || f->alice->close_code == 0);

  g_clear_pointer (&f->alice, duet_test_client_free);
  f->alice = duet_test_client_sign_in (f->server, "alice");
  assert_alive (f);
}

static void
test_too_deep (Fixture *f, gconstpointer data)
{
  g_autofree char *deep = g_malloc (100000 + 1);
  GString *nested = g_string_new ("{\"type\":\"ping\",\"id\":\"d\",\"x\":");

  memset (deep, '[', 100000);
  deep[100000] = '\0';
  assert_raw_error (f->alice, deep, "too_large", NULL);   /* over 64 KiB first */

  for (int i = 0; i < 20; i++)
    g_string_append_c (nested, '[');
  for (int i = 0; i < 20; i++)
    g_string_append_c (nested, ']');
  g_string_append_c (nested, '}');
  assert_raw_error (f->alice, nested->str, "too_deep", NULL);
  g_string_free (nested, TRUE);

  g_free (deep);
  deep = g_malloc (60000 + 1);
  memset (deep, '[', 60000);
  deep[60000] = '\0';
  assert_raw_error (f->alice, deep, "too_deep", NULL);
  assert_alive (f);
}

static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  guint limited = 0;
  JsonObject *message;

  for (int i = 0; i < 400; i++)
    duet_test_client_send_raw (f->alice, "{\"type\":\"ping\",\"id\":\"p\"}");

  g_assert_true (duet_test_client_wait_closed (f->alice, DUET_TEST_TIMEOUT_MS));
  g_assert_cmpuint (f->alice->close_code, ==, 1008);
  while ((message = g_queue_pop_head (&f->alice->messages)) != NULL)
    {
      if (g_strcmp0 (duet_test_get_string (message, "code"), "rate_limited") == 0)
        limited++;
      json_object_unref (message);
    }
  g_assert_cmpuint (limited, >=, 190);

  /* the budget is alice's, not her connection's: it refills at 50 a second */
  g_clear_pointer (&f->alice, duet_test_client_free);
  f->alice = duet_test_client_sign_in (f->server, "alice");
  duet_test_iterate (100);
  assert_alive (f);
}

static void
test_burst_allowed (Fixture *f, gconstpointer data)
{
  guint replies = 0;
  JsonObject *message;

  for (int i = 0; i < 90; i++)
    duet_test_client_send_raw (f->alice, "{\"type\":\"ping\",\"id\":\"p\"}");
  while (replies < 90 && (message = duet_test_client_next (f->alice, DUET_TEST_TIMEOUT_MS)) != NULL)
    {
      duet_test_assert_reply (message);
      replies++;
      json_object_unref (message);
    }
  g_assert_cmpuint (replies, ==, 90);
}

static void
test_garbage_http (Fixture *f, gconstpointer data)
{
  g_autofree char *body = NULL;

  g_assert_cmpuint (duet_test_http (f->server, "GET", "/v1/token", NULL, NULL, NULL), ==, 405);
  g_assert_cmpuint (duet_test_http (f->server, "GET", "/nope", NULL, NULL, NULL), ==, 404);
  g_assert_cmpuint (duet_test_http (f->server, "GET", "/v1/ws", NULL, NULL, NULL), ==, 400);
  body = g_strnfill (5000, 'a');
  g_assert_cmpuint (duet_test_http (f->server, "POST", "/v1/token", body, NULL, NULL), ==, 400);
  g_assert_cmpuint (duet_test_http (f->server, "POST", "/v1/token",
                                    "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", NULL, NULL), ==, 400);
  assert_alive (f);
}

/* ---- a client that stops reading ---------------------------------------- */

/* A WebSocket client written by hand, so that it can stop reading: libsoup's
 * own client reads whenever the main loop runs. Blocking I/O is fine here,
 * the server is another process. */
typedef struct
{
  GSocket *socket;
  GString *received;
} RawClient;

static void
raw_client_free (RawClient *raw)
{
  g_object_unref (raw->socket);
  g_string_free (raw->received, TRUE);
  g_free (raw);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (RawClient, raw_client_free)

static void
raw_write (RawClient  *raw,
           const char *data,
           gsize       length)
{
  while (length > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send (raw->socket, data, length, NULL, &error);

      g_assert_no_error (error);
      data += n;
      length -= n;
    }
}

/* Reads until @needle has arrived; returns where it starts */
static const char *
raw_read_until (RawClient  *raw,
                const char *needle)
{
  gint64 deadline = g_get_monotonic_time () + DUET_TEST_TIMEOUT_MS * 1000;

  g_socket_set_timeout (raw->socket, DUET_TEST_TIMEOUT_MS / 1000);
  while (strstr (raw->received->str, needle) == NULL)
    {
      char chunk[4096];
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (raw->socket, chunk, sizeof chunk, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      /* Frames carry binary headers; the JSON inside is what we look for */
      for (gssize i = 0; i < n; i++)
        g_string_append_c (raw->received, chunk[i] ? chunk[i] : ' ');
    }
  return strstr (raw->received->str, needle);
}

/* A masked text frame; an all-zero mask leaves the payload as it is */
static void
raw_send_text (RawClient  *raw,
               const char *text)
{
  gsize length = strlen (text);
  guint8 header[8] = { 0x81, 0x80 | 126, (length >> 8) & 0xff, length & 0xff, 0, 0, 0, 0 };

  g_assert_cmpuint (length, <, 65536);
  raw_write (raw, (const char *) header, sizeof header);
  raw_write (raw, text, length);
}

static RawClient *
raw_client_sign_in (DuetTestServer *server,
                    const char     *user)
{
  g_autofree char *token = duet_test_server_token (server, user, 3600);
  const char *port = strrchr (server->base_url, ':') + 1;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, atoi (port));
  g_autoptr(GError) error = NULL;
  g_autofree char *upgrade = NULL;
  RawClient *raw = g_new0 (RawClient, 1);

  raw->received = g_string_new (NULL);
  raw->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  /* A small window, so that the server's side fills up soon */
  g_assert_true (g_socket_set_option (raw->socket, SOL_SOCKET, SO_RCVBUF, 4096, &error));
  g_assert_true (g_socket_connect (raw->socket, address, NULL, &error));
  g_assert_no_error (error);

  upgrade = g_strdup_printf ("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:%s\r\n"
                             "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Key: ZHVldC1zbG93LWNsaWVudA==\r\n"
                             "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer %s\r\n\r\n",
                             port, token);
  raw_write (raw, upgrade, strlen (upgrade));
  raw_read_until (raw, "\"hello\"");
  return raw;
}

/* Reads what is left until the server closes; returns how many bytes */
static gsize
raw_drain (RawClient *raw)
{
  gsize total = 0;
  char chunk[65536];
  gssize n;

  g_socket_set_timeout (raw->socket, 20);
  while ((n = g_socket_receive (raw->socket, chunk, sizeof chunk, NULL, NULL)) > 0)
    total += n;
  g_assert_cmpint (n, ==, 0);   /* end of stream, not the timeout */
  return total;
}

static guint64
slow_clients_closed (DuetTestServer *server)
{
  g_autofree char *body = NULL;
  const char *line;

  g_assert_cmpuint (duet_test_http (server, "GET", "/metrics", NULL, &body, NULL), ==, 200);
  line = strstr (body, "\nduet_slow_clients_closed_total ");
  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("\nduet_slow_clients_closed_total "), NULL, 10);
}

/* Bob stops reading while alice keeps sending him big offers: the server
 * must cut bob off rather than queue everything for him. */
static void
test_slow_reader_closed (Fixture *f, gconstpointer data)
{
  g_autoptr(RawClient) bob = raw_client_sign_in (f->server, "bob");
  g_autofree char *call_id = duet_test_make_call (f->alice, "bob", NULL, NULL);
  g_autofree char *cc_param = NULL;
  g_autofree char *verify = NULL;
  g_autofree char *padding = g_strnfill (60000, 'x');
  g_autofree char *offer = NULL;
  g_autoptr(JsonObject) verified = NULL;
  const char *start;
  gsize sent = 0;
  gint64 deadline;

  start = raw_read_until (bob, "\"cc_param\":\"") + strlen ("\"cc_param\":\"");
  raw_read_until (bob, "\"}");
  cc_param = g_strndup (start, strcspn (start, "\""));
  verify = g_strdup_printf ("{\"type\":\"verify_call\",\"id\":\"v\",\"cc_param\":\"%s\"}", cc_param);
  raw_send_text (bob, verify);
  verified = duet_test_client_wait_event (f->alice, "verified", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (verified);

  /* Within alice's rate limit (a burst of 100, then 50 a second) */
  offer = g_strdup_printf ("{\"type\":\"signal\",\"id\":\"s\",\"call_id\":\"%s\",\"payload\":"
                           "{\"type\":\"offer\",\"sdp\":\"v=0 %s\"}}", call_id, padding);
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  for (guint i = 0; slow_clients_closed (f->server) == 0; i++)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      duet_test_client_send_raw (f->alice, offer);
      sent += strlen (offer);
      while (g_main_context_iteration (NULL, FALSE))
        ;
      if (i >= 90)
        g_usleep (25 * 1000);
    }
  g_test_message ("bob was cut off after %" G_GSIZE_FORMAT " KiB had been sent to him", sent / 1024);

  /* He gets at most what the kernel held plus the server's bound, then
   * the end of the stream; what alice sent after that was dropped */
  g_assert_cmpuint (raw_drain (bob), <, sent);
  assert_alive (f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/server/input/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("malformed", test_malformed);
  ADD ("binary-frame", test_binary_frame);
  ADD ("too-large", test_too_large);
  ADD ("huge-frame-closes", test_huge_frame_closes);
  ADD ("too-deep", test_too_deep);
  ADD ("rate-limit", test_rate_limit);
  ADD ("burst-allowed", test_burst_allowed);
  ADD ("garbage-http", test_garbage_http);
  ADD ("slow-reader-closed", test_slow_reader_closed);

  return g_test_run ();
}
