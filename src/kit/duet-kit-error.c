/* duet-kit-error.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-kit-error.h"

G_DEFINE_QUARK (duet-kit-error-quark, duet_kit_error)
