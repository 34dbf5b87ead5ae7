/* test-account-device.c: the user's devices in the kit, no duet-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * DuetAuth's device (the default id kept under XDG_DATA_HOME, the default
 * name), DuetAuthToken's did claim, DuetAccountDevice, and DuetManager
 * against a stand-in server on a loopback WebSocket: the devices list
 * after hello and on devices_changed, sign_out_device, mark_seen,
 * call_seen, missed calls told once, and signed_out (event or close code
 * 4004) and close code 4001 ending the connection for good.
 */
#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "duet-account-device-private.h"
#include "duet-call-history-entry-private.h"
#include "duet-kit.h"
#include "duet-messages.h"

/* Long enough to be cut, with characters of two and three bytes and a tab */
#define APP_NAME "Ünïcödé\tpröğrâm ☎☎☎☎☎☎☎☎☎☎☎☎☎☎☎☎☎☎☎☎"

/* ---- DuetAuthToken ---- */

static char *
make_token (const char *claims)
{
  g_autofree char *header = duet_base64url_encode ((const guint8 *) "{\"alg\":\"HS256\",\"typ\":\"JWT\"}", 27);
  g_autofree char *body = duet_base64url_encode ((const guint8 *) claims, strlen (claims));

  return g_strdup_printf ("%s.%s.c2lnbmF0dXJl", header, body);
}

static void
test_token_device_id (void)
{
  static const struct { const char *did; const char *expected; } cases[] = {
    { ",\"did\":\"9b2e4c1a-5d3f-4e8b-a1c2-7f6e5d4c3b2a\"", "9b2e4c1a-5d3f-4e8b-a1c2-7f6e5d4c3b2a" },
    { "", NULL },                      /* a token of a server before devices */
    { ",\"did\":null", NULL },
    { ",\"did\":\"not an id\"", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *claims = g_strdup_printf ("{\"uid\":\"alice\",\"sid\":\"duet\",\"iat\":1764140000,"
                                                 "\"exp\":1764183200,\"tv\":0%s,\"dk\":5}", cases[i].did);
      g_autofree char *text = make_token (claims);
      g_autoptr(GError) error = NULL;
      g_autoptr(DuetAuthToken) token = duet_auth_token_new_from_string (text, &error);
      g_autofree char *property = NULL;

      g_assert_no_error (error);
      g_assert_cmpstr (duet_auth_token_get_user_id (token), ==, "alice");
      g_assert_cmpstr (duet_auth_token_get_device_id (token), ==, cases[i].expected);
      g_object_get (token, "device-id", &property, NULL);
      g_assert_cmpstr (property, ==, cases[i].expected);
    }
}

/* ---- DuetAuth's device ---- */

static char *
device_id_path (void)
{
  return g_build_filename (g_get_user_data_dir (), "duet-kit-1", "device-id", NULL);
}

/* As on a machine where the kit never ran */
static void
forget_device_id (void)
{
  g_autofree char *path = device_id_path ();
  g_autofree char *dir = g_path_get_dirname (path);

  g_remove (path);
  g_rmdir (dir);
}

static void
test_default_device_id (void)
{
  g_autofree char *path = device_id_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr(DuetAuth) first = duet_auth_new ("http://127.0.0.1:9");
  g_autoptr(DuetAuth) second = duet_auth_new ("http://127.0.0.1:9");
  g_autofree char *contents = NULL;
  g_autofree char *property = NULL;
  const char *id;
  GStatBuf st;

  forget_device_id ();
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  id = duet_auth_get_device_id (first);
  g_assert_true (g_uuid_string_is_valid (id));

  /* made on first use, for this user only */
  g_assert_cmpint (g_stat (dir, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);
  g_assert_cmpint (g_stat (path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_cmpstr (g_strstrip (contents), ==, id);

  /* and the same for every later user of the kit */
  g_assert_cmpstr (duet_auth_get_device_id (second), ==, id);
  g_object_get (second, "device-id", &property, NULL);
  g_assert_cmpstr (property, ==, id);
}

static void
test_device_id_replaced (void)
{
  g_autofree char *path = device_id_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *too_long = g_strnfill (65, 'a');
  g_autofree char *huge = g_strnfill (4096, 'a');
  const char *broken[] = { "", "\n", "not an id\n", "a\001b", "\xff\xfe", too_long, huge };

  forget_device_id ();
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);

  /* a good one is kept as it is, newline or not */
  g_assert_true (g_file_set_contents (path, "desk-1", -1, NULL));
  {
    g_autoptr(DuetAuth) auth = duet_auth_new ("http://127.0.0.1:9");

    g_assert_cmpstr (duet_auth_get_device_id (auth), ==, "desk-1");
  }

  for (guint i = 0; i < G_N_ELEMENTS (broken); i++)
    {
      const char *text = broken[i];
      g_autoptr(DuetAuth) auth = duet_auth_new ("http://127.0.0.1:9");
      g_autoptr(DuetAuth) again = duet_auth_new ("http://127.0.0.1:9");
      g_autofree char *contents = NULL;
      const char *id;

      g_assert_true (g_file_set_contents (path, text, -1, NULL));
      id = duet_auth_get_device_id (auth);
      g_assert_true (g_uuid_string_is_valid (id));
      g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
      g_assert_cmpstr (g_strstrip (contents), ==, id);
      g_assert_cmpstr (duet_auth_get_device_id (again), ==, id);
    }
}

static void
test_default_device_name (void)
{
  g_autoptr(DuetAuth) auth = duet_auth_new ("http://127.0.0.1:9");
  const char *name = duet_auth_get_device_name (auth);

  /* "APP on HOST": the tab became a space, the end was cut between characters */
  g_assert_true (g_str_has_prefix (name, "Ünïcödé pröğrâm ☎"));
  g_assert_cmpuint (strlen (name), <=, 64);
  g_assert_cmpuint (strlen (name), >, 61);   /* within one ☎ of the limit */
  g_assert_true (g_utf8_validate (name, -1, NULL));
  g_assert_true (duet_text_is_valid (name, 64));
}

static void
sign_in_done (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  GError **error = user_data;
  g_autoptr(DuetAuthToken) token = duet_auth_sign_in_finish (DUET_AUTH (source), result, error);

  g_assert_null (token);
}

static void
test_set_device (void)
{
  g_autoptr(DuetAuth) auth = duet_auth_new ("http://127.0.0.1:9");
  g_autofree char *long_name = g_strnfill (65, 'n');
  g_autofree char *default_id = g_strdup (duet_auth_get_device_id (auth));
  g_autofree char *default_name = g_strdup (duet_auth_get_device_name (auth));
  const struct { const char *id; const char *name; const char *field; } bad[] = {
    { "lap top", NULL, "device_id" },
    { NULL, "tab\there", "device_name" },
    { NULL, long_name, "device_name" },
  };

  duet_auth_set_device (auth, "laptop-1", "Duet on alice-laptop");
  g_assert_cmpstr (duet_auth_get_device_id (auth), ==, "laptop-1");
  g_assert_cmpstr (duet_auth_get_device_name (auth), ==, "Duet on alice-laptop");

  /* NULL (or empty) is the kit's default again */
  duet_auth_set_device (auth, NULL, "");
  g_assert_cmpstr (duet_auth_get_device_id (auth), ==, default_id);
  g_assert_cmpstr (duet_auth_get_device_name (auth), ==, default_name);

  /* a device the server would refuse fails before anything is sent */
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;

      duet_auth_set_device (auth, bad[i].id, bad[i].name);
      duet_auth_sign_in_async (auth, "alice", NULL, "secret", NULL, sign_in_done, &error);
      while (error == NULL)
        g_main_context_iteration (NULL, TRUE);
      g_assert_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM);
      g_assert_nonnull (strstr (error->message, bad[i].field));
    }
}

/* ---- DuetAccountDevice, DuetCallHistoryEntry:seen ---- */

static void
test_account_device (void)
{
  DuetDeviceEntry entry = {
    .device_id = (char *) "desk-1",
    .name = (char *) "Duet on alice-desktop",
    .created_at = G_GINT64_CONSTANT (1764140000123),
    .last_seen_at = G_GINT64_CONSTANT (1764226000000),
    .online = TRUE,
    .current = FALSE,
  };
  g_autoptr(DuetAccountDevice) device = duet_account_device_new_from_entry (&entry);
  g_autoptr(GDateTime) created = NULL;
  g_autofree char *name = NULL;
  gboolean online = FALSE, current = TRUE;

  g_assert_cmpstr (duet_account_device_get_id (device), ==, "desk-1");
  g_assert_cmpstr (duet_account_device_get_name (device), ==, "Duet on alice-desktop");
  g_assert_cmpint (g_date_time_to_unix (duet_account_device_get_created_at (device)), ==, 1764140000);
  g_assert_cmpint (g_date_time_get_microsecond (duet_account_device_get_created_at (device)), ==, 123000);
  g_assert_cmpint (g_date_time_to_unix (duet_account_device_get_last_seen_at (device)), ==, 1764226000);
  g_assert_true (duet_account_device_get_online (device));
  g_assert_false (duet_account_device_get_current (device));

  g_object_get (device, "name", &name, "created-at", &created, "online", &online, "current", &current, NULL);
  g_assert_cmpstr (name, ==, "Duet on alice-desktop");
  g_assert_true (g_date_time_equal (created, duet_account_device_get_created_at (device)));
  g_assert_true (online);
  g_assert_false (current);

  /* no times: none */
  entry.created_at = entry.last_seen_at = 0;
  entry.current = TRUE;
  {
    g_autoptr(DuetAccountDevice) bare = duet_account_device_new_from_entry (&entry);

    g_assert_null (duet_account_device_get_created_at (bare));
    g_assert_null (duet_account_device_get_last_seen_at (bare));
    g_assert_true (duet_account_device_get_current (bare));
  }
}

static void
test_history_seen (void)
{
  DuetHistoryEntry entry = {
    .call_id = (char *) "c-1",
    .direction = DUET_CALL_DIRECTION_INCOMING,
    .peer_user = (char *) "bob",
    .peer_service = (char *) "duet",
    .media_type = DUET_MEDIA_TYPE_AUDIO,
    .state = DUET_WIRE_CALL_STATE_ENDED,
    .invited_at = G_GINT64_CONSTANT (1764140000000),
    .reason = DUET_DISCONNECT_REASON_NOANSWER,
    .missed = TRUE,
    .seen = TRUE,
  };
  g_autoptr(DuetCallHistoryEntry) seen = duet_call_history_entry_new_from_history (&entry);
  g_autoptr(DuetCallHistoryEntry) unseen = NULL;
  gboolean property = FALSE;

  g_assert_true (duet_call_history_entry_get_seen (seen));
  g_object_get (seen, "seen", &property, NULL);
  g_assert_true (property);

  entry.seen = FALSE;
  unseen = duet_call_history_entry_new_from_history (&entry);
  g_assert_false (duet_call_history_entry_get_seen (unseen));
}

/* ---- DuetManager against a stand-in server ---- */

typedef struct
{
  SoupServer              *server;
  char                    *url;
  SoupWebsocketConnection *ws;
  guint                    connections;
  gboolean                 answer_devices;   /* FALSE: as a server before devices */
  GPtrArray               *received;         /* JsonObject from the kit */

  DuetManager             *manager;
  GPtrArray               *server_errors;    /* char* */
  GPtrArray               *missed;           /* char* call ids */
  GPtrArray               *seen;             /* char* call ids */
  guint                    items_changed;
  char                    *reason_at_error;  /* sign-out-reason when server-error came */
} Fixture;

static DuetDeviceEntry *
device_entry (const char *id,
              gboolean    current)
{
  DuetDeviceEntry *entry = duet_device_entry_new ();

  entry->device_id = g_strdup (id);
  entry->name = g_strdup_printf ("Duet on %s", id);
  entry->created_at = G_GINT64_CONSTANT (1764140000000);
  entry->last_seen_at = G_GINT64_CONSTANT (1764226000000);
  entry->online = current;
  entry->current = current;
  return entry;
}

static GPtrArray *
device_list (guint n)
{
  GPtrArray *devices = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_device_entry_free);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("dev-%c", 'a' + i);

      g_ptr_array_add (devices, device_entry (id, i == 0));
    }
  return devices;
}

static void
send_on (SoupWebsocketConnection *ws,
         JsonObject              *message)
{
  g_autofree char *text = duet_protocol_serialize (message);

  /* a reply to what came in while the socket closes goes nowhere */
  if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_send_text (ws, text);
  json_object_unref (message);
}

static void
server_send (Fixture    *f,
             JsonObject *message)
{
  g_assert_nonnull (f->ws);
  send_on (f->ws, message);
}

static void
on_server_message (SoupWebsocketConnection *ws,
                   SoupWebsocketDataType    type,
                   GBytes                  *bytes,
                   Fixture                 *f)
{
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);
  JsonObject *message = duet_protocol_parse_message (data, length, NULL);
  const char *kind, *id;

  g_assert_nonnull (message);
  g_ptr_array_add (f->received, message);
  kind = duet_message_read_type (message, NULL);
  id = duet_message_read_id (message, NULL);

  switch (duet_request_type_from_string (kind))
    {
    case DUET_REQUEST_DEVICES:
      if (f->answer_devices)
        {
          g_auto(DuetDevicesReply) reply = { .devices = device_list (2) };

          send_on (ws, duet_devices_reply_build (id, &reply));
        }
      else
        send_on (ws, duet_error_message_build (id, &(DuetErrorMessage) {
          .code = DUET_PROTOCOL_ERROR_UNKNOWN_TYPE, .message = (char *) "Unknown message type" }));
      break;
    case DUET_REQUEST_SIGN_OUT_DEVICE:
      {
        g_auto(DuetSignOutDeviceRequest) request = { 0 };

        g_assert_true (duet_sign_out_device_request_parse (message, &request, NULL));
        if (g_str_equal (request.device_id, "dev-b"))
          send_on (ws, duet_empty_reply_build (id));
        else
          send_on (ws, duet_error_message_build (id, &(DuetErrorMessage) {
            .code = DUET_PROTOCOL_ERROR_NO_SUCH_DEVICE, .message = (char *) "No such device" }));
      }
      break;
    case DUET_REQUEST_MARK_SEEN:
      send_on (ws, duet_empty_reply_build (id));
      break;
    case DUET_REQUEST_PING:
      send_on (ws, duet_ping_reply_build (id, &(DuetPingReply) { .now = g_get_real_time () / 1000 }));
      break;
    default:
      break;
    }
}

static void
on_server_closed (SoupWebsocketConnection *ws,
                  Fixture                 *f)
{
  if (f->ws == ws)
    g_clear_object (&f->ws);
}

static void
on_websocket (SoupServer              *server,
              SoupServerMessage       *msg,
              const char              *path,
              SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  Fixture *f = user_data;
  g_auto(DuetHelloEvent) hello = {
    .user = g_strdup ("alice"),
    .service = g_strdup ("duet"),
    .server_version = g_strdup ("0.1.0"),
    .ring_timeout = 60,
    .grace_period = 20,
    .calls = g_ptr_array_new_with_free_func ((GDestroyNotify) duet_hello_call_free),
    .device_id = g_strdup ("dev-a"),
    .device_name = g_strdup ("Duet on dev-a"),
  };

  f->connections++;
  g_set_object (&f->ws, ws);
  g_signal_connect (ws, "message", G_CALLBACK (on_server_message), f);
  g_signal_connect (ws, "closed", G_CALLBACK (on_server_closed), f);
  server_send (f, duet_hello_event_build (&hello));
}

static void
on_server_error (DuetManager *manager,
                 const char  *code,
                 Fixture     *f)
{
  g_ptr_array_add (f->server_errors, g_strdup (code));
  g_free (f->reason_at_error);
  f->reason_at_error = g_strdup (duet_manager_get_sign_out_reason (manager));
}

static void
on_missed_call (DuetManager          *manager,
                DuetCallHistoryEntry *entry,
                Fixture              *f)
{
  g_ptr_array_add (f->missed, g_strdup (duet_call_history_entry_get_call_id (entry)));
}

static void
on_missed_call_seen (DuetManager *manager,
                     const char  *call_id,
                     Fixture     *f)
{
  g_ptr_array_add (f->seen, g_strdup (call_id));
}

static void
on_items_changed (GListModel *model,
                  guint       position,
                  guint       removed,
                  guint       added,
                  Fixture    *f)
{
  f->items_changed++;
}

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GSList *uris;

  f->answer_devices = TRUE;
  f->received = g_ptr_array_new_with_free_func ((GDestroyNotify) json_object_unref);
  f->server_errors = g_ptr_array_new_with_free_func (g_free);
  f->missed = g_ptr_array_new_with_free_func (g_free);
  f->seen = g_ptr_array_new_with_free_func (g_free);

  f->server = soup_server_new (NULL, NULL);
  soup_server_add_websocket_handler (f->server, "/v1/ws", NULL, NULL, on_websocket, f, NULL);
  soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error);
  g_assert_no_error (error);
  uris = soup_server_get_uris (f->server);
  f->url = g_uri_to_string (uris->data);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  while (g_str_has_suffix (f->url, "/"))
    f->url[strlen (f->url) - 1] = '\0';

  f->manager = duet_manager_new ();
  g_signal_connect (f->manager, "server-error", G_CALLBACK (on_server_error), f);
  g_signal_connect (f->manager, "missed-call", G_CALLBACK (on_missed_call), f);
  g_signal_connect (f->manager, "missed-call-seen", G_CALLBACK (on_missed_call_seen), f);
  g_signal_connect (duet_manager_get_devices (f->manager), "items-changed", G_CALLBACK (on_items_changed), f);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_clear_object (&f->manager);
  if (f->ws != NULL)
    {
      g_signal_handlers_disconnect_by_data (f->ws, f);
      g_clear_object (&f->ws);
    }
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  /* let the closed sockets go */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_free (f->url);
  g_free (f->reason_at_error);
  g_ptr_array_unref (f->received);
  g_ptr_array_unref (f->server_errors);
  g_ptr_array_unref (f->missed);
  g_ptr_array_unref (f->seen);
}

static gboolean
timed_out_cb (gpointer data)
{
  gboolean *timed_out = data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop until CONDITION holds (5 s at most) */
#define WAIT_FOR(condition)                                                  \
  G_STMT_START {                                                             \
    gboolean timed_out_ = FALSE;                                             \
    guint timeout_ = g_timeout_add_seconds (5, timed_out_cb, &timed_out_);   \
    while (!(condition) && !timed_out_)                                      \
      g_main_context_iteration (NULL, TRUE);                                 \
    if (!timed_out_)                                                         \
      g_source_remove (timeout_);                                            \
    g_assert_true (condition);                                               \
  } G_STMT_END

/* Runs the main loop for MS milliseconds */
static void
run_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, timed_out_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static guint
n_devices (Fixture *f)
{
  return g_list_model_get_n_items (duet_manager_get_devices (f->manager));
}

/* The last message of TYPE the kit sent, or NULL */
static JsonObject *
received (Fixture    *f,
          const char *type)
{
  for (guint i = f->received->len; i > 0; i--)
    {
      JsonObject *message = g_ptr_array_index (f->received, i - 1);

      if (g_strcmp0 (duet_message_read_type (message, NULL), type) == 0)
        return message;
    }
  return NULL;
}

static void
sign_in (Fixture *f)
{
  duet_manager_sign_in (f->manager, f->url, "a-token");
  WAIT_FOR (duet_manager_get_connected (f->manager));
}

static void
keep_result (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_set_object ((GAsyncResult **) user_data, result);
}

static void
test_manager_before_sign_in (Fixture       *f,
                             gconstpointer  data)
{
  GListModel *devices = duet_manager_get_devices (f->manager);
  g_autoptr(GListModel) property = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GAsyncResult) result = NULL;

  g_assert_null (duet_manager_get_device_id (f->manager));
  g_assert_null (duet_manager_get_sign_out_reason (f->manager));
  g_assert_true (g_list_model_get_item_type (devices) == DUET_TYPE_ACCOUNT_DEVICE);
  g_assert_cmpuint (g_list_model_get_n_items (devices), ==, 0);
  g_object_get (f->manager, "devices", &property, NULL);
  g_assert_true (property == devices);

  /* nothing to sign out, nobody to tell */
  duet_manager_mark_missed_call_seen (f->manager, "c-1");
  duet_manager_sign_out_device_async (f->manager, "dev-b", NULL, keep_result, &result);
  WAIT_FOR (result != NULL);
  g_assert_false (duet_manager_sign_out_device_finish (f->manager, result, &error));
  g_assert_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_NOT_CONNECTED);
}

static void
test_manager_devices (Fixture       *f,
                      gconstpointer  data)
{
  GListModel *devices = duet_manager_get_devices (f->manager);
  g_autoptr(DuetAccountDevice) first = NULL;
  g_autofree char *device_id = NULL;

  sign_in (f);
  /* hello names the device; the list is asked for and comes whole */
  g_assert_cmpstr (duet_manager_get_device_id (f->manager), ==, "dev-a");
  g_object_get (f->manager, "device-id", &device_id, NULL);
  g_assert_cmpstr (device_id, ==, "dev-a");
  WAIT_FOR (n_devices (f) == 2);
  g_assert_cmpuint (f->items_changed, ==, 1);
  first = g_list_model_get_item (devices, 0);
  g_assert_cmpstr (duet_account_device_get_id (first), ==, "dev-a");
  g_assert_true (duet_account_device_get_current (first));

  /* devices_changed replaces it, in one change */
  {
    g_auto(DuetDevicesChangedEvent) event = { .devices = device_list (3) };

    server_send (f, duet_devices_changed_event_build (&event));
  }
  WAIT_FOR (n_devices (f) == 3);
  g_assert_cmpuint (f->items_changed, ==, 2);
  g_assert_true (duet_manager_get_devices (f->manager) == devices);

  /* a reconnect asks again */
  soup_websocket_connection_close (f->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  WAIT_FOR (f->connections == 2 && n_devices (f) == 2);
  g_assert_cmpuint (f->server_errors->len, ==, 0);

  /* signing out here empties the list */
  duet_manager_sign_out (f->manager);
  g_assert_cmpuint (n_devices (f), ==, 0);
}

static void
test_manager_old_server (Fixture       *f,
                         gconstpointer  data)
{
  /* a server from before devices refuses the request: no list, no fuss */
  f->answer_devices = FALSE;
  sign_in (f);
  WAIT_FOR (received (f, "devices") != NULL);
  run_for (200);
  g_assert_cmpuint (n_devices (f), ==, 0);
  g_assert_cmpuint (f->items_changed, ==, 0);
  g_assert_cmpuint (f->server_errors->len, ==, 0);
}

static void
test_manager_sign_out_device (Fixture       *f,
                              gconstpointer  data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(DuetSignOutDeviceRequest) request = { 0 };

  sign_in (f);
  duet_manager_sign_out_device_async (f->manager, "dev-b", NULL, keep_result, &result);
  WAIT_FOR (result != NULL);
  g_assert_true (duet_manager_sign_out_device_finish (f->manager, result, &error));
  g_assert_no_error (error);
  g_assert_true (duet_sign_out_device_request_parse (received (f, "sign_out_device"), &request, NULL));
  g_assert_cmpstr (request.device_id, ==, "dev-b");
  g_clear_object (&result);
  duet_sign_out_device_request_clear (&request);

  duet_manager_sign_out_device_async (f->manager, "dev-z", NULL, keep_result, &result);
  WAIT_FOR (result != NULL);
  g_assert_false (duet_manager_sign_out_device_finish (f->manager, result, &error));
  g_assert_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_NO_SUCH_DEVICE);
  g_clear_object (&result);
  g_clear_error (&error);

  /* NULL: this device, as hello named it */
  duet_manager_sign_out_device_async (f->manager, NULL, NULL, keep_result, &result);
  WAIT_FOR (result != NULL);
  g_assert_true (duet_sign_out_device_request_parse (received (f, "sign_out_device"), &request, NULL));
  g_assert_cmpstr (request.device_id, ==, "dev-a");
  g_clear_object (&result);

  duet_manager_sign_out_device_async (f->manager, "not an id", NULL, keep_result, &result);
  WAIT_FOR (result != NULL);
  g_assert_false (duet_manager_sign_out_device_finish (f->manager, result, &error));
  g_assert_error (error, DUET_KIT_ERROR, DUET_KIT_ERROR_INVALID_PARAM);
}

static void
send_missed_call (Fixture    *f,
                  const char *call_id)
{
  DuetMissedCallEvent event = {
    .call_id = (char *) call_id,
    .caller_user = (char *) "bob",
    .caller_service = (char *) "duet",
    .media_type = DUET_MEDIA_TYPE_AUDIOVIDEO,
    .invited_at = G_GINT64_CONSTANT (1764140000000),
    .reason = DUET_DISCONNECT_REASON_NOANSWER,
  };

  server_send (f, duet_missed_call_event_build (&event));
}

static void
test_manager_missed_calls (Fixture       *f,
                           gconstpointer  data)
{
  g_auto(DuetMarkSeenRequest) request = { 0 };

  sign_in (f);

  /* each missed call once, however often it comes */
  send_missed_call (f, "c-1");
  send_missed_call (f, "c-1");
  send_missed_call (f, "c-2");
  soup_websocket_connection_close (f->ws, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL);
  WAIT_FOR (f->connections == 2 && duet_manager_get_connected (f->manager));
  send_missed_call (f, "c-1");
  send_missed_call (f, "c-3");
  WAIT_FOR (f->missed->len == 3);
  run_for (100);
  g_assert_cmpuint (f->missed->len, ==, 3);
  g_assert_cmpstr (g_ptr_array_index (f->missed, 0), ==, "c-1");
  g_assert_cmpstr (g_ptr_array_index (f->missed, 1), ==, "c-2");
  g_assert_cmpstr (g_ptr_array_index (f->missed, 2), ==, "c-3");

  /* the set of those told is bounded: the oldest ones go first */
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *call_id = g_strdup_printf ("more-%u", i);

      send_missed_call (f, call_id);
    }
  send_missed_call (f, "c-1");
  send_missed_call (f, "c-3");
  WAIT_FOR (f->missed->len == 205);
  g_assert_cmpstr (g_ptr_array_index (f->missed, 203), ==, "c-1");
  g_assert_cmpstr (g_ptr_array_index (f->missed, 204), ==, "c-3");

  /* marking one seen goes to the server; another device's mark comes back */
  duet_manager_mark_missed_call_seen (f->manager, "c-2");
  WAIT_FOR (received (f, "mark_seen") != NULL);
  g_assert_true (duet_mark_seen_request_parse (received (f, "mark_seen"), &request, NULL));
  g_assert_cmpstr (request.call_id, ==, "c-2");

  server_send (f, duet_call_seen_event_build (&(DuetCallSeenEvent) { .call_id = (char *) "c-3" }));
  WAIT_FOR (f->seen->len == 1);
  g_assert_cmpstr (g_ptr_array_index (f->seen, 0), ==, "c-3");
}

static void
test_manager_signed_out (Fixture       *f,
                         gconstpointer  data)
{
  sign_in (f);
  WAIT_FOR (n_devices (f) == 2);

  server_send (f, duet_signed_out_event_build (&(DuetSignedOutEvent) { .reason = DUET_SIGN_OUT_REASON_DEVICE_LIMIT }));
  soup_websocket_connection_close (f->ws, 4004, NULL);
  WAIT_FOR (f->server_errors->len == 1);
  g_assert_cmpstr (g_ptr_array_index (f->server_errors, 0), ==, "signed_out");
  g_assert_cmpstr (f->reason_at_error, ==, "device_limit");
  g_assert_cmpstr (duet_manager_get_sign_out_reason (f->manager), ==, "device_limit");
  g_assert_cmpuint (n_devices (f), ==, 0);

  /* for good: no second error, and no reconnect (the first comes after 200 ms) */
  WAIT_FOR (!duet_manager_get_connected (f->manager));
  run_for (800);
  g_assert_cmpuint (f->server_errors->len, ==, 1);
  g_assert_cmpuint (f->connections, ==, 1);

  /* a new sign-in starts afresh */
  sign_in (f);
  g_assert_null (duet_manager_get_sign_out_reason (f->manager));
  WAIT_FOR (n_devices (f) == 2);
}

static void
test_manager_close_codes (Fixture       *f,
                          gconstpointer  data)
{
  static const struct { gushort code; const char *error; } cases[] = {
    { 4004, "signed_out" },        /* the event lost: the close says it */
    { 4001, "session_replaced" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      guint connections;

      g_ptr_array_set_size (f->server_errors, 0);
      sign_in (f);
      connections = f->connections;
      soup_websocket_connection_close (f->ws, cases[i].code, NULL);
      WAIT_FOR (f->server_errors->len == 1);
      g_assert_cmpstr (g_ptr_array_index (f->server_errors, 0), ==, cases[i].error);
      g_assert_null (duet_manager_get_sign_out_reason (f->manager));
      run_for (800);
      g_assert_cmpuint (f->connections, ==, connections);
      g_assert_cmpuint (f->server_errors->len, ==, 1);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *data_home = NULL;
  int status;

  /* An XDG_DATA_HOME of our own, set before GLib reads it (it keeps the
   * first value; G_TEST_OPTION_ISOLATE_DIRS would do this per test, but
   * leaks the old values on purpose, which fails the leak check) */
  data_home = g_dir_make_tmp ("test-account-device-XXXXXX", NULL);
  g_assert_nonnull (data_home);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  g_test_init (&argc, &argv, NULL);
  g_set_application_name (APP_NAME);

  g_test_add_func ("/auth/token-device-id", test_token_device_id);
  g_test_add_func ("/auth/default-device-id", test_default_device_id);
  g_test_add_func ("/auth/device-id-replaced", test_device_id_replaced);
  g_test_add_func ("/auth/default-device-name", test_default_device_name);
  g_test_add_func ("/auth/set-device", test_set_device);
  g_test_add_func ("/account-device/from-entry", test_account_device);
  g_test_add_func ("/history/seen", test_history_seen);
  g_test_add ("/manager/before-sign-in", Fixture, NULL, fixture_set_up, test_manager_before_sign_in, fixture_tear_down);
  g_test_add ("/manager/devices", Fixture, NULL, fixture_set_up, test_manager_devices, fixture_tear_down);
  g_test_add ("/manager/old-server", Fixture, NULL, fixture_set_up, test_manager_old_server, fixture_tear_down);
  g_test_add ("/manager/sign-out-device", Fixture, NULL, fixture_set_up, test_manager_sign_out_device, fixture_tear_down);
  g_test_add ("/manager/missed-calls", Fixture, NULL, fixture_set_up, test_manager_missed_calls, fixture_tear_down);
  g_test_add ("/manager/signed-out", Fixture, NULL, fixture_set_up, test_manager_signed_out, fixture_tear_down);
  g_test_add ("/manager/close-codes", Fixture, NULL, fixture_set_up, test_manager_close_codes, fixture_tear_down);
  status = g_test_run ();

  forget_device_id ();
  g_rmdir (data_home);
  return status;
}
