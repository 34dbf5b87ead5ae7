/* fuzz-message.c: the guarded JSON parser every WebSocket frame goes through
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-protocol.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autoptr(JsonObject) obj = NULL;
  g_autoptr(GError) error = NULL;

  obj = duet_protocol_parse_message ((const char *) data, size, &error);
  g_assert ((obj == NULL) != (error == NULL));

  if (obj != NULL)
    {
      gboolean b = FALSE;
      gint64 i = 0;
      g_autofree char *again = NULL;

      /* the accessors must reject wrong types, never crash on them */
      duet_json_get_string (obj, "type", TRUE, NULL);
      duet_json_get_string (obj, "id", FALSE, NULL);
      duet_json_get_bool (obj, "mic_muted", &b, NULL);
      duet_json_get_int (obj, "sdpMLineIndex", &i, NULL);
      again = duet_protocol_serialize (obj);
      g_assert (again != NULL);
    }
  return 0;
}
