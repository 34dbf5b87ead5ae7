/* duet-server-main.c: the `duet-server` command
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <glib-unix.h>
#include <sodium.h>

#include "duet-ice-servers.h"
#include "duet-protocol.h"
#include "duet-server.h"
#include "duet-pg-store.h"
#include "duet-redis-bus.h"
#include "duet-sqlite-store.h"
#include "duet-store-copy.h"
#include "duet-token.h"

#define EXIT_USAGE 2

static int
usage_error (GOptionContext *context,
             const char     *message)
{
  g_printerr ("duet-server: %s\n", message);
  g_printerr ("Try “duet-server %s --help”.\n", g_option_context_get_summary (context) ?: "");
  return EXIT_USAGE;
}

static int
fail (const GError *error)
{
  g_printerr ("duet-server: %s\n", error->message);
  return EXIT_FAILURE;
}

static gboolean
parse (GOptionContext *context,
       int            *argc,
       char         ***argv,
       int            *status)
{
  g_autoptr(GError) error = NULL;

  if (!g_option_context_parse (context, argc, argv, &error))
    {
      *status = usage_error (context, error->message);
      return FALSE;
    }
  if (*argc > 1)
    {
      *status = usage_error (context, "unexpected arguments");
      return FALSE;
    }
  return TRUE;
}

/* ---- serve ------------------------------------------------------------ */

typedef struct
{
  GMainLoop  *loop;
  DuetServer *server;
} ServeState;

static gboolean
on_signal (gpointer user_data)
{
  ServeState *state = user_data;

  duet_server_begin_shutdown (state->server);
  g_main_loop_quit (state->loop);
  return G_SOURCE_REMOVE;
}

/* Give the close frames a moment to reach the clients */
static void
drain (DuetServer *server)
{
  gint64 deadline = g_get_monotonic_time () + 2 * G_USEC_PER_SEC;

  while (duet_server_get_n_sessions (server) > 0 && g_get_monotonic_time () < deadline)
    {
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

/* Checks the STUN/TURN options and reads the secret (into *out_secret,
 * NULL without TURN); FALSE with a usage error in @message */
static gboolean
check_ice_options (char       **stun_uris,
                   char       **turn_uris,
                   const char  *secret_file,
                   char       **out_secret,
                   char       **message)
{
  g_autoptr(GError) error = NULL;

  *out_secret = NULL;
  for (guint i = 0; stun_uris != NULL && stun_uris[i] != NULL; i++)
    if (!duet_ice_uri_check (stun_uris[i], DUET_ICE_URI_STUN, &error))
      {
        g_autofree char *shown = g_utf8_make_valid (stun_uris[i], -1);
        *message = g_strdup_printf ("invalid --stun-uri “%s”: %s", shown, error->message);
        return FALSE;
      }
  for (guint i = 0; turn_uris != NULL && turn_uris[i] != NULL; i++)
    if (!duet_ice_uri_check (turn_uris[i], DUET_ICE_URI_TURN, &error))
      {
        g_autofree char *shown = g_utf8_make_valid (turn_uris[i], -1);
        *message = g_strdup_printf ("invalid --turn-uri “%s”: %s", shown, error->message);
        return FALSE;
      }

  if (turn_uris == NULL && secret_file == NULL)
    return TRUE;
  if (turn_uris == NULL)
    *message = g_strdup ("--turn-secret-file is only used with --turn-uri");
  else if (secret_file == NULL)
    *message = g_strdup ("--turn-uri needs --turn-secret-file (the secret shared with the TURN server)");
  else if ((*out_secret = duet_ice_read_secret (secret_file, &error)) == NULL)
    *message = g_strdup (error->message);
  return *out_secret != NULL;
}

/* What a browser sends as Origin: scheme, host and port, no path */
static gboolean
origin_is_valid (const char *origin)
{
  g_autoptr(GUri) uri = g_uri_parse (origin, G_URI_FLAGS_NONE, NULL);
  const char *scheme = uri ? g_uri_get_scheme (uri) : NULL;

  return uri != NULL && (g_strcmp0 (scheme, "http") == 0 || g_strcmp0 (scheme, "https") == 0) &&
         g_uri_get_host (uri) != NULL && *g_uri_get_host (uri) != '\0' && *g_uri_get_path (uri) == '\0' &&
         g_uri_get_query (uri) == NULL && g_uri_get_fragment (uri) == NULL && g_uri_get_userinfo (uri) == NULL;
}

/* --db (SQLite, one server) or --store (PostgreSQL, shared): exactly one */
static DuetStore *
open_store (const char       *db,
            const char       *store_uri,
            DuetPgStoreMode   mode,
            GError          **error)
{
  if (store_uri != NULL)
    {
      if (!duet_pg_store_is_conninfo (store_uri))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--store takes a PostgreSQL connection string (postgresql://USER@HOST/DB)");
          return NULL;
        }
      return duet_pg_store_open (store_uri, mode, error);
    }
  return duet_sqlite_store_open (db, error);
}

static gboolean
check_store_options (GOptionContext *context,
                     const char     *db,
                     const char     *store_uri,
                     int            *status)
{
  if ((db == NULL) == (store_uri == NULL))
    {
      *status = usage_error (context, "say where accounts are kept: --db PATH (SQLite) or --store URI (PostgreSQL)");
      return FALSE;
    }
  return TRUE;
}

static int
cmd_serve (int argc, char **argv)
{
  g_autofree char *db = NULL, *listen = NULL, *cert = NULL, *key = NULL, *service = NULL;
  g_autofree char *turn_secret_file = NULL, *ice_problem = NULL, *store_uri = NULL, *bus_uri = NULL;
  g_auto(GStrv) stun_uris = NULL, turn_uris = NULL, allowed_origins = NULL;
  g_autofree char *web_root = NULL;
  gboolean no_web = FALSE;
  char *turn_secret = NULL;
  int turn_ttl = DUET_SERVER_DEFAULT_TURN_TTL;
  int port = 0, ring = 60, grace = 20, lifetime = 43200, login_rate = 30;
  int max_conn = DUET_SERVER_DEFAULT_MAX_CONNECTIONS;
  int max_pending = DUET_SERVER_DEFAULT_MAX_PENDING;
  int max_pending_address = DUET_SERVER_DEFAULT_MAX_PENDING_PER_ADDRESS;
  int request_timeout = DUET_SERVER_DEFAULT_REQUEST_TIMEOUT;
  int auth_timeout = DUET_SERVER_DEFAULT_AUTH_TIMEOUT;
  int history_max = DUET_SERVER_DEFAULT_HISTORY_MAX;
  int history_days = DUET_SERVER_DEFAULT_HISTORY_DAYS;
  int missed_max = DUET_SERVER_DEFAULT_MISSED_CALLS_MAX;
  int max_devices = DUET_SERVER_DEFAULT_MAX_DEVICES;
  int calls_per_minute = DUET_SERVER_DEFAULT_CALLS_PER_MINUTE;
  int prune_interval = DUET_SERVER_DEFAULT_PRUNE_INTERVAL;
  int max_hashing = 0;   /* DuetServer's default: one per CPU */
  int workers = DUET_SERVER_DEFAULT_WORKERS;
  int connections_per_worker = DUET_SERVER_DEFAULT_CONNECTIONS_PER_WORKER;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &port, "TCP port (0: pick a free one and print it)", "PORT" },
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "SQLite database (created if missing)", "PATH" },
    { "store", 0, 0, G_OPTION_ARG_STRING, &store_uri, "PostgreSQL connection string, for servers that share one store", "URI" },
    { "bus", 0, 0, G_OPTION_ARG_STRING, &bus_uri, "Redis, redis://ADDRESS[:PORT], for servers that share one store", "URI" },
    { "listen", 0, 0, G_OPTION_ARG_STRING, &listen, "Address to bind (default 127.0.0.1)", "ADDR" },
    { "tls-cert", 0, 0, G_OPTION_ARG_FILENAME, &cert, "PEM certificate: serve https and wss", "FILE" },
    { "tls-key", 0, 0, G_OPTION_ARG_FILENAME, &key, "PEM private key for --tls-cert", "FILE" },
    { "ring-timeout", 0, 0, G_OPTION_ARG_INT, &ring, "Seconds before an unanswered call ends (60)", "SECONDS" },
    { "grace-period", 0, 0, G_OPTION_ARG_INT, &grace, "Seconds a party may be away before its call ends (20; the kit gives a lost media path as long)", "SECONDS" },
    { "token-lifetime", 0, 0, G_OPTION_ARG_INT, &lifetime, "Access token lifetime (43200)", "SECONDS" },
    { "service", 0, 0, G_OPTION_ARG_STRING, &service, "Default service id (duet)", "ID" },
    { "max-connections", 0, 0, G_OPTION_ARG_INT, &max_conn, "Maximum open sockets, HTTP and WebSocket (20000)", "N" },
    { "max-pending", 0, 0, G_OPTION_ARG_INT, &max_pending, "Maximum sockets not signed in yet (1024)", "N" },
    { "max-pending-per-address", 0, 0, G_OPTION_ARG_INT, &max_pending_address, "Maximum sockets not signed in yet from one address (16)", "N" },
    { "request-timeout", 0, 0, G_OPTION_ARG_INT, &request_timeout, "Seconds a client has to send its HTTP request (10)", "SECONDS" },
    { "auth-timeout", 0, 0, G_OPTION_ARG_INT, &auth_timeout, "Seconds a WebSocket has to send auth (5)", "SECONDS" },
    { "login-rate-per-address", 0, 0, G_OPTION_ARG_INT, &login_rate, "Sign-in attempts per minute per address (30)", "N" },
    { "max-hashing", 0, 0, G_OPTION_ARG_INT, &max_hashing, "Password checks at once (default: one per CPU, at most 4)", "N" },
    { "workers", 0, 0, G_OPTION_ARG_INT, &workers, "Most threads holding WebSocket connections; one starts per 256 (" G_STRINGIFY (DUET_SERVER_DEFAULT_WORKERS) ")", "N" },
    { "calls-per-minute", 0, 0, G_OPTION_ARG_INT, &calls_per_minute, "Calls one account may place per minute (20)", "N" },
    { "missed-calls-max", 0, 0, G_OPTION_ARG_INT, &missed_max, "Missed calls delivered at sign-in, newest first (100)", "N" },
    { "max-devices", 0, 0, G_OPTION_ARG_INT, &max_devices, "Signed-in devices per account; a new one signs out the idlest (10)", "N" },
    { "history-max", 0, 0, G_OPTION_ARG_INT, &history_max, "Calls kept per account (1000)", "N" },
    { "history-days", 0, 0, G_OPTION_ARG_INT, &history_days, "Days calls are kept (90)", "DAYS" },
    { "stun-uri", 0, 0, G_OPTION_ARG_STRING_ARRAY, &stun_uris, "STUN server for clients, stun:HOST[:PORT] (repeatable)", "URI" },
    { "turn-uri", 0, 0, G_OPTION_ARG_STRING_ARRAY, &turn_uris, "TURN server for clients, turn:HOST[:PORT][?transport=udp|tcp] or turns:HOST[:PORT] (repeatable)", "URI" },
    { "turn-secret-file", 0, 0, G_OPTION_ARG_FILENAME, &turn_secret_file, "File holding the TURN server's static-auth-secret", "FILE" },
    { "web-root", 0, 0, G_OPTION_ARG_FILENAME, &web_root, "Serve the web client from this folder (default " DUET_WEB_DIR ")", "DIR" },
    { "no-web", 0, 0, G_OPTION_ARG_NONE, &no_web, "Do not serve the web client", NULL },
    { "allowed-origin", 0, 0, G_OPTION_ARG_STRING_ARRAY, &allowed_origins, "A web origin besides the server's own whose pages may use the API, e.g. https://duet.example.org (repeatable)", "ORIGIN" },
    { "prune-interval", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &prune_interval, "Seconds between history prunes", "SECONDS" },
    { "connections-per-worker", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &connections_per_worker, "WebSockets a worker holds before another starts (256)", "N" },
    { "turn-ttl", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &turn_ttl, "Seconds TURN credentials live (86400)", "SECONDS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- run the Duet app server");
  g_autoptr(DuetStore) store = NULL;
  g_autoptr(DuetServer) server = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *url = NULL;
  DuetServerOptions options = { 0 };
  ServeState state;
  int status = 0;

  g_option_context_set_summary (context, "serve");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse (context, &argc, &argv, &status))
    return status;
  if (!check_store_options (context, db, store_uri, &status))
    return status;
  if (bus_uri != NULL && store_uri == NULL)
    return usage_error (context, "--bus is for servers that share a PostgreSQL store (--store)");
  if (port < 0 || port > 65535 || ring < 1 || grace < 1 || lifetime < 1 ||
      max_conn < 1 || max_pending < 1 || max_pending_address < 1 || request_timeout < 1 ||
      login_rate < 1 || auth_timeout < 1 || max_hashing < 0 || calls_per_minute < 1 ||
      workers < 1 || connections_per_worker < 1 ||
      missed_max < 1 || max_devices < 1 || history_max < 1 || history_days < 1 || prune_interval < 1 || turn_ttl < 1)
    return usage_error (context, "numbers must be positive (and ports at most 65535)");
  if (workers > 256)
    return usage_error (context, "--workers takes at most 256");
  if (!check_ice_options (stun_uris, turn_uris, turn_secret_file, &turn_secret, &ice_problem))
    return usage_error (context, ice_problem);
  if (no_web && web_root != NULL)
    return usage_error (context, "--web-root and --no-web do not go together");
  for (guint i = 0; allowed_origins != NULL && allowed_origins[i] != NULL; i++)
    if (!origin_is_valid (allowed_origins[i]))
      return usage_error (context, "--allowed-origin takes SCHEME://HOST[:PORT], e.g. https://duet.example.org");
  /* the installed client may be absent (a build tree, a server-only package) */
  if (!no_web && web_root == NULL && g_file_test (DUET_WEB_DIR "/index.html", G_FILE_TEST_IS_REGULAR))
    web_root = g_strdup (DUET_WEB_DIR);

  store = open_store (db, store_uri, DUET_PG_STORE_SERVE, &error);
  if (store == NULL)
    {
      duet_ice_free_secret (turn_secret);
      return fail (error);
    }

  options = (DuetServerOptions) {
    .listen = listen, .port = port, .tls_cert = cert, .tls_key = key, .service = service,
    .ring_timeout = ring, .grace_period = grace, .token_lifetime = lifetime,
    .max_connections = max_conn, .max_pending = max_pending,
    .max_pending_per_address = max_pending_address, .request_timeout = request_timeout,
    .login_rate_per_address = login_rate, .auth_timeout = auth_timeout,
    .max_hashing = max_hashing, .workers = workers, .connections_per_worker = connections_per_worker,
    .calls_per_minute = calls_per_minute,
    .missed_calls_max = missed_max, .max_devices = max_devices, .history_max = history_max, .history_days = history_days,
    .prune_interval = prune_interval,
    .stun_uris = (const char * const *) stun_uris, .turn_uris = (const char * const *) turn_uris,
    .turn_secret = turn_secret, .turn_ttl = turn_ttl,
    .web_root = no_web ? NULL : web_root,
    .allowed_origins = (const char * const *) allowed_origins,
  };
  server = duet_server_new (store, &options, &error);
  if (server != NULL && bus_uri != NULL)
    {
      g_autoptr(DuetBus) bus = duet_redis_bus_new (bus_uri, &error);

      if (bus == NULL)
        g_clear_object (&server);
      else
        duet_server_set_bus (server, bus);
    }
  /* the server keeps its own copy */
  duet_ice_free_secret (g_steal_pointer (&turn_secret));
  options.turn_secret = NULL;
  if (server == NULL || !duet_server_start (server, &error))
    return fail (error);

  url = duet_server_get_url (server);
  printf ("listening on %s\n", url);
  fflush (stdout);

  loop = g_main_loop_new (NULL, FALSE);
  state.loop = loop;
  state.server = server;
  g_unix_signal_add (SIGTERM, on_signal, &state);
  g_unix_signal_add (SIGINT, on_signal, &state);
  g_main_loop_run (loop);

  drain (server);
  duet_server_stop (server);
  g_message ("Stopped");
  return EXIT_SUCCESS;
}

/* ---- user ------------------------------------------------------------- */

static char *
read_password (GError **error)
{
  g_autoptr(GString) line = g_string_new (NULL);
  int c;

  while ((c = getchar ()) != EOF && c != '\n')
    {
      if (line->len > DUET_PROTOCOL_MAX_PASSWORD)
        break;
      g_string_append_c (line, (char) c);
    }
  if (line->len > 0 && line->str[line->len - 1] == '\r')
    g_string_truncate (line, line->len - 1);

  if (line->len == 0 || line->len > DUET_PROTOCOL_MAX_PASSWORD ||
      !g_utf8_validate (line->str, line->len, NULL))
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                           "The password must be 1–1024 bytes of UTF-8 on standard input");
      return NULL;
    }
  return g_string_free (g_steal_pointer (&line), FALSE);
}

static gboolean
check_ids (const char  *service,
           const char  *user,
           GError     **error)
{
  if (user == NULL)
    {
      g_set_error_literal (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "--user is required");
      return FALSE;
    }
  if (!duet_user_id_is_valid (user))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Invalid user id “%s”: use 1–64 ASCII letters, digits, “-”, “_” or “.”", user);
      return FALSE;
    }
  if (!duet_service_id_is_valid (service))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "Invalid service id “%s”: use 1–64 ASCII letters, digits, “-”, “_” or “.”", service);
      return FALSE;
    }
  return TRUE;
}

static int
cmd_user (int argc, char **argv)
{
  g_autofree char *db = NULL, *user = NULL, *service = NULL, *cost = NULL, *store_uri = NULL;
  gboolean password_stdin = FALSE;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "SQLite database", "PATH" },
    { "store", 0, 0, G_OPTION_ARG_STRING, &store_uri, "PostgreSQL connection string, for servers that share one store", "URI" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "User id", "ID" },
    { "service", 0, 0, G_OPTION_ARG_STRING, &service, "Service id (duet)", "ID" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, "Read the password from standard input", NULL },
    { "kdf-cost", 0, 0, G_OPTION_ARG_STRING, &cost, "Password hashing cost: interactive (default) or min (tests)", "COST" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("add|remove|list|passwd - manage accounts");
  g_autoptr(DuetStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *password = NULL;
  DuetKdfCost kdf = DUET_KDF_COST_INTERACTIVE;
  const char *action;
  gboolean all_services;
  int status = 0;

  g_option_context_set_summary (context, "user");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (argc != 2)
    return usage_error (context, "say add, remove, list or passwd");
  action = argv[1];
  if (!check_store_options (context, db, store_uri, &status))
    return status;
  all_services = service == NULL;
  if (service == NULL)
    service = g_strdup ("duet");
  if (cost != NULL && g_str_equal (cost, "min"))
    kdf = DUET_KDF_COST_MIN;
  else if (cost != NULL && !g_str_equal (cost, "interactive"))
    return usage_error (context, "--kdf-cost is interactive or min");

  if (!g_str_equal (action, "list"))
    {
      if (!check_ids (service, user, &error))
        return error->code == G_OPTION_ERROR_FAILED ? usage_error (context, error->message) : fail (error);
    }
  if (g_str_equal (action, "add") || g_str_equal (action, "passwd"))
    {
      if (!password_stdin)
        return usage_error (context, "--password-stdin is required (passwords never go on the command line)");
      password = read_password (&error);
      if (password == NULL)
        return fail (error);
    }
  else if (!g_str_equal (action, "remove") && !g_str_equal (action, "list"))
    return usage_error (context, "say add, remove, list or passwd");

  store = open_store (db, store_uri, DUET_PG_STORE_ADMIN, &error);
  if (store == NULL)
    return fail (error);

  if (g_str_equal (action, "add"))
    status = duet_store_add_user (store, service, user, password, kdf, &error);
  else if (g_str_equal (action, "passwd"))
    status = duet_store_set_password (store, service, user, password, kdf, &error);
  else if (g_str_equal (action, "remove"))
    status = duet_store_remove_user (store, service, user, &error);
  else
    {
      g_autoptr(GPtrArray) users = duet_store_list_users (store, all_services ? NULL : service, &error);

      for (guint i = 0; users != NULL && i < users->len; i++)
        printf ("%s\n", (const char *) g_ptr_array_index (users, i));
      status = users != NULL;
    }

  if (password != NULL)
    sodium_memzero (password, strlen (password));
  if (!status)
    return fail (error);
  return EXIT_SUCCESS;
}

/* ---- token ------------------------------------------------------------ */

static int
cmd_token (int argc, char **argv)
{
  g_autofree char *db = NULL, *user = NULL, *service = NULL, *device = NULL, *store_uri = NULL;
  int lifetime = 43200;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "SQLite database", "PATH" },
    { "store", 0, 0, G_OPTION_ARG_STRING, &store_uri, "PostgreSQL connection string, for servers that share one store", "URI" },
    { "user", 0, 0, G_OPTION_ARG_STRING, &user, "User id", "ID" },
    { "service", 0, 0, G_OPTION_ARG_STRING, &service, "Service id (duet)", "ID" },
    { "device", 0, 0, G_OPTION_ARG_STRING, &device, "Device the token is for (cli); added to the account if new", "ID" },
    { "lifetime", 0, 0, G_OPTION_ARG_INT, &lifetime, "Seconds the token lives (43200; may be negative for tests)", "SECONDS" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- print an access token (for admins, tests, benchmarks)");
  g_autoptr(DuetStore) store = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *token = NULL;
  guint8 key[DUET_STORE_SECRET_LENGTH];
  gint64 tv = 0, account_id = 0, device_key = 0, now = g_get_real_time () / G_USEC_PER_SEC;
  int status = 0;

  g_option_context_set_summary (context, "token");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse (context, &argc, &argv, &status))
    return status;
  if (!check_store_options (context, db, store_uri, &status))
    return status;
  if (service == NULL)
    service = g_strdup ("duet");
  if (device == NULL)
    device = g_strdup ("cli");
  if (!check_ids (service, user, &error))
    return error->code == G_OPTION_ERROR_FAILED ? usage_error (context, error->message) : fail (error);
  if (!duet_user_id_is_valid (device))
    return usage_error (context, "Invalid device id: use 1–64 letters, digits, “-”, “_” or “.”");

  store = open_store (db, store_uri, DUET_PG_STORE_ADMIN, &error);
  if (store == NULL ||
      !duet_store_lookup_user (store, service, user, &account_id, NULL, &tv, &error) ||
      !duet_store_put_device (store, account_id, device, "duet-server token", g_get_real_time () / 1000,
                              &device_key, &error) ||
      !duet_store_get_secret (store, "jwt_key", key, &error))
    return fail (error);

  token = duet_token_sign (user, service, now, now + lifetime, tv, device, device_key, key, sizeof key);
  sodium_memzero (key, sizeof key);
  printf ("%s\n", token);
  return EXIT_SUCCESS;
}

/* ---- migrate ---------------------------------------------------------- */

static int
cmd_migrate (int argc, char **argv)
{
  g_autofree char *db = NULL, *store_uri = NULL;
  gboolean force = FALSE;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "SQLite database to copy (its server stopped)", "PATH" },
    { "store", 0, 0, G_OPTION_ARG_STRING, &store_uri, "PostgreSQL connection string to copy into", "URI" },
    { "force", 0, 0, G_OPTION_ARG_NONE, &force, "Delete what the PostgreSQL store holds first (otherwise it must be empty)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- copy a SQLite database into a PostgreSQL store");
  g_autoptr(GError) error = NULL;
  DuetStoreCopyCount counts[DUET_STORE_COPY_N_TABLES];
  int status = 0;

  g_option_context_set_summary (context, "migrate");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!parse (context, &argc, &argv, &status))
    return status;
  if (db == NULL || store_uri == NULL)
    return usage_error (context, "say what to copy where: --db PATH (SQLite) and --store URI (PostgreSQL)");
  if (!duet_pg_store_is_conninfo (store_uri))
    return usage_error (context, "--store takes a PostgreSQL connection string (postgresql://USER@HOST/DB)");

  if (!duet_store_copy_sqlite_to_pg (db, store_uri, force ? DUET_STORE_COPY_REPLACE : DUET_STORE_COPY_NONE,
                                     counts, &error))
    return fail (error);
  printf ("%-8s %12s %12s\n", "table", "SQLite", "PostgreSQL");
  for (guint i = 0; i < DUET_STORE_COPY_N_TABLES; i++)
    printf ("%-8s %12" G_GINT64_FORMAT " %12" G_GINT64_FORMAT "\n",
            counts[i].table, counts[i].source_rows, counts[i].copied_rows);
  printf ("Copied: start the servers with --store instead of --db\n");
  return EXIT_SUCCESS;
}

static void
print_usage (void)
{
  g_printerr ("Usage:\n"
              "  duet-server serve --db PATH|--store URI [--port PORT] [OPTION…]\n"
              "  duet-server user add|passwd --db PATH|--store URI --user ID [--service ID] --password-stdin [--kdf-cost interactive|min]\n"
              "  duet-server user remove --db PATH|--store URI --user ID [--service ID]\n"
              "  duet-server user list --db PATH|--store URI [--service ID]\n"
              "  duet-server token --db PATH|--store URI --user ID [--service ID] [--device ID] [--lifetime SECONDS]\n"
              "  duet-server migrate --db PATH --store URI [--force]\n"
              "--db keeps accounts and calls in a SQLite file (one server); --store in PostgreSQL\n"
              "(postgresql://USER@HOST/DB), which several servers can share.\n"
              "  duet-server --version\n"
              "Run “duet-server COMMAND --help” for the options of a command.\n");
}

int
main (int argc, char **argv)
{
  const char *command;

  setlocale (LC_ALL, "");
  if (sodium_init () < 0)
    {
      g_printerr ("duet-server: cannot initialise libsodium\n");
      return EXIT_FAILURE;
    }

  if (argc < 2)
    {
      print_usage ();
      return EXIT_USAGE;
    }

  command = argv[1];
  argv[1] = argv[0];
  argc--;
  argv++;

  if (g_str_equal (command, "serve"))
    return cmd_serve (argc, argv);
  if (g_str_equal (command, "user"))
    return cmd_user (argc, argv);
  if (g_str_equal (command, "token"))
    return cmd_token (argc, argv);
  if (g_str_equal (command, "migrate"))
    return cmd_migrate (argc, argv);
  if (g_str_equal (command, "--version"))
    {
      g_print ("duet-server %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (g_str_equal (command, "--help") || g_str_equal (command, "-h") || g_str_equal (command, "help"))
    {
      print_usage ();
      return EXIT_SUCCESS;
    }

  g_printerr ("duet-server: unknown command “%s”\n", command);
  print_usage ();
  return EXIT_USAGE;
}
