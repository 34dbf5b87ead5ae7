/* test-server-sockets.c: placeholder, filled in by the issue-18 work
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-test-client.h"

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  return g_test_run ();
}
