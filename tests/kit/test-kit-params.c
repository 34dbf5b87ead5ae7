/* test-kit-params.c: builders, cc_param validation and media settings, no server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-cc-param-private.h"
#include "duet-kit.h"

static DuetMakeCallParamBuilder *
good_make_builder (void)
{
  DuetMakeCallParamBuilder *builder = duet_make_call_param_builder_new ();

  duet_make_call_param_builder_set_my_user_id (builder, "alice");
  duet_make_call_param_builder_set_my_service_id (builder, "duet");
  duet_make_call_param_builder_set_peer_user_id (builder, "bob");
  duet_make_call_param_builder_set_access_token (builder, "tok");
  return builder;
}

static void
test_make_call_param_good (void)
{
  g_autoptr(DuetMakeCallParamBuilder) builder = good_make_builder ();
  g_autoptr(DuetMakeCallParam) param = NULL;
  g_autoptr(GError) error = NULL;

  duet_make_call_param_builder_set_media_type (builder, DUET_MEDIA_TYPE_AUDIO);
  duet_make_call_param_builder_set_initial_my_video_state (builder, DUET_INITIAL_VIDEO_STATE_PAUSE);
  param = duet_make_call_param_builder_build (builder, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (duet_make_call_param_get_peer_service_id (param), ==, "duet");
  g_assert_cmpint (duet_make_call_param_get_media_type (param), ==, DUET_MEDIA_TYPE_AUDIO);
  g_assert_cmpint (duet_make_call_param_get_initial_video_state (param), ==, DUET_INITIAL_VIDEO_STATE_PAUSE);
}

typedef void (*Breaker) (DuetMakeCallParamBuilder *builder);

static void no_user (DuetMakeCallParamBuilder *b) { duet_make_call_param_builder_set_my_user_id (b, NULL); }
static void bad_user (DuetMakeCallParamBuilder *b) { duet_make_call_param_builder_set_my_user_id (b, "al ice"); }
static void no_service (DuetMakeCallParamBuilder *b) { duet_make_call_param_builder_set_my_service_id (b, ""); }
static void no_peer (DuetMakeCallParamBuilder *b) { duet_make_call_param_builder_set_peer_user_id (b, NULL); }
static void bad_peer (DuetMakeCallParamBuilder *b) { duet_make_call_param_builder_set_peer_user_id (b, "bob/x"); }
static void bad_peer_service (DuetMakeCallParamBuilder *b) { duet_make_call_param_builder_set_peer_service_id (b, "d*"); }
static void no_token (DuetMakeCallParamBuilder *b) { duet_make_call_param_builder_set_access_token (b, NULL); }
static void bad_media (DuetMakeCallParamBuilder *b) { duet_make_call_param_builder_set_media_type (b, DUET_MEDIA_TYPE_UNKNOWN); }
static void bad_url (DuetMakeCallParamBuilder *b) { duet_make_call_param_builder_set_server_url (b, "ftp://x"); }
static void long_user (DuetMakeCallParamBuilder *b)
{
  g_autofree char *id = g_strnfill (65, 'a');
  duet_make_call_param_builder_set_my_user_id (b, id);
}

static void
test_make_call_param_errors (void)
{
  static const struct { Breaker breaker; const char *field; } cases[] = {
    { no_user, "my_user_id" }, { bad_user, "my_user_id" }, { long_user, "my_user_id" },
    { no_service, "my_service_id" }, { no_peer, "peer_user_id" }, { bad_peer, "peer_user_id" },
    { bad_peer_service, "peer_service_id" }, { no_token, "access_token" },
    { bad_media, "media_type" }, { bad_url, "server_url" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(DuetMakeCallParamBuilder) builder = good_make_builder ();
      g_autoptr(DuetMakeCallParam) param = NULL;
      g_autoptr(GError) error = NULL;

      cases[i].breaker (builder);
      param = duet_make_call_param_builder_build (builder, &error);
      g_assert_null (param);
      g_assert_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM);
      g_assert_nonnull (strstr (error->message, cases[i].field));
    }
}

static char *
make_cc_param_text (const char *callee, gint64 exp)
{
  static const guint8 key[] = "0123456789abcdef0123456789abcdef";

  return duet_cc_param_sign ("c-1", "alice", "duet", callee, "duet", DUET_MEDIA_TYPE_AUDIOVIDEO,
                             g_get_real_time () / G_USEC_PER_SEC, exp, key, 32);
}

static void
test_cc_param (void)
{
  g_autofree char *text = make_cc_param_text ("bob", g_get_real_time () / G_USEC_PER_SEC + 60);
  g_autoptr(DuetCcParam) cc = NULL;
  g_autoptr(GError) error = NULL;
  static const char *bad[] = { "", "v1.", "v2.abc.def", "v1.!!!.x", "v1.e30.", "garbage", "v1.eyJ4IjoxfQ.AAAA" };

  cc = duet_cc_param_new_from_string (text, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (duet_cc_param_get_callee_user (cc), ==, "bob");
  g_assert_cmpint (duet_cc_param_get_media_type (cc), ==, DUET_MEDIA_TYPE_AUDIOVIDEO);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(DuetCcParam) broken = NULL;
      g_autoptr(GError) local = NULL;

      broken = duet_cc_param_new_from_string (bad[i], &local);
      g_assert_null (broken);
      g_assert_nonnull (local);
    }
}

static void
test_verify_call_param (void)
{
  g_autofree char *text = make_cc_param_text ("bob", g_get_real_time () / G_USEC_PER_SEC + 60);
  g_autoptr(DuetCcParam) cc = duet_cc_param_new_from_string (text, NULL);
  g_autoptr(DuetVerifyCallParamBuilder) builder = duet_verify_call_param_builder_new ();
  g_autoptr(DuetVerifyCallParam) param = NULL;
  g_autoptr(GError) error = NULL;

  /* Missing cc_param */
  duet_verify_call_param_builder_set_my_user_id (builder, "bob");
  duet_verify_call_param_builder_set_my_service_id (builder, "duet");
  param = duet_verify_call_param_builder_build (builder, &error);
  g_assert_null (param);
  g_assert_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM);
  g_assert_nonnull (strstr (error->message, "cc_param"));
  g_clear_error (&error);

  /* For someone else */
  duet_verify_call_param_builder_set_cc_param (builder, cc);
  duet_verify_call_param_builder_set_my_user_id (builder, "carol");
  param = duet_verify_call_param_builder_build (builder, &error);
  g_assert_null (param);
  g_assert_nonnull (strstr (error->message, "cc_param"));
  g_clear_error (&error);

  /* Bad own id */
  duet_verify_call_param_builder_set_my_user_id (builder, "b o b");
  param = duet_verify_call_param_builder_build (builder, &error);
  g_assert_null (param);
  g_assert_nonnull (strstr (error->message, "my_user_id"));
  g_clear_error (&error);

  duet_verify_call_param_builder_set_my_user_id (builder, "bob");
  param = duet_verify_call_param_builder_build (builder, &error);
  g_assert_no_error (error);
  g_assert_true (duet_verify_call_param_get_cc_param (param) == cc);
  g_assert_false (duet_verify_call_param_get_use_responder_preparation (param));
  g_clear_object (&param);

  /* Responder preparation is carried to the param */
  duet_verify_call_param_builder_set_use_responder_preparation (builder, TRUE);
  param = duet_verify_call_param_builder_build (builder, &error);
  g_assert_no_error (error);
  g_assert_true (duet_verify_call_param_get_use_responder_preparation (param));
}

static void
make_call_done (GObject *source, GAsyncResult *result, gpointer data)
{
  DuetStartFailReason *reason = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetCall) call = duet_manager_make_call_finish (DUET_MANAGER (source), result, reason, &error);

  g_assert_null (call);
  g_assert_nonnull (error);
}

static DuetStartFailReason
run_make_call (DuetManager *manager, DuetMakeCallParam *param)
{
  DuetStartFailReason reason = DUET_START_FAIL_REASON_NONE;

  duet_manager_make_call_async (manager, param, NULL, make_call_done, &reason);
  while (reason == DUET_START_FAIL_REASON_NONE)
    g_main_context_iteration (NULL, TRUE);
  return reason;
}

/* Checks the manager makes without a server */
static void
test_manager_local_failures (void)
{
  g_autoptr(DuetManager) manager = duet_manager_new ();
  g_autoptr(DuetMakeCallParamBuilder) builder = good_make_builder ();
  g_autoptr(DuetMakeCallParam) to_self = NULL;
  g_autoptr(DuetMakeCallParam) no_url = NULL;

  duet_make_call_param_builder_set_peer_user_id (builder, "alice");
  to_self = duet_make_call_param_builder_build (builder, NULL);
  g_assert_cmpint (run_make_call (manager, to_self), ==, DUET_START_FAIL_REASON_ID_CONFLICT);

  duet_make_call_param_builder_set_peer_user_id (builder, "bob");
  no_url = duet_make_call_param_builder_build (builder, NULL);
  g_assert_cmpint (run_make_call (manager, no_url), ==, DUET_START_FAIL_REASON_NOT_INITIALIZED);
}

static void
test_enums (void)
{
  DuetDisconnectReason reason;

  g_assert_cmpstr (duet_disconnect_reason_to_string (DUET_DISCONNECT_REASON_NETWORK_UNSTABLE), ==, "NETWORK_UNSTABLE");
  g_assert_true (duet_disconnect_reason_from_string ("DECLINE", &reason));
  g_assert_cmpint (reason, ==, 1002);
  g_assert_true (G_TYPE_IS_ENUM (DUET_TYPE_CALL_STATE));
}

static const char * const media_variables[] = {
  "DUET_TEST_SOURCES", "DUET_TEST_PATTERN", "DUET_FAKE_AUDIO_SINK", "DUET_ECHO_CANCEL",
  "DUET_VIDEO_WIDTH", "DUET_VIDEO_HEIGHT", "DUET_VIDEO_FPS", "DUET_VIDEO_BITRATE",
  "DUET_JB_LATENCY_MS", "DUET_LIVENESS_TIMEOUT_MS", "DUET_CONGESTION_CONTROL",
  "DUET_LOSS_RECOVERY", "DUET_ADAPTIVE_LATENCY", "DUET_MEDIA_BASELINE", "DUET_TRACE_QUALITY",
};

static void
clear_media_environment (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (media_variables); i++)
    g_unsetenv (media_variables[i]);
}

static void
on_settings_notify (GObject    *object,
                    GParamSpec *pspec,
                    guint      *count)
{
  (*count)++;
}

/* The defaults, and a property notified only when it changes */
static void
test_media_settings_defaults (void)
{
  g_autoptr(DuetMediaSettings) settings = duet_media_settings_new ();
  g_autofree char *camera = NULL;
  gboolean echo_cancel, adaptive;
  guint width, latency, liveness, notified = 0;

  g_object_get (settings, "echo-cancel", &echo_cancel, "video-width", &width, "latency", &latency,
                "adaptive-latency", &adaptive, "liveness-timeout", &liveness, "camera", &camera, NULL);
  g_assert_true (echo_cancel);
  g_assert_true (adaptive);
  g_assert_cmpuint (width, ==, 640);
  g_assert_cmpuint (latency, ==, 50);
  g_assert_cmpuint (liveness, ==, 0);
  g_assert_null (camera);

  g_signal_connect (settings, "notify::video-fps", G_CALLBACK (on_settings_notify), &notified);
  g_object_set (settings, "video-fps", 15, NULL);
  g_object_set (settings, "video-fps", 15, NULL);
  g_assert_cmpuint (notified, ==, 1);
}

static void
test_media_settings_environment (void)
{
  g_autoptr(DuetMediaSettings) settings = NULL;
  g_autofree char *pattern = NULL;
  gboolean test_sources, echo_cancel, adaptive, congestion;
  guint width, latency;

  clear_media_environment ();
  g_setenv ("DUET_TEST_SOURCES", "1", TRUE);
  g_setenv ("DUET_TEST_PATTERN", "motion", TRUE);
  g_setenv ("DUET_ECHO_CANCEL", "0", TRUE);
  g_setenv ("DUET_VIDEO_WIDTH", "8", TRUE);   /* below the property's range: a test may */
  g_setenv ("DUET_JB_LATENCY_MS", "80", TRUE);
  g_setenv ("DUET_CONGESTION_CONTROL", "0", TRUE);
  settings = duet_media_settings_new_from_environment ();
  /* read once: a later change of the environment is not seen */
  g_setenv ("DUET_VIDEO_WIDTH", "320", TRUE);

  /* DUET_TEST_SOURCES=1 is not undone by an app */
  g_object_set (settings, "test-sources", FALSE, NULL);
  g_object_get (settings, "test-sources", &test_sources, "test-pattern", &pattern, "echo-cancel", &echo_cancel,
                "video-width", &width, "latency", &latency, "adaptive-latency", &adaptive,
                "congestion-control", &congestion, NULL);
  g_assert_true (test_sources);
  g_assert_cmpstr (pattern, ==, "motion");
  g_assert_false (echo_cancel);
  g_assert_cmpuint (width, ==, 8);
  /* a latency asked for is a fixed one */
  g_assert_cmpuint (latency, ==, 80);
  g_assert_false (adaptive);
  g_assert_false (congestion);
  clear_media_environment ();
}

static void
test_media_settings_baseline (void)
{
  g_autoptr(DuetMediaSettings) settings = NULL;
  gboolean congestion, recovery, adaptive;
  guint latency;

  clear_media_environment ();
  g_setenv ("DUET_MEDIA_BASELINE", "1", TRUE);
  settings = duet_media_settings_new_from_environment ();
  g_object_get (settings, "congestion-control", &congestion, "loss-recovery", &recovery,
                "adaptive-latency", &adaptive, "latency", &latency, NULL);
  g_assert_false (congestion);
  g_assert_false (recovery);
  g_assert_false (adaptive);
  g_assert_cmpuint (latency, ==, 200);
  clear_media_environment ();
}

/* The manager's older properties are its settings' */
static void
test_media_settings_manager (void)
{
  g_autoptr(DuetManager) manager = NULL;
  DuetMediaSettings *settings;
  g_autofree char *camera = NULL;
  g_autofree char *speaker = NULL;
  gboolean echo_cancel;
  guint liveness;

  clear_media_environment ();
  manager = duet_manager_new ();
  settings = duet_manager_get_media_settings (manager);
  g_assert_true (DUET_IS_MEDIA_SETTINGS (settings));

  g_object_set (manager, "camera", "cam-1", "speaker", "", "echo-cancel", FALSE, "liveness-timeout", 900, NULL);
  g_object_get (settings, "camera", &camera, "speaker", &speaker, "echo-cancel", &echo_cancel,
                "liveness-timeout", &liveness, NULL);
  g_assert_cmpstr (camera, ==, "cam-1");
  g_assert_null (speaker);   /* empty is the default device */
  g_assert_false (echo_cancel);
  g_assert_cmpuint (liveness, ==, 900);

  g_clear_pointer (&camera, g_free);
  g_object_set (settings, "camera", "cam-2", NULL);
  g_object_get (manager, "camera", &camera, NULL);
  g_assert_cmpstr (camera, ==, "cam-2");
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);

  g_test_add_func ("/kit/make-call-param/good", test_make_call_param_good);
  g_test_add_func ("/kit/make-call-param/errors", test_make_call_param_errors);
  g_test_add_func ("/kit/cc-param", test_cc_param);
  g_test_add_func ("/kit/verify-call-param", test_verify_call_param);
  g_test_add_func ("/kit/manager/local-failures", test_manager_local_failures);
  g_test_add_func ("/kit/enums", test_enums);
  g_test_add_func ("/kit/media-settings/defaults", test_media_settings_defaults);
  g_test_add_func ("/kit/media-settings/environment", test_media_settings_environment);
  g_test_add_func ("/kit/media-settings/baseline", test_media_settings_baseline);
  g_test_add_func ("/kit/media-settings/manager", test_media_settings_manager);
  return g_test_run ();
}
