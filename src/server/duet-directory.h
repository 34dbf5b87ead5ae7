/* duet-directory.h: which node holds each device and owns each call
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "duet-bus.h"
#include "duet-call-record.h"
#include "duet-metrics.h"
#include "duet-session.h"

G_BEGIN_DECLS

#define DUET_TYPE_DIRECTORY (duet_directory_get_type ())
G_DECLARE_FINAL_TYPE (DuetDirectory, duet_directory, DUET, DIRECTORY, GObject)

DuetDirectory  *duet_directory_new               (DuetBus        *bus,
                                                  DuetMetrics    *metrics);
void            duet_directory_start             (DuetDirectory  *self);
void            duet_directory_stop              (DuetDirectory  *self);

void            duet_directory_announce_online   (DuetDirectory  *self,
                                                  DuetSession    *session);
void            duet_directory_announce_offline  (DuetDirectory  *self,
                                                  DuetSession    *session);
void            duet_directory_publish_call      (DuetDirectory  *self,
                                                  DuetCallRecord *call);
void            duet_directory_publish_sync      (DuetDirectory  *self,
                                                  GPtrArray      *sessions,
                                                  GPtrArray      *calls);

DuetSession    *duet_directory_lookup_device     (DuetDirectory  *self,
                                                  const char     *service,
                                                  const char     *user,
                                                  const char     *device_id);
void            duet_directory_add_user_sessions (DuetDirectory  *self,
                                                  const char     *service,
                                                  const char     *user,
                                                  GPtrArray      *sessions);
DuetCallRecord *duet_directory_lookup_user_call  (DuetDirectory  *self,
                                                  const char     *service,
                                                  const char     *user);
gboolean        duet_directory_has_call          (DuetDirectory  *self,
                                                  const char     *call_id);
void            duet_directory_drop_call         (DuetDirectory  *self,
                                                  const char     *call_id);
void            duet_directory_adopt_async       (DuetDirectory  *self,
                                                  const char     *call_id,
                                                  GAsyncReadyCallback callback,
                                                  gpointer        user_data);
gboolean        duet_directory_adopt_finish      (DuetDirectory  *self,
                                                  GAsyncResult   *result,
                                                  GError        **error);
gboolean        duet_directory_forward_request   (DuetDirectory  *self,
                                                  DuetSession    *session,
                                                  const char     *call_id,
                                                  JsonObject     *message);

G_END_DECLS
