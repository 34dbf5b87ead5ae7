/* duet-bus.h: what the servers sharing one store tell each other
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define DUET_TYPE_BUS (duet_bus_get_type ())
G_DECLARE_INTERFACE (DuetBus, duet_bus, DUET, BUS, GObject)

struct _DuetBusInterface
{
  GTypeInterface parent_iface;

  const char *(*get_node_id)  (DuetBus    *self);
  /* To every other node; "node" (the sender) is added. Best effort: a
   * node that is away misses it. */
  void        (*publish)      (DuetBus    *self,
                               const char *topic,
                               JsonObject *message);
  /* To one node, on a channel of its own; the same as publish otherwise */
  void        (*send_to)      (DuetBus    *self,
                               const char *node_id,
                               const char *topic,
                               JsonObject *message);
  gboolean    (*is_available) (DuetBus    *self);
  void        (*close)        (DuetBus    *self);
  /* This node is alive for @ttl_ms more */
  void        (*keep_alive)   (DuetBus             *self,
                               guint                ttl_ms);
  /* @name is this node's, unless a node that is alive holds it */
  void        (*claim_async)  (DuetBus             *self,
                               const char          *name,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data);
  gboolean    (*claim_finish) (DuetBus             *self,
                               GAsyncResult        *result,
                               GError             **error);
  void        (*release)      (DuetBus             *self,
                               const char          *name);
};

const char *duet_bus_get_node_id  (DuetBus    *self);
void        duet_bus_publish      (DuetBus    *self,
                                   const char *topic,
                                   JsonObject *message);
void        duet_bus_send_to      (DuetBus    *self,
                                   const char *node_id,
                                   const char *topic,
                                   JsonObject *message);
gboolean    duet_bus_is_available (DuetBus    *self);
void        duet_bus_close        (DuetBus    *self);
void        duet_bus_keep_alive   (DuetBus             *self,
                                   guint                ttl_ms);
void        duet_bus_claim_async  (DuetBus             *self,
                                   const char          *name,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
gboolean    duet_bus_claim_finish (DuetBus             *self,
                                   GAsyncResult        *result,
                                   GError             **error);
void        duet_bus_release      (DuetBus             *self,
                                   const char          *name);

/* For implementations: a message from another node */
void        duet_bus_emit_message (DuetBus    *self,
                                   const char *topic,
                                   JsonObject *message);

G_END_DECLS
