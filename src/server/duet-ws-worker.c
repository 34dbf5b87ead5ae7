/* duet-ws-worker.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The two threads talk through two mailboxes per worker, one each way: a
 * locked queue of events and at most one idle source at a time to drain
 * it, so events keep their order and a burst costs one wake-up.
 * libsoup's objects are not thread-safe, so a SoupWebsocketConnection is
 * made, used and dropped on its worker only; the main thread knows it by
 * its link.
 */
#include "config.h"

#include <string.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>

#include "duet-ws-link.h"
#include "duet-ws-worker.h"

#define MAX_INCOMING_PAYLOAD   (256 * 1024)
#define KEEPALIVE_S            30
/* What may wait for a client that stopped reading, on top of the kernel's
 * socket buffers, and how little the kernel must hold for it to count as
 * caught up again */
#define MAX_BACKLOG            (1024 * 1024)
#define CAUGHT_UP_BYTES        (64 * 1024)
/* How long a stopping worker waits for close handshakes */
#define STOP_GRACE_MS          200
/* How long a client has to finish a close handshake. libsoup's own
 * limit is 5 s, and when it runs out libsoup 3.2 leaks its timeout
 * source: ours ends the wait first, by dropping the connection. */
#define CLOSE_WAIT_S           3
/* How long a stopped worker lets libsoup finish closing streams */
#define CLOSE_STREAMS_MS       500

typedef enum
{
  /* to the worker */
  EVENT_ADOPT,
  EVENT_SEND,
  EVENT_CLOSE,
  EVENT_RELEASE,
  EVENT_STOP,
  /* to the main thread */
  EVENT_MESSAGE,
  EVENT_STOPPED_READING,
  EVENT_CLOSED,
} EventKind;

typedef struct
{
  EventKind   kind;
  DuetWsLink *link;       /* NULL for EVENT_STOP */
  int         data_type;
  GBytes     *payload;
  char       *text;       /* what to send, or the close reason */
  gushort     code;
  gsize       backlog;
} Event;

typedef void (*EventHandler) (DuetWsWorker *worker,
                              Event        *event);

typedef struct
{
  GMutex        lock;
  GQueue        events;
  gboolean      scheduled;  /* a drain is on its way */
  gboolean      closed;     /* nobody drains it any more: drop what comes */
  GMainContext *context;
  EventHandler  handle;
  DuetWsWorker *owner;      /* read on the context's thread; NULL: drop */
} Mailbox;

struct _DuetWsLink
{
  Mailbox                 *to_worker;
  Mailbox                 *to_main;

  /* until the worker adopts it */
  GIOStream               *stream;
  GUri                    *uri;
  char                    *origin;
  char                    *protocol;

  /* the worker's */
  GSocket                 *socket;     /* NULL: cannot watch the backlog */
  SoupWebsocketConnection *ws;
  gsize                    backlog;    /* sent while the kernel took nothing */
  GSource                 *close_wait;

  /* the main thread's */
  DuetWsChannel           *channel;    /* not a reference; NULL once released */
};

struct _DuetWsWorker
{
  GObject       parent_instance;

  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  Mailbox      *to_worker;
  Mailbox      *to_main;
  guint         n_connections;   /* main thread: adopted, not yet closed */

  /* worker thread */
  GHashTable   *links;           /* DuetWsLink* (a reference) with a ws */
  gboolean      stopping;
  guint         n_ws_alive;      /* SoupWebsocketConnections not yet finalized */
};

G_DEFINE_FINAL_TYPE (DuetWsWorker, duet_ws_worker, G_TYPE_OBJECT)

/* ---- events and mailboxes --------------------------------------------- */

static void
event_free (Event *event)
{
  g_clear_pointer (&event->link, duet_ws_link_unref);
  g_clear_pointer (&event->payload, g_bytes_unref);
  g_free (event->text);
  g_free (event);
}

static Event *
event_new (EventKind   kind,
           DuetWsLink *link)
{
  Event *event = g_new0 (Event, 1);

  event->kind = kind;
  event->link = link != NULL ? duet_ws_link_ref (link) : NULL;
  return event;
}

static void
mailbox_clear (gpointer data)
{
  Mailbox *box = data;

  g_queue_clear_full (&box->events, (GDestroyNotify) event_free);
  g_main_context_unref (box->context);
  g_mutex_clear (&box->lock);
}

static Mailbox *
mailbox_new (GMainContext *context,
             EventHandler  handle,
             DuetWsWorker *owner)
{
  Mailbox *box = g_atomic_rc_box_new0 (Mailbox);

  g_mutex_init (&box->lock);
  g_queue_init (&box->events);
  box->context = g_main_context_ref (context);
  box->handle = handle;
  box->owner = owner;
  return box;
}

static Mailbox *
mailbox_ref (Mailbox *box)
{
  return g_atomic_rc_box_acquire (box);
}

static void
mailbox_unref (gpointer box)
{
  g_atomic_rc_box_release_full (box, mailbox_clear);
}

static gboolean
mailbox_drain (gpointer data)
{
  Mailbox *box = data;
  GQueue events;
  Event *event;

  g_mutex_lock (&box->lock);
  events = box->events;
  g_queue_init (&box->events);
  box->scheduled = FALSE;
  g_mutex_unlock (&box->lock);

  while ((event = g_queue_pop_head (&events)) != NULL)
    {
      if (box->owner != NULL)
        box->handle (box->owner, event);
      event_free (event);
    }
  return G_SOURCE_REMOVE;
}

/* Takes @event. The drain runs at the priority of socket I/O: an idle
 * priority would starve under load. */
static void
mailbox_post (Mailbox *box,
              Event   *event)
{
  g_autoptr(GSource) source = NULL;
  gboolean wake;

  g_mutex_lock (&box->lock);
  if (box->closed)
    {
      g_mutex_unlock (&box->lock);
      event_free (event);
      return;
    }
  g_queue_push_tail (&box->events, event);
  wake = !box->scheduled;
  box->scheduled = TRUE;
  g_mutex_unlock (&box->lock);

  if (!wake)
    return;
  source = g_idle_source_new ();
  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_static_name (source, "[duet] ws mailbox");
  g_source_set_callback (source, mailbox_drain, mailbox_ref (box), mailbox_unref);
  g_source_attach (source, box->context);
}

/* For a mailbox whose thread has ended: a drain source left in its
 * context would keep the mailbox, which keeps the context */
static void
mailbox_close (Mailbox *box)
{
  GQueue events;

  g_mutex_lock (&box->lock);
  box->closed = TRUE;
  events = box->events;
  g_queue_init (&box->events);
  g_mutex_unlock (&box->lock);
  g_queue_clear_full (&events, (GDestroyNotify) event_free);
}

/* ---- links ------------------------------------------------------------ */

static void
link_clear (gpointer data)
{
  DuetWsLink *link = data;

  /* the worker drops its connection before it lets go of the link */
  g_warn_if_fail (link->ws == NULL);
  g_clear_object (&link->stream);
  g_clear_pointer (&link->uri, g_uri_unref);
  g_free (link->origin);
  g_free (link->protocol);
  g_clear_object (&link->socket);
  mailbox_unref (link->to_worker);
  mailbox_unref (link->to_main);
}

DuetWsLink *
duet_ws_link_ref (DuetWsLink *link)
{
  return g_atomic_rc_box_acquire (link);
}

void
duet_ws_link_unref (DuetWsLink *link)
{
  g_atomic_rc_box_release_full (link, link_clear);
}

void
duet_ws_link_send (DuetWsLink *link,
                   char       *text)
{
  Event *event = event_new (EVENT_SEND, link);

  event->text = text;
  mailbox_post (link->to_worker, event);
}

void
duet_ws_link_close (DuetWsLink *link,
                    gushort     code,
                    const char *reason)
{
  Event *event = event_new (EVENT_CLOSE, link);

  event->code = code;
  event->text = g_strdup (reason);
  mailbox_post (link->to_worker, event);
}

void
duet_ws_link_release (DuetWsLink *link)
{
  link->channel = NULL;
  mailbox_post (link->to_worker, event_new (EVENT_RELEASE, link));
}

/* ---- the worker thread ------------------------------------------------ */

static gboolean
is_open (DuetWsLink *link)
{
  return link->ws != NULL &&
         soup_websocket_connection_get_state (link->ws) == SOUP_WEBSOCKET_STATE_OPEN;
}

static void
post_closed (DuetWsLink *link,
             gushort     code)
{
  Event *event = event_new (EVENT_CLOSED, link);

  event->code = code;
  mailbox_post (link->to_main, event);
}

static void
stop_close_wait (DuetWsLink *link)
{
  if (link->close_wait == NULL)
    return;
  g_source_destroy (link->close_wait);
  g_clear_pointer (&link->close_wait, g_source_unref);
}

static void
drop_ws (DuetWsLink *link)
{
  stop_close_wait (link);
  if (link->ws == NULL)
    return;
  g_signal_handlers_disconnect_by_data (link->ws, link);
  g_clear_object (&link->ws);
}

static gboolean
forget_link (gpointer data)
{
  DuetWsLink *link = data;
  DuetWsWorker *self = link->to_worker->owner;

  drop_ws (link);
  if (self != NULL)
    {
      g_hash_table_remove (self->links, link);
      if (self->stopping && g_hash_table_size (self->links) == 0)
        g_main_loop_quit (self->loop);
    }
  return G_SOURCE_REMOVE;
}

static void
on_ws_message (SoupWebsocketConnection *ws,
               int                      data_type,
               GBytes                  *payload,
               DuetWsLink              *link)
{
  Event *event = event_new (EVENT_MESSAGE, link);

  event->data_type = data_type;
  event->payload = g_bytes_ref (payload);
  mailbox_post (link->to_main, event);
}

/* libsoup may still use the connection once its handler returns, so it
 * is dropped from an idle */
static void
on_ws_closed (SoupWebsocketConnection *ws,
              DuetWsLink              *link)
{
  g_autoptr(GSource) source = g_idle_source_new ();

  g_signal_handlers_disconnect_by_data (ws, link);
  stop_close_wait (link);
  post_closed (link, soup_websocket_connection_get_close_code (ws));
  g_source_set_static_name (source, "[duet] ws forget");
  g_source_set_callback (source, forget_link, duet_ws_link_ref (link),
                         (GDestroyNotify) duet_ws_link_unref);
  g_source_attach (source, g_main_context_get_thread_default ());
}

static void
on_ws_error (SoupWebsocketConnection *ws,
             GError                  *error,
             DuetWsLink              *link)
{
  g_debug ("WebSocket error: %s", error->message);
}

/* The client did not finish the close handshake in time: drop the
 * connection (libsoup closes its stream on dispose) */
static gboolean
on_close_wait_over (gpointer data)
{
  DuetWsLink *link = data;

  g_clear_pointer (&link->close_wait, g_source_unref);
  if (link->ws != NULL)
    {
      post_closed (link, SOUP_WEBSOCKET_CLOSE_ABNORMAL);
      forget_link (link);   /* may free the link */
    }
  return G_SOURCE_REMOVE;
}

static void
arm_close_wait (DuetWsLink *link,
                guint       ms)
{
  stop_close_wait (link);
  link->close_wait = g_timeout_source_new (ms);
  g_source_set_static_name (link->close_wait, "[duet] ws close wait");
  g_source_set_callback (link->close_wait, on_close_wait_over, link, NULL);
  g_source_attach (link->close_wait, g_main_context_get_thread_default ());
}

/* Whoever began the close handshake (we, the client, or libsoup on bad
 * input), it gets CLOSE_WAIT_S to finish */
static void
on_ws_state (SoupWebsocketConnection *ws,
             GParamSpec              *pspec,
             DuetWsLink              *link)
{
  if (soup_websocket_connection_get_state (ws) == SOUP_WEBSOCKET_STATE_CLOSING &&
      link->close_wait == NULL)
    arm_close_wait (link, CLOSE_WAIT_S * 1000);
}

/* @wait FALSE: the client is not reading, so it will not answer */
static void
close_ws (DuetWsLink *link,
          gushort     code,
          const char *reason,
          gboolean    wait)
{
  if (!is_open (link))
    return;
  soup_websocket_connection_close (link->ws, code, reason);
  arm_close_wait (link, wait ? CLOSE_WAIT_S * 1000 : 0);
}

static void
on_ws_finalized (gpointer  data,
                 GObject  *ws)
{
  DuetWsWorker *self = data;

  self->n_ws_alive--;
}

static void
adopt (DuetWsWorker *self,
       DuetWsLink   *link)
{
  g_autoptr(GIOStream) stream = g_steal_pointer (&link->stream);

  if (self->stopping)
    {
      g_io_stream_close (stream, NULL, NULL);
      post_closed (link, SOUP_WEBSOCKET_CLOSE_GOING_AWAY);
      return;
    }

  link->ws = soup_websocket_connection_new (stream, link->uri, SOUP_WEBSOCKET_CONNECTION_SERVER,
                                            link->origin, link->protocol, NULL);
  self->n_ws_alive++;
  g_object_weak_ref (G_OBJECT (link->ws), on_ws_finalized, self);
  soup_websocket_connection_set_max_incoming_payload_size (link->ws, MAX_INCOMING_PAYLOAD);
  soup_websocket_connection_set_keepalive_interval (link->ws, KEEPALIVE_S);
  g_signal_connect (link->ws, "message", G_CALLBACK (on_ws_message), link);
  g_signal_connect (link->ws, "closed", G_CALLBACK (on_ws_closed), link);
  g_signal_connect (link->ws, "error", G_CALLBACK (on_ws_error), link);
  g_signal_connect (link->ws, "notify::state", G_CALLBACK (on_ws_state), link);
  g_hash_table_add (self->links, duet_ws_link_ref (link));
}

/* libsoup keeps whatever the socket cannot take in a queue without a
 * bound, so a client that stops reading (while its peer keeps sending)
 * would grow the server without limit. Once the kernel's buffer for the
 * client is full, everything sent waits in that queue: count it, and let
 * the count go only when the kernel holds next to nothing for the client,
 * which means it read what was queued. */
static gboolean
client_keeps_up (DuetWsLink *link,
                 gsize       length)
{
  int unsent = 0;

  if (link->socket == NULL)
    return TRUE;

  if (!(g_socket_condition_check (link->socket, G_IO_OUT) & G_IO_OUT))
    link->backlog += length;
  else if (link->backlog > 0 &&   /* only a count to forget needs the ioctl */
           ioctl (g_socket_get_fd (link->socket), SIOCOUTQ, &unsent) == 0 &&
           unsent < CAUGHT_UP_BYTES)
    link->backlog = 0;

  return link->backlog <= MAX_BACKLOG;
}

static void
send_text (DuetWsLink *link,
           const char *text)
{
  Event *event;

  if (!is_open (link))
    return;
  if (client_keeps_up (link, strlen (text)))
    {
      soup_websocket_connection_send_text (link->ws, text);
      return;
    }
  event = event_new (EVENT_STOPPED_READING, link);
  event->backlog = link->backlog;
  mailbox_post (link->to_main, event);
  close_ws (link, SOUP_WEBSOCKET_CLOSE_POLICY_VIOLATION, "not reading", FALSE);
}

static gboolean
quit_loop (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
begin_stop (DuetWsWorker *self)
{
  g_autoptr(GSource) timeout = g_timeout_source_new (STOP_GRACE_MS);
  GHashTableIter iter;
  gpointer key;

  self->stopping = TRUE;
  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    close_ws (key, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, "server shutdown", TRUE);
  if (g_hash_table_size (self->links) == 0)
    {
      g_main_loop_quit (self->loop);
      return;
    }
  g_source_set_callback (timeout, quit_loop, self->loop, NULL);
  g_source_attach (timeout, self->context);
}

static void
handle_in_worker (DuetWsWorker *self,
                  Event        *event)
{
  DuetWsLink *link = event->link;

  switch (event->kind)
    {
    case EVENT_ADOPT:
      adopt (self, link);
      break;
    case EVENT_SEND:
      send_text (link, event->text);
      break;
    case EVENT_CLOSE:
      close_ws (link, event->code, event->text, TRUE);
      break;
    case EVENT_RELEASE:
      close_ws (link, SOUP_WEBSOCKET_CLOSE_GOING_AWAY, NULL, TRUE);
      break;
    case EVENT_STOP:
      begin_stop (self);
      break;
    case EVENT_MESSAGE:
    case EVENT_STOPPED_READING:
    case EVENT_CLOSED:
    default:
      g_assert_not_reached ();
    }
}

static gpointer
run (gpointer data)
{
  DuetWsWorker *self = data;
  GHashTableIter iter;
  gpointer key;
  gint64 deadline;

  g_main_context_push_thread_default (self->context);
  g_main_loop_run (self->loop);

  mailbox_close (self->to_worker);
  while (g_main_context_iteration (self->context, FALSE))
    ;

  /* what did not close in time is cut off */
  g_hash_table_iter_init (&iter, self->links);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      DuetWsLink *link = key;

      if (link->ws != NULL && soup_websocket_connection_get_state (link->ws) != SOUP_WEBSOCKET_STATE_CLOSED)
        post_closed (link, SOUP_WEBSOCKET_CLOSE_ABNORMAL);
      drop_ws (link);
    }
  g_hash_table_remove_all (self->links);

  /* libsoup closes each stream asynchronously, holding its connection
   * until the close completes in this context */
  deadline = g_get_monotonic_time () + CLOSE_STREAMS_MS * 1000;
  while (self->n_ws_alive > 0 && g_get_monotonic_time () < deadline)
    if (!g_main_context_iteration (self->context, FALSE))
      g_usleep (1000);
  g_main_context_pop_thread_default (self->context);
  return NULL;
}

/* ---- the main thread -------------------------------------------------- */

static void
handle_in_main (DuetWsWorker *self,
                Event        *event)
{
  DuetWsLink *link = event->link;
  g_autoptr(DuetWsChannel) channel = link->channel ? g_object_ref (link->channel) : NULL;

  switch (event->kind)
    {
    case EVENT_MESSAGE:
      if (channel != NULL)
        duet_ws_channel_message_from_worker (channel, event->data_type, event->payload);
      break;
    case EVENT_STOPPED_READING:
      if (channel != NULL)
        duet_ws_channel_stopped_reading_from_worker (channel, event->backlog);
      break;
    case EVENT_CLOSED:
      self->n_connections--;
      if (channel != NULL)
        duet_ws_channel_closed_from_worker (channel, event->code);
      break;
    case EVENT_ADOPT:
    case EVENT_SEND:
    case EVENT_CLOSE:
    case EVENT_RELEASE:
    case EVENT_STOP:
    default:
      g_assert_not_reached ();
    }
}

static void
duet_ws_worker_dispose (GObject *object)
{
  DuetWsWorker *self = DUET_WS_WORKER (object);

  duet_ws_worker_stop (self);
  if (self->to_main != NULL)
    self->to_main->owner = NULL;
  g_clear_pointer (&self->to_main, mailbox_unref);
  g_clear_pointer (&self->to_worker, mailbox_unref);
  G_OBJECT_CLASS (duet_ws_worker_parent_class)->dispose (object);
}

static void
duet_ws_worker_finalize (GObject *object)
{
  DuetWsWorker *self = DUET_WS_WORKER (object);

  g_hash_table_unref (self->links);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  G_OBJECT_CLASS (duet_ws_worker_parent_class)->finalize (object);
}

static void
duet_ws_worker_class_init (DuetWsWorkerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_ws_worker_dispose;
  object_class->finalize = duet_ws_worker_finalize;
}

static void
duet_ws_worker_init (DuetWsWorker *self)
{
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->links = g_hash_table_new_full (NULL, NULL, (GDestroyNotify) duet_ws_link_unref, NULL);
  self->to_worker = mailbox_new (self->context, handle_in_worker, self);
  self->to_main = mailbox_new (g_main_context_ref_thread_default (), handle_in_main, self);
  /* mailbox_new took its own reference */
  g_main_context_unref (self->to_main->context);
}

DuetWsWorker *
duet_ws_worker_new (guint index)
{
  DuetWsWorker *self = g_object_new (DUET_TYPE_WS_WORKER, NULL);
  g_autofree char *name = g_strdup_printf ("duet-ws-%u", index);

  self->thread = g_thread_new (name, run, self);
  return self;
}

/**
 * duet_ws_worker_adopt:
 * @stream: a connection whose WebSocket handshake is done, taken from
 *   libsoup with soup_server_message_steal_connection()
 * @socket: (nullable): the socket under it, to watch for a client that
 *   stopped reading
 *
 * Hands the connection to the worker. Returns: (transfer full): the main
 * thread's side of it
 */
DuetWsChannel *
duet_ws_worker_adopt (DuetWsWorker *self,
                      GIOStream    *stream,
                      GSocket      *socket,
                      GUri         *uri,
                      const char   *origin,
                      const char   *protocol)
{
  g_autoptr(DuetWsLink) link = g_atomic_rc_box_new0 (DuetWsLink);
  DuetWsChannel *channel;

  g_return_val_if_fail (DUET_IS_WS_WORKER (self), NULL);
  g_return_val_if_fail (G_IS_IO_STREAM (stream), NULL);

  link->to_worker = mailbox_ref (self->to_worker);
  link->to_main = mailbox_ref (self->to_main);
  link->stream = g_object_ref (stream);
  link->socket = socket != NULL ? g_object_ref (socket) : NULL;
  link->uri = g_uri_ref (uri);
  link->origin = g_strdup (origin);
  link->protocol = g_strdup (protocol);
  channel = duet_ws_channel_new_for_link (link);
  link->channel = channel;
  self->n_connections++;
  mailbox_post (self->to_worker, event_new (EVENT_ADOPT, link));
  return channel;
}

guint
duet_ws_worker_get_n_connections (DuetWsWorker *self)
{
  g_return_val_if_fail (DUET_IS_WS_WORKER (self), 0);

  return self->n_connections;
}

/* Closes what the worker holds (waiting a little for the handshakes) and
 * ends its thread */
void
duet_ws_worker_stop (DuetWsWorker *self)
{
  g_return_if_fail (DUET_IS_WS_WORKER (self));

  if (self->thread == NULL)
    return;
  mailbox_post (self->to_worker, event_new (EVENT_STOP, NULL));
  g_thread_join (g_steal_pointer (&self->thread));
}
