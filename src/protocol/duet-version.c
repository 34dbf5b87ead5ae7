/* duet-version.c: the version of the call kit that is loaded
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "duet-version.h"

/**
 * duet_get_major_version:
 *
 * Gives the major version of the call kit library loaded at run time,
 * which may be newer than the headers the program was built with
 * (%DUET_MAJOR_VERSION).
 *
 * Returns: the major version, 0 for 0.1.2
 */
guint
duet_get_major_version (void)
{
  return DUET_MAJOR_VERSION;
}

/**
 * duet_get_minor_version:
 *
 * Gives the minor version of the call kit library loaded at run time
 * (%DUET_MINOR_VERSION is the one built against).
 *
 * Returns: the minor version, 1 for 0.1.2
 */
guint
duet_get_minor_version (void)
{
  return DUET_MINOR_VERSION;
}

/**
 * duet_get_micro_version:
 *
 * Gives the micro version of the call kit library loaded at run time
 * (%DUET_MICRO_VERSION is the one built against).
 *
 * Returns: the micro version, 2 for 0.1.2
 */
guint
duet_get_micro_version (void)
{
  return DUET_MICRO_VERSION;
}
