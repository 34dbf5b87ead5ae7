/* duet-local-bus.c: the bus of a server that runs alone
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * There is no other node to tell: publishing does nothing, and the bus
 * is always there.
 */
#include "duet-local-bus.h"

struct _DuetLocalBus
{
  GObject  parent_instance;
  char    *node_id;
};

static void duet_local_bus_iface_init (DuetBusInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (DuetLocalBus, duet_local_bus, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (DUET_TYPE_BUS, duet_local_bus_iface_init))

static const char *
local_bus_get_node_id (DuetBus *bus)
{
  return DUET_LOCAL_BUS (bus)->node_id;
}

static void
local_bus_publish (DuetBus    *bus,
                   const char *topic,
                   JsonObject *message)
{
}

static void
local_bus_send_to (DuetBus    *bus,
                   const char *node_id,
                   const char *topic,
                   JsonObject *message)
{
}

static gboolean
local_bus_is_available (DuetBus *bus)
{
  return TRUE;
}

static void
local_bus_close (DuetBus *bus)
{
}

/* Alone, everything is ours */
static void
local_bus_keep_alive (DuetBus *bus,
                      guint    ttl_ms)
{
}

static void
local_bus_claim_async (DuetBus             *bus,
                       const char          *name,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data)
{
  g_autoptr(GTask) task = g_task_new (bus, NULL, callback, user_data);

  g_task_set_source_tag (task, local_bus_claim_async);
  g_task_return_boolean (task, TRUE);
}

static gboolean
local_bus_claim_finish (DuetBus       *bus,
                        GAsyncResult  *result,
                        GError       **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
local_bus_release (DuetBus    *bus,
                   const char *name)
{
}

static void
duet_local_bus_iface_init (DuetBusInterface *iface)
{
  iface->keep_alive = local_bus_keep_alive;
  iface->claim_async = local_bus_claim_async;
  iface->claim_finish = local_bus_claim_finish;
  iface->release = local_bus_release;
  iface->get_node_id = local_bus_get_node_id;
  iface->publish = local_bus_publish;
  iface->send_to = local_bus_send_to;
  iface->is_available = local_bus_is_available;
  iface->close = local_bus_close;
}

DuetBus *
duet_local_bus_new (void)
{
  return g_object_new (DUET_TYPE_LOCAL_BUS, NULL);
}

static void
duet_local_bus_finalize (GObject *object)
{
  g_free (DUET_LOCAL_BUS (object)->node_id);
  G_OBJECT_CLASS (duet_local_bus_parent_class)->finalize (object);
}

static void
duet_local_bus_class_init (DuetLocalBusClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = duet_local_bus_finalize;
}

static void
duet_local_bus_init (DuetLocalBus *self)
{
  self->node_id = g_uuid_string_random ();
}
