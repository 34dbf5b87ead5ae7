/* duet-device.h: a camera, microphone or speaker the kit can use
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-version.h"

G_BEGIN_DECLS

/**
 * DuetDeviceKind:
 * @DUET_DEVICE_KIND_CAMERA: a video source
 * @DUET_DEVICE_KIND_MICROPHONE: an audio source
 * @DUET_DEVICE_KIND_SPEAKER: an audio output (speakers or headphones)
 *
 * What a #DuetDevice is for.
 */
typedef enum
{
  DUET_DEVICE_KIND_CAMERA,
  DUET_DEVICE_KIND_MICROPHONE,
  DUET_DEVICE_KIND_SPEAKER,
} DuetDeviceKind;

/**
 * DuetDeviceProblem:
 * @DUET_DEVICE_PROBLEM_NONE: the device works
 * @DUET_DEVICE_PROBLEM_MISSING: there is no such device (none connected, or the one in use was unplugged)
 * @DUET_DEVICE_PROBLEM_DENIED: the user or the desktop refused access (the Camera portal)
 * @DUET_DEVICE_PROBLEM_FAILED: the device is there but could not be opened, or stopped
 *
 * Why a call goes on without a camera or microphone; see
 * #DuetMyMediaStatus:camera-problem.
 */
typedef enum
{
  DUET_DEVICE_PROBLEM_NONE,
  DUET_DEVICE_PROBLEM_MISSING,
  DUET_DEVICE_PROBLEM_DENIED,
  DUET_DEVICE_PROBLEM_FAILED,
} DuetDeviceProblem;

#define DUET_TYPE_DEVICE (duet_device_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetDevice, duet_device, DUET, DEVICE, GObject)

DUET_AVAILABLE_IN_ALL
const char     *duet_device_get_id         (DuetDevice *self);
DUET_AVAILABLE_IN_ALL
const char     *duet_device_get_name       (DuetDevice *self);
DUET_AVAILABLE_IN_ALL
DuetDeviceKind  duet_device_get_kind       (DuetDevice *self);
DUET_AVAILABLE_IN_ALL
gboolean        duet_device_get_is_default (DuetDevice *self);

G_END_DECLS
