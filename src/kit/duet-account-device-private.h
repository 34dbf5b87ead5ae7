/* duet-account-device-private.h: devices from the server's messages
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "duet-account-device.h"
#include "duet-messages.h"

G_BEGIN_DECLS

DuetAccountDevice *duet_account_device_new_from_entry (const DuetDeviceEntry *entry);

G_END_DECLS
