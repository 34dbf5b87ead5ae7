/* test-media-session.c: two DuetMediaSessions wired in one process
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * No server: SDP and candidates are handed across directly, as GStreamer's
 * own webrtcbin tests do. Checks the privacy gate, media both ways, views
 * (plain sinks and bins) added and removed at runtime, the control channel
 * and dead-peer detection.
 */
#include "duet-media-session.h"
#include "duet-media-settings.h"
#include "duet-protocol.h"

typedef struct
{
  DuetMediaSession *a;
  DuetMediaSession *b;
  guint             a_frames;   /* handoffs on a's peer view */
  guint             messages;
  gboolean          dead;
} Fixture;

static void
on_description (DuetMediaSession *from, const char *type, const char *sdp, DuetMediaSession *to)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (duet_media_session_set_remote_description (to, type, sdp, &error));
  g_assert_no_error (error);
}

static void
on_candidate (DuetMediaSession *from, guint mline, const char *candidate, DuetMediaSession *to)
{
  duet_media_session_add_remote_candidate (to, mline, candidate);
}

static void
on_handoff (GstElement *sink, GstBuffer *buffer, GstPad *pad, gpointer data)
{
  g_atomic_int_inc ((gint *) data);
}

static gboolean
wait_for (gboolean (*cond) (Fixture *), Fixture *f, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  while (!cond (f))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  return TRUE;
}

static gboolean
channels_open (Fixture *f)
{
  return duet_media_session_get_channel_open (f->a) && duet_media_session_get_channel_open (f->b);
}

static gboolean
b_decodes (Fixture *f)
{
  DuetMediaStats stats;

  duet_media_session_get_stats (f->b, &stats);
  return stats.video_frames_decoded > 5 && stats.audio_buffers_decoded > 10;
}

/* What each side sent and decoded, for the log of a failed wait */
static void
log_stats (Fixture *f)
{
  DuetMediaStats a, b;

  duet_media_session_get_stats (f->a, &a);
  duet_media_session_get_stats (f->b, &b);
  g_test_message ("a sent %" G_GUINT64_FORMAT " video / %" G_GUINT64_FORMAT " audio, decoded %"
                  G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT "; b sent %" G_GUINT64_FORMAT " / %"
                  G_GUINT64_FORMAT ", decoded %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT,
                  (guint64) a.video_frames_sent, (guint64) a.audio_buffers_sent,
                  (guint64) a.video_frames_decoded, (guint64) a.audio_buffers_decoded,
                  (guint64) b.video_frames_sent, (guint64) b.audio_buffers_sent,
                  (guint64) b.video_frames_decoded, (guint64) b.audio_buffers_decoded);
}

static gboolean
a_view_frames (Fixture *f)
{
  return g_atomic_int_get (&f->a_frames) > 5;
}

static gboolean
got_message (Fixture *f)
{
  return f->messages > 0;
}

static gboolean
got_dead (Fixture *f)
{
  return f->dead;
}

static void
on_control (DuetMediaSession *session, JsonObject *message, Fixture *f)
{
  g_assert_cmpstr (json_object_get_string_member (message, "type"), ==, "media_state");
  f->messages++;
}

static void
on_dead (DuetMediaSession *session, Fixture *f)
{
  f->dead = TRUE;
}

/* Test sources, a small picture; @liveness_ms 0 for the default */
static DuetMediaSession *
small_session (gboolean offerer,
               guint    liveness_ms)
{
  g_autoptr(DuetMediaSettings) settings = duet_media_settings_new_from_environment ();

  g_object_set (settings, "test-sources", TRUE, "video-width", 160, "video-height", 120,
                "video-fps", 15, NULL);
  if (liveness_ms != 0)
    g_object_set (settings, "liveness-timeout", liveness_ms, NULL);
  return duet_media_session_new (offerer, settings);
}

static void
test_loopback (void)
{
  Fixture f = { 0 };
  DuetMediaStats stats;
  GstElement *view = gst_element_factory_make ("fakesink", NULL);
  GstElement *my_view = gst_element_factory_make ("fakesink", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonObject) message = json_object_new ();

  f.a = small_session (TRUE, 1500);
  f.b = small_session (FALSE, 1500);

  g_signal_connect (f.a, "local-description", G_CALLBACK (on_description), f.b);
  g_signal_connect (f.b, "local-description", G_CALLBACK (on_description), f.a);
  g_signal_connect (f.a, "local-candidate", G_CALLBACK (on_candidate), f.b);
  g_signal_connect (f.b, "local-candidate", G_CALLBACK (on_candidate), f.a);
  g_signal_connect (f.b, "control-message", G_CALLBACK (on_control), &f);
  g_signal_connect (f.a, "path-lost", G_CALLBACK (on_dead), &f);

  g_assert_true (duet_media_session_start (f.a, &error));
  g_assert_true (duet_media_session_start (f.b, &error));
  g_object_set (view, "signal-handoffs", TRUE, "sync", FALSE, NULL);
  g_signal_connect (view, "handoff", G_CALLBACK (on_handoff), &f.a_frames);
  duet_media_session_add_view (f.a, TRUE, view);      /* before the stream exists */
  duet_media_session_add_view (f.a, FALSE, my_view);
  duet_media_session_create_offer (f.a);

  /* Ringing: connected transport, but nothing may be sent */
  g_assert_true (wait_for (channels_open, &f, 10000));
  g_usleep (500 * 1000);
  duet_media_session_get_stats (f.a, &stats);
  g_assert_cmpuint (stats.video_frames_sent, ==, 0);
  g_assert_cmpuint (stats.audio_buffers_sent, ==, 0);

  /* Accept */
  duet_media_session_set_video_sending (f.a, TRUE);
  duet_media_session_set_video_sending (f.b, TRUE);
  duet_media_session_open (f.a);
  duet_media_session_open (f.b);
  if (!wait_for (b_decodes, &f, 10000))
    log_stats (&f);
  g_assert_true (b_decodes (&f));
  g_assert_true (wait_for (a_view_frames, &f, 10000));

  /* Views come and go while media flows */
  duet_media_session_remove_view (f.a, TRUE, view);
  duet_media_session_remove_view (f.a, FALSE, my_view);
  for (int i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
  view = gst_element_factory_make ("fakesink", NULL);
  g_object_set (view, "signal-handoffs", TRUE, "sync", FALSE, NULL);
  g_atomic_int_set (&f.a_frames, 0);
  g_signal_connect (view, "handoff", G_CALLBACK (on_handoff), &f.a_frames);
  duet_media_session_add_view (f.a, TRUE, view);
  g_assert_true (wait_for (a_view_frames, &f, 10000));

  /* A view may be a bin of its own; its sink (asynchronous, as fakesink
   * is by default) must join without making the call preroll again */
  {
    GstElement *bin = gst_bin_new (NULL);
    GstElement *convert = gst_element_factory_make ("videoconvert", NULL);
    GstElement *inner = gst_element_factory_make ("fakesink", NULL);
    g_autoptr(GstPad) pad = NULL;
    gboolean async = TRUE;

    gst_bin_add_many (GST_BIN (bin), convert, inner, NULL);
    gst_element_link (convert, inner);
    pad = gst_element_get_static_pad (convert, "sink");
    gst_element_add_pad (bin, gst_ghost_pad_new ("sink", pad));
    g_object_set (inner, "signal-handoffs", TRUE, "sync", FALSE, NULL);
    duet_media_session_remove_view (f.a, TRUE, view);
    g_atomic_int_set (&f.a_frames, 0);
    g_signal_connect (inner, "handoff", G_CALLBACK (on_handoff), &f.a_frames);
    duet_media_session_add_view (f.a, TRUE, bin);
    g_object_get (inner, "async", &async, NULL);
    g_assert_false (async);
    g_assert_true (wait_for (a_view_frames, &f, 10000));
  }

  /* Control channel */
  json_object_set_string_member (message, "type", "media_state");
  json_object_set_boolean_member (message, "mic_muted", TRUE);
  g_assert_true (duet_media_session_send_control (f.a, message));
  g_assert_true (wait_for (got_message, &f, 5000));

  /* The peer goes silent: b stops, a notices within the timeout */
  duet_media_session_stop (f.b);
  g_assert_true (wait_for (got_dead, &f, 4000));

  duet_media_session_stop (f.a);
  g_object_unref (f.a);
  g_object_unref (f.b);
}

/* Accepted, but nothing ever comes from the peer (ICE or DTLS still at
 * work, or never done): the path gets three times the dead-peer timeout
 * to come up before the call is given up */
static void
test_unheard_peer (void)
{
  Fixture f = { 0 };
  g_autoptr(GError) error = NULL;
  gint64 opened;

  f.a = small_session (TRUE, 1000);
  g_signal_connect (f.a, "path-lost", G_CALLBACK (on_dead), &f);
  g_assert_true (duet_media_session_start (f.a, &error));
  duet_media_session_create_offer (f.a);
  duet_media_session_open (f.a);
  opened = g_get_monotonic_time ();

  g_assert_false (wait_for (got_dead, &f, 2000));
  g_assert_true (wait_for (got_dead, &f, 8000));
  g_assert_cmpint (g_get_monotonic_time () - opened, >=, 3000 * 1000);

  duet_media_session_stop (f.a);
  g_object_unref (f.a);
}

/* ---- negotiation: what the SDP says ---- */

#define TWCC_URI "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"

typedef struct
{
  char      *sdp;        /* the last local description */
  GPtrArray *rejected;   /* "media what" of each media-rejected */
} Negotiation;

static void
keep_description (DuetMediaSession *session, const char *type, const char *sdp, Negotiation *n)
{
  g_free (n->sdp);
  n->sdp = g_strdup (sdp);
}

static void
keep_rejected (DuetMediaSession *session, const char *media, const char *what, Negotiation *n)
{
  g_ptr_array_add (n->rejected, g_strdup_printf ("%s %s", media, what));
}

static gboolean
has_description (Negotiation *n)
{
  return n->sdp != NULL;
}

static gboolean
wait_until (gboolean (*cond) (Negotiation *), Negotiation *n, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + timeout_ms * 1000;

  while (!cond (n) && g_get_monotonic_time () < end)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (2000);
    }
  return cond (n);
}

static DuetMediaSession *
negotiating_session (gboolean offerer, Negotiation *n)
{
  DuetMediaSession *session = small_session (offerer, 0);
  g_autoptr(GError) error = NULL;

  n->rejected = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (session, "local-description", G_CALLBACK (keep_description), n);
  g_signal_connect (session, "media-rejected", G_CALLBACK (keep_rejected), n);
  g_assert_true (duet_media_session_start (session, &error));
  g_assert_no_error (error);
  return session;
}

static void
negotiation_clear (Negotiation *n)
{
  g_clear_pointer (&n->sdp, g_free);
  g_clear_pointer (&n->rejected, g_ptr_array_unref);
}

/* The m-line section of @sdp for @media ("audio", "video"), edited:
 * every @from in it replaced by @to */
static char *
edit_section (const char *sdp, const char *media, const char *from, const char *to)
{
  g_autofree char *head = g_strdup_printf ("m=%s ", media);
  const char *start = strstr (sdp, head);
  const char *end;
  g_autofree char *section = NULL;
  g_auto(GStrv) pieces = NULL;
  g_autofree char *edited = NULL;

  g_assert_nonnull (start);
  end = strstr (start + 2, "\r\nm=");
  end = end ? end + 2 : sdp + strlen (sdp);
  section = g_strndup (start, end - start);
  pieces = g_strsplit (section, from, -1);
  g_assert_cmpuint (g_strv_length (pieces), >, 1);
  edited = g_strjoinv (to, pieces);
  return g_strdup_printf ("%.*s%s%s", (int) (start - sdp), sdp, edited, end);
}

static guint
count (const char *haystack, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

/* The callee offers while it rings, before anything is encoded: the
 * offer must still say what RFC 7587 and congestion control need, or a
 * browser refuses the audio */
static void
test_early_offer (void)
{
  Negotiation n = { 0 };
  DuetMediaSession *session = negotiating_session (TRUE, &n);

  duet_media_session_create_offer (session);
  g_assert_true (wait_until (has_description, &n, 5000));
  g_test_message ("%s", n.sdp);
  g_assert_nonnull (strstr (n.sdp, "a=rtpmap:111 OPUS/48000/2\r\n"));
  g_assert_nonnull (strstr (n.sdp, "useinbandfec=1"));
  g_assert_nonnull (strstr (n.sdp, "minptime=10"));
  g_assert_cmpuint (count (n.sdp, "a=extmap:1 " TWCC_URI "\r\n"), ==, 2);   /* audio and video */
  g_assert_cmpuint (count (n.sdp, "transport-cc"), >=, 1);

  duet_media_session_stop (session);
  g_object_unref (session);
  negotiation_clear (&n);
}

/* A browser's offer numbers things its own way: Opus as 109, TWCC as
 * extension 3 and its audio level as 1. The answer takes its numbers and
 * still sends and receives both streams. */
static void
test_foreign_offer (void)
{
  Negotiation offer = { 0 }, answer = { 0 };
  DuetMediaSession *a = negotiating_session (TRUE, &offer);
  DuetMediaSession *b = negotiating_session (FALSE, &answer);
  g_autofree char *step1 = NULL, *step2 = NULL, *step3 = NULL, *foreign = NULL;
  g_autoptr(GError) error = NULL;

  duet_media_session_create_offer (a);
  g_assert_true (wait_until (has_description, &offer, 5000));
  step1 = edit_section (offer.sdp, "audio", "111", "109");
  step2 = edit_section (step1, "audio", "a=extmap:1 ", "a=extmap:3 ");
  step3 = edit_section (step2, "video", "a=extmap:1 ", "a=extmap:3 ");
  foreign = edit_section (step3, "audio", "a=extmap:3 ",
                          "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\na=extmap:3 ");

  g_assert_true (duet_media_session_set_remote_description (b, "offer", foreign, &error));
  g_assert_no_error (error);
  g_assert_true (wait_until (has_description, &answer, 5000));
  g_test_message ("%s", answer.sdp);
  g_assert_nonnull (strstr (answer.sdp, "a=rtpmap:109 OPUS/48000/2\r\n"));
  g_assert_cmpuint (count (answer.sdp, "a=extmap:3 " TWCC_URI "\r\n"), ==, 2);
  g_assert_null (strstr (answer.sdp, "a=extmap:1 " TWCC_URI));
  g_assert_cmpuint (count (answer.sdp, "a=sendrecv"), >=, 2);
  g_assert_cmpuint (answer.rejected->len, ==, 0);

  duet_media_session_stop (a);
  duet_media_session_stop (b);
  g_object_unref (a);
  g_object_unref (b);
  negotiation_clear (&offer);
  negotiation_clear (&answer);
}

static gboolean
two_rejected (Negotiation *n)
{
  return n->rejected->len >= 2;
}

/* An answer that turns audio off and keeps video to itself: the offerer
 * says so, stream by stream, instead of going on silently */
static void
test_rejected_media (void)
{
  Negotiation offer = { 0 }, answer = { 0 };
  DuetMediaSession *a = negotiating_session (TRUE, &offer);
  DuetMediaSession *b = negotiating_session (FALSE, &answer);
  g_autofree char *step1 = NULL, *edited = NULL;
  g_autoptr(GError) error = NULL;

  duet_media_session_create_offer (a);
  g_assert_true (wait_until (has_description, &offer, 5000));
  g_assert_true (duet_media_session_set_remote_description (b, "offer", offer.sdp, &error));
  g_assert_true (wait_until (has_description, &answer, 5000));
  g_assert_cmpuint (answer.rejected->len, ==, 0);

  step1 = edit_section (answer.sdp, "audio", "a=sendrecv", "a=inactive");
  edited = edit_section (step1, "video", "a=sendrecv", "a=sendonly");
  g_assert_true (duet_media_session_set_remote_description (a, "answer", edited, &error));
  g_assert_no_error (error);
  g_assert_true (wait_until (two_rejected, &offer, 5000));
  /* in m-line order: video first */
  g_assert_cmpstr (g_ptr_array_index (offer.rejected, 0), ==, "video not-sent");
  g_assert_cmpstr (g_ptr_array_index (offer.rejected, 1), ==, "audio refused");

  duet_media_session_stop (a);
  duet_media_session_stop (b);
  g_object_unref (a);
  g_object_unref (b);
  negotiation_clear (&offer);
  negotiation_clear (&answer);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_setenv ("DUET_TEST_SOURCES", "1", TRUE);

  g_test_add_func ("/kit/media-session/loopback", test_loopback);
  g_test_add_func ("/kit/media-session/unheard-peer", test_unheard_peer);
  g_test_add_func ("/kit/media-session/early-offer", test_early_offer);
  g_test_add_func ("/kit/media-session/foreign-offer", test_foreign_offer);
  g_test_add_func ("/kit/media-session/rejected-media", test_rejected_media);
  return g_test_run ();
}
