/* duet-test-client.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <signal.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/prctl.h>

#include <libpq-fe.h>

#include "duet-test-client.h"

static const char *
server_binary (void)
{
  const char *bin = g_getenv ("DUET_SERVER_BIN");

  g_assert_nonnull (bin);
  return bin;
}

int
duet_test_run_cli (const char * const *argv,
                   const char         *stdin_text,
                   char              **out_stdout,
                   char              **out_stderr)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;

  g_ptr_array_add (args, (gpointer) server_binary ());
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);

  proc = g_subprocess_newv ((const char * const *) args->pdata,
                            G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                            G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  /* A usage error exits before reading standard input: writing may then
   * fail (EPIPE), and what it printed must still be read */
  signal (SIGPIPE, SIG_IGN);
  g_output_stream_write_all (g_subprocess_get_stdin_pipe (proc), stdin_text ? stdin_text : "",
                             stdin_text ? strlen (stdin_text) : 0, NULL, NULL, NULL);
  /* no input left: this closes standard input */
  g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);

  if (out_stdout)
    *out_stdout = g_steal_pointer (&out);
  if (out_stderr)
    *out_stderr = g_steal_pointer (&err);
  return g_subprocess_get_exit_status (proc);
}

/* --db PATH, or --store URI for a server on PostgreSQL */
static const char *
store_option (DuetTestServer *server)
{
  return server->store_uri != NULL ? "--store" : "--db";
}

static const char *
store_value (DuetTestServer *server)
{
  return server->store_uri != NULL ? server->store_uri : server->db;
}

void
duet_test_server_add_user (DuetTestServer *server,
                           const char     *user)
{
  const char *argv[] = { "user", "add", store_option (server), store_value (server), "--user", user,
                         "--password-stdin", "--kdf-cost", "min", NULL };
  g_autofree char *password = g_strdup_printf ("pw-%s\n", user);
  g_autofree char *err = NULL;

  g_assert_cmpint (duet_test_run_cli (argv, password, NULL, &err), ==, 0);
}

DuetTestServer *
duet_test_server_new (const char * const *extra_args)
{
  return duet_test_server_new_store (NULL, extra_args);
}

/* A server on the PostgreSQL database @store_uri (NULL: a SQLite file of
 * its own), with alice, bob and carol */
DuetTestServer *
duet_test_server_new_store (const char         *store_uri,
                            const char * const *extra_args)
{
  DuetTestServer *server = g_new0 (DuetTestServer, 1);
  g_autoptr(GError) error = NULL;

  server->tmpdir = g_dir_make_tmp ("duet-server-test-XXXXXX", &error);
  g_assert_no_error (error);
  server->db = g_build_filename (server->tmpdir, "duet.db", NULL);
  server->store_uri = g_strdup (store_uri);
  server->extra_args = g_strdupv ((char **) extra_args);

  duet_test_server_add_user (server, "alice");
  duet_test_server_add_user (server, "bob");
  duet_test_server_add_user (server, "carol");
  return server;
}

/* A second server on @other's PostgreSQL store: its accounts already exist */
DuetTestServer *
duet_test_server_new_sharing (DuetTestServer *other)
{
  DuetTestServer *server = g_new0 (DuetTestServer, 1);
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (other->store_uri);
  server->tmpdir = g_dir_make_tmp ("duet-server-test-XXXXXX", &error);
  g_assert_no_error (error);
  server->db = g_build_filename (server->tmpdir, "duet.db", NULL);
  server->store_uri = g_strdup (other->store_uri);
  return server;
}

static void
die_with_parent (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* The first line of the server's standard output, from its pipe */
static char *
read_first_line (DuetTestServer *server)
{
  g_autoptr(GDataInputStream) out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (server->process));
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

/* The "listening on" line that the server wrote to its output file after
 * byte @start (earlier runs wrote before it); debug messages may come first */
static char *
wait_listening_line (DuetTestServer *server,
                     gsize           start)
{
  gint64 deadline = g_get_monotonic_time () + DUET_TEST_TIMEOUT_MS * 1000;

  for (;;)
    {
      g_autofree char *text = NULL;
      const char *ours, *line;
      gsize length = 0;

      g_assert_true (g_file_get_contents (server->output_path, &text, &length, NULL));
      g_assert_cmpuint (length, >=, start);
      ours = text + start;
      line = g_str_has_prefix (ours, "listening on ") ? ours : strstr (ours, "\nlistening on ");
      if (line != NULL && *line == '\n')
        line++;
      if (line != NULL && strchr (line, '\n') != NULL)
        return g_strndup (line, strcspn (line, "\n"));
      if (g_get_monotonic_time () > deadline)
        g_error ("duet-server did not start; its output:\n%s", text);
      g_usleep (10 * 1000);
    }
}

/* Appends the server's stdout and stderr to one file; *out_start: its size before */
static GSubprocessLauncher *
output_file_launcher (DuetTestServer *server,
                      gsize          *out_start)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  int fd;

  if (server->output_path == NULL)
    server->output_path = g_build_filename (server->tmpdir, "server-output.txt", NULL);
  fd = open (server->output_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  g_assert_cmpint (fd, >=, 0);
  *out_start = lseek (fd, 0, SEEK_END);
  g_subprocess_launcher_take_stdout_fd (launcher, fd);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "all", TRUE);
  return launcher;
}

void
duet_test_server_start (DuetTestServer *server)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  gsize output_start = 0;

  g_assert_null (server->process);
  g_ptr_array_add (args, (gpointer) server_binary ());
  g_ptr_array_add (args, "serve");
  g_ptr_array_add (args, "--port");
  g_ptr_array_add (args, "0");
  g_ptr_array_add (args, (gpointer) store_option (server));
  g_ptr_array_add (args, (gpointer) store_value (server));
  g_ptr_array_add (args, "--ring-timeout");
  g_ptr_array_add (args, "2");
  g_ptr_array_add (args, "--grace-period");
  g_ptr_array_add (args, "1");
  /* a whole suite again with other settings, e.g. one worker thread per
   * connection (meson.build); a test's own arguments come after and win */
  if (g_getenv ("DUET_TEST_SERVER_ARGS") != NULL)
    {
      g_strfreev (server->env_args);
      server->env_args = g_strsplit (g_getenv ("DUET_TEST_SERVER_ARGS"), " ", -1);
      for (guint i = 0; server->env_args[i] != NULL; i++)
        g_ptr_array_add (args, server->env_args[i]);
    }
  for (guint i = 0; server->extra_args && server->extra_args[i]; i++)
    g_ptr_array_add (args, server->extra_args[i]);
  g_ptr_array_add (args, NULL);

  if (server->capture_output)
    launcher = output_file_launcher (server, &output_start);
  else
    launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  /* a test that aborts must not leave its server behind */
  g_subprocess_launcher_set_child_setup (launcher, die_with_parent, NULL, NULL);
  server->process = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  g_assert_no_error (error);

  line = server->capture_output ? wait_listening_line (server, output_start)
                                : read_first_line (server);
  g_assert_true (g_str_has_prefix (line, "listening on http://127.0.0.1:") ||
                 g_str_has_prefix (line, "listening on https://127.0.0.1:"));
  g_free (server->base_url);
  server->base_url = g_strdup (line + strlen ("listening on "));
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* SIGTERM and wait; returns the exit status */
int
duet_test_server_stop (DuetTestServer *server)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  int status;

  g_assert_nonnull (server->process);
  g_subprocess_send_signal (server->process, SIGTERM);
  g_subprocess_wait_async (server->process, NULL, wait_cb, &result);
  while (result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (result);
  g_subprocess_wait_finish (server->process, result, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (server->process));
  status = g_subprocess_get_exit_status (server->process);
  g_clear_object (&server->process);
  return status;
}

/* SIGKILL: the server gets no chance to clean up */
void
duet_test_server_kill (DuetTestServer *server)
{
  g_autoptr(GAsyncResult) result = NULL;
  gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  g_assert_nonnull (server->process);
  g_subprocess_force_exit (server->process);
  g_subprocess_wait_async (server->process, NULL, wait_cb, &result);
  while (result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (result);
  g_assert_true (g_subprocess_get_if_signaled (server->process));
  g_assert_cmpint (g_subprocess_get_term_sig (server->process), ==, SIGKILL);
  g_clear_object (&server->process);
}

/* Removes @path and the files in it (tests make no deeper trees) */
void
duet_test_remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      g_unlink (child);
    }
  g_rmdir (path);
}

void
duet_test_server_free (DuetTestServer *server)
{
  if (server->process != NULL)
    g_assert_cmpint (duet_test_server_stop (server), ==, 0);
  duet_test_remove_tree (server->tmpdir);
  g_free (server->tmpdir);
  g_free (server->db);
  g_free (server->store_uri);
  g_free (server->base_url);
  g_strfreev (server->extra_args);
  g_strfreev (server->env_args);
  g_free (server->tls_ca_file);
  g_free (server->output_path);
  g_free (server);
}

char *
duet_test_server_token (DuetTestServer *server,
                        const char     *user,
                        int             lifetime)
{
  g_autofree char *lifetime_str = g_strdup_printf ("%d", lifetime);
  const char *argv[] = { "token", store_option (server), store_value (server), "--user", user,
                         "--lifetime", lifetime_str, NULL };
  g_autofree char *out = NULL;

  g_assert_cmpint (duet_test_run_cli (argv, NULL, &out, NULL), ==, 0);
  return g_strstrip (g_steal_pointer (&out));
}

/* A token for one device of @user (added to the account if new) */
char *
duet_test_server_device_token (DuetTestServer *server,
                               const char     *user,
                               const char     *device_id)
{
  const char *argv[] = { "token", store_option (server), store_value (server), "--user", user,
                         "--device", device_id, "--lifetime", "600", NULL };
  g_autofree char *out = NULL;

  g_assert_cmpint (duet_test_run_cli (argv, NULL, &out, NULL), ==, 0);
  return g_strstrip (g_steal_pointer (&out));
}

/* Tests may forge with the server's own keys: they stand in for an
 * attacker who stole nothing but could guess the format */
guint8 *
duet_test_server_read_secret (DuetTestServer *server,
                              const char     *name)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  guint8 *key;

  g_assert_cmpint (sqlite3_open_v2 (server->db, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT value FROM meta WHERE key = ?", -1, &stmt, NULL), ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_STATIC);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  g_assert_cmpint (sqlite3_column_bytes (stmt, 0), ==, 32);
  key = g_memdup2 (sqlite3_column_blob (stmt, 0), 32);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return key;
}

/* The key in the tokens of @user's device @device_id (-1: no such device) */
gint64
duet_test_server_device_key (DuetTestServer *server,
                             const char     *user,
                             const char     *device_id)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 key = -1;

  g_assert_cmpint (sqlite3_open_v2 (server->db, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 5000);
  g_assert_cmpint (sqlite3_prepare_v2 (db, "SELECT key FROM devices WHERE device_id = ?2 AND account_id ="
                                           " (SELECT id FROM users WHERE user = ?1)", -1, &stmt, NULL),
                   ==, SQLITE_OK);
  sqlite3_bind_text (stmt, 1, user, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, device_id, -1, SQLITE_STATIC);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    key = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return key;
}

/* Everything the server wrote to stdout and stderr so far, across restarts
 * (server->capture_output only) */
char *
duet_test_server_read_output (DuetTestServer *server)
{
  char *text = NULL;

  g_assert_nonnull (server->output_path);
  g_assert_true (g_file_get_contents (server->output_path, &text, NULL, NULL));
  return text;
}

/* Tests use a throwaway self-signed certificate unless they set
 * server->tls_ca_file; then the certificate is verified for real */
static void
setup_tls (DuetTestServer *server,
           SoupSession    *session,
           SoupMessage    *msg);

static gboolean
accept_any_certificate (SoupMessage          *msg,
                        GTlsCertificate      *certificate,
                        GTlsCertificateFlags  errors,
                        gpointer              user_data)
{
  return TRUE;
}

static void
setup_tls (DuetTestServer *server,
           SoupSession    *session,
           SoupMessage    *msg)
{
  g_autoptr(GTlsDatabase) database = NULL;
  g_autoptr(GError) error = NULL;

  if (server->tls_ca_file == NULL)
    {
      g_signal_connect (msg, "accept-certificate", G_CALLBACK (accept_any_certificate), NULL);
      return;
    }
  database = g_tls_file_database_new (server->tls_ca_file, &error);
  g_assert_no_error (error);
  soup_session_set_tls_database (session, database);
}

static guint
http_request (DuetTestServer *server,
              const char     *method,
              const char     *path,
              const char     *bearer,
              const char     *body,
              char          **out_body,
              char          **out_retry_after)
{
  g_autoptr(SoupSession) session = soup_session_new ();
  g_autofree char *url = g_strconcat (server->base_url, path, NULL);
  g_autoptr(SoupMessage) msg = soup_message_new (method, url);
  g_autoptr(GBytes) response = NULL;
  g_autoptr(GError) error = NULL;

  setup_tls (server, session, msg);
  if (bearer != NULL)
    {
      g_autofree char *auth = g_strdup_printf ("Bearer %s", bearer);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (body != NULL)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (body, strlen (body));
      soup_message_set_request_body_from_bytes (msg, "application/json", bytes);
    }
  response = soup_session_send_and_read (session, msg, NULL, &error);
  g_assert_no_error (error);
  if (out_body)
    *out_body = g_strndup (g_bytes_get_data (response, NULL), g_bytes_get_size (response));
  if (out_retry_after)
    *out_retry_after = g_strdup (soup_message_headers_get_one (soup_message_get_response_headers (msg),
                                                               "Retry-After"));
  return soup_message_get_status (msg);
}

guint
duet_test_http (DuetTestServer *server,
                const char     *method,
                const char     *path,
                const char     *body,
                char          **out_body,
                char          **out_retry_after)
{
  return http_request (server, method, path, NULL, body, out_body, out_retry_after);
}

/* A request with "Authorization: Bearer BEARER" and no body */
guint
duet_test_http_bearer (DuetTestServer *server,
                       const char     *method,
                       const char     *path,
                       const char     *bearer,
                       char          **out_body,
                       char          **out_retry_after)
{
  return http_request (server, method, path, bearer, NULL, out_body, out_retry_after);
}

static void
on_message (SoupWebsocketConnection *connection,
            gint                     type,
            GBytes                  *payload,
            DuetTestClient          *client)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  gsize len;
  const char *data = g_bytes_get_data (payload, &len);

  json_parser_load_from_data (parser, data, len, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  g_queue_push_tail (&client->messages, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
}

static void
on_closed (SoupWebsocketConnection *connection,
           DuetTestClient          *client)
{
  client->closed = TRUE;
  client->close_code = soup_websocket_connection_get_close_code (connection);
}

static void
connect_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
iterate_once (void)
{
  if (!g_main_context_iteration (NULL, FALSE))
    g_usleep (500);
}

static gboolean
wait_until (gboolean *flag,
            guint     timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  while (!*flag && g_get_monotonic_time () < deadline)
    iterate_once ();
  return *flag;
}

void
duet_test_iterate (guint ms)
{
  gboolean never = FALSE;

  wait_until (&never, ms);
}

/* NULL and *out_status set if the upgrade was refused */
DuetTestClient *
duet_test_client_connect (DuetTestServer *server,
                          const char     *bearer,
                          guint          *out_status)
{
  g_autoptr(DuetTestClient) client = g_new0 (DuetTestClient, 1);
  g_autofree char *url = g_strconcat (g_str_has_prefix (server->base_url, "https:") ? "wss" : "ws",
                                      strchr (server->base_url, ':'), "/v1/ws", NULL);
  g_autoptr(SoupMessage) msg = soup_message_new ("GET", url);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + DUET_TEST_TIMEOUT_MS * 1000;

  g_queue_init (&client->messages);
  client->session = soup_session_new ();
  if (bearer != NULL)
    {
      g_autofree char *header = g_strdup_printf ("Bearer %s", bearer);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", header);
    }

  setup_tls (server, client->session, msg);
  soup_session_websocket_connect_async (client->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        NULL, connect_cb, &result);
  while (result == NULL && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_nonnull (result);

  client->connection = soup_session_websocket_connect_finish (client->session, result, &error);
  if (client->connection == NULL)
    {
      if (out_status)
        *out_status = soup_message_get_status (msg);
      return NULL;
    }
  /* The server must not be able to overwhelm the test with big frames */
  soup_websocket_connection_set_max_incoming_payload_size (client->connection, 1024 * 1024);
  g_signal_connect (client->connection, "message", G_CALLBACK (on_message), client);
  g_signal_connect (client->connection, "closed", G_CALLBACK (on_closed), client);
  return g_steal_pointer (&client);
}

DuetTestClient *
duet_test_client_sign_in (DuetTestServer *server,
                          const char     *user)
{
  g_autofree char *token = duet_test_server_token (server, user, 600);
  DuetTestClient *client = duet_test_client_connect (server, token, NULL);

  g_assert_nonnull (client);
  client->hello = duet_test_client_wait_event (client, "hello", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (client->hello);
  return client;
}

DuetTestClient *
duet_test_client_sign_in_device (DuetTestServer *server,
                                 const char     *user,
                                 const char     *device_id)
{
  g_autofree char *token = duet_test_server_device_token (server, user, device_id);
  DuetTestClient *client = duet_test_client_connect (server, token, NULL);

  g_assert_nonnull (client);
  client->hello = duet_test_client_wait_event (client, "hello", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (client->hello);
  return client;
}

void
duet_test_client_close (DuetTestClient *client)
{
  if (client->connection != NULL &&
      soup_websocket_connection_get_state (client->connection) == SOUP_WEBSOCKET_STATE_OPEN)
    {
      soup_websocket_connection_close (client->connection, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
      duet_test_client_wait_closed (client, DUET_TEST_TIMEOUT_MS);
    }
}

void
duet_test_client_free (DuetTestClient *client)
{
  if (client->connection != NULL)
    {
      duet_test_client_close (client);
      g_signal_handlers_disconnect_by_data (client->connection, client);
      g_clear_object (&client->connection);
    }
  g_queue_clear_full (&client->messages, (GDestroyNotify) json_object_unref);
  g_clear_pointer (&client->hello, json_object_unref);
  g_clear_object (&client->session);
  g_free (client);
}

void
duet_test_client_send_raw (DuetTestClient *client,
                           const char     *text)
{
  soup_websocket_connection_send_text (client->connection, text);
}

static JsonObject *
parse_object (const char *json)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, json, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static JsonObject *
take_matching_in (GQueue     *messages,
                  const char *member,
                  const char *value)
{
  for (GList *l = messages->head; l != NULL; l = l->next)
    {
      JsonObject *o = l->data;
      JsonNode *node = json_object_get_member (o, member);

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) &&
          json_node_get_value_type (node) == G_TYPE_STRING &&
          g_strcmp0 (json_node_get_string (node), value) == 0)
        {
          g_queue_delete_link (messages, l);
          return o;
        }
    }
  return NULL;
}

static JsonObject *
take_matching (DuetTestClient *client,
               const char     *member,
               const char     *value)
{
  return take_matching_in (&client->messages, member, value);
}

static JsonObject *
wait_matching (DuetTestClient *client,
               const char     *member,
               const char     *value,
               guint           timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  JsonObject *o;

  while ((o = take_matching (client, member, value)) == NULL &&
         g_get_monotonic_time () < deadline && !client->closed)
    iterate_once ();
  if (o == NULL)
    o = take_matching (client, member, value);
  return o;
}

/* @json as text, with a fresh "id" (@prefix and a count) put in */
static char *
with_new_id (const char  *json,
             const char  *prefix,
             guint       *counter,
             char       **out_id)
{
  g_autoptr(JsonObject) request = parse_object (json);
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  *out_id = g_strdup_printf ("%s%u", prefix, ++*counter);
  json_object_set_string_member (request, "id", *out_id);
  json_node_set_object (node, request);
  return json_to_string (node, FALSE);
}

/* Sends @json with a fresh "id" and waits for its reply or error */
JsonObject *
duet_test_client_request (DuetTestClient *client,
                          const char     *json)
{
  g_autofree char *id = NULL;
  g_autofree char *text = with_new_id (json, "r", &client->next_id, &id);
  JsonObject *answer;

  duet_test_client_send_raw (client, text);

  answer = wait_matching (client, "id", id, DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (answer);
  return answer;
}

JsonObject *
duet_test_client_next (DuetTestClient *client,
                       guint           timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  while (g_queue_is_empty (&client->messages) && g_get_monotonic_time () < deadline)
    iterate_once ();
  return g_queue_pop_head (&client->messages);
}

JsonObject *
duet_test_client_wait_event (DuetTestClient *client,
                             const char     *type,
                             guint           timeout_ms)
{
  return wait_matching (client, "type", type, timeout_ms);
}

gboolean
duet_test_client_wait_closed (DuetTestClient *client,
                              guint           timeout_ms)
{
  return wait_until (&client->closed, timeout_ms);
}

const char *
duet_test_get_string (JsonObject *object,
                      const char *member)
{
  JsonNode *node = json_object_get_member (object, member);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

static char *
dump (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (node, object);
  return json_to_string (node, FALSE);
}

static JsonObject *requestv (DuetTestClient *client, const char *format, va_list args) G_GNUC_PRINTF (2, 0);

static JsonObject *
requestv (DuetTestClient *client,
          const char     *format,
          va_list         args)
{
  g_autofree char *json = g_strdup_vprintf (format, args);

  return duet_test_client_request (client, json);
}

/* Sends the request FORMAT makes and waits for its reply or error */
JsonObject *
duet_test_requestf (DuetTestClient *client,
                    const char     *format,
                    ...)
{
  JsonObject *reply;
  va_list args;

  va_start (args, format);
  reply = requestv (client, format, args);
  va_end (args);
  return reply;
}

void
duet_test_expect_reply (DuetTestClient *client,
                        const char     *format,
                        ...)
{
  g_autoptr(JsonObject) reply = NULL;
  va_list args;

  va_start (args, format);
  reply = requestv (client, format, args);
  va_end (args);
  duet_test_assert_reply (reply);
}

void
duet_test_expect_error (DuetTestClient *client,
                        const char     *code,
                        const char     *format,
                        ...)
{
  g_autoptr(JsonObject) reply = NULL;
  va_list args;

  va_start (args, format);
  reply = requestv (client, format, args);
  va_end (args);
  duet_test_assert_error (reply, code);
}

/* The next message, which must be of TYPE */
JsonObject *
duet_test_next_of_type (DuetTestClient *client,
                        const char     *type)
{
  JsonObject *event = duet_test_client_next (client, DUET_TEST_TIMEOUT_MS);

  g_assert_nonnull (event);
  g_assert_cmpstr (duet_test_get_string (event, "type"), ==, type);
  return event;
}

void
duet_test_assert_next (DuetTestClient *client,
                       const char     *type)
{
  json_object_unref (duet_test_next_of_type (client, type));
}

/* Nothing arrives for MS milliseconds */
void
duet_test_assert_quiet (DuetTestClient *client,
                        guint           ms)
{
  g_autoptr(JsonObject) event = duet_test_client_next (client, ms);

  if (event != NULL)
    g_error ("unexpected %s", duet_test_get_string (event, "type"));
}

void
duet_test_assert_reply (JsonObject *object)
{
  g_autofree char *text = dump (object);

  if (g_strcmp0 (duet_test_get_string (object, "type"), "reply") != 0)
    g_error ("expected a reply, got %s", text);
}

void
duet_test_assert_error (JsonObject *object,
                        const char *code)
{
  g_autofree char *text = dump (object);

  if (g_strcmp0 (duet_test_get_string (object, "type"), "error") != 0 ||
      g_strcmp0 (duet_test_get_string (object, "code"), code) != 0)
    g_error ("expected error %s, got %s", code, text);
}

void
duet_test_assert_disconnected (DuetTestClient *client,
                               const char     *call_id,
                               const char     *reason,
                               const char     *source,
                               gboolean        by_remote)
{
  g_autoptr(JsonObject) event = duet_test_client_wait_event (client, "disconnected", DUET_TEST_TIMEOUT_MS);

  g_assert_nonnull (event);
  g_assert_cmpstr (duet_test_get_string (event, "call_id"), ==, call_id);
  g_assert_cmpstr (duet_test_get_string (event, "reason"), ==, reason);
  g_assert_cmpstr (duet_test_get_string (event, "source"), ==, source);
  g_assert_cmpint (json_object_get_boolean_member (event, "by_remote"), ==, by_remote);
  g_assert_cmpint (json_object_get_int_member (event, "reason_code"), >, 1000);
  g_assert_true (json_object_has_member (event, "source_code"));
}

/* make_call; if @callee is given, waits for its incoming_call */
char *
duet_test_make_call (DuetTestClient *caller,
                     const char     *callee_user,
                     char          **out_cc_param,
                     DuetTestClient *callee)
{
  g_autofree char *json = g_strdup_printf ("{\"type\":\"make_call\",\"peer_user\":\"%s\","
                                           "\"media_type\":\"audiovideo\"}", callee_user);
  g_autoptr(JsonObject) reply = duet_test_client_request (caller, json);
  char *call_id;

  duet_test_assert_reply (reply);
  g_assert_cmpstr (duet_test_get_string (reply, "state"), ==, "waiting");
  call_id = g_strdup (duet_test_get_string (reply, "call_id"));
  g_assert_nonnull (call_id);

  if (callee != NULL)
    {
      g_autoptr(JsonObject) incoming = duet_test_client_wait_event (callee, "incoming_call",
                                                                    DUET_TEST_TIMEOUT_MS);
      g_assert_nonnull (incoming);
      g_assert_cmpstr (duet_test_get_string (incoming, "call_id"), ==, call_id);
      g_assert_cmpstr (duet_test_get_string (incoming, "media_type"), ==, "audiovideo");
      if (out_cc_param)
        *out_cc_param = g_strdup (duet_test_get_string (incoming, "cc_param"));
    }
  return call_id;
}

/* make, verify, accept; checks the order of what both sides see */
char *
duet_test_connect_call (DuetTestClient *caller,
                        DuetTestClient *callee,
                        const char     *callee_user)
{
  g_autofree char *cc = NULL;
  char *call_id = duet_test_make_call (caller, callee_user, &cc, callee);
  g_autofree char *verify = g_strdup_printf ("{\"type\":\"verify_call\",\"cc_param\":\"%s\"}", cc);
  g_autofree char *accept = g_strdup_printf ("{\"type\":\"accept_call\",\"call_id\":\"%s\"}", call_id);
  g_autoptr(JsonObject) reply = NULL;
  g_autoptr(JsonObject) event = NULL;

  reply = duet_test_client_request (callee, verify);
  duet_test_assert_reply (reply);
  g_assert_cmpstr (duet_test_get_string (reply, "call_id"), ==, call_id);
  g_clear_pointer (&reply, json_object_unref);

  event = duet_test_client_next (caller, DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (event);
  g_assert_cmpstr (duet_test_get_string (event, "type"), ==, "verified");
  g_clear_pointer (&event, json_object_unref);

  reply = duet_test_client_request (callee, accept);
  duet_test_assert_reply (reply);

  /* the callee's reply came first: connected is the next thing it sees */
  event = duet_test_client_next (callee, DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (event);
  g_assert_cmpstr (duet_test_get_string (event, "type"), ==, "connected");
  g_clear_pointer (&event, json_object_unref);
  event = duet_test_client_next (caller, DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (event);
  g_assert_cmpstr (duet_test_get_string (event, "type"), ==, "connected");
  return call_id;
}

/* ---- a raw WebSocket client ------------------------------------------- */

#define WEBSOCKET_GUID      "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define RAW_MAX_FRAME       (16 * 1024 * 1024)

void
duet_test_raw_client_free (DuetTestRawClient *raw)
{
  if (raw->socket != NULL)
    g_socket_close (raw->socket, NULL);
  g_clear_object (&raw->socket);
  g_byte_array_unref (raw->buffer);
  g_queue_clear_full (&raw->messages, (GDestroyNotify) json_object_unref);
  g_free (raw);
}

/* Waits until @deadline (monotonic µs) for bytes and keeps them; FALSE when
 * none came in time or the stream ended. Never blocks past @deadline: each
 * read is non-blocking, and only the waits between them take time. */
static gboolean
raw_receive (DuetTestRawClient *raw,
             gint64             deadline)
{
  char chunk[16384];

  while (!raw->eof)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive_with_blocking (raw->socket, chunk, sizeof chunk, FALSE, NULL, &error);

      if (n > 0)
        {
          g_byte_array_append (raw->buffer, (const guint8 *) chunk, n);
          return TRUE;
        }
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        raw->eof = TRUE;   /* end of stream, or reset */
      else if (g_get_monotonic_time () >= deadline)
        return FALSE;
      else
        g_socket_condition_timed_wait (raw->socket, G_IO_IN, deadline - g_get_monotonic_time (), NULL, NULL);
    }
  return FALSE;
}

/* FALSE if the server is gone or took nothing for DUET_TEST_TIMEOUT_MS */
static gboolean
raw_write_all (DuetTestRawClient *raw,
               const guint8      *data,
               gsize              length)
{
  gint64 deadline = g_get_monotonic_time () + DUET_TEST_TIMEOUT_MS * 1000;

  while (length > 0)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_send_with_blocking (raw->socket, (const char *) data, length, FALSE, NULL, &error);

      if (n > 0)
        {
          data += n;
          length -= n;
        }
      else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK) ||
               g_get_monotonic_time () >= deadline)
        return FALSE;
      else
        g_socket_condition_timed_wait (raw->socket, G_IO_OUT, deadline - g_get_monotonic_time (), NULL, NULL);
    }
  return TRUE;
}

static void
raw_handle_frame (DuetTestRawClient *raw,
                  guint8             opcode,
                  const guint8      *payload,
                  gsize              length)
{
  switch (opcode)
    {
    case 0x1:   /* text */
      {
        g_autoptr(JsonParser) parser = json_parser_new ();
        g_autoptr(GError) error = NULL;

        json_parser_load_from_data (parser, (const char *) payload, length, &error);
        g_assert_no_error (error);
        g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
        g_queue_push_tail (&raw->messages, json_object_ref (json_node_get_object (json_parser_get_root (parser))));
        break;
      }
    case 0x8:   /* close: noted, never answered */
      raw->close_received = TRUE;
      raw->close_code = length >= 2 ? (payload[0] << 8) | payload[1] : 1005;
      break;
    case 0x9:   /* ping and pong: ignored too */
    case 0xa:
      break;
    default:
      g_error ("unexpected WebSocket opcode %u from the server", opcode);
    }
}

/* Handles every whole frame received so far */
static void
raw_parse (DuetTestRawClient *raw)
{
  for (;;)
    {
      const guint8 *p = raw->buffer->data;
      gsize have = raw->buffer->len, header = 2;
      guint64 length;

      if (have < 2)
        return;
      g_assert_false (p[1] & 0x80);   /* a server never masks */
      length = p[1] & 0x7f;
      if (length == 126)
        {
          header = 4;
          if (have < header)
            return;
          length = (p[2] << 8) | p[3];
        }
      else if (length == 127)
        {
          header = 10;
          if (have < header)
            return;
          length = 0;
          for (guint i = 2; i < 10; i++)
            length = (length << 8) | p[i];
        }
      g_assert_cmpuint (length, <=, RAW_MAX_FRAME);
      if (have < header + length)
        return;
      /* libsoup does not fragment what it sends */
      g_assert_true (p[0] & 0x80);
      raw_handle_frame (raw, p[0] & 0x0f, p + header, length);
      g_byte_array_remove_range (raw->buffer, 0, header + length);
    }
}

/* A masked text frame, as a client must send */
gboolean
duet_test_raw_client_send (DuetTestRawClient *raw,
                           const char        *text)
{
  gsize length = strlen (text);
  g_autoptr(GByteArray) frame = g_byte_array_sized_new (length + 14);
  guint32 random = g_random_int ();
  guint8 byte, mask[4];

  memcpy (mask, &random, sizeof mask);
  byte = 0x81;   /* FIN, text */
  g_byte_array_append (frame, &byte, 1);
  if (length < 126)
    {
      byte = 0x80 | length;
      g_byte_array_append (frame, &byte, 1);
    }
  else
    {
      guint8 extended[3] = { 0x80 | 126, (length >> 8) & 0xff, length & 0xff };

      g_assert_cmpuint (length, <, 65536);
      g_byte_array_append (frame, extended, sizeof extended);
    }
  g_byte_array_append (frame, mask, sizeof mask);
  for (gsize i = 0; i < length; i++)
    {
      byte = text[i] ^ mask[i % 4];
      g_byte_array_append (frame, &byte, 1);
    }
  return raw_write_all (raw, frame->data, frame->len);
}

static char *
websocket_accept_for (const char *key)
{
  g_autoptr(GChecksum) sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  guint8 digest[20];
  gsize digest_length = sizeof digest;

  g_checksum_update (sha1, (const guchar *) key, -1);
  g_checksum_update (sha1, (const guchar *) WEBSOCKET_GUID, -1);
  g_checksum_get_digest (sha1, digest, &digest_length);
  return g_base64_encode (digest, digest_length);
}

/* The value of header @name in @head (the response head), or NULL */
static char *
header_value (const char *head,
              const char *name)
{
  g_autofree char *lower = g_ascii_strdown (head, -1);
  g_autofree char *needle = g_strdup_printf ("\r\n%s:", name);
  const char *at = strstr (lower, needle);
  const char *value;

  if (at == NULL)
    return NULL;
  value = head + (at - lower) + strlen (needle);
  return g_strstrip (g_strndup (value, strcspn (value, "\r\n")));
}

/* Reads the response head of the upgrade; returns its status (0: none came) */
static guint
raw_read_upgrade (DuetTestRawClient *raw,
                  const char        *key)
{
  gint64 deadline = g_get_monotonic_time () + DUET_TEST_TIMEOUT_MS * 1000;
  const char *end = NULL;
  g_autofree char *head = NULL;
  g_autofree char *accept = NULL;
  g_autofree char *expected = NULL;
  guint status;

  while (raw->buffer->len == 0 ||
         (end = g_strstr_len ((const char *) raw->buffer->data, raw->buffer->len, "\r\n\r\n")) == NULL)
    if (!raw_receive (raw, deadline))
      return 0;

  head = g_strndup ((const char *) raw->buffer->data, end + 2 - (const char *) raw->buffer->data);
  g_byte_array_remove_range (raw->buffer, 0, end + 4 - (const char *) raw->buffer->data);
  if (!g_str_has_prefix (head, "HTTP/1.1 "))
    return 0;
  status = g_ascii_strtoull (head + strlen ("HTTP/1.1 "), NULL, 10);
  if (status != 101)
    return status;

  accept = header_value (head, "sec-websocket-accept");
  expected = websocket_accept_for (key);
  g_assert_cmpstr (accept, ==, expected);
  return status;
}

/* NULL and *out_status set (0: no answer) if the upgrade was refused */
DuetTestRawClient *
duet_test_raw_client_connect (DuetTestServer *server,
                              const char     *bearer,
                              guint          *out_status)
{
  g_autoptr(DuetTestRawClient) raw = g_new0 (DuetTestRawClient, 1);
  guint port = g_ascii_strtoull (strrchr (server->base_url, ':') + 1, NULL, 10);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, port);
  g_autoptr(GError) error = NULL;
  g_autofree char *authorization = NULL;
  g_autofree char *key = NULL;
  g_autofree char *upgrade = NULL;
  guint8 nonce[16];
  guint status;

  g_assert_true (g_str_has_prefix (server->base_url, "http://127.0.0.1:"));
  raw->buffer = g_byte_array_new ();
  g_queue_init (&raw->messages);
  raw->socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_connect (raw->socket, address, NULL, &error);
  g_assert_no_error (error);

  for (guint i = 0; i < sizeof nonce; i++)
    nonce[i] = g_random_int_range (0, 256);
  key = g_base64_encode (nonce, sizeof nonce);
  authorization = bearer ? g_strdup_printf ("Authorization: Bearer %s\r\n", bearer) : g_strdup ("");
  upgrade = g_strdup_printf ("GET /v1/ws HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                             "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n",
                             port, key, authorization);
  g_assert_true (raw_write_all (raw, (const guint8 *) upgrade, strlen (upgrade)));

  status = raw_read_upgrade (raw, key);
  if (status != 101)
    {
      if (out_status)
        *out_status = status;
      return NULL;
    }
  return g_steal_pointer (&raw);
}

DuetTestRawClient *
duet_test_raw_client_sign_in (DuetTestServer *server,
                              const char     *user)
{
  g_autofree char *token = duet_test_server_token (server, user, 600);
  DuetTestRawClient *raw = duet_test_raw_client_connect (server, token, NULL);
  g_autoptr(JsonObject) hello = NULL;

  g_assert_nonnull (raw);
  hello = duet_test_raw_client_wait_event (raw, "hello", DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (hello);
  return raw;
}

/* The next text message, or NULL if none came within @timeout_ms (0: only
 * what has already arrived) */
JsonObject *
duet_test_raw_client_next (DuetTestRawClient *raw,
                           guint              timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  raw_parse (raw);
  while (g_queue_is_empty (&raw->messages) && raw_receive (raw, deadline))
    raw_parse (raw);
  return g_queue_pop_head (&raw->messages);
}

static JsonObject *
raw_wait_matching (DuetTestRawClient *raw,
                   const char        *member,
                   const char        *value,
                   guint              timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;
  JsonObject *o;

  raw_parse (raw);
  while ((o = take_matching_in (&raw->messages, member, value)) == NULL &&
         raw_receive (raw, deadline))
    raw_parse (raw);
  return o;
}

JsonObject *
duet_test_raw_client_wait_event (DuetTestRawClient *raw,
                                 const char        *type,
                                 guint              timeout_ms)
{
  return raw_wait_matching (raw, "type", type, timeout_ms);
}

/* Sends @json with a fresh "id" and waits for its reply or error */
JsonObject *
duet_test_raw_client_request (DuetTestRawClient *raw,
                              const char        *json)
{
  g_autofree char *id = NULL;
  g_autofree char *text = with_new_id (json, "raw", &raw->next_id, &id);
  JsonObject *answer;

  g_assert_true (duet_test_raw_client_send (raw, text));
  answer = raw_wait_matching (raw, "id", id, DUET_TEST_TIMEOUT_MS);
  g_assert_nonnull (answer);
  return answer;
}

/* TRUE once a close frame came or the stream ended; messages that arrive
 * meanwhile are kept */
gboolean
duet_test_raw_client_wait_close (DuetTestRawClient *raw,
                                 guint              timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * 1000;

  raw_parse (raw);
  while (!raw->close_received && raw_receive (raw, deadline))
    raw_parse (raw);
  return raw->close_received || raw->eof;
}

/* ---- what the server reports ------------------------------------------ */

gint64
duet_test_server_metric (DuetTestServer *server,
                         const char     *sample)
{
  g_autofree char *body = NULL;
  g_auto(GStrv) lines = NULL;

  g_assert_cmpuint (duet_test_http (server, "GET", "/metrics", NULL, &body, NULL), ==, 200);
  lines = g_strsplit (body, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *value = lines[i] + strlen (sample);
      char *end = NULL;
      gint64 number;

      if (!g_str_has_prefix (lines[i], sample) || *value != ' ')
        continue;
      number = g_ascii_strtoll (value + 1, &end, 10);
      g_assert_true (end != value + 1 && *end == '\0');
      return number;
    }
  g_error ("no sample %s in /metrics", sample);
}

int
duet_test_server_pid (DuetTestServer *server)
{
  const char *id = g_subprocess_get_identifier (server->process);

  g_assert_nonnull (id);
  return atoi (id);
}

int
duet_test_server_fd_count (DuetTestServer *server)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", duet_test_server_pid (server));
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  int n = 0;

  g_assert_nonnull (dir);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

/* A "kB" line of /proc/PID/status, such as VmRSS or VmHWM */
gint64
duet_test_server_status_kib (DuetTestServer *server,
                             const char     *field)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", duet_test_server_pid (server));
  g_autofree char *key = g_strdup_printf ("\n%s:", field);
  g_autofree char *text = NULL;
  const char *p;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  p = strstr (text, key);
  g_assert_nonnull (p);
  return g_ascii_strtoll (p + strlen (key), NULL, 10);
}

gint64
duet_test_server_query_int (DuetTestServer *server,
                            const char     *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64 value;

  g_assert_cmpint (sqlite3_open_v2 (server->db, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, DUET_TEST_TIMEOUT_MS);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

void
duet_test_run_env_command (const char *variable)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL, *err = NULL;   /* pg_ctl's chatter is not TAP */
  int status = 0;

  g_assert_nonnull (g_getenv (variable));
  g_assert_true (g_spawn_command_line_sync (g_getenv (variable), &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
}

char *
duet_test_pg_database (void)
{
  static guint count;
  g_autofree char *name = g_strdup_printf ("duet_test_%d_%u", getpid (), ++count);
  g_autofree char *create = g_strdup_printf ("CREATE DATABASE %s", name);
  PGconn *admin = PQconnectdb (g_getenv ("DUET_TEST_PG"));
  PGresult *result;

  g_assert_cmpint (PQstatus (admin), ==, CONNECTION_OK);
  result = PQexec (admin, create);
  g_assert_cmpint (PQresultStatus (result), ==, PGRES_COMMAND_OK);
  PQclear (result);
  PQfinish (admin);
  return g_strdup_printf ("%s dbname=%s", g_getenv ("DUET_TEST_PG"), name);
}
