/* duet-call-router.h: the call state machine, its calls and timers
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "duet-call-host.h"
#include "duet-call-record.h"
#include "duet-metrics.h"
#include "duet-session.h"
#include "duet-store.h"

G_BEGIN_DECLS

typedef struct
{
  guint ring_timeout;       /* seconds */
  guint grace_period;       /* seconds */
  guint missed_calls_max;   /* notices delivered at sign-in */
} DuetCallRouterOptions;

#define DUET_TYPE_CALL_ROUTER (duet_call_router_get_type ())
G_DECLARE_FINAL_TYPE (DuetCallRouter, duet_call_router, DUET, CALL_ROUTER, GObject)

DuetCallRouter *duet_call_router_new                (DuetCallHost                *host,
                                                     DuetStore                   *store,
                                                     const guint8                *cc_key,
                                                     const DuetCallRouterOptions *options,
                                                     DuetMetrics                 *metrics);
gboolean        duet_call_router_load_open_calls    (DuetCallRouter              *self,
                                                     GError                     **error);
void            duet_call_router_adopt_call         (DuetCallRouter              *self,
                                                     DuetCallRecord              *call);
gboolean        duet_call_router_has_call           (DuetCallRouter              *self,
                                                     const char                  *call_id);
gboolean        duet_call_router_handle_request     (DuetCallRouter              *self,
                                                     DuetSession                 *session,
                                                     JsonObject                  *message,
                                                     const char                  *type,
                                                     const char                  *id);
DuetCallRecord *duet_call_router_lookup_user_call   (DuetCallRouter              *self,
                                                     const char                  *service,
                                                     const char                  *user);
GPtrArray      *duet_call_router_list_calls         (DuetCallRouter              *self);
void            duet_call_router_end_call           (DuetCallRouter              *self,
                                                     DuetCallRecord              *call,
                                                     DuetDisconnectReason         reason,
                                                     DuetDisconnectSource         source);
void            duet_call_router_deliver_pending    (DuetCallRouter              *self,
                                                     DuetSession                 *session,
                                                     gint64                       last_seen_ms);
void            duet_call_router_device_came_back   (DuetCallRouter              *self,
                                                     DuetCallRecord              *call,
                                                     DuetSession                 *session);
void            duet_call_router_device_arrived     (DuetCallRouter              *self,
                                                     DuetSession                 *session);
void            duet_call_router_device_went_away   (DuetCallRouter              *self,
                                                     DuetCallRecord              *call,
                                                     DuetSession                 *session);
void            duet_call_router_device_signed_out  (DuetCallRouter              *self,
                                                     DuetCallRecord              *call,
                                                     gint64                       account_id,
                                                     const char                  *device_id);
GArray         *duet_call_router_take_new_callers   (DuetCallRouter              *self);
void            duet_call_router_stop               (DuetCallRouter              *self);

G_END_DECLS
