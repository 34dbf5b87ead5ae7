/* duet-acceptor.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every accepted socket is tracked until libsoup lets go of it: a weak
 * reference on the GSocketConnection handed over says when. A socket is
 * "pending" from accept until its WebSocket signs in, and pending sockets
 * are bounded per client address and overall. A sweep closes connections
 * whose request did not arrive in time, and any that libsoup would keep
 * after the client went away.
 */
#include "config.h"

#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "duet-acceptor.h"

#define CONN_KEY                 "duet-acceptor-conn"
#define LISTEN_BACKLOG           1024
#define ACCEPTS_PER_WAKEUP       64
#define ACCEPT_PAUSE_MS          100
#define SWEEP_INTERVAL_MS        250
#define FULL_SWEEP_EVERY         40
/* a socket we shut down that libsoup has not closed by then, we close */
#define CLOSE_AFTER_SHUTDOWN_US  (2 * G_USEC_PER_SEC)

typedef struct
{
  DuetAcceptor   *acceptor;
  GSocket        *socket;
  GObject        *stream;     /* weak: the GSocketConnection libsoup holds */
  GSocketAddress *remote;     /* the object libsoup reports for its messages */
  char           *address;    /* client IP while pending, else NULL */
  gint64          deadline;   /* monotonic µs for the request; 0: none */
  gint64          shut_at;    /* when we shut it down; 0: not yet */
  gboolean        handed_over; /* to a worker: stream is NULL */
} Conn;

struct _DuetAcceptor
{
  GObject             parent_instance;

  SoupServer         *soup;
  GTlsCertificate    *certificate;
  DuetAcceptorLimits  limits;
  DuetMetrics        *metrics;

  GSocket            *listener;
  GSource            *accept_source;
  guint               resume_id;
  guint               sweep_id;
  guint               sweeps;
  GHashTable         *conns;       /* Conn* → owned */
  GHashTable         *timed;       /* Conn* with a deadline or shut down: what sweep() looks at */
  GHashTable         *pending;     /* address → number of pending sockets */
};

G_DEFINE_FINAL_TYPE (DuetAcceptor, duet_acceptor, G_TYPE_OBJECT)

/* ---- connections ------------------------------------------------------ */

static void
update_gauges (DuetAcceptor *self)
{
  self->metrics->sockets_open = g_hash_table_size (self->conns);
}

static void
unpend (Conn *conn)
{
  DuetAcceptor *self = conn->acceptor;
  guint count;

  if (conn->address == NULL)
    return;

  count = GPOINTER_TO_UINT (g_hash_table_lookup (self->pending, conn->address));
  if (count > 1)
    g_hash_table_insert (self->pending, g_strdup (conn->address), GUINT_TO_POINTER (count - 1));
  else
    g_hash_table_remove (self->pending, conn->address);
  self->metrics->sockets_pending--;
  g_clear_pointer (&conn->address, g_free);
}

static void on_stream_finalized (gpointer  data,
                                 GObject  *stream);

static void
conn_free (gpointer data)
{
  Conn *conn = data;

  unpend (conn);
  g_hash_table_remove (conn->acceptor->timed, conn);
  if (conn->stream != NULL)
    g_object_weak_unref (conn->stream, on_stream_finalized, conn);
  g_object_set_data (G_OBJECT (conn->socket), CONN_KEY, NULL);
  g_object_set_data (G_OBJECT (conn->remote), CONN_KEY, NULL);
  g_object_unref (conn->socket);
  g_object_unref (conn->remote);
  g_free (conn);
}

static void
on_stream_finalized (gpointer  data,
                     GObject  *stream)
{
  Conn *conn = data;
  DuetAcceptor *self = conn->acceptor;

  conn->stream = NULL;
  g_hash_table_remove (self->conns, conn);
  update_gauges (self);
}

static void
clear_deadline (Conn *conn)
{
  conn->deadline = 0;
  if (conn->shut_at == 0)
    g_hash_table_remove (conn->acceptor->timed, conn);
}

static Conn *
lookup_message (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  return remote != NULL ? g_object_get_data (G_OBJECT (remote), CONN_KEY) : NULL;
}

static gboolean
is_upgrade (SoupServerMessage *msg)
{
  return soup_message_headers_header_contains (soup_server_message_get_request_headers (msg),
                                               "Upgrade", "websocket");
}

/* The request is in: from here on the handler, or the WebSocket's own
 * auth deadline, decides how long the connection lives. Plain HTTP gets
 * one response per connection, and says so. */
static void
on_request_read (SoupServer        *soup,
                 SoupServerMessage *msg,
                 DuetAcceptor      *self)
{
  Conn *conn = lookup_message (msg);

  if (conn != NULL)
    clear_deadline (conn);
  if (!is_upgrade (msg))
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
}

/* ---- accepting -------------------------------------------------------- */

typedef enum
{
  REFUSED_TOTAL,
  REFUSED_PENDING,
  REFUSED_PENDING_ADDRESS,
} Refusal;

G_STATIC_ASSERT (REFUSED_PENDING_ADDRESS + 1 == DUET_METRICS_N_REFUSALS);

static void
refuse (DuetAcceptor *self,
        GSocket      *socket,
        Refusal       why)
{
  static const char body[] = "{\"error\":\"unavailable\",\"message\":\"Too many connections\"}";
  g_autofree char *response = NULL;

  self->metrics->connections_refused[why]++;
  /* best effort: the socket is fresh, so its send buffer has room */
  if (self->certificate == NULL)
    {
      response = g_strdup_printf ("HTTP/1.1 503 Service Unavailable\r\n"
                                  "Connection: close\r\n"
                                  "Content-Type: application/json\r\n"
                                  "Content-Length: %zu\r\n\r\n%s", strlen (body), body);
      g_socket_send (socket, response, strlen (response), NULL, NULL);
    }
  g_socket_close (socket, NULL);
}

static char *
client_address (GSocketAddress *remote)
{
  if (!G_IS_INET_SOCKET_ADDRESS (remote))
    return g_strdup ("?");
  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
}

static gboolean
check_limits (DuetAcceptor *self,
              GSocket      *socket,
              const char   *address)
{
  guint from_address = GPOINTER_TO_UINT (g_hash_table_lookup (self->pending, address));

  if (g_hash_table_size (self->conns) >= self->limits.max_connections)
    refuse (self, socket, REFUSED_TOTAL);
  else if (self->metrics->sockets_pending >= self->limits.max_pending)
    refuse (self, socket, REFUSED_PENDING);
  else if (from_address >= self->limits.max_pending_per_address)
    refuse (self, socket, REFUSED_PENDING_ADDRESS);
  else
    return TRUE;
  return FALSE;
}

static GIOStream *
wrap_tls (DuetAcceptor *self,
          GIOStream    *base)
{
  g_autoptr(GError) error = NULL;
  GIOStream *tls = g_tls_server_connection_new (base, self->certificate, &error);

  if (tls == NULL)
    {
      g_warning ("Cannot start TLS on a connection: %s", error->message);
      return NULL;
    }
  g_tls_connection_set_require_close_notify (G_TLS_CONNECTION (tls), FALSE);
  return tls;
}

static void
track (DuetAcceptor   *self,
       GSocket        *socket,
       GSocketAddress *remote,
       char           *address,
       GObject        *stream)
{
  Conn *conn = g_new0 (Conn, 1);
  guint count = GPOINTER_TO_UINT (g_hash_table_lookup (self->pending, address));

  conn->acceptor = self;
  conn->socket = g_object_ref (socket);
  conn->remote = g_object_ref (remote);
  conn->address = address;
  conn->deadline = g_get_monotonic_time () + self->limits.request_timeout * G_USEC_PER_SEC;
  conn->stream = stream;
  g_object_weak_ref (stream, on_stream_finalized, conn);
  g_object_set_data (G_OBJECT (socket), CONN_KEY, conn);
  g_object_set_data (G_OBJECT (remote), CONN_KEY, conn);

  g_hash_table_add (self->conns, conn);
  g_hash_table_add (self->timed, conn);
  g_hash_table_insert (self->pending, g_strdup (address), GUINT_TO_POINTER (count + 1));
  self->metrics->sockets_pending++;
  update_gauges (self);
}

static void
take (DuetAcceptor *self,
      GSocket      *socket)
{
  g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, NULL);
  g_autoptr(GSocketAddress) remote = g_socket_get_remote_address (socket, NULL);
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GIOStream) stream = NULL;
  g_autofree char *address = NULL;

  if (local == NULL || remote == NULL)   /* the client is already gone */
    {
      g_socket_close (socket, NULL);
      return;
    }

  address = client_address (remote);
  if (!check_limits (self, socket, address))
    return;

  g_socket_set_option (socket, IPPROTO_TCP, TCP_NODELAY, TRUE, NULL);
  connection = g_socket_connection_factory_create_connection (socket);
  stream = self->certificate != NULL ? wrap_tls (self, G_IO_STREAM (connection))
                                     : g_object_ref (G_IO_STREAM (connection));
  if (stream == NULL)
    {
      g_socket_close (socket, NULL);
      return;
    }

  track (self, socket, remote, g_steal_pointer (&address), G_OBJECT (connection));
  soup_server_accept_iostream (self->soup, stream, local, remote, NULL);
}

static gboolean on_incoming (GSocket      *listener,
                             GIOCondition  condition,
                             gpointer      user_data);

static void
watch_listener (DuetAcceptor *self)
{
  self->accept_source = g_socket_create_source (self->listener, G_IO_IN, NULL);
  g_source_set_callback (self->accept_source, G_SOURCE_FUNC (on_incoming), self, NULL);
  g_source_attach (self->accept_source, NULL);
}

static gboolean
resume_accepting (gpointer user_data)
{
  DuetAcceptor *self = user_data;

  self->resume_id = 0;
  watch_listener (self);
  return G_SOURCE_REMOVE;
}

/* Out of file descriptors (or memory): retry shortly rather than give up
 * on accepting, as libsoup's own listener does */
static void
pause_accepting (DuetAcceptor *self,
                 const GError *error)
{
  g_warning ("Cannot accept a connection: %s; pausing for %d ms", error->message, ACCEPT_PAUSE_MS);
  self->metrics->accept_errors++;
  g_source_destroy (self->accept_source);
  g_clear_pointer (&self->accept_source, g_source_unref);
  self->resume_id = g_timeout_add (ACCEPT_PAUSE_MS, resume_accepting, self);
}

static gboolean
on_incoming (GSocket      *listener,
             GIOCondition  condition,
             gpointer      user_data)
{
  DuetAcceptor *self = user_data;

  for (guint i = 0; i < ACCEPTS_PER_WAKEUP; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocket) socket = g_socket_accept (listener, NULL, &error);

      if (socket != NULL)
        take (self, socket);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        break;
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
        continue;   /* ECONNABORTED: that client gave up */
      else
        {
          pause_accepting (self, error);
          return G_SOURCE_REMOVE;
        }
    }
  return G_SOURCE_CONTINUE;
}

/* ---- deadlines -------------------------------------------------------- */

/* Every connection libsoup still has and closed, in case it holds on
 * to the stream: the weak reference would never tell */
static void
forget_closed (DuetAcceptor *self,
               GPtrArray    *gone)
{
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->conns);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Conn *conn = key;

      if (!conn->handed_over && g_socket_is_closed (conn->socket))
        g_ptr_array_add (gone, conn);
    }
}

/* Shutting the socket down makes libsoup read EOF and let go of it.
 * Only connections with a deadline are looked at each time: the
 * signed-in ones, thousands maybe, have none. */
static gboolean
sweep (gpointer user_data)
{
  DuetAcceptor *self = user_data;
  gint64 now = g_get_monotonic_time ();
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key;

  if (++self->sweeps % FULL_SWEEP_EVERY == 0)
    forget_closed (self, gone);
  g_hash_table_iter_init (&iter, self->timed);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    {
      Conn *conn = key;

      if (g_socket_is_closed (conn->socket))
        g_ptr_array_add (gone, conn);
      else if (conn->shut_at != 0 && now - conn->shut_at > CLOSE_AFTER_SHUTDOWN_US)
        {
          g_socket_close (conn->socket, NULL);
          g_ptr_array_add (gone, conn);
        }
      else if (conn->shut_at == 0 && conn->deadline != 0 && now >= conn->deadline)
        {
          g_debug ("Closing a connection from %s: no complete request in %u s",
                   conn->address ? conn->address : "?", self->limits.request_timeout);
          self->metrics->requests_timed_out++;
          g_socket_shutdown (conn->socket, TRUE, TRUE, NULL);
          conn->shut_at = now;
        }
    }
  /* conn_free() takes each out of self->timed too; one may be in twice */
  for (guint i = 0; i < gone->len; i++)
    g_hash_table_remove (self->conns, g_ptr_array_index (gone, i));
  update_gauges (self);
  return G_SOURCE_CONTINUE;
}

/* ---- GObject ---------------------------------------------------------- */

static void
duet_acceptor_dispose (GObject *object)
{
  DuetAcceptor *self = DUET_ACCEPTOR (object);

  duet_acceptor_stop (self);
  g_clear_handle_id (&self->sweep_id, g_source_remove);
  if (self->soup != NULL)
    g_signal_handlers_disconnect_by_data (self->soup, self);
  g_clear_pointer (&self->conns, g_hash_table_unref);
  g_clear_pointer (&self->timed, g_hash_table_unref);
  g_clear_pointer (&self->pending, g_hash_table_unref);
  g_clear_object (&self->soup);
  g_clear_object (&self->certificate);
  G_OBJECT_CLASS (duet_acceptor_parent_class)->dispose (object);
}

static void
duet_acceptor_class_init (DuetAcceptorClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = duet_acceptor_dispose;
}

static void
duet_acceptor_init (DuetAcceptor *self)
{
  self->timed = g_hash_table_new (NULL, NULL);
  self->conns = g_hash_table_new_full (NULL, NULL, conn_free, NULL);
  self->pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* ---- API -------------------------------------------------------------- */

DuetAcceptor *
duet_acceptor_new (SoupServer               *soup,
                   GTlsCertificate          *certificate,
                   const DuetAcceptorLimits *limits,
                   DuetMetrics              *metrics)
{
  DuetAcceptor *self = g_object_new (DUET_TYPE_ACCEPTOR, NULL);

  self->soup = g_object_ref (soup);
  self->certificate = certificate ? g_object_ref (certificate) : NULL;
  self->limits = *limits;
  self->metrics = metrics;
  g_signal_connect (soup, "request-read", G_CALLBACK (on_request_read), self);
  return self;
}

gboolean
duet_acceptor_listen (DuetAcceptor    *self,
                      GSocketAddress  *address,
                      GError         **error)
{
  g_autoptr(GSocket) sock = NULL;

  g_return_val_if_fail (self->listener == NULL, FALSE);

  sock = g_socket_new (g_socket_address_get_family (address), G_SOCKET_TYPE_STREAM,
                       G_SOCKET_PROTOCOL_TCP, error);
  if (sock == NULL)
    return FALSE;

  /* GSocket's default backlog of 10 overflows when clients reconnect
   * together, after a restart say */
  g_socket_set_listen_backlog (sock, LISTEN_BACKLOG);
  g_socket_set_blocking (sock, FALSE);
  if (!g_socket_bind (sock, address, TRUE, error) || !g_socket_listen (sock, error))
    return FALSE;

  self->listener = g_steal_pointer (&sock);
  watch_listener (self);
  self->sweep_id = g_timeout_add (SWEEP_INTERVAL_MS, sweep, self);
  return TRUE;
}

guint
duet_acceptor_get_port (DuetAcceptor *self)
{
  g_autoptr(GSocketAddress) local = NULL;

  if (self->listener == NULL ||
      (local = g_socket_get_local_address (self->listener, NULL)) == NULL)
    return 0;
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

/* The socket under @msg's connection, or NULL */
GSocket *
duet_acceptor_get_socket (DuetAcceptor      *self,
                          SoupServerMessage *msg)
{
  Conn *conn = lookup_message (msg);

  return conn != NULL ? conn->socket : NULL;
}

/* A signed-in WebSocket no longer counts against its address */
void
duet_acceptor_set_signed_in (DuetAcceptor *self,
                             GSocket      *socket)
{
  Conn *conn = socket != NULL ? g_object_get_data (G_OBJECT (socket), CONN_KEY) : NULL;

  if (conn != NULL)
    {
      clear_deadline (conn);
      unpend (conn);
    }
}

/* The connection left libsoup for a worker (DuetWsWorker), where it
 * lives until its WebSocket closes: from here on the server says when
 * (duet_acceptor_set_closed), not the stream's last reference, which the
 * worker may drop on its own thread */
void
duet_acceptor_hand_over (DuetAcceptor *self,
                         GSocket      *socket)
{
  Conn *conn = g_object_get_data (G_OBJECT (socket), CONN_KEY);

  if (conn == NULL || conn->stream == NULL)
    return;
  g_object_weak_unref (conn->stream, on_stream_finalized, conn);
  conn->stream = NULL;
  conn->handed_over = TRUE;
}

/* Its WebSocket has closed: it no longer counts against its address, and
 * once a worker had it, no longer at all */
void
duet_acceptor_set_closed (DuetAcceptor *self,
                          GSocket      *socket)
{
  Conn *conn = socket != NULL ? g_object_get_data (G_OBJECT (socket), CONN_KEY) : NULL;

  if (conn == NULL)
    return;
  unpend (conn);
  if (conn->handed_over)
    {
      g_hash_table_remove (self->conns, conn);
      update_gauges (self);
    }
}

void
duet_acceptor_stop (DuetAcceptor *self)
{
  g_clear_handle_id (&self->resume_id, g_source_remove);
  if (self->accept_source != NULL)
    {
      g_source_destroy (self->accept_source);
      g_clear_pointer (&self->accept_source, g_source_unref);
    }
  if (self->listener != NULL)
    g_socket_close (self->listener, NULL);
  g_clear_object (&self->listener);
}
