/* duet-application.h
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "duet-account.h"
#include "duet-history.h"
#include "duet-kit.h"

G_BEGIN_DECLS

#define DUET_TYPE_APPLICATION (duet_application_get_type ())
G_DECLARE_FINAL_TYPE (DuetApplication, duet_application, DUET, APPLICATION, AdwApplication)

DuetApplication *duet_application_new          (void);
DuetAccount     *duet_application_get_account  (DuetApplication *self);
GSettings       *duet_application_get_settings (DuetApplication *self);
const char      *duet_application_get_profile  (DuetApplication *self);
DuetHistory     *duet_application_get_history  (DuetApplication *self);
gboolean         duet_application_get_online   (DuetApplication *self);
gboolean         duet_application_get_test_sources (DuetApplication *self);
void             duet_application_refresh_history (DuetApplication *self);
DuetManager     *duet_application_get_manager  (DuetApplication *self);
void             duet_application_sign_out     (DuetApplication *self);
gboolean         duet_application_get_signing_out (DuetApplication *self);
void             duet_application_mark_missed_call_seen (DuetApplication *self,
                                                         const char      *call_id);
const char      *duet_application_describe_sign_out (const char *reason);

G_END_DECLS
