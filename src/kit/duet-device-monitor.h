/* duet-device-monitor.h: the cameras, microphones and speakers present
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "duet-device.h"
#include "duet-version.h"

G_BEGIN_DECLS

/**
 * DuetCameraAccess:
 * @DUET_CAMERA_ACCESS_UNKNOWN: not asked yet (only with the Camera portal)
 * @DUET_CAMERA_ACCESS_REQUESTING: the Camera portal is asking the user
 * @DUET_CAMERA_ACCESS_GRANTED: cameras may be used
 * @DUET_CAMERA_ACCESS_DENIED: the user or the desktop refused the camera
 * @DUET_CAMERA_ACCESS_UNAVAILABLE: the Camera portal is missing or failed
 *
 * Whether this application may use cameras. Outside a sandbox (and
 * without `DUET_USE_PORTALS=1`) it is always granted.
 */
typedef enum
{
  DUET_CAMERA_ACCESS_UNKNOWN,
  DUET_CAMERA_ACCESS_REQUESTING,
  DUET_CAMERA_ACCESS_GRANTED,
  DUET_CAMERA_ACCESS_DENIED,
  DUET_CAMERA_ACCESS_UNAVAILABLE,
} DuetCameraAccess;

#define DUET_TYPE_DEVICE_MONITOR (duet_device_monitor_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetDeviceMonitor, duet_device_monitor, DUET, DEVICE_MONITOR, GObject)

DUET_AVAILABLE_IN_ALL
DuetDeviceMonitor *duet_device_monitor_get_default          (void);
DUET_AVAILABLE_IN_ALL
GListModel        *duet_device_monitor_get_devices          (DuetDeviceMonitor *self,
                                                             DuetDeviceKind     kind);
DUET_AVAILABLE_IN_ALL
DuetDevice        *duet_device_monitor_lookup               (DuetDeviceMonitor *self,
                                                             DuetDeviceKind     kind,
                                                             const char        *id);
DUET_AVAILABLE_IN_ALL
gboolean           duet_device_monitor_get_uses_portal      (DuetDeviceMonitor *self);
DUET_AVAILABLE_IN_ALL
DuetCameraAccess   duet_device_monitor_get_camera_access    (DuetDeviceMonitor *self);
DUET_AVAILABLE_IN_ALL
void               duet_device_monitor_request_camera_access (DuetDeviceMonitor *self);

G_END_DECLS
