/* duet-camera-preview.h: a camera's picture outside a call
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gst/gst.h>

#include "duet-version.h"

G_BEGIN_DECLS

#define DUET_TYPE_CAMERA_PREVIEW (duet_camera_preview_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetCameraPreview, duet_camera_preview, DUET, CAMERA_PREVIEW, GObject)

DUET_AVAILABLE_IN_ALL
DuetCameraPreview *duet_camera_preview_new         (void);
DUET_AVAILABLE_IN_ALL
void               duet_camera_preview_set_camera  (DuetCameraPreview *self,
                                                    const char        *id);
DUET_AVAILABLE_IN_ALL
const char        *duet_camera_preview_get_camera  (DuetCameraPreview *self);
DUET_AVAILABLE_IN_ALL
void               duet_camera_preview_add_view    (DuetCameraPreview *self,
                                                    GstElement        *sink);
DUET_AVAILABLE_IN_ALL
void               duet_camera_preview_remove_view (DuetCameraPreview *self,
                                                    GstElement        *sink);
DUET_AVAILABLE_IN_ALL
gboolean           duet_camera_preview_get_active  (DuetCameraPreview *self);
DUET_AVAILABLE_IN_ALL
const char        *duet_camera_preview_get_problem (DuetCameraPreview *self);

G_END_DECLS
