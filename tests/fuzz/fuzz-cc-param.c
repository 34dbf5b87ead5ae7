/* fuzz-cc-param.c: parsing and checking a pushed cc_param
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-cc-param-private.h"
#include "duet-protocol.h"

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static const guint8 key[32] = "fuzzing-key-fuzzing-key-fuzzing";

int
LLVMFuzzerTestOneInput (const guint8 *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr(DuetCcParam) param = duet_cc_param_new_from_string (text, NULL);

  if (param != NULL)
    {
      /* a random input that parses must still fail the signature check */
      g_assert (duet_request_id_is_valid (duet_cc_param_get_call_id (param)));
      g_assert (duet_user_id_is_valid (duet_cc_param_get_callee_user (param)));
      duet_cc_param_check_signature (param, key, sizeof key);
    }
  return 0;
}
