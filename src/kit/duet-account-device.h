/* duet-account-device.h: one device the user is signed in on
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-version.h"

G_BEGIN_DECLS

#define DUET_TYPE_ACCOUNT_DEVICE (duet_account_device_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetAccountDevice, duet_account_device, DUET, ACCOUNT_DEVICE, GObject)

DUET_AVAILABLE_IN_ALL
const char *duet_account_device_get_id           (DuetAccountDevice *self);
DUET_AVAILABLE_IN_ALL
const char *duet_account_device_get_name         (DuetAccountDevice *self);
DUET_AVAILABLE_IN_ALL
GDateTime  *duet_account_device_get_created_at   (DuetAccountDevice *self);
DUET_AVAILABLE_IN_ALL
GDateTime  *duet_account_device_get_last_seen_at (DuetAccountDevice *self);
DUET_AVAILABLE_IN_ALL
gboolean    duet_account_device_get_online       (DuetAccountDevice *self);
DUET_AVAILABLE_IN_ALL
gboolean    duet_account_device_get_current      (DuetAccountDevice *self);

G_END_DECLS
