/* test-server-input.c: hostile and broken input never crashes the server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

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

  g_clear_pointer (&f->alice, duet_test_client_free);
  f->alice = duet_test_client_sign_in (f->server, "alice");
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

  return g_test_run ();
}
