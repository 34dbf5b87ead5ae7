/* duet-device-private.h: what the kit alone sees of a device
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include "duet-device.h"

G_BEGIN_DECLS

DuetDevice *duet_device_new            (DuetDeviceKind  kind,
                                        const char     *id,
                                        const char     *name,
                                        gboolean        is_default,
                                        GstDevice      *gst_device);
GstDevice  *duet_device_get_gst_device (DuetDevice     *self);

G_END_DECLS
