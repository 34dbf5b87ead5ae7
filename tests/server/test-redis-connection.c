/* test-redis-connection.c: DuetRedisConnection against a real redis-server
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Run through redisenv.py (DUET_TEST_REDIS and the commands that kill and
 * start the server). Checks replies of every kind, error replies, single
 * use with SET NX, a Lua script, publish and subscribe, that the main
 * loop runs while Redis blocks, refused and silent connects, and a
 * server that dies and comes back: what was waiting fails, and the
 * subscriber hears messages again once it reconnects.
 */
#include <string.h>

#include "duet-redis-connection.h"
#include "duet-test-client.h"

typedef struct
{
  gboolean  done;
  GError   *error;
  GVariant *reply;
} Wait;

static void
wait_clear (Wait *w)
{
  g_clear_error (&w->error);
  g_clear_pointer (&w->reply, g_variant_unref);
  w->done = FALSE;
}

static void
run_until (gboolean *flag)
{
  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
}

static void
on_connected (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;

  duet_redis_connection_connect_finish (DUET_REDIS_CONNECTION (source), result, &w->error);
  w->done = TRUE;
}

static void
on_reply (GObject *source, GAsyncResult *result, gpointer data)
{
  Wait *w = data;

  w->reply = duet_redis_connection_command_finish (DUET_REDIS_CONNECTION (source), result, &w->error);
  w->done = TRUE;
}

static void
address (char **out_host, guint16 *out_port)
{
  g_auto(GStrv) parts = g_strsplit (g_getenv ("DUET_TEST_REDIS"), ":", 2);

  *out_host = g_strdup (parts[0]);
  *out_port = (guint16) atoi (parts[1]);
}

static DuetRedisConnection *
connect_to (const char *host, guint16 port, guint timeout_ms, GError **error)
{
  DuetRedisConnection *redis = duet_redis_connection_new (host, port);
  Wait w = { 0 };

  duet_redis_connection_connect_async (redis, timeout_ms, NULL, on_connected, &w);
  run_until (&w.done);
  if (w.error != NULL)
    g_propagate_error (error, g_steal_pointer (&w.error));
  return redis;
}

static DuetRedisConnection *
connect_test (void)
{
  g_autofree char *host = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;
  DuetRedisConnection *redis;

  address (&host, &port);
  redis = connect_to (host, port, 5000, &error);
  g_assert_no_error (error);
  g_assert_cmpint (duet_redis_connection_get_state (redis), ==, DUET_REDIS_STATE_READY);
  return redis;
}

static GVariant *
command (DuetRedisConnection *redis, GError **error, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  Wait w = { 0 };
  va_list args;
  const char *arg;

  va_start (args, error);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  duet_redis_connection_command_async (redis, (const char * const *) argv->pdata, NULL, on_reply, &w);
  run_until (&w.done);
  if (w.error != NULL)
    g_propagate_error (error, g_steal_pointer (&w.error));
  return w.reply;
}

static gboolean
is_nil (GVariant *reply)
{
  return g_variant_is_of_type (reply, G_VARIANT_TYPE_MAYBE) && g_variant_n_children (reply) == 0;
}

static void
test_replies (void)
{
  g_autoptr(DuetRedisConnection) redis = connect_test ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) ok = command (redis, &error, "SET", "duet:test", "héllo wörld", NULL);
  g_autoptr(GVariant) value = NULL, missing = NULL, count = NULL, list = NULL, wrong = NULL;
  g_autoptr(GVariant) element = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_string (ok, NULL), ==, "OK");
  value = command (redis, &error, "GET", "duet:test", NULL);
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "héllo wörld");
  missing = command (redis, &error, "GET", "duet:none", NULL);
  g_assert_true (is_nil (missing));
  count = command (redis, &error, "INCRBY", "duet:n", "41", NULL);
  g_assert_cmpint (g_variant_get_int64 (count), ==, 41);
  list = command (redis, &error, "MGET", "duet:test", "duet:none", NULL);
  g_assert_true (g_variant_is_of_type (list, G_VARIANT_TYPE ("av")));
  g_assert_cmpuint (g_variant_n_children (list), ==, 2);
  element = g_variant_get_child_value (list, 1);
  {
    g_autoptr(GVariant) inner = g_variant_get_variant (element);

    g_assert_true (is_nil (inner));
  }

  /* an error reply fails the command alone */
  wrong = command (redis, &error, "INCR", "duet:test", NULL);
  g_assert_null (wrong);
  g_assert_error (error, DUET_REDIS_ERROR, DUET_REDIS_ERROR_REPLY);
  g_assert_nonnull (strstr (error->message, "not an integer"));
  g_clear_error (&error);
  g_clear_pointer (&value, g_variant_unref);
  value = command (redis, &error, "PING", NULL);
  g_assert_cmpstr (g_variant_get_string (value, NULL), ==, "PONG");
}

/* What single use of a cc_param and the login limits across nodes rest on */
static void
test_set_nx_and_script (void)
{
  g_autoptr(DuetRedisConnection) redis = connect_test ();
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) first = command (redis, &error, "SET", "duet:cc:abc", "1", "NX", "PX", "60000", NULL);
  g_autoptr(GVariant) second = command (redis, &error, "SET", "duet:cc:abc", "1", "NX", "PX", "60000", NULL);
  g_autoptr(GVariant) script = NULL;

  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_string (first, NULL), ==, "OK");
  g_assert_true (is_nil (second));
  script = command (redis, &error, "EVAL", "return redis.call('INCRBY', KEYS[1], ARGV[1]) * 2", "1",
                    "duet:script", "5", NULL);
  g_assert_no_error (error);
  g_assert_cmpint (g_variant_get_int64 (script), ==, 10);
}

typedef struct
{
  char   *channel;
  GBytes *payload;
} Heard;

static void
on_message (DuetRedisConnection *redis, const char *channel, GBytes *payload, Heard *heard)
{
  g_free (heard->channel);
  g_clear_pointer (&heard->payload, g_bytes_unref);
  heard->channel = g_strdup (channel);
  heard->payload = g_bytes_ref (payload);
}

/* Publishes until the subscriber hears it (a subscription takes a round
 * trip to be in place) */
static void
publish_until_heard (DuetRedisConnection *publisher, Heard *heard, const char *channel, const char *text)
{
  for (int i = 0; i < 200 && heard->channel == NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) reply = command (publisher, &error, "PUBLISH", channel, text, NULL);

      for (int j = 0; j < 10 && heard->channel == NULL; j++)
        g_main_context_iteration (NULL, FALSE);
      if (heard->channel == NULL)
        g_usleep (10 * 1000);
    }
  g_assert_cmpstr (heard->channel, ==, channel);
  g_assert_cmpmem (g_bytes_get_data (heard->payload, NULL), g_bytes_get_size (heard->payload), text, strlen (text));
}

static void
heard_clear (Heard *heard)
{
  g_clear_pointer (&heard->channel, g_free);
  g_clear_pointer (&heard->payload, g_bytes_unref);
}

static void
test_pubsub (void)
{
  g_autoptr(DuetRedisConnection) subscriber = connect_test ();
  g_autoptr(DuetRedisConnection) publisher = connect_test ();
  Heard heard = { 0 };

  g_signal_connect (subscriber, "message", G_CALLBACK (on_message), &heard);
  duet_redis_connection_subscribe (subscriber, "duet:node:1");
  publish_until_heard (publisher, &heard, "duet:node:1", "{\"type\":\"deliver\"}");
  heard_clear (&heard);
}

static gboolean
count_tick (gpointer data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

/* BLPOP keeps Redis's answer back: the main loop runs meanwhile */
static void
test_loop_runs (void)
{
  g_autoptr(DuetRedisConnection) redis = connect_test ();
  guint ticks = 0;
  guint timer = g_timeout_add (20, count_tick, &ticks);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = command (redis, &error, "BLPOP", "duet:empty", "0.4", NULL);

  g_source_remove (timer);
  g_assert_no_error (error);
  g_assert_true (is_nil (reply) || g_variant_is_of_type (reply, G_VARIANT_TYPE ("av")));
  g_assert_cmpuint (ticks, >=, 5);
}

static void
test_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetRedisConnection) redis = connect_to ("127.0.0.1", 1, 5000, &error);
  g_autoptr(GError) command_error = NULL;
  g_autoptr(GVariant) reply = NULL;

  g_assert_error (error, DUET_REDIS_ERROR, DUET_REDIS_ERROR_UNAVAILABLE);
  g_assert_cmpint (duet_redis_connection_get_state (redis), ==, DUET_REDIS_STATE_DISCONNECTED);
  reply = command (redis, &command_error, "PING", NULL);
  g_assert_error (command_error, DUET_REDIS_ERROR, DUET_REDIS_ERROR_UNAVAILABLE);
}

/* A listener whose queue is full drops the SYN: the connect hangs, and
 * only our timer (hiredis 0.14 has none) ends it */
static void
test_connect_timeout (void)
{
  g_autoptr(GSocket) full = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GPtrArray) fillers = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetRedisConnection) redis = NULL;
  gint64 start;

  g_socket_set_listen_backlog (full, 0);
  g_assert_true (g_socket_bind (full, any, TRUE, NULL));
  g_assert_true (g_socket_listen (full, NULL));
  bound = g_socket_get_local_address (full, NULL);
  for (int i = 0; i < 3; i++)
    {
      GSocket *filler = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);

      g_socket_set_blocking (filler, FALSE);
      g_socket_connect (filler, bound, NULL, NULL);   /* in progress, or queued */
      g_ptr_array_add (fillers, filler);
    }
  g_usleep (100 * 1000);

  start = g_get_monotonic_time ();
  redis = connect_to ("127.0.0.1", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)), 300, &error);
  g_assert_error (error, DUET_REDIS_ERROR, DUET_REDIS_ERROR_TIMEOUT);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 300 * 1000);
  g_assert_cmpint (duet_redis_connection_get_state (redis), ==, DUET_REDIS_STATE_DISCONNECTED);
}

static void
on_state (DuetRedisConnection *redis, GParamSpec *pspec, gboolean *down)
{
  if (duet_redis_connection_get_state (redis) == DUET_REDIS_STATE_DISCONNECTED)
    *down = TRUE;
}

/* Redis dies: a waiting command fails, the subscriber notices; Redis
 * comes back: connecting again resubscribes, and messages flow */
static void
test_restart (void)
{
  g_autoptr(DuetRedisConnection) subscriber = connect_test ();
  g_autoptr(DuetRedisConnection) busy = connect_test ();
  g_autoptr(DuetRedisConnection) publisher = NULL;
  g_autofree char *host = NULL;
  gboolean subscriber_down = FALSE;
  Heard heard = { 0 };
  Wait w = { 0 };
  const char *blpop[] = { "BLPOP", "duet:empty", "30", NULL };
  guint16 port;

  address (&host, &port);
  g_signal_connect (subscriber, "message", G_CALLBACK (on_message), &heard);
  g_signal_connect (subscriber, "notify::state", G_CALLBACK (on_state), &subscriber_down);
  duet_redis_connection_subscribe (subscriber, "duet:node:2");
  duet_redis_connection_command_async (busy, blpop, NULL, on_reply, &w);
  for (int i = 0; i < 10; i++)
    g_main_context_iteration (NULL, FALSE);

  duet_test_run_env_command ("DUET_TEST_REDIS_STOP");
  run_until (&w.done);
  g_assert_error (w.error, DUET_REDIS_ERROR, DUET_REDIS_ERROR_UNAVAILABLE);
  run_until (&subscriber_down);
  wait_clear (&w);

  duet_test_run_env_command ("DUET_TEST_REDIS_START");
  for (int i = 0; i < 100 && duet_redis_connection_get_state (subscriber) != DUET_REDIS_STATE_READY; i++)
    {
      duet_redis_connection_connect_async (subscriber, 1000, NULL, on_connected, &w);
      run_until (&w.done);
      wait_clear (&w);
      if (duet_redis_connection_get_state (subscriber) != DUET_REDIS_STATE_READY)
        g_usleep (50 * 1000);
    }
  g_assert_cmpint (duet_redis_connection_get_state (subscriber), ==, DUET_REDIS_STATE_READY);
  publisher = connect_test ();
  publish_until_heard (publisher, &heard, "duet:node:2", "after the restart");
  heard_clear (&heard);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("DUET_TEST_REDIS") == NULL)
    {
      g_test_skip ("DUET_TEST_REDIS is not set: run through tests/server/redisenv.py");
      return 77;
    }

  g_test_add_func ("/server/redis/replies", test_replies);
  g_test_add_func ("/server/redis/set-nx-and-script", test_set_nx_and_script);
  g_test_add_func ("/server/redis/pubsub", test_pubsub);
  g_test_add_func ("/server/redis/loop-runs", test_loop_runs);
  g_test_add_func ("/server/redis/refused", test_refused);
  g_test_add_func ("/server/redis/connect-timeout", test_connect_timeout);
  g_test_add_func ("/server/redis/restart", test_restart);
  return g_test_run ();
}
