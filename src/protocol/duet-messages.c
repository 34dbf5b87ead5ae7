/* duet-messages.c: the envelope, and the engine that parses, builds and
 * clears any message from its table (duet-messages-private.h)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include "duet-messages-private.h"

G_DEFINE_QUARK (duet-start-fail-error-quark, duet_start_fail_error)

/* FIELD_ENUM stores every enum as an int */
G_STATIC_ASSERT (sizeof (DuetMediaType) == sizeof (int));
G_STATIC_ASSERT (sizeof (DuetDisconnectReason) == sizeof (int));
G_STATIC_ASSERT (sizeof (DuetProtocolError) == sizeof (int));

/* ---- the envelope ----------------------------------------------------- */

static const char * const request_names[] = {
  [DUET_REQUEST_UNKNOWN] = NULL,
  [DUET_REQUEST_AUTH] = "auth",
  [DUET_REQUEST_MAKE_CALL] = "make_call",
  [DUET_REQUEST_VERIFY_CALL] = "verify_call",
  [DUET_REQUEST_ACCEPT_CALL] = "accept_call",
  [DUET_REQUEST_END_CALL] = "end_call",
  [DUET_REQUEST_SIGNAL] = "signal",
  [DUET_REQUEST_MEDIA_STATE] = "media_state",
  [DUET_REQUEST_HISTORY] = "history",
  [DUET_REQUEST_PING] = "ping",
  [DUET_REQUEST_FINISH_PREPARATION] = "finish_preparation",
  [DUET_REQUEST_SHORT_DATA] = "short_data",
  [DUET_REQUEST_DEVICES] = "devices",
  [DUET_REQUEST_SIGN_OUT_DEVICE] = "sign_out_device",
  [DUET_REQUEST_MARK_SEEN] = "mark_seen",
};

static const char * const server_message_names[] = {
  [DUET_SERVER_MESSAGE_UNKNOWN] = NULL,
  [DUET_SERVER_MESSAGE_REPLY] = "reply",
  [DUET_SERVER_MESSAGE_ERROR] = "error",
  [DUET_SERVER_MESSAGE_HELLO] = "hello",
  [DUET_SERVER_MESSAGE_ICE_SERVERS] = "ice_servers",
  [DUET_SERVER_MESSAGE_INCOMING_CALL] = "incoming_call",
  [DUET_SERVER_MESSAGE_VERIFIED] = "verified",
  [DUET_SERVER_MESSAGE_CONNECTED] = "connected",
  [DUET_SERVER_MESSAGE_DISCONNECTED] = "disconnected",
  [DUET_SERVER_MESSAGE_SIGNAL] = "signal",
  [DUET_SERVER_MESSAGE_PEER_MEDIA_STATE] = "peer_media_state",
  [DUET_SERVER_MESSAGE_MISSED_CALL] = "missed_call",
  [DUET_SERVER_MESSAGE_SERVER_SHUTDOWN] = "server_shutdown",
  [DUET_SERVER_MESSAGE_SESSION_REPLACED] = "session_replaced",
  [DUET_SERVER_MESSAGE_PREPARATION_FINISHED] = "preparation_finished",
  [DUET_SERVER_MESSAGE_SHORT_DATA] = "short_data",
  [DUET_SERVER_MESSAGE_DEVICES_CHANGED] = "devices_changed",
  [DUET_SERVER_MESSAGE_SIGNED_OUT] = "signed_out",
  [DUET_SERVER_MESSAGE_CALL_SEEN] = "call_seen",
};

static guint
name_index (const char * const *names,
            guint               n_names,
            const char         *name)
{
  for (guint i = 1; name != NULL && i < n_names; i++)
    if (g_str_equal (name, names[i]))
      return i;
  return 0;
}

void
duet_message_set_id (JsonObject *message,
                     const char *id)
{
  g_return_if_fail (message != NULL);
  g_return_if_fail (duet_request_id_is_valid (id));

  json_object_set_string_member (message, "id", id);
}

DuetRequestType
duet_request_type_from_string (const char *type)
{
  return name_index (request_names, G_N_ELEMENTS (request_names), type);
}

const char *
duet_request_type_to_string (DuetRequestType type)
{
  return (guint) type < G_N_ELEMENTS (request_names) ? request_names[type] : NULL;
}

DuetServerMessageType
duet_server_message_type_from_string (const char *type)
{
  return name_index (server_message_names, G_N_ELEMENTS (server_message_names), type);
}

static gboolean
holds_string (JsonNode *node)
{
  return node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
         json_node_get_value_type (node) == G_TYPE_STRING;
}

const char *
duet_message_read_id (JsonObject  *message,
                      GError     **error)
{
  JsonNode *node = json_object_get_member (message, "id");

  if (!holds_string (node))
    {
      g_set_error_literal (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                           "Every request needs a string “id”");
      return NULL;
    }
  if (!duet_request_id_is_valid (json_node_get_string (node)))
    {
      g_set_error_literal (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                           "Request ids are 1–64 letters, digits, “-”, “_” or “.”");
      return NULL;
    }
  return json_node_get_string (node);
}

const char *
duet_message_read_type (JsonObject  *message,
                        GError     **error)
{
  JsonNode *node = json_object_get_member (message, "type");

  if (!holds_string (node))
    {
      g_set_error_literal (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                           "Every message needs a string “type”");
      return NULL;
    }
  return json_node_get_string (node);
}

/* ---- field access ----------------------------------------------------- */

#define MEMBER(value, offset, T) ((T *) ((guint8 *) (value) + (offset)))
#define CONST_MEMBER(value, offset, T) ((const T *) ((const guint8 *) (value) + (offset)))

static gboolean
field_is_set (const Field   *field,
              gconstpointer  value)
{
  if (field->has_offset > 0)
    return *CONST_MEMBER (value, field->has_offset - 1, gboolean);

  switch (field->kind)
    {
    case FIELD_STRING:
    case FIELD_ID:
    case FIELD_BASE64:
    case FIELD_STRV:
    case FIELD_ARRAY:
      return *CONST_MEMBER (value, field->offset, gpointer) != NULL;
    case FIELD_BOOL:
      return *CONST_MEMBER (value, field->offset, gboolean);
    case FIELD_INT:
      return *CONST_MEMBER (value, field->offset, gint64) != 0;
    case FIELD_ENUM:
    case FIELD_ENUM_CODE:
      return *CONST_MEMBER (value, field->offset, int) != 0;
    case FIELD_ERROR_CODE:
    case FIELD_OBJECT:
    default:
      return TRUE;
    }
}

static void
mark_set (const Field *field,
          gpointer     value)
{
  if (field->has_offset > 0)
    *MEMBER (value, field->has_offset - 1, gboolean) = TRUE;
}

/* ---- errors ----------------------------------------------------------- */

/* make_call answers in start-fail reasons; everything else in bad_message */
static void G_GNUC_PRINTF (5, 6)
field_error (const MessageSpec  *spec,
             const Field        *field,
             gboolean            bad_value,
             GError            **error,
             const char         *format,
             ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  if (spec->start_fail != DUET_START_FAIL_REASON_NONE)
    g_set_error (error, DUET_START_FAIL_ERROR,
                 bad_value && field->start_fail != DUET_START_FAIL_REASON_NONE ? field->start_fail
                                                                               : spec->start_fail,
                 "“%s” %s", field->name, text);
  else
    g_set_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                 "“%s” %s", field->name, text);
}

static const char *
json_kind_name (FieldKind kind)
{
  switch (kind)
    {
    case FIELD_BOOL:
      return "true or false";
    case FIELD_INT:
    case FIELD_ENUM_CODE:
      return "an integer";
    case FIELD_STRV:
    case FIELD_ARRAY:
      return "an array";
    case FIELD_OBJECT:
      return "an object";
    case FIELD_STRING:
    case FIELD_ID:
    case FIELD_ENUM:
    case FIELD_ERROR_CODE:
    case FIELD_BASE64:
    default:
      return "a string";
    }
}

static gboolean
node_has_kind (JsonNode  *node,
               FieldKind  kind)
{
  switch (kind)
    {
    case FIELD_BOOL:
      return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_BOOLEAN;
    case FIELD_INT:
    case FIELD_ENUM_CODE:
      return JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64;
    case FIELD_STRV:
    case FIELD_ARRAY:
      return JSON_NODE_HOLDS_ARRAY (node);
    case FIELD_OBJECT:
      return JSON_NODE_HOLDS_OBJECT (node);
    case FIELD_STRING:
    case FIELD_ID:
    case FIELD_ENUM:
    case FIELD_ERROR_CODE:
    case FIELD_BASE64:
    default:
      return holds_string (node);
    }
}

/* ---- parsing ---------------------------------------------------------- */

static gboolean parse_object (const MessageSpec *spec, JsonObject *object, gpointer out, GError **error);

static gboolean
check_text (const MessageSpec  *spec,
            const Field        *field,
            const char         *text,
            GError            **error)
{
  gsize length = strlen (text);

  /* json-glib lets "\udc00" through as bytes that are not UTF-8 */
  if (!g_utf8_validate (text, -1, NULL))
    {
      field_error (spec, field, TRUE, error, "is not valid UTF-8");
      return FALSE;
    }
  if (field->max == 0 && (gint64) length < field->min)
    {
      field_error (spec, field, TRUE, error, "must not be empty");
      return FALSE;
    }
  if (field->max > 0 && ((gint64) length < field->min || (gint64) length > field->max))
    {
      field_error (spec, field, TRUE, error, "is %" G_GSIZE_FORMAT " bytes; it must be %"
                   G_GINT64_FORMAT "–%" G_GINT64_FORMAT " bytes", length, field->min, field->max);
      return FALSE;
    }
  /* length and UTF-8 are settled above; what is left is control characters */
  if ((field->flags & FIELD_TEXT) && length > 0 && !duet_text_is_valid (text, length))
    {
      field_error (spec, field, TRUE, error, "must not contain control characters");
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_enum (const MessageSpec  *spec,
            const Field        *field,
            const char         *nick,
            int                *out,
            GError            **error)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (field->enum_type ());
  GEnumValue *ev = g_enum_get_value_by_nick (klass, nick);

  if (ev != NULL && !(ev->value == 0 && (field->flags & FIELD_KNOWN)))
    {
      *out = ev->value;
      return TRUE;
    }

  if (klass->n_values <= 8)
    {
      g_autoptr(GString) names = g_string_new (NULL);

      for (guint i = 0; i < klass->n_values; i++)
        if (klass->values[i].value != 0 || !(field->flags & FIELD_KNOWN))
          g_string_append_printf (names, "%s%s", names->len ? ", " : "", klass->values[i].value_nick);
      field_error (spec, field, TRUE, error, "must be one of %s", names->str);
    }
  else
    field_error (spec, field, TRUE, error, "is not a known name");
  return FALSE;
}

/* Standard base64 with padding, nothing else: what decodes must encode
 * back to the same text, so that relaying the bytes relays the text */
static GBytes *
decode_base64 (const char *text)
{
  gsize length = strlen (text), decoded_length = 0;
  g_autofree guint8 *decoded = NULL;
  g_autofree char *again = NULL;

  if (length % 4 != 0)
    return NULL;
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isalnum (text[i]) && text[i] != '+' && text[i] != '/' &&
        !(text[i] == '=' && i >= length - 2))
      return NULL;

  decoded = g_base64_decode (text, &decoded_length);
  again = g_base64_encode (decoded, decoded_length);
  if (!g_str_equal (again, text))
    return NULL;
  return g_bytes_new_take (g_steal_pointer (&decoded), decoded_length);
}

static gboolean
parse_array (const MessageSpec  *spec,
             const Field        *field,
             JsonArray          *array,
             gpointer            out,
             GError            **error)
{
  guint n = json_array_get_length (array);
  g_autoptr(GPtrArray) items = g_ptr_array_new_full (n, field->element->free_func);

  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      gpointer item;

      if (!JSON_NODE_HOLDS_OBJECT (node))
        {
          field_error (spec, field, FALSE, error, "must be an array of objects");
          return FALSE;
        }
      item = g_malloc0 (field->element->size);
      g_ptr_array_add (items, item);
      if (!parse_object (field->element, json_node_get_object (node), item, error))
        {
          g_prefix_error (error, "“%s”[%u]: ", field->name, i);
          return FALSE;
        }
    }
  *MEMBER (out, field->offset, GPtrArray *) = g_steal_pointer (&items);
  return TRUE;
}

static gboolean
parse_strv (const MessageSpec  *spec,
            const Field        *field,
            JsonArray          *array,
            gpointer            out,
            GError            **error)
{
  guint n = json_array_get_length (array);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (n == 0)
    {
      field_error (spec, field, TRUE, error, "must not be empty");
      return FALSE;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (array, i);

      if (!holds_string (node) || !g_utf8_validate (json_node_get_string (node), -1, NULL))
        {
          field_error (spec, field, FALSE, error, "must be an array of strings");
          return FALSE;
        }
      g_strv_builder_add (builder, json_node_get_string (node));
    }
  *MEMBER (out, field->offset, GStrv) = g_strv_builder_end (builder);
  return TRUE;
}

static gboolean
parse_value (const MessageSpec  *spec,
             const Field        *field,
             JsonNode           *node,
             gpointer            out,
             GError            **error)
{
  switch (field->kind)
    {
    case FIELD_STRING:
      if (!check_text (spec, field, json_node_get_string (node), error))
        return FALSE;
      *MEMBER (out, field->offset, char *) = g_strdup (json_node_get_string (node));
      return TRUE;

    case FIELD_ID:
      if (!duet_user_id_is_valid (json_node_get_string (node)))
        {
          field_error (spec, field, TRUE, error,
                       "is not a valid id: 1–64 ASCII letters, digits, “-”, “_” or “.”");
          return FALSE;
        }
      *MEMBER (out, field->offset, char *) = g_strdup (json_node_get_string (node));
      return TRUE;

    case FIELD_BOOL:
      *MEMBER (out, field->offset, gboolean) = json_node_get_boolean (node);
      return TRUE;

    case FIELD_INT:
      {
        gint64 v = json_node_get_int (node);

        if (v < field->min || v > field->max)
          {
            field_error (spec, field, TRUE, error, "is %" G_GINT64_FORMAT "; it must be %"
                         G_GINT64_FORMAT "–%" G_GINT64_FORMAT, v, field->min, field->max);
            return FALSE;
          }
        *MEMBER (out, field->offset, gint64) = v;
        return TRUE;
      }

    case FIELD_ENUM:
      return parse_enum (spec, field, json_node_get_string (node), MEMBER (out, field->offset, int), error);

    case FIELD_ENUM_CODE:
      if (json_node_get_int (node) != *MEMBER (out, field->offset, int))
        {
          field_error (spec, field, TRUE, error, "is %" G_GINT64_FORMAT ", which does not match the name",
                       json_node_get_int (node));
          return FALSE;
        }
      return TRUE;

    case FIELD_ERROR_CODE:
      if (!duet_protocol_error_code_from_string (json_node_get_string (node),
                                                 MEMBER (out, field->offset, DuetProtocolError)))
        {
          field_error (spec, field, TRUE, error, "is not a known error code");
          return FALSE;
        }
      return TRUE;

    case FIELD_BASE64:
      {
        g_autoptr(GBytes) bytes = decode_base64 (json_node_get_string (node));
        gsize size;

        if (bytes == NULL)
          {
            field_error (spec, field, TRUE, error, "is not standard base64");
            return FALSE;
          }
        size = g_bytes_get_size (bytes);
        if ((gint64) size < field->min || (gint64) size > field->max)
          {
            field_error (spec, field, TRUE, error, "is %" G_GSIZE_FORMAT " bytes; it must be %"
                         G_GINT64_FORMAT "–%" G_GINT64_FORMAT " bytes", size, field->min, field->max);
            return FALSE;
          }
        *MEMBER (out, field->offset, GBytes *) = g_steal_pointer (&bytes);
        return TRUE;
      }

    case FIELD_STRV:
      return parse_strv (spec, field, json_node_get_array (node), out, error);

    case FIELD_ARRAY:
      return parse_array (spec, field, json_node_get_array (node), out, error);

    case FIELD_OBJECT:
      if (!parse_object (field->element, json_node_get_object (node),
                         MEMBER (out, field->offset, guint8), error))
        {
          g_prefix_error (error, "“%s”: ", field->name);
          return FALSE;
        }
      return TRUE;

    default:
      g_assert_not_reached ();
    }
}

/* Absent and null are the same to a parser: "not set" */
static JsonNode *
get_member (JsonObject *object,
            const Field *field)
{
  JsonNode *node = json_object_get_member (object, field->name);

  return node != NULL && !JSON_NODE_HOLDS_NULL (node) ? node : NULL;
}

/* Presence and JSON types first, values second: a message with a
 * wrong-typed field is refused for that, whatever its values */
static gboolean
parse_fields (const MessageSpec  *spec,
              JsonObject         *object,
              gpointer            out,
              GError            **error)
{
  for (guint i = 0; i < spec->n_fields; i++)
    {
      const Field *field = &spec->fields[i];
      JsonNode *node = get_member (object, field);

      if (node == NULL && !(field->flags & (FIELD_OPTIONAL | FIELD_NULLABLE)))
        {
          field_error (spec, field, FALSE, error, "is missing");
          return FALSE;
        }
      if (node != NULL && !node_has_kind (node, field->kind))
        {
          field_error (spec, field, FALSE, error, "must be %s", json_kind_name (field->kind));
          return FALSE;
        }
    }

  for (guint i = 0; i < spec->n_fields; i++)
    {
      const Field *field = &spec->fields[i];
      JsonNode *node = get_member (object, field);

      if (node == NULL)
        {
          if (field->kind == FIELD_INT)
            *MEMBER (out, field->offset, gint64) = field->fallback;
          else if (field->kind == FIELD_ENUM_CODE && *MEMBER (out, field->offset, int) != 0)
            {
              field_error (spec, field, FALSE, error, "is missing");
              return FALSE;
            }
          continue;
        }
      if (field->kind == FIELD_ENUM_CODE && (field->flags & FIELD_NULLABLE) &&
          *MEMBER (out, field->offset, int) == 0)
        {
          field_error (spec, field, TRUE, error, "must be null when its name is");
          return FALSE;
        }
      if (!parse_value (spec, field, node, out, error))
        return FALSE;
      mark_set (field, out);
    }
  return TRUE;
}

static gboolean
check_envelope (const MessageSpec  *spec,
                JsonObject         *message,
                GError            **error)
{
  const char *expected = spec->name;
  const char *type;
  JsonNode *id;

  switch (spec->role)
    {
    case ROLE_BODY:
      return TRUE;
    case ROLE_REQUEST:
    case ROLE_REPLY:
      if (duet_message_read_id (message, error) == NULL)
        return FALSE;
      break;
    case ROLE_ERROR:
      id = json_object_get_member (message, "id");
      if (id == NULL || (!JSON_NODE_HOLDS_NULL (id) &&
                         !(holds_string (id) && duet_request_id_is_valid (json_node_get_string (id)))))
        {
          g_set_error_literal (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                               "An error's “id” is a request id or null");
          return FALSE;
        }
      break;
    case ROLE_EVENT:
    default:
      break;
    }

  if (spec->role == ROLE_REPLY)
    expected = "reply";
  else if (spec->role == ROLE_ERROR)
    expected = "error";
  type = duet_message_read_type (message, error);
  if (type == NULL)
    return FALSE;
  if (!g_str_equal (type, expected))
    {
      g_set_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                   "Expected a message of type “%s”", expected);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_object (const MessageSpec  *spec,
              JsonObject         *object,
              gpointer            out,
              GError            **error)
{
  const MessageSpec *variant;

  if (!parse_fields (spec, object, out, error))
    return FALSE;
  variant = spec->variant != NULL ? spec->variant (out) : NULL;
  return variant == NULL || parse_fields (variant, object, out, error);
}

gboolean
duet_spec_parse (const MessageSpec  *spec,
                 JsonObject         *message,
                 gpointer            out,
                 GError            **error)
{
  g_return_val_if_fail (message != NULL, FALSE);

  if (out != NULL)
    memset (out, 0, spec->size);
  if (!check_envelope (spec, message, error))
    return FALSE;
  if (spec->n_fields == 0)
    return TRUE;
  if (!parse_object (spec, message, out, error))
    {
      if (spec->role != ROLE_BODY)
        g_prefix_error (error, "%s: ", spec->name);
      duet_spec_clear (spec, out);
      return FALSE;
    }
  return TRUE;
}

/* ---- building --------------------------------------------------------- */

static void build_into (const MessageSpec *spec, JsonObject *object, gconstpointer value);

static JsonObject *
build_object (const MessageSpec *spec,
              gconstpointer      value)
{
  JsonObject *object = json_object_new ();

  build_into (spec, object, value);
  return object;
}

static JsonNode *
enum_node (const Field   *field,
           gconstpointer  value)
{
  int v = *CONST_MEMBER (value, field->offset, int);
  g_autoptr(GEnumClass) klass = g_type_class_ref (field->enum_type ());
  GEnumValue *ev = g_enum_get_value (klass, v);

  g_return_val_if_fail (ev != NULL, json_node_new (JSON_NODE_NULL));
  return json_node_init_string (json_node_alloc (), ev->value_nick);
}


/* json_node_init_object() and _init_array() take a reference of their own:
 * a node made from a new object or array must take the builder's */
static JsonNode *
node_taking_object (JsonObject *object)
{
  JsonNode *node = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (node, object);
  return node;
}

static JsonNode *
node_taking_array (JsonArray *array)
{
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  json_node_take_array (node, array);
  return node;
}

static JsonNode *
build_value (const Field   *field,
             gconstpointer  value)
{
  gconstpointer p = CONST_MEMBER (value, field->offset, guint8);

  switch (field->kind)
    {
    case FIELD_STRING:
    case FIELD_ID:
      return json_node_init_string (json_node_alloc (), *(char * const *) p);
    case FIELD_BOOL:
      return json_node_init_boolean (json_node_alloc (), *(const gboolean *) p);
    case FIELD_INT:
      return json_node_init_int (json_node_alloc (), *(const gint64 *) p);
    case FIELD_ENUM:
      return enum_node (field, value);
    case FIELD_ENUM_CODE:
      return json_node_init_int (json_node_alloc (), *(const int *) p);
    case FIELD_ERROR_CODE:
      return json_node_init_string (json_node_alloc (),
                                    duet_protocol_error_code_to_string (*(const DuetProtocolError *) p));
    case FIELD_BASE64:
      {
        GBytes *bytes = *(GBytes * const *) p;
        gsize size = 0;
        const guint8 *data = g_bytes_get_data (bytes, &size);
        g_autofree char *text = g_base64_encode (data, size);

        return json_node_init_string (json_node_alloc (), text);
      }
    case FIELD_STRV:
      {
        JsonArray *array = json_array_new ();

        for (char * const *s = *(char ** const *) p; *s != NULL; s++)
          json_array_add_string_element (array, *s);
        return node_taking_array (array);
      }
    case FIELD_ARRAY:
      {
        GPtrArray *items = *(GPtrArray * const *) p;
        JsonArray *array = json_array_new ();

        for (guint i = 0; items != NULL && i < items->len; i++)
          json_array_add_object_element (array, build_object (field->element, g_ptr_array_index (items, i)));
        return node_taking_array (array);
      }
    case FIELD_OBJECT:
      return node_taking_object (build_object (field->element, p));
    default:
      g_assert_not_reached ();
    }
}

static void
build_fields (const MessageSpec *spec,
              JsonObject        *object,
              gconstpointer      value)
{
  for (guint i = 0; i < spec->n_fields; i++)
    {
      const Field *field = &spec->fields[i];

      if (!field_is_set (field, value))
        {
          if (field->flags & FIELD_NULLABLE)
            json_object_set_null_member (object, field->name);
          if (field->flags & (FIELD_OPTIONAL | FIELD_NULLABLE))
            continue;
        }
      /* a required pointer left NULL is the caller's mistake: send null */
      if ((field->kind == FIELD_STRING || field->kind == FIELD_ID || field->kind == FIELD_BASE64 ||
           field->kind == FIELD_STRV) && *CONST_MEMBER (value, field->offset, gpointer) == NULL)
        {
          g_critical ("%s: required field “%s” is not set", spec->name, field->name);
          json_object_set_null_member (object, field->name);
          continue;
        }
      json_object_set_member (object, field->name, build_value (field, value));
    }
}

static void
build_into (const MessageSpec *spec,
            JsonObject        *object,
            gconstpointer      value)
{
  const MessageSpec *variant = spec->variant != NULL ? spec->variant (value) : NULL;

  build_fields (spec, object, value);
  if (variant != NULL)
    build_fields (variant, object, value);
}

JsonObject *
duet_spec_build (const MessageSpec *spec,
                 const char        *id,
                 gconstpointer      value)
{
  JsonObject *message = json_object_new ();

  switch (spec->role)
    {
    case ROLE_REQUEST:
    case ROLE_EVENT:
      json_object_set_string_member (message, "type", spec->name);
      break;
    case ROLE_REPLY:
      json_object_set_string_member (message, "type", "reply");
      break;
    case ROLE_ERROR:
      json_object_set_string_member (message, "type", "error");
      break;
    case ROLE_BODY:
    default:
      break;
    }
  if (spec->role == ROLE_REQUEST || spec->role == ROLE_REPLY || spec->role == ROLE_ERROR)
    {
      if (id != NULL)
        json_object_set_string_member (message, "id", id);
      else
        json_object_set_null_member (message, "id");
    }

  if (spec->n_fields > 0)
    build_into (spec, message, value);
  return message;
}

/* ---- clearing --------------------------------------------------------- */

static void
clear_fields (const MessageSpec *spec,
              gpointer           value)
{
  for (guint i = 0; i < spec->n_fields; i++)
    {
      const Field *field = &spec->fields[i];
      gpointer p = MEMBER (value, field->offset, guint8);

      switch (field->kind)
        {
        case FIELD_STRING:
        case FIELD_ID:
          if ((field->flags & FIELD_SECRET) && *(char **) p != NULL)
            memset (*(char **) p, 0, strlen (*(char **) p));
          g_clear_pointer ((char **) p, g_free);
          break;
        case FIELD_BASE64:
          g_clear_pointer ((GBytes **) p, g_bytes_unref);
          break;
        case FIELD_STRV:
          g_clear_pointer ((GStrv *) p, g_strfreev);
          break;
        case FIELD_ARRAY:
          g_clear_pointer ((GPtrArray **) p, g_ptr_array_unref);
          break;
        case FIELD_OBJECT:
          duet_spec_clear (field->element, p);
          break;
        case FIELD_BOOL:
        case FIELD_INT:
        case FIELD_ENUM:
        case FIELD_ENUM_CODE:
        case FIELD_ERROR_CODE:
        default:
          break;
        }
    }
}

void
duet_spec_clear (const MessageSpec *spec,
                 gpointer           value)
{
  if (value == NULL)
    return;

  clear_fields (spec, value);
  for (guint i = 0; spec->variants != NULL && spec->variants[i] != NULL; i++)
    clear_fields (spec->variants[i], value);
  memset (value, 0, spec->size);
}

/* ---- errors on the wire ----------------------------------------------- */

void
duet_error_message_init_from_gerror (DuetErrorMessage *out,
                                     const GError     *error)
{
  memset (out, 0, sizeof *out);
  out->message = g_strdup (error->message);
  if (error->domain == DUET_PROTOCOL_ERROR)
    out->code = error->code;
  else if (error->domain == DUET_START_FAIL_ERROR)
    {
      out->code = DUET_PROTOCOL_ERROR_START_FAILED;
      out->start_fail_reason = error->code;
    }
  else
    out->code = DUET_PROTOCOL_ERROR_INTERNAL;
}
