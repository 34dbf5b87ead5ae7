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

/**
 * duet_bus_keep_alive:
 *
 * Says this node is alive for @ttl_ms more: what it claimed stays its own
 * until then. Call it more often than @ttl_ms.
 */
void
duet_bus_keep_alive (DuetBus *self,
                     guint    ttl_ms)
{
  g_return_if_fail (DUET_IS_BUS (self));
  DUET_BUS_GET_IFACE (self)->keep_alive (self, ttl_ms);
}

/**
 * duet_bus_claim_async:
 *
 * Makes @name (a call) this node's, unless a node that is alive holds it:
 * of several nodes that claim what a dead node held, one gets it.
 */
void
duet_bus_claim_async (DuetBus             *self,
                      const char          *name,
                      GAsyncReadyCallback  callback,
                      gpointer             user_data)
{
  g_return_if_fail (DUET_IS_BUS (self));
  DUET_BUS_GET_IFACE (self)->claim_async (self, name, callback, user_data);
}

/**
 * duet_bus_claim_finish:
 *
 * Returns: TRUE if this node holds @name now; FALSE with @error unset if
 *   a node that is alive does
 */
gboolean
duet_bus_claim_finish (DuetBus       *self,
                       GAsyncResult  *result,
                       GError       **error)
{
  g_return_val_if_fail (DUET_IS_BUS (self), FALSE);
  return DUET_BUS_GET_IFACE (self)->claim_finish (self, result, error);
}

/* Lets @name go, if this node holds it */
void
duet_bus_release (DuetBus    *self,
                  const char *name)
{
  g_return_if_fail (DUET_IS_BUS (self));
  DUET_BUS_GET_IFACE (self)->release (self, name);
}

void
duet_bus_emit_message (DuetBus    *self,
                       const char *topic,
                       JsonObject *message)
{
  g_signal_emit (self, signals[MESSAGE], 0, topic, message);
}
