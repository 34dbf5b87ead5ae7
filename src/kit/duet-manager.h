/* duet-manager.h: entry point of the call kit, PlanetKitManager-shaped
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "duet-account-device.h"
#include "duet-call.h"
#include "duet-call-history-entry.h"
#include "duet-cc-param.h"
#include "duet-make-call-param.h"
#include "duet-media-settings.h"
#include "duet-verify-call-param.h"
#include "duet-version.h"

G_BEGIN_DECLS

/**
 * DuetIceTransportPolicy:
 * @DUET_ICE_TRANSPORT_POLICY_ALL: any path: direct, through STUN-found addresses or TURN relays
 * @DUET_ICE_TRANSPORT_POLICY_RELAY: TURN relays only, so the peer never learns this device's address
 *
 * Which network paths a call's media may take (WebRTC's
 * iceTransportPolicy); see #DuetManager:ice-transport-policy.
 */
typedef enum
{
  DUET_ICE_TRANSPORT_POLICY_ALL,
  DUET_ICE_TRANSPORT_POLICY_RELAY,
} DuetIceTransportPolicy;

#define DUET_TYPE_MANAGER (duet_manager_get_type ())
DUET_AVAILABLE_IN_ALL
G_DECLARE_FINAL_TYPE (DuetManager, duet_manager, DUET, MANAGER, GObject)

DUET_AVAILABLE_IN_ALL
DuetManager *duet_manager_new                (void);
DUET_AVAILABLE_IN_ALL
void         duet_manager_sign_in            (DuetManager           *self,
                                              const char            *server_url,
                                              const char            *access_token);
DUET_AVAILABLE_IN_ALL
void         duet_manager_set_access_token   (DuetManager           *self,
                                              const char            *access_token);
DUET_AVAILABLE_IN_ALL
void         duet_manager_sign_out           (DuetManager           *self);
DUET_AVAILABLE_IN_ALL
gboolean     duet_manager_get_connected      (DuetManager           *self);
DUET_AVAILABLE_IN_ALL
DuetCall    *duet_manager_get_active_call    (DuetManager           *self);
DUET_AVAILABLE_IN_ALL
const char * const *duet_manager_get_server_calls (DuetManager       *self);
DUET_AVAILABLE_IN_ALL
gboolean     duet_manager_set_ice_servers    (DuetManager           *self,
                                              const char * const    *uris,
                                              GError               **error);

DUET_AVAILABLE_IN_ALL
void         duet_manager_make_call_async    (DuetManager           *self,
                                              DuetMakeCallParam     *param,
                                              GCancellable          *cancellable,
                                              GAsyncReadyCallback    callback,
                                              gpointer               user_data);
DUET_AVAILABLE_IN_ALL
DuetCall    *duet_manager_make_call_finish   (DuetManager           *self,
                                              GAsyncResult          *result,
                                              DuetStartFailReason   *reason,
                                              GError               **error);
DUET_AVAILABLE_IN_ALL
void         duet_manager_verify_call_async  (DuetManager           *self,
                                              DuetVerifyCallParam   *param,
                                              GCancellable          *cancellable,
                                              GAsyncReadyCallback    callback,
                                              gpointer               user_data);
DUET_AVAILABLE_IN_ALL
DuetCall    *duet_manager_verify_call_finish (DuetManager           *self,
                                              GAsyncResult          *result,
                                              DuetStartFailReason   *reason,
                                              GError               **error);

DUET_AVAILABLE_IN_ALL
void         duet_manager_fetch_history_async  (DuetManager         *self,
                                                guint                limit,
                                                GCancellable        *cancellable,
                                                GAsyncReadyCallback  callback,
                                                gpointer             user_data);
DUET_AVAILABLE_IN_ALL
GListModel  *duet_manager_fetch_history_finish (DuetManager         *self,
                                                GAsyncResult        *result,
                                                GError             **error);

DUET_AVAILABLE_IN_ALL
const char  *duet_manager_get_device_id          (DuetManager         *self);
DUET_AVAILABLE_IN_ALL
GListModel  *duet_manager_get_devices            (DuetManager         *self);
DUET_AVAILABLE_IN_ALL
const char  *duet_manager_get_sign_out_reason    (DuetManager         *self);
DUET_AVAILABLE_IN_ALL
DuetMediaSettings *duet_manager_get_media_settings (DuetManager       *self);
DUET_AVAILABLE_IN_ALL
void         duet_manager_sign_out_device_async  (DuetManager         *self,
                                                  const char          *device_id,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
DUET_AVAILABLE_IN_ALL
gboolean     duet_manager_sign_out_device_finish (DuetManager         *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);
DUET_AVAILABLE_IN_ALL
void         duet_manager_mark_missed_call_seen  (DuetManager         *self,
                                                  const char          *call_id);

G_END_DECLS
