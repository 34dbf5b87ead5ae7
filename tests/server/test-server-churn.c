/* test-server-churn.c: 1,000 connect/sign-in/disconnect cycles leave no trace
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * After a warm-up (allocator arenas, SQLite page cache, libsoup's first-use
 * state), the server's open fds and resident memory must be flat across
 * 1,000 more cycles. An idle signed-in connection costs the server about
 * 5 KiB (docs/benchmarks.md), so a leak of a whole connection per cycle
 * would grow RSS by ~5 MiB and any leak of 2 KiB or more per cycle trips the
 * 2 MiB bound; smaller drifts are indistinguishable from malloc noise.
 */
#include <stdlib.h>
#include <string.h>

#include "duet-test-client.h"

#define WARMUP          200
#define CYCLES          1000
#define FD_SLACK        2
#define RSS_BOUND_KIB   2048

static void
cycles (DuetTestServer *server,
        const char     *token,
        guint           n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DuetTestClient) client = duet_test_client_connect (server, token, NULL);
      g_autoptr(JsonObject) hello = NULL;

      g_assert_nonnull (client);
      hello = duet_test_client_wait_event (client, "hello", DUET_TEST_TIMEOUT_MS);
      g_assert_nonnull (hello);
      /* freeing closes with 1000 and waits for the server's close frame */
    }
}

/* the server tears a socket down after the close handshake: wait for the
 * fd count to come back (or the deadline), then report it */
static int
settle (DuetTestServer *server,
        int             target)
{
  gint64 deadline = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  int n;

  duet_test_iterate (200);
  while ((n = duet_test_server_fd_count (server)) > target && g_get_monotonic_time () < deadline)
    duet_test_iterate (50);
  return n;
}

static void
test_churn (void)
{
  g_autoptr(DuetTestServer) server = duet_test_server_new (NULL);
  g_autofree char *token = NULL;
  int fds_before, fds_after;
  gint64 rss_before, rss_after;
  gint64 started;

  duet_test_server_start (server);
  token = duet_test_server_token (server, "alice", 600);

  cycles (server, token, WARMUP);
  fds_before = settle (server, 0);
  rss_before = duet_test_server_status_kib (server, "VmRSS");
  g_assert_cmpint (duet_test_server_metric (server, "duet_connections"), ==, 0);

  started = g_get_monotonic_time ();
  cycles (server, token, CYCLES);
  fds_after = settle (server, fds_before);
  rss_after = duet_test_server_status_kib (server, "VmRSS");

  g_test_message ("%d cycles in %.1f s; fds %d -> %d; VmRSS %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT " KiB",
                  CYCLES, (g_get_monotonic_time () - started) / 1e6,
                  fds_before, fds_after, rss_before, rss_after);
  g_assert_cmpint (duet_test_server_metric (server, "duet_connections"), ==, 0);
  g_assert_cmpint (duet_test_server_metric (server, "duet_authenticated_connections"), ==, 0);
  g_assert_cmpint (ABS (fds_after - fds_before), <=, FD_SLACK);
#ifdef __SANITIZE_ADDRESS__
  /* ASan holds freed memory in quarantine, so RSS says nothing about leaks
   * there; LeakSanitizer checks the server at exit instead. */
  g_test_message ("RSS bound not checked under AddressSanitizer");
#else
  g_assert_cmpint (rss_after - rss_before, <, RSS_BOUND_KIB);
#endif
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/server/churn", test_churn);
  return g_test_run ();
}
