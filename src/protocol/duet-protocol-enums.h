/* duet-protocol-enums.h: PlanetKit-shaped enums shared by server and clients
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Numeric values follow PlanetKit (see docs/planetkit-codes.md for sources).
 * The nick of each value is its name on the wire.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum /*< prefix=DUET_DISCONNECT_REASON >*/
{
  DUET_DISCONNECT_REASON_NORMAL = 1001,                              /*< nick=NORMAL >*/                           /* ended cleanly */
  DUET_DISCONNECT_REASON_DECLINE = 1002,                             /*< nick=DECLINE >*/                          /* the callee declined */
  DUET_DISCONNECT_REASON_CELL_CALL = 1003,                           /*< nick=CELL_CALL >*/                        /* a cellular call took over */
  DUET_DISCONNECT_REASON_INTERNAL_ERROR = 1109,                      /*< nick=INTERNAL_ERROR >*/                   /* an internal error in a kit or the server */
  DUET_DISCONNECT_REASON_USER_ERROR = 1110,                          /*< nick=USER_ERROR >*/                       /* the app ended it with an error (endCallWithError; see user_code) */
  DUET_DISCONNECT_REASON_INTERNAL_KIT_ERROR = 1111,                  /*< nick=INTERNAL_KIT_ERROR >*/               /* an error of the platform layer */
  DUET_DISCONNECT_REASON_AUDIO_TX_NO_SRC = 1112,                     /*< nick=AUDIO_TX_NO_SRC >*/                  /* the microphone stopped producing audio */
  DUET_DISCONNECT_REASON_CANCEL = 1201,                              /*< nick=CANCEL >*/                           /* the caller hung up before the answer */
  DUET_DISCONNECT_REASON_BUSY = 1202,                                /*< nick=BUSY >*/                             /* the callee is in another call */
  DUET_DISCONNECT_REASON_NOANSWER = 1203,                            /*< nick=NOANSWER >*/                         /* nobody answered before the ring timer ran out */
  DUET_DISCONNECT_REASON_ALREADY_GOT_A_CALL = 1204,                  /*< nick=ALREADY_GOT_A_CALL >*/               /* the callee already has an unanswered call */
  DUET_DISCONNECT_REASON_MULTIDEV_IN_USE = 1205,                     /*< nick=MULTIDEV_IN_USE >*/                  /* the user is in a call on another device */
  DUET_DISCONNECT_REASON_MULTIDEV_ANSWER = 1206,                     /*< nick=MULTIDEV_ANSWER >*/                  /* the callee answered on another device */
  DUET_DISCONNECT_REASON_MULTIDEV_DECLINE = 1207,                    /*< nick=MULTIDEV_DECLINE >*/                 /* the callee declined on another device */
  DUET_DISCONNECT_REASON_MAX_CALL_TIME_EXCEEDED = 1208,              /*< nick=MAX_CALL_TIME_EXCEEDED >*/           /* the call reached its maximum length */
  DUET_DISCONNECT_REASON_NETWORK_UNSTABLE = 1301,                    /*< nick=NETWORK_UNSTABLE >*/                 /* the network became too poor, or a party did not come back */
  DUET_DISCONNECT_REASON_PUSH_ERROR = 1302,                          /*< nick=PUSH_ERROR >*/                       /* the push to the callee failed */
  DUET_DISCONNECT_REASON_AUTH_ERROR = 1303,                          /*< nick=AUTH_ERROR >*/                       /* authentication failed, or the account was revoked */
  DUET_DISCONNECT_REASON_RELEASED_CALL = 1304,                       /*< nick=RELEASED_CALL >*/                    /* the call had already been released */
  DUET_DISCONNECT_REASON_SERVER_INTERNAL_ERROR = 1305,               /*< nick=SERVER_INTERNAL_ERROR >*/            /* the server failed */
  DUET_DISCONNECT_REASON_UNAVAILABLE_NETWORK = 1308,                 /*< nick=UNAVAILABLE_NETWORK >*/              /* the device has no usable network */
  DUET_DISCONNECT_REASON_APP_DESTROY = 1309,                         /*< nick=APP_DESTROY >*/                      /* the app was terminated */
  DUET_DISCONNECT_REASON_SYSTEM_SLEEP = 1310,                        /*< nick=SYSTEM_SLEEP >*/                     /* the device went to sleep */
  DUET_DISCONNECT_REASON_SYSTEM_LOGOFF = 1311,                       /*< nick=SYSTEM_LOGOFF >*/                    /* the OS user logged off */
  DUET_DISCONNECT_REASON_MTU_EXCEEDED = 1312,                        /*< nick=MTU_EXCEEDED >*/                     /* the path MTU was exceeded */
  DUET_DISCONNECT_REASON_APP_SERVER_DATA_ERROR = 1313,               /*< nick=APP_SERVER_DATA_ERROR >*/            /* app-server data could not be forwarded */
  DUET_DISCONNECT_REASON_DESKTOP_SCREEN_LOCKED = 1314,               /*< nick=DESKTOP_SCREEN_LOCKED >*/            /* the desktop screen was locked */
  DUET_DISCONNECT_REASON_SERVICE_ACCESS_TOKEN_ERROR = 1501,          /*< nick=SERVICE_ACCESS_TOKEN_ERROR >*/       /* the access token is invalid */
  DUET_DISCONNECT_REASON_SERVICE_INVALID_ID = 1502,                  /*< nick=SERVICE_INVALID_ID >*/               /* a service or user id has a character that is not allowed */
  DUET_DISCONNECT_REASON_SERVICE_MAINTENANCE = 1503,                 /*< nick=SERVICE_MAINTENANCE >*/              /* the service is under maintenance (the server shut down) */
  DUET_DISCONNECT_REASON_SERVICE_BUSY = 1504,                        /*< nick=SERVICE_BUSY >*/                     /* the gateway is overloaded for now */
  DUET_DISCONNECT_REASON_SERVICE_INTERNAL_ERROR = 1505,              /*< nick=SERVICE_INTERNAL_ERROR >*/           /* an internal error of the gateway */
  DUET_DISCONNECT_REASON_SERVICE_HTTP_ERROR = 1506,                  /*< nick=SERVICE_HTTP_ERROR >*/               /* the HTTP request could not be made */
  DUET_DISCONNECT_REASON_SERVICE_HTTP_CONNECTION_TIME_OUT = 1507,    /*< nick=SERVICE_HTTP_CONNECTION_TIME_OUT >*/ /* the HTTP connection timed out */
  DUET_DISCONNECT_REASON_SERVICE_HTTP_INVALID_PEER_CERT = 1508,      /*< nick=SERVICE_HTTP_INVALID_PEER_CERT >*/   /* the server's TLS certificate was refused */
  DUET_DISCONNECT_REASON_SERVICE_HTTP_CONNECT_FAIL = 1509,           /*< nick=SERVICE_HTTP_CONNECT_FAIL >*/        /* the HTTP connection failed */
  DUET_DISCONNECT_REASON_SERVICE_HTTP_INVALID_URL = 1510,            /*< nick=SERVICE_HTTP_INVALID_URL >*/         /* the URL is malformed or its host cannot be resolved */
  DUET_DISCONNECT_REASON_SERVICE_INCOMPATIBLE_PLANETKIT_VER = 1511,  /*< nick=SERVICE_INCOMPATIBLE_PLANETKIT_VER >*/ /* this client version is no longer accepted */
  DUET_DISCONNECT_REASON_SERVICE_TOO_MANY_REQUESTS = 1512,           /*< nick=SERVICE_TOO_MANY_REQUESTS >*/        /* too many calls in a short time */
} DuetDisconnectReason;

typedef enum /*< prefix=DUET_DISCONNECT_SOURCE >*/
{
  DUET_DISCONNECT_SOURCE_UNDEFINED = 0,    /*< nick=UNDEFINED >*/
  DUET_DISCONNECT_SOURCE_CALLEE = 1,       /*< nick=CALLEE >*/
  DUET_DISCONNECT_SOURCE_CALLER = 2,       /*< nick=CALLER >*/
  DUET_DISCONNECT_SOURCE_PARTICIPANT = 3,  /*< nick=PARTICIPANT >*/
  DUET_DISCONNECT_SOURCE_CLOUD_SERVER = 4, /*< nick=CLOUD_SERVER >*/
  DUET_DISCONNECT_SOURCE_APP_SERVER = 5,   /*< nick=APP_SERVER >*/
} DuetDisconnectSource;

/* 0–12 are PlanetKit's portable values; 2001–2006 follow PlanetKit's
 * Apple-only kit codes; 5001+ are Duet's own (app-server checks). 5002,
 * once Duet's own "call to self", is PlanetKit's ID_CONFLICT now. */
typedef enum /*< prefix=DUET_START_FAIL_REASON >*/
{
  DUET_START_FAIL_REASON_NONE = 0,                     /*< nick=NONE >*/
  DUET_START_FAIL_REASON_INVALID_PARAM = 1,            /*< nick=INVALID_PARAM >*/
  DUET_START_FAIL_REASON_ALREADY_EXIST = 2,            /*< nick=ALREADY_EXIST >*/
  DUET_START_FAIL_REASON_DECODE_CALL_PARAM = 3,        /*< nick=DECODE_CALL_PARAM >*/
  DUET_START_FAIL_REASON_MEM_ERR = 4,                  /*< nick=MEM_ERR >*/
  DUET_START_FAIL_REASON_ID_CONFLICT = 5,              /*< nick=ID_CONFLICT >*/
  DUET_START_FAIL_REASON_REUSE = 6,                    /*< nick=REUSE >*/
  DUET_START_FAIL_REASON_INVALID_USER_ID = 7,          /*< nick=INVALID_USER_ID >*/
  DUET_START_FAIL_REASON_INVALID_SERVICE_ID = 8,       /*< nick=INVALID_SERVICE_ID >*/
  DUET_START_FAIL_REASON_INVALID_API_KEY = 9,          /*< nick=INVALID_API_KEY >*/
  DUET_START_FAIL_REASON_INVALID_ROOM_ID = 10,         /*< nick=INVALID_ROOM_ID >*/
  DUET_START_FAIL_REASON_TOO_LONG_APP_SERVER_DATA = 11, /*< nick=TOO_LONG_APP_SERVER_DATA >*/
  DUET_START_FAIL_REASON_NOT_INITIALIZED = 12,         /*< nick=NOT_INITIALIZED >*/
  DUET_START_FAIL_REASON_UNKNOWN_MEDIA_TYPE = 2001,    /*< nick=UNKNOWN_MEDIA_TYPE >*/
  DUET_START_FAIL_REASON_INVALID_PEER_ID = 2003,       /*< nick=INVALID_PEER_ID >*/
  DUET_START_FAIL_REASON_INVALID_AUTHENTICATION = 2006, /*< nick=INVALID_AUTHENTICATION >*/
  DUET_START_FAIL_REASON_UNKNOWN_PEER = 5001,          /*< nick=UNKNOWN_PEER >*/
  DUET_START_FAIL_REASON_SERVER_UNREACHABLE = 5003,    /*< nick=SERVER_UNREACHABLE >*/
  DUET_START_FAIL_REASON_TOO_MANY_CALLS = 5004,        /*< nick=TOO_MANY_CALLS >*/
} DuetStartFailReason;

typedef enum /*< prefix=DUET_MEDIA_TYPE >*/
{
  DUET_MEDIA_TYPE_UNKNOWN = 0,    /*< nick=unknown >*/
  DUET_MEDIA_TYPE_AUDIO = 1,      /*< nick=audio >*/
  DUET_MEDIA_TYPE_VIDEO = 2,      /*< nick=video >*/
  DUET_MEDIA_TYPE_AUDIOVIDEO = 3, /*< nick=audiovideo >*/
} DuetMediaType;

/* A call as the server holds it: hello's calls, history entries */
typedef enum /*< prefix=DUET_WIRE_CALL_STATE >*/
{
  DUET_WIRE_CALL_STATE_WAITING = 0,   /*< nick=waiting >*/    /* invited, the callee has not verified */
  DUET_WIRE_CALL_STATE_RINGING = 1,   /*< nick=ringing >*/    /* verified, not answered */
  DUET_WIRE_CALL_STATE_CONNECTED = 2, /*< nick=connected >*/
  DUET_WIRE_CALL_STATE_ENDED = 3,     /*< nick=ended >*/
} DuetWireCallState;

typedef enum /*< prefix=DUET_CALL_ROLE >*/
{
  DUET_CALL_ROLE_CALLER = 0, /*< nick=caller >*/
  DUET_CALL_ROLE_CALLEE = 1, /*< nick=callee >*/
} DuetCallRole;

typedef enum /*< prefix=DUET_CALL_DIRECTION >*/
{
  DUET_CALL_DIRECTION_OUTGOING = 0, /*< nick=outgoing >*/
  DUET_CALL_DIRECTION_INCOMING = 1, /*< nick=incoming >*/
} DuetCallDirection;

/* The `type` of a signal payload */
typedef enum /*< prefix=DUET_SIGNAL_TYPE >*/
{
  DUET_SIGNAL_TYPE_OFFER = 0,     /*< nick=offer >*/
  DUET_SIGNAL_TYPE_ANSWER = 1,    /*< nick=answer >*/
  DUET_SIGNAL_TYPE_CANDIDATE = 2, /*< nick=candidate >*/
} DuetSignalType;

typedef enum /*< prefix=DUET_VIDEO_STATE >*/
{
  DUET_VIDEO_STATE_DISABLED = 0, /*< nick=disabled >*/
  DUET_VIDEO_STATE_ENABLED = 1,  /*< nick=enabled >*/
  DUET_VIDEO_STATE_PAUSED = 2,   /*< nick=paused >*/
} DuetVideoState;

typedef enum /*< prefix=DUET_INITIAL_VIDEO_STATE >*/
{
  DUET_INITIAL_VIDEO_STATE_RESUME = 0, /*< nick=resume >*/
  DUET_INITIAL_VIDEO_STATE_PAUSE = 1,  /*< nick=pause >*/
} DuetInitialVideoState;

/* Windows SDK numbering */
typedef enum /*< prefix=DUET_VIDEO_PAUSE_REASON >*/
{
  DUET_VIDEO_PAUSE_REASON_BY_USER = 0,               /*< nick=BY_USER >*/
  DUET_VIDEO_PAUSE_REASON_BY_INTERRUPT = 1,          /*< nick=BY_INTERRUPT >*/
  DUET_VIDEO_PAUSE_REASON_UNDEFINED = 2,             /*< nick=UNDEFINED >*/
  DUET_VIDEO_PAUSE_REASON_INTERNAL = 3,              /*< nick=INTERNAL >*/
  DUET_VIDEO_PAUSE_REASON_ENABLE_VIDEO_RESPONSE = 4, /*< nick=ENABLE_VIDEO_RESPONSE >*/
  DUET_VIDEO_PAUSE_REASON_CAMERA_INACTIVE = 5,       /*< nick=CAMERA_INACTIVE >*/
  DUET_VIDEO_PAUSE_REASON_HOLD = 6,                  /*< nick=HOLD >*/
} DuetVideoPauseReason;

typedef enum /*< prefix=DUET_MEDIA_DISABLED_REASON >*/
{
  DUET_MEDIA_DISABLED_REASON_UNDEFINED = 0, /*< nick=UNDEFINED >*/
  DUET_MEDIA_DISABLED_REASON_USER = 1,      /*< nick=USER >*/
  DUET_MEDIA_DISABLED_REASON_DECLINE = 2,   /*< nick=DECLINE >*/
} DuetMediaDisabledReason;

const char *duet_disconnect_reason_to_string (DuetDisconnectReason reason);
gboolean    duet_disconnect_reason_from_string (const char           *str,
                                                DuetDisconnectReason *out);
const char *duet_disconnect_source_to_string (DuetDisconnectSource source);
gboolean    duet_disconnect_source_from_string (const char           *str,
                                                DuetDisconnectSource *out);
const char *duet_start_fail_reason_to_string (DuetStartFailReason reason);
gboolean    duet_start_fail_reason_from_string (const char          *str,
                                                DuetStartFailReason *out);
const char *duet_media_type_to_string (DuetMediaType type);
gboolean    duet_media_type_from_string (const char    *str,
                                         DuetMediaType *out);
const char *duet_video_pause_reason_to_string (DuetVideoPauseReason reason);
gboolean    duet_video_pause_reason_from_string (const char           *str,
                                                 DuetVideoPauseReason *out);
const char *duet_media_disabled_reason_to_string (DuetMediaDisabledReason reason);
gboolean    duet_media_disabled_reason_from_string (const char              *str,
                                                    DuetMediaDisabledReason *out);
gboolean    duet_media_type_has_video (DuetMediaType type);
const char *duet_video_state_to_string (DuetVideoState state);
gboolean    duet_video_state_from_string (const char     *str,
                                          DuetVideoState *out);
const char *duet_wire_call_state_to_string (DuetWireCallState state);
gboolean    duet_wire_call_state_from_string (const char        *str,
                                              DuetWireCallState *out);
const char *duet_call_role_to_string (DuetCallRole role);
gboolean    duet_call_role_from_string (const char   *str,
                                        DuetCallRole *out);
const char *duet_call_direction_to_string (DuetCallDirection direction);
gboolean    duet_call_direction_from_string (const char        *str,
                                             DuetCallDirection *out);
const char *duet_signal_type_to_string (DuetSignalType type);
gboolean    duet_signal_type_from_string (const char     *str,
                                          DuetSignalType *out);

G_END_DECLS
