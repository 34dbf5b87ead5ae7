/* duet-call-host.h: what the call router asks of whoever holds the sessions
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib-object.h>

#include "duet-session.h"
#include "duet-token-bucket.h"

G_BEGIN_DECLS

#define DUET_TYPE_CALL_HOST (duet_call_host_get_type ())
G_DECLARE_INTERFACE (DuetCallHost, duet_call_host, DUET, CALL_HOST, GObject)

struct _DuetCallHostInterface
{
  GTypeInterface parent_iface;

  DuetSession     * (*device_session) (DuetCallHost *self,
                                       const char   *service,
                                       const char   *user,
                                       const char   *device_id);
  GPtrArray       * (*user_sessions)  (DuetCallHost *self,
                                       const char   *service,
                                       const char   *user);
  DuetTokenBucket * (*call_budget)    (DuetCallHost *self,
                                       gint64        account_id);
  /* Other nodes' calls (a host alone may leave these NULL) */
  DuetCallRecord  * (*user_call_elsewhere) (DuetCallHost *self,
                                            const char   *service,
                                            const char   *user);
  gboolean          (*forward_request)     (DuetCallHost *self,
                                            DuetSession  *session,
                                            const char   *call_id,
                                            JsonObject   *message);
};

DuetSession     *duet_call_host_device_session (DuetCallHost *self,
                                                const char   *service,
                                                const char   *user,
                                                const char   *device_id);
GPtrArray       *duet_call_host_user_sessions  (DuetCallHost *self,
                                                const char   *service,
                                                const char   *user);
DuetTokenBucket *duet_call_host_call_budget    (DuetCallHost *self,
                                                gint64        account_id);
DuetCallRecord  *duet_call_host_user_call_elsewhere (DuetCallHost *self,
                                                     const char   *service,
                                                     const char   *user);
gboolean         duet_call_host_forward_request (DuetCallHost *self,
                                                 DuetSession  *session,
                                                 const char   *call_id,
                                                 JsonObject   *message);

G_END_DECLS
