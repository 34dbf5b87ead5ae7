/* duet-server-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-server-error.h"

G_DEFINE_QUARK (duet-server-error-quark, duet_server_error)
