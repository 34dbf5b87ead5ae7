/* duet-messages-session.c: the messages around calls: signing in, hello,
 * STUN/TURN servers, history, ping, errors, shutdown, and the HTTP bodies
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-messages-private.h"

#define STRING(T, member, flags) DUET_FIELD (T, member, #member, FIELD_STRING, flags)
#define ID(T, member, flags) DUET_FIELD (T, member, #member, FIELD_ID, flags)
#define INT(T, member, flags, lo, hi) DUET_FIELD (T, member, #member, FIELD_INT, flags, DUET_RANGE (lo, hi))
#define ENUM(T, member, flags, get_type) DUET_FIELD (T, member, #member, FIELD_ENUM, flags, DUET_ENUM (get_type))
#define CODE(T, member, wire, flags) DUET_FIELD (T, member, wire, FIELD_ENUM_CODE, flags)
#define ARRAY(T, member, flags, spec) DUET_FIELD (T, member, #member, FIELD_ARRAY, flags, .element = &(spec))

/* ---- elements --------------------------------------------------------- */

static const Field ice_server_fields[] = {
  DUET_FIELD (DuetIceServer, urls, "urls", FIELD_STRV, FIELD_REQUIRED),
  STRING (DuetIceServer, username, FIELD_OPTIONAL),
  STRING (DuetIceServer, credential, FIELD_OPTIONAL),
};

static const Field hello_call_fields[] = {
  STRING (DuetHelloCall, call_id, FIELD_REQUIRED),
  ENUM (DuetHelloCall, state, FIELD_REQUIRED, duet_wire_call_state_get_type),
  ENUM (DuetHelloCall, role, FIELD_REQUIRED, duet_call_role_get_type),
  ID (DuetHelloCall, peer_user, FIELD_REQUIRED),
  ID (DuetHelloCall, peer_service, FIELD_REQUIRED),
  ENUM (DuetHelloCall, media_type, FIELD_KNOWN, duet_media_type_get_type),
  DUET_FIELD (DuetHelloCall, in_responder_preparation, "in_responder_preparation", FIELD_BOOL,
              FIELD_OPTIONAL, DUET_HAS (DuetHelloCall, has_in_responder_preparation)),
};

static const Field history_entry_fields[] = {
  STRING (DuetHistoryEntry, call_id, FIELD_REQUIRED),
  ENUM (DuetHistoryEntry, direction, FIELD_REQUIRED, duet_call_direction_get_type),
  ID (DuetHistoryEntry, peer_user, FIELD_REQUIRED),
  ID (DuetHistoryEntry, peer_service, FIELD_REQUIRED),
  ENUM (DuetHistoryEntry, media_type, FIELD_KNOWN, duet_media_type_get_type),
  ENUM (DuetHistoryEntry, state, FIELD_REQUIRED, duet_wire_call_state_get_type),
  INT (DuetHistoryEntry, invited_at, FIELD_NULLABLE, 0, G_MAXINT64),
  INT (DuetHistoryEntry, answered_at, FIELD_NULLABLE, 0, G_MAXINT64),
  INT (DuetHistoryEntry, ended_at, FIELD_NULLABLE, 0, G_MAXINT64),
  INT (DuetHistoryEntry, duration_ms, FIELD_REQUIRED, 0, G_MAXINT64),
  ENUM (DuetHistoryEntry, reason, FIELD_NULLABLE, duet_disconnect_reason_get_type),
  CODE (DuetHistoryEntry, reason, "reason_code", FIELD_NULLABLE),
  ENUM (DuetHistoryEntry, source, FIELD_NULLABLE, duet_disconnect_source_get_type),
  CODE (DuetHistoryEntry, source, "source_code", FIELD_NULLABLE),
  DUET_FIELD (DuetHistoryEntry, user_code, "user_code", FIELD_STRING, FIELD_NULLABLE | FIELD_TEXT,
              DUET_RANGE (1, DUET_PROTOCOL_MAX_USER_CODE)),
  DUET_FIELD (DuetHistoryEntry, missed, "missed", FIELD_BOOL, FIELD_REQUIRED),
  DUET_FIELD (DuetHistoryEntry, seen, "seen", FIELD_BOOL, FIELD_REQUIRED),
};

static const Field device_entry_fields[] = {
  DUET_FIELD (DuetDeviceEntry, device_id, "device_id", FIELD_ID, FIELD_REQUIRED),
  DUET_FIELD (DuetDeviceEntry, name, "name", FIELD_STRING, FIELD_REQUIRED | FIELD_TEXT,
              DUET_RANGE (1, DUET_PROTOCOL_MAX_DEVICE_NAME)),
  INT (DuetDeviceEntry, created_at, FIELD_REQUIRED, 0, G_MAXINT64),
  INT (DuetDeviceEntry, last_seen_at, FIELD_REQUIRED, 0, G_MAXINT64),
  DUET_FIELD (DuetDeviceEntry, online, "online", FIELD_BOOL, FIELD_REQUIRED),
  DUET_FIELD (DuetDeviceEntry, current, "current", FIELD_BOOL, FIELD_REQUIRED),
};

static const MessageSpec ice_server_spec =
  DUET_SPEC ("ICE server", ROLE_BODY, DuetIceServer, ice_server_fields,
             .free_func = (GDestroyNotify) duet_ice_server_free);
static const MessageSpec hello_call_spec =
  DUET_SPEC ("hello call", ROLE_BODY, DuetHelloCall, hello_call_fields,
             .free_func = (GDestroyNotify) duet_hello_call_free);
static const MessageSpec history_entry_spec =
  DUET_SPEC ("history entry", ROLE_BODY, DuetHistoryEntry, history_entry_fields,
             .free_func = (GDestroyNotify) duet_history_entry_free);
static const MessageSpec device_entry_spec =
  DUET_SPEC ("device", ROLE_BODY, DuetDeviceEntry, device_entry_fields,
             .free_func = (GDestroyNotify) duet_device_entry_free);

DuetIceServer *
duet_ice_server_new (void)
{
  return g_new0 (DuetIceServer, 1);
}

void
duet_ice_server_free (DuetIceServer *server)
{
  duet_spec_clear (&ice_server_spec, server);
  g_free (server);
}

DuetHelloCall *
duet_hello_call_new (void)
{
  return g_new0 (DuetHelloCall, 1);
}

void
duet_hello_call_free (DuetHelloCall *call)
{
  duet_spec_clear (&hello_call_spec, call);
  g_free (call);
}

DuetHistoryEntry *
duet_history_entry_new (void)
{
  return g_new0 (DuetHistoryEntry, 1);
}

void
duet_history_entry_free (DuetHistoryEntry *entry)
{
  duet_spec_clear (&history_entry_spec, entry);
  g_free (entry);
}

DuetDeviceEntry *
duet_device_entry_new (void)
{
  return g_new0 (DuetDeviceEntry, 1);
}

void
duet_device_entry_free (DuetDeviceEntry *entry)
{
  duet_spec_clear (&device_entry_spec, entry);
  g_free (entry);
}

/* ---- requests and replies --------------------------------------------- */

static const Field auth_request_fields[] = {
  STRING (DuetAuthRequest, token, FIELD_REQUIRED),
};

static const Field history_request_fields[] = {
  DUET_FIELD (DuetHistoryRequest, limit, "limit", FIELD_INT, FIELD_OPTIONAL,
              DUET_RANGE (1, DUET_PROTOCOL_HISTORY_MAX_LIMIT), .fallback = DUET_PROTOCOL_HISTORY_DEFAULT_LIMIT),
  INT (DuetHistoryRequest, before, FIELD_OPTIONAL, 0, G_MAXINT64),
};

static const Field auth_reply_fields[] = {
  ID (DuetAuthReply, user, FIELD_REQUIRED),
  ID (DuetAuthReply, service, FIELD_REQUIRED),
};

static const Field history_reply_fields[] = {
  ARRAY (DuetHistoryReply, calls, FIELD_REQUIRED, history_entry_spec),
};

static const Field ping_reply_fields[] = {
  INT (DuetPingReply, now, FIELD_REQUIRED, 0, G_MAXINT64),
};

static const Field sign_out_device_request_fields[] = {
  DUET_FIELD (DuetSignOutDeviceRequest, device_id, "device_id", FIELD_ID, FIELD_REQUIRED),
};

static const Field mark_seen_request_fields[] = {
  STRING (DuetMarkSeenRequest, call_id, FIELD_REQUIRED),
};

static const Field devices_reply_fields[] = {
  ARRAY (DuetDevicesReply, devices, FIELD_REQUIRED, device_entry_spec),
};

static const MessageSpec auth_request_spec =
  DUET_SPEC ("auth", ROLE_REQUEST, DuetAuthRequest, auth_request_fields);
static const MessageSpec history_request_spec =
  DUET_SPEC ("history", ROLE_REQUEST, DuetHistoryRequest, history_request_fields);
static const MessageSpec ping_request_spec = { .name = "ping", .role = ROLE_REQUEST };
static const MessageSpec auth_reply_spec =
  DUET_SPEC ("auth reply", ROLE_REPLY, DuetAuthReply, auth_reply_fields);
static const MessageSpec history_reply_spec =
  DUET_SPEC ("history reply", ROLE_REPLY, DuetHistoryReply, history_reply_fields);
static const MessageSpec ping_reply_spec =
  DUET_SPEC ("ping reply", ROLE_REPLY, DuetPingReply, ping_reply_fields);
static const MessageSpec devices_request_spec = { .name = "devices", .role = ROLE_REQUEST };
static const MessageSpec sign_out_device_request_spec =
  DUET_SPEC ("sign_out_device", ROLE_REQUEST, DuetSignOutDeviceRequest, sign_out_device_request_fields);
static const MessageSpec mark_seen_request_spec =
  DUET_SPEC ("mark_seen", ROLE_REQUEST, DuetMarkSeenRequest, mark_seen_request_fields);
static const MessageSpec devices_reply_spec =
  DUET_SPEC ("devices reply", ROLE_REPLY, DuetDevicesReply, devices_reply_fields);

DUET_DEFINE_MESSAGE_WITH_ID (DuetAuthRequest, duet_auth_request, auth_request_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetHistoryRequest, duet_history_request, history_request_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetAuthReply, duet_auth_reply, auth_reply_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetHistoryReply, duet_history_reply, history_reply_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetPingReply, duet_ping_reply, ping_reply_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetSignOutDeviceRequest, duet_sign_out_device_request, sign_out_device_request_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetMarkSeenRequest, duet_mark_seen_request, mark_seen_request_spec)
DUET_DEFINE_MESSAGE_WITH_ID (DuetDevicesReply, duet_devices_reply, devices_reply_spec)

gboolean
duet_devices_request_parse (JsonObject  *message,
                            GError     **error)
{
  return duet_spec_parse (&devices_request_spec, message, NULL, error);
}

JsonObject *
duet_devices_request_build (const char *id)
{
  return duet_spec_build (&devices_request_spec, id, NULL);
}

gboolean
duet_ping_request_parse (JsonObject  *message,
                         GError     **error)
{
  return duet_spec_parse (&ping_request_spec, message, NULL, error);
}

JsonObject *
duet_ping_request_build (const char *id)
{
  return duet_spec_build (&ping_request_spec, id, NULL);
}

/* ---- errors ----------------------------------------------------------- */

static const Field error_message_fields[] = {
  DUET_FIELD (DuetErrorMessage, code, "code", FIELD_ERROR_CODE, FIELD_REQUIRED),
  STRING (DuetErrorMessage, message, FIELD_REQUIRED),
  STRING (DuetErrorMessage, detail, FIELD_OPTIONAL),
  ENUM (DuetErrorMessage, start_fail_reason, FIELD_OPTIONAL, duet_start_fail_reason_get_type),
  INT (DuetErrorMessage, retry_after, FIELD_OPTIONAL, 0, G_MAXINT32),
};

static const MessageSpec error_message_spec =
  DUET_SPEC ("error", ROLE_ERROR, DuetErrorMessage, error_message_fields);

DUET_DEFINE_MESSAGE_WITH_ID (DuetErrorMessage, duet_error_message, error_message_spec)

/* ---- events ----------------------------------------------------------- */

static const Field hello_event_fields[] = {
  ID (DuetHelloEvent, user, FIELD_REQUIRED),
  ID (DuetHelloEvent, service, FIELD_REQUIRED),
  STRING (DuetHelloEvent, server_version, FIELD_REQUIRED),
  INT (DuetHelloEvent, ring_timeout, FIELD_REQUIRED, 0, G_MAXINT32),
  INT (DuetHelloEvent, grace_period, FIELD_REQUIRED, 0, G_MAXINT32),
  ARRAY (DuetHelloEvent, calls, FIELD_REQUIRED, hello_call_spec),
  ARRAY (DuetHelloEvent, ice_servers, FIELD_OPTIONAL, ice_server_spec),
  INT (DuetHelloEvent, ice_servers_ttl, FIELD_OPTIONAL, 0, G_MAXINT32),
  DUET_FIELD (DuetHelloEvent, device_id, "device_id", FIELD_ID, FIELD_OPTIONAL),
  DUET_FIELD (DuetHelloEvent, device_name, "device_name", FIELD_STRING, FIELD_OPTIONAL | FIELD_TEXT,
              DUET_RANGE (1, DUET_PROTOCOL_MAX_DEVICE_NAME)),
};

static const Field ice_servers_event_fields[] = {
  ARRAY (DuetIceServersEvent, ice_servers, FIELD_REQUIRED, ice_server_spec),
  INT (DuetIceServersEvent, ice_servers_ttl, FIELD_REQUIRED, 0, G_MAXINT32),
};

static const Field server_shutdown_event_fields[] = {
  DUET_FIELD (DuetServerShutdownEvent, restarting, "restarting", FIELD_BOOL, FIELD_REQUIRED),
};

static const Field devices_changed_event_fields[] = {
  ARRAY (DuetDevicesChangedEvent, devices, FIELD_REQUIRED, device_entry_spec),
};

static const Field signed_out_event_fields[] = {
  ENUM (DuetSignedOutEvent, reason, FIELD_REQUIRED, duet_sign_out_reason_get_type),
};

static const Field call_seen_event_fields[] = {
  STRING (DuetCallSeenEvent, call_id, FIELD_REQUIRED),
};

static const MessageSpec hello_event_spec =
  DUET_SPEC ("hello", ROLE_EVENT, DuetHelloEvent, hello_event_fields);
static const MessageSpec ice_servers_event_spec =
  DUET_SPEC ("ice_servers", ROLE_EVENT, DuetIceServersEvent, ice_servers_event_fields);
static const MessageSpec server_shutdown_event_spec =
  DUET_SPEC ("server_shutdown", ROLE_EVENT, DuetServerShutdownEvent, server_shutdown_event_fields);
static const MessageSpec session_replaced_event_spec = { .name = "session_replaced", .role = ROLE_EVENT };
static const MessageSpec devices_changed_event_spec =
  DUET_SPEC ("devices_changed", ROLE_EVENT, DuetDevicesChangedEvent, devices_changed_event_fields);
static const MessageSpec signed_out_event_spec =
  DUET_SPEC ("signed_out", ROLE_EVENT, DuetSignedOutEvent, signed_out_event_fields);
static const MessageSpec call_seen_event_spec =
  DUET_SPEC ("call_seen", ROLE_EVENT, DuetCallSeenEvent, call_seen_event_fields);

DUET_DEFINE_MESSAGE (DuetHelloEvent, duet_hello_event, hello_event_spec)
DUET_DEFINE_MESSAGE (DuetIceServersEvent, duet_ice_servers_event, ice_servers_event_spec)
DUET_DEFINE_MESSAGE (DuetServerShutdownEvent, duet_server_shutdown_event, server_shutdown_event_spec)
DUET_DEFINE_MESSAGE (DuetDevicesChangedEvent, duet_devices_changed_event, devices_changed_event_spec)
DUET_DEFINE_MESSAGE (DuetSignedOutEvent, duet_signed_out_event, signed_out_event_spec)
DUET_DEFINE_MESSAGE (DuetCallSeenEvent, duet_call_seen_event, call_seen_event_spec)

gboolean
duet_session_replaced_event_parse (JsonObject  *message,
                                   GError     **error)
{
  return duet_spec_parse (&session_replaced_event_spec, message, NULL, error);
}

JsonObject *
duet_session_replaced_event_build (void)
{
  return duet_spec_build (&session_replaced_event_spec, NULL, NULL);
}

/* ---- HTTP bodies ------------------------------------------------------ */

static const Field token_request_fields[] = {
  ID (DuetTokenRequest, user, FIELD_REQUIRED),
  ID (DuetTokenRequest, service, FIELD_OPTIONAL),
  DUET_FIELD (DuetTokenRequest, password, "password", FIELD_STRING, FIELD_SECRET,
              DUET_RANGE (1, DUET_PROTOCOL_MAX_PASSWORD)),
  DUET_FIELD (DuetTokenRequest, device_id, "device_id", FIELD_ID, FIELD_OPTIONAL),
  DUET_FIELD (DuetTokenRequest, device_name, "device_name", FIELD_STRING, FIELD_OPTIONAL | FIELD_TEXT,
              DUET_RANGE (1, DUET_PROTOCOL_MAX_DEVICE_NAME)),
};

static const Field token_reply_fields[] = {
  STRING (DuetTokenReply, token, FIELD_REQUIRED),
  STRING (DuetTokenReply, token_type, FIELD_REQUIRED),
  INT (DuetTokenReply, expires_in, FIELD_REQUIRED, 0, G_MAXINT64),
  ID (DuetTokenReply, user, FIELD_REQUIRED),
  ID (DuetTokenReply, service, FIELD_REQUIRED),
  DUET_FIELD (DuetTokenReply, device_id, "device_id", FIELD_ID, FIELD_OPTIONAL),
};

static const Field http_error_fields[] = {
  STRING (DuetHttpError, error, FIELD_REQUIRED),
  STRING (DuetHttpError, message, FIELD_REQUIRED),
  INT (DuetHttpError, retry_after, FIELD_OPTIONAL, 0, G_MAXINT32),
};

static const Field health_reply_fields[] = {
  STRING (DuetHealthReply, status, FIELD_REQUIRED),
  STRING (DuetHealthReply, version, FIELD_OPTIONAL),
  DUET_FIELD (DuetHealthReply, down, "down", FIELD_STRV, FIELD_OPTIONAL),
};

static const MessageSpec token_request_spec =
  DUET_SPEC ("token request", ROLE_BODY, DuetTokenRequest, token_request_fields);
static const MessageSpec token_reply_spec =
  DUET_SPEC ("token reply", ROLE_BODY, DuetTokenReply, token_reply_fields);
static const MessageSpec http_error_spec =
  DUET_SPEC ("HTTP error", ROLE_BODY, DuetHttpError, http_error_fields);
static const MessageSpec health_reply_spec =
  DUET_SPEC ("health reply", ROLE_BODY, DuetHealthReply, health_reply_fields);

DUET_DEFINE_MESSAGE (DuetTokenRequest, duet_token_request, token_request_spec)
DUET_DEFINE_MESSAGE (DuetTokenReply, duet_token_reply, token_reply_spec)
DUET_DEFINE_MESSAGE (DuetHttpError, duet_http_error, http_error_spec)
DUET_DEFINE_MESSAGE (DuetHealthReply, duet_health_reply, health_reply_spec)
