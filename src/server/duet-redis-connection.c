/* duet-redis-connection.c: one Redis connection (hiredis) on the GLib
 * main context it was made in
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hiredis 0.14's asynchronous context, driven by a GSource of our own
 * rather than the adapter it ships: that one's dispatch handles a write
 * and then a read on the same context, and a write error frees the
 * context in between (hiredis #343). Here the context's cleanup hook
 * clears the source's pointer, and dispatch looks again before reading.
 * hiredis 0.14 has no connect timeout and no reconnect: both are ours.
 * It resolves host names with a blocking getaddrinfo, so this takes an
 * IP address. A connection that subscribed to channels subscribes again
 * each time it connects.
 */
#include "config.h"

#include <string.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "duet-redis-connection.h"

typedef struct
{
  GSource              source;
  redisAsyncContext   *ac;       /* NULL once hiredis has freed it */
  gpointer             tag;
  GIOCondition         events;
} RedisSource;

struct _DuetRedisConnection
{
  GObject              parent_instance;

  char                *address;
  guint16              port;
  GMainContext        *context;
  redisAsyncContext   *ac;
  RedisSource         *source;
  DuetRedisState       state;
  char                *last_error;

  GTask               *connecting;
  GSource             *connect_timer;
  guint                connect_timeout_ms;
  GPtrArray           *channels;
};

enum {
  PROP_0,
  PROP_STATE,
  N_PROPS
};

enum {
  MESSAGE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_QUARK (duet-redis-error-quark, duet_redis_error)
G_DEFINE_FINAL_TYPE (DuetRedisConnection, duet_redis_connection, G_TYPE_OBJECT)

/* ---- the source ---- */

static gboolean
redis_source_dispatch (GSource     *base,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  RedisSource *source = (RedisSource *) base;
  GIOCondition ready = source->tag != NULL ? g_source_query_unix_fd (base, source->tag) : 0;

  if (source->ac != NULL && (ready & (G_IO_OUT | G_IO_ERR | G_IO_HUP)) && (source->events & G_IO_OUT))
    redisAsyncHandleWrite (source->ac);
  /* the write may have failed and freed the context */
  if (source->ac != NULL && (ready & (G_IO_IN | G_IO_ERR | G_IO_HUP)))
    redisAsyncHandleRead (source->ac);
  return source->ac != NULL ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static GSourceFuncs redis_source_funcs = {
  .dispatch = redis_source_dispatch,
};

static void
update_events (RedisSource  *source,
               GIOCondition  add,
               GIOCondition  remove)
{
  source->events = (source->events | add) & ~remove;
  if (source->tag != NULL)
    g_source_modify_unix_fd ((GSource *) source, source->tag, source->events);
}

static void ev_add_read (void *data) { update_events (data, G_IO_IN, 0); }
static void ev_del_read (void *data) { update_events (data, 0, G_IO_IN); }
static void ev_add_write (void *data) { update_events (data, G_IO_OUT, 0); }
static void ev_del_write (void *data) { update_events (data, 0, G_IO_OUT); }

/* hiredis is freeing the context: nothing may touch it after this */
static void
ev_cleanup (void *data)
{
  RedisSource *source = data;

  source->ac = NULL;
  g_source_destroy ((GSource *) source);
}

static RedisSource *
redis_source_new (redisAsyncContext *ac,
                  GMainContext      *context)
{
  RedisSource *source = (RedisSource *) g_source_new (&redis_source_funcs, sizeof (RedisSource));

  source->ac = ac;
  source->tag = g_source_add_unix_fd ((GSource *) source, ac->c.fd, 0);
  g_source_set_static_name ((GSource *) source, "[duet] redis socket");
  ac->ev.data = source;
  ac->ev.addRead = ev_add_read;
  ac->ev.delRead = ev_del_read;
  ac->ev.addWrite = ev_add_write;
  ac->ev.delWrite = ev_del_write;
  ac->ev.cleanup = ev_cleanup;
  g_source_attach ((GSource *) source, context);
  return source;
}

/* ---- state ---- */

static void
set_state (DuetRedisConnection *self,
           DuetRedisState       state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

static void
clear_timer (DuetRedisConnection *self)
{
  if (self->connect_timer != NULL)
    g_source_destroy (self->connect_timer);
  g_clear_pointer (&self->connect_timer, g_source_unref);
}

/* hiredis has freed (or is freeing) the context */
static void
forget_context (DuetRedisConnection *self,
                const char          *why)
{
  g_autoptr(GTask) connecting = g_steal_pointer (&self->connecting);

  self->ac = NULL;
  if (self->source != NULL)
    g_source_unref ((GSource *) g_steal_pointer (&self->source));
  clear_timer (self);
  g_free (self->last_error);
  self->last_error = g_strdup (why);
  set_state (self, DUET_REDIS_STATE_DISCONNECTED);
  if (connecting != NULL)
    g_task_return_new_error (connecting, DUET_REDIS_ERROR, DUET_REDIS_ERROR_UNAVAILABLE, "%s", why);
}

static DuetRedisConnection *
owner_of (const redisAsyncContext *ac)
{
  return ac->data;
}

/* ---- replies ---- */

static GVariant *
variant_from_reply (const redisReply *reply)
{
  switch (reply->type)
    {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      if (g_utf8_validate (reply->str, reply->len, NULL) && memchr (reply->str, '\0', reply->len) == NULL)
        return g_variant_new_take_string (g_strndup (reply->str, reply->len));
      return g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, reply->str, reply->len, 1);
    case REDIS_REPLY_INTEGER:
      return g_variant_new_int64 (reply->integer);
    case REDIS_REPLY_ARRAY:
      {
        GVariantBuilder builder;

        g_variant_builder_init (&builder, G_VARIANT_TYPE ("av"));
        for (size_t i = 0; i < reply->elements; i++)
          g_variant_builder_add (&builder, "v", variant_from_reply (reply->element[i]));
        return g_variant_builder_end (&builder);
      }
    case REDIS_REPLY_NIL:
    default:
      return g_variant_new_maybe (G_VARIANT_TYPE_STRING, NULL);
    }
}

static void
on_command_reply (redisAsyncContext *ac,
                  void              *r,
                  void              *privdata)
{
  g_autoptr(GTask) task = privdata;
  redisReply *reply = r;

  if (reply == NULL)
    g_task_return_new_error (task, DUET_REDIS_ERROR, DUET_REDIS_ERROR_UNAVAILABLE, "%s",
                             ac->errstr[0] != '\0' ? ac->errstr : "The connection to Redis was lost");
  else if (reply->type == REDIS_REPLY_ERROR)
    g_task_return_new_error (task, DUET_REDIS_ERROR, DUET_REDIS_ERROR_REPLY, "%.*s", (int) reply->len, reply->str);
  else
    g_task_return_pointer (task, g_variant_ref_sink (variant_from_reply (reply)), (GDestroyNotify) g_variant_unref);
}

/* ---- pub/sub ---- */

/* Called for the subscription's confirmation and for every message, and
 * with no reply when the connection goes */
static void
on_subscription (redisAsyncContext *ac,
                 void              *r,
                 void              *privdata)
{
  DuetRedisConnection *self = privdata;
  redisReply *reply = r;
  g_autoptr(GBytes) payload = NULL;
  g_autofree char *channel = NULL;

  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
      reply->element[0]->type != REDIS_REPLY_STRING || reply->element[1]->type != REDIS_REPLY_STRING ||
      reply->element[2]->type != REDIS_REPLY_STRING ||
      g_strcmp0 (reply->element[0]->str, "message") != 0)
    return;
  channel = g_strndup (reply->element[1]->str, reply->element[1]->len);
  payload = g_bytes_new (reply->element[2]->str, reply->element[2]->len);
  g_signal_emit (self, signals[MESSAGE], 0, channel, payload);
}

static void
send_subscribe (DuetRedisConnection *self,
                const char          *channel)
{
  redisAsyncCommand (self->ac, on_subscription, self, "SUBSCRIBE %s", channel);
}

/**
 * duet_redis_connection_subscribe:
 *
 * From now on, and again after each reconnect, messages on @channel come
 * as ::message. A connection that subscribes takes no other commands.
 */
void
duet_redis_connection_subscribe (DuetRedisConnection *self,
                                 const char          *channel)
{
  g_return_if_fail (DUET_IS_REDIS_CONNECTION (self));

  for (guint i = 0; i < self->channels->len; i++)
    if (g_str_equal (g_ptr_array_index (self->channels, i), channel))
      return;
  g_ptr_array_add (self->channels, g_strdup (channel));
  if (self->state == DUET_REDIS_STATE_READY)
    send_subscribe (self, channel);
}

/* ---- connecting ---- */

static void
on_connect (const redisAsyncContext *ac,
            int                      status)
{
  DuetRedisConnection *self = owner_of (ac);
  g_autoptr(GTask) connecting = NULL;

  if (ac != self->ac)
    return;   /* one we gave up on */
  if (status != REDIS_OK)
    {
      /* hiredis frees the context after this, without a disconnect */
      forget_context (self, ac->errstr[0] != '\0' ? ac->errstr : "Cannot connect to Redis");
      return;
    }
  clear_timer (self);
  g_clear_pointer (&self->last_error, g_free);
  set_state (self, DUET_REDIS_STATE_READY);
  for (guint i = 0; i < self->channels->len; i++)
    send_subscribe (self, g_ptr_array_index (self->channels, i));
  connecting = g_steal_pointer (&self->connecting);
  if (connecting != NULL)
    g_task_return_boolean (connecting, TRUE);
}

static void
on_disconnect (const redisAsyncContext *ac,
               int                      status)
{
  DuetRedisConnection *self = owner_of (ac);

  if (ac != self->ac)
    return;   /* closed already, freed later by hiredis */
  forget_context (self, status == REDIS_OK ? "The connection to Redis was closed"
                        : ac->errstr[0] != '\0' ? ac->errstr : "The connection to Redis was lost");
}

static gboolean
on_connect_timeout (gpointer user_data)
{
  DuetRedisConnection *self = user_data;
  g_autofree char *why = g_strdup_printf ("No connection to Redis within %u ms", self->connect_timeout_ms);
  g_autoptr(GTask) connecting = g_steal_pointer (&self->connecting);

  redisAsyncContext *ac = self->ac;

  g_clear_pointer (&self->connect_timer, g_source_unref);
  /* a context that never connected gets no callback when freed */
  forget_context (self, why);
  if (ac != NULL)
    redisAsyncFree (ac);
  if (connecting != NULL)
    g_task_return_new_error (connecting, DUET_REDIS_ERROR, DUET_REDIS_ERROR_TIMEOUT, "%s", why);
  return G_SOURCE_REMOVE;
}

/**
 * duet_redis_connection_connect_async:
 * @timeout_ms: give up after this long (hiredis 0.14 has no timeout of
 *   its own for an asynchronous connect)
 */
void
duet_redis_connection_connect_async (DuetRedisConnection *self,
                                     guint                timeout_ms,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_return_if_fail (DUET_IS_REDIS_CONNECTION (self));
  g_task_set_source_tag (task, duet_redis_connection_connect_async);

  if (self->state != DUET_REDIS_STATE_DISCONNECTED)
    {
      if (self->state == DUET_REDIS_STATE_READY)
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING, "Already connecting");
      return;
    }

  self->ac = redisAsyncConnect (self->address, self->port);
  if (self->ac == NULL || self->ac->err)
    {
      g_autofree char *why = g_strdup (self->ac != NULL ? self->ac->errstr : "Out of memory");

      g_clear_pointer (&self->ac, redisAsyncFree);
      g_free (self->last_error);
      self->last_error = g_strdup (why);
      g_task_return_new_error (task, DUET_REDIS_ERROR, DUET_REDIS_ERROR_UNAVAILABLE, "%s", why);
      return;
    }
  self->ac->data = self;
  self->source = redis_source_new (self->ac, self->context);
  redisAsyncSetConnectCallback (self->ac, on_connect);
  redisAsyncSetDisconnectCallback (self->ac, on_disconnect);
  /* hiredis asked to write (to learn the connect's outcome) before the
   * hooks existed */
  update_events (self->source, G_IO_OUT, 0);

  self->connecting = g_steal_pointer (&task);
  self->connect_timeout_ms = timeout_ms;
  self->connect_timer = g_timeout_source_new (timeout_ms);
  g_source_set_callback (self->connect_timer, on_connect_timeout, self, NULL);
  g_source_attach (self->connect_timer, self->context);
  set_state (self, DUET_REDIS_STATE_CONNECTING);
}

gboolean
duet_redis_connection_connect_finish (DuetRedisConnection  *self,
                                      GAsyncResult         *result,
                                      GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- commands ---- */

/**
 * duet_redis_connection_command_async:
 * @argv: (array zero-terminated=1): the command and its arguments, each
 *   sent as one binary-safe argument
 *
 * Fails with %DUET_REDIS_ERROR_UNAVAILABLE if the connection is not up or
 * goes before the reply.
 */
void
duet_redis_connection_command_async (DuetRedisConnection *self,
                                     const char * const  *argv,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (self, cancellable, callback, user_data);
  int argc = (int) g_strv_length ((char **) argv);
  g_autofree size_t *lengths = g_new (size_t, argc);

  g_return_if_fail (DUET_IS_REDIS_CONNECTION (self));
  g_task_set_source_tag (task, duet_redis_connection_command_async);

  if (self->state != DUET_REDIS_STATE_READY)
    {
      g_task_return_new_error (task, DUET_REDIS_ERROR, DUET_REDIS_ERROR_UNAVAILABLE, "%s",
                               self->last_error != NULL ? self->last_error : "Not connected to Redis");
      return;
    }
  for (int i = 0; i < argc; i++)
    lengths[i] = strlen (argv[i]);
  /* the reply callback holds the task's reference */
  if (redisAsyncCommandArgv (self->ac, on_command_reply, g_object_ref (task), argc, (const char **) argv,
                             lengths) != REDIS_OK)
    {
      g_object_unref (task);
      g_task_return_new_error (task, DUET_REDIS_ERROR, DUET_REDIS_ERROR_UNAVAILABLE, "Cannot send to Redis");
    }
}

/**
 * duet_redis_connection_command_finish:
 *
 * Returns: (transfer full): the reply: a string ("s", or "ay" when it is
 *   not text), an integer ("x"), an array ("av"), or nil (an empty "ms")
 */
GVariant *
duet_redis_connection_command_finish (DuetRedisConnection  *self,
                                      GAsyncResult         *result,
                                      GError              **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- object ---- */

/**
 * duet_redis_connection_close:
 *
 * Disconnects; commands waiting for replies fail as unavailable.
 */
void
duet_redis_connection_close (DuetRedisConnection *self)
{
  g_return_if_fail (DUET_IS_REDIS_CONNECTION (self));

  redisAsyncContext *ac = self->ac;

  if (ac == NULL)
    return;
  if (self->state == DUET_REDIS_STATE_CONNECTING)
    {
      /* never connected: freed at once, with no callback */
      forget_context (self, "The connection to Redis was closed");
      redisAsyncFree (ac);
      return;
    }
  /* on_disconnect runs now, or (replies still due, or inside a
   * callback) when hiredis frees it; either way this one is done */
  redisAsyncDisconnect (ac);
  if (self->ac == ac)
    forget_context (self, "The connection to Redis was closed");
}

DuetRedisState
duet_redis_connection_get_state (DuetRedisConnection *self)
{
  g_return_val_if_fail (DUET_IS_REDIS_CONNECTION (self), DUET_REDIS_STATE_DISCONNECTED);

  return self->state;
}

const char *
duet_redis_connection_get_last_error (DuetRedisConnection *self)
{
  g_return_val_if_fail (DUET_IS_REDIS_CONNECTION (self), NULL);

  return self->last_error;
}

/**
 * duet_redis_connection_new:
 * @address: an IP address (a host name would be resolved blocking)
 */
DuetRedisConnection *
duet_redis_connection_new (const char *address,
                           guint16     port)
{
  DuetRedisConnection *self = g_object_new (DUET_TYPE_REDIS_CONNECTION, NULL);

  self->address = g_strdup (address);
  self->port = port;
  return self;
}

static void
duet_redis_connection_dispose (GObject *object)
{
  DuetRedisConnection *self = DUET_REDIS_CONNECTION (object);

  duet_redis_connection_close (self);
  G_OBJECT_CLASS (duet_redis_connection_parent_class)->dispose (object);
}

static void
duet_redis_connection_finalize (GObject *object)
{
  DuetRedisConnection *self = DUET_REDIS_CONNECTION (object);

  g_free (self->address);
  g_free (self->last_error);
  g_ptr_array_unref (self->channels);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (duet_redis_connection_parent_class)->finalize (object);
}

static void
duet_redis_connection_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  DuetRedisConnection *self = DUET_REDIS_CONNECTION (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_redis_connection_class_init (DuetRedisConnectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_redis_connection_dispose;
  object_class->finalize = duet_redis_connection_finalize;
  object_class->get_property = duet_redis_connection_get_property;

  /* state: a DuetRedisState */
  properties[PROP_STATE] =
    g_param_spec_int ("state", NULL, NULL, DUET_REDIS_STATE_DISCONNECTED, DUET_REDIS_STATE_READY,
                      DUET_REDIS_STATE_DISCONNECTED, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* message (channel, payload): published on a subscribed channel */
  signals[MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_BYTES);
}

static void
duet_redis_connection_init (DuetRedisConnection *self)
{
  self->context = g_main_context_ref_thread_default ();
  self->channels = g_ptr_array_new_with_free_func (g_free);
}
