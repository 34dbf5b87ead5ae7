/* duet-signalling.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * One WebSocket to /v1/ws, signed in with the Authorization header. The
 * connection is "ready" once the server's hello arrived; requests made
 * before that (or while reconnecting) wait in a queue, so a call's
 * media_state or end_call sent during a server restart still goes out.
 * A dropped socket is reopened with exponential backoff; a refused token
 * (401), a session taken over by another connection of the same device
 * (session_replaced, close code 4001) or a device signed out (signed_out,
 * 4004) stops that. A socket
 * the server has been silent on for too long, or one opened before the
 * machine's network changed, is given up at once: its TCP connection may
 * be dead without either end knowing.
 */
#define G_LOG_DOMAIN "DuetSignalling"

#include <libsoup/soup.h>

#include "duet-kit-error.h"
#include "duet-messages.h"
#include "duet-protocol.h"
#include "duet-signalling.h"

#define BACKOFF_MIN_MS   200
#define BACKOFF_MAX_MS   5000
#define KEEPALIVE_S      5
#define REQUEST_TIMEOUT_S 15
/* The server answers our keepalive ping; this much silence means the path is gone */
#define SILENT_MAX_S     12
#define NETWORK_SETTLE_MS 500
/* How long the server has to answer when a call asks whether it is there */
#define CHECK_MS         2000
/* Close codes of docs/protocol.md that end the session for good */
#define CLOSE_SESSION_REPLACED 4001
#define CLOSE_SIGNED_OUT       4004

/* A request waiting for its reply */
typedef struct
{
  DuetSignalling *self;
  char           *id;
  GTask          *task;
  JsonObject     *message;
  guint           timeout;
  gboolean        sent;
} Pending;

struct _DuetSignalling
{
  GObject                  parent_instance;

  char                    *server_url;
  char                    *access_token;
  char                    *tls_ca_file;  /* NULL: the system CAs */
  SoupSession             *session;
  SoupWebsocketConnection *ws;
  SoupMessage             *connect_msg;
  GCancellable            *cancellable;
  GHashTable              *pending;    /* request id → Pending */
  GQueue                   outbox;     /* JsonObject waiting for ready */
  guint                    next_id;
  guint                    retry_source;
  guint                    backoff_ms;
  gboolean                 running;
  gboolean                 ready;
  gint64                   last_heard;    /* monotonic µs */
  guint                    watchdog;
  guint                    check_source;
  gint64                   check_sent;
  guint                    network_source;
  GNetworkMonitor         *monitor;
};

G_DEFINE_FINAL_TYPE (DuetSignalling, duet_signalling, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_READY,
  N_PROPS
};

enum {
  HELLO,
  EVENT,
  FATAL,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void open_socket (DuetSignalling *self);

static void
set_ready (DuetSignalling *self,
           gboolean        ready)
{
  if (self->ready == ready)
    return;
  self->ready = ready;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_READY]);
}

static void
pending_free (gpointer data)
{
  Pending *p = data;

  g_clear_handle_id (&p->timeout, g_source_remove);
  g_clear_object (&p->task);
  json_object_unref (p->message);
  g_free (p->id);
  g_free (p);
}

/* Requests already sent get no reply now; unsent ones wait for the next socket */
static void
fail_pending (DuetSignalling *self)
{
  GHashTableIter iter;
  Pending *p;

  g_hash_table_iter_init (&iter, self->pending);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &p))
    {
      if (!p->sent)
        continue;
      g_task_return_new_error (p->task, DUET_KIT_ERROR, DUET_KIT_ERROR_NOT_CONNECTED,
                               "The connection to the server was lost");
      g_hash_table_iter_remove (&iter);
    }
}

static gboolean
retry_cb (gpointer user_data)
{
  DuetSignalling *self = user_data;

  self->retry_source = 0;
  open_socket (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (DuetSignalling *self)
{
  guint delay;

  if (!self->running || self->retry_source != 0)
    return;

  /* Jitter spreads the reconnects of many clients after a server restart */
  delay = self->backoff_ms + g_random_int_range (0, self->backoff_ms / 4 + 1);
  self->backoff_ms = MIN (self->backoff_ms * 2, BACKOFF_MAX_MS);
  g_debug ("Reconnecting to %s in %u ms", self->server_url, delay);
  self->retry_source = g_timeout_add (delay, retry_cb, self);
}

static void
drop_socket (DuetSignalling *self)
{
  g_clear_handle_id (&self->watchdog, g_source_remove);
  g_clear_handle_id (&self->check_source, g_source_remove);
  if (self->ws == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->ws, self);
  if (soup_websocket_connection_get_state (self->ws) == SOUP_WEBSOCKET_STATE_OPEN)
    soup_websocket_connection_close (self->ws, SOUP_WEBSOCKET_CLOSE_NORMAL, NULL);
  g_clear_object (&self->ws);
  set_ready (self, FALSE);
  fail_pending (self);
}

static void
send_now (DuetSignalling *self,
          JsonObject     *message)
{
  g_autofree char *text = duet_protocol_serialize (message);
  const char *id = duet_message_read_id (message, NULL);
  Pending *p = id ? g_hash_table_lookup (self->pending, id) : NULL;

  if (p != NULL)
    p->sent = TRUE;
  soup_websocket_connection_send_text (self->ws, text);
}

static void
flush_outbox (DuetSignalling *self)
{
  JsonObject *message;

  while (self->ready && (message = g_queue_pop_head (&self->outbox)) != NULL)
    {
      send_now (self, message);
      json_object_unref (message);
    }
}

static void
handle_reply (DuetSignalling *self,
              JsonObject     *message)
{
  const char *id = duet_message_read_id (message, NULL);
  Pending *p;
  g_autoptr(GTask) task = NULL;

  if (id == NULL || (p = g_hash_table_lookup (self->pending, id)) == NULL)
    {
      g_auto(DuetErrorMessage) error = { 0 };

      /* Errors to fire-and-forget messages only matter for debugging */
      if (duet_error_message_parse (message, &error, NULL))
        g_debug ("Server error: %s", error.message);
      return;
    }

  task = g_steal_pointer (&p->task);
  g_hash_table_remove (self->pending, id);
  g_task_return_pointer (task, json_object_ref (message), (GDestroyNotify) json_object_unref);
}

static void
handle_message (DuetSignalling *self,
                JsonObject     *message)
{
  const char *type = duet_message_read_type (message, NULL);

  switch (duet_server_message_type_from_string (type))
    {
    case DUET_SERVER_MESSAGE_UNKNOWN:
      g_debug ("Ignoring a message of an unknown type from the server");
      return;
    case DUET_SERVER_MESSAGE_REPLY:
    case DUET_SERVER_MESSAGE_ERROR:
      handle_reply (self, message);
      return;
    case DUET_SERVER_MESSAGE_HELLO:
      self->backoff_ms = BACKOFF_MIN_MS;
      g_signal_emit (self, signals[HELLO], 0, message);
      set_ready (self, TRUE);
      flush_outbox (self);
      return;
    case DUET_SERVER_MESSAGE_SESSION_REPLACED:
      /* Another connection of this device took over; coming back would steal it */
      self->running = FALSE;
      g_signal_emit (self, signals[FATAL], 0, "session_replaced");
      break;
    case DUET_SERVER_MESSAGE_SIGNED_OUT:
      /* The device is gone from the account: its token will not work again.
       * The event first, so that its reason is known with the fatal */
      self->running = FALSE;
      g_signal_emit (self, signals[EVENT], 0, type, message);
      g_signal_emit (self, signals[FATAL], 0, "signed_out");
      return;
    default:
      break;
    }

  g_signal_emit (self, signals[EVENT], 0, type, message);
}

static void
on_ws_message (SoupWebsocketConnection *ws,
               SoupWebsocketDataType    data_type,
               GBytes                  *bytes,
               gpointer                 user_data)
{
  DuetSignalling *self = user_data;
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;
  const char *data = g_bytes_get_data (bytes, &length);

  self->last_heard = g_get_monotonic_time ();
  if (data_type != SOUP_WEBSOCKET_DATA_TEXT)
    return;

  message = duet_protocol_parse_message (data, length, &error);
  if (message == NULL)
    {
      g_warning ("Ignoring a bad message from the server: %s", error->message);
      return;
    }

  /* A handler may drop the last reference to us */
  g_object_ref (self);
  handle_message (self, message);
  g_object_unref (self);
}

static void
on_ws_closed (SoupWebsocketConnection *ws,
              gpointer                 user_data)
{
  g_autoptr(DuetSignalling) self = g_object_ref (user_data);
  gushort code = soup_websocket_connection_get_close_code (ws);
  const char *fatal = NULL;

  g_debug ("WebSocket closed (code %u)", code);
  /* Normally the event came first and said so already */
  if (code == CLOSE_SESSION_REPLACED)
    fatal = "session_replaced";
  else if (code == CLOSE_SIGNED_OUT)
    fatal = "signed_out";
  drop_socket (self);
  if (fatal != NULL && self->running)
    {
      self->running = FALSE;
      g_signal_emit (self, signals[FATAL], 0, fatal);
      return;
    }
  schedule_retry (self);
}

static void
send_ping (DuetSignalling *self)
{
  g_autoptr(JsonObject) ping = duet_ping_request_build ("keepalive");

  send_now (self, ping);
}

/* Gives up this socket and opens another now */
static void
reconnect_now (DuetSignalling *self,
               const char     *why)
{
  g_debug ("Reconnecting to %s: %s", self->server_url, why);
  drop_socket (self);
  g_clear_handle_id (&self->retry_source, g_source_remove);
  self->backoff_ms = BACKOFF_MIN_MS;
  if (self->running)
    open_socket (self);
}

static gboolean
watchdog_cb (gpointer user_data)
{
  DuetSignalling *self = user_data;

  if (g_get_monotonic_time () - self->last_heard > SILENT_MAX_S * G_USEC_PER_SEC)
    {
      self->watchdog = 0;
      reconnect_now (self, "the server has been silent too long");
      return G_SOURCE_REMOVE;
    }
  if (self->ready)
    send_ping (self);
  return G_SOURCE_CONTINUE;
}

static gboolean
check_cb (gpointer user_data)
{
  DuetSignalling *self = user_data;

  self->check_source = 0;
  if (self->last_heard < self->check_sent)
    reconnect_now (self, "the server did not answer");
  return G_SOURCE_REMOVE;
}

/**
 * duet_signalling_check_alive:
 *
 * Asks the server for a sign of life now and reconnects if none comes
 * within 2 s: a call that lost its media path wants to know at once
 * whether its signalling went with it.
 */
void
duet_signalling_check_alive (DuetSignalling *self)
{
  g_return_if_fail (DUET_IS_SIGNALLING (self));

  if (!self->ready || self->check_source != 0)
    return;
  self->check_sent = g_get_monotonic_time ();
  send_ping (self);
  self->check_source = g_timeout_add (CHECK_MS, check_cb, self);
}

static gboolean
network_settled_cb (gpointer user_data)
{
  DuetSignalling *self = user_data;

  self->network_source = 0;
  if (self->ws != NULL)
    reconnect_now (self, "the network changed");
  return G_SOURCE_REMOVE;
}

static void
on_network_monitor_network_changed (GNetworkMonitor *monitor,
                                    gboolean         available,
                                    DuetSignalling  *self)
{
  if (!self->running || !available)
    return;
  g_clear_handle_id (&self->network_source, g_source_remove);
  self->network_source = g_timeout_add (NETWORK_SETTLE_MS, network_settled_cb, self);
}

static void
connect_websocket_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(DuetSignalling) self = user_data;
  g_autoptr(GError) error = NULL;
  SoupMessage *msg = self->connect_msg;
  SoupWebsocketConnection *ws;

  ws = soup_session_websocket_connect_finish (SOUP_SESSION (source), result, &error);
  if (ws == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      if (msg != NULL && soup_message_get_status (msg) == SOUP_STATUS_UNAUTHORIZED)
        {
          self->running = FALSE;
          g_signal_emit (self, signals[FATAL], 0, "auth_failed");
          return;
        }
      if (error->domain == G_TLS_ERROR)
        {
          /* An untrusted certificate will not become trusted by retrying */
          g_warning ("TLS: cannot connect securely to %s: %s (CA: %s)", self->server_url,
                     error->message, self->tls_ca_file ? self->tls_ca_file : "system CAs");
          self->running = FALSE;
          g_signal_emit (self, signals[FATAL], 0, "tls_error");
          return;
        }
      g_debug ("Cannot reach %s: %s", self->server_url, error->message);
      schedule_retry (self);
      return;
    }

  self->ws = ws;
  self->last_heard = g_get_monotonic_time ();
  self->watchdog = g_timeout_add_seconds (KEEPALIVE_S, watchdog_cb, self);
  soup_websocket_connection_set_keepalive_interval (ws, KEEPALIVE_S);
  soup_websocket_connection_set_max_incoming_payload_size (ws, 256 * 1024);
  g_signal_connect (ws, "message", G_CALLBACK (on_ws_message), self);
  g_signal_connect (ws, "closed", G_CALLBACK (on_ws_closed), self);
}

static char *
ws_url (const char *server_url)
{
  g_autoptr(GUri) uri = g_uri_parse (server_url, G_URI_FLAGS_NONE, NULL);
  g_autoptr(GUri) ws = NULL;

  if (uri == NULL)
    return NULL;
  ws = g_uri_build (G_URI_FLAGS_NONE,
                    g_str_equal (g_uri_get_scheme (uri), "https") ? "wss" : "ws",
                    NULL, g_uri_get_host (uri), g_uri_get_port (uri), "/v1/ws", NULL, NULL);
  return g_uri_to_string (ws);
}

static void
open_socket (DuetSignalling *self)
{
  g_autofree char *url = ws_url (self->server_url);
  g_autofree char *auth = NULL;
  g_autoptr(SoupMessage) msg = NULL;

  if (url == NULL || (msg = soup_message_new ("GET", url)) == NULL)
    {
      self->running = FALSE;
      g_signal_emit (self, signals[FATAL], 0, "bad_url");
      return;
    }

  auth = g_strdup_printf ("Bearer %s", self->access_token);
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);

  soup_session_websocket_connect_async (self->session, msg, NULL, NULL, G_PRIORITY_DEFAULT,
                                        self->cancellable, connect_websocket_cb, g_object_ref (self));
  /* Kept to read the status (401) if the upgrade fails */
  g_set_object (&self->connect_msg, msg);
}

static void
duet_signalling_dispose (GObject *object)
{
  DuetSignalling *self = DUET_SIGNALLING (object);

  duet_signalling_stop (self);
  if (self->monitor != NULL)
    g_signal_handlers_disconnect_by_data (self->monitor, self);
  g_clear_object (&self->monitor);
  g_queue_clear_full (&self->outbox, (GDestroyNotify) json_object_unref);
  g_hash_table_remove_all (self->pending);
  g_clear_object (&self->session);
  g_clear_object (&self->connect_msg);

  G_OBJECT_CLASS (duet_signalling_parent_class)->dispose (object);
}

static void
duet_signalling_finalize (GObject *object)
{
  DuetSignalling *self = DUET_SIGNALLING (object);

  g_hash_table_unref (self->pending);
  g_free (self->server_url);
  g_free (self->access_token);
  g_free (self->tls_ca_file);

  G_OBJECT_CLASS (duet_signalling_parent_class)->finalize (object);
}

static void
duet_signalling_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  DuetSignalling *self = DUET_SIGNALLING (object);

  switch (prop_id)
    {
    case PROP_READY:
      g_value_set_boolean (value, self->ready);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_signalling_class_init (DuetSignallingClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_signalling_dispose;
  object_class->finalize = duet_signalling_finalize;
  object_class->get_property = duet_signalling_get_property;

  properties[PROP_READY] =
    g_param_spec_boolean ("ready", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* hello (JsonObject): signed in, after every (re)connect */
  signals[HELLO] =
    g_signal_new ("hello", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
  /* event (type, JsonObject): a server push other than hello */
  signals[EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_OBJECT);
  /* fatal (code): no more reconnects: auth_failed, session_replaced,
   * signed_out (after its event), bad_url, tls_error */
  signals[FATAL] =
    g_signal_new ("fatal", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
duet_signalling_init (DuetSignalling *self)
{
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, pending_free);
  g_queue_init (&self->outbox);
  self->backoff_ms = BACKOFF_MIN_MS;
  self->session = soup_session_new_with_options ("timeout", 10, NULL);
  self->monitor = g_object_ref (g_network_monitor_get_default ());
  g_signal_connect (self->monitor, "network-changed", G_CALLBACK (on_network_monitor_network_changed), self);
}

DuetSignalling *
duet_signalling_new (const char *server_url,
                     const char *access_token)
{
  DuetSignalling *self;

  g_return_val_if_fail (server_url != NULL, NULL);
  g_return_val_if_fail (access_token != NULL, NULL);

  self = g_object_new (DUET_TYPE_SIGNALLING, NULL);
  self->server_url = g_strdup (server_url);
  self->access_token = g_strdup (access_token);
  return self;
}

/* Verify the server against the CAs in PATH (PEM) instead of the system
 * CAs. FALSE if the file cannot be loaded: the caller must not start then,
 * rather than silently fall back to the system CAs. */
gboolean
duet_signalling_set_tls_ca_file (DuetSignalling  *self,
                                 const char      *path,
                                 GError         **error)
{
  g_autoptr(GTlsDatabase) database = NULL;

  g_return_val_if_fail (DUET_IS_SIGNALLING (self), FALSE);

  /* Called once, before start; NULL or "" keeps the session's default (system CAs) */
  if (path == NULL || *path == '\0')
    return TRUE;
  g_free (self->tls_ca_file);
  self->tls_ca_file = g_strdup (path);
  database = g_tls_file_database_new (path, error);
  if (database == NULL)
    return FALSE;
  soup_session_set_tls_database (self->session, database);
  return TRUE;
}

/* Used from the next (re)connect on; the open socket stays signed in, as
 * the server checks a token only at sign-in */
void
duet_signalling_set_access_token (DuetSignalling *self,
                                  const char     *access_token)
{
  g_return_if_fail (DUET_IS_SIGNALLING (self));
  g_return_if_fail (access_token != NULL);

  g_free (self->access_token);
  self->access_token = g_strdup (access_token);
}

const char *
duet_signalling_get_server_url (DuetSignalling *self)
{
  g_return_val_if_fail (DUET_IS_SIGNALLING (self), NULL);
  return self->server_url;
}

gboolean
duet_signalling_get_ready (DuetSignalling *self)
{
  g_return_val_if_fail (DUET_IS_SIGNALLING (self), FALSE);
  return self->ready;
}

void
duet_signalling_start (DuetSignalling *self)
{
  g_return_if_fail (DUET_IS_SIGNALLING (self));

  if (self->running)
    return;
  self->running = TRUE;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  open_socket (self);
}

void
duet_signalling_stop (DuetSignalling *self)
{
  g_return_if_fail (DUET_IS_SIGNALLING (self));

  self->running = FALSE;
  g_clear_handle_id (&self->retry_source, g_source_remove);
  g_clear_handle_id (&self->network_source, g_source_remove);
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  drop_socket (self);
}

static void
enqueue (DuetSignalling *self,
         JsonObject     *message)
{
  if (self->ready)
    send_now (self, message);
  else
    g_queue_push_tail (&self->outbox, json_object_ref (message));
}

static gboolean
request_timeout_cb (gpointer data)
{
  Pending *p = data;
  DuetSignalling *self = p->self;
  g_autoptr(GTask) task = g_steal_pointer (&p->task);

  /* Never sent: it must not go out later, when nobody waits for it */
  p->timeout = 0;
  if (g_queue_remove (&self->outbox, p->message))
    json_object_unref (p->message);
  g_hash_table_remove (self->pending, p->id);
  g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_NOT_CONNECTED,
                           "The server did not answer");
  return G_SOURCE_REMOVE;
}

void
duet_signalling_request_async (DuetSignalling      *self,
                               JsonObject          *message,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autofree char *id = NULL;
  Pending *p;

  g_return_if_fail (DUET_IS_SIGNALLING (self));
  g_return_if_fail (message != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, duet_signalling_request_async);

  id = g_strdup_printf ("%u", ++self->next_id);
  duet_message_set_id (message, id);

  if (!self->running)
    {
      g_task_return_new_error (task, DUET_KIT_ERROR, DUET_KIT_ERROR_NOT_CONNECTED,
                               "Not connected to the server");
      return;
    }

  p = g_new0 (Pending, 1);
  p->self = self;
  p->id = g_steal_pointer (&id);
  p->task = g_object_ref (task);
  p->message = json_object_ref (message);
  p->timeout = g_timeout_add_seconds (REQUEST_TIMEOUT_S, request_timeout_cb, p);
  g_hash_table_insert (self->pending, p->id, p);
  enqueue (self, message);
}

/* Returns the server's reply or error object; GError only when none came */
JsonObject *
duet_signalling_request_finish (DuetSignalling  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* Fire and forget; kept across reconnects until the server has it */
void
duet_signalling_send (DuetSignalling *self,
                      JsonObject     *message)
{
  g_autofree char *id = NULL;

  g_return_if_fail (DUET_IS_SIGNALLING (self));

  id = g_strdup_printf ("%u", ++self->next_id);
  duet_message_set_id (message, id);
  enqueue (self, message);
}
