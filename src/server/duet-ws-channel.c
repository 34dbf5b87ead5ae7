/* duet-ws-channel.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "duet-ws-link.h"

struct _DuetWsChannel
{
  GObject     parent_instance;

  DuetWsLink *link;
  gboolean    closing;   /* we asked the worker to close it */
  gboolean    closed;
};

G_DEFINE_FINAL_TYPE (DuetWsChannel, duet_ws_channel, G_TYPE_OBJECT)

enum {
  MESSAGE,
  STOPPED_READING,
  CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
duet_ws_channel_dispose (GObject *object)
{
  DuetWsChannel *self = DUET_WS_CHANNEL (object);

  if (self->link != NULL)
    {
      duet_ws_link_release (self->link);
      g_clear_pointer (&self->link, duet_ws_link_unref);
    }
  G_OBJECT_CLASS (duet_ws_channel_parent_class)->dispose (object);
}

static void
duet_ws_channel_class_init (DuetWsChannelClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = duet_ws_channel_dispose;

  /**
   * DuetWsChannel::message:
   * @data_type: a #SoupWebsocketDataType
   * @payload: the frame's data
   */
  signals[MESSAGE] = g_signal_new ("message", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_BYTES);
  /**
   * DuetWsChannel::stopped-reading:
   * @backlog: bytes that were waiting for the client
   *
   * The client stopped reading while messages for it piled up; the
   * worker is closing the connection.
   */
  signals[STOPPED_READING] = g_signal_new ("stopped-reading", G_TYPE_FROM_CLASS (klass),
                                           G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                           G_TYPE_NONE, 1, G_TYPE_UINT64);
  /**
   * DuetWsChannel::closed:
   * @code: the close code the connection ended with
   */
  signals[CLOSED] = g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
duet_ws_channel_init (DuetWsChannel *self)
{
}

DuetWsChannel *
duet_ws_channel_new_for_link (DuetWsLink *link)
{
  DuetWsChannel *self = g_object_new (DUET_TYPE_WS_CHANNEL, NULL);

  self->link = duet_ws_link_ref (link);
  return self;
}

gboolean
duet_ws_channel_is_open (DuetWsChannel *self)
{
  g_return_val_if_fail (DUET_IS_WS_CHANNEL (self), FALSE);

  return !self->closing && !self->closed;
}

/* Takes @text */
void
duet_ws_channel_send_text (DuetWsChannel *self,
                           char          *text)
{
  g_return_if_fail (DUET_IS_WS_CHANNEL (self));

  if (!duet_ws_channel_is_open (self))
    {
      g_free (text);
      return;
    }
  duet_ws_link_send (self->link, text);
}

void
duet_ws_channel_close (DuetWsChannel *self,
                       gushort        code,
                       const char    *reason)
{
  g_return_if_fail (DUET_IS_WS_CHANNEL (self));

  if (!duet_ws_channel_is_open (self))
    return;
  self->closing = TRUE;
  duet_ws_link_close (self->link, code, reason);
}

void
duet_ws_channel_message_from_worker (DuetWsChannel *self,
                                     int            data_type,
                                     GBytes        *payload)
{
  if (!self->closed)
    g_signal_emit (self, signals[MESSAGE], 0, data_type, payload);
}

void
duet_ws_channel_stopped_reading_from_worker (DuetWsChannel *self,
                                             gsize          backlog)
{
  if (!self->closed)
    g_signal_emit (self, signals[STOPPED_READING], 0, (guint64) backlog);
}

void
duet_ws_channel_closed_from_worker (DuetWsChannel *self,
                                    gushort        code)
{
  if (self->closed)
    return;
  self->closed = TRUE;
  g_signal_emit (self, signals[CLOSED], 0, (guint) code);
}
