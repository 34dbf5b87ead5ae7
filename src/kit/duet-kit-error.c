/* duet-kit-error.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DuetKitError"

#include "duet-kit-error.h"

/**
 * duet_kit_error_quark:
 *
 * Gives the quark of the %DUET_KIT_ERROR error domain.
 *
 * Returns: the error domain
 */
G_DEFINE_QUARK (duet-kit-error-quark, duet_kit_error)
