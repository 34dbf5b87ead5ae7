/* duet-redis-bus.h: the bus between servers, on Redis pub/sub
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "duet-bus.h"

G_BEGIN_DECLS

#define DUET_TYPE_REDIS_BUS (duet_redis_bus_get_type ())
G_DECLARE_FINAL_TYPE (DuetRedisBus, duet_redis_bus, DUET, REDIS_BUS, GObject)

DuetBus *duet_redis_bus_new (const char  *uri,
                             GError     **error);

G_END_DECLS
