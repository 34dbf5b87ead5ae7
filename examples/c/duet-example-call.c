/* duet-example-call.c: sign in to a Duet server, call someone, print what happens
 *
 * SPDX-License-Identifier: CC0-1.0
 *
 * The smallest complete program on the call kit: copy it freely.
 *
 * Build:  cc duet-example-call.c -o duet-example-call $(pkg-config --cflags --libs duet-kit-1)
 * Run:    echo PASSWORD | ./duet-example-call https://duet.example.org alice bob 5
 *
 * It reads the password from standard input, signs in as alice, calls bob
 * (audio and video), hangs up 5 seconds after the call connects (or waits
 * for bob to hang up when no number is given) and prints one line per
 * event. With DUET_TEST_SOURCES=1 in the environment the kit sends a test
 * picture and tone; without a camera the call goes on with the video
 * paused, without a microphone muted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <duet-kit.h>

typedef struct
{
  GMainLoop   *loop;
  const char  *server_url;
  const char  *user_id;
  const char  *peer_id;
  guint        hang_up_after;
  DuetAuth    *auth;
  DuetManager *manager;
  DuetCall    *call;
  int          status;
} Example;

static void
finish (Example *example,
        int      status)
{
  example->status = status;
  g_main_loop_quit (example->loop);
}

static void
on_wait_connected (DuetCall *call,
                   Example  *example)
{
  g_print ("wait-connected\n");
}

static void
on_verified (DuetCall *call,
             gboolean  peer_use_responder_preparation,
             Example  *example)
{
  g_print ("verified\n");
}

static gboolean
hang_up (gpointer user_data)
{
  Example *example = user_data;

  g_print ("hanging-up\n");
  duet_call_end_call (example->call);
  return G_SOURCE_REMOVE;
}

static void
on_connected (DuetCall *call,
              gboolean  in_responder_preparation,
              gboolean  should_finish_preparation,
              Example  *example)
{
  g_print ("connected\n");
  if (example->hang_up_after > 0)
    g_timeout_add_seconds (example->hang_up_after, hang_up, example);
}

static void
on_disconnected (DuetCall             *call,
                 DuetDisconnectReason  reason,
                 DuetDisconnectSource  source,
                 gboolean              by_remote,
                 const char           *user_code,
                 Example              *example)
{
  g_print ("disconnected reason=%s source=%s by_remote=%s%s%s\n",
           duet_disconnect_reason_to_string (reason),
           duet_disconnect_source_to_string (source),
           by_remote ? "true" : "false",
           user_code != NULL ? " user_code=" : "", user_code != NULL ? user_code : "");
  finish (example, reason == DUET_DISCONNECT_REASON_NORMAL ? EXIT_SUCCESS : EXIT_FAILURE);
}

static void
call_made (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Example *example = user_data;
  DuetStartFailReason reason = DUET_START_FAIL_REASON_NONE;
  g_autoptr(GError) error = NULL;

  example->call = duet_manager_make_call_finish (DUET_MANAGER (source), result, &reason, &error);
  if (example->call == NULL)
    {
      g_printerr ("The call did not start (%s): %s\n",
                  duet_start_fail_reason_to_string (reason), error->message);
      finish (example, EXIT_FAILURE);
      return;
    }

  g_signal_connect (example->call, "wait-connected", G_CALLBACK (on_wait_connected), example);
  g_signal_connect (example->call, "verified", G_CALLBACK (on_verified), example);
  g_signal_connect (example->call, "connected", G_CALLBACK (on_connected), example);
  g_signal_connect (example->call, "disconnected", G_CALLBACK (on_disconnected), example);
}

static void
signed_in (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Example *example = user_data;
  g_autoptr(DuetAuthToken) token = NULL;
  g_autoptr(DuetMakeCallParamBuilder) builder = NULL;
  g_autoptr(DuetMakeCallParam) param = NULL;
  g_autoptr(GError) error = NULL;

  token = duet_auth_sign_in_finish (DUET_AUTH (source), result, &error);
  if (token == NULL)
    {
      g_printerr ("Cannot sign in: %s\n", error->message);
      finish (example, EXIT_FAILURE);
      return;
    }
  g_print ("signed-in user=%s\n", duet_auth_token_get_user_id (token));

  /* The manager keeps one connection to the server for everything */
  example->manager = duet_manager_new ();
  duet_manager_sign_in (example->manager, example->server_url, duet_auth_token_get_token (token));

  builder = duet_make_call_param_builder_new ();
  duet_make_call_param_builder_set_my_user_id (builder, duet_auth_token_get_user_id (token));
  duet_make_call_param_builder_set_my_service_id (builder, duet_auth_token_get_service_id (token));
  duet_make_call_param_builder_set_peer_user_id (builder, example->peer_id);
  duet_make_call_param_builder_set_access_token (builder, duet_auth_token_get_token (token));
  duet_make_call_param_builder_set_media_type (builder, DUET_MEDIA_TYPE_AUDIOVIDEO);
  param = duet_make_call_param_builder_build (builder, &error);
  if (param == NULL)
    {
      g_printerr ("Cannot call “%s”: %s\n", example->peer_id, error->message);
      finish (example, EXIT_FAILURE);
      return;
    }

  duet_manager_make_call_async (example->manager, param, NULL, call_made, example);
}

int
main (int   argc,
      char *argv[])
{
  Example example = { 0 };
  char password[1024];

  gst_init (&argc, &argv);

  if (argc < 4 || argc > 5)
    {
      g_printerr ("Usage: %s SERVER_URL USER PEER [SECONDS]   (password on standard input)\n", argv[0]);
      return EXIT_FAILURE;
    }
  example.server_url = argv[1];
  example.user_id = argv[2];
  example.peer_id = argv[3];
  example.hang_up_after = argc == 5 ? (guint) strtoul (argv[4], NULL, 10) : 0;

  if (fgets (password, sizeof password, stdin) == NULL)
    {
      g_printerr ("No password on standard input\n");
      return EXIT_FAILURE;
    }
  password[strcspn (password, "\r\n")] = '\0';

  g_print ("duet-kit %u.%u.%u\n",
           duet_get_major_version (), duet_get_minor_version (), duet_get_micro_version ());

  example.loop = g_main_loop_new (NULL, FALSE);
  example.auth = duet_auth_new (example.server_url);
  /* NULL service: the server's default service */
  duet_auth_sign_in_async (example.auth, example.user_id, NULL, password,
                           NULL, signed_in, &example);
  g_main_loop_run (example.loop);

  g_clear_object (&example.call);
  if (example.manager != NULL)
    duet_manager_sign_out (example.manager);
  g_clear_object (&example.manager);
  g_clear_object (&example.auth);
  g_main_loop_unref (example.loop);

  return example.status;
}
