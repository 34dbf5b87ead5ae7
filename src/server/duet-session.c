/* duet-session.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-session.h"
#include "duet-token-bucket.h"

#define MAX_REJECTIONS         200

struct _DuetSession
{
  GObject                  parent_instance;

  DuetWsChannel           *channel;
  GSocket                 *socket;           /* the acceptor's key for it */
  DuetMetrics             *metrics;
  char                    *service;
  char                    *user;
  gint64                   account_id;
  gint64                   token_version;
  char                    *device_id;
  gint64                   device_key;
  gboolean                 authenticated;
  gboolean                 closing;          /* we closed it: ignore the rest */
  gboolean                 closed;
  guint                    auth_timeout;

  /* Until sign-in the connection has a budget of its own; then it shares
   * its account's, which outlives the connection */
  DuetTokenBucket          own_budget;
  DuetTokenBucket         *budget;
  gpointer                 budget_owner;
  GDestroyNotify           release_budget;
  guint                    rejections;
  gint64                   ice_sent_at;      /* monotonic µs of the last ICE server list */
  gint64                   signed_in_at;     /* real µs: of two connections of a device, the later wins */

  /* A device connected to another node: what is sent goes over the bus */
  DuetBus                 *bus;
  char                    *node_id;
};

G_DEFINE_FINAL_TYPE (DuetSession, duet_session, G_TYPE_OBJECT)

enum {
  REQUEST,
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
duet_session_dispose (GObject *object)
{
  DuetSession *self = DUET_SESSION (object);

  g_clear_handle_id (&self->auth_timeout, g_source_remove);
  /* a channel let go of closes its connection (1001) */
  if (self->channel != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->channel, self);
      g_clear_object (&self->channel);
    }
  g_clear_object (&self->socket);
  g_clear_object (&self->bus);
  G_OBJECT_CLASS (duet_session_parent_class)->dispose (object);
}

static void
duet_session_finalize (GObject *object)
{
  DuetSession *self = DUET_SESSION (object);

  g_free (self->service);
  g_free (self->device_id);
  g_free (self->user);
  g_free (self->node_id);
  if (self->release_budget != NULL)
    self->release_budget (self->budget_owner);
  G_OBJECT_CLASS (duet_session_parent_class)->finalize (object);
}

static void
duet_session_class_init (DuetSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_session_dispose;
  object_class->finalize = duet_session_finalize;

  /**
   * DuetSession::request:
   * @message: the parsed JSON object
   * @type: its `type`
   * @id: its request id
   *
   * A well-formed request arrived. Requests other than `auth` only
   * arrive once the session is authenticated.
   */
  signals[REQUEST] = g_signal_new ("request", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                   JSON_TYPE_OBJECT, G_TYPE_STRING, G_TYPE_STRING);
  signals[CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
duet_session_init (DuetSession *self)
{
  duet_token_bucket_init (&self->own_budget, DUET_SESSION_RATE_PER_SECOND, DUET_SESSION_RATE_BURST);
  self->budget = &self->own_budget;
}


static gboolean
is_blank (const char *data,
          gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (!g_ascii_isspace (data[i]))
      return FALSE;
  return TRUE;
}

static void
handle_text (DuetSession *self,
             const char  *data,
             gsize        length)
{
  g_autoptr(JsonObject) message = NULL;
  g_autoptr(GError) error = NULL;
  const char *id;
  const char *type;

  /* json-glib takes "" for a document without a root; it is not JSON */
  if (is_blank (data, length))
    {
      duet_session_send_error (self, NULL, DUET_PROTOCOL_ERROR_BAD_JSON, "Empty message");
      return;
    }

  message = duet_protocol_parse_message (data, length, &error);
  if (message == NULL)
    {
      duet_session_send_gerror (self, NULL, error);
      return;
    }

  id = duet_message_read_id (message, &error);
  if (id == NULL)
    {
      duet_session_send_gerror (self, NULL, error);
      return;
    }

  type = duet_message_read_type (message, &error);
  if (type == NULL)
    {
      duet_session_send_gerror (self, id, error);
      return;
    }

  if (!self->authenticated && duet_request_type_from_string (type) != DUET_REQUEST_AUTH)
    {
      duet_session_send_error (self, id, DUET_PROTOCOL_ERROR_NOT_AUTHENTICATED, "Send “auth” first");
      return;
    }

  /* Keep ourselves alive: the handler may close and drop this session */
  g_object_ref (self);
  g_signal_emit (self, signals[REQUEST], 0, message, type, id);
  g_object_unref (self);
}

static void
on_channel_message (DuetWsChannel *channel,
                    int            data_type,
                    GBytes        *payload,
                    DuetSession   *self)
{
  gsize length = 0;
  const char *data = g_bytes_get_data (payload, &length);

  /* Replaced, revoked or refused: from the moment we decided to close,
   * nothing the client still sends may act (libsoup keeps delivering
   * frames while the close handshake runs) */
  if (self->closing)
    return;

  self->metrics->messages++;

  if (!duet_token_bucket_take (self->budget))
    {
      duet_session_send_error (self, NULL, DUET_PROTOCOL_ERROR_RATE_LIMITED,
                               "Too many messages; this one was dropped");
      if (++self->rejections >= MAX_REJECTIONS)
        duet_session_close (self, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "rate limit");
      return;
    }

  if (data_type != SOUP_WEBSOCKET_DATA_TEXT)
    {
      duet_session_send_error (self, NULL, DUET_PROTOCOL_ERROR_BAD_JSON,
                               "Only text frames are accepted");
      return;
    }

  if (length > DUET_PROTOCOL_MAX_MESSAGE_SIZE)
    {
      duet_session_send_error (self, NULL, DUET_PROTOCOL_ERROR_TOO_LARGE,
                               "Message over 64 KiB");
      return;
    }

  handle_text (self, data, length);
}

static void
on_channel_stopped_reading (DuetWsChannel *channel,
                            guint64        backlog,
                            DuetSession   *self)
{
  g_message ("Closing a connection of %s/%s: it stopped reading (%" G_GUINT64_FORMAT " bytes waiting)",
             self->service ? self->service : "-", self->user ? self->user : "-", backlog);
  self->metrics->slow_clients_closed++;
  self->closing = TRUE;
}

static void
on_channel_closed (DuetWsChannel *channel,
                   guint          code,
                   DuetSession   *self)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  g_clear_handle_id (&self->auth_timeout, g_source_remove);
  g_signal_emit (self, signals[CLOSED], 0);
}

static gboolean
on_auth_timeout (gpointer user_data)
{
  DuetSession *self = user_data;

  self->auth_timeout = 0;
  if (!self->authenticated)
    duet_session_close (self, DUET_SESSION_CLOSE_AUTH, "no auth");
  return G_SOURCE_REMOVE;
}

DuetSession *
duet_session_new (DuetWsChannel *channel,
                  GSocket       *socket,
                  DuetMetrics   *metrics,
                  guint          auth_timeout_s)
{
  DuetSession *self = g_object_new (DUET_TYPE_SESSION, NULL);

  self->channel = g_object_ref (channel);
  self->socket = socket ? g_object_ref (socket) : NULL;
  self->metrics = metrics;
  g_signal_connect (channel, "message", G_CALLBACK (on_channel_message), self);
  g_signal_connect (channel, "stopped-reading", G_CALLBACK (on_channel_stopped_reading), self);
  g_signal_connect (channel, "closed", G_CALLBACK (on_channel_closed), self);
  self->auth_timeout = g_timeout_add_seconds (auth_timeout_s, on_auth_timeout, self);
  return self;
}

/**
 * duet_session_new_remote:
 * @node_id: the node that holds the device's connection
 *
 * Stands for a device signed in to another node, so that the call router
 * treats it as any other: what it sends to it goes to that node over
 * @bus, which sends it on. It is open until closed.
 */
DuetSession *
duet_session_new_remote (DuetBus     *bus,
                         const char  *node_id,
                         DuetMetrics *metrics,
                         const char  *service,
                         const char  *user,
                         gint64       account_id,
                         const char  *device_id)
{
  DuetSession *self = g_object_new (DUET_TYPE_SESSION, NULL);

  self->bus = g_object_ref (bus);
  self->node_id = g_strdup (node_id);
  self->metrics = metrics;
  duet_session_set_authenticated (self, service, user, account_id, 0, device_id, 0);
  return self;
}

gboolean
duet_session_is_remote (DuetSession *self)
{
  return self->bus != NULL;
}

const char *
duet_session_get_node_id (DuetSession *self)
{
  return self->node_id;
}

/* When it signed in, wall-clock µs (comparable across nodes, as far as
 * their clocks agree) */
gint64
duet_session_get_signed_in_at (DuetSession *self)
{
  return self->signed_in_at;
}

void
duet_session_set_signed_in_at (DuetSession *self,
                               gint64       real_us)
{
  self->signed_in_at = real_us;
}

gboolean
duet_session_is_authenticated (DuetSession *self)
{
  return self->authenticated;
}

void
duet_session_set_authenticated (DuetSession *self,
                                const char  *service,
                                const char  *user,
                                gint64       account_id,
                                gint64       token_version,
                                const char  *device_id,
                                gint64       device_key)
{
  g_return_if_fail (!self->authenticated);

  self->authenticated = TRUE;
  self->service = g_strdup (service);
  self->user = g_strdup (user);
  self->account_id = account_id;
  self->token_version = token_version;
  self->device_id = g_strdup (device_id);
  self->device_key = device_key;
  self->signed_in_at = g_get_real_time ();
  g_clear_handle_id (&self->auth_timeout, g_source_remove);
}

/* Messages from now on draw on @budget; @owner is released with the session */
void
duet_session_set_budget (DuetSession     *self,
                         DuetTokenBucket *budget,
                         gpointer         owner,
                         GDestroyNotify   release_owner)
{
  g_return_if_fail (self->release_budget == NULL);

  self->budget = budget;
  self->budget_owner = owner;
  self->release_budget = release_owner;
}

gint64
duet_session_get_account_id (DuetSession *self)
{
  return self->account_id;
}

GSocket *
duet_session_get_socket (DuetSession *self)
{
  return self->socket;
}

const char *
duet_session_get_service (DuetSession *self)
{
  return self->service;
}

const char *
duet_session_get_user (DuetSession *self)
{
  return self->user;
}

gint64
duet_session_get_token_version (DuetSession *self)
{
  return self->token_version;
}

/* The device this connection is; every signed-in session has one */
const char *
duet_session_get_device_id (DuetSession *self)
{
  return self->device_id;
}

/* Which side of @call this device is, if any */
DuetCallParty
duet_session_get_call_party (DuetSession    *self,
                             DuetCallRecord *call)
{
  return duet_call_record_get_device_party (call, self->account_id, self->device_id);
}

gint64
duet_session_get_device_key (DuetSession *self)
{
  return self->device_key;
}

gboolean
duet_session_is_open (DuetSession *self)
{
  if (self->bus != NULL)
    return !self->closing && !self->closed;
  return !self->closing && !self->closed && self->channel != NULL &&
         duet_ws_channel_is_open (self->channel);
}

/* When the client last got STUN/TURN servers (and TURN credentials), so
 * the server can renew them before they expire */
gint64
duet_session_get_ice_sent_at (DuetSession *self)
{
  return self->ice_sent_at;
}

void
duet_session_set_ice_sent_at (DuetSession *self,
                              gint64       monotonic_us)
{
  self->ice_sent_at = monotonic_us;
}

/* To the node that holds the connection: see DuetDirectory */
static void
send_remote (DuetSession *self,
             JsonObject  *message)
{
  g_autoptr(JsonObject) envelope = json_object_new ();

  json_object_set_string_member (envelope, "service", self->service);
  json_object_set_string_member (envelope, "user", self->user);
  json_object_set_string_member (envelope, "device", self->device_id);
  json_object_set_object_member (envelope, "message", message);
  duet_bus_send_to (self->bus, self->node_id, "deliver", envelope);
}

/* Takes @message, built by duet-messages.h */
void
duet_session_send (DuetSession *self,
                   JsonObject  *message)
{
  g_autoptr(JsonObject) owned = message;
  if (!duet_session_is_open (self))
    return;
  if (self->bus != NULL)
    {
      send_remote (self, g_steal_pointer (&owned));
      return;
    }
  duet_ws_channel_send_text (self->channel, duet_protocol_serialize (owned));
}

void
duet_session_send_error_message (DuetSession            *self,
                                 const char             *id,
                                 const DuetErrorMessage *error)
{
  if ((guint) error->code < DUET_METRICS_N_ERROR_CODES)
    self->metrics->messages_rejected[error->code]++;
  duet_session_send (self, duet_error_message_build (id, error));
}

void
duet_session_send_error (DuetSession       *self,
                         const char        *id,
                         DuetProtocolError  code,
                         const char        *text)
{
  DuetErrorMessage error = { .code = code, .message = (char *) text };

  duet_session_send_error_message (self, id, &error);
}

/* A protocol or start-fail error as it is; anything else is `internal` */
void
duet_session_send_gerror (DuetSession  *self,
                          const char   *id,
                          const GError *error)
{
  g_auto(DuetErrorMessage) message = { 0 };

  duet_error_message_init_from_gerror (&message, error);
  duet_session_send_error_message (self, id, &message);
}

void
duet_session_close (DuetSession *self,
                    gushort      code,
                    const char  *reason)
{
  gboolean open = duet_session_is_open (self);

  self->closing = TRUE;
  if (open && self->channel != NULL)
    duet_ws_channel_close (self->channel, code, reason);
}
