/* duet-message-table.h: every message of duet-messages.h behind one
 * untyped interface, with a valid example of each, for the unit tests
 * and the fuzz target
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The fuzz corpus picks a parser by its index here: only append.
 */
#pragma once

#include "duet-messages.h"

typedef struct
{
  const char  *name;
  gsize        size;
  gboolean   (*parse) (JsonObject *message, gpointer out, GError **error);
  JsonObject *(*build) (const char *id, gconstpointer value);
  void       (*clear) (gpointer value);
  const char  *example;
} DuetMessageEntry;

#define DUET_TABLE_WITH_ID(prefix)                                                   \
  static gboolean prefix##_p (JsonObject *m, gpointer out, GError **e)               \
  { return prefix##_parse (m, out, e); }                                             \
  static JsonObject *prefix##_b (const char *id, gconstpointer v)                    \
  { return prefix##_build (id, v); }                                                 \
  static void prefix##_c (gpointer v) { prefix##_clear (v); }

#define DUET_TABLE_NO_ID(prefix)                                                     \
  static gboolean prefix##_p (JsonObject *m, gpointer out, GError **e)               \
  { return prefix##_parse (m, out, e); }                                             \
  static JsonObject *prefix##_b (const char *id, gconstpointer v)                    \
  { return prefix##_build (v); }                                                     \
  static void prefix##_c (gpointer v) { prefix##_clear (v); }

/* Messages without fields have no struct */
#define DUET_TABLE_EMPTY(prefix, ...)                                                \
  static gboolean prefix##_p (JsonObject *m, gpointer out, GError **e)               \
  { return prefix##_parse (m, e); }                                                  \
  static JsonObject *prefix##_b (const char *id, gconstpointer v)                    \
  { return prefix##_build (__VA_ARGS__); }                                           \
  static void prefix##_c (gpointer v) { }

DUET_TABLE_WITH_ID (duet_auth_request)
DUET_TABLE_WITH_ID (duet_make_call_request)
DUET_TABLE_WITH_ID (duet_verify_call_request)
DUET_TABLE_WITH_ID (duet_accept_call_request)
DUET_TABLE_WITH_ID (duet_end_call_request)
DUET_TABLE_WITH_ID (duet_signal_request)
DUET_TABLE_WITH_ID (duet_media_state_request)
DUET_TABLE_WITH_ID (duet_history_request)
DUET_TABLE_EMPTY (duet_ping_request, id)
DUET_TABLE_WITH_ID (duet_finish_preparation_request)
DUET_TABLE_WITH_ID (duet_short_data_request)
DUET_TABLE_WITH_ID (duet_auth_reply)
DUET_TABLE_WITH_ID (duet_make_call_reply)
DUET_TABLE_WITH_ID (duet_verify_call_reply)
DUET_TABLE_EMPTY (duet_empty_reply, id)
DUET_TABLE_WITH_ID (duet_history_reply)
DUET_TABLE_WITH_ID (duet_ping_reply)
DUET_TABLE_WITH_ID (duet_error_message)
DUET_TABLE_NO_ID (duet_hello_event)
DUET_TABLE_NO_ID (duet_ice_servers_event)
DUET_TABLE_NO_ID (duet_incoming_call_event)
DUET_TABLE_NO_ID (duet_verified_event)
DUET_TABLE_NO_ID (duet_connected_event)
DUET_TABLE_NO_ID (duet_disconnected_event)
DUET_TABLE_NO_ID (duet_signal_event)
DUET_TABLE_NO_ID (duet_peer_media_state_event)
DUET_TABLE_NO_ID (duet_missed_call_event)
DUET_TABLE_NO_ID (duet_server_shutdown_event)
DUET_TABLE_EMPTY (duet_session_replaced_event)
DUET_TABLE_NO_ID (duet_preparation_finished_event)
DUET_TABLE_NO_ID (duet_short_data_event)
DUET_TABLE_NO_ID (duet_token_request)
DUET_TABLE_NO_ID (duet_token_reply)
DUET_TABLE_NO_ID (duet_http_error)
DUET_TABLE_NO_ID (duet_health_reply)
DUET_TABLE_NO_ID (duet_channel_media_state)
DUET_TABLE_NO_ID (duet_channel_end)
DUET_TABLE_EMPTY (duet_channel_heartbeat)
DUET_TABLE_NO_ID (duet_channel_receiver_report)
DUET_TABLE_EMPTY (duet_devices_request, id)
DUET_TABLE_WITH_ID (duet_sign_out_device_request)
DUET_TABLE_WITH_ID (duet_mark_seen_request)
DUET_TABLE_WITH_ID (duet_devices_reply)
DUET_TABLE_NO_ID (duet_devices_changed_event)
DUET_TABLE_NO_ID (duet_signed_out_event)
DUET_TABLE_NO_ID (duet_call_seen_event)

#define DUET_ENTRY(name, prefix, T, example) \
  { name, sizeof (T), prefix##_p, prefix##_b, prefix##_c, example }
#define DUET_ENTRY_EMPTY(name, prefix, example) \
  { name, sizeof (int), prefix##_p, prefix##_b, prefix##_c, example }

#define CALL "\"call_id\":\"5f0c1c1e-8c4b-4f7e-9a55-0d6f3c0e7a11\""

static const DuetMessageEntry duet_message_table[] = {
  DUET_ENTRY ("auth", duet_auth_request, DuetAuthRequest,
              "{\"type\":\"auth\",\"id\":\"1\",\"token\":\"eyJhbGciOiJIUzI1NiJ9.e30.sig\"}"),
  DUET_ENTRY ("make_call", duet_make_call_request, DuetMakeCallRequest,
              "{\"type\":\"make_call\",\"id\":\"2\",\"peer_user\":\"bob\",\"peer_service\":\"duet\","
              "\"media_type\":\"audiovideo\"}"),
  DUET_ENTRY ("verify_call", duet_verify_call_request, DuetVerifyCallRequest,
              "{\"type\":\"verify_call\",\"id\":\"3\",\"cc_param\":\"v1.eyJj.Qx9\",\"use_responder_preparation\":true}"),
  DUET_ENTRY ("accept_call", duet_accept_call_request, DuetAcceptCallRequest,
              "{\"type\":\"accept_call\",\"id\":\"4\"," CALL ",\"use_responder_preparation\":true}"),
  DUET_ENTRY ("end_call", duet_end_call_request, DuetEndCallRequest,
              "{\"type\":\"end_call\",\"id\":\"5\"," CALL ",\"reason\":\"USER_ERROR\",\"user_code\":\"E42 disk full\"}"),
  DUET_ENTRY ("signal", duet_signal_request, DuetSignalRequest,
              "{\"type\":\"signal\",\"id\":\"6\"," CALL ",\"payload\":{\"type\":\"candidate\","
              "\"candidate\":\"candidate:1 1 UDP 2015363327 127.0.0.1 40123 typ host\",\"sdpMLineIndex\":0,"
              "\"sdpMid\":\"video0\",\"session\":2}}"),
  DUET_ENTRY ("media_state", duet_media_state_request, DuetMediaStateRequest,
              "{\"type\":\"media_state\",\"id\":\"7\"," CALL ",\"mic_muted\":false,\"video_state\":\"paused\","
              "\"reason\":\"BY_USER\"}"),
  DUET_ENTRY ("history", duet_history_request, DuetHistoryRequest,
              "{\"type\":\"history\",\"id\":\"8\",\"limit\":2,\"before\":1764140000123}"),
  DUET_ENTRY_EMPTY ("ping", duet_ping_request, "{\"type\":\"ping\",\"id\":\"9\"}"),
  DUET_ENTRY ("finish_preparation", duet_finish_preparation_request, DuetFinishPreparationRequest,
              "{\"type\":\"finish_preparation\",\"id\":\"10\"," CALL "}"),
  DUET_ENTRY ("short_data", duet_short_data_request, DuetShortDataRequest,
              "{\"type\":\"short_data\",\"id\":\"11\"," CALL ",\"data_type\":\"chat\",\"data\":\"aGVsbG8=\"}"),
  DUET_ENTRY ("auth_reply", duet_auth_reply, DuetAuthReply,
              "{\"type\":\"reply\",\"id\":\"1\",\"user\":\"alice\",\"service\":\"duet\"}"),
  DUET_ENTRY ("make_call_reply", duet_make_call_reply, DuetMakeCallReply,
              "{\"type\":\"reply\",\"id\":\"2\"," CALL ",\"state\":\"waiting\"}"),
  DUET_ENTRY ("verify_call_reply", duet_verify_call_reply, DuetVerifyCallReply,
              "{\"type\":\"reply\",\"id\":\"3\"," CALL ",\"caller_user\":\"alice\",\"caller_service\":\"duet\","
              "\"media_type\":\"audio\"}"),
  DUET_ENTRY_EMPTY ("empty_reply", duet_empty_reply, "{\"type\":\"reply\",\"id\":\"4\"}"),
  DUET_ENTRY ("history_reply", duet_history_reply, DuetHistoryReply,
              "{\"type\":\"reply\",\"id\":\"12\",\"calls\":[{" CALL ",\"direction\":\"outgoing\","
              "\"peer_user\":\"bob\",\"peer_service\":\"duet\",\"media_type\":\"audiovideo\",\"state\":\"ended\","
              "\"invited_at\":1764140000123,\"answered_at\":1764140003456,\"ended_at\":1764140063456,"
              "\"duration_ms\":60000,\"reason\":\"USER_ERROR\",\"reason_code\":1110,\"source\":\"CALLER\","
              "\"source_code\":2,\"user_code\":\"E42\",\"missed\":false,\"seen\":false},{\"call_id\":\"x\",\"direction\":\"incoming\","
              "\"peer_user\":\"carol\",\"peer_service\":\"duet\",\"media_type\":\"audio\",\"state\":\"ringing\","
              "\"invited_at\":1764140000000,\"answered_at\":null,\"ended_at\":null,\"duration_ms\":0,"
              "\"reason\":null,\"reason_code\":null,\"source\":null,\"source_code\":null,\"user_code\":null,"
              "\"missed\":false,\"seen\":false}]}"),
  DUET_ENTRY ("ping_reply", duet_ping_reply, DuetPingReply,
              "{\"type\":\"reply\",\"id\":\"9\",\"now\":1764140000123}"),
  DUET_ENTRY ("error", duet_error_message, DuetErrorMessage,
              "{\"type\":\"error\",\"id\":\"9\",\"code\":\"rate_limited\",\"start_fail_reason\":\"TOO_MANY_CALLS\","
              "\"retry_after\":3,\"message\":\"Too many calls\",\"detail\":\"x\"}"),
  DUET_ENTRY ("hello", duet_hello_event, DuetHelloEvent,
              "{\"type\":\"hello\",\"user\":\"alice\",\"service\":\"duet\",\"server_version\":\"0.1.0\","
              "\"ring_timeout\":60,\"grace_period\":20,\"calls\":[{" CALL ",\"state\":\"connected\","
              "\"role\":\"caller\",\"peer_user\":\"bob\",\"peer_service\":\"duet\",\"media_type\":\"audiovideo\","
              "\"in_responder_preparation\":true}],\"ice_servers\":[{\"urls\":[\"stun:turn.example.org:3478\"]},"
              "{\"urls\":[\"turn:turn.example.org:3478?transport=udp\"],\"username\":\"1764226400:alice\","
              "\"credential\":\"kD3yN8x0f0u4cE3s8c4hWm0yq8M=\"}],\"ice_servers_ttl\":86400,"
              "\"device_id\":\"3f1d9c2a-laptop\",\"device_name\":\"Duet on laptop\"}"),
  DUET_ENTRY ("ice_servers", duet_ice_servers_event, DuetIceServersEvent,
              "{\"type\":\"ice_servers\",\"ice_servers\":[{\"urls\":[\"stun:turn.example.org:3478\"]}],"
              "\"ice_servers_ttl\":86400}"),
  DUET_ENTRY ("incoming_call", duet_incoming_call_event, DuetIncomingCallEvent,
              "{\"type\":\"incoming_call\"," CALL ",\"cc_param\":\"v1.eyJj.Qx9\",\"caller_user\":\"alice\","
              "\"caller_service\":\"duet\",\"media_type\":\"video\"}"),
  DUET_ENTRY ("verified", duet_verified_event, DuetVerifiedEvent,
              "{\"type\":\"verified\"," CALL ",\"peer_use_responder_preparation\":true}"),
  DUET_ENTRY ("connected", duet_connected_event, DuetConnectedEvent,
              "{\"type\":\"connected\"," CALL ",\"is_in_responder_preparation\":true,"
              "\"should_finish_preparation\":true,\"renegotiate\":true}"),
  DUET_ENTRY ("disconnected", duet_disconnected_event, DuetDisconnectedEvent,
              "{\"type\":\"disconnected\"," CALL ",\"reason\":\"DECLINE\",\"reason_code\":1002,"
              "\"source\":\"CALLEE\",\"source_code\":1,\"by_remote\":true,\"user_code\":\"bye\"}"),
  DUET_ENTRY ("signal_event", duet_signal_event, DuetSignalEvent,
              "{\"type\":\"signal\"," CALL ",\"payload\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}"),
  DUET_ENTRY ("peer_media_state", duet_peer_media_state_event, DuetPeerMediaStateEvent,
              "{\"type\":\"peer_media_state\"," CALL ",\"mic_muted\":true}"),
  DUET_ENTRY ("missed_call", duet_missed_call_event, DuetMissedCallEvent,
              "{\"type\":\"missed_call\"," CALL ",\"caller_user\":\"carol\",\"caller_service\":\"duet\","
              "\"media_type\":\"audio\",\"invited_at\":1764140000123,\"reason\":\"BUSY\"}"),
  DUET_ENTRY ("server_shutdown", duet_server_shutdown_event, DuetServerShutdownEvent,
              "{\"type\":\"server_shutdown\",\"restarting\":true}"),
  DUET_ENTRY_EMPTY ("session_replaced", duet_session_replaced_event, "{\"type\":\"session_replaced\"}"),
  DUET_ENTRY ("preparation_finished", duet_preparation_finished_event, DuetPreparationFinishedEvent,
              "{\"type\":\"preparation_finished\"," CALL "}"),
  DUET_ENTRY ("short_data_event", duet_short_data_event, DuetShortDataEvent,
              "{\"type\":\"short_data\"," CALL ",\"data_type\":\"chat\",\"data\":\"AAEC/w==\"}"),
  DUET_ENTRY ("token_request", duet_token_request, DuetTokenRequest,
              "{\"user\":\"alice\",\"service\":\"duet\",\"password\":\"correct horse\","
              "\"device_id\":\"desk-1\",\"device_name\":\"Duet on desk\"}"),
  DUET_ENTRY ("token_reply", duet_token_reply, DuetTokenReply,
              "{\"token\":\"eyJ.e30.x\",\"token_type\":\"Bearer\",\"expires_in\":43200,\"user\":\"alice\","
              "\"service\":\"duet\",\"device_id\":\"desk-1\"}"),
  DUET_ENTRY ("http_error", duet_http_error, DuetHttpError,
              "{\"error\":\"rate_limited\",\"message\":\"Too many\",\"retry_after\":300}"),
  DUET_ENTRY ("health_reply", duet_health_reply, DuetHealthReply,
              "{\"status\":\"ok\",\"version\":\"0.1.0\"}"),
  DUET_ENTRY ("channel_media_state", duet_channel_media_state, DuetChannelMediaState,
              "{\"type\":\"media_state\",\"mic_muted\":true,\"video_state\":\"paused\",\"reason\":\"BY_USER\"}"),
  DUET_ENTRY ("channel_end", duet_channel_end, DuetChannelEnd,
              "{\"type\":\"end\",\"reason\":\"USER_ERROR\",\"user_code\":\"E42\"}"),
  DUET_ENTRY_EMPTY ("channel_heartbeat", duet_channel_heartbeat, "{\"type\":\"hb\"}"),
  DUET_ENTRY ("channel_receiver_report", duet_channel_receiver_report, DuetChannelReceiverReport,
              "{\"type\":\"rx\",\"seq\":7,\"ts_ms\":123456,\"echo_ts_ms\":120000,\"echo_delay_ms\":12,"
              "\"interval_ms\":500,\"kbps\":640,\"video_loss\":25,\"audio_loss\":0,\"queue_delay_ms\":40,"
              "\"jitter_ms\":3,\"fps\":29,\"quality\":\"fair\"}"),
  DUET_ENTRY_EMPTY ("devices", duet_devices_request, "{\"type\":\"devices\",\"id\":\"13\"}"),
  DUET_ENTRY ("sign_out_device", duet_sign_out_device_request, DuetSignOutDeviceRequest,
              "{\"type\":\"sign_out_device\",\"id\":\"14\",\"device_id\":\"desk-1\"}"),
  DUET_ENTRY ("mark_seen", duet_mark_seen_request, DuetMarkSeenRequest,
              "{\"type\":\"mark_seen\",\"id\":\"15\"," CALL "}"),
  DUET_ENTRY ("devices_reply", duet_devices_reply, DuetDevicesReply,
              "{\"type\":\"reply\",\"id\":\"13\",\"devices\":[{\"device_id\":\"desk-1\","
              "\"name\":\"Duet on desk\",\"created_at\":1764140000123,\"last_seen_at\":1764140000999,"
              "\"online\":true,\"current\":true},{\"device_id\":\"laptop\",\"name\":\"Firefox on laptop\","
              "\"created_at\":1764000000000,\"last_seen_at\":1764100000000,\"online\":false,\"current\":false}]}"),
  DUET_ENTRY ("devices_changed", duet_devices_changed_event, DuetDevicesChangedEvent,
              "{\"type\":\"devices_changed\",\"devices\":[{\"device_id\":\"desk-1\",\"name\":\"Duet on desk\","
              "\"created_at\":1764140000123,\"last_seen_at\":1764140000999,\"online\":true,\"current\":false}]}"),
  DUET_ENTRY ("signed_out", duet_signed_out_event, DuetSignedOutEvent,
              "{\"type\":\"signed_out\",\"reason\":\"device_limit\"}"),
  DUET_ENTRY ("call_seen", duet_call_seen_event, DuetCallSeenEvent,
              "{\"type\":\"call_seen\"," CALL "}"),
};

#undef CALL

/* The id a message's build takes back: its own, if it has a valid one */
static inline const char *
duet_message_table_id (JsonObject *message)
{
  return duet_message_read_id (message, NULL);
}
