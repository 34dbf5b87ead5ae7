/* duet-protocol-enums.h: PlanetKit-shaped enums shared by server and clients
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Numeric values follow PlanetKit (see docs/planetkit-codes.md for sources).
 * The nick of each value is its name on the wire.
 */
#pragma once

#include <glib-object.h>

#include "duet-version.h"

G_BEGIN_DECLS

/**
 * DuetDisconnectReason:
 * @DUET_DISCONNECT_REASON_NORMAL: the call ended cleanly: one side hung up
 *   after it connected
 * @DUET_DISCONNECT_REASON_DECLINE: the callee declined the call
 * @DUET_DISCONNECT_REASON_CELL_CALL: a phone call took over the device
 *   (never reported by Duet's own clients)
 * @DUET_DISCONNECT_REASON_INTERNAL_ERROR: an internal error in the kit or
 *   the server
 * @DUET_DISCONNECT_REASON_USER_ERROR: an error the application itself
 *   reported when ending the call
 * @DUET_DISCONNECT_REASON_INTERNAL_KIT_ERROR: an error in the platform
 *   layer of the kit, such as a media pipeline that failed
 * @DUET_DISCONNECT_REASON_AUDIO_TX_NO_SRC: the microphone stopped giving
 *   audio for too long
 * @DUET_DISCONNECT_REASON_CANCEL: the caller hung up before the callee
 *   answered
 * @DUET_DISCONNECT_REASON_BUSY: the callee is already in a call
 * @DUET_DISCONNECT_REASON_NOANSWER: the callee did not answer before the
 *   server's ring timeout
 * @DUET_DISCONNECT_REASON_ALREADY_GOT_A_CALL: the callee already has an
 *   incoming call that has not been answered
 * @DUET_DISCONNECT_REASON_MULTIDEV_IN_USE: the same user is in a call on
 *   another device
 * @DUET_DISCONNECT_REASON_MULTIDEV_ANSWER: the callee answered on another
 *   of their devices
 * @DUET_DISCONNECT_REASON_MULTIDEV_DECLINE: the callee declined on another
 *   of their devices
 * @DUET_DISCONNECT_REASON_MAX_CALL_TIME_EXCEEDED: the call reached the
 *   longest duration the server allows
 * @DUET_DISCONNECT_REASON_NETWORK_UNSTABLE: the media path or the peer
 *   stayed lost for longer than the grace period
 * @DUET_DISCONNECT_REASON_PUSH_ERROR: the server could not deliver the
 *   call to the callee
 * @DUET_DISCONNECT_REASON_AUTH_ERROR: the server refused this user's
 *   credentials during the call, or the account was revoked
 * @DUET_DISCONNECT_REASON_RELEASED_CALL: the call had already ended on the
 *   server, for example because the caller cancelled it
 * @DUET_DISCONNECT_REASON_SERVER_INTERNAL_ERROR: the server dropped the
 *   call because of its own error
 * @DUET_DISCONNECT_REASON_UNAVAILABLE_NETWORK: this device has no usable
 *   network
 * @DUET_DISCONNECT_REASON_APP_DESTROY: the application quit during the
 *   call
 * @DUET_DISCONNECT_REASON_SYSTEM_SLEEP: the computer went to sleep
 * @DUET_DISCONNECT_REASON_SYSTEM_LOGOFF: the user's session ended
 * @DUET_DISCONNECT_REASON_MTU_EXCEEDED: the call could not connect because
 *   the path MTU was exceeded
 * @DUET_DISCONNECT_REASON_APP_SERVER_DATA_ERROR: the server could not pass
 *   the application's data on
 * @DUET_DISCONNECT_REASON_DESKTOP_SCREEN_LOCKED: the screen was locked
 * @DUET_DISCONNECT_REASON_SERVICE_ACCESS_TOKEN_ERROR: the access token is
 *   invalid or expired
 * @DUET_DISCONNECT_REASON_SERVICE_INVALID_ID: a user or service id has a
 *   character that is not allowed
 * @DUET_DISCONNECT_REASON_SERVICE_MAINTENANCE: the service is under
 *   maintenance, as when the server shuts down
 * @DUET_DISCONNECT_REASON_SERVICE_BUSY: the server is overloaded for now
 * @DUET_DISCONNECT_REASON_SERVICE_INTERNAL_ERROR: an internal error of the
 *   service's gateway
 * @DUET_DISCONNECT_REASON_SERVICE_HTTP_ERROR: an HTTP request to the
 *   server could not be made
 * @DUET_DISCONNECT_REASON_SERVICE_HTTP_CONNECTION_TIME_OUT: an HTTP
 *   connection to the server timed out
 * @DUET_DISCONNECT_REASON_SERVICE_HTTP_INVALID_PEER_CERT: the server's TLS
 *   certificate was refused
 * @DUET_DISCONNECT_REASON_SERVICE_HTTP_CONNECT_FAIL: an HTTP connection to
 *   the server failed
 * @DUET_DISCONNECT_REASON_SERVICE_HTTP_INVALID_URL: the server's URL is
 *   malformed, or its host cannot be resolved
 * @DUET_DISCONNECT_REASON_SERVICE_INCOMPATIBLE_PLANETKIT_VER: the server no
 *   longer accepts this version of the kit
 * @DUET_DISCONNECT_REASON_SERVICE_TOO_MANY_REQUESTS: too many calls in a
 *   short time
 *
 * Why a call ended, as #DuetCall::disconnected reports it; PlanetKit's
 * `PlanetKitDisconnectReason`, with the same numbers. Each value's nick
 * (such as `NOANSWER`) is its name in the protocol and in the server's
 * call history; duet_disconnect_reason_to_string() gives it.
 */
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

/**
 * DuetDisconnectSource:
 * @DUET_DISCONNECT_SOURCE_UNDEFINED: not known
 * @DUET_DISCONNECT_SOURCE_CALLEE: the side that received the call
 * @DUET_DISCONNECT_SOURCE_CALLER: the side that placed the call
 * @DUET_DISCONNECT_SOURCE_PARTICIPANT: a member of a group call (never in
 *   1-to-1 calls)
 * @DUET_DISCONNECT_SOURCE_CLOUD_SERVER: the media path or the network, as
 *   PlanetKit's cloud would report it; Duet uses it for calls lost to the
 *   network
 * @DUET_DISCONNECT_SOURCE_APP_SERVER: duet-server, such as its ring timer
 *
 * Who ended a call, as #DuetCall::disconnected reports it beside the
 * reason; PlanetKit's `PlanetKitDisconnectSource`, with the same numbers.
 */
typedef enum /*< prefix=DUET_DISCONNECT_SOURCE >*/
{
  DUET_DISCONNECT_SOURCE_UNDEFINED = 0,    /*< nick=UNDEFINED >*/
  DUET_DISCONNECT_SOURCE_CALLEE = 1,       /*< nick=CALLEE >*/
  DUET_DISCONNECT_SOURCE_CALLER = 2,       /*< nick=CALLER >*/
  DUET_DISCONNECT_SOURCE_PARTICIPANT = 3,  /*< nick=PARTICIPANT >*/
  DUET_DISCONNECT_SOURCE_CLOUD_SERVER = 4, /*< nick=CLOUD_SERVER >*/
  DUET_DISCONNECT_SOURCE_APP_SERVER = 5,   /*< nick=APP_SERVER >*/
} DuetDisconnectSource;

/**
 * DuetStartFailReason:
 * @DUET_START_FAIL_REASON_NONE: no failure: the call started
 * @DUET_START_FAIL_REASON_INVALID_PARAM: a parameter is missing or
 *   invalid, or the cc_param has expired
 * @DUET_START_FAIL_REASON_ALREADY_EXIST: this user already has an
 *   unfinished call
 * @DUET_START_FAIL_REASON_DECODE_CALL_PARAM: the cc_param given to verify
 *   the call could not be read, or the server did not sign it
 * @DUET_START_FAIL_REASON_MEM_ERR: memory for the call could not be had
 * @DUET_START_FAIL_REASON_ID_CONFLICT: the peer is the caller: a call to
 *   oneself
 * @DUET_START_FAIL_REASON_REUSE: a call object was used again
 * @DUET_START_FAIL_REASON_INVALID_USER_ID: a user id is not well formed
 * @DUET_START_FAIL_REASON_INVALID_SERVICE_ID: a service id is not well
 *   formed
 * @DUET_START_FAIL_REASON_INVALID_API_KEY: the API key is not well formed
 *   (Duet has no API keys; never reported)
 * @DUET_START_FAIL_REASON_INVALID_ROOM_ID: a room id is not well formed
 *   (group calls only; never reported)
 * @DUET_START_FAIL_REASON_TOO_LONG_APP_SERVER_DATA: the application's data
 *   for the server is too long
 * @DUET_START_FAIL_REASON_NOT_INITIALIZED: the manager is not signed in to
 *   a server
 * @DUET_START_FAIL_REASON_UNKNOWN_MEDIA_TYPE: the media type was left
 *   unknown
 * @DUET_START_FAIL_REASON_INVALID_PEER_ID: the peer's user id is not well
 *   formed
 * @DUET_START_FAIL_REASON_INVALID_AUTHENTICATION: no usable access token
 *   was given, or the server refused it
 * @DUET_START_FAIL_REASON_UNKNOWN_PEER: the peer has no account on the
 *   server (Duet's own)
 * @DUET_START_FAIL_REASON_SERVER_UNREACHABLE: the kit could not reach the
 *   server (Duet's own)
 * @DUET_START_FAIL_REASON_TOO_MANY_CALLS: the caller has used up the calls
 *   the server allows per minute (Duet's own)
 *
 * Why making or verifying a call could not even start;
 * PlanetKit's `PlanetKitStartFailReason`. 0–12 are PlanetKit's portable
 * values, 2001–2006 follow its Apple kit's codes, 5001 and up are Duet's
 * own checks on the server (5002, once Duet's "call to self", is
 * %DUET_START_FAIL_REASON_ID_CONFLICT now).
 */
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

/**
 * DuetMediaType:
 * @DUET_MEDIA_TYPE_UNKNOWN: not set
 * @DUET_MEDIA_TYPE_AUDIO: an audio call
 * @DUET_MEDIA_TYPE_VIDEO: video only
 * @DUET_MEDIA_TYPE_AUDIOVIDEO: a video call, with audio
 *
 * What a call carries; PlanetKit's `PlanetKitMediaType`. An audio call
 * can become a video call later (duet_call_enable_video()).
 */
typedef enum /*< prefix=DUET_MEDIA_TYPE >*/
{
  DUET_MEDIA_TYPE_UNKNOWN = 0,    /*< nick=unknown >*/
  DUET_MEDIA_TYPE_AUDIO = 1,      /*< nick=audio >*/
  DUET_MEDIA_TYPE_VIDEO = 2,      /*< nick=video >*/
  DUET_MEDIA_TYPE_AUDIOVIDEO = 3, /*< nick=audiovideo >*/
} DuetMediaType;

/**
 * DuetVideoState:
 * @DUET_VIDEO_STATE_DISABLED: no video: an audio call, or video turned off
 * @DUET_VIDEO_STATE_ENABLED: video is being sent
 * @DUET_VIDEO_STATE_PAUSED: video is negotiated but paused for now
 *
 * The state of one side's video; PlanetKit's `PlanetKitVideoState`.
 */
typedef enum /*< prefix=DUET_VIDEO_STATE >*/
{
  DUET_VIDEO_STATE_DISABLED = 0, /*< nick=disabled >*/
  DUET_VIDEO_STATE_ENABLED = 1,  /*< nick=enabled >*/
  DUET_VIDEO_STATE_PAUSED = 2,   /*< nick=paused >*/
} DuetVideoState;

/**
 * DuetInitialVideoState:
 * @DUET_INITIAL_VIDEO_STATE_RESUME: send my video as soon as the call
 *   connects
 * @DUET_INITIAL_VIDEO_STATE_PAUSE: start with my video paused, until
 *   duet_call_resume_my_video()
 *
 * How my video starts in a video call; PlanetKit's
 * `PlanetKitInitialMyVideoState`.
 */
typedef enum /*< prefix=DUET_INITIAL_VIDEO_STATE >*/
{
  DUET_INITIAL_VIDEO_STATE_RESUME = 0, /*< nick=resume >*/
  DUET_INITIAL_VIDEO_STATE_PAUSE = 1,  /*< nick=pause >*/
} DuetInitialVideoState;

/**
 * DuetVideoPauseReason:
 * @DUET_VIDEO_PAUSE_REASON_BY_USER: the user paused their video
 * @DUET_VIDEO_PAUSE_REASON_BY_INTERRUPT: the application was interrupted
 * @DUET_VIDEO_PAUSE_REASON_UNDEFINED: no reason given
 * @DUET_VIDEO_PAUSE_REASON_INTERNAL: an internal error
 * @DUET_VIDEO_PAUSE_REASON_ENABLE_VIDEO_RESPONSE: the peer turned video on
 *   and this side answered with its video paused
 * @DUET_VIDEO_PAUSE_REASON_CAMERA_INACTIVE: the camera stopped or is
 *   missing
 * @DUET_VIDEO_PAUSE_REASON_HOLD: the call is on hold
 *
 * Why the peer's video paused, as #DuetCall::peer-video-paused reports
 * it; PlanetKit's `PlanetKitVideoPauseReason`, numbered as in its Windows
 * SDK.
 */
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

/**
 * DuetMediaDisabledReason:
 * @DUET_MEDIA_DISABLED_REASON_UNDEFINED: no reason given
 * @DUET_MEDIA_DISABLED_REASON_USER: the user turned their video off
 * @DUET_MEDIA_DISABLED_REASON_DECLINE: the request to turn video on was
 *   declined
 *
 * Why video was turned off, as #DuetCall::video-disabled-by-peer reports
 * it; PlanetKit's `PlanetKitMediaDisableReason`.
 */
typedef enum /*< prefix=DUET_MEDIA_DISABLED_REASON >*/
{
  DUET_MEDIA_DISABLED_REASON_UNDEFINED = 0, /*< nick=UNDEFINED >*/
  DUET_MEDIA_DISABLED_REASON_USER = 1,      /*< nick=USER >*/
  DUET_MEDIA_DISABLED_REASON_DECLINE = 2,   /*< nick=DECLINE >*/
} DuetMediaDisabledReason;

/**
 * DuetNetworkQuality:
 * @DUET_NETWORK_QUALITY_UNKNOWN: not measured yet: no media has flowed
 * @DUET_NETWORK_QUALITY_GOOD: little loss, short delay: full quality
 * @DUET_NETWORK_QUALITY_FAIR: some loss, delay or a thin link: the picture
 *   may step down in size or frame rate
 * @DUET_NETWORK_QUALITY_POOR: heavy loss, long delay or a very thin link:
 *   expect frozen video and gaps in the sound
 *
 * How well media reaches one side of a call, judged from the loss, jitter,
 * round-trip time and bitrate of the last seconds (see
 * #DuetCall:network-quality); PlanetKit's network quality levels.
 */
typedef enum /*< prefix=DUET_NETWORK_QUALITY >*/
{
  DUET_NETWORK_QUALITY_UNKNOWN = 0, /*< nick=unknown >*/
  DUET_NETWORK_QUALITY_GOOD = 1,    /*< nick=good >*/
  DUET_NETWORK_QUALITY_FAIR = 2,    /*< nick=fair >*/
  DUET_NETWORK_QUALITY_POOR = 3,    /*< nick=poor >*/
} DuetNetworkQuality;

DUET_AVAILABLE_IN_ALL
const char *duet_disconnect_reason_to_string (DuetDisconnectReason reason);
DUET_AVAILABLE_IN_ALL
gboolean    duet_disconnect_reason_from_string (const char           *str,
                                                DuetDisconnectReason *out);
DUET_AVAILABLE_IN_ALL
const char *duet_disconnect_source_to_string (DuetDisconnectSource source);
DUET_AVAILABLE_IN_ALL
gboolean    duet_disconnect_source_from_string (const char           *str,
                                                DuetDisconnectSource *out);
DUET_AVAILABLE_IN_ALL
const char *duet_start_fail_reason_to_string (DuetStartFailReason reason);
DUET_AVAILABLE_IN_ALL
gboolean    duet_start_fail_reason_from_string (const char          *str,
                                                DuetStartFailReason *out);
DUET_AVAILABLE_IN_ALL
const char *duet_media_type_to_string (DuetMediaType type);
DUET_AVAILABLE_IN_ALL
gboolean    duet_media_type_from_string (const char    *str,
                                         DuetMediaType *out);
DUET_AVAILABLE_IN_ALL
const char *duet_video_pause_reason_to_string (DuetVideoPauseReason reason);
DUET_AVAILABLE_IN_ALL
gboolean    duet_video_pause_reason_from_string (const char           *str,
                                                 DuetVideoPauseReason *out);
DUET_AVAILABLE_IN_ALL
const char *duet_media_disabled_reason_to_string (DuetMediaDisabledReason reason);
DUET_AVAILABLE_IN_ALL
gboolean    duet_media_disabled_reason_from_string (const char              *str,
                                                    DuetMediaDisabledReason *out);
DUET_AVAILABLE_IN_ALL
gboolean    duet_media_type_has_video (DuetMediaType type);
DUET_AVAILABLE_IN_ALL
const char *duet_video_state_to_string (DuetVideoState state);
DUET_AVAILABLE_IN_ALL
gboolean    duet_video_state_from_string (const char     *str,
                                          DuetVideoState *out);
DUET_AVAILABLE_IN_ALL
const char *duet_network_quality_to_string (DuetNetworkQuality quality);
DUET_AVAILABLE_IN_ALL
gboolean    duet_network_quality_from_string (const char         *str,
                                              DuetNetworkQuality *out);

G_END_DECLS
