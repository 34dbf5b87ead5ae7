/* duet-protocol.h: wire limits, id rules and JSON framing shared by server and clients
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "duet-enum-types.h"
#include "duet-protocol-enums.h"
#include "duet-wire-enum-types.h"
#include "duet-wire-enums.h"

G_BEGIN_DECLS

/* Limits documented in docs/protocol.md */
#define DUET_PROTOCOL_MAX_MESSAGE_SIZE  (64 * 1024)
#define DUET_PROTOCOL_MAX_DEPTH         16
#define DUET_PROTOCOL_MAX_ID_LENGTH     64
#define DUET_PROTOCOL_MAX_USER_ID       64
#define DUET_PROTOCOL_MAX_SERVICE_ID    64
#define DUET_PROTOCOL_MAX_PASSWORD      1024

#define DUET_PROTOCOL_ERROR (duet_protocol_error_quark ())

/* Each code has a wire name, see duet_protocol_error_code_to_string() */
typedef enum
{
  DUET_PROTOCOL_ERROR_BAD_JSON,
  DUET_PROTOCOL_ERROR_TOO_LARGE,
  DUET_PROTOCOL_ERROR_TOO_DEEP,
  DUET_PROTOCOL_ERROR_BAD_MESSAGE,
  DUET_PROTOCOL_ERROR_UNKNOWN_TYPE,
  DUET_PROTOCOL_ERROR_NOT_AUTHENTICATED,
  DUET_PROTOCOL_ERROR_AUTH_FAILED,
  DUET_PROTOCOL_ERROR_RATE_LIMITED,
  DUET_PROTOCOL_ERROR_NO_SUCH_CALL,
  DUET_PROTOCOL_ERROR_BAD_STATE,
  DUET_PROTOCOL_ERROR_INVALID_CC_PARAM,
  DUET_PROTOCOL_ERROR_START_FAILED,
  DUET_PROTOCOL_ERROR_INTERNAL,
  DUET_PROTOCOL_ERROR_NO_SUCH_DEVICE,
} DuetProtocolError;

GQuark      duet_protocol_error_quark             (void);
const char *duet_protocol_error_code_to_string    (DuetProtocolError code);
gboolean    duet_protocol_error_code_from_string  (const char        *str,
                                                   DuetProtocolError *out);

gboolean    duet_user_id_is_valid                 (const char *user_id);
gboolean    duet_service_id_is_valid              (const char *service_id);
gboolean    duet_request_id_is_valid              (const char *request_id);
gboolean    duet_text_is_valid                    (const char *text,
                                                   gsize       max_bytes);

gboolean    duet_json_depth_check                 (const char *data,
                                                   gsize       length,
                                                   guint       max_depth);
JsonObject *duet_protocol_parse_message           (const char  *data,
                                                   gsize        length,
                                                   GError     **error);
char       *duet_protocol_serialize               (JsonObject  *object);

const char *duet_json_get_string                  (JsonObject  *object,
                                                   const char  *member,
                                                   gboolean     required,
                                                   GError     **error);
gboolean    duet_json_get_bool                    (JsonObject  *object,
                                                   const char  *member,
                                                   gboolean    *out,
                                                   GError     **error);
gboolean    duet_json_get_int                     (JsonObject  *object,
                                                   const char  *member,
                                                   gint64      *out,
                                                   GError     **error);

gboolean    duet_set_string                       (char       **field,
                                                   const char  *value);

char       *duet_base64url_encode                 (const guint8 *data,
                                                   gsize         length);
guint8     *duet_base64url_decode                 (const char   *text,
                                                   gsize        *out_length);

G_END_DECLS
