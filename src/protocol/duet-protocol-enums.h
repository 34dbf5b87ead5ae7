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
  DUET_DISCONNECT_REASON_NORMAL = 1001,                 /*< nick=NORMAL >*/
  DUET_DISCONNECT_REASON_DECLINE = 1002,                /*< nick=DECLINE >*/
  DUET_DISCONNECT_REASON_CELL_CALL = 1003,              /*< nick=CELL_CALL >*/
  DUET_DISCONNECT_REASON_INTERNAL_ERROR = 1109,         /*< nick=INTERNAL_ERROR >*/
  DUET_DISCONNECT_REASON_USER_ERROR = 1110,             /*< nick=USER_ERROR >*/
  DUET_DISCONNECT_REASON_INTERNAL_KIT_ERROR = 1111,     /*< nick=INTERNAL_KIT_ERROR >*/
  DUET_DISCONNECT_REASON_AUDIO_TX_NO_SRC = 1112,        /*< nick=AUDIO_TX_NO_SRC >*/
  DUET_DISCONNECT_REASON_CANCEL = 1201,                 /*< nick=CANCEL >*/
  DUET_DISCONNECT_REASON_BUSY = 1202,                   /*< nick=BUSY >*/
  DUET_DISCONNECT_REASON_NOANSWER = 1203,               /*< nick=NOANSWER >*/
  DUET_DISCONNECT_REASON_ALREADY_GOT_A_CALL = 1204,     /*< nick=ALREADY_GOT_A_CALL >*/
  DUET_DISCONNECT_REASON_MULTIDEV_IN_USE = 1205,        /*< nick=MULTIDEV_IN_USE >*/
  DUET_DISCONNECT_REASON_MULTIDEV_ANSWER = 1206,        /*< nick=MULTIDEV_ANSWER >*/
  DUET_DISCONNECT_REASON_MULTIDEV_DECLINE = 1207,       /*< nick=MULTIDEV_DECLINE >*/
  DUET_DISCONNECT_REASON_MAX_CALL_TIME_EXCEEDED = 1208, /*< nick=MAX_CALL_TIME_EXCEEDED >*/
  DUET_DISCONNECT_REASON_NETWORK_UNSTABLE = 1301,       /*< nick=NETWORK_UNSTABLE >*/
  DUET_DISCONNECT_REASON_PUSH_ERROR = 1302,             /*< nick=PUSH_ERROR >*/
  DUET_DISCONNECT_REASON_AUTH_ERROR = 1303,             /*< nick=AUTH_ERROR >*/
  DUET_DISCONNECT_REASON_RELEASED_CALL = 1304,          /*< nick=RELEASED_CALL >*/
  DUET_DISCONNECT_REASON_SERVER_INTERNAL_ERROR = 1305,  /*< nick=SERVER_INTERNAL_ERROR >*/
  DUET_DISCONNECT_REASON_UNAVAILABLE_NETWORK = 1308,    /*< nick=UNAVAILABLE_NETWORK >*/
  DUET_DISCONNECT_REASON_APP_DESTROY = 1309,            /*< nick=APP_DESTROY >*/
  DUET_DISCONNECT_REASON_SYSTEM_SLEEP = 1310,           /*< nick=SYSTEM_SLEEP >*/
  DUET_DISCONNECT_REASON_SYSTEM_LOGOFF = 1311,          /*< nick=SYSTEM_LOGOFF >*/
  DUET_DISCONNECT_REASON_MTU_EXCEEDED = 1312,           /*< nick=MTU_EXCEEDED >*/
  DUET_DISCONNECT_REASON_APP_SERVER_DATA_ERROR = 1313,  /*< nick=APP_SERVER_DATA_ERROR >*/
  DUET_DISCONNECT_REASON_DESKTOP_SCREEN_LOCKED = 1314,  /*< nick=DESKTOP_SCREEN_LOCKED >*/
  DUET_DISCONNECT_REASON_SERVICE_ACCESS_TOKEN_ERROR = 1501, /*< nick=SERVICE_ACCESS_TOKEN_ERROR >*/
  DUET_DISCONNECT_REASON_SERVICE_MAINTENANCE = 1503,    /*< nick=SERVICE_MAINTENANCE >*/
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
 * Apple-only kit codes; 5001+ are Duet's own (app-server checks). */
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
  DUET_START_FAIL_REASON_MAKE_CALL_TO_SELF = 5002,     /*< nick=MAKE_CALL_TO_SELF >*/
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

G_END_DECLS
