/* test-messages.c: every message type round-trips, and each rule of
 * docs/protocol.md is refused with the right error
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "duet-message-table.h"

static const DuetMessageEntry *
entry_named (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (duet_message_table); i++)
    if (g_str_equal (duet_message_table[i].name, name))
      return &duet_message_table[i];
  g_error ("no message %s", name);
}

static JsonObject *
parse_text (const char *text)
{
  g_autoptr(GError) error = NULL;
  JsonObject *object = duet_protocol_parse_message (text, strlen (text), &error);

  g_assert_no_error (error);
  return object;
}

static char *
serialize (JsonObject *object)
{
  return duet_protocol_serialize (object);
}

/* example → struct → JSON → struct → JSON: the first JSON is the example,
 * the second the first */
static void
test_roundtrip_all (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (duet_message_table); i++)
    {
      const DuetMessageEntry *entry = &duet_message_table[i];
      g_autoptr(JsonObject) example = parse_text (entry->example);
      g_autoptr(JsonObject) built = NULL;
      g_autoptr(JsonObject) again = NULL;
      g_autoptr(JsonObject) rebuilt = NULL;
      g_autoptr(JsonNode) example_node = json_node_init_object (json_node_alloc (), example);
      g_autoptr(JsonNode) built_node = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree guint8 *value = g_malloc0 (entry->size);
      g_autofree guint8 *value2 = g_malloc0 (entry->size);
      g_autofree char *text = NULL;
      g_autofree char *text2 = NULL;
      const char *id = duet_message_table_id (example);

      g_test_message ("%s", entry->name);
      g_assert_true (entry->parse (example, value, &error));
      g_assert_no_error (error);
      built = entry->build (id, value);
      text = serialize (built);
      built_node = json_node_init_object (json_node_alloc (), built);
      if (!json_node_equal (example_node, built_node))
        g_error ("%s: %s became %s", entry->name, entry->example, text);

      again = parse_text (text);
      g_assert_true (entry->parse (again, value2, &error));
      g_assert_no_error (error);
      rebuilt = entry->build (id, value2);
      text2 = serialize (rebuilt);
      g_assert_cmpstr (text, ==, text2);
      entry->clear (value);
      entry->clear (value2);
      /* cleared structs are empty and may be cleared again */
      entry->clear (value);
    }
}

static char *
example_type (const DuetMessageEntry *entry)
{
  g_autoptr(JsonObject) example = parse_text (entry->example);

  return g_strdup (duet_message_read_type (example, NULL));
}

/* A parser accepts only messages of its own type */
static void
test_wrong_type (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (duet_message_table); i++)
    {
      g_autoptr(JsonObject) message = parse_text (duet_message_table[i].example);
      g_autofree char *type = example_type (&duet_message_table[i]);

      for (guint j = 0; j < G_N_ELEMENTS (duet_message_table); j++)
        {
          const DuetMessageEntry *entry = &duet_message_table[j];
          g_autofree guint8 *value = g_malloc0 (entry->size);
          g_autofree char *expected = example_type (entry);

          if (entry->parse (message, value, NULL))
            {
              if (g_strcmp0 (type, expected) != 0)
                g_error ("%s parsed %s", entry->name, duet_message_table[i].name);
              entry->clear (value);
            }
        }
    }
}

static void
test_make_call (void)
{
  g_auto(DuetMakeCallRequest) request = { .peer_user = g_strdup ("bob"), .media_type = DUET_MEDIA_TYPE_AUDIO };
  g_auto(DuetMakeCallRequest) parsed = { 0 };
  g_autoptr(JsonObject) built = duet_make_call_request_build ("r1", &request);
  g_autofree char *text = serialize (built);
  g_autoptr(JsonObject) message = parse_text (text);
  g_autoptr(GError) error = NULL;

  g_assert_cmpstr (text, ==, "{\"type\":\"make_call\",\"id\":\"r1\",\"peer_user\":\"bob\",\"media_type\":\"audio\"}");
  g_assert_true (duet_make_call_request_parse (message, &parsed, &error));
  g_assert_cmpstr (parsed.peer_user, ==, "bob");
  g_assert_null (parsed.peer_service);
  g_assert_cmpint (parsed.media_type, ==, DUET_MEDIA_TYPE_AUDIO);
  g_assert_cmpstr (duet_message_read_id (message, NULL), ==, "r1");
  g_assert_cmpint (duet_request_type_from_string (duet_message_read_type (message, NULL)), ==,
                   DUET_REQUEST_MAKE_CALL);
}

static void
test_disconnected (void)
{
  g_auto(DuetDisconnectedEvent) event = {
    .call_id = g_strdup ("c1"), .reason = DUET_DISCONNECT_REASON_NOANSWER,
    .source = DUET_DISCONNECT_SOURCE_CALLER, .by_remote = TRUE,
  };
  g_auto(DuetDisconnectedEvent) parsed = { 0 };
  g_autoptr(JsonObject) built = duet_disconnected_event_build (&event);
  g_autofree char *text = serialize (built);
  g_autoptr(JsonObject) message = parse_text (text);

  g_assert_cmpstr (text, ==, "{\"type\":\"disconnected\",\"call_id\":\"c1\",\"reason\":\"NOANSWER\","
                   "\"reason_code\":1203,\"source\":\"CALLER\",\"source_code\":2,\"by_remote\":true}");
  g_assert_true (duet_disconnected_event_parse (message, &parsed, NULL));
  g_assert_cmpint (parsed.reason, ==, DUET_DISCONNECT_REASON_NOANSWER);
  g_assert_cmpint (parsed.source, ==, DUET_DISCONNECT_SOURCE_CALLER);
  g_assert_true (parsed.by_remote);
  g_assert_null (parsed.user_code);
}

static void
test_short_data_bytes (void)
{
  guint8 all[256];
  g_auto(DuetShortDataEvent) event = { .call_id = g_strdup ("c1"), .data_type = g_strdup ("bin") };
  g_auto(DuetShortDataEvent) parsed = { 0 };
  g_autoptr(JsonObject) built = NULL;
  g_autoptr(JsonObject) message = NULL;
  g_autofree char *text = NULL;

  for (guint i = 0; i < sizeof all; i++)
    all[i] = i;
  event.data = g_bytes_new (all, sizeof all);
  built = duet_short_data_event_build (&event);
  text = serialize (built);
  message = parse_text (text);
  g_assert_true (duet_short_data_event_parse (message, &parsed, NULL));
  g_assert_true (g_bytes_equal (parsed.data, event.data));
  g_assert_cmpstr (parsed.data_type, ==, "bin");
}

static void
test_hello (void)
{
  g_auto(DuetHelloEvent) hello = {
    .user = g_strdup ("alice"), .service = g_strdup ("duet"), .server_version = g_strdup ("0.1.0"),
    .ring_timeout = 60, .grace_period = 20,
    .calls = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_hello_call_free),
  };
  g_auto(DuetHelloEvent) parsed = { 0 };
  DuetHelloCall *call = duet_hello_call_new ();
  g_autoptr(JsonObject) built = NULL;
  g_autoptr(JsonObject) message = NULL;
  g_autofree char *text = NULL;
  DuetHelloCall *got;

  call->call_id = g_strdup ("c1");
  call->state = DUET_WIRE_CALL_STATE_RINGING;
  call->role = DUET_CALL_ROLE_CALLEE;
  call->peer_user = g_strdup ("bob");
  call->peer_service = g_strdup ("duet");
  call->media_type = DUET_MEDIA_TYPE_VIDEO;
  g_ptr_array_add (hello.calls, call);

  built = duet_hello_event_build (&hello);
  text = serialize (built);
  /* no STUN/TURN configured: no ice_servers, no TTL; not connected: no preparation flag */
  g_assert_null (strstr (text, "ice_servers"));
  g_assert_null (strstr (text, "in_responder_preparation"));
  message = parse_text (text);
  g_assert_true (duet_hello_event_parse (message, &parsed, NULL));
  g_assert_cmpuint (parsed.calls->len, ==, 1);
  got = g_ptr_array_index (parsed.calls, 0);
  g_assert_cmpstr (got->call_id, ==, "c1");
  g_assert_cmpint (got->state, ==, DUET_WIRE_CALL_STATE_RINGING);
  g_assert_cmpint (got->role, ==, DUET_CALL_ROLE_CALLEE);
  g_assert_cmpint (got->media_type, ==, DUET_MEDIA_TYPE_VIDEO);
  g_assert_false (got->has_in_responder_preparation);
  g_assert_null (parsed.ice_servers);
}

static void
test_history_nulls (void)
{
  g_autoptr(JsonObject) message = parse_text (entry_named ("history_reply")->example);
  g_auto(DuetHistoryReply) reply = { 0 };
  DuetHistoryEntry *ended, *ringing;

  g_assert_true (duet_history_reply_parse (message, &reply, NULL));
  g_assert_cmpuint (reply.calls->len, ==, 2);
  ended = g_ptr_array_index (reply.calls, 0);
  ringing = g_ptr_array_index (reply.calls, 1);
  g_assert_cmpint (ended->reason, ==, DUET_DISCONNECT_REASON_USER_ERROR);
  g_assert_cmpint (ended->source, ==, DUET_DISCONNECT_SOURCE_CALLER);
  g_assert_cmpstr (ended->user_code, ==, "E42");
  g_assert_cmpint (ended->duration_ms, ==, 60000);
  g_assert_cmpint (ringing->reason, ==, 0);
  g_assert_cmpint (ringing->answered_at, ==, 0);
  g_assert_null (ringing->user_code);
  g_assert_cmpint (ringing->direction, ==, DUET_CALL_DIRECTION_INCOMING);
}

/* Only the fields of the payload's type are read, and sent */
static void
test_signal_payload (void)
{
  g_autoptr(JsonObject) message = parse_text ("{\"type\":\"signal\",\"id\":\"1\",\"call_id\":\"c\","
                                              "\"payload\":{\"type\":\"offer\",\"sdp\":\"v=0\","
                                              "\"candidate\":5,\"extra\":[]}}");
  g_auto(DuetSignalRequest) request = { 0 };
  g_autoptr(JsonObject) event = NULL;
  g_autofree char *text = NULL;
  DuetSignalEvent view;

  g_assert_true (duet_signal_request_parse (message, &request, NULL));
  g_assert_cmpint (request.payload.type, ==, DUET_SIGNAL_TYPE_OFFER);
  g_assert_false (request.payload.has_session);
  view = (DuetSignalEvent) { .call_id = request.call_id, .payload = request.payload };
  event = duet_signal_event_build (&view);
  text = serialize (event);
  g_assert_cmpstr (text, ==, "{\"type\":\"signal\",\"call_id\":\"c\",\"payload\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}");
}

static void
test_error_from_gerror (void)
{
  g_autoptr(GError) start_fail = g_error_new_literal (DUET_START_FAIL_ERROR, DUET_START_FAIL_REASON_INVALID_PEER_ID, "bad");
  g_autoptr(GError) other = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "disk");
  g_auto(DuetErrorMessage) a = { 0 };
  g_auto(DuetErrorMessage) b = { 0 };
  g_autoptr(JsonObject) built = NULL;
  g_autofree char *text = NULL;

  duet_error_message_init_from_gerror (&a, start_fail);
  g_assert_cmpint (a.code, ==, DUET_PROTOCOL_ERROR_START_FAILED);
  g_assert_cmpint (a.start_fail_reason, ==, DUET_START_FAIL_REASON_INVALID_PEER_ID);
  built = duet_error_message_build (NULL, &a);
  text = serialize (built);
  g_assert_cmpstr (text, ==, "{\"type\":\"error\",\"id\":null,\"code\":\"start_failed\",\"message\":\"bad\","
                   "\"start_fail_reason\":\"INVALID_PEER_ID\"}");
  duet_error_message_init_from_gerror (&b, other);
  g_assert_cmpint (b.code, ==, DUET_PROTOCOL_ERROR_INTERNAL);
}

/* ---- refusals --------------------------------------------------------- */

typedef struct
{
  const char *entry;
  const char *json;
  GQuark      domain;
  int         code;
  const char *message;   /* a part of the error message */
} Refusal;

#define BAD DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE
#define SF(reason) DUET_START_FAIL_ERROR, DUET_START_FAIL_REASON_##reason
#define CALL "\"call_id\":\"c\""
#define END_CALL "{\"type\":\"end_call\",\"id\":\"1\"," CALL
#define SHORT "{\"type\":\"short_data\",\"id\":\"1\"," CALL
#define SIGNAL "{\"type\":\"signal\",\"id\":\"1\"," CALL ",\"payload\":"

static void
check_refusals (const Refusal *cases,
                guint          n_cases)
{
  for (guint i = 0; i < n_cases; i++)
    {
      const DuetMessageEntry *entry = entry_named (cases[i].entry);
      g_autoptr(JsonObject) message = parse_text (cases[i].json);
      g_autofree guint8 *value = g_malloc0 (entry->size);
      g_autoptr(GError) error = NULL;

      g_test_message ("%s: %s", cases[i].entry, cases[i].json);
      g_assert_false (entry->parse (message, value, &error));
      g_assert_error (error, cases[i].domain, cases[i].code);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("%s: “%s” does not say “%s”", cases[i].json, error->message, cases[i].message);
      /* nothing is left behind in the struct */
      for (gsize b = 0; b < entry->size; b++)
        g_assert_cmpint (value[b], ==, 0);
    }
}

static void
test_refuse_types (void)
{
  const Refusal cases[] = {
    { "make_call", "{\"type\":\"make_call\",\"id\":\"1\",\"peer_user\":7,\"media_type\":\"audio\"}",
      SF (INVALID_PARAM), "make_call: “peer_user” must be a string" },
    { "make_call", "{\"type\":\"make_call\",\"id\":\"1\",\"peer_user\":\"bob\"}", SF (INVALID_PARAM),
      "“media_type” is missing" },
    /* types before values: the wrong type wins over the bad id */
    { "make_call", "{\"type\":\"make_call\",\"id\":\"1\",\"peer_user\":\"b b\",\"media_type\":3}",
      SF (INVALID_PARAM), "“media_type” must be a string" },
    { "verify_call", "{\"type\":\"verify_call\",\"id\":\"1\"}", BAD, "“cc_param” is missing" },
    { "verify_call", "{\"type\":\"verify_call\",\"id\":\"1\",\"cc_param\":null}", BAD, "“cc_param” is missing" },
    { "verify_call", "{\"type\":\"verify_call\",\"id\":\"1\",\"cc_param\":\"x\",\"use_responder_preparation\":1}",
      BAD, "“use_responder_preparation” must be true or false" },
    { "accept_call", "{\"type\":\"accept_call\",\"id\":\"1\",\"call_id\":7}", BAD, "“call_id” must be a string" },
    { "media_state", "{\"type\":\"media_state\",\"id\":\"1\"," CALL ",\"mic_muted\":\"yes\"}", BAD,
      "“mic_muted” must be true or false" },
    { "history", "{\"type\":\"history\",\"id\":\"1\",\"limit\":\"5\"}", BAD, "“limit” must be an integer" },
    { "history", "{\"type\":\"history\",\"id\":\"1\",\"limit\":5.0}", BAD, "“limit” must be an integer" },
    { "signal", SIGNAL "\"offer\"}", BAD, "“payload” must be an object" },
    { "signal", "{\"type\":\"signal\",\"id\":\"1\"," CALL "}", BAD, "“payload” is missing" },
    { "signal", SIGNAL "{\"type\":\"offer\"}}", BAD, "signal: “payload”: “sdp” is missing" },
    { "signal", SIGNAL "{\"type\":\"offer\",\"sdp\":5}}", BAD, "“sdp” must be a string" },
    { "signal", SIGNAL "{\"type\":\"candidate\",\"candidate\":\"c\"}}", BAD, "“sdpMLineIndex” is missing" },
    { "signal", SIGNAL "{\"type\":\"candidate\",\"candidate\":1,\"sdpMLineIndex\":0}}", BAD,
      "“candidate” must be a string" },
    { "hello", "{\"type\":\"hello\",\"user\":\"a\",\"service\":\"d\",\"server_version\":\"1\",\"ring_timeout\":1,"
      "\"grace_period\":1,\"calls\":[5]}", BAD, "“calls” must be an array of objects" },
    { "ice_servers", "{\"type\":\"ice_servers\",\"ice_servers\":[{\"urls\":[5]}],\"ice_servers_ttl\":1}", BAD,
      "“ice_servers”[0]: “urls” must be an array of strings" },
    { "ice_servers", "{\"type\":\"ice_servers\",\"ice_servers\":[{\"urls\":\"stun:x\"}],\"ice_servers_ttl\":1}", BAD,
      "“urls” must be an array" },
    { "error", "{\"type\":\"error\",\"id\":null,\"message\":\"m\"}", BAD, "“code” is missing" },
    { "token_request", "{\"user\":\"alice\"}", BAD, "“password” is missing" },
    { "token_request", "{\"user\":\"alice\",\"password\":\"p\",\"service\":5}", BAD, "“service” must be a string" },
    { "server_shutdown", "{\"type\":\"server_shutdown\"}", BAD, "“restarting” is missing" },
  };

  check_refusals (cases, G_N_ELEMENTS (cases));
}

static void
test_refuse_envelope (void)
{
  const Refusal cases[] = {
    { "ping", "{\"type\":\"ping\"}", BAD, "“id”" },
    { "ping", "{\"type\":\"ping\",\"id\":5}", BAD, "“id”" },
    { "ping", "{\"type\":\"ping\",\"id\":\"a b\"}", BAD, "Request ids are 1–64" },
    { "ping", "{\"type\":\"ping\",\"id\":\"" "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" "\"}", BAD,
      "Request ids are 1–64" },
    { "ping", "{\"type\":\"pong\",\"id\":\"1\"}", BAD, "Expected a message of type “ping”" },
    { "auth_reply", "{\"type\":\"error\",\"id\":\"1\",\"user\":\"a\",\"service\":\"d\"}", BAD, "“reply”" },
    { "error", "{\"type\":\"error\",\"code\":\"internal\",\"message\":\"m\"}", BAD, "“id”" },
    { "error", "{\"type\":\"error\",\"id\":\"a/b\",\"code\":\"internal\",\"message\":\"m\"}", BAD, "“id”" },
    { "disconnected", "{\"type\":\"connected\",\"call_id\":\"c\"}", BAD, "“disconnected”" },
    { "hello", "{\"user\":\"alice\"}", BAD, "“type”" },
  };

  check_refusals (cases, G_N_ELEMENTS (cases));
}

static void
test_refuse_values (void)
{
  const Refusal cases[] = {
    /* ids */
    { "make_call", "{\"type\":\"make_call\",\"id\":\"1\",\"peer_user\":\"b b\",\"media_type\":\"audio\"}",
      SF (INVALID_PEER_ID), "“peer_user” is not a valid id" },
    { "make_call", "{\"type\":\"make_call\",\"id\":\"1\",\"peer_user\":\"bob\",\"peer_service\":\"x/y\","
      "\"media_type\":\"audio\"}", SF (INVALID_PEER_ID), "“peer_service” is not a valid id" },
    { "auth_reply", "{\"type\":\"reply\",\"id\":\"1\",\"user\":\"\",\"service\":\"duet\"}", BAD, "“user” is not a valid id" },
    { "token_request", "{\"user\":\"élise\",\"password\":\"p\"}", BAD, "“user” is not a valid id" },
    /* enum names */
    { "make_call", "{\"type\":\"make_call\",\"id\":\"1\",\"peer_user\":\"bob\",\"media_type\":\"hologram\"}",
      SF (UNKNOWN_MEDIA_TYPE), "“media_type” must be one of audio, video, audiovideo" },
    { "make_call", "{\"type\":\"make_call\",\"id\":\"1\",\"peer_user\":\"bob\",\"media_type\":\"unknown\"}",
      SF (UNKNOWN_MEDIA_TYPE), "“media_type” must be one of" },
    { "end_call", END_CALL ",\"reason\":\"normal\"}", BAD, "“reason” is not a known name" },
    { "media_state", "{\"type\":\"media_state\",\"id\":\"1\"," CALL ",\"video_state\":\"sideways\"}", BAD,
      "“video_state” must be one of" },
    { "signal", SIGNAL "{\"type\":\"bye\"}}", BAD, "“type” must be one of offer, answer, candidate" },
    { "hello", "{\"type\":\"hello\",\"user\":\"a\",\"service\":\"d\",\"server_version\":\"1\",\"ring_timeout\":1,"
      "\"grace_period\":1,\"calls\":[{\"call_id\":\"c\",\"state\":\"gone\",\"role\":\"caller\",\"peer_user\":\"b\","
      "\"peer_service\":\"d\",\"media_type\":\"audio\"}]}", BAD, "hello: “calls”[0]: “state” must be one of" },
    { "error", "{\"type\":\"error\",\"id\":null,\"code\":\"oops\",\"message\":\"m\"}", BAD,
      "“code” is not a known error code" },
    { "disconnected", "{\"type\":\"disconnected\"," CALL ",\"reason\":\"DECLINE\",\"reason_code\":1001,"
      "\"source\":\"CALLEE\",\"source_code\":1,\"by_remote\":true}", BAD, "“reason_code” is 1001" },
    { "history_reply", "{\"type\":\"reply\",\"id\":\"1\",\"calls\":[{" CALL ",\"direction\":\"incoming\","
      "\"peer_user\":\"b\",\"peer_service\":\"d\",\"media_type\":\"audio\",\"state\":\"ended\",\"invited_at\":1,"
      "\"duration_ms\":0,\"reason\":null,\"reason_code\":1001,\"missed\":true,\"seen\":false}]}", BAD,
      "“reason_code” must be null when its name is" },
    { "history_reply", "{\"type\":\"reply\",\"id\":\"1\",\"calls\":[{" CALL ",\"direction\":\"incoming\","
      "\"peer_user\":\"b\",\"peer_service\":\"d\",\"media_type\":\"audio\",\"state\":\"ended\",\"invited_at\":1,"
      "\"duration_ms\":0,\"reason\":\"NORMAL\",\"missed\":true,\"seen\":false}]}", BAD, "“reason_code” is missing" },
    /* ranges */
    { "history", "{\"type\":\"history\",\"id\":\"1\",\"limit\":0}", BAD, "“limit” is 0; it must be 1–200" },
    { "history", "{\"type\":\"history\",\"id\":\"1\",\"limit\":201}", BAD, "“limit” is 201; it must be 1–200" },
    { "history", "{\"type\":\"history\",\"id\":\"1\",\"before\":-1}", BAD, "“before” is -1" },
    { "signal", SIGNAL "{\"type\":\"candidate\",\"candidate\":\"c\",\"sdpMLineIndex\":64}}", BAD,
      "“sdpMLineIndex” is 64; it must be 0–63" },
    { "signal", SIGNAL "{\"type\":\"offer\",\"sdp\":\"v\",\"session\":-1}}", BAD, "“session” is -1" },
    { "signal", SIGNAL "{\"type\":\"offer\",\"sdp\":\"v\",\"session\":2147483648}}", BAD,
      "it must be 0–2147483647" },
    { "ping_reply", "{\"type\":\"reply\",\"id\":\"1\",\"now\":-5}", BAD, "“now” is -5" },
    { "ice_servers", "{\"type\":\"ice_servers\",\"ice_servers\":[{\"urls\":[]}],\"ice_servers_ttl\":1}", BAD,
      "“urls” must not be empty" },
    /* lengths and text */
    { "end_call", END_CALL ",\"user_code\":\"\"}", BAD, "“user_code” is 0 bytes; it must be 1–127 bytes" },
    { "end_call", END_CALL ",\"user_code\":\"a\\nb\"}", BAD, "“user_code” must not contain control characters" },
    { "end_call", END_CALL ",\"user_code\":\"a\\u009fb\"}", BAD, "control characters" },
    { "end_call", END_CALL ",\"user_code\":\"\\udc00x\"}", BAD, "“user_code” is not valid UTF-8" },
    { "short_data", SHORT ",\"data_type\":\"\\u0007\",\"data\":\"AA==\"}", BAD, "“data_type” must not contain" },
    { "short_data", SHORT ",\"data_type\":\"\",\"data\":\"AA==\"}", BAD, "“data_type” is 0 bytes; it must be 1–99" },
    { "short_data", SHORT ",\"data_type\":\"t\",\"data\":\"\"}", BAD, "“data” is 0 bytes; it must be 1–800 bytes" },
    { "short_data", SHORT ",\"data_type\":\"t\",\"data\":\"!!!!\"}", BAD, "“data” is not standard base64" },
    { "short_data", SHORT ",\"data_type\":\"t\",\"data\":\"aGVsbG8\"}", BAD, "“data” is not standard base64" },
    { "short_data", SHORT ",\"data_type\":\"t\",\"data\":\"aGVsbG9=\"}", BAD, "“data” is not standard base64" },
    { "short_data", SHORT ",\"data_type\":\"t\",\"data\":\"aGVs-G8=\"}", BAD, "“data” is not standard base64" },
    { "short_data", SHORT ",\"data_type\":\"t\",\"data\":\"aG=sbG8=\"}", BAD, "“data” is not standard base64" },
    { "token_request", "{\"user\":\"alice\",\"password\":\"\"}", BAD, "“password” is 0 bytes; it must be 1–1024" },
  };

  check_refusals (cases, G_N_ELEMENTS (cases));
}

static JsonObject *
short_data_message (const char *data_type,
                    gsize       n_bytes)
{
  g_autofree guint8 *data = g_malloc0 (n_bytes);
  g_autofree char *b64 = g_base64_encode (data, n_bytes);
  g_autofree char *text = g_strdup_printf (SHORT ",\"data_type\":\"%s\",\"data\":\"%s\"}", data_type, b64);

  return parse_text (text);
}

/* The limits themselves are accepted, one more is not */
static void
test_limits (void)
{
  g_autofree char *type99 = g_strnfill (99, 't');
  g_autofree char *type100 = g_strnfill (100, 't');
  g_autoptr(GString) code = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) m = NULL;
  g_auto(DuetShortDataRequest) request = { 0 };
  g_auto(DuetEndCallRequest) end = { 0 };
  g_autofree char *end_text = NULL;

  m = short_data_message (type99, 800);
  g_assert_true (duet_short_data_request_parse (m, &request, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_bytes_get_size (request.data), ==, 800);
  duet_short_data_request_clear (&request);
  g_clear_pointer (&m, json_object_unref);

  m = short_data_message ("t", 801);
  g_assert_false (duet_short_data_request_parse (m, &request, &error));
  g_assert_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE);
  g_assert_nonnull (strstr (error->message, "801 bytes; it must be 1–800 bytes"));
  g_clear_error (&error);
  g_clear_pointer (&m, json_object_unref);

  m = short_data_message (type100, 1);
  g_assert_false (duet_short_data_request_parse (m, &request, &error));
  g_assert_nonnull (strstr (error->message, "“data_type” is 100 bytes; it must be 1–99 bytes"));
  g_clear_error (&error);
  g_clear_pointer (&m, json_object_unref);

  /* 63 two-byte characters and one more byte: 127 bytes */
  for (int i = 0; i < 63; i++)
    g_string_append (code, "é");
  g_string_append_c (code, 'x');
  end_text = g_strdup_printf (END_CALL ",\"user_code\":\"%s\"}", code->str);
  m = parse_text (end_text);
  g_assert_true (duet_end_call_request_parse (m, &end, &error));
  g_assert_cmpuint (strlen (end.user_code), ==, 127);
  duet_end_call_request_clear (&end);
  g_clear_pointer (&m, json_object_unref);
  g_clear_pointer (&end_text, g_free);

  {
    g_autofree char *reason = g_strnfill (256, 'r');
    g_autofree char *text = g_strdup_printf ("{\"type\":\"media_state\",\"id\":\"1\"," CALL ",\"reason\":\"%s\"}", reason);
    g_autofree char *longer = g_strdup_printf ("{\"type\":\"media_state\",\"id\":\"1\"," CALL ",\"reason\":\"%sr\"}", reason);
    g_autoptr(JsonObject) ok = parse_text (text);
    g_autoptr(JsonObject) too_long = parse_text (longer);
    g_auto(DuetMediaStateRequest) state = { 0 };

    g_assert_true (duet_media_state_request_parse (ok, &state, NULL));
    duet_media_state_request_clear (&state);
    g_assert_false (duet_media_state_request_parse (too_long, &state, &error));
    g_assert_nonnull (strstr (error->message, "“reason” is 257 bytes; it must be 0–256 bytes"));
    g_clear_error (&error);
  }

  g_string_append_c (code, 'y');
  end_text = g_strdup_printf (END_CALL ",\"user_code\":\"%s\"}", code->str);
  m = parse_text (end_text);
  g_assert_false (duet_end_call_request_parse (m, &end, &error));
  g_assert_nonnull (strstr (error->message, "“user_code” is 128 bytes; it must be 1–127 bytes"));
}

static void
test_defaults (void)
{
  g_autoptr(JsonObject) m = parse_text ("{\"type\":\"history\",\"id\":\"1\",\"limit\":null}");
  g_auto(DuetHistoryRequest) history = { 0 };
  g_autoptr(JsonObject) v = parse_text ("{\"type\":\"verify_call\",\"id\":\"1\",\"cc_param\":\"x\"}");
  g_auto(DuetVerifyCallRequest) verify = { 0 };

  g_assert_true (duet_history_request_parse (m, &history, NULL));
  g_assert_cmpint (history.limit, ==, DUET_PROTOCOL_HISTORY_DEFAULT_LIMIT);
  g_assert_cmpint (history.before, ==, 0);
  g_assert_true (duet_verify_call_request_parse (v, &verify, NULL));
  g_assert_false (verify.use_responder_preparation);
}

/* C strings cannot hold U+0000: refused before it could cut a string short */
static void
test_nul_escape (void)
{
  static const char *refused[] = {
    "{\"type\":\"ping\",\"id\":\"1\",\"x\":\"a\\u0000b\"}",
    "{\"a\\u0000\":1}",
  };
  static const char *accepted[] = {
    "{\"x\":\"a\\\\u0000b\"}",   /* an escaped backslash, then text */
    "{\"x\":\"\\u0001\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;

      g_assert_null (duet_protocol_parse_message (refused[i], strlen (refused[i]), &error));
      g_assert_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_JSON);
    }
  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(JsonObject) object = parse_text (accepted[i]);
      g_assert_nonnull (object);
    }
}

static void
test_type_names (void)
{
  for (DuetRequestType t = DUET_REQUEST_AUTH; t <= DUET_REQUEST_SHORT_DATA; t++)
    g_assert_cmpint (duet_request_type_from_string (duet_request_type_to_string (t)), ==, t);
  g_assert_cmpint (duet_request_type_from_string ("reply"), ==, DUET_REQUEST_UNKNOWN);
  g_assert_cmpint (duet_request_type_from_string (NULL), ==, DUET_REQUEST_UNKNOWN);
  g_assert_cmpint (duet_server_message_type_from_string ("preparation_finished"), ==,
                   DUET_SERVER_MESSAGE_PREPARATION_FINISHED);
  g_assert_cmpint (duet_server_message_type_from_string ("make_call"), ==, DUET_SERVER_MESSAGE_UNKNOWN);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/messages/roundtrip-all", test_roundtrip_all);
  g_test_add_func ("/messages/wrong-type", test_wrong_type);
  g_test_add_func ("/messages/make-call", test_make_call);
  g_test_add_func ("/messages/disconnected", test_disconnected);
  g_test_add_func ("/messages/short-data-bytes", test_short_data_bytes);
  g_test_add_func ("/messages/hello", test_hello);
  g_test_add_func ("/messages/history-nulls", test_history_nulls);
  g_test_add_func ("/messages/signal-payload", test_signal_payload);
  g_test_add_func ("/messages/error-from-gerror", test_error_from_gerror);
  g_test_add_func ("/messages/refuse-types", test_refuse_types);
  g_test_add_func ("/messages/refuse-envelope", test_refuse_envelope);
  g_test_add_func ("/messages/refuse-values", test_refuse_values);
  g_test_add_func ("/messages/limits", test_limits);
  g_test_add_func ("/messages/defaults", test_defaults);
  g_test_add_func ("/messages/nul-escape", test_nul_escape);
  g_test_add_func ("/messages/type-names", test_type_names);

  return g_test_run ();
}
