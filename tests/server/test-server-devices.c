/* test-server-devices.c: one user on several devices (docs/protocol.md,
 * Devices): every device rings, the first answer wins, devices are listed
 * and signed out, missed calls are seen once for all
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "duet-test-client.h"

#define N_BOB 3

typedef struct
{
  DuetTestServer *server;
  DuetTestClient *alice;
  DuetTestClient *carol;
  DuetTestClient *bob[N_BOB];   /* bob's desk, laptop and tablet */
} Fixture;

static const char * const bob_devices[N_BOB] = { "desk", "laptop", "tablet" };

#define END "{\"type\":\"end_call\",\"call_id\":\"%s\"}"
#define ACCEPT "{\"type\":\"accept_call\",\"call_id\":\"%s\"}"
#define VERIFY "{\"type\":\"verify_call\",\"cc_param\":\"%s\"}"
#define OFFER "{\"type\":\"signal\",\"call_id\":\"%s\",\"payload\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}"
#define ANSWER "{\"type\":\"signal\",\"call_id\":\"%s\",\"payload\":{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}}"

/* Skips the device list updates a client gets as others come and go */
static JsonObject *
next_call_event (DuetTestClient *client)
{
  for (;;)
    {
      JsonObject *event = duet_test_client_next (client, DUET_TEST_TIMEOUT_MS);

      g_assert_nonnull (event);
      if (g_strcmp0 (duet_test_get_string (event, "type"), "devices_changed") != 0)
        return event;
      json_object_unref (event);
    }
}

static void
assert_next_call_event (DuetTestClient *client,
                        const char     *type)
{
  g_autoptr(JsonObject) event = next_call_event (client);

  g_assert_cmpstr (duet_test_get_string (event, "type"), ==, type);
}

static void
assert_no_call_event (DuetTestClient *client,
                      guint           ms)
{
  gint64 deadline = g_get_monotonic_time () + ms * 1000;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr(JsonObject) event = duet_test_client_next (client, 20);

      if (event != NULL && g_strcmp0 (duet_test_get_string (event, "type"), "devices_changed") != 0)
        g_error ("unexpected %s", duet_test_get_string (event, "type"));
    }
}

static void
assert_ended (DuetTestClient *client,
              const char     *call_id,
              const char     *reason,
              const char     *source,
              gboolean        by_remote)
{
  g_autoptr(JsonObject) event = next_call_event (client);

  g_assert_cmpstr (duet_test_get_string (event, "type"), ==, "disconnected");
  g_assert_cmpstr (duet_test_get_string (event, "call_id"), ==, call_id);
  g_assert_cmpstr (duet_test_get_string (event, "reason"), ==, reason);
  g_assert_cmpstr (duet_test_get_string (event, "source"), ==, source);
  g_assert_cmpint (json_object_get_boolean_member (event, "by_remote"), ==, by_remote);
}

static void
start_server (Fixture            *f,
              const char * const *args)
{
  f->server = duet_test_server_new (args);
  duet_test_server_start (f->server);
  f->alice = duet_test_client_sign_in (f->server, "alice");
  f->carol = duet_test_client_sign_in (f->server, "carol");
}

static void
sign_in_bob (Fixture *f,
             guint    n)
{
  for (guint i = 0; i < n; i++)
    {
      f->bob[i] = duet_test_client_sign_in_device (f->server, "bob", bob_devices[i]);
      g_assert_cmpstr (duet_test_get_string (f->bob[i]->hello, "device_id"), ==, bob_devices[i]);
    }
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const char *args[] = { "--ring-timeout", "3", NULL };

  start_server (f, args);
  sign_in_bob (f, GPOINTER_TO_UINT (data));
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_clear_pointer (&f->alice, duet_test_client_free);
  g_clear_pointer (&f->carol, duet_test_client_free);
  for (guint i = 0; i < N_BOB; i++)
    g_clear_pointer (&f->bob[i], duet_test_client_free);
  g_clear_pointer (&f->server, duet_test_server_free);
}

/* alice calls bob: every online device of bob rings, each with its own
 * cc_param (returned in @cc, one per device) */
static char *
call_bob (Fixture *f,
          guint    n,
          char    *cc[N_BOB])
{
  g_autoptr(JsonObject) reply = duet_test_client_request (f->alice,
                                                          "{\"type\":\"make_call\",\"peer_user\":\"bob\","
                                                          "\"media_type\":\"audiovideo\"}");
  char *call_id;

  duet_test_assert_reply (reply);
  call_id = g_strdup (duet_test_get_string (reply, "call_id"));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(JsonObject) incoming = next_call_event (f->bob[i]);

      g_assert_cmpstr (duet_test_get_string (incoming, "type"), ==, "incoming_call");
      g_assert_cmpstr (duet_test_get_string (incoming, "call_id"), ==, call_id);
      cc[i] = g_strdup (duet_test_get_string (incoming, "cc_param"));
      for (guint j = 0; j < i; j++)
        g_assert_cmpstr (cc[i], !=, cc[j]);
    }
  return call_id;
}

static void
free_cc (char *cc[N_BOB])
{
  for (guint i = 0; i < N_BOB; i++)
    g_clear_pointer (&cc[i], g_free);
}

static void
verify (DuetTestClient *client,
        const char     *cc)
{
  g_autoptr(JsonObject) reply = duet_test_requestf (client, VERIFY, cc);

  duet_test_assert_reply (reply);
}

static JsonObject *
devices_of (DuetTestClient *client)
{
  JsonObject *reply = duet_test_client_request (client, "{\"type\":\"devices\"}");

  duet_test_assert_reply (reply);
  return reply;
}

static JsonObject *
find_device (JsonObject *reply,
             const char *device_id)
{
  JsonArray *devices = json_object_get_array_member (reply, "devices");

  for (guint i = 0; i < json_array_get_length (devices); i++)
    {
      JsonObject *device = json_array_get_object_element (devices, i);

      if (g_strcmp0 (duet_test_get_string (device, "device_id"), device_id) == 0)
        return device;
    }
  return NULL;
}

/* ---- signing in ------------------------------------------------------- */

static void
test_side_by_side (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) list = devices_of (f->bob[1]);
  g_autoptr(JsonObject) changed = NULL;
  g_autoptr(JsonObject) replaced = NULL;
  JsonObject *desk, *laptop;
  DuetTestClient *again;

  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "devices")), ==, 2);
  desk = find_device (list, "desk");
  laptop = find_device (list, "laptop");
  g_assert_true (json_object_get_boolean_member (desk, "online"));
  g_assert_false (json_object_get_boolean_member (desk, "current"));
  g_assert_true (json_object_get_boolean_member (laptop, "current"));
  g_assert_cmpstr (duet_test_get_string (desk, "name"), ==, "duet-server token");

  /* the desk heard of the laptop */
  changed = duet_test_client_wait_event (f->bob[0], "devices_changed", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (changed);
  g_assert_nonnull (find_device (changed, "laptop"));
  g_assert_true (json_object_get_boolean_member (find_device (changed, "desk"), "current"));

  /* the same device again replaces its old connection only */
  again = duet_test_client_sign_in_device (f->server, "bob", "laptop");
  replaced = duet_test_client_wait_event (f->bob[1], "session_replaced", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (replaced);
  g_assert_true (duet_test_client_wait_closed (f->bob[1], DUET_TEST_TIMEOUT_MS));
  g_assert_cmpint (f->bob[1]->close_code, ==, 4001);
  g_assert_false (f->bob[0]->closed);
  duet_test_client_free (f->bob[1]);
  f->bob[1] = again;
}

static void
test_offline_device_listed (Fixture *f, gconstpointer data)
{
  g_autoptr(JsonObject) changed = NULL;
  g_autoptr(JsonObject) list = NULL;
  JsonObject *laptop;

  duet_test_client_close (f->bob[1]);
  /* the desk hears the laptop went offline */
  do
    {
      g_clear_pointer (&changed, json_object_unref);
      changed = duet_test_client_wait_event (f->bob[0], "devices_changed", DUET_TEST_TIMEOUT_MS);
      g_assert_nonnull (changed);
    }
  while (json_object_get_boolean_member (find_device (changed, "laptop"), "online"));

  list = devices_of (f->bob[0]);
  laptop = find_device (list, "laptop");
  g_assert_nonnull (laptop);
  g_assert_false (json_object_get_boolean_member (laptop, "online"));
  g_assert_cmpint (json_object_get_int_member (laptop, "last_seen_at"), >,
                   json_object_get_int_member (laptop, "created_at") - 1);
}

/* ---- ringing ---------------------------------------------------------- */

static void
test_answer_on_lead (Fixture *f, gconstpointer data)
{
  char *cc[N_BOB] = { NULL };
  g_autofree char *call_id = call_bob (f, 2, cc);
  g_autoptr(JsonObject) verified = NULL, connected = NULL, offer = NULL;

  verify (f->bob[0], cc[0]);
  verified = next_call_event (f->alice);
  g_assert_cmpstr (duet_test_get_string (verified, "type"), ==, "verified");
  verify (f->bob[1], cc[1]);

  /* media is set up with the first to verify; the other cannot signal */
  duet_test_expect_reply (f->alice, OFFER, call_id);
  offer = next_call_event (f->bob[0]);
  g_assert_cmpstr (duet_test_get_string (offer, "type"), ==, "signal");
  duet_test_expect_error (f->bob[1], "bad_state", ANSWER, call_id);
  duet_test_expect_reply (f->bob[0], ANSWER, call_id);
  g_clear_pointer (&offer, json_object_unref);
  offer = next_call_event (f->alice);
  g_assert_cmpstr (duet_test_get_string (offer, "type"), ==, "signal");

  duet_test_expect_reply (f->bob[0], ACCEPT, call_id);
  connected = next_call_event (f->alice);
  g_assert_cmpstr (duet_test_get_string (connected, "type"), ==, "connected");
  g_assert_false (json_object_has_member (connected, "renegotiate"));
  assert_ended (f->bob[1], call_id, "MULTIDEV_ANSWER", "CLOUD_SERVER", TRUE);

  /* the other device is out of the call */
  duet_test_expect_error (f->bob[1], "no_such_call", END, call_id);
  duet_test_expect_reply (f->bob[0], END, call_id);
  assert_ended (f->alice, call_id, "NORMAL", "CALLEE", TRUE);
  assert_no_call_event (f->bob[1], 100);
  free_cc (cc);
}

/* Another device than the one that set up media answers: the caller
 * offers again, to it */
static void
test_answer_elsewhere_renegotiates (Fixture *f, gconstpointer data)
{
  char *cc[N_BOB] = { NULL };
  g_autofree char *call_id = call_bob (f, 3, cc);
  g_autoptr(JsonObject) connected = NULL, mine = NULL, offer = NULL;

  for (guint i = 0; i < 3; i++)
    verify (f->bob[i], cc[i]);
  assert_next_call_event (f->alice, "verified");

  duet_test_expect_reply (f->bob[2], ACCEPT, call_id);
  connected = next_call_event (f->alice);
  g_assert_cmpstr (duet_test_get_string (connected, "type"), ==, "connected");
  g_assert_true (json_object_get_boolean_member (connected, "renegotiate"));
  mine = next_call_event (f->bob[2]);
  g_assert_cmpstr (duet_test_get_string (mine, "type"), ==, "connected");
  g_assert_false (json_object_has_member (mine, "renegotiate"));
  assert_ended (f->bob[0], call_id, "MULTIDEV_ANSWER", "CLOUD_SERVER", TRUE);
  assert_ended (f->bob[1], call_id, "MULTIDEV_ANSWER", "CLOUD_SERVER", TRUE);

  /* the caller's next offer goes to the device that answered */
  duet_test_expect_reply (f->alice, OFFER, call_id);
  offer = next_call_event (f->bob[2]);
  g_assert_cmpstr (duet_test_get_string (offer, "type"), ==, "signal");
  duet_test_expect_reply (f->bob[2], ANSWER, call_id);
  assert_no_call_event (f->bob[0], 100);
  free_cc (cc);
}

static void
test_cc_param_per_device (Fixture *f, gconstpointer data)
{
  char *cc[N_BOB] = { NULL };
  g_autofree char *call_id = call_bob (f, 2, cc);
  g_autoptr(JsonObject) refused = duet_test_requestf (f->bob[1], VERIFY, cc[0]);

  duet_test_assert_error (refused, "invalid_cc_param");
  g_assert_cmpstr (duet_test_get_string (refused, "detail"), ==, "wrong_device");
  /* carol cannot use bob's either */
  g_clear_pointer (&refused, json_object_unref);
  refused = duet_test_requestf (f->carol, VERIFY, cc[0]);
  g_assert_cmpstr (duet_test_get_string (refused, "detail"), ==, "wrong_user");

  /* accept before verify is refused per device */
  verify (f->bob[0], cc[0]);
  duet_test_expect_error (f->bob[1], "bad_state", ACCEPT, call_id);
  g_clear_pointer (&refused, json_object_unref);
  verify (f->bob[1], cc[1]);
  refused = duet_test_requestf (f->bob[1], VERIFY, cc[1]);
  g_assert_cmpstr (duet_test_get_string (refused, "detail"), ==, "replayed");
  free_cc (cc);
}

static void
test_decline_on_one (Fixture *f, gconstpointer data)
{
  char *cc[N_BOB] = { NULL };
  g_autofree char *call_id = call_bob (f, 3, cc);

  verify (f->bob[0], cc[0]);
  verify (f->bob[2], cc[2]);
  duet_test_expect_reply (f->bob[2], END, call_id);
  while (TRUE)
    {
      g_autoptr(JsonObject) event = next_call_event (f->alice);

      if (g_str_equal (duet_test_get_string (event, "type"), "disconnected"))
        {
          g_assert_cmpstr (duet_test_get_string (event, "reason"), ==, "DECLINE");
          g_assert_cmpstr (duet_test_get_string (event, "source"), ==, "CALLEE");
          break;
        }
      g_assert_cmpstr (duet_test_get_string (event, "type"), ==, "verified");
    }
  assert_ended (f->bob[2], call_id, "DECLINE", "CALLEE", FALSE);
  assert_ended (f->bob[0], call_id, "MULTIDEV_DECLINE", "CLOUD_SERVER", TRUE);
  assert_ended (f->bob[1], call_id, "MULTIDEV_DECLINE", "CLOUD_SERVER", TRUE);
  free_cc (cc);
}

static void
test_cancel_reaches_all (Fixture *f, gconstpointer data)
{
  char *cc[N_BOB] = { NULL };
  g_autofree char *call_id = call_bob (f, 3, cc);

  verify (f->bob[1], cc[1]);
  duet_test_expect_reply (f->alice, END, call_id);
  for (guint i = 0; i < 3; i++)
    assert_ended (f->bob[i], call_id, "CANCEL", "CALLER", TRUE);
  free_cc (cc);
}

/* The ring timer is the call's, whichever devices verify and when */
static void
test_noanswer_reaches_all (Fixture *f, gconstpointer data)
{
  char *cc[N_BOB] = { NULL };
  g_autofree char *call_id = call_bob (f, 2, cc);
  gint64 start = g_get_monotonic_time ();

  verify (f->bob[0], cc[0]);
  duet_test_iterate (1000);
  verify (f->bob[1], cc[1]);
  assert_ended (f->bob[0], call_id, "NOANSWER", "CALLER", TRUE);
  assert_ended (f->bob[1], call_id, "NOANSWER", "CALLER", TRUE);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 3900 * 1000);
  free_cc (cc);
}

/* A device that signs in while the call rings rings too */
static void
test_late_device_rings (Fixture *f, gconstpointer data)
{
  char *cc[N_BOB] = { NULL };
  g_autofree char *call_id = call_bob (f, 1, cc);
  g_autoptr(JsonObject) incoming = NULL, connected = NULL;

  verify (f->bob[0], cc[0]);
  f->bob[1] = duet_test_client_sign_in_device (f->server, "bob", "laptop");
  incoming = next_call_event (f->bob[1]);
  g_assert_cmpstr (duet_test_get_string (incoming, "type"), ==, "incoming_call");
  g_assert_cmpstr (duet_test_get_string (incoming, "call_id"), ==, call_id);
  verify (f->bob[1], duet_test_get_string (incoming, "cc_param"));

  duet_test_expect_reply (f->bob[1], ACCEPT, call_id);
  assert_ended (f->bob[0], call_id, "MULTIDEV_ANSWER", "CLOUD_SERVER", TRUE);
  assert_next_call_event (f->alice, "verified");
  connected = next_call_event (f->alice);
  g_assert_true (json_object_get_boolean_member (connected, "renegotiate"));
  free_cc (cc);
}

/* Before the answer, a callee whose other devices still ring is there */
static void
test_lost_device_while_others_ring (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--ring-timeout", "10", "--grace-period", "1", NULL };
  char *cc[N_BOB] = { NULL };
  g_autofree char *call_id = NULL;

  start_server (f, args);
  sign_in_bob (f, 2);
  call_id = call_bob (f, 2, cc);
  verify (f->bob[0], cc[0]);
  duet_test_client_close (f->bob[0]);
  duet_test_iterate (1500);   /* past the grace period */
  verify (f->bob[1], cc[1]);
  duet_test_expect_reply (f->bob[1], ACCEPT, call_id);
  assert_next_call_event (f->alice, "verified");
  assert_next_call_event (f->alice, "connected");
  free_cc (cc);
}

/* ---- busy ------------------------------------------------------------- */

static void assert_missed (DuetTestClient *client,
                           const char     *call_id);

static void
test_busy_and_in_use (Fixture *f, gconstpointer data)
{
  char *cc[N_BOB] = { NULL };
  g_autofree char *call_id = call_bob (f, 2, cc);
  g_autoptr(JsonObject) reply = NULL, hello = NULL;
  g_autofree char *busy = NULL;
  DuetTestClient *tablet;

  verify (f->bob[0], cc[0]);
  duet_test_expect_reply (f->bob[0], ACCEPT, call_id);
  assert_next_call_event (f->bob[0], "connected");
  assert_ended (f->bob[1], call_id, "MULTIDEV_ANSWER", "CLOUD_SERVER", TRUE);

  /* a call to bob is BUSY, whichever device is in the call */
  busy = duet_test_make_call (f->carol, "bob", NULL, NULL);
  duet_test_assert_disconnected (f->carol, busy, "BUSY", "CALLEE", TRUE);
  /* and each of bob's devices has a missed call */
  assert_missed (f->bob[0], busy);
  assert_missed (f->bob[1], busy);

  /* bob's other device cannot call: MULTIDEV_IN_USE, nobody hears of it */
  reply = duet_test_client_request (f->bob[1], "{\"type\":\"make_call\",\"peer_user\":\"carol\","
                                               "\"media_type\":\"audio\"}");
  duet_test_assert_reply (reply);
  assert_ended (f->bob[1], duet_test_get_string (reply, "call_id"), "MULTIDEV_IN_USE", "CLOUD_SERVER", TRUE);
  assert_no_call_event (f->carol, 100);

  /* the device in the call has one already */
  duet_test_expect_error (f->bob[0], "start_failed",
                          "{\"type\":\"make_call\",\"peer_user\":\"carol\",\"media_type\":\"audio\"}%s", "");

  /* a device that signs in now does not see the call as its own */
  tablet = duet_test_client_sign_in_device (f->server, "bob", "tablet");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (tablet->hello, "calls")), ==, 0);
  duet_test_expect_error (tablet, "no_such_call", END, call_id);
  duet_test_client_free (tablet);
  free_cc (cc);
}

/* ---- signing out ------------------------------------------------------ */

static void
assert_signed_out (DuetTestClient *client,
                   const char     *reason)
{
  g_autoptr(JsonObject) event = duet_test_client_wait_event (client, "signed_out", DUET_TEST_TIMEOUT_MS);

  g_assert_nonnull (event);
  g_assert_cmpstr (duet_test_get_string (event, "reason"), ==, reason);
  g_assert_true (duet_test_client_wait_closed (client, DUET_TEST_TIMEOUT_MS));
  g_assert_cmpint (client->close_code, ==, 4004);
}

static void
test_sign_out_other (Fixture *f, gconstpointer data)
{
  g_autofree char *laptop_token = duet_test_server_device_token (f->server, "bob", "laptop");
  g_autoptr(JsonObject) list = NULL;
  guint status = 0;

  duet_test_expect_error (f->bob[0], "no_such_device",
                          "{\"type\":\"sign_out_device\",\"device_id\":\"%s\"}", "phone");
  /* alice cannot sign out bob's devices: it is not hers */
  duet_test_expect_error (f->alice, "no_such_device",
                          "{\"type\":\"sign_out_device\",\"device_id\":\"%s\"}", "laptop");

  duet_test_expect_reply (f->bob[0], "{\"type\":\"sign_out_device\",\"device_id\":\"%s\"}", "laptop");
  assert_signed_out (f->bob[1], "by_user");
  g_assert_false (f->bob[0]->closed);

  /* its tokens are dead, even one made before */
  g_assert_null (duet_test_client_connect (f->server, laptop_token, &status));
  g_assert_cmpuint (status, ==, 401);
  g_assert_cmpuint (duet_test_http_bearer (f->server, "POST", "/v1/token/refresh", laptop_token,
                                           NULL, NULL), ==, 401);

  list = devices_of (f->bob[0]);
  g_assert_null (find_device (list, "laptop"));
  g_assert_nonnull (find_device (list, "desk"));
}

static void
test_sign_out_self_in_call (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = NULL;
  char *cc[N_BOB] = { NULL };

  call_id = call_bob (f, 2, cc);
  verify (f->bob[1], cc[1]);
  duet_test_expect_reply (f->bob[1], ACCEPT, call_id);

  /* the laptop in the call signs itself out: the call cannot go on */
  duet_test_expect_reply (f->bob[1], "{\"type\":\"sign_out_device\",\"device_id\":\"%s\"}", "laptop");
  assert_signed_out (f->bob[1], "by_user");
  while (TRUE)
    {
      g_autoptr(JsonObject) event = next_call_event (f->alice);

      if (g_str_equal (duet_test_get_string (event, "type"), "disconnected"))
        {
          g_assert_cmpstr (duet_test_get_string (event, "reason"), ==, "AUTH_ERROR");
          break;
        }
    }
  free_cc (cc);
}

static guint
password_sign_in (Fixture    *f,
                  const char *device_id,
                  char      **out_token)
{
  g_autofree char *body = g_strdup_printf ("{\"user\":\"bob\",\"password\":\"pw-bob\",\"device_id\":\"%s\","
                                           "\"device_name\":\"Bob’s %s\"}", device_id, device_id);
  g_autofree char *reply = NULL;
  g_autoptr(JsonObject) object = NULL;
  guint status = duet_test_http (f->server, "POST", "/v1/token", body, &reply, NULL);

  if (status == 200)
    {
      g_autoptr(JsonNode) node = json_from_string (reply, NULL);

      object = json_node_dup_object (node);
      g_assert_cmpstr (duet_test_get_string (object, "device_id"), ==, device_id);
      if (out_token != NULL)
        *out_token = g_strdup (duet_test_get_string (object, "token"));
    }
  return status;
}

/* Past the limit, the idlest device (not in a call, seen longest ago) goes */
static void
test_device_limit (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--max-devices", "2", NULL };
  g_autofree char *old_token = NULL, *token = NULL;
  g_autoptr(JsonObject) list = NULL;
  DuetTestClient *phone;

  start_server (f, args);
  g_assert_cmpuint (password_sign_in (f, "old", &old_token), ==, 200);
  sign_in_bob (f, 1);   /* desk: online */
  g_assert_cmpuint (password_sign_in (f, "phone", &token), ==, 200);

  /* "old" never connected: it made room; the desk is untouched */
  g_assert_false (f->bob[0]->closed);
  g_assert_null (duet_test_client_connect (f->server, old_token, NULL));
  phone = duet_test_client_connect (f->server, token, NULL);
  g_assert_nonnull (phone);
  list = devices_of (phone);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "devices")), ==, 2);
  g_assert_cmpstr (duet_test_get_string (find_device (list, "phone"), "name"), ==, "Bob’s phone");

  /* a third: the desk and the phone are both online (seen now), so the
   * older of the two goes */
  g_assert_cmpuint (password_sign_in (f, "watch", NULL), ==, 200);
  assert_signed_out (f->bob[0], "device_limit");
  g_assert_false (phone->closed);
  duet_test_client_free (phone);
}

/* A new password signs out every device, and the list starts over */
static void
test_revocation_signs_out_all (Fixture *f, gconstpointer data)
{
  const char *argv[] = { "user", "passwd", "--db", f->server->db, "--user", "bob",
                         "--password-stdin", "--kdf-cost", "min", NULL };
  g_autofree char *err = NULL;

  g_assert_cmpint (duet_test_run_cli (argv, "pw-bob\n", NULL, &err), ==, 0);
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (duet_test_client_wait_closed (f->bob[i], DUET_TEST_TIMEOUT_MS));
      g_assert_cmpint (f->bob[i]->close_code, ==, 4003);
    }
  g_assert_false (f->alice->closed);
  g_assert_cmpint (duet_test_server_device_key (f->server, "bob", "desk"), ==, -1);
}

/* ---- missed calls ----------------------------------------------------- */

static void
assert_missed (DuetTestClient *client,
               const char     *call_id)
{
  g_autoptr(JsonObject) event = next_call_event (client);

  g_assert_cmpstr (duet_test_get_string (event, "type"), ==, "missed_call");
  g_assert_cmpstr (duet_test_get_string (event, "call_id"), ==, call_id);
}

static gboolean
history_seen (DuetTestClient *client)
{
  g_autoptr(JsonObject) history = duet_test_client_request (client, "{\"type\":\"history\",\"limit\":1}");
  JsonObject *entry = json_array_get_object_element (json_object_get_array_member (history, "calls"), 0);

  g_assert_true (json_object_get_boolean_member (entry, "missed"));
  return json_object_get_boolean_member (entry, "seen");
}

static void
wait_signed_in_count (Fixture *f,
                      guint    count)
{
  g_autofree char *line = g_strdup_printf ("\nduet_authenticated_connections %u\n", count);
  gint64 deadline = g_get_monotonic_time () + DUET_TEST_TIMEOUT_MS * 1000;

  for (;;)
    {
      g_autofree char *metrics = NULL;

      g_assert_cmpuint (duet_test_http (f->server, "GET", "/metrics", NULL, &metrics, NULL), ==, 200);
      if (strstr (metrics, line) != NULL)
        return;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      duet_test_iterate (20);
    }
}

static void
test_missed_seen_once (Fixture *f, gconstpointer data)
{
  g_autofree char *call_id = NULL;
  g_autoptr(JsonObject) seen = NULL;
  DuetTestClient *tablet;

  duet_test_client_close (f->bob[0]);
  duet_test_client_close (f->bob[1]);
  g_clear_pointer (&f->bob[0], duet_test_client_free);
  g_clear_pointer (&f->bob[1], duet_test_client_free);
  wait_signed_in_count (f, 2);   /* alice and carol: bob is away */
  call_id = duet_test_make_call (f->alice, "bob", NULL, NULL);
  duet_test_expect_reply (f->alice, END, call_id);

  /* each device hears of it once it is back */
  sign_in_bob (f, 2);
  assert_missed (f->bob[0], call_id);
  assert_missed (f->bob[1], call_id);
  g_assert_false (history_seen (f->bob[0]));

  /* seen on the desk: the laptop is told, and the history says so */
  duet_test_expect_error (f->bob[0], "no_such_call", "{\"type\":\"mark_seen\",\"call_id\":\"%s\"}", "nope");
  duet_test_expect_error (f->alice, "no_such_call", "{\"type\":\"mark_seen\",\"call_id\":\"%s\"}", call_id);
  duet_test_expect_reply (f->bob[0], "{\"type\":\"mark_seen\",\"call_id\":\"%s\"}", call_id);
  seen = duet_test_client_wait_event (f->bob[1], "call_seen", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (seen);
  g_assert_cmpstr (duet_test_get_string (seen, "call_id"), ==, call_id);
  g_assert_true (history_seen (f->bob[1]));
  duet_test_expect_reply (f->bob[1], "{\"type\":\"mark_seen\",\"call_id\":\"%s\"}", call_id);
  assert_no_call_event (f->bob[0], 100);

  /* a device that was never connected does not hear of a seen call */
  tablet = duet_test_client_sign_in_device (f->server, "bob", "tablet");
  assert_no_call_event (tablet, 200);
  duet_test_client_free (tablet);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, n, func) \
  g_test_add ("/server/devices/" path, Fixture, GUINT_TO_POINTER (n), fixture_setup, func, fixture_teardown)
#define ADD_OWN(path, func) \
  g_test_add ("/server/devices/" path, Fixture, NULL, NULL, func, fixture_teardown)

  ADD ("side-by-side", 2, test_side_by_side);
  ADD ("offline-device-listed", 2, test_offline_device_listed);
  ADD ("answer-on-lead", 2, test_answer_on_lead);
  ADD ("answer-elsewhere-renegotiates", 3, test_answer_elsewhere_renegotiates);
  ADD ("cc-param-per-device", 2, test_cc_param_per_device);
  ADD ("decline-on-one", 3, test_decline_on_one);
  ADD ("cancel-reaches-all", 3, test_cancel_reaches_all);
  ADD ("noanswer-reaches-all", 2, test_noanswer_reaches_all);
  ADD ("late-device-rings", 1, test_late_device_rings);
  ADD_OWN ("lost-device-while-others-ring", test_lost_device_while_others_ring);
  ADD ("busy-and-in-use", 2, test_busy_and_in_use);
  ADD ("sign-out-other", 2, test_sign_out_other);
  ADD ("sign-out-self-in-call", 2, test_sign_out_self_in_call);
  ADD_OWN ("device-limit", test_device_limit);
  ADD ("revocation-signs-out-all", 3, test_revocation_signs_out_all);
  ADD ("missed-seen-once", 2, test_missed_seen_once);

  return g_test_run ();
}
