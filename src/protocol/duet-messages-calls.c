/* duet-messages-calls.c: the messages of a call, from make_call to
 * disconnected (docs/protocol.md, Requests and Events)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-messages-private.h"

#define CALL_ID(T) DUET_FIELD (T, call_id, "call_id", FIELD_STRING, FIELD_REQUIRED)
#define USER(T, member) DUET_FIELD (T, member, #member, FIELD_ID, FIELD_REQUIRED)
#define MEDIA_TYPE(T) \
  DUET_FIELD (T, media_type, "media_type", FIELD_ENUM, FIELD_KNOWN, DUET_ENUM (duet_media_type_get_type))
#define BOOL(T, member, flags) DUET_FIELD (T, member, #member, FIELD_BOOL, flags)
#define TIME(T, member) DUET_FIELD (T, member, #member, FIELD_INT, FIELD_REQUIRED, DUET_RANGE (0, G_MAXINT64))
#define REASON(T, flags) \
  DUET_FIELD (T, reason, "reason", FIELD_ENUM, flags, DUET_ENUM (duet_disconnect_reason_get_type))
#define USER_CODE(T, flags) \
  DUET_FIELD (T, user_code, "user_code", FIELD_STRING, (flags) | FIELD_TEXT, \
              DUET_RANGE (1, DUET_PROTOCOL_MAX_USER_CODE))
#define SHORT_DATA(T) \
  DUET_FIELD (T, data_type, "data_type", FIELD_STRING, FIELD_TEXT, \
              DUET_RANGE (1, DUET_PROTOCOL_MAX_SHORT_DATA_TYPE)), \
  DUET_FIELD (T, data, "data", FIELD_BASE64, FIELD_REQUIRED, DUET_RANGE (1, DUET_PROTOCOL_MAX_SHORT_DATA))

/* ---- signal payloads -------------------------------------------------- */

static const Field payload_fields[] = {
  DUET_FIELD (DuetSignalPayload, type, "type", FIELD_ENUM, FIELD_REQUIRED, DUET_ENUM (duet_signal_type_get_type)),
  DUET_FIELD (DuetSignalPayload, session, "session", FIELD_INT, FIELD_OPTIONAL,
              DUET_HAS (DuetSignalPayload, has_session), DUET_RANGE (0, G_MAXINT32)),
};

static const Field description_fields[] = {
  DUET_FIELD (DuetSignalPayload, sdp, "sdp", FIELD_STRING, FIELD_REQUIRED),
};

static const Field candidate_fields[] = {
  DUET_FIELD (DuetSignalPayload, candidate, "candidate", FIELD_STRING, FIELD_REQUIRED),
  DUET_FIELD (DuetSignalPayload, sdp_mline_index, "sdpMLineIndex", FIELD_INT, FIELD_REQUIRED,
              DUET_RANGE (0, DUET_PROTOCOL_MAX_MLINE_INDEX)),
  DUET_FIELD (DuetSignalPayload, sdp_mid, "sdpMid", FIELD_STRING, FIELD_OPTIONAL),
};

static const MessageSpec description_spec =
  DUET_SPEC ("signal payload", ROLE_BODY, DuetSignalPayload, description_fields);
static const MessageSpec candidate_spec =
  DUET_SPEC ("signal payload", ROLE_BODY, DuetSignalPayload, candidate_fields);
static const MessageSpec * const payload_variants[] = { &description_spec, &candidate_spec, NULL };

/* Only the fields of its type are read and sent: nothing else is relayed */
static const MessageSpec *
payload_variant (gconstpointer value)
{
  const DuetSignalPayload *payload = value;

  return payload->type == DUET_SIGNAL_TYPE_CANDIDATE ? &candidate_spec : &description_spec;
}

static const MessageSpec payload_spec =
  DUET_SPEC ("signal payload", ROLE_BODY, DuetSignalPayload, payload_fields,
             .variant = payload_variant, .variants = payload_variants);

void
duet_signal_payload_clear (DuetSignalPayload *payload)
{
  duet_spec_clear (&payload_spec, payload);
}

/* ---- requests --------------------------------------------------------- */

static const Field make_call_request_fields[] = {
  DUET_FIELD (DuetMakeCallRequest, peer_user, "peer_user", FIELD_ID, FIELD_REQUIRED,
              .start_fail = DUET_START_FAIL_REASON_INVALID_PEER_ID),
  DUET_FIELD (DuetMakeCallRequest, peer_service, "peer_service", FIELD_ID, FIELD_OPTIONAL,
              .start_fail = DUET_START_FAIL_REASON_INVALID_PEER_ID),
  DUET_FIELD (DuetMakeCallRequest, media_type, "media_type", FIELD_ENUM, FIELD_KNOWN,
              DUET_ENUM (duet_media_type_get_type), .start_fail = DUET_START_FAIL_REASON_UNKNOWN_MEDIA_TYPE),
};

static const Field verify_call_request_fields[] = {
  DUET_FIELD (DuetVerifyCallRequest, cc_param, "cc_param", FIELD_STRING, FIELD_REQUIRED),
  BOOL (DuetVerifyCallRequest, use_responder_preparation, FIELD_OPTIONAL),
};

static const Field accept_call_request_fields[] = {
  CALL_ID (DuetAcceptCallRequest),
  BOOL (DuetAcceptCallRequest, use_responder_preparation, FIELD_OPTIONAL),
};

static const Field end_call_request_fields[] = {
  CALL_ID (DuetEndCallRequest),
  REASON (DuetEndCallRequest, FIELD_OPTIONAL),
  USER_CODE (DuetEndCallRequest, FIELD_OPTIONAL),
};

static const Field signal_request_fields[] = {
  CALL_ID (DuetSignalRequest),
  DUET_FIELD (DuetSignalRequest, payload, "payload", FIELD_OBJECT, FIELD_REQUIRED, .element = &payload_spec),
};

/* media_state, peer_media_state and the data channel's media_state carry
 * the same fields */
#define MEDIA_STATE_FIELDS(T)                                                            \
  CALL_ID (T),                                                                           \
  MEDIA_STATE_BODY (T)
#define MEDIA_STATE_BODY(T)                                                              \
  DUET_FIELD (T, mic_muted, "mic_muted", FIELD_BOOL, FIELD_OPTIONAL, DUET_HAS (T, has_mic_muted)), \
  DUET_FIELD (T, video_state, "video_state", FIELD_ENUM, FIELD_OPTIONAL,                  \
              DUET_HAS (T, has_video_state), DUET_ENUM (duet_video_state_get_type)),      \
  DUET_FIELD (T, reason, "reason", FIELD_STRING, FIELD_OPTIONAL,                          \
              DUET_RANGE (0, DUET_PROTOCOL_MAX_MEDIA_REASON))

static const Field media_state_request_fields[] = {
  MEDIA_STATE_FIELDS (DuetMediaStateRequest),
};

static const Field finish_preparation_request_fields[] = {
  CALL_ID (DuetFinishPreparationRequest),
};

static const Field short_data_request_fields[] = {
  CALL_ID (DuetShortDataRequest),
  SHORT_DATA (DuetShortDataRequest),
};

static const MessageSpec make_call_request_spec =
  DUET_SPEC ("make_call", ROLE_REQUEST, DuetMakeCallRequest, make_call_request_fields,
             .start_fail = DUET_START_FAIL_REASON_INVALID_PARAM);
static const MessageSpec verify_call_request_spec =
  DUET_SPEC ("verify_call", ROLE_REQUEST, DuetVerifyCallRequest, verify_call_request_fields);
static const MessageSpec accept_call_request_spec =
  DUET_SPEC ("accept_call", ROLE_REQUEST, DuetAcceptCallRequest, accept_call_request_fields);
static const MessageSpec end_call_request_spec =
  DUET_SPEC ("end_call", ROLE_REQUEST, DuetEndCallRequest, end_call_request_fields);
static const MessageSpec signal_request_spec =
  DUET_SPEC ("signal", ROLE_REQUEST, DuetSignalRequest, signal_request_fields);
static const MessageSpec media_state_request_spec =
  DUET_SPEC ("media_state", ROLE_REQUEST, DuetMediaStateRequest, media_state_request_fields);
static const MessageSpec finish_preparation_request_spec =
  DUET_SPEC ("finish_preparation", ROLE_REQUEST, DuetFinishPreparationRequest, finish_preparation_request_fields);
static const MessageSpec short_data_request_spec =
  DUET_SPEC ("short_data", ROLE_REQUEST, DuetShortDataRequest, short_data_request_fields);

DUET_DEFINE_MESSAGE_WITH_ID (DuetMakeCallRequest, duet_make_call_request, make_call_request_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetVerifyCallRequest, duet_verify_call_request, verify_call_request_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetAcceptCallRequest, duet_accept_call_request, accept_call_request_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetEndCallRequest, duet_end_call_request, end_call_request_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetSignalRequest, duet_signal_request, signal_request_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetMediaStateRequest, duet_media_state_request, media_state_request_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetFinishPreparationRequest, duet_finish_preparation_request,
                             finish_preparation_request_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetShortDataRequest, duet_short_data_request, short_data_request_spec)

/* ---- replies ---------------------------------------------------------- */

static const Field make_call_reply_fields[] = {
  CALL_ID (DuetMakeCallReply),
  DUET_FIELD (DuetMakeCallReply, state, "state", FIELD_ENUM, FIELD_REQUIRED,
              DUET_ENUM (duet_wire_call_state_get_type)),
};

static const Field verify_call_reply_fields[] = {
  CALL_ID (DuetVerifyCallReply),
  USER (DuetVerifyCallReply, caller_user),
  USER (DuetVerifyCallReply, caller_service),
  MEDIA_TYPE (DuetVerifyCallReply),
};

static const MessageSpec make_call_reply_spec =
  DUET_SPEC ("make_call reply", ROLE_REPLY, DuetMakeCallReply, make_call_reply_fields);
static const MessageSpec verify_call_reply_spec =
  DUET_SPEC ("verify_call reply", ROLE_REPLY, DuetVerifyCallReply, verify_call_reply_fields);
static const MessageSpec empty_reply_spec = { .name = "reply", .role = ROLE_REPLY };

DUET_DEFINE_MESSAGE_WITH_ID (DuetMakeCallReply, duet_make_call_reply, make_call_reply_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetVerifyCallReply, duet_verify_call_reply, verify_call_reply_spec)

gboolean
duet_empty_reply_parse (JsonObject  *message,
                        GError     **error)
{
  return duet_spec_parse (&empty_reply_spec, message, NULL, error);
}

JsonObject *
duet_empty_reply_build (const char *id)
{
  return duet_spec_build (&empty_reply_spec, id, NULL);
}

/* ---- events ----------------------------------------------------------- */

static const Field incoming_call_event_fields[] = {
  CALL_ID (DuetIncomingCallEvent),
  DUET_FIELD (DuetIncomingCallEvent, cc_param, "cc_param", FIELD_STRING, FIELD_REQUIRED),
  USER (DuetIncomingCallEvent, caller_user),
  USER (DuetIncomingCallEvent, caller_service),
  MEDIA_TYPE (DuetIncomingCallEvent),
};

static const Field verified_event_fields[] = {
  CALL_ID (DuetVerifiedEvent),
  BOOL (DuetVerifiedEvent, peer_use_responder_preparation, FIELD_REQUIRED),
};

static const Field connected_event_fields[] = {
  CALL_ID (DuetConnectedEvent),
  BOOL (DuetConnectedEvent, is_in_responder_preparation, FIELD_REQUIRED),
  BOOL (DuetConnectedEvent, should_finish_preparation, FIELD_REQUIRED),
  BOOL (DuetConnectedEvent, renegotiate, FIELD_OPTIONAL),
};

static const Field disconnected_event_fields[] = {
  CALL_ID (DuetDisconnectedEvent),
  REASON (DuetDisconnectedEvent, FIELD_REQUIRED),
  DUET_FIELD (DuetDisconnectedEvent, reason, "reason_code", FIELD_ENUM_CODE, FIELD_REQUIRED),
  DUET_FIELD (DuetDisconnectedEvent, source, "source", FIELD_ENUM, FIELD_REQUIRED,
              DUET_ENUM (duet_disconnect_source_get_type)),
  DUET_FIELD (DuetDisconnectedEvent, source, "source_code", FIELD_ENUM_CODE, FIELD_REQUIRED),
  BOOL (DuetDisconnectedEvent, by_remote, FIELD_REQUIRED),
  USER_CODE (DuetDisconnectedEvent, FIELD_OPTIONAL),
};

static const Field signal_event_fields[] = {
  CALL_ID (DuetSignalEvent),
  DUET_FIELD (DuetSignalEvent, payload, "payload", FIELD_OBJECT, FIELD_REQUIRED, .element = &payload_spec),
};

static const Field peer_media_state_event_fields[] = {
  MEDIA_STATE_FIELDS (DuetPeerMediaStateEvent),
};

static const Field missed_call_event_fields[] = {
  CALL_ID (DuetMissedCallEvent),
  USER (DuetMissedCallEvent, caller_user),
  USER (DuetMissedCallEvent, caller_service),
  MEDIA_TYPE (DuetMissedCallEvent),
  TIME (DuetMissedCallEvent, invited_at),
  REASON (DuetMissedCallEvent, FIELD_REQUIRED),
};

static const Field preparation_finished_event_fields[] = {
  CALL_ID (DuetPreparationFinishedEvent),
};

static const Field short_data_event_fields[] = {
  CALL_ID (DuetShortDataEvent),
  SHORT_DATA (DuetShortDataEvent),
};

static const MessageSpec incoming_call_event_spec =
  DUET_SPEC ("incoming_call", ROLE_EVENT, DuetIncomingCallEvent, incoming_call_event_fields);
static const MessageSpec verified_event_spec =
  DUET_SPEC ("verified", ROLE_EVENT, DuetVerifiedEvent, verified_event_fields);
static const MessageSpec connected_event_spec =
  DUET_SPEC ("connected", ROLE_EVENT, DuetConnectedEvent, connected_event_fields);
static const MessageSpec disconnected_event_spec =
  DUET_SPEC ("disconnected", ROLE_EVENT, DuetDisconnectedEvent, disconnected_event_fields);
static const MessageSpec signal_event_spec =
  DUET_SPEC ("signal", ROLE_EVENT, DuetSignalEvent, signal_event_fields);
static const MessageSpec peer_media_state_event_spec =
  DUET_SPEC ("peer_media_state", ROLE_EVENT, DuetPeerMediaStateEvent, peer_media_state_event_fields);
static const MessageSpec missed_call_event_spec =
  DUET_SPEC ("missed_call", ROLE_EVENT, DuetMissedCallEvent, missed_call_event_fields);
static const MessageSpec preparation_finished_event_spec =
  DUET_SPEC ("preparation_finished", ROLE_EVENT, DuetPreparationFinishedEvent, preparation_finished_event_fields);
static const MessageSpec short_data_event_spec =
  DUET_SPEC ("short_data", ROLE_EVENT, DuetShortDataEvent, short_data_event_fields);

DUET_DEFINE_MESSAGE (DuetIncomingCallEvent, duet_incoming_call_event, incoming_call_event_spec)
DUET_DEFINE_MESSAGE (DuetVerifiedEvent, duet_verified_event, verified_event_spec)
DUET_DEFINE_MESSAGE (DuetConnectedEvent, duet_connected_event, connected_event_spec)
DUET_DEFINE_MESSAGE (DuetDisconnectedEvent, duet_disconnected_event, disconnected_event_spec)
DUET_DEFINE_MESSAGE (DuetSignalEvent, duet_signal_event, signal_event_spec)
DUET_DEFINE_MESSAGE (DuetPeerMediaStateEvent, duet_peer_media_state_event, peer_media_state_event_spec)
DUET_DEFINE_MESSAGE (DuetMissedCallEvent, duet_missed_call_event, missed_call_event_spec)
DUET_DEFINE_MESSAGE (DuetPreparationFinishedEvent, duet_preparation_finished_event,
                     preparation_finished_event_spec)
DUET_DEFINE_MESSAGE (DuetShortDataEvent, duet_short_data_event, short_data_event_spec)

/* ---- the kit's data channel (peer to peer, not through the server) ---- */

static const Field channel_media_state_fields[] = {
  MEDIA_STATE_BODY (DuetChannelMediaState),
};

static const Field channel_end_fields[] = {
  REASON (DuetChannelEnd, FIELD_REQUIRED),
  USER_CODE (DuetChannelEnd, FIELD_OPTIONAL),
};

static const MessageSpec channel_media_state_spec =
  DUET_SPEC ("media_state", ROLE_EVENT, DuetChannelMediaState, channel_media_state_fields);
static const MessageSpec channel_end_spec =
  DUET_SPEC ("end", ROLE_EVENT, DuetChannelEnd, channel_end_fields);

DUET_DEFINE_MESSAGE (DuetChannelMediaState, duet_channel_media_state, channel_media_state_spec)
DUET_DEFINE_MESSAGE (DuetChannelEnd, duet_channel_end, channel_end_spec)

#define RX_INT(member, wire, lo, hi) \
  DUET_FIELD (DuetChannelReceiverReport, member, wire, FIELD_INT, FIELD_REQUIRED, DUET_RANGE (lo, hi))
#define RX_OPTIONAL(member, wire, has, lo, hi) \
  DUET_FIELD (DuetChannelReceiverReport, member, wire, FIELD_INT, FIELD_OPTIONAL, \
              DUET_HAS (DuetChannelReceiverReport, has), DUET_RANGE (lo, hi))

/* Bounds keep a forged report from steering the peer anywhere absurd */
static const Field channel_receiver_report_fields[] = {
  RX_INT (seq, "seq", 0, G_MAXINT32),
  RX_INT (ts_ms, "ts_ms", 0, G_GINT64_CONSTANT (1) << 52),
  RX_OPTIONAL (echo_ts_ms, "echo_ts_ms", has_echo, 0, G_GINT64_CONSTANT (1) << 52),
  RX_OPTIONAL (echo_delay_ms, "echo_delay_ms", has_echo, 0, 60000),
  RX_INT (interval_ms, "interval_ms", 1, 60000),
  RX_INT (kbps, "kbps", 0, 1000000),
  RX_OPTIONAL (video_loss, "video_loss", has_video_loss, 0, 1000),
  RX_OPTIONAL (audio_loss, "audio_loss", has_audio_loss, 0, 1000),
  RX_OPTIONAL (queue_delay_ms, "queue_delay_ms", has_queue_delay, 0, 60000),
  RX_INT (jitter_ms, "jitter_ms", 0, 60000),
  RX_INT (fps, "fps", 0, 1000),
  DUET_FIELD (DuetChannelReceiverReport, quality, "quality", FIELD_ENUM, FIELD_REQUIRED,
              DUET_ENUM (duet_network_quality_get_type)),
};

static const MessageSpec channel_receiver_report_spec =
  DUET_SPEC ("rx", ROLE_EVENT, DuetChannelReceiverReport, channel_receiver_report_fields);

DUET_DEFINE_MESSAGE (DuetChannelReceiverReport, duet_channel_receiver_report, channel_receiver_report_spec)

#undef RX_INT
#undef RX_OPTIONAL

/* The heartbeat that keeps a quiet path alive; no fields */
static const MessageSpec channel_heartbeat_spec = { .name = "hb", .role = ROLE_EVENT };

gboolean
duet_channel_heartbeat_parse (JsonObject  *message,
                              GError     **error)
{
  return duet_spec_parse (&channel_heartbeat_spec, message, NULL, error);
}

JsonObject *
duet_channel_heartbeat_build (void)
{
  return duet_spec_build (&channel_heartbeat_spec, NULL, NULL);
}
