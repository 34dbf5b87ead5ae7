/* test-kit-params.c: builders and cc_param validation, no server
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
  return g_test_run ();
}
