/* test-server-calls.c: the call state machine, as both parties see it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "duet-cc-param-private.h"
#include "duet-test-client.h"

typedef struct
{
  DuetTestServer *server;
  DuetTestClient *alice;
  DuetTestClient *bob;
  DuetTestClient *carol;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->server = duet_test_server_new (NULL);
  duet_test_server_start (f->server);
  f->alice = duet_test_client_sign_in (f->server, "alice");
  f->bob = duet_test_client_sign_in (f->server, "bob");
  f->carol = duet_test_client_sign_in (f->server, "carol");
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->alice, duet_test_client_free);
  g_clear_pointer (&f->bob, duet_test_client_free);
  g_clear_pointer (&f->carol, duet_test_client_free);
  g_clear_pointer (&f->server, duet_test_server_free);
}

#define END "{\"type\":\"end_call\",\"call_id\":\"%s\"}"
#define ACCEPT "{\"type\":\"accept_call\",\"call_id\":\"%s\"}"
#define OFFER "{\"type\":\"signal\",\"call_id\":\"%s\",\"payload\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}"

static char *
ringing_call (Fixture *f)
{
  g_autofree char *cc = NULL;
  char *call_id = duet_test_make_call (f->alice, "bob", &cc, f->bob);
  g_autoptr(JsonObject) reply = duet_test_requestf (f->bob, "{\"type\":\"verify_call\",\"cc_param\":\"%s\"}", cc);

  duet_test_assert_reply (reply);
  g_assert_cmpstr (duet_test_get_string (reply, "caller_user"), ==, "alice");
  g_assert_cmpstr (duet_test_get_string (reply, "caller_service"), ==, "duet");
  g_assert_cmpstr (duet_test_get_string (reply, "media_type"), ==, "audiovideo");
  duet_test_assert_next (f->alice, "verified");
  return call_id;
}

static void
test_normal_by_caller (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");

  duet_test_expect_reply (f->alice, END, call_id);
  duet_test_assert_disconnected (f->alice, call_id, "NORMAL", "CALLER", FALSE);
  duet_test_assert_disconnected (f->bob, call_id, "NORMAL", "CALLER", TRUE);
  duet_test_expect_error (f->bob, "no_such_call", END, call_id);
}

static void
test_normal_by_callee (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");

  duet_test_expect_reply (f->bob, END, call_id);
  duet_test_assert_next (f->bob, "disconnected");
  duet_test_assert_disconnected (f->alice, call_id, "NORMAL", "CALLEE", TRUE);
}

static void
test_normal_by_callee_fields (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");

  duet_test_expect_reply (f->bob, END, call_id);
  duet_test_assert_disconnected (f->bob, call_id, "NORMAL", "CALLEE", FALSE);
  duet_test_assert_disconnected (f->alice, call_id, "NORMAL", "CALLEE", TRUE);
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = ringing_call (f);

  duet_test_expect_reply (f->alice, END, call_id);
  duet_test_assert_disconnected (f->alice, call_id, "CANCEL", "CALLER", FALSE);
  duet_test_assert_disconnected (f->bob, call_id, "CANCEL", "CALLER", TRUE);
}

static void
test_cancel_while_waiting (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_make_call (f->alice, "bob", NULL, f->bob);

  duet_test_expect_reply (f->alice, END, call_id);
  duet_test_assert_disconnected (f->alice, call_id, "CANCEL", "CALLER", FALSE);
  duet_test_assert_disconnected (f->bob, call_id, "CANCEL", "CALLER", TRUE);
}

static void
test_decline (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = ringing_call (f);

  duet_test_expect_reply (f->bob, END, call_id);
  duet_test_assert_disconnected (f->bob, call_id, "DECLINE", "CALLEE", FALSE);
  duet_test_assert_disconnected (f->alice, call_id, "DECLINE", "CALLEE", TRUE);
}

static void
test_end_reasons (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = ringing_call (f);

  /* the caller cannot decline, nobody can name NOANSWER */
  duet_test_expect_error (f->alice, "bad_message",
                "{\"type\":\"end_call\",\"call_id\":\"%s\",\"reason\":\"DECLINE\"}", call_id);
  duet_test_expect_error (f->bob, "bad_message",
                "{\"type\":\"end_call\",\"call_id\":\"%s\",\"reason\":\"NOANSWER\"}", call_id);
  duet_test_expect_error (f->bob, "bad_message",
                "{\"type\":\"end_call\",\"call_id\":\"%s\",\"reason\":42}", call_id);
  duet_test_expect_reply (f->bob, "{\"type\":\"end_call\",\"call_id\":\"%s\",\"reason\":\"BUSY\"}", call_id);
  duet_test_assert_disconnected (f->bob, call_id, "BUSY", "CALLEE", FALSE);
  duet_test_assert_disconnected (f->alice, call_id, "BUSY", "CALLEE", TRUE);
}

static void
test_noanswer (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = ringing_call (f);
  gint64 start = g_get_monotonic_time ();

  duet_test_assert_disconnected (f->alice, call_id, "NOANSWER", "CALLER", FALSE);
  duet_test_assert_disconnected (f->bob, call_id, "NOANSWER", "CALLER", TRUE);
  g_assert_cmpint (g_get_monotonic_time () - start, >, G_USEC_PER_SEC);
  duet_test_expect_error (f->bob, "no_such_call", ACCEPT, call_id);
}

static void
test_busy (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  g_autofree char *second = duet_test_make_call (f->carol, "bob", NULL, NULL);
  g_autoptr(JsonObject) missed = NULL;

  duet_test_assert_disconnected (f->carol, second, "BUSY", "CALLEE", TRUE);
  missed = duet_test_client_wait_event (f->bob, "missed_call", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (missed);
  g_assert_cmpstr (duet_test_get_string (missed, "call_id"), ==, second);
  g_assert_cmpstr (duet_test_get_string (missed, "caller_user"), ==, "carol");
  g_assert_cmpstr (duet_test_get_string (missed, "reason"), ==, "BUSY");
  g_assert_true (json_object_get_int_member (missed, "invited_at") > 0);

  /* the running call is untouched */
  duet_test_assert_quiet (f->alice, 100);
  duet_test_expect_reply (f->alice, END, call_id);
  duet_test_assert_disconnected (f->bob, call_id, "NORMAL", "CALLER", TRUE);
}

static void
test_already_got_a_call (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_make_call (f->alice, "bob", NULL, f->bob);
  g_autofree char *second = duet_test_make_call (f->carol, "bob", NULL, NULL);
  g_autoptr(JsonObject) missed = NULL;

  duet_test_assert_disconnected (f->carol, second, "ALREADY_GOT_A_CALL", "CLOUD_SERVER", TRUE);
  missed = duet_test_client_wait_event (f->bob, "missed_call", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (missed);
  g_assert_cmpstr (duet_test_get_string (missed, "reason"), ==, "ALREADY_GOT_A_CALL");
  duet_test_expect_reply (f->alice, END, call_id);
}

static void
test_network_unstable (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  g_autoptr(DuetTestClient) bob = NULL;

  duet_test_client_close (f->bob);
  duet_test_assert_disconnected (f->alice, call_id, "NETWORK_UNSTABLE", "CLOUD_SERVER", TRUE);

  /* bob learns of it when he is back */
  bob = duet_test_client_sign_in (f->server, "bob");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (bob->hello, "calls")), ==, 0);
  duet_test_assert_disconnected (bob, call_id, "NETWORK_UNSTABLE", "CLOUD_SERVER", TRUE);
}

static void
test_reconnect_within_grace (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  g_autoptr(DuetTestClient) bob = NULL;
  JsonArray *calls;
  JsonObject *call;

  duet_test_client_close (f->bob);
  bob = duet_test_client_sign_in (f->server, "bob");
  calls = json_object_get_array_member (bob->hello, "calls");
  g_assert_cmpuint (json_array_get_length (calls), ==, 1);
  call = json_array_get_object_element (calls, 0);
  g_assert_cmpstr (json_object_get_string_member (call, "call_id"), ==, call_id);
  g_assert_cmpstr (json_object_get_string_member (call, "state"), ==, "connected");
  g_assert_cmpstr (json_object_get_string_member (call, "role"), ==, "callee");
  g_assert_cmpstr (json_object_get_string_member (call, "peer_user"), ==, "alice");

  duet_test_assert_quiet (f->alice, 1500);
  duet_test_expect_reply (bob, END, call_id);
  duet_test_assert_disconnected (f->alice, call_id, "NORMAL", "CALLEE", TRUE);
}

static void
test_replaced_session_keeps_call (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  g_autoptr(DuetTestClient) bob = duet_test_client_sign_in (f->server, "bob");

  g_assert_true (duet_test_client_wait_closed (f->bob, DUET_TEST_TIMEOUT_MS));
  g_assert_cmpuint (f->bob->close_code, ==, 4001);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (bob->hello, "calls")), ==, 1);
  duet_test_assert_quiet (f->alice, 1500);
  duet_test_expect_reply (f->alice, OFFER, call_id);
  duet_test_assert_next (bob, "signal");
  duet_test_expect_reply (f->alice, END, call_id);
  duet_test_assert_disconnected (bob, call_id, "NORMAL", "CALLER", TRUE);
}

static void
test_auth_error (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  const char *remove[] = { "user", "remove", "--db", f->server->db, "--user", "bob", NULL };

  g_assert_cmpint (duet_test_run_cli (remove, NULL, NULL, NULL), ==, 0);
  duet_test_assert_disconnected (f->alice, call_id, "AUTH_ERROR", "CLOUD_SERVER", TRUE);
  duet_test_assert_disconnected (f->bob, call_id, "AUTH_ERROR", "CLOUD_SERVER", TRUE);
  g_assert_true (duet_test_client_wait_closed (f->bob, DUET_TEST_TIMEOUT_MS));
  g_assert_cmpuint (f->bob->close_code, ==, 4003);
}

static void
test_service_maintenance (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = ringing_call (f);

  g_assert_cmpint (duet_test_server_stop (f->server), ==, 0);
  duet_test_assert_next (f->alice, "server_shutdown");
  duet_test_assert_disconnected (f->alice, call_id, "SERVICE_MAINTENANCE", "CLOUD_SERVER", TRUE);
  duet_test_assert_next (f->bob, "server_shutdown");
  duet_test_assert_disconnected (f->bob, call_id, "SERVICE_MAINTENANCE", "CLOUD_SERVER", TRUE);
  g_assert_true (duet_test_client_wait_closed (f->alice, DUET_TEST_TIMEOUT_MS));
  g_assert_cmpuint (f->alice->close_code, ==, 1001);
}

/* Signed in with a token minted earlier, and its hello read */
static DuetTestClient *
connect_with_token (DuetTestServer *server,
                    const char     *token)
{
  DuetTestClient *client = duet_test_client_connect (server, token, NULL);

  g_assert_nonnull (client);
  client->hello = duet_test_client_wait_event (client, "hello", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (client->hello);
  return client;
}

static void
test_restart_keeps_connected_call (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  /* minted before the restart: the CLI takes long enough under a
   * sanitizer for the 1 s grace period to run out between two sign-ins */
  g_autofree char *alice_token = duet_test_server_token (f->server, "alice", 600);
  g_autofree char *bob_token = duet_test_server_token (f->server, "bob", 600);
  g_autoptr(DuetTestClient) alice = NULL;
  g_autoptr(DuetTestClient) bob = NULL;
  g_autoptr(JsonObject) history = NULL;
  JsonObject *entry, *call;

  g_assert_cmpint (duet_test_server_stop (f->server), ==, 0);
  duet_test_assert_next (f->alice, "server_shutdown");
  g_assert_true (duet_test_client_wait_closed (f->alice, DUET_TEST_TIMEOUT_MS));
  g_assert_cmpuint (f->alice->close_code, ==, 1001);
  duet_test_assert_quiet (f->alice, 10);

  duet_test_server_start (f->server);
  alice = connect_with_token (f->server, alice_token);
  bob = connect_with_token (f->server, bob_token);
  call = json_array_get_object_element (json_object_get_array_member (alice->hello, "calls"), 0);
  g_assert_nonnull (call);
  g_assert_cmpstr (json_object_get_string_member (call, "call_id"), ==, call_id);
  g_assert_cmpstr (json_object_get_string_member (call, "state"), ==, "connected");
  g_assert_cmpstr (json_object_get_string_member (call, "role"), ==, "caller");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (bob->hello, "calls")), ==, 1);

  duet_test_assert_quiet (alice, 1500);  /* longer than the grace period */
  duet_test_expect_reply (alice, END, call_id);
  duet_test_assert_disconnected (alice, call_id, "NORMAL", "CALLER", FALSE);
  duet_test_assert_disconnected (bob, call_id, "NORMAL", "CALLER", TRUE);

  history = duet_test_client_request (bob, "{\"type\":\"history\"}");
  duet_test_assert_reply (history);
  entry = json_array_get_object_element (json_object_get_array_member (history, "calls"), 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "call_id"), ==, call_id);
  g_assert_cmpstr (json_object_get_string_member (entry, "reason"), ==, "NORMAL");
  g_assert_cmpstr (json_object_get_string_member (entry, "direction"), ==, "incoming");
  g_assert_false (json_object_get_boolean_member (entry, "missed"));
  g_assert_true (json_object_get_int_member (entry, "answered_at") > 0);
}

/* SIGKILL: no server_shutdown, nothing marked; the connected call is
 * picked up from the database (saved at each transition) after restart */
static void
test_restart_after_kill (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  /* before the kill, as in restart-keeps-connected-call */
  g_autofree char *alice_token = duet_test_server_token (f->server, "alice", 600);
  g_autofree char *bob_token = duet_test_server_token (f->server, "bob", 600);
  g_autofree char *ringing_id = NULL;
  g_autoptr(DuetTestClient) alice = NULL;
  g_autoptr(DuetTestClient) bob = NULL;
  g_autoptr(DuetTestClient) carol = NULL;
  g_autoptr(JsonObject) history = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autoptr(DuetTestClient) dave = NULL;
  JsonObject *entry, *call;

  /* a second call that is still waiting when the server dies */
  duet_test_server_add_user (f->server, "dave");
  dave = duet_test_client_sign_in (f->server, "dave");
  ringing_id = duet_test_make_call (f->carol, "dave", NULL, dave);

  duet_test_server_kill (f->server);
  g_assert_true (duet_test_client_wait_closed (f->alice, DUET_TEST_TIMEOUT_MS));
  g_assert_cmpuint (f->alice->close_code, !=, 1001);  /* no goodbye */

  duet_test_server_start (f->server);
  alice = connect_with_token (f->server, alice_token);
  bob = connect_with_token (f->server, bob_token);
  call = json_array_get_object_element (json_object_get_array_member (alice->hello, "calls"), 0);
  g_assert_nonnull (call);
  g_assert_cmpstr (json_object_get_string_member (call, "call_id"), ==, call_id);
  g_assert_cmpstr (json_object_get_string_member (call, "state"), ==, "connected");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (bob->hello, "calls")), ==, 1);

  /* the unanswered call did not survive; its caller learns why */
  carol = duet_test_client_sign_in (f->server, "carol");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (carol->hello, "calls")), ==, 0);
  duet_test_assert_disconnected (carol, ringing_id, "SERVICE_MAINTENANCE", "CLOUD_SERVER", TRUE);

  /* past the grace period the call is still up, and relay works */
  duet_test_assert_quiet (alice, 1500);
  duet_test_expect_reply (alice, OFFER, call_id);
  event = duet_test_client_wait_event (bob, "signal", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (event);
  duet_test_expect_reply (bob, END, call_id);
  duet_test_assert_disconnected (bob, call_id, "NORMAL", "CALLEE", FALSE);
  duet_test_assert_disconnected (alice, call_id, "NORMAL", "CALLEE", TRUE);

  history = duet_test_client_request (alice, "{\"type\":\"history\"}");
  duet_test_assert_reply (history);
  entry = json_array_get_object_element (json_object_get_array_member (history, "calls"), 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "call_id"), ==, call_id);
  g_assert_cmpstr (json_object_get_string_member (entry, "reason"), ==, "NORMAL");
  g_assert_cmpstr (json_object_get_string_member (entry, "source"), ==, "CALLEE");
  g_assert_true (json_object_get_int_member (entry, "answered_at") > 0);
  g_assert_true (json_object_get_int_member (entry, "ended_at") >= json_object_get_int_member (entry, "answered_at"));
}

/* Many make_call from one connection to the same callee: one rings, the
 * rest are refused (ALREADY_EXIST); past the burst the connection's rate
 * limit trips and closes it; the callee never sees a second call */
static void
test_invite_flood_one_caller (Fixture *f, gconstpointer data)
{
  g_autofree char *first = NULL;
  g_autoptr(JsonObject) incoming = NULL;
  g_autoptr(JsonObject) pong = NULL;
  guint refused = 0, limited = 0, replies = 0;
  JsonObject *message;

  for (int i = 0; i < 50; i++)
    duet_test_client_send_raw (f->alice, "{\"type\":\"make_call\",\"id\":\"m\",\"peer_user\":\"bob\","
                                         "\"media_type\":\"audio\"}");
  while (replies + refused < 50 && (message = duet_test_client_next (f->alice, DUET_TEST_TIMEOUT_MS)) != NULL)
    {
      if (g_strcmp0 (duet_test_get_string (message, "type"), "reply") == 0)
        {
          replies++;
          first = g_strdup (duet_test_get_string (message, "call_id"));
        }
      else
        {
          duet_test_assert_error (message, "start_failed");
          g_assert_cmpstr (duet_test_get_string (message, "start_fail_reason"), ==, "ALREADY_EXIST");
          refused++;
        }
      json_object_unref (message);
    }
  g_assert_cmpuint (replies, ==, 1);
  g_assert_cmpuint (refused, ==, 49);
  incoming = duet_test_client_wait_event (f->bob, "incoming_call", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (incoming);
  g_assert_cmpstr (duet_test_get_string (incoming, "call_id"), ==, first);
  duet_test_assert_quiet (f->bob, 200);

  /* keep flooding: the per-connection limit closes the socket (1008) */
  for (int i = 0; i < 400; i++)
    duet_test_client_send_raw (f->alice, "{\"type\":\"make_call\",\"id\":\"m\",\"peer_user\":\"bob\","
                                         "\"media_type\":\"audio\"}");
  g_assert_true (duet_test_client_wait_closed (f->alice, DUET_TEST_TIMEOUT_MS));
  g_assert_cmpuint (f->alice->close_code, ==, 1008);
  while ((message = g_queue_pop_head (&f->alice->messages)) != NULL)
    {
      if (g_strcmp0 (duet_test_get_string (message, "code"), "rate_limited") == 0)
        limited++;
      json_object_unref (message);
    }
  g_assert_cmpuint (limited, >, 0);

  /* the server stays responsive and bob still has one call, ended when
   * alice's grace period (1 s) ran out */
  pong = duet_test_client_request (f->carol, "{\"type\":\"ping\"}");
  duet_test_assert_reply (pong);
  duet_test_assert_disconnected (f->bob, first, "NETWORK_UNSTABLE", "CLOUD_SERVER", TRUE);
  duet_test_assert_quiet (f->bob, 200);
}

/* Many users call one callee at once: exactly one rings, every other
 * caller gets ALREADY_GOT_A_CALL and the callee a missed_call for each */
static void
test_invite_flood_many_callers (Fixture *f, gconstpointer data)
{
  enum { N = 12 };
  DuetTestClient *callers[N];
  g_autofree char *ringing = NULL;
  g_autoptr(JsonObject) pong = NULL;
  guint incoming = 0, missed = 0, busy = 0;
  gint64 start;
  JsonObject *message;

  for (int i = 0; i < N; i++)
    {
      g_autofree char *user = g_strdup_printf ("flood%d", i);

      duet_test_server_add_user (f->server, user);
      callers[i] = duet_test_client_sign_in (f->server, user);
    }
  for (int i = 0; i < N; i++)
    duet_test_client_send_raw (callers[i], "{\"type\":\"make_call\",\"id\":\"m\",\"peer_user\":\"bob\","
                                           "\"media_type\":\"audiovideo\"}");

  for (int i = 0; i < N; i++)
    {
      g_autoptr(JsonObject) reply = duet_test_client_next (callers[i], DUET_TEST_TIMEOUT_MS);
      g_autoptr(JsonObject) ended = NULL;
      const char *call_id;

      g_assert_nonnull (reply);
      duet_test_assert_reply (reply);
      call_id = duet_test_get_string (reply, "call_id");
      ended = duet_test_client_next (callers[i], 300);
      if (ended == NULL)
        {
          g_assert_null (ringing);
          ringing = g_strdup (call_id);
          continue;
        }
      g_assert_cmpstr (duet_test_get_string (ended, "type"), ==, "disconnected");
      g_assert_cmpstr (duet_test_get_string (ended, "call_id"), ==, call_id);
      g_assert_cmpstr (duet_test_get_string (ended, "reason"), ==, "ALREADY_GOT_A_CALL");
      busy++;
    }
  g_assert_nonnull (ringing);
  g_assert_cmpuint (busy, ==, N - 1);

  while ((message = duet_test_client_next (f->bob, 500)) != NULL)
    {
      const char *type = duet_test_get_string (message, "type");

      if (g_strcmp0 (type, "incoming_call") == 0)
        {
          g_assert_cmpstr (duet_test_get_string (message, "call_id"), ==, ringing);
          incoming++;
        }
      else if (g_strcmp0 (type, "missed_call") == 0)
        {
          g_assert_cmpstr (duet_test_get_string (message, "reason"), ==, "ALREADY_GOT_A_CALL");
          missed++;
        }
      json_object_unref (message);
    }
  g_assert_cmpuint (incoming, ==, 1);
  g_assert_cmpuint (missed, ==, N - 1);

  start = g_get_monotonic_time ();
  pong = duet_test_client_request (f->carol, "{\"type\":\"ping\"}");
  duet_test_assert_reply (pong);
  g_assert_cmpint (g_get_monotonic_time () - start, <, G_USEC_PER_SEC);

  for (int i = 0; i < N; i++)
    duet_test_client_free (callers[i]);
}

static void
test_restart_party_missing (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  g_autoptr(DuetTestClient) alice = NULL;

  g_assert_cmpint (duet_test_server_stop (f->server), ==, 0);
  duet_test_server_start (f->server);
  alice = duet_test_client_sign_in (f->server, "alice");
  duet_test_assert_disconnected (alice, call_id, "NETWORK_UNSTABLE", "CLOUD_SERVER", TRUE);
}

static void
test_offline_callee (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = NULL;
  g_autoptr(JsonObject) incoming = NULL;
  g_autoptr(JsonObject) reply = NULL;

  duet_test_client_close (f->bob);
  call_id = duet_test_make_call (f->alice, "bob", NULL, NULL);
  g_clear_pointer (&f->bob, duet_test_client_free);
  f->bob = duet_test_client_sign_in (f->server, "bob");
  incoming = duet_test_client_next (f->bob, DUET_TEST_TIMEOUT_MS);
  g_assert_cmpstr (duet_test_get_string (incoming, "type"), ==, "incoming_call");
  g_assert_cmpstr (duet_test_get_string (incoming, "call_id"), ==, call_id);

  reply = duet_test_requestf (f->bob, "{\"type\":\"verify_call\",\"cc_param\":\"%s\"}",
                   duet_test_get_string (incoming, "cc_param"));
  duet_test_assert_reply (reply);
  duet_test_assert_next (f->alice, "verified");
  duet_test_expect_reply (f->bob, ACCEPT, call_id);
  duet_test_assert_next (f->alice, "connected");
  duet_test_assert_next (f->bob, "connected");
}

static void
test_missed_call (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = NULL;
  g_autoptr(JsonObject) missed = NULL;
  g_autoptr(JsonObject) history = NULL;
  JsonObject *entry;

  duet_test_client_close (f->bob);
  call_id = duet_test_make_call (f->alice, "bob", NULL, NULL);
  duet_test_assert_disconnected (f->alice, call_id, "NOANSWER", "CALLER", FALSE);

  g_clear_pointer (&f->bob, duet_test_client_free);
  f->bob = duet_test_client_sign_in (f->server, "bob");
  missed = duet_test_client_next (f->bob, DUET_TEST_TIMEOUT_MS);
  g_assert_cmpstr (duet_test_get_string (missed, "type"), ==, "missed_call");
  g_assert_cmpstr (duet_test_get_string (missed, "call_id"), ==, call_id);
  g_assert_cmpstr (duet_test_get_string (missed, "reason"), ==, "NOANSWER");
  g_assert_cmpstr (duet_test_get_string (missed, "caller_user"), ==, "alice");
  g_assert_cmpstr (duet_test_get_string (missed, "media_type"), ==, "audiovideo");

  history = duet_test_client_request (f->bob, "{\"type\":\"history\",\"limit\":1}");
  entry = json_array_get_object_element (json_object_get_array_member (history, "calls"), 0);
  g_assert_true (json_object_get_boolean_member (entry, "missed"));
  g_assert_true (json_object_get_null_member (entry, "answered_at"));

  /* delivered once */
  g_clear_pointer (&f->bob, duet_test_client_free);
  f->bob = duet_test_client_sign_in (f->server, "bob");
  duet_test_assert_quiet (f->bob, 300);
}

static void
test_start_fail (Fixture *f, gconstpointer data)
{
  static const struct { const char *json; const char *reason; } cases[] = {
    { "{\"type\":\"make_call\",\"peer_user\":\"b b\",\"media_type\":\"audio\"}", "INVALID_PEER_ID" },
    { "{\"type\":\"make_call\",\"peer_user\":\"bob\",\"peer_service\":\"x/y\",\"media_type\":\"audio\"}", "INVALID_PEER_ID" },
    { "{\"type\":\"make_call\",\"peer_user\":\"bob\"}", "INVALID_PARAM" },
    { "{\"type\":\"make_call\",\"peer_user\":7,\"media_type\":\"audio\"}", "INVALID_PARAM" },
    { "{\"type\":\"make_call\",\"media_type\":\"audio\"}", "INVALID_PARAM" },
    { "{\"type\":\"make_call\",\"peer_user\":\"nobody\",\"media_type\":\"audio\"}", "UNKNOWN_PEER" },
    { "{\"type\":\"make_call\",\"peer_user\":\"bob\",\"peer_service\":\"other\",\"media_type\":\"audio\"}", "UNKNOWN_PEER" },
    { "{\"type\":\"make_call\",\"peer_user\":\"alice\",\"media_type\":\"audio\"}", "ID_CONFLICT" },
    { "{\"type\":\"make_call\",\"peer_user\":\"bob\",\"media_type\":\"hologram\"}", "UNKNOWN_MEDIA_TYPE" },
  };
  g_autofree char *call_id = NULL;
  g_autoptr(JsonObject) reply = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(JsonObject) error = duet_test_client_request (f->alice, cases[i].json);

      duet_test_assert_error (error, "start_failed");
      g_assert_cmpstr (duet_test_get_string (error, "start_fail_reason"), ==, cases[i].reason);
      g_assert_nonnull (duet_test_get_string (error, "message"));
    }

  call_id = duet_test_make_call (f->alice, "bob", NULL, f->bob);
  reply = duet_test_client_request (f->alice, "{\"type\":\"make_call\",\"peer_user\":\"carol\",\"media_type\":\"audio\"}");
  duet_test_assert_error (reply, "start_failed");
  g_assert_cmpstr (duet_test_get_string (reply, "start_fail_reason"), ==, "ALREADY_EXIST");
  duet_test_assert_quiet (f->carol, 100);
}

static void
assert_cc_refused (DuetTestClient *client,
                   const char     *cc,
                   const char     *detail,
                   const char     *start_fail_reason)
{
  g_autoptr(JsonObject) reply = duet_test_requestf (client, "{\"type\":\"verify_call\",\"cc_param\":\"%s\"}", cc);

  duet_test_assert_error (reply, "invalid_cc_param");
  g_assert_cmpstr (duet_test_get_string (reply, "detail"), ==, detail);
  g_assert_cmpstr (duet_test_get_string (reply, "start_fail_reason"), ==, start_fail_reason);
}

static void
test_cc_param_attacks (Fixture *f, gconstpointer data)
{
  g_autofree char *cc = NULL;
  g_autofree char *call_id = duet_test_make_call (f->alice, "bob", &cc, f->bob);
  g_autofree guint8 *key = duet_test_server_read_secret (f->server, "cc_param_key");
  g_autofree guint8 *wrong_key = g_malloc0 (32);
  g_autoptr(DuetCcParam) parsed = duet_cc_param_new_from_string (cc, NULL);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  g_autofree char *forged = NULL, *tampered = NULL, *expired = NULL, *bad_sig = NULL;
  g_autofree char *for_carol = NULL;
  g_auto(GStrv) parts = g_strsplit (cc, ".", 3);
  g_autoptr(JsonObject) reply = NULL;

  g_assert_nonnull (parsed);
  g_assert_cmpstr (duet_cc_param_get_call_id (parsed), ==, call_id);
  g_assert_cmpint (duet_cc_param_get_expires_at (parsed) - duet_cc_param_get_issued_at (parsed), ==, 2);

  /* signed with another key */
  forged = duet_cc_param_sign (call_id, "alice", "duet", "bob", "duet", DUET_MEDIA_TYPE_AUDIO,
                               now, now + 60, wrong_key, 32);
  /* the payload of another (validly signed) cc_param with this one's signature */
  for_carol = duet_cc_param_sign (call_id, "alice", "duet", "carol", "duet", DUET_MEDIA_TYPE_AUDIO,
                                  now, now + 60, wrong_key, 32);
  {
    g_auto(GStrv) other = g_strsplit (for_carol, ".", 3);
    tampered = g_strdup_printf ("v1.%s.%s", other[1], parts[2]);
  }
  bad_sig = g_strdup (cc);
  bad_sig[strlen (bad_sig) - 3] = bad_sig[strlen (bad_sig) - 3] == 'x' ? 'y' : 'x';
  expired = duet_cc_param_sign (call_id, "alice", "duet", "bob", "duet", DUET_MEDIA_TYPE_AUDIOVIDEO,
                                now - 100, now - 1, key, 32);

  assert_cc_refused (f->bob, "garbage", "malformed", "DECODE_CALL_PARAM");
  assert_cc_refused (f->bob, "v1.!!!.abc", "malformed", "DECODE_CALL_PARAM");
  assert_cc_refused (f->bob, forged, "bad_signature", "DECODE_CALL_PARAM");
  assert_cc_refused (f->bob, tampered, "bad_signature", "DECODE_CALL_PARAM");
  assert_cc_refused (f->bob, bad_sig, "bad_signature", "DECODE_CALL_PARAM");
  assert_cc_refused (f->bob, expired, "expired", "INVALID_PARAM");
  assert_cc_refused (f->carol, cc, "wrong_user", "INVALID_PARAM");
  assert_cc_refused (f->alice, cc, "wrong_user", "INVALID_PARAM");
  duet_test_assert_quiet (f->alice, 50);

  reply = duet_test_requestf (f->bob, "{\"type\":\"verify_call\",\"cc_param\":\"%s\"}", cc);
  duet_test_assert_reply (reply);
  assert_cc_refused (f->bob, cc, "replayed", "REUSE");

  duet_test_expect_reply (f->alice, END, call_id);
  assert_cc_refused (f->bob, cc, "call_ended", "INVALID_PARAM");
}

static void
test_not_your_call (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = ringing_call (f);

  duet_test_expect_error (f->carol, "no_such_call", ACCEPT, call_id);
  duet_test_expect_error (f->carol, "no_such_call", END, call_id);
  duet_test_expect_error (f->carol, "no_such_call", OFFER, call_id);
  duet_test_expect_error (f->carol, "no_such_call",
                "{\"type\":\"media_state\",\"call_id\":\"%s\",\"mic_muted\":true}", call_id);
  duet_test_expect_error (f->carol, "no_such_call", END, "00000000-0000-0000-0000-000000000000");
  duet_test_expect_error (f->carol, "bad_message", "{\"type\":\"end_call\"%s}", "");
  duet_test_assert_quiet (f->alice, 50);
  duet_test_assert_quiet (f->bob, 50);

  /* the call is unaffected */
  duet_test_expect_reply (f->bob, ACCEPT, call_id);
  duet_test_assert_next (f->alice, "connected");
  duet_test_expect_reply (f->alice, END, call_id);
  duet_test_assert_disconnected (f->bob, call_id, "NORMAL", "CALLER", TRUE);
}

static void
test_bad_state (Fixture *f, gconstpointer data)
{
  g_autofree char *cc = NULL;
  g_autofree char *call_id = duet_test_make_call (f->alice, "bob", &cc, f->bob);
  g_autoptr(JsonObject) reply = NULL;

  duet_test_expect_error (f->bob, "bad_state", ACCEPT, call_id);        /* before verify */
  duet_test_expect_error (f->bob, "bad_state", OFFER, call_id);         /* before verify */
  reply = duet_test_requestf (f->bob, "{\"type\":\"verify_call\",\"cc_param\":\"%s\"}", cc);
  duet_test_assert_reply (reply);
  duet_test_expect_error (f->alice, "bad_state", ACCEPT, call_id);      /* the caller */
  duet_test_expect_error (f->alice, "bad_state",
                "{\"type\":\"media_state\",\"call_id\":\"%s\",\"mic_muted\":true}", call_id);
  duet_test_expect_reply (f->bob, ACCEPT, call_id);
  duet_test_expect_error (f->bob, "bad_state", ACCEPT, call_id);        /* twice */
}

static void
test_signal_relay (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = ringing_call (f);
  g_autoptr(JsonObject) event = NULL;
  JsonObject *payload;
  static const char *bad[] = {
    "{\"type\":\"signal\",\"call_id\":\"%s\",\"payload\":{\"type\":\"bye\"}}",
    "{\"type\":\"signal\",\"call_id\":\"%s\",\"payload\":{\"type\":\"offer\"}}",
    "{\"type\":\"signal\",\"call_id\":\"%s\",\"payload\":{\"type\":\"offer\",\"sdp\":5}}",
    "{\"type\":\"signal\",\"call_id\":\"%s\",\"payload\":{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMLineIndex\":64}}",
    "{\"type\":\"signal\",\"call_id\":\"%s\",\"payload\":{\"type\":\"candidate\",\"candidate\":\"c\"}}",
    "{\"type\":\"signal\",\"call_id\":\"%s\",\"payload\":{\"type\":\"candidate\",\"candidate\":1,\"sdpMLineIndex\":0}}",
    "{\"type\":\"signal\",\"call_id\":\"%s\",\"payload\":\"offer\"}",
    "{\"type\":\"signal\",\"call_id\":\"%s\"}",
  };

  duet_test_expect_reply (f->alice, OFFER, call_id);
  event = duet_test_client_next (f->bob, DUET_TEST_TIMEOUT_MS);
  g_assert_cmpstr (duet_test_get_string (event, "type"), ==, "signal");
  g_assert_cmpstr (duet_test_get_string (event, "call_id"), ==, call_id);
  payload = json_object_get_object_member (event, "payload");
  g_assert_cmpstr (json_object_get_string_member (payload, "type"), ==, "offer");
  g_assert_cmpstr (json_object_get_string_member (payload, "sdp"), ==, "v=0\r\n");
  g_clear_pointer (&event, json_object_unref);

  duet_test_expect_reply (f->bob, "{\"type\":\"signal\",\"call_id\":\"%s\",\"payload\":{\"type\":\"candidate\","
                "\"candidate\":\"candidate:1 1 UDP 2015363327 127.0.0.1 40123 typ host\","
                "\"sdpMLineIndex\":0,\"sdpMid\":\"video0\",\"extra\":\"dropped\"}}", call_id);
  event = duet_test_client_next (f->alice, DUET_TEST_TIMEOUT_MS);
  payload = json_object_get_object_member (event, "payload");
  g_assert_cmpstr (json_object_get_string_member (payload, "type"), ==, "candidate");
  g_assert_cmpint (json_object_get_int_member (payload, "sdpMLineIndex"), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (payload, "sdpMid"), ==, "video0");
  g_assert_false (json_object_has_member (payload, "extra"));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *json = NULL;
      g_autoptr(JsonObject) reply = NULL;

      {
        g_auto(GStrv) pieces = g_strsplit (bad[i], "%s", 2);
        json = g_strjoinv (call_id, pieces);
      }
      reply = duet_test_client_request (f->alice, json);
      duet_test_assert_error (reply, "bad_message");
    }
  duet_test_assert_quiet (f->bob, 50);
}

static void
test_media_state (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  g_autoptr(JsonObject) event = NULL;

  duet_test_expect_reply (f->alice, "{\"type\":\"media_state\",\"call_id\":\"%s\",\"mic_muted\":true,"
                "\"video_state\":\"paused\",\"reason\":\"BY_USER\"}", call_id);
  event = duet_test_client_next (f->bob, DUET_TEST_TIMEOUT_MS);
  g_assert_cmpstr (duet_test_get_string (event, "type"), ==, "peer_media_state");
  g_assert_true (json_object_get_boolean_member (event, "mic_muted"));
  g_assert_cmpstr (duet_test_get_string (event, "video_state"), ==, "paused");
  g_assert_cmpstr (duet_test_get_string (event, "reason"), ==, "BY_USER");

  duet_test_expect_error (f->alice, "bad_message",
                "{\"type\":\"media_state\",\"call_id\":\"%s\",\"video_state\":\"sideways\"}", call_id);
  duet_test_expect_error (f->alice, "bad_message",
                "{\"type\":\"media_state\",\"call_id\":\"%s\",\"mic_muted\":\"yes\"}", call_id);
  duet_test_assert_quiet (f->bob, 50);
}

static void
test_history (Fixture *f, gconstpointer data)
{
  g_autofree char *first = duet_test_connect_call (f->alice, f->bob, "bob");
  g_autofree char *second = NULL;
  g_autoptr(JsonObject) mine = NULL;
  g_autoptr(JsonObject) theirs = NULL;
  g_autoptr(JsonObject) limited = NULL;
  JsonArray *calls;
  JsonObject *entry;

  duet_test_expect_reply (f->alice, END, first);
  duet_test_assert_disconnected (f->bob, first, "NORMAL", "CALLER", TRUE);
  second = duet_test_make_call (f->bob, "carol", NULL, f->carol);
  duet_test_expect_reply (f->carol, END, second);
  duet_test_assert_disconnected (f->bob, second, "DECLINE", "CALLEE", TRUE);

  mine = duet_test_client_request (f->alice, "{\"type\":\"history\"}");
  calls = json_object_get_array_member (mine, "calls");
  g_assert_cmpuint (json_array_get_length (calls), ==, 1);
  entry = json_array_get_object_element (calls, 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "call_id"), ==, first);
  g_assert_cmpstr (json_object_get_string_member (entry, "direction"), ==, "outgoing");
  g_assert_cmpstr (json_object_get_string_member (entry, "peer_user"), ==, "bob");
  g_assert_cmpstr (json_object_get_string_member (entry, "reason"), ==, "NORMAL");
  g_assert_cmpint (json_object_get_int_member (entry, "reason_code"), ==, 1001);
  g_assert_cmpstr (json_object_get_string_member (entry, "source"), ==, "CALLER");
  g_assert_cmpint (json_object_get_int_member (entry, "source_code"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (entry, "media_type"), ==, "audiovideo");
  g_assert_true (json_object_get_int_member (entry, "invited_at") > 0);
  g_assert_true (json_object_get_int_member (entry, "answered_at") >= json_object_get_int_member (entry, "invited_at"));
  g_assert_true (json_object_get_int_member (entry, "ended_at") >= json_object_get_int_member (entry, "answered_at"));
  g_assert_false (json_object_get_boolean_member (entry, "missed"));

  theirs = duet_test_client_request (f->carol, "{\"type\":\"history\"}");
  calls = json_object_get_array_member (theirs, "calls");
  g_assert_cmpuint (json_array_get_length (calls), ==, 1);
  entry = json_array_get_object_element (calls, 0);
  g_assert_cmpstr (json_object_get_string_member (entry, "call_id"), ==, second);
  g_assert_true (json_object_get_boolean_member (entry, "missed"));
  g_assert_cmpstr (json_object_get_string_member (entry, "reason"), ==, "DECLINE");

  limited = duet_test_client_request (f->bob, "{\"type\":\"history\",\"limit\":1}");
  calls = json_object_get_array_member (limited, "calls");
  g_assert_cmpuint (json_array_get_length (calls), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (calls, 0), "call_id"), ==, second);

  duet_test_expect_error (f->bob, "bad_message", "{\"type\":\"history\",\"limit\":0%s}", "");
  duet_test_expect_error (f->bob, "bad_message", "{\"type\":\"history\",\"limit\":201%s}", "");
  duet_test_expect_error (f->bob, "bad_message", "{\"type\":\"history\",\"limit\":\"5\"%s}", "");
}

static void
test_metrics_count_calls (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  g_autofree char *metrics = NULL;

  g_assert_cmpuint (duet_test_http (f->server, "GET", "/metrics", NULL, &metrics, NULL), ==, 200);
  g_assert_nonnull (strstr (metrics, "\nduet_active_calls 1\n"));
  g_assert_nonnull (strstr (metrics, "\nduet_calls_started_total 1\n"));
  g_assert_nonnull (strstr (metrics, "\nduet_connections 3\n"));
  g_clear_pointer (&metrics, g_free);

  duet_test_expect_reply (f->alice, END, call_id);
  duet_test_assert_disconnected (f->bob, call_id, "NORMAL", "CALLER", TRUE);
  g_assert_cmpuint (duet_test_http (f->server, "GET", "/metrics", NULL, &metrics, NULL), ==, 200);
  g_assert_nonnull (strstr (metrics, "\nduet_active_calls 0\n"));
  g_assert_nonnull (strstr (metrics, "duet_calls_ended_total{reason=\"NORMAL\"} 1\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/server/calls/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("normal-by-caller", test_normal_by_caller);
  ADD ("normal-by-callee", test_normal_by_callee);
  ADD ("normal-by-callee-fields", test_normal_by_callee_fields);
  ADD ("cancel", test_cancel);
  ADD ("cancel-while-waiting", test_cancel_while_waiting);
  ADD ("decline", test_decline);
  ADD ("end-reasons", test_end_reasons);
  ADD ("noanswer", test_noanswer);
  ADD ("busy", test_busy);
  ADD ("already-got-a-call", test_already_got_a_call);
  ADD ("network-unstable", test_network_unstable);
  ADD ("reconnect-within-grace", test_reconnect_within_grace);
  ADD ("replaced-session-keeps-call", test_replaced_session_keeps_call);
  ADD ("auth-error", test_auth_error);
  ADD ("service-maintenance", test_service_maintenance);
  ADD ("restart-keeps-connected-call", test_restart_keeps_connected_call);
  ADD ("restart-party-missing", test_restart_party_missing);
  ADD ("restart-after-kill", test_restart_after_kill);
  ADD ("invite-flood-one-caller", test_invite_flood_one_caller);
  ADD ("invite-flood-many-callers", test_invite_flood_many_callers);
  ADD ("offline-callee", test_offline_callee);
  ADD ("missed-call", test_missed_call);
  ADD ("start-fail", test_start_fail);
  ADD ("cc-param-attacks", test_cc_param_attacks);
  ADD ("not-your-call", test_not_your_call);
  ADD ("bad-state", test_bad_state);
  ADD ("signal-relay", test_signal_relay);
  ADD ("media-state", test_media_state);
  ADD ("history", test_history);
  ADD ("metrics-count-calls", test_metrics_count_calls);

  return g_test_run ();
}
