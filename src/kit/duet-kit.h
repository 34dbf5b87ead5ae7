/* duet-kit.h: the call kit's public headers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "duet-auth.h"
#include "duet-auth-token.h"
#include "duet-call.h"
#include "duet-call-history-entry.h"
#include "duet-cc-param.h"
#include "duet-kit-enum-types.h"
#include "duet-kit-error.h"
#include "duet-make-call-param-builder.h"
#include "duet-make-call-param.h"
#include "duet-manager.h"
#include "duet-my-media-status.h"
#include "duet-protocol-enums.h"
#include "duet-verify-call-param-builder.h"
#include "duet-verify-call-param.h"
