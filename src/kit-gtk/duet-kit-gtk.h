/* duet-kit-gtk.h: the call kit's GTK video headers, all in one
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Programs include this one header:
 *   #include <duet-kit-gtk.h>
 * with the flags of `pkg-config --cflags duet-kit-gtk-1`.
 */
#pragma once

#include "duet-version.h"

#include "duet-video-paintable.h"
#include "duet-video-sink.h"
#include "duet-video-view.h"
