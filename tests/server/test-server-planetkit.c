/* test-server-planetkit.c: what PlanetKit's 1-to-1 calls have and the
 * server now carries: short data, user codes, responder preparation, and
 * the disconnect sources PlanetKit gives
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "duet-test-client.h"

typedef struct
{
  DuetTestServer *server;
  DuetTestClient *alice;
  DuetTestClient *bob;
  DuetTestClient *carol;
} Fixture;

/* Tests where a party leaves and comes back run with this, so that a
 * loaded machine cannot run out the grace period meanwhile */
static const char * const long_grace[] = { "--grace-period", "30", NULL };

/* @data: extra server arguments, or NULL */
static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->server = duet_test_server_new (data);
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

static gboolean
get_bool (JsonObject *object,
          const char *member)
{
  g_assert_true (json_object_has_member (object, member));
  return json_object_get_boolean_member (object, member);
}

static char *
base64_of_size (gsize n)
{
  g_autofree guint8 *data = g_malloc (n);

  for (gsize i = 0; i < n; i++)
    data[i] = (guint8) (i * 7 + 3);
  return g_base64_encode (data, n);
}

#define SHORT "{\"type\":\"short_data\",\"call_id\":\"%s\",\"data_type\":\"%s\",\"data\":\"%s\"}"
#define END "{\"type\":\"end_call\",\"call_id\":\"%s\"}"
#define END_CODE "{\"type\":\"end_call\",\"call_id\":\"%s\",\"reason\":\"USER_ERROR\",\"user_code\":\"%s\"}"
#define FINISH "{\"type\":\"finish_preparation\",\"call_id\":\"%s\"}"

/* ---- short data ------------------------------------------------------- */

static void
assert_short_data (DuetTestClient *to,
                   const char     *call_id,
                   const char     *data_type,
                   const char     *data)
{
  g_autoptr(JsonObject) event = duet_test_next_of_type (to, "short_data");

  g_assert_cmpstr (duet_test_get_string (event, "call_id"), ==, call_id);
  g_assert_cmpstr (duet_test_get_string (event, "data_type"), ==, data_type);
  g_assert_cmpstr (duet_test_get_string (event, "data"), ==, data);
}

static void
test_short_data_relay (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  guint8 every[256];
  g_autofree char *all_bytes = NULL;
  g_autofree char *longest = base64_of_size (800);
  g_autofree char *type99 = g_strnfill (99, 't');

  for (guint i = 0; i < sizeof every; i++)
    every[i] = i;
  all_bytes = g_base64_encode (every, sizeof every);

  duet_test_expect_reply (f->alice, SHORT, call_id, "chat", all_bytes);
  assert_short_data (f->bob, call_id, "chat", all_bytes);
  duet_test_expect_reply (f->bob, SHORT, call_id, "reply/ü", "AA==");
  assert_short_data (f->alice, call_id, "reply/ü", "AA==");

  /* the limits themselves */
  duet_test_expect_reply (f->bob, SHORT, call_id, type99, longest);
  assert_short_data (f->alice, call_id, type99, longest);
  duet_test_assert_quiet (f->alice, 50);
  duet_test_assert_quiet (f->bob, 50);
}

static void
test_short_data_limits (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  g_autofree char *too_long = base64_of_size (801);
  g_autofree char *type100 = g_strnfill (100, 't');
  g_autoptr(JsonObject) error = NULL;
  static const char *bad_base64[] = { "aGVsbG8", "aGVsbG8=x", "a-_b", "aGVs bG8=", "=AAA", "" };

  error = duet_test_requestf (f->alice, SHORT, call_id, "t", too_long);
  duet_test_assert_error (error, "bad_message");
  g_assert_nonnull (strstr (duet_test_get_string (error, "message"), "801 bytes"));
  g_assert_nonnull (strstr (duet_test_get_string (error, "message"), "1–800 bytes"));
  g_clear_pointer (&error, json_object_unref);

  error = duet_test_requestf (f->alice, SHORT, call_id, type100, "AA==");
  duet_test_assert_error (error, "bad_message");
  g_assert_nonnull (strstr (duet_test_get_string (error, "message"), "1–99 bytes"));

  for (guint i = 0; i < G_N_ELEMENTS (bad_base64); i++)
    duet_test_expect_error (f->alice, "bad_message", SHORT, call_id, "t", bad_base64[i]);
  duet_test_expect_error (f->alice, "bad_message", SHORT, call_id, "a\\tb", "AA==");
  duet_test_expect_error (f->alice, "bad_message", "{\"type\":\"short_data\",\"call_id\":\"%s\",\"data\":\"AA==\"}", call_id);
  duet_test_expect_error (f->alice, "bad_message", "{\"type\":\"short_data\",\"call_id\":\"%s\",\"data_type\":\"t\","
                "\"data\":[1]}", call_id);
  duet_test_assert_quiet (f->bob, 100);
}

static void
test_short_data_states (Fixture *f, gconstpointer data)
{
  g_autofree char *cc = NULL;
  g_autofree char *call_id = duet_test_make_call (f->alice, "bob", &cc, f->bob);
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonObject) error = NULL;
  g_autoptr(DuetTestClient) bob = NULL;

  /* waiting, then ringing: not connected */
  duet_test_expect_error (f->alice, "bad_state", SHORT, call_id, "t", "AA==");
  reply = duet_test_requestf (f->bob, "{\"type\":\"verify_call\",\"cc_param\":\"%s\"}", cc);
  duet_test_assert_reply (reply);
  g_clear_pointer (&reply, json_object_unref);
  duet_test_expect_error (f->bob, "bad_state", SHORT, call_id, "t", "AA==");

  /* not a party, or no call: the same answer */
  duet_test_expect_error (f->carol, "no_such_call", SHORT, call_id, "t", "AA==");
  duet_test_expect_error (f->carol, "no_such_call", SHORT, "00000000-0000-0000-0000-000000000000", "t", "AA==");

  duet_test_expect_reply (f->bob, "{\"type\":\"accept_call\",\"call_id\":\"%s\"}", call_id);
  duet_test_expect_reply (f->alice, SHORT, call_id, "t", "AA==");

  /* the peer is away (within its grace period): refused, not kept */
  duet_test_client_close (f->bob);
  error = duet_test_requestf (f->alice, SHORT, call_id, "t", "AQ==");
  duet_test_assert_error (error, "bad_state");
  g_assert_cmpstr (duet_test_get_string (error, "message"), ==, "The peer is not connected");
  bob = duet_test_client_sign_in (f->server, "bob");
  duet_test_assert_quiet (bob, 100);
  duet_test_expect_reply (f->alice, SHORT, call_id, "t", "Ag==");
  assert_short_data (bob, call_id, "t", "Ag==");

  duet_test_expect_reply (f->alice, END, call_id);
  duet_test_expect_error (f->alice, "no_such_call", SHORT, call_id, "t", "AA==");
}

/* ---- user codes ------------------------------------------------------- */

static void
assert_ended_with_code (DuetTestClient *client,
                        const char     *call_id,
                        const char     *reason,
                        const char     *source,
                        gboolean        by_remote,
                        const char     *user_code)
{
  g_autoptr(JsonObject) event = duet_test_client_wait_event (client, "disconnected", DUET_TEST_TIMEOUT_MS);

  g_assert_nonnull (event);
  g_assert_cmpstr (duet_test_get_string (event, "call_id"), ==, call_id);
  g_assert_cmpstr (duet_test_get_string (event, "reason"), ==, reason);
  g_assert_cmpstr (duet_test_get_string (event, "source"), ==, source);
  g_assert_cmpint (get_bool (event, "by_remote"), ==, by_remote);
  if (user_code == NULL)
    g_assert_false (json_object_has_member (event, "user_code"));
  else
    g_assert_cmpstr (duet_test_get_string (event, "user_code"), ==, user_code);
}

static JsonObject *
history_entry (DuetTestClient *client,
               const char     *call_id)
{
  g_autoptr(JsonObject) reply = duet_test_client_request (client, "{\"type\":\"history\",\"limit\":1}");
  JsonObject *entry;

  duet_test_assert_reply (reply);
  entry = json_array_get_object_element (json_object_get_array_member (reply, "calls"), 0);
  g_assert_nonnull (entry);
  g_assert_cmpstr (json_object_get_string_member (entry, "call_id"), ==, call_id);
  return json_object_ref (entry);
}

static void
test_user_code (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  g_autofree char *code127 = g_strnfill (127, 'c');
  g_autofree char *code128 = g_strnfill (128, 'c');
  g_autoptr(JsonObject) mine = NULL;
  g_autoptr(JsonObject) theirs = NULL;

  duet_test_expect_error (f->alice, "bad_message", END_CODE, call_id, code128);
  duet_test_expect_error (f->alice, "bad_message", END_CODE, call_id, "a\\u0007b");
  duet_test_expect_error (f->alice, "bad_message", END_CODE, call_id, "line\\nbreak");
  duet_test_expect_error (f->alice, "bad_message", END_CODE, call_id, "");
  duet_test_expect_error (f->alice, "bad_message", "{\"type\":\"end_call\",\"call_id\":\"%s\",\"user_code\":42}", call_id);
  duet_test_assert_quiet (f->bob, 50);

  duet_test_expect_reply (f->alice, END_CODE, call_id, code127);
  assert_ended_with_code (f->alice, call_id, "USER_ERROR", "CALLER", FALSE, code127);
  assert_ended_with_code (f->bob, call_id, "USER_ERROR", "CALLER", TRUE, code127);

  mine = history_entry (f->alice, call_id);
  theirs = history_entry (f->bob, call_id);
  g_assert_cmpstr (json_object_get_string_member (mine, "user_code"), ==, code127);
  g_assert_cmpstr (json_object_get_string_member (theirs, "user_code"), ==, code127);
  g_assert_cmpstr (json_object_get_string_member (theirs, "reason"), ==, "USER_ERROR");
}

/* A plain end may carry a code too; without one, history says null */
static void
test_user_code_plain_end (Fixture *f, gconstpointer data)
{
  g_autofree char *first = duet_test_connect_call (f->alice, f->bob, "bob");
  g_autofree char *second = NULL;
  g_autoptr(JsonObject) entry = NULL;

  duet_test_expect_reply (f->bob, "{\"type\":\"end_call\",\"call_id\":\"%s\",\"user_code\":\"bye 👋\"}", first);
  assert_ended_with_code (f->bob, first, "NORMAL", "CALLEE", FALSE, "bye 👋");
  assert_ended_with_code (f->alice, first, "NORMAL", "CALLEE", TRUE, "bye 👋");

  second = duet_test_connect_call (f->alice, f->bob, "bob");
  duet_test_expect_reply (f->alice, END, second);
  assert_ended_with_code (f->alice, second, "NORMAL", "CALLER", FALSE, NULL);
  assert_ended_with_code (f->bob, second, "NORMAL", "CALLER", TRUE, NULL);
  entry = history_entry (f->bob, second);
  g_assert_true (json_object_has_member (entry, "user_code"));
  g_assert_true (json_object_get_null_member (entry, "user_code"));
}

/* bob is away when alice ends: his disconnected, later, has the code */
static void
test_user_code_delivered_later (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  g_autoptr(DuetTestClient) bob = NULL;
  g_autoptr(JsonObject) entry = NULL;

  duet_test_client_close (f->bob);
  duet_test_expect_reply (f->alice, END_CODE, call_id, "E42");
  assert_ended_with_code (f->alice, call_id, "USER_ERROR", "CALLER", FALSE, "E42");

  bob = duet_test_client_sign_in (f->server, "bob");
  assert_ended_with_code (bob, call_id, "USER_ERROR", "CALLER", TRUE, "E42");
  entry = history_entry (bob, call_id);
  g_assert_cmpstr (json_object_get_string_member (entry, "user_code"), ==, "E42");
}

/* The code is stored with the call: it outlives a restart */
static void
test_user_code_after_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  g_autoptr(DuetTestClient) alice = NULL;
  g_autoptr(JsonObject) entry = NULL;

  duet_test_expect_reply (f->bob, END_CODE, call_id, "disk full");
  assert_ended_with_code (f->alice, call_id, "USER_ERROR", "CALLEE", TRUE, "disk full");
  g_assert_cmpint (duet_test_server_stop (f->server), ==, 0);
  duet_test_server_start (f->server);
  alice = duet_test_client_sign_in (f->server, "alice");
  entry = history_entry (alice, call_id);
  g_assert_cmpstr (json_object_get_string_member (entry, "user_code"), ==, "disk full");
  g_assert_cmpstr (json_object_get_string_member (entry, "source"), ==, "CALLEE");
}

/* ---- responder preparation -------------------------------------------- */

static char *
prepared_call (Fixture  *f,
               gboolean  verify_flag,
               gboolean  accept_flag)
{
  g_autofree char *cc = NULL;
  char *call_id = duet_test_make_call (f->alice, "bob", &cc, f->bob);
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonObject) verified = NULL;
  g_autoptr(JsonObject) bob_connected = NULL;
  g_autoptr(JsonObject) alice_connected = NULL;

  reply = duet_test_requestf (f->bob, "{\"type\":\"verify_call\",\"cc_param\":\"%s\"%s}", cc,
                   verify_flag ? ",\"use_responder_preparation\":true" : "");
  duet_test_assert_reply (reply);
  verified = duet_test_next_of_type (f->alice, "verified");
  g_assert_cmpint (get_bool (verified, "peer_use_responder_preparation"), ==, verify_flag);

  duet_test_expect_reply (f->bob, "{\"type\":\"accept_call\",\"call_id\":\"%s\",\"use_responder_preparation\":%s}",
                call_id, accept_flag ? "true" : "false");
  bob_connected = duet_test_next_of_type (f->bob, "connected");
  alice_connected = duet_test_next_of_type (f->alice, "connected");
  g_assert_cmpint (get_bool (bob_connected, "is_in_responder_preparation"), ==, accept_flag);
  g_assert_cmpint (get_bool (bob_connected, "should_finish_preparation"), ==, accept_flag);
  g_assert_cmpint (get_bool (alice_connected, "is_in_responder_preparation"), ==, accept_flag);
  g_assert_false (get_bool (alice_connected, "should_finish_preparation"));
  return call_id;
}

static void
test_preparation (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = prepared_call (f, TRUE, TRUE);
  g_autoptr(JsonObject) finished = NULL;

  duet_test_expect_error (f->alice, "bad_state", FINISH, call_id);
  duet_test_expect_error (f->carol, "no_such_call", FINISH, call_id);
  duet_test_expect_error (f->bob, "bad_message", "{\"type\":\"finish_preparation\"%s}", "");
  duet_test_assert_quiet (f->alice, 50);

  duet_test_expect_reply (f->bob, FINISH, call_id);
  finished = duet_test_next_of_type (f->alice, "preparation_finished");
  g_assert_cmpstr (duet_test_get_string (finished, "call_id"), ==, call_id);
  duet_test_assert_quiet (f->bob, 50);

  /* once only */
  duet_test_expect_error (f->bob, "bad_state", FINISH, call_id);
  duet_test_assert_quiet (f->alice, 50);
}

static void
test_preparation_not_used (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = prepared_call (f, FALSE, FALSE);

  duet_test_expect_error (f->bob, "bad_state", FINISH, call_id);
  duet_test_expect_error (f->alice, "bad_state", FINISH, call_id);
  duet_test_assert_quiet (f->alice, 50);
}

/* Said at verify, not at accept, or the other way round: accept decides */
static void
test_preparation_flags_independent (Fixture *f, gconstpointer data)
{
  g_autofree char *first = prepared_call (f, TRUE, FALSE);
  g_autofree char *second = NULL;
  g_autoptr(JsonObject) finished = NULL;

  duet_test_expect_error (f->bob, "bad_state", FINISH, first);
  duet_test_expect_reply (f->alice, END, first);
  duet_test_assert_disconnected (f->alice, first, "NORMAL", "CALLER", FALSE);
  duet_test_assert_disconnected (f->bob, first, "NORMAL", "CALLER", TRUE);

  second = prepared_call (f, FALSE, TRUE);
  duet_test_expect_reply (f->bob, FINISH, second);
  finished = duet_test_next_of_type (f->alice, "preparation_finished");
  g_assert_cmpstr (duet_test_get_string (finished, "call_id"), ==, second);
}

static void
test_preparation_before_connected (Fixture *f, gconstpointer data)
{
  g_autofree char *cc = NULL;
  g_autofree char *call_id = duet_test_make_call (f->alice, "bob", &cc, f->bob);
  g_autoptr(JsonObject) reply = NULL;

  duet_test_expect_error (f->bob, "bad_state", FINISH, call_id);
  reply = duet_test_requestf (f->bob, "{\"type\":\"verify_call\",\"cc_param\":\"%s\",\"use_responder_preparation\":true}", cc);
  duet_test_assert_reply (reply);
  duet_test_expect_error (f->bob, "bad_state", FINISH, call_id);
}

/* A callee back within its grace period still finds the call in
 * preparation, and may finish it */
static void
test_preparation_in_hello (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = prepared_call (f, TRUE, TRUE);
  g_autoptr(DuetTestClient) bob = NULL;
  g_autoptr(DuetTestClient) alice = NULL;
  JsonObject *call;

  duet_test_client_close (f->bob);
  bob = duet_test_client_sign_in (f->server, "bob");
  call = json_array_get_object_element (json_object_get_array_member (bob->hello, "calls"), 0);
  g_assert_nonnull (call);
  g_assert_cmpstr (json_object_get_string_member (call, "state"), ==, "connected");
  g_assert_true (get_bool (call, "in_responder_preparation"));

  duet_test_expect_reply (bob, FINISH, call_id);
  g_assert_nonnull (duet_test_client_wait_event (f->alice, "preparation_finished", DUET_TEST_TIMEOUT_MS));

  duet_test_client_close (f->alice);
  alice = duet_test_client_sign_in (f->server, "alice");
  call = json_array_get_object_element (json_object_get_array_member (alice->hello, "calls"), 0);
  g_assert_false (get_bool (call, "in_responder_preparation"));
}

/* ---- disconnect sources ----------------------------------------------- */

static void
assert_history_source (DuetTestClient *client,
                       const char     *call_id,
                       const char     *reason,
                       const char     *source)
{
  g_autoptr(JsonObject) entry = history_entry (client, call_id);

  g_assert_cmpstr (json_object_get_string_member (entry, "reason"), ==, reason);
  g_assert_cmpstr (json_object_get_string_member (entry, "source"), ==, source);
}

/* The ring timer is the caller's kit giving up: source CALLER */
static void
test_source_noanswer (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_make_call (f->alice, "bob", NULL, f->bob);

  duet_test_assert_disconnected (f->alice, call_id, "NOANSWER", "CALLER", FALSE);
  duet_test_assert_disconnected (f->bob, call_id, "NOANSWER", "CALLER", TRUE);
  assert_history_source (f->alice, call_id, "NOANSWER", "CALLER");
  assert_history_source (f->bob, call_id, "NOANSWER", "CALLER");
}

/* A caller away when the ring timer runs out (long grace period) hears
 * of it on its return, still as its own ending; the offline callee gets
 * a missed call */
static void
test_source_noanswer_later (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = NULL;
  g_autofree char *ended = NULL;
  g_autoptr(DuetTestClient) alice = NULL;
  g_autoptr(JsonObject) missed = NULL;

  duet_test_client_close (f->bob);
  call_id = duet_test_make_call (f->alice, "bob", NULL, NULL);
  duet_test_client_close (f->alice);
  ended = g_strdup_printf ("SELECT COUNT(*) FROM calls WHERE call_id = '%s' AND caller_pending = 1", call_id);
  while (duet_test_server_query_int (f->server, ended) == 0)
    duet_test_iterate (50);

  alice = duet_test_client_sign_in (f->server, "alice");
  duet_test_assert_disconnected (alice, call_id, "NOANSWER", "CALLER", FALSE);
  g_clear_pointer (&f->bob, duet_test_client_free);
  f->bob = duet_test_client_sign_in (f->server, "bob");
  missed = duet_test_next_of_type (f->bob, "missed_call");
  g_assert_cmpstr (duet_test_get_string (missed, "reason"), ==, "NOANSWER");
}

static void
test_source_busy (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");
  g_autofree char *second = duet_test_make_call (f->carol, "bob", NULL, NULL);
  g_autoptr(JsonObject) missed = NULL;

  duet_test_assert_disconnected (f->carol, second, "BUSY", "CALLEE", TRUE);
  missed = duet_test_client_wait_event (f->bob, "missed_call", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (missed);
  g_assert_cmpstr (duet_test_get_string (missed, "reason"), ==, "BUSY");
  assert_history_source (f->carol, second, "BUSY", "CALLEE");
  duet_test_assert_quiet (f->alice, 50);
  duet_test_expect_reply (f->alice, END, call_id);
}

/* The callee's own BUSY (end_call) still reaches it as disconnected */
static void
test_source_busy_by_callee (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_make_call (f->alice, "bob", NULL, f->bob);

  duet_test_expect_reply (f->bob, "{\"type\":\"end_call\",\"call_id\":\"%s\",\"reason\":\"BUSY\"}", call_id);
  duet_test_assert_disconnected (f->bob, call_id, "BUSY", "CALLEE", FALSE);
  duet_test_assert_disconnected (f->alice, call_id, "BUSY", "CALLEE", TRUE);
}

static void
test_source_already_got_a_call (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_make_call (f->alice, "bob", NULL, f->bob);
  g_autofree char *second = duet_test_make_call (f->carol, "bob", NULL, NULL);

  duet_test_assert_disconnected (f->carol, second, "ALREADY_GOT_A_CALL", "CLOUD_SERVER", TRUE);
  assert_history_source (f->carol, second, "ALREADY_GOT_A_CALL", "CLOUD_SERVER");
  duet_test_expect_reply (f->alice, END, call_id);
}

static void
test_source_network_unstable (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = duet_test_connect_call (f->alice, f->bob, "bob");

  duet_test_client_close (f->bob);
  duet_test_assert_disconnected (f->alice, call_id, "NETWORK_UNSTABLE", "CLOUD_SERVER", TRUE);
  assert_history_source (f->alice, call_id, "NETWORK_UNSTABLE", "CLOUD_SERVER");
}

static void
test_call_self (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) error = duet_test_requestf (f->alice, "{\"type\":\"make_call\",\"peer_user\":\"alice\","
                                                   "\"peer_service\":\"duet\",\"media_type\":\"audio\"}");

  duet_test_assert_error (error, "start_failed");
  g_assert_cmpstr (duet_test_get_string (error, "start_fail_reason"), ==, "ID_CONFLICT");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/server/planetkit/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)
#define ADD_LONG_GRACE(path, func) \
  g_test_add ("/server/planetkit/" path, Fixture, long_grace, fixture_setup, func, fixture_teardown)

  ADD ("short-data/relay", test_short_data_relay);
  ADD ("short-data/limits", test_short_data_limits);
  ADD_LONG_GRACE ("short-data/states", test_short_data_states);
  ADD ("user-code/both-parties", test_user_code);
  ADD ("user-code/plain-end", test_user_code_plain_end);
  ADD_LONG_GRACE ("user-code/delivered-later", test_user_code_delivered_later);
  ADD ("user-code/after-restart", test_user_code_after_restart);
  ADD ("preparation/finish", test_preparation);
  ADD ("preparation/not-used", test_preparation_not_used);
  ADD ("preparation/flags-independent", test_preparation_flags_independent);
  ADD ("preparation/before-connected", test_preparation_before_connected);
  ADD_LONG_GRACE ("preparation/in-hello", test_preparation_in_hello);
  ADD ("source/noanswer", test_source_noanswer);
  ADD_LONG_GRACE ("source/noanswer-later", test_source_noanswer_later);
  ADD ("source/busy", test_source_busy);
  ADD ("source/busy-by-callee", test_source_busy_by_callee);
  ADD ("source/already-got-a-call", test_source_already_got_a_call);
  ADD ("source/network-unstable", test_source_network_unstable);
  ADD ("call-self", test_call_self);

  return g_test_run ();
}
