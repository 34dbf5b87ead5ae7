/* duet-protocol.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "duet-protocol.h"

G_DEFINE_QUARK (duet-protocol-error-quark, duet_protocol_error)

static const char * const error_names[] = {
  [DUET_PROTOCOL_ERROR_BAD_JSON] = "bad_json",
  [DUET_PROTOCOL_ERROR_TOO_LARGE] = "too_large",
  [DUET_PROTOCOL_ERROR_TOO_DEEP] = "too_deep",
  [DUET_PROTOCOL_ERROR_BAD_MESSAGE] = "bad_message",
  [DUET_PROTOCOL_ERROR_UNKNOWN_TYPE] = "unknown_type",
  [DUET_PROTOCOL_ERROR_NOT_AUTHENTICATED] = "not_authenticated",
  [DUET_PROTOCOL_ERROR_AUTH_FAILED] = "auth_failed",
  [DUET_PROTOCOL_ERROR_RATE_LIMITED] = "rate_limited",
  [DUET_PROTOCOL_ERROR_NO_SUCH_CALL] = "no_such_call",
  [DUET_PROTOCOL_ERROR_BAD_STATE] = "bad_state",
  [DUET_PROTOCOL_ERROR_INVALID_CC_PARAM] = "invalid_cc_param",
  [DUET_PROTOCOL_ERROR_START_FAILED] = "start_failed",
  [DUET_PROTOCOL_ERROR_INTERNAL] = "internal",
  [DUET_PROTOCOL_ERROR_NO_SUCH_DEVICE] = "no_such_device",
};

const char *
duet_protocol_error_code_to_string (DuetProtocolError code)
{
  if ((guint) code >= G_N_ELEMENTS (error_names))
    return "internal";
  return error_names[code];
}

gboolean
duet_protocol_error_code_from_string (const char        *str,
                                      DuetProtocolError *out)
{
  for (guint i = 0; str != NULL && i < G_N_ELEMENTS (error_names); i++)
    {
      if (g_str_equal (str, error_names[i]))
        {
          *out = i;
          return TRUE;
        }
    }
  return FALSE;
}

/* PlanetKit ids: ASCII letters, digits, '-', '_' and '.', at most 64 bytes */
static gboolean
id_is_valid (const char *id, gsize max_length)
{
  gsize len;

  if (id == NULL)
    return FALSE;

  len = strlen (id);
  if (len == 0 || len > max_length)
    return FALSE;

  for (gsize i = 0; i < len; i++)
    {
      char c = id[i];
      if (!g_ascii_isalnum (c) && c != '-' && c != '_' && c != '.')
        return FALSE;
    }
  return TRUE;
}

gboolean
duet_user_id_is_valid (const char *user_id)
{
  return id_is_valid (user_id, DUET_PROTOCOL_MAX_USER_ID);
}

gboolean
duet_service_id_is_valid (const char *service_id)
{
  return id_is_valid (service_id, DUET_PROTOCOL_MAX_SERVICE_ID);
}

gboolean
duet_request_id_is_valid (const char *request_id)
{
  return id_is_valid (request_id, DUET_PROTOCOL_MAX_ID_LENGTH);
}

/* Free text the wire carries to a person or an app (user codes, short
 * data types): 1 to MAX_BYTES bytes of UTF-8 without control characters */
gboolean
duet_text_is_valid (const char *text,
                    gsize       max_bytes)
{
  gsize length = text ? strlen (text) : 0;

  if (length == 0 || length > max_bytes || !g_utf8_validate (text, length, NULL))
    return FALSE;
  for (const char *p = text; *p != '\0'; p = g_utf8_next_char (p))
    if (g_unichar_iscntrl (g_utf8_get_char (p)))
      return FALSE;
  return TRUE;
}

/* json-glib recurses once per nesting level and has no limit of its own,
 * so deep input must be refused before it reaches the parser. */
gboolean
duet_json_depth_check (const char *data,
                       gsize       length,
                       guint       max_depth)
{
  guint depth = 0;
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }

      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '{':
        case '[':
          if (++depth > max_depth)
            return FALSE;
          break;
        case '}':
        case ']':
          if (depth > 0)
            depth--;
          break;
        default:
          break;
        }
    }
  return TRUE;
}

/* json-glib turns "\u0000" into a NUL that silently ends the C string */
static gboolean
has_nul_escape (const char *data,
                gsize       length)
{
  gboolean in_string = FALSE;

  for (gsize i = 0; i < length; i++)
    {
      if (!in_string)
        in_string = data[i] == '"';
      else if (data[i] == '"')
        in_string = FALSE;
      else if (data[i] == '\\')
        {
          if (i + 5 < length && memcmp (data + i + 1, "u0000", 5) == 0)
            return TRUE;
          i++;
        }
    }
  return FALSE;
}

JsonObject *
duet_protocol_parse_message (const char  *data,
                             gsize        length,
                             GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) local_error = NULL;
  JsonNode *root;

  if (length > DUET_PROTOCOL_MAX_MESSAGE_SIZE)
    {
      g_set_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_TOO_LARGE,
                   "Message of %" G_GSIZE_FORMAT " bytes exceeds the limit of %d bytes",
                   length, DUET_PROTOCOL_MAX_MESSAGE_SIZE);
      return NULL;
    }

  if (!g_utf8_validate (data, length, NULL))
    {
      g_set_error_literal (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_JSON,
                           "Message is not valid UTF-8");
      return NULL;
    }

  if (!duet_json_depth_check (data, length, DUET_PROTOCOL_MAX_DEPTH))
    {
      g_set_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_TOO_DEEP,
                   "Message nests deeper than %d levels", DUET_PROTOCOL_MAX_DEPTH);
      return NULL;
    }

  if (has_nul_escape (data, length))
    {
      g_set_error_literal (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_JSON,
                           "Strings must not contain U+0000");
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, data, length, &local_error))
    {
      g_set_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_JSON,
                   "Message is not valid JSON: %s", local_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error_literal (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                           "Message must be a JSON object");
      return NULL;
    }

  return json_object_ref (json_node_get_object (root));
}

char *
duet_protocol_serialize (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

const char *
duet_json_get_string (JsonObject  *object,
                      const char  *member,
                      gboolean     required,
                      GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_set_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                     "Missing field “%s”", member);
      return NULL;
    }

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                   "Field “%s” must be a string", member);
      return NULL;
    }

  return json_node_get_string (node);
}

/* Returns FALSE only on a type error; an absent member leaves *out alone */
gboolean
duet_json_get_bool (JsonObject  *object,
                    const char  *member,
                    gboolean    *out,
                    GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                   "Field “%s” must be true or false", member);
      return FALSE;
    }

  *out = json_node_get_boolean (node);
  return TRUE;
}

gboolean
duet_json_get_int (JsonObject  *object,
                   const char  *member,
                   gint64      *out,
                   GError     **error)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL)
    return TRUE;

  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64)
    {
      g_set_error (error, DUET_PROTOCOL_ERROR, DUET_PROTOCOL_ERROR_BAD_MESSAGE,
                   "Field “%s” must be an integer", member);
      return FALSE;
    }

  *out = json_node_get_int (node);
  return TRUE;
}

char *
duet_base64url_encode (const guint8 *data,
                       gsize         length)
{
  g_autofree char *b64 = g_base64_encode (data, length);
  GString *s = g_string_new (NULL);

  for (const char *p = b64; *p; p++)
    {
      if (*p == '+')
        g_string_append_c (s, '-');
      else if (*p == '/')
        g_string_append_c (s, '_');
      else if (*p != '=')
        g_string_append_c (s, *p);
    }
  return g_string_free (s, FALSE);
}

/* Strict: only the URL-safe alphabet, no padding; NULL on anything else */
guint8 *
duet_base64url_decode (const char *text,
                       gsize      *out_length)
{
  gsize len = strlen (text);
  GString *s;
  g_autofree char *padded = NULL;

  if (len % 4 == 1)
    return NULL;

  s = g_string_sized_new (len + 3);
  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];
      if (c == '-')
        c = '+';
      else if (c == '_')
        c = '/';
      else if (!g_ascii_isalnum (c))
        {
          g_string_free (s, TRUE);
          return NULL;
        }
      g_string_append_c (s, c);
    }
  while (s->len % 4 != 0)
    g_string_append_c (s, '=');

  padded = g_string_free (s, FALSE);
  return g_base64_decode (padded, out_length);
}

/**
 * duet_set_string:
 *
 * Replaces an owned string; what g_set_str() does from GLib 2.76 on.
 * Returns: %TRUE if the value changed (so a property should notify)
 */
gboolean
duet_set_string (char       **field,
                 const char  *value)
{
  if (g_strcmp0 (*field, value) == 0)
    return FALSE;
  g_free (*field);
  *field = g_strdup (value);
  return TRUE;
}
