/* duet-local-bus.h: the bus of a server that runs alone
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "duet-bus.h"

G_BEGIN_DECLS

#define DUET_TYPE_LOCAL_BUS (duet_local_bus_get_type ())
G_DECLARE_FINAL_TYPE (DuetLocalBus, duet_local_bus, DUET, LOCAL_BUS, GObject)

DuetBus *duet_local_bus_new (void);

G_END_DECLS
