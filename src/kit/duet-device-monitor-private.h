/* duet-device-monitor-private.h: making the elements a call captures and plays with
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include "duet-device-monitor.h"

G_BEGIN_DECLS

GstElement *duet_device_monitor_create_element (DuetDeviceMonitor  *self,
                                                DuetDeviceKind      kind,
                                                const char         *id,
                                                char              **used_id,
                                                DuetDeviceProblem  *problem);

G_END_DECLS
