/* duet-bus.c: what the servers sharing one store tell each other
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-bus.h"

enum {
  MESSAGE,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_INTERFACE (DuetBus, duet_bus, G_TYPE_OBJECT)

static void
duet_bus_default_init (DuetBusInterface *iface)
{
  /**
   * DuetBus::message:
   * @topic: what it is about ("sessions")
   * @message: the message, with the sender's "node"
   *
   * Another node published it; never our own.
   */
  signals[MESSAGE] =
    g_signal_new ("message", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, G_TYPE_STRING, JSON_TYPE_OBJECT);
}

const char *
duet_bus_get_node_id (DuetBus *self)
{
  g_return_val_if_fail (DUET_IS_BUS (self), NULL);

  return DUET_BUS_GET_IFACE (self)->get_node_id (self);
}

void
duet_bus_publish (DuetBus    *self,
                  const char *topic,
                  JsonObject *message)
{
  g_return_if_fail (DUET_IS_BUS (self));

  DUET_BUS_GET_IFACE (self)->publish (self, topic, message);
}

void
duet_bus_send_to (DuetBus    *self,
                  const char *node_id,
                  const char *topic,
                  JsonObject *message)
{
  g_return_if_fail (DUET_IS_BUS (self));
  g_return_if_fail (node_id != NULL);

  DUET_BUS_GET_IFACE (self)->send_to (self, node_id, topic, message);
}

gboolean
duet_bus_is_available (DuetBus *self)
{
  g_return_val_if_fail (DUET_IS_BUS (self), FALSE);

  return DUET_BUS_GET_IFACE (self)->is_available (self);
}

void
duet_bus_close (DuetBus *self)
{
  g_return_if_fail (DUET_IS_BUS (self));

  DUET_BUS_GET_IFACE (self)->close (self);
}

void
duet_bus_emit_message (DuetBus    *self,
                       const char *topic,
                       JsonObject *message)
{
  g_signal_emit (self, signals[MESSAGE], 0, topic, message);
}
