/* duet-redis-bus.c: the bus between servers, on Redis pub/sub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Two connections, as Redis wants: one subscribed to duet:TOPIC for each
 * topic a node listens to, one to publish on. Each reconnects on its own
 * with a growing delay (and resubscribes); what is published while Redis
 * is away is lost, so what goes over the bus must be safe to miss: a
 * node that missed a sign-in elsewhere still learns of it from the store.
 */
#include "config.h"

#include "duet-redis-bus.h"
#include "duet-redis-connection.h"
#include "duet-server-error.h"

#define CONNECT_TIMEOUT_MS 2000
#define RECONNECT_MIN_MS   250
#define RECONNECT_MAX_MS   4000
#define DEFAULT_PORT       6379

/* The topics nodes tell each other about */
static const char *const topics[] = { "sessions", "logins", "cluster" };

typedef struct
{
  DuetRedisConnection *connection;
  guint                retry_source;
  guint                backoff_ms;
} Link;

struct _DuetRedisBus
{
  GObject  parent_instance;

  char    *node_id;
  Link     publisher;
  Link     subscriber;
  gboolean closed;
};

static void duet_redis_bus_iface_init (DuetBusInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DuetRedisBus, duet_redis_bus, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (DUET_TYPE_BUS, duet_redis_bus_iface_init))

/* ---- staying connected ---- */

static void connect_link (DuetRedisBus *self, Link *link);

static void
on_link_connected (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(DuetRedisBus) self = user_data;
  g_autoptr(GError) error = NULL;
  Link *link = source == (GObject *) self->publisher.connection ? &self->publisher : &self->subscriber;

  if (duet_redis_connection_connect_finish (DUET_REDIS_CONNECTION (source), result, &error))
    {
      if (link->backoff_ms > 0)
        g_message ("Bus: Redis is back");
      link->backoff_ms = 0;
      return;
    }
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PENDING))
    g_debug ("Bus: cannot connect to Redis: %s", error->message);
}

static void
connect_link (DuetRedisBus *self,
              Link         *link)
{
  if (self->closed)
    return;
  duet_redis_connection_connect_async (link->connection, CONNECT_TIMEOUT_MS, NULL, on_link_connected,
                                       g_object_ref (self));
}

static gboolean
retry_publisher_cb (gpointer user_data)
{
  DuetRedisBus *self = user_data;

  self->publisher.retry_source = 0;
  connect_link (self, &self->publisher);
  return G_SOURCE_REMOVE;
}

static gboolean
retry_subscriber_cb (gpointer user_data)
{
  DuetRedisBus *self = user_data;

  self->subscriber.retry_source = 0;
  connect_link (self, &self->subscriber);
  return G_SOURCE_REMOVE;
}

static void
on_link_state (DuetRedisConnection *connection,
               GParamSpec          *pspec,
               DuetRedisBus        *self)
{
  Link *link = connection == self->publisher.connection ? &self->publisher : &self->subscriber;

  if (self->closed || duet_redis_connection_get_state (connection) != DUET_REDIS_STATE_DISCONNECTED ||
      link->retry_source != 0)
    return;
  if (link->backoff_ms == 0)
    g_warning ("Bus: lost Redis (%s); calls on this node go on", duet_redis_connection_get_last_error (connection));
  link->backoff_ms = CLAMP (link->backoff_ms * 2, RECONNECT_MIN_MS, RECONNECT_MAX_MS);
  link->retry_source = g_timeout_add (link->backoff_ms,
                                      link == &self->publisher ? retry_publisher_cb : retry_subscriber_cb, self);
}

/* ---- messages ---- */

static void
on_redis_message (DuetRedisConnection *connection,
                  const char          *channel,
                  GBytes              *payload,
                  DuetRedisBus        *self)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  gsize size = 0;
  const char *text = g_bytes_get_data (payload, &size);
  const char *topic;
  JsonNode *root;
  JsonObject *message;

  if (!g_str_has_prefix (channel, "duet:") || !json_parser_load_from_data (parser, text, size, NULL) ||
      (root = json_parser_get_root (parser)) == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_warning ("Bus: a message on %s that is not JSON", channel);
      return;
    }
  message = json_node_get_object (root);
  if (g_strcmp0 (json_object_get_string_member_with_default (message, "node", ""), self->node_id) == 0)
    return;   /* our own */
  /* on our own channel the topic travels in the message */
  if (g_str_has_prefix (channel, "duet:node:"))
    topic = json_object_get_string_member_with_default (message, "topic", NULL);
  else
    topic = channel + strlen ("duet:");
  if (topic != NULL)
    duet_bus_emit_message (DUET_BUS (self), topic, message);
}

static void
on_published (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = duet_redis_connection_command_finish (DUET_REDIS_CONNECTION (source), result, &error);

  if (reply == NULL)
    g_debug ("Bus: a message was not published: %s", error->message);
}

static void
publish_on (DuetRedisBus *self,
            const char   *channel,
            JsonObject   *message)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;
  const char *argv[4] = { "PUBLISH", channel, NULL, NULL };

  json_object_set_string_member (message, "node", self->node_id);
  json_node_set_object (node, message);
  text = json_to_string (node, FALSE);
  argv[2] = text;
  duet_redis_connection_command_async (self->publisher.connection, argv, NULL, on_published, NULL);
}

static void
redis_bus_publish (DuetBus    *bus,
                   const char *topic,
                   JsonObject *message)
{
  g_autofree char *channel = g_strconcat ("duet:", topic, NULL);

  publish_on (DUET_REDIS_BUS (bus), channel, message);
}

static void
redis_bus_send_to (DuetBus    *bus,
                   const char *node_id,
                   const char *topic,
                   JsonObject *message)
{
  g_autofree char *channel = g_strconcat ("duet:node:", node_id, NULL);

  json_object_set_string_member (message, "topic", topic);
  publish_on (DUET_REDIS_BUS (bus), channel, message);
}

/* KEYS[1] the claim, ARGV[1] this node, ARGV[2] the prefix of the nodes'
 * alive keys: the claim is ours unless a node that is alive holds it. A
 * day's expiry only sweeps up claims that nobody released. */
static const char claim_script[] =
  "local holder = redis.call('GET', KEYS[1]) "
  "if holder and holder ~= ARGV[1] and redis.call('EXISTS', ARGV[2] .. holder) == 1 then return 0 end "
  "redis.call('SET', KEYS[1], ARGV[1], 'PX', 86400000) return 1";

/* KEYS[1] the claim, ARGV[1] this node: deleted if it is ours */
static const char release_script[] =
  "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 0";

#define ALIVE_PREFIX "duet:alive:"
#define CLAIM_PREFIX "duet:claim:"

static void
redis_bus_keep_alive (DuetBus *bus,
                      guint    ttl_ms)
{
  DuetRedisBus *self = DUET_REDIS_BUS (bus);
  g_autofree char *key = g_strconcat (ALIVE_PREFIX, self->node_id, NULL);
  g_autofree char *ttl = g_strdup_printf ("%u", ttl_ms);
  const char *argv[] = { "SET", key, "1", "PX", ttl, NULL };

  duet_redis_connection_command_async (self->publisher.connection, argv, NULL, on_published, NULL);
}

static void
on_claimed (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = duet_redis_connection_command_finish (DUET_REDIS_CONNECTION (source), result, &error);

  if (reply == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, g_variant_is_of_type (reply, G_VARIANT_TYPE_INT64) &&
                                 g_variant_get_int64 (reply) == 1);
}

static void
redis_bus_claim_async (DuetBus             *bus,
                       const char          *name,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  DuetRedisBus *self = DUET_REDIS_BUS (bus);
  g_autofree char *key = g_strconcat (CLAIM_PREFIX, name, NULL);
  const char *argv[] = { "EVAL", claim_script, "1", key, self->node_id, ALIVE_PREFIX, NULL };
  GTask *task = g_task_new (self, NULL, callback, user_data);

  g_task_set_source_tag (task, redis_bus_claim_async);
  duet_redis_connection_command_async (self->publisher.connection, argv, NULL, on_claimed, task);
}

static gboolean
redis_bus_claim_finish (DuetBus       *bus,
                        GAsyncResult  *result,
                        GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
redis_bus_release (DuetBus    *bus,
                   const char *name)
{
  DuetRedisBus *self = DUET_REDIS_BUS (bus);
  g_autofree char *key = g_strconcat (CLAIM_PREFIX, name, NULL);
  const char *argv[] = { "EVAL", release_script, "1", key, self->node_id, NULL };

  duet_redis_connection_command_async (self->publisher.connection, argv, NULL, on_published, NULL);
}

static const char *
redis_bus_get_node_id (DuetBus *bus)
{
  return DUET_REDIS_BUS (bus)->node_id;
}

static gboolean
redis_bus_is_available (DuetBus *bus)
{
  DuetRedisBus *self = DUET_REDIS_BUS (bus);

  return duet_redis_connection_get_state (self->publisher.connection) == DUET_REDIS_STATE_READY &&
         duet_redis_connection_get_state (self->subscriber.connection) == DUET_REDIS_STATE_READY;
}

static void
close_link (Link *link)
{
  g_clear_handle_id (&link->retry_source, g_source_remove);
  if (link->connection != NULL)
    duet_redis_connection_close (link->connection);
}

static void
redis_bus_close (DuetBus *bus)
{
  DuetRedisBus *self = DUET_REDIS_BUS (bus);

  self->closed = TRUE;
  close_link (&self->publisher);
  close_link (&self->subscriber);
}

/* ---- object ---- */

/**
 * duet_redis_bus_new:
 * @uri: redis://IP[:PORT] (an address: hiredis would resolve a name blocking)
 *
 * Connects in the background; the bus says when it is available.
 */
DuetBus *
duet_redis_bus_new (const char  *uri,
                    GError     **error)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NONE, NULL);
  g_autoptr(DuetRedisBus) self = NULL;
  g_autofree char *own_channel = NULL;
  const char *host;
  int port;

  if (parsed == NULL || g_strcmp0 (g_uri_get_scheme (parsed), "redis") != 0 ||
      (host = g_uri_get_host (parsed)) == NULL || !g_hostname_is_ip_address (host))
    {
      g_set_error (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_INVALID_CONFIG,
                   "--bus takes redis://ADDRESS[:PORT] with an IP address, not “%s”", uri);
      return NULL;
    }
  port = g_uri_get_port (parsed) > 0 ? g_uri_get_port (parsed) : DEFAULT_PORT;

  self = g_object_new (DUET_TYPE_REDIS_BUS, NULL);
  self->publisher.connection = duet_redis_connection_new (host, port);
  self->subscriber.connection = duet_redis_connection_new (host, port);
  g_signal_connect (self->subscriber.connection, "message", G_CALLBACK (on_redis_message), self);
  for (guint i = 0; i < G_N_ELEMENTS (topics); i++)
    {
      g_autofree char *channel = g_strconcat ("duet:", topics[i], NULL);

      duet_redis_connection_subscribe (self->subscriber.connection, channel);
    }
  own_channel = g_strconcat ("duet:node:", self->node_id, NULL);
  duet_redis_connection_subscribe (self->subscriber.connection, own_channel);
  g_signal_connect (self->publisher.connection, "notify::state", G_CALLBACK (on_link_state), self);
  g_signal_connect (self->subscriber.connection, "notify::state", G_CALLBACK (on_link_state), self);
  connect_link (self, &self->publisher);
  connect_link (self, &self->subscriber);
  return DUET_BUS (g_steal_pointer (&self));
}

static void
duet_redis_bus_dispose (GObject *object)
{
  DuetRedisBus *self = DUET_REDIS_BUS (object);

  redis_bus_close (DUET_BUS (self));
  if (self->publisher.connection != NULL)
    g_signal_handlers_disconnect_by_data (self->publisher.connection, self);
  if (self->subscriber.connection != NULL)
    g_signal_handlers_disconnect_by_data (self->subscriber.connection, self);
  g_clear_object (&self->publisher.connection);
  g_clear_object (&self->subscriber.connection);
  G_OBJECT_CLASS (duet_redis_bus_parent_class)->dispose (object);
}

static void
duet_redis_bus_finalize (GObject *object)
{
  g_free (DUET_REDIS_BUS (object)->node_id);
  G_OBJECT_CLASS (duet_redis_bus_parent_class)->finalize (object);
}

static void
duet_redis_bus_class_init (DuetRedisBusClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = duet_redis_bus_dispose;
  G_OBJECT_CLASS (klass)->finalize = duet_redis_bus_finalize;
}

static void
duet_redis_bus_iface_init (DuetBusInterface *iface)
{
  iface->get_node_id = redis_bus_get_node_id;
  iface->publish = redis_bus_publish;
  iface->send_to = redis_bus_send_to;
  iface->keep_alive = redis_bus_keep_alive;
  iface->claim_async = redis_bus_claim_async;
  iface->claim_finish = redis_bus_claim_finish;
  iface->release = redis_bus_release;
  iface->is_available = redis_bus_is_available;
  iface->close = redis_bus_close;
}

static void
duet_redis_bus_init (DuetRedisBus *self)
{
  self->node_id = g_uuid_string_random ();
}
