/* test-app-units.c: the app's parts that need no server or display
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>

#include <gst/gst.h>
#define G_SETTINGS_ENABLE_BACKEND
#include <gio/gsettingsbackend.h>

#include "duet-account.h"
#include "duet-call-centre.h"
#include "duet-application.h"
#include "duet-call-window.h"
#include "duet-clock.h"
#include "duet-preferences-window.h"
#include "duet-quality-hint.h"
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

static const char *
event_role (GstElement *element)
{
  g_autoptr(GstStructure) props = NULL;

  g_object_get (element, "stream-properties", &props, NULL);
  return props ? g_intern_string (gst_structure_get_string (props, "media.role")) : NULL;
}

/* The real sink autoaudiosink picks (pulsesink here, where there may be
 * no sound server to pick it for real) gets media.role=event */
static void
test_ringer_event_role (void)
{
  g_autoptr(GstElement) sink = NULL;
  const char *sinks[] = { "pulsesink", "pipewiresink" };
  guint tried = 0;

  g_unsetenv ("DUET_FAKE_AUDIO_SINK");
  sink = gst_object_ref_sink (duet_ringer_new_audio_sink ());
  g_setenv ("DUET_FAKE_AUDIO_SINK", "1", TRUE);
  if (!GST_IS_BIN (sink))
    {
      g_test_skip ("no autoaudiosink");
      return;
    }

  for (guint i = 0; i < G_N_ELEMENTS (sinks); i++)
    {
      GstElement *child = gst_element_factory_make (sinks[i], NULL);

      if (child == NULL)
        continue;
      g_assert_null (event_role (child));
      gst_bin_add (GST_BIN (sink), child);
      g_assert_cmpstr (event_role (child), ==, "event");
      gst_bin_remove (GST_BIN (sink), child);
      tried++;
    }
  if (tried == 0)
    g_test_skip ("neither pulsesink nor pipewiresink is installed");

  /* The fake sink is left alone */
  g_clear_object (&sink);
  sink = gst_object_ref_sink (duet_ringer_new_audio_sink ());
  g_assert_true (g_str_has_prefix (GST_OBJECT_NAME (sink), "fakesink"));
}

/* Each problem says what happened and what to do; none, none */
static void
test_describe_device_problem (void)
{
  const DuetDeviceProblem problems[] = { DUET_DEVICE_PROBLEM_MISSING, DUET_DEVICE_PROBLEM_DENIED,
                                         DUET_DEVICE_PROBLEM_FAILED };

  g_assert_null (duet_call_window_describe_device_problem (DUET_DEVICE_KIND_CAMERA, DUET_DEVICE_PROBLEM_NONE));
  g_assert_null (duet_call_window_describe_device_problem (DUET_DEVICE_KIND_MICROPHONE, DUET_DEVICE_PROBLEM_NONE));
  for (guint i = 0; i < G_N_ELEMENTS (problems); i++)
    {
      const char *camera = duet_call_window_describe_device_problem (DUET_DEVICE_KIND_CAMERA, problems[i]);
      const char *microphone = duet_call_window_describe_device_problem (DUET_DEVICE_KIND_MICROPHONE, problems[i]);

      g_assert_nonnull (strstr (camera, "camera"));
      g_assert_nonnull (strstr (camera, "video is off"));
      g_assert_nonnull (strstr (microphone, "microphone"));
      g_assert_nonnull (strstr (microphone, "muted"));
      g_assert_null (duet_call_window_describe_device_problem (DUET_DEVICE_KIND_SPEAKER, problems[i]));
    }
  g_assert_cmpstr (duet_call_window_describe_device_problem (DUET_DEVICE_KIND_CAMERA, DUET_DEVICE_PROBLEM_MISSING),
                   ==, "No camera found. Your video is off until you connect one.");
  g_assert_nonnull (strstr (duet_call_window_describe_device_problem (DUET_DEVICE_KIND_CAMERA,
                                                                      DUET_DEVICE_PROBLEM_DENIED),
                            "Settings › Apps › Duet"));
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
    { DUET_DISCONNECT_REASON_MULTIDEV_IN_USE, TRUE, "You are already in a call on another device" },
    { DUET_DISCONNECT_REASON_MULTIDEV_ANSWER, TRUE, "Answered on another device" },
    { DUET_DISCONNECT_REASON_MULTIDEV_DECLINE, TRUE, "Declined on another device" },
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

/* ---- the user's devices ---- */

static void
test_describe_device (void)
{
  g_autoptr(GDateTime) now = g_date_time_new_utc (2026, 12, 1, 12, 0, 0);
  struct {
    gboolean current, online;
    int ago_s;          /* -1: never seen */
    const char *expected;
  } cases[] = {
    { TRUE, TRUE, 0, "This device" },
    { TRUE, FALSE, 600, "This device" },
    { FALSE, TRUE, 600, "Online" },
    { FALSE, FALSE, -1, "Offline" },
    { FALSE, FALSE, 0, "Last seen just now" },
    { FALSE, FALSE, 59, "Last seen just now" },
    { FALSE, FALSE, 60, "Last seen 1 minute ago" },
    { FALSE, FALSE, 59 * 60 + 59, "Last seen 59 minutes ago" },
    { FALSE, FALSE, 3600, "Last seen 1 hour ago" },
    { FALSE, FALSE, 5 * 3600 + 10, "Last seen 5 hours ago" },
    { FALSE, FALSE, 86400, "Last seen 1 day ago" },
    { FALSE, FALSE, 29 * 86400, "Last seen 29 days ago" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GDateTime) seen = cases[i].ago_s >= 0 ? g_date_time_add_seconds (now, -cases[i].ago_s) : NULL;
      g_autofree char *text = duet_preferences_window_describe_device (cases[i].current, cases[i].online,
                                                                       seen, now);
      g_assert_cmpstr (text, ==, cases[i].expected);
    }

  /* A clock behind the server's: just now, not "-1 minutes" */
  {
    g_autoptr(GDateTime) ahead = g_date_time_add_seconds (now, 300);
    g_autofree char *text = duet_preferences_window_describe_device (FALSE, FALSE, ahead, now);
    g_assert_cmpstr (text, ==, "Last seen just now");
  }
  /* Long ago: the date */
  {
    g_autoptr(GDateTime) old = g_date_time_new_utc (2026, 3, 3, 12, 0, 0);
    g_autofree char *text = duet_preferences_window_describe_device (FALSE, FALSE, old, now);
    g_assert_cmpstr (text, ==, "Last seen on 3 March 2026");
  }
}

static void
test_describe_sign_out (void)
{
  g_assert_cmpstr (duet_application_describe_sign_out ("by_user"), ==,
                   "This device was signed out from another of your devices. Sign in again to use it.");
  g_assert_cmpstr (duet_application_describe_sign_out ("device_limit"), ==,
                   "You are signed in on too many devices; this one was signed out. Sign in again to use it.");
  /* A reason this app does not know yet reads as the common one */
  g_assert_cmpstr (duet_application_describe_sign_out (NULL), ==,
                   duet_application_describe_sign_out ("by_user"));
}

static void
test_device_name (void)
{
  g_autofree char *plain = duet_account_device_name ("alice-laptop");
  g_autofree char *long_name = NULL;
  g_autofree char *wide = NULL;
  g_autofree char *host = NULL;

  g_assert_cmpstr (plain, ==, "Duet on alice-laptop");

  /* Cut to the protocol's 64 bytes */
  host = g_strnfill (100, 'h');
  long_name = duet_account_device_name (host);
  g_assert_cmpuint (strlen (long_name), ==, 64);
  g_assert_true (g_str_has_prefix (long_name, "Duet on hhh"));

  /* ... between characters: "ü" is two bytes, 8 + 28 × 2 = 64 */
  g_clear_pointer (&host, g_free);
  host = g_strjoinv ("", (char *[]) { "üüüüüüüüüü", "üüüüüüüüüü", "üüüüüüüüüü", NULL });
  wide = duet_account_device_name (host);
  g_assert_cmpuint (strlen (wide), ==, 64);
  g_assert_true (g_utf8_validate (wide, -1, NULL));
  g_clear_pointer (&wide, g_free);
  g_clear_pointer (&host, g_free);
  host = g_strconcat ("x", "üüüüüüüüüü", "üüüüüüüüüü", "üüüüüüüüüü", NULL);
  wide = duet_account_device_name (host);
  g_assert_cmpuint (strlen (wide), ==, 63);  /* "Duet on x" + 27 × "ü"; the 28th would pass 64 */
  g_assert_true (g_utf8_validate (wide, -1, NULL));
}

/* ---- times as the desktop's clock shows them ---- */

static void
test_clock_format_when (void)
{
  g_autoptr(GTimeZone) utc = g_time_zone_new_utc ();
  g_autoptr(GDateTime) now = g_date_time_new (utc, 2026, 12, 2, 10, 0, 0);
  struct {
    int year, month, day, hour, minute;
    const char *h24, *h12;
  } cases[] = {
    { 2026, 12, 2, 9, 5, "09:05", "9:05 AM" },
    { 2026, 12, 2, 0, 30, "00:30", "12:30 AM" },
    { 2026, 12, 1, 21, 45, "Yesterday 21:45", "Yesterday 9:45 PM" },
    { 2026, 11, 30, 13, 0, "30 Nov 2026 13:00", "30 Nov 2026 1:00 PM" },
    { 2025, 12, 2, 9, 5, "2 Dec 2025 09:05", "2 Dec 2025 9:05 AM" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GDateTime) time = g_date_time_new (utc, cases[i].year, cases[i].month, cases[i].day,
                                                   cases[i].hour, cases[i].minute, 0);
      g_autofree char *h24 = duet_clock_format_when (time, now, TRUE);
      g_autofree char *h12 = duet_clock_format_when (time, now, FALSE);

      g_assert_cmpstr (h24, ==, cases[i].h24);
      g_assert_cmpstr (h12, ==, cases[i].h12);
    }

  /* Yesterday across the new year */
  {
    g_autoptr(GDateTime) new_year = g_date_time_new (utc, 2027, 1, 1, 8, 0, 0);
    g_autoptr(GDateTime) eve = g_date_time_new (utc, 2026, 12, 31, 23, 59, 0);
    g_autofree char *text = duet_clock_format_when (eve, new_year, TRUE);

    g_assert_cmpstr (text, ==, "Yesterday 23:59");
  }
  /* Shown in the zone of now: 23:30 UTC is the next day at UTC+2 */
  {
    g_autoptr(GTimeZone) east = g_time_zone_new_offset (2 * 3600);
    g_autoptr(GDateTime) local_now = g_date_time_new (east, 2026, 12, 2, 10, 0, 0);
    g_autoptr(GDateTime) late = g_date_time_new (utc, 2026, 12, 1, 23, 30, 0);
    g_autofree char *text = duet_clock_format_when (late, local_now, TRUE);

    g_assert_cmpstr (text, ==, "01:30");
  }
  {
    g_autofree char *none = duet_clock_format_when (NULL, now, TRUE);

    g_assert_cmpstr (none, ==, "");
  }
}

/* The desktop's setting when GNOME's schema is there, 24 hours when not */
static void
test_clock_setting (void)
{
  g_autoptr(GSettings) settings = NULL;

  g_assert_true (duet_clock_get_use_24h (NULL));

  settings = duet_clock_new_settings ();
  if (settings == NULL)
    {
      g_test_skip ("no org.gnome.desktop.interface schema with clock-format");
      return;
    }
  g_settings_set_string (settings, "clock-format", "12h");
  g_assert_false (duet_clock_get_use_24h (settings));
  g_settings_set_string (settings, "clock-format", "24h");
  g_assert_true (duet_clock_get_use_24h (settings));
}

/* ---- the poor-connection hint ---- */

#define GOOD DUET_NETWORK_QUALITY_GOOD
#define FAIR DUET_NETWORK_QUALITY_FAIR
#define POOR DUET_NETWORK_QUALITY_POOR
#define UNKNOWN DUET_NETWORK_QUALITY_UNKNOWN
#define MS(n) ((gint64) (n) * 1000)
/* Monotonic times are large; none of the rules may need them to start at 0 */
#define T0 G_GINT64_CONSTANT (86400000000)

static void
test_hint_needs_three_seconds (void)
{
  g_autoptr(DuetQualityHint) hint = duet_quality_hint_new ();
  gint64 deadline = 0;

  g_assert_false (duet_quality_hint_update (hint, GOOD, POOR, T0));
  g_assert_true (duet_quality_hint_get_deadline (hint, &deadline));
  g_assert_cmpint (deadline, ==, T0 + DUET_QUALITY_HINT_DELAY_US);

  g_assert_false (duet_quality_hint_update (hint, GOOD, POOR, T0 + MS (2900)));
  g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_NONE);
  g_assert_true (duet_quality_hint_update (hint, GOOD, POOR, T0 + MS (3000)));
  g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_PEER);
  g_assert_false (duet_quality_hint_get_deadline (hint, &deadline));

  /* Leaving takes as long: FAIR for 2.9 s keeps it, 3 s removes it */
  g_assert_false (duet_quality_hint_update (hint, GOOD, FAIR, T0 + MS (10000)));
  g_assert_true (duet_quality_hint_get_deadline (hint, &deadline));
  g_assert_cmpint (deadline, ==, T0 + MS (13000));
  g_assert_false (duet_quality_hint_update (hint, GOOD, GOOD, T0 + MS (12900)));
  g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_PEER);
  g_assert_true (duet_quality_hint_update (hint, GOOD, GOOD, T0 + MS (13000)));
  g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_NONE);
}

static void
test_hint_no_flicker (void)
{
  g_autoptr(DuetQualityHint) hint = duet_quality_hint_new ();
  gint64 t = T0;

  /* POOR in spells shorter than the delay, broken by FAIR: never shown */
  for (int i = 0; i < 20; i++)
    {
      duet_quality_hint_update (hint, GOOD, POOR, t);
      t += MS (2500);
      duet_quality_hint_update (hint, GOOD, POOR, t);
      g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_NONE);
      duet_quality_hint_update (hint, GOOD, FAIR, t);
      t += MS (200);
    }

  /* Once shown, short spells of better quality do not hide it */
  duet_quality_hint_update (hint, GOOD, POOR, t);
  t += DUET_QUALITY_HINT_DELAY_US;
  duet_quality_hint_update (hint, GOOD, POOR, t);
  g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_PEER);
  for (int i = 0; i < 20; i++)
    {
      duet_quality_hint_update (hint, GOOD, GOOD, t);
      t += MS (2900);
      g_assert_false (duet_quality_hint_update (hint, GOOD, GOOD, t));
      g_assert_false (duet_quality_hint_update (hint, GOOD, POOR, t));
      t += MS (100);
      g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_PEER);
    }
}

static void
test_hint_own_first (void)
{
  g_autoptr(DuetQualityHint) hint = duet_quality_hint_new ();

  duet_quality_hint_update (hint, POOR, POOR, T0);
  duet_quality_hint_update (hint, POOR, POOR, T0 + MS (3000));
  g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_OWN);

  /* The peer's shows once this side's has gone */
  duet_quality_hint_update (hint, GOOD, POOR, T0 + MS (4000));
  g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_OWN);
  g_assert_true (duet_quality_hint_update (hint, GOOD, POOR, T0 + MS (7000)));
  g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_PEER);

  /* This side's takes over from the peer's */
  duet_quality_hint_update (hint, POOR, POOR, T0 + MS (8000));
  g_assert_true (duet_quality_hint_update (hint, POOR, POOR, T0 + MS (11000)));
  g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_OWN);

  duet_quality_hint_reset (hint);
  g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_NONE);
  g_assert_false (duet_quality_hint_update (hint, POOR, GOOD, T0 + MS (12000)));
}

static void
test_hint_unknown (void)
{
  g_autoptr(DuetQualityHint) hint = duet_quality_hint_new ();
  gint64 deadline;

  for (gint64 t = 0; t <= MS (10000); t += MS (500))
    g_assert_false (duet_quality_hint_update (hint, UNKNOWN, UNKNOWN, T0 + t));
  g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_NONE);
  g_assert_false (duet_quality_hint_get_deadline (hint, &deadline));

  /* No measure (a new media path) counts as no longer poor */
  duet_quality_hint_update (hint, POOR, GOOD, T0 + MS (20000));
  duet_quality_hint_update (hint, POOR, GOOD, T0 + MS (23000));
  g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_OWN);
  duet_quality_hint_update (hint, UNKNOWN, UNKNOWN, T0 + MS (24000));
  g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_OWN);
  duet_quality_hint_update (hint, UNKNOWN, UNKNOWN, T0 + MS (27000));
  g_assert_cmpint (duet_quality_hint_get_kind (hint), ==, DUET_QUALITY_HINT_NONE);
}

static void
test_hint_describe (void)
{
  g_autofree char *own = duet_quality_hint_describe (DUET_QUALITY_HINT_OWN, "bob");
  g_autofree char *peer = duet_quality_hint_describe (DUET_QUALITY_HINT_PEER, "bob");

  g_assert_cmpstr (own, ==, "Your connection is poor");
  g_assert_cmpstr (peer, ==, "bob’s connection is poor: your video may look choppy to them");
  g_assert_null (duet_quality_hint_describe (DUET_QUALITY_HINT_NONE, "bob"));
}

static void
test_describe_quality (void)
{
  DuetCallStatistics figures = { 0 };
  g_autofree char *rates_only = NULL;
  g_autofree char *measured = NULL;
  g_autofree char *small_loss = NULL;
  g_autofree char *audio = NULL;

  /* What the window knows before the kit measures: its own rates */
  figures.rx_fps = 24;
  figures.rx_kbps = 420;
  rates_only = duet_call_window_describe_quality (DUET_NETWORK_QUALITY_GOOD, &figures);
  g_assert_cmpstr (rates_only, ==, "Connection: Good\n24 frames/s, 420 kbit/s");

  figures.rtt_ms = 85;
  figures.rx_loss = 0.03;
  figures.rx_width = 640;
  figures.rx_height = 480;
  measured = duet_call_window_describe_quality (DUET_NETWORK_QUALITY_FAIR, &figures);
  g_assert_cmpstr (measured, ==, "Connection: Fair\nRound trip 85 ms, 3 % loss\n640×480 at 24 frames/s, 420 kbit/s");

  figures.rx_loss = 0.1234;
  g_clear_pointer (&measured, g_free);
  measured = duet_call_window_describe_quality (DUET_NETWORK_QUALITY_POOR, &figures);
  g_assert_cmpstr (measured, ==, "Connection: Poor\nRound trip 85 ms, 12 % loss\n640×480 at 24 frames/s, 420 kbit/s");

  figures.rx_loss = 0.004;
  small_loss = duet_call_window_describe_quality (DUET_NETWORK_QUALITY_GOOD, &figures);
  g_assert_cmpstr (small_loss, ==, "Connection: Good\nRound trip 85 ms, 0.4 % loss\n640×480 at 24 frames/s, 420 kbit/s");

  figures.rx_loss = 0;
  g_clear_pointer (&small_loss, g_free);
  small_loss = duet_call_window_describe_quality (DUET_NETWORK_QUALITY_GOOD, &figures);
  g_assert_cmpstr (small_loss, ==, "Connection: Good\nRound trip 85 ms, 0 % loss\n640×480 at 24 frames/s, 420 kbit/s");

  figures = (DuetCallStatistics) { .rx_kbps = 40 };
  audio = duet_call_window_describe_quality (DUET_NETWORK_QUALITY_GOOD, &figures);
  g_assert_cmpstr (audio, ==, "Connection: Good\n40 kbit/s received");
}

/* The app's settings in memory; NULL without the compiled schema */
static GSettings *
new_app_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettingsBackend) backend = NULL;

  if (source == NULL || (schema = g_settings_schema_source_lookup (source, "org.duet.Duet", TRUE)) == NULL)
    return NULL;
  backend = g_memory_settings_backend_new ();
  return g_settings_new_full (schema, backend, NULL);
}

static void
count_cb (guint *count)
{
  (*count)++;
}

/* Signed out, the centre starts nothing and has nothing to answer */
static void
test_call_centre_signed_out (void)
{
  g_autoptr(GSettings) settings = new_app_settings ();
  g_autoptr(DuetAccount) account = NULL;
  g_autoptr(DuetManager) manager = NULL;
  g_autoptr(DuetCallCentre) centre = NULL;
  g_autoptr(GError) error = NULL;
  guint added = 0, ended = 0;

  if (settings == NULL)
    {
      g_test_skip ("no org.duet.Duet schema");
      return;
    }
  account = duet_account_new ("test", settings);
  manager = duet_manager_new ();
  centre = duet_call_centre_new (manager, account);
  g_signal_connect_swapped (centre, "call-added", G_CALLBACK (count_cb), &added);
  g_signal_connect_swapped (centre, "call-ended", G_CALLBACK (count_cb), &ended);

  g_assert_false (duet_call_centre_get_busy (centre));
  g_assert_null (duet_call_centre_get_ringing_call (centre));
  g_assert_null (duet_call_centre_get_active_call (centre));
  g_assert_false (duet_call_centre_dial (centre, "bob", DUET_MEDIA_TYPE_AUDIO, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED);
  g_assert_cmpstr (error->message, ==, "Sign in to make calls");

  /* No ringing call: nothing to accept, decline or end */
  duet_call_centre_accept (centre, TRUE);
  duet_call_centre_decline (centre);
  duet_call_centre_end_all (centre);
  g_assert_cmpuint (added, ==, 0);
  g_assert_cmpuint (ended, ==, 0);
  g_assert_cmpstr (duet_call_centre_describe_start_failure (DUET_START_FAIL_REASON_UNKNOWN_PEER), ==,
                   "There is no such user on this server");
}

/* The session begins in the account, with no window: nothing remembered
 * leaves it signed out, and a refused sign-in says why and is not
 * remembered */
static void
test_account_session (void)
{
  g_autoptr(GSettings) settings = new_app_settings ();
  g_autoptr(DuetAccount) account = NULL;
  g_autofree char *server = NULL;

  if (settings == NULL)
    {
      g_test_skip ("no org.duet.Duet schema");
      return;
    }
  account = duet_account_new ("test", settings);
  duet_account_begin_session (account);
  g_assert_cmpint (duet_account_get_state (account), ==, DUET_ACCOUNT_SIGNED_OUT);
  g_assert_null (duet_account_get_sign_in_error (account));

  duet_account_sign_in (account, "https://duet.example.org", "not a user id", NULL, "secret");
  while (duet_account_get_sign_in_error (account) == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpstr (duet_account_get_sign_in_error (account), ==,
                   "A user ID has 1 to 64 letters, digits, dots, dashes or underscores.");
  g_assert_cmpint (duet_account_get_state (account), ==, DUET_ACCOUNT_SIGNED_OUT);
  server = g_settings_get_string (settings, "server-url");
  g_assert_cmpstr (server, ==, "");

  /* Signed out by the server: the page says why until the user signs out here */
  duet_account_sign_out_with_message (account, "Signed out elsewhere");
  g_assert_cmpstr (duet_account_get_sign_in_message (account), ==, "Signed out elsewhere");
  duet_account_sign_out (account);
  g_assert_null (duet_account_get_sign_in_message (account));
}

static void
on_css_provider_parsing_error (GtkCssProvider *provider,
                               GtkCssSection  *section,
                               const GError   *error,
                               const char     *path)
{
  g_autofree char *where = gtk_css_section_to_string (section);

  g_error ("%s: %s: %s", path, where, error->message);
}

/* The stylesheets AdwApplication loads from the resource base path:
 * style-hc.css is the one for high contrast. Both are there and parse. */
static void
test_stylesheets (void)
{
  const char * const paths[] = { "/org/duet/Duet/style.css", "/org/duet/Duet/style-hc.css" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr(GtkCssProvider) provider = gtk_css_provider_new ();
      g_autoptr(GBytes) bytes = g_resources_lookup_data (paths[i], 0, NULL);
      g_autofree char *text = NULL;

      g_assert_nonnull (bytes);
      g_assert_cmpuint (g_bytes_get_size (bytes), >, 0);
      g_signal_connect (provider, "parsing-error",
                        G_CALLBACK (on_css_provider_parsing_error), (gpointer) paths[i]);
      gtk_css_provider_load_from_resource (provider, paths[i]);
      /* Nothing dropped: the provider's own text has every rule */
      text = gtk_css_provider_to_string (provider);
      g_assert_true (*text != '\0');
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/app/ringer/generated", test_ringer_generated);
  g_test_add_func ("/app/ringer/event-role", test_ringer_event_role);
  g_test_add_func ("/app/call-window/describe-end", test_describe_end);
  g_test_add_func ("/app/call-window/describe-quality", test_describe_quality);
  g_test_add_func ("/app/call-window/describe-device-problem", test_describe_device_problem);
  g_test_add_func ("/app/preferences/describe-device", test_describe_device);
  g_test_add_func ("/app/application/describe-sign-out", test_describe_sign_out);
  g_test_add_func ("/app/account/device-name", test_device_name);
  g_test_add_func ("/app/account/session", test_account_session);
  g_test_add_func ("/app/call-centre/signed-out", test_call_centre_signed_out);
  g_test_add_func ("/app/clock/format-when", test_clock_format_when);
  g_test_add_func ("/app/clock/setting", test_clock_setting);
  g_test_add_func ("/app/quality-hint/three-seconds", test_hint_needs_three_seconds);
  g_test_add_func ("/app/quality-hint/no-flicker", test_hint_no_flicker);
  g_test_add_func ("/app/quality-hint/own-first", test_hint_own_first);
  g_test_add_func ("/app/quality-hint/unknown", test_hint_unknown);
  g_test_add_func ("/app/quality-hint/describe", test_hint_describe);
  g_test_add_func ("/app/style/stylesheets", test_stylesheets);
  return g_test_run ();
}
