/* fuzz-messages.c: every parser of duet-messages.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The first byte picks the parser (its index in duet-message-table.h,
 * modulo their number); the rest is a message, framed as a WebSocket
 * frame is. Whatever a parser accepts must build, and what it builds
 * must parse again and build the same text: parse → build → parse.
 */
#include <string.h>

#include "duet-message-table.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static void
check_roundtrip (const DuetMessageEntry *entry,
                 JsonObject             *message,
                 gpointer                value)
{
  const char *id = duet_message_table_id (message);
  g_autoptr(JsonObject) built = entry->build (id, value);
  g_autofree char *text = duet_protocol_serialize (built);
  g_autoptr(JsonObject) again = NULL;
  g_autoptr(JsonObject) rebuilt = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *value2 = g_malloc0 (entry->size);
  g_autofree char *text2 = NULL;

  again = duet_protocol_parse_message (text, strlen (text), &error);
  if (again == NULL)
    g_error ("%s: built %s, which does not frame: %s", entry->name, text, error->message);
  if (!entry->parse (again, value2, &error))
    g_error ("%s: built %s, which does not parse: %s", entry->name, text, error->message);
  rebuilt = entry->build (id, value2);
  text2 = duet_protocol_serialize (rebuilt);
  if (!g_str_equal (text, text2))
    g_error ("%s: %s became %s", entry->name, text, text2);
  entry->clear (value2);
}

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  const DuetMessageEntry *entry;
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *value = NULL;

  if (size < 1)
    return 0;
  entry = &duet_message_table[data[0] % G_N_ELEMENTS (duet_message_table)];

  message = duet_protocol_parse_message ((const char *) data + 1, size - 1, &error);
  if (message == NULL)
    return 0;

  value = g_malloc0 (entry->size);
  if (!entry->parse (message, value, &error))
    {
      g_assert (error != NULL && error->message != NULL);
      /* a refused message leaves nothing behind */
      for (gsize i = 0; i < entry->size; i++)
        g_assert (value[i] == 0);
      return 0;
    }
  g_assert (error == NULL);
  check_roundtrip (entry, message, value);
  entry->clear (value);
  return 0;
}
