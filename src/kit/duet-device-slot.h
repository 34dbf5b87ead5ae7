/* duet-device-slot.h: the place in a running pipeline where a device goes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _DuetDeviceSlot DuetDeviceSlot;

DuetDeviceSlot *duet_device_slot_new      (GstBin         *bin,
                                           GstPad         *peer,
                                           gboolean        source);
void            duet_device_slot_set      (DuetDeviceSlot *self,
                                           GstElement     *element);
gboolean        duet_device_slot_is_empty (DuetDeviceSlot *self);
gboolean        duet_device_slot_contains (DuetDeviceSlot *self,
                                           GstObject      *object);
void            duet_device_slot_free     (DuetDeviceSlot *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetDeviceSlot, duet_device_slot_free)

G_END_DECLS
