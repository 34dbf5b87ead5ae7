/* duet-kit.h: the call kit's public headers, all in one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Programs using the kit include this one header:
 *   #include <duet-kit.h>
 * with the flags of `pkg-config --cflags duet-kit-1`.
 */
#pragma once

#include "duet-version.h"

#include "duet-account-device.h"
#include "duet-auth.h"
#include "duet-auth-token.h"
#include "duet-call.h"
#include "duet-call-history-entry.h"
#include "duet-call-statistics.h"
#include "duet-camera-preview.h"
#include "duet-cc-param.h"
#include "duet-device.h"
#include "duet-device-monitor.h"
#include "duet-enum-types.h"
#include "duet-kit-enum-types.h"
#include "duet-kit-error.h"
#include "duet-make-call-param-builder.h"
#include "duet-make-call-param.h"
#include "duet-manager.h"
#include "duet-media-settings.h"
#include "duet-my-media-status.h"
#include "duet-protocol-enums.h"
#include "duet-verify-call-param-builder.h"
#include "duet-verify-call-param.h"
