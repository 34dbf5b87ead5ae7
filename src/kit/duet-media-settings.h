/* duet-media-settings.h: what a call's media is made of and how it is tuned
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-version.h"

G_BEGIN_DECLS

#define DUET_TYPE_MEDIA_SETTINGS (duet_media_settings_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetMediaSettings, duet_media_settings, DUET, MEDIA_SETTINGS, GObject)

DUET_AVAILABLE_IN_ALL
DuetMediaSettings *duet_media_settings_new                  (void);
DUET_AVAILABLE_IN_ALL
DuetMediaSettings *duet_media_settings_new_from_environment (void);

G_END_DECLS
