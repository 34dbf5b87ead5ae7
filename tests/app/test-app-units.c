/* test-app-units.c: the app's parts that need no server or display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <gst/gst.h>

#include "duet-call-window.h"
#include "duet-ringer.h"

static gboolean
quit_cb (gpointer loop)
{
  g_main_loop_quit (loop);
  return G_SOURCE_REMOVE;
}

static void
test_ringer_generated (void)
{
  g_autoptr(DuetRinger) ringer = duet_ringer_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);

  g_assert_false (duet_ringer_get_ringing (ringer));
  duet_ringer_start (ringer);
  g_assert_true (duet_ringer_get_ringing (ringer));

  /* Plays (into a fakesink) without an error stopping it */
  g_timeout_add (500, quit_cb, loop);
  g_main_loop_run (loop);
  g_assert_true (duet_ringer_get_ringing (ringer));

  duet_ringer_stop (ringer);
  g_assert_false (duet_ringer_get_ringing (ringer));
  duet_ringer_stop (ringer);
  g_assert_finalize_object (g_steal_pointer (&ringer));
}

static void
test_describe_end (void)
{
  struct {
    DuetDisconnectReason reason;
    gboolean by_remote;
    const char *expected;
  } cases[] = {
    { DUET_DISCONNECT_REASON_DECLINE, TRUE, "bob declined the call" },
    { DUET_DISCONNECT_REASON_DECLINE, FALSE, "Call declined" },
    { DUET_DISCONNECT_REASON_NORMAL, TRUE, "bob ended the call" },
    { DUET_DISCONNECT_REASON_NORMAL, FALSE, "Call ended" },
    { DUET_DISCONNECT_REASON_CANCEL, TRUE, "bob cancelled the call" },
    { DUET_DISCONNECT_REASON_NOANSWER, TRUE, "No answer" },
    { DUET_DISCONNECT_REASON_BUSY, TRUE, "bob is busy" },
    { DUET_DISCONNECT_REASON_ALREADY_GOT_A_CALL, TRUE, "bob is busy" },
    { DUET_DISCONNECT_REASON_NETWORK_UNSTABLE, TRUE, "Connection lost" },
    { DUET_DISCONNECT_REASON_SERVICE_MAINTENANCE, TRUE, "The server is restarting" },
    { DUET_DISCONNECT_REASON_INTERNAL_KIT_ERROR, TRUE, "The call failed" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = duet_call_window_describe_end (cases[i].reason, cases[i].by_remote, "bob");
      g_assert_cmpstr (text, ==, cases[i].expected);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/app/ringer/generated", test_ringer_generated);
  g_test_add_func ("/app/call-window/describe-end", test_describe_end);
  return g_test_run ();
}
