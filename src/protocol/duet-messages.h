/* duet-messages.h: every message of docs/protocol.md as a C struct
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each message has a struct and three functions:
 *
 *   gboolean    duet_x_parse (JsonObject *message, DuetX *out, GError **error);
 *   JsonObject *duet_x_build ([const char *id,] const DuetX *value);
 *   void        duet_x_clear (DuetX *value);
 *
 * Requests, replies and errors take the request id in build (an error's
 * may be NULL); events and HTTP bodies have none. Messages without fields
 * have parse and build only.
 *
 * Parse checks everything docs/protocol.md says of the message: its `type`,
 * its `id`, each field's JSON type, presence, length, id rules, enum names
 * and ranges. It fails with DUET_PROTOCOL_ERROR_BAD_MESSAGE, naming the
 * field, except make_call, whose errors are in DUET_START_FAIL_ERROR (the
 * wire's `start_failed` with that `start_fail_reason`). @out must be empty
 * (zeroed, or cleared); it holds nothing after a failure. Members the
 * message does not define are ignored. Strings are owned by the struct.
 *
 * Build takes a struct that parse would accept and returns a new object
 * ready for duet_protocol_serialize(). Optional fields that are unset
 * (NULL, 0, FALSE, or has_x FALSE where there is a has_x) are left out,
 * or sent as null where the protocol says null.
 */
#pragma once

#include "duet-protocol.h"

G_BEGIN_DECLS

/* Limits of docs/protocol.md that belong to single messages */
#define DUET_PROTOCOL_MAX_USER_CODE          127   /* bytes; PlanetKit's 128 with the NUL */
#define DUET_PROTOCOL_MAX_SHORT_DATA_TYPE    99    /* bytes; PlanetKit's 100 with the NUL */
#define DUET_PROTOCOL_MAX_SHORT_DATA         800   /* bytes, decoded */
#define DUET_PROTOCOL_MAX_MEDIA_REASON       256   /* bytes */
#define DUET_PROTOCOL_HISTORY_DEFAULT_LIMIT  50
#define DUET_PROTOCOL_HISTORY_MAX_LIMIT      200
#define DUET_PROTOCOL_MAX_MLINE_INDEX        63
#define DUET_PROTOCOL_MAX_DEVICE_NAME        64    /* bytes */

#define DUET_START_FAIL_ERROR (duet_start_fail_error_quark ())
/* Its codes are DuetStartFailReason values */
GQuark duet_start_fail_error_quark (void);

/* ---- the envelope ----------------------------------------------------- */

typedef enum
{
  DUET_REQUEST_UNKNOWN,
  DUET_REQUEST_AUTH,
  DUET_REQUEST_MAKE_CALL,
  DUET_REQUEST_VERIFY_CALL,
  DUET_REQUEST_ACCEPT_CALL,
  DUET_REQUEST_END_CALL,
  DUET_REQUEST_SIGNAL,
  DUET_REQUEST_MEDIA_STATE,
  DUET_REQUEST_HISTORY,
  DUET_REQUEST_PING,
  DUET_REQUEST_FINISH_PREPARATION,
  DUET_REQUEST_SHORT_DATA,
  DUET_REQUEST_DEVICES,
  DUET_REQUEST_SIGN_OUT_DEVICE,
  DUET_REQUEST_MARK_SEEN,
} DuetRequestType;

/* What the server sends: "reply", "error" or one of the events */
typedef enum
{
  DUET_SERVER_MESSAGE_UNKNOWN,
  DUET_SERVER_MESSAGE_REPLY,
  DUET_SERVER_MESSAGE_ERROR,
  DUET_SERVER_MESSAGE_HELLO,
  DUET_SERVER_MESSAGE_ICE_SERVERS,
  DUET_SERVER_MESSAGE_INCOMING_CALL,
  DUET_SERVER_MESSAGE_VERIFIED,
  DUET_SERVER_MESSAGE_CONNECTED,
  DUET_SERVER_MESSAGE_DISCONNECTED,
  DUET_SERVER_MESSAGE_SIGNAL,
  DUET_SERVER_MESSAGE_PEER_MEDIA_STATE,
  DUET_SERVER_MESSAGE_MISSED_CALL,
  DUET_SERVER_MESSAGE_SERVER_SHUTDOWN,
  DUET_SERVER_MESSAGE_SESSION_REPLACED,
  DUET_SERVER_MESSAGE_PREPARATION_FINISHED,
  DUET_SERVER_MESSAGE_SHORT_DATA,
  DUET_SERVER_MESSAGE_DEVICES_CHANGED,
  DUET_SERVER_MESSAGE_SIGNED_OUT,
  DUET_SERVER_MESSAGE_CALL_SEEN,
} DuetServerMessageType;

/* The `id` of a request (or reply): required, 1–64 id characters */
const char            *duet_message_read_id          (JsonObject  *message,
                                                      GError     **error);
/* The `type`: required, a string */
const char            *duet_message_read_type        (JsonObject  *message,
                                                      GError     **error);
/* Numbers a built request: the client's connection picks its ids */
void                   duet_message_set_id           (JsonObject  *message,
                                                      const char  *id);
DuetRequestType        duet_request_type_from_string (const char  *type);
const char            *duet_request_type_to_string   (DuetRequestType type);
DuetServerMessageType  duet_server_message_type_from_string (const char *type);

/* ---- pieces shared by several messages -------------------------------- */

/* signal's payload, in the browser's RTCSessionDescription and
 * RTCIceCandidate forms */
typedef struct
{
  DuetSignalType  type;
  char           *sdp;              /* offer, answer */
  char           *candidate;        /* candidate; "" means end of candidates */
  gint64          sdp_mline_index;  /* candidate: 0–63 */
  char           *sdp_mid;          /* candidate, optional */
  gboolean        has_session;
  gint64          session;          /* 0–2147483647; 0 when absent */
} DuetSignalPayload;

void duet_signal_payload_clear (DuetSignalPayload *payload);

/* One RTCIceServer dictionary */
typedef struct
{
  GStrv  urls;        /* at least one */
  char  *username;    /* TURN only */
  char  *credential;
} DuetIceServer;

DuetIceServer *duet_ice_server_new  (void);
void           duet_ice_server_free (DuetIceServer *server);

/* One entry of hello's `calls` */
typedef struct
{
  char              *call_id;
  DuetWireCallState  state;       /* waiting, ringing or connected */
  DuetCallRole       role;
  char              *peer_user;
  char              *peer_service;
  DuetMediaType      media_type;
  gboolean           has_in_responder_preparation;  /* connected calls */
  gboolean           in_responder_preparation;
} DuetHelloCall;

DuetHelloCall *duet_hello_call_new  (void);
void           duet_hello_call_free (DuetHelloCall *call);

/* One entry of the history reply; times are unix ms, 0 (null) = never */
typedef struct
{
  char                 *call_id;
  DuetCallDirection     direction;
  char                 *peer_user;
  char                 *peer_service;
  DuetMediaType         media_type;
  DuetWireCallState     state;
  gint64                invited_at;
  gint64                answered_at;
  gint64                ended_at;
  gint64                duration_ms;
  DuetDisconnectReason  reason;     /* 0 (null) until ended */
  DuetDisconnectSource  source;     /* UNDEFINED (null) until ended */
  char                 *user_code;  /* NULL (null): none */
  gboolean              missed;
  gboolean              seen;       /* a missed call some device marked seen */
} DuetHistoryEntry;

DuetHistoryEntry *duet_history_entry_new  (void);
void              duet_history_entry_free (DuetHistoryEntry *entry);

/* One signed-in device of the user (devices reply, devices_changed);
 * times are unix ms */
typedef struct
{
  char     *device_id;
  char     *name;
  gint64    created_at;     /* first signed in */
  gint64    last_seen_at;   /* last connected or disconnected */
  gboolean  online;         /* has a connection now */
  gboolean  current;        /* the connection this was sent to */
} DuetDeviceEntry;

DuetDeviceEntry *duet_device_entry_new  (void);
void             duet_device_entry_free (DuetDeviceEntry *entry);

/* ---- requests --------------------------------------------------------- */

typedef struct
{
  char *token;
} DuetAuthRequest;

typedef struct
{
  char          *peer_user;
  char          *peer_service;   /* NULL: the caller's own service */
  DuetMediaType  media_type;
} DuetMakeCallRequest;

typedef struct
{
  char     *cc_param;
  gboolean  use_responder_preparation;
} DuetVerifyCallRequest;

typedef struct
{
  char     *call_id;
  gboolean  use_responder_preparation;
} DuetAcceptCallRequest;

typedef struct
{
  char                 *call_id;
  DuetDisconnectReason  reason;     /* 0: the server picks it */
  char                 *user_code;  /* 1–127 bytes, no control characters */
} DuetEndCallRequest;

typedef struct
{
  char              *call_id;
  DuetSignalPayload  payload;
} DuetSignalRequest;

typedef struct
{
  char           *call_id;
  gboolean        has_mic_muted;
  gboolean        mic_muted;
  gboolean        has_video_state;
  DuetVideoState  video_state;
  char           *reason;          /* at most 256 bytes */
} DuetMediaStateRequest;

typedef struct
{
  gint64 limit;    /* 1–200, 50 when absent */
  gint64 before;   /* unix ms, 0: none */
} DuetHistoryRequest;

typedef struct
{
  char *call_id;
} DuetFinishPreparationRequest;

typedef struct
{
  char   *call_id;
  char   *data_type;  /* 1–99 bytes, no control characters */
  GBytes *data;       /* 1–800 bytes; base64 on the wire */
} DuetShortDataRequest;

typedef struct
{
  char *device_id;
} DuetSignOutDeviceRequest;

typedef struct
{
  char *call_id;
} DuetMarkSeenRequest;

gboolean    duet_auth_request_parse               (JsonObject *message, DuetAuthRequest *out, GError **error);
JsonObject *duet_auth_request_build               (const char *id, const DuetAuthRequest *request);
void        duet_auth_request_clear               (DuetAuthRequest *request);

gboolean    duet_make_call_request_parse          (JsonObject *message, DuetMakeCallRequest *out, GError **error);
JsonObject *duet_make_call_request_build          (const char *id, const DuetMakeCallRequest *request);
void        duet_make_call_request_clear          (DuetMakeCallRequest *request);

gboolean    duet_verify_call_request_parse        (JsonObject *message, DuetVerifyCallRequest *out, GError **error);
JsonObject *duet_verify_call_request_build        (const char *id, const DuetVerifyCallRequest *request);
void        duet_verify_call_request_clear        (DuetVerifyCallRequest *request);

gboolean    duet_accept_call_request_parse        (JsonObject *message, DuetAcceptCallRequest *out, GError **error);
JsonObject *duet_accept_call_request_build        (const char *id, const DuetAcceptCallRequest *request);
void        duet_accept_call_request_clear        (DuetAcceptCallRequest *request);

gboolean    duet_end_call_request_parse           (JsonObject *message, DuetEndCallRequest *out, GError **error);
JsonObject *duet_end_call_request_build           (const char *id, const DuetEndCallRequest *request);
void        duet_end_call_request_clear           (DuetEndCallRequest *request);

gboolean    duet_signal_request_parse             (JsonObject *message, DuetSignalRequest *out, GError **error);
JsonObject *duet_signal_request_build             (const char *id, const DuetSignalRequest *request);
void        duet_signal_request_clear             (DuetSignalRequest *request);

gboolean    duet_media_state_request_parse        (JsonObject *message, DuetMediaStateRequest *out, GError **error);
JsonObject *duet_media_state_request_build        (const char *id, const DuetMediaStateRequest *request);
void        duet_media_state_request_clear        (DuetMediaStateRequest *request);

gboolean    duet_history_request_parse            (JsonObject *message, DuetHistoryRequest *out, GError **error);
JsonObject *duet_history_request_build            (const char *id, const DuetHistoryRequest *request);
void        duet_history_request_clear            (DuetHistoryRequest *request);

gboolean    duet_ping_request_parse               (JsonObject *message, GError **error);
JsonObject *duet_ping_request_build               (const char *id);

gboolean    duet_finish_preparation_request_parse (JsonObject *message, DuetFinishPreparationRequest *out, GError **error);
JsonObject *duet_finish_preparation_request_build (const char *id, const DuetFinishPreparationRequest *request);
void        duet_finish_preparation_request_clear (DuetFinishPreparationRequest *request);

gboolean    duet_short_data_request_parse         (JsonObject *message, DuetShortDataRequest *out, GError **error);
JsonObject *duet_short_data_request_build         (const char *id, const DuetShortDataRequest *request);
void        duet_short_data_request_clear         (DuetShortDataRequest *request);

gboolean    duet_devices_request_parse            (JsonObject *message, GError **error);
JsonObject *duet_devices_request_build            (const char *id);

gboolean    duet_sign_out_device_request_parse    (JsonObject *message, DuetSignOutDeviceRequest *out, GError **error);
JsonObject *duet_sign_out_device_request_build    (const char *id, const DuetSignOutDeviceRequest *request);
void        duet_sign_out_device_request_clear    (DuetSignOutDeviceRequest *request);

gboolean    duet_mark_seen_request_parse          (JsonObject *message, DuetMarkSeenRequest *out, GError **error);
JsonObject *duet_mark_seen_request_build          (const char *id, const DuetMarkSeenRequest *request);
void        duet_mark_seen_request_clear          (DuetMarkSeenRequest *request);

/* ---- replies ---------------------------------------------------------- */

typedef struct
{
  char *user;
  char *service;
} DuetAuthReply;

typedef struct
{
  char              *call_id;
  DuetWireCallState  state;    /* waiting */
} DuetMakeCallReply;

typedef struct
{
  char          *call_id;
  char          *caller_user;
  char          *caller_service;
  DuetMediaType  media_type;
} DuetVerifyCallReply;

typedef struct
{
  GPtrArray *calls;   /* DuetHistoryEntry*, newest first */
} DuetHistoryReply;

typedef struct
{
  gint64 now;         /* unix ms */
} DuetPingReply;

typedef struct
{
  GPtrArray *devices; /* DuetDeviceEntry*, oldest first */
} DuetDevicesReply;

gboolean    duet_auth_reply_parse         (JsonObject *message, DuetAuthReply *out, GError **error);
JsonObject *duet_auth_reply_build         (const char *id, const DuetAuthReply *reply);
void        duet_auth_reply_clear         (DuetAuthReply *reply);

gboolean    duet_make_call_reply_parse    (JsonObject *message, DuetMakeCallReply *out, GError **error);
JsonObject *duet_make_call_reply_build    (const char *id, const DuetMakeCallReply *reply);
void        duet_make_call_reply_clear    (DuetMakeCallReply *reply);

gboolean    duet_verify_call_reply_parse  (JsonObject *message, DuetVerifyCallReply *out, GError **error);
JsonObject *duet_verify_call_reply_build  (const char *id, const DuetVerifyCallReply *reply);
void        duet_verify_call_reply_clear  (DuetVerifyCallReply *reply);

/* The reply of accept_call, end_call, signal, media_state,
 * finish_preparation and short_data */
gboolean    duet_empty_reply_parse        (JsonObject *message, GError **error);
JsonObject *duet_empty_reply_build        (const char *id);

gboolean    duet_history_reply_parse      (JsonObject *message, DuetHistoryReply *out, GError **error);
JsonObject *duet_history_reply_build      (const char *id, const DuetHistoryReply *reply);
void        duet_history_reply_clear      (DuetHistoryReply *reply);

gboolean    duet_ping_reply_parse         (JsonObject *message, DuetPingReply *out, GError **error);
JsonObject *duet_ping_reply_build         (const char *id, const DuetPingReply *reply);
void        duet_ping_reply_clear         (DuetPingReply *reply);

gboolean    duet_devices_reply_parse      (JsonObject *message, DuetDevicesReply *out, GError **error);
JsonObject *duet_devices_reply_build      (const char *id, const DuetDevicesReply *reply);
void        duet_devices_reply_clear      (DuetDevicesReply *reply);

/* ---- errors ----------------------------------------------------------- */

typedef struct
{
  DuetProtocolError    code;
  char                *message;
  char                *detail;              /* invalid_cc_param: why */
  DuetStartFailReason  start_fail_reason;   /* NONE: absent */
  gint64               retry_after;         /* seconds, 0: absent */
} DuetErrorMessage;

/* The build's @id may be NULL: sent as null */
gboolean    duet_error_message_parse       (JsonObject *message, DuetErrorMessage *out, GError **error);
JsonObject *duet_error_message_build       (const char *id, const DuetErrorMessage *error_message);
void        duet_error_message_clear       (DuetErrorMessage *error_message);
/* What a GError of a parse (or a server check) looks like on the wire */
void        duet_error_message_init_from_gerror (DuetErrorMessage *out,
                                                 const GError     *error);

/* ---- events ----------------------------------------------------------- */

typedef struct
{
  char      *user;
  char      *service;
  char      *server_version;
  gint64     ring_timeout;      /* seconds */
  gint64     grace_period;      /* seconds */
  GPtrArray *calls;             /* DuetHelloCall* */
  GPtrArray *ice_servers;       /* DuetIceServer*; NULL: none configured */
  gint64     ice_servers_ttl;   /* seconds, with ice_servers */
  char      *device_id;         /* this connection's device */
  char      *device_name;
} DuetHelloEvent;

typedef struct
{
  GPtrArray *ice_servers;       /* DuetIceServer* */
  gint64     ice_servers_ttl;
} DuetIceServersEvent;

typedef struct
{
  char          *call_id;
  char          *cc_param;
  char          *caller_user;
  char          *caller_service;
  DuetMediaType  media_type;
} DuetIncomingCallEvent;

typedef struct
{
  char     *call_id;
  gboolean  peer_use_responder_preparation;
} DuetVerifiedEvent;

typedef struct
{
  char     *call_id;
  gboolean  is_in_responder_preparation;
  gboolean  should_finish_preparation;   /* callee only */
  gboolean  renegotiate;   /* caller only: another device answered than the
                            * one that set up media; offer a new session */
} DuetConnectedEvent;

/* reason_code and source_code on the wire are the enums' values */
typedef struct
{
  char                 *call_id;
  DuetDisconnectReason  reason;
  DuetDisconnectSource  source;
  gboolean              by_remote;
  char                 *user_code;   /* NULL: none */
} DuetDisconnectedEvent;

typedef struct
{
  char              *call_id;
  DuetSignalPayload  payload;
} DuetSignalEvent;

typedef struct
{
  char           *call_id;
  gboolean        has_mic_muted;
  gboolean        mic_muted;
  gboolean        has_video_state;
  DuetVideoState  video_state;
  char           *reason;
} DuetPeerMediaStateEvent;

typedef struct
{
  char                 *call_id;
  char                 *caller_user;
  char                 *caller_service;
  DuetMediaType         media_type;
  gint64                invited_at;   /* unix ms */
  DuetDisconnectReason  reason;
} DuetMissedCallEvent;

typedef struct
{
  gboolean restarting;
} DuetServerShutdownEvent;

typedef struct
{
  char *call_id;
} DuetPreparationFinishedEvent;

typedef struct
{
  char   *call_id;
  char   *data_type;
  GBytes *data;
} DuetShortDataEvent;

typedef struct
{
  GPtrArray *devices;   /* DuetDeviceEntry*, oldest first */
} DuetDevicesChangedEvent;

typedef struct
{
  DuetSignOutReason reason;
} DuetSignedOutEvent;

typedef struct
{
  char *call_id;
} DuetCallSeenEvent;

gboolean    duet_hello_event_parse                (JsonObject *message, DuetHelloEvent *out, GError **error);
JsonObject *duet_hello_event_build                (const DuetHelloEvent *event);
void        duet_hello_event_clear                (DuetHelloEvent *event);

gboolean    duet_ice_servers_event_parse          (JsonObject *message, DuetIceServersEvent *out, GError **error);
JsonObject *duet_ice_servers_event_build          (const DuetIceServersEvent *event);
void        duet_ice_servers_event_clear          (DuetIceServersEvent *event);

gboolean    duet_incoming_call_event_parse        (JsonObject *message, DuetIncomingCallEvent *out, GError **error);
JsonObject *duet_incoming_call_event_build        (const DuetIncomingCallEvent *event);
void        duet_incoming_call_event_clear        (DuetIncomingCallEvent *event);

gboolean    duet_verified_event_parse             (JsonObject *message, DuetVerifiedEvent *out, GError **error);
JsonObject *duet_verified_event_build             (const DuetVerifiedEvent *event);
void        duet_verified_event_clear             (DuetVerifiedEvent *event);

gboolean    duet_connected_event_parse            (JsonObject *message, DuetConnectedEvent *out, GError **error);
JsonObject *duet_connected_event_build            (const DuetConnectedEvent *event);
void        duet_connected_event_clear            (DuetConnectedEvent *event);

gboolean    duet_disconnected_event_parse         (JsonObject *message, DuetDisconnectedEvent *out, GError **error);
JsonObject *duet_disconnected_event_build         (const DuetDisconnectedEvent *event);
void        duet_disconnected_event_clear         (DuetDisconnectedEvent *event);

gboolean    duet_signal_event_parse               (JsonObject *message, DuetSignalEvent *out, GError **error);
JsonObject *duet_signal_event_build               (const DuetSignalEvent *event);
void        duet_signal_event_clear               (DuetSignalEvent *event);

gboolean    duet_peer_media_state_event_parse     (JsonObject *message, DuetPeerMediaStateEvent *out, GError **error);
JsonObject *duet_peer_media_state_event_build     (const DuetPeerMediaStateEvent *event);
void        duet_peer_media_state_event_clear     (DuetPeerMediaStateEvent *event);

gboolean    duet_missed_call_event_parse          (JsonObject *message, DuetMissedCallEvent *out, GError **error);
JsonObject *duet_missed_call_event_build          (const DuetMissedCallEvent *event);
void        duet_missed_call_event_clear          (DuetMissedCallEvent *event);

gboolean    duet_server_shutdown_event_parse      (JsonObject *message, DuetServerShutdownEvent *out, GError **error);
JsonObject *duet_server_shutdown_event_build      (const DuetServerShutdownEvent *event);
void        duet_server_shutdown_event_clear      (DuetServerShutdownEvent *event);

gboolean    duet_session_replaced_event_parse     (JsonObject *message, GError **error);
JsonObject *duet_session_replaced_event_build     (void);

gboolean    duet_preparation_finished_event_parse (JsonObject *message, DuetPreparationFinishedEvent *out, GError **error);
JsonObject *duet_preparation_finished_event_build (const DuetPreparationFinishedEvent *event);
void        duet_preparation_finished_event_clear (DuetPreparationFinishedEvent *event);

gboolean    duet_short_data_event_parse           (JsonObject *message, DuetShortDataEvent *out, GError **error);
JsonObject *duet_short_data_event_build           (const DuetShortDataEvent *event);
void        duet_short_data_event_clear           (DuetShortDataEvent *event);

gboolean    duet_devices_changed_event_parse      (JsonObject *message, DuetDevicesChangedEvent *out, GError **error);
JsonObject *duet_devices_changed_event_build      (const DuetDevicesChangedEvent *event);
void        duet_devices_changed_event_clear      (DuetDevicesChangedEvent *event);

gboolean    duet_signed_out_event_parse           (JsonObject *message, DuetSignedOutEvent *out, GError **error);
JsonObject *duet_signed_out_event_build           (const DuetSignedOutEvent *event);
void        duet_signed_out_event_clear           (DuetSignedOutEvent *event);

gboolean    duet_call_seen_event_parse            (JsonObject *message, DuetCallSeenEvent *out, GError **error);
JsonObject *duet_call_seen_event_build            (const DuetCallSeenEvent *event);
void        duet_call_seen_event_clear            (DuetCallSeenEvent *event);

/* ---- the kit's WebRTC data channel -------------------------------------
 * Peer to peer, so that mute, video and the end of a call reach the peer
 * while the server is away (docs/protocol.md, "The data channel"). */

typedef struct
{
  gboolean        has_mic_muted;
  gboolean        mic_muted;
  gboolean        has_video_state;
  DuetVideoState  video_state;
  char           *reason;
} DuetChannelMediaState;

typedef struct
{
  DuetDisconnectReason  reason;
  char                 *user_code;   /* NULL: none */
} DuetChannelEnd;

gboolean    duet_channel_media_state_parse (JsonObject *message, DuetChannelMediaState *out, GError **error);
JsonObject *duet_channel_media_state_build (const DuetChannelMediaState *state);
void        duet_channel_media_state_clear (DuetChannelMediaState *state);

gboolean    duet_channel_end_parse         (JsonObject *message, DuetChannelEnd *out, GError **error);
JsonObject *duet_channel_end_build         (const DuetChannelEnd *end);
void        duet_channel_end_clear         (DuetChannelEnd *end);

gboolean    duet_channel_heartbeat_parse   (JsonObject *message, GError **error);
JsonObject *duet_channel_heartbeat_build   (void);

/* "rx", every half second from each side: how the peer's media arrives
 * here, for the peer's congestion controller and its network quality. The
 * loss figures are before NACK and FEC recovery, in per mille; the echo
 * fields return the peer's last ts_ms so that it can measure the RTT. */
typedef struct
{
  gint64              seq;
  gint64              ts_ms;            /* the sender's monotonic clock */
  gboolean            has_echo;
  gint64              echo_ts_ms;       /* the last ts_ms heard from the peer */
  gint64              echo_delay_ms;    /* how long ago it was heard */
  gint64              interval_ms;      /* what the rates cover */
  gint64              kbps;             /* media received, all streams */
  gboolean            has_video_loss;
  gint64              video_loss;       /* per mille */
  gboolean            has_audio_loss;
  gint64              audio_loss;
  gboolean            has_queue_delay;
  gint64              queue_delay_ms;   /* video's one-way delay above its recent floor */
  gint64              jitter_ms;
  gint64              fps;              /* video frames decoded per second */
  DuetNetworkQuality  quality;          /* the receiver's verdict */
} DuetChannelReceiverReport;

gboolean    duet_channel_receiver_report_parse (JsonObject *message, DuetChannelReceiverReport *out, GError **error);
JsonObject *duet_channel_receiver_report_build (const DuetChannelReceiverReport *report);
void        duet_channel_receiver_report_clear (DuetChannelReceiverReport *report);

/* ---- HTTP bodies (POST /v1/token, /v1/token/refresh, errors, /healthz) - */

typedef struct
{
  char *user;
  char *service;      /* NULL: the server's default service */
  char *password;     /* 1–1024 bytes; wiped by clear */
  char *device_id;    /* NULL: the server picks one */
  char *device_name;  /* 1–64 bytes, no control characters; NULL: none */
} DuetTokenRequest;

typedef struct
{
  char   *token;
  char   *token_type;   /* "Bearer" */
  gint64  expires_in;   /* seconds */
  char   *user;
  char   *service;
  char   *device_id;    /* the device the token is for */
} DuetTokenReply;

typedef struct
{
  char   *error;        /* bad_request, invalid_credentials, … */
  char   *message;
  gint64  retry_after;  /* seconds, 0: absent */
} DuetHttpError;

typedef struct
{
  char *status;         /* ok, degraded, shutting_down */
  char *version;        /* NULL: absent */
  GStrv down;           /* what cannot be reached ("database"); NULL: absent */
} DuetHealthReply;

gboolean    duet_token_request_parse  (JsonObject *body, DuetTokenRequest *out, GError **error);
JsonObject *duet_token_request_build  (const DuetTokenRequest *request);
void        duet_token_request_clear  (DuetTokenRequest *request);

gboolean    duet_token_reply_parse    (JsonObject *body, DuetTokenReply *out, GError **error);
JsonObject *duet_token_reply_build    (const DuetTokenReply *reply);
void        duet_token_reply_clear    (DuetTokenReply *reply);

gboolean    duet_http_error_parse     (JsonObject *body, DuetHttpError *out, GError **error);
JsonObject *duet_http_error_build     (const DuetHttpError *error_body);
void        duet_http_error_clear     (DuetHttpError *error_body);

gboolean    duet_health_reply_parse   (JsonObject *body, DuetHealthReply *out, GError **error);
JsonObject *duet_health_reply_build   (const DuetHealthReply *reply);
void        duet_health_reply_clear   (DuetHealthReply *reply);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetIceServer, duet_ice_server_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetHelloCall, duet_hello_call_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetHistoryEntry, duet_history_entry_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetDeviceEntry, duet_device_entry_free)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetSignOutDeviceRequest, duet_sign_out_device_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetMarkSeenRequest, duet_mark_seen_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetDevicesReply, duet_devices_reply_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetDevicesChangedEvent, duet_devices_changed_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetSignedOutEvent, duet_signed_out_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetCallSeenEvent, duet_call_seen_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetSignalPayload, duet_signal_payload_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetAuthRequest, duet_auth_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetMakeCallRequest, duet_make_call_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetVerifyCallRequest, duet_verify_call_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetAcceptCallRequest, duet_accept_call_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetEndCallRequest, duet_end_call_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetSignalRequest, duet_signal_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetMediaStateRequest, duet_media_state_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetHistoryRequest, duet_history_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetFinishPreparationRequest, duet_finish_preparation_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetShortDataRequest, duet_short_data_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetAuthReply, duet_auth_reply_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetMakeCallReply, duet_make_call_reply_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetVerifyCallReply, duet_verify_call_reply_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetHistoryReply, duet_history_reply_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetPingReply, duet_ping_reply_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetErrorMessage, duet_error_message_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetHelloEvent, duet_hello_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetIceServersEvent, duet_ice_servers_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetIncomingCallEvent, duet_incoming_call_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetVerifiedEvent, duet_verified_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetConnectedEvent, duet_connected_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetDisconnectedEvent, duet_disconnected_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetSignalEvent, duet_signal_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetPeerMediaStateEvent, duet_peer_media_state_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetMissedCallEvent, duet_missed_call_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetServerShutdownEvent, duet_server_shutdown_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetPreparationFinishedEvent, duet_preparation_finished_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetShortDataEvent, duet_short_data_event_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetChannelMediaState, duet_channel_media_state_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetChannelEnd, duet_channel_end_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetChannelReceiverReport, duet_channel_receiver_report_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetTokenRequest, duet_token_request_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetTokenReply, duet_token_reply_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetHttpError, duet_http_error_clear)
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (DuetHealthReply, duet_health_reply_clear)

G_END_DECLS
