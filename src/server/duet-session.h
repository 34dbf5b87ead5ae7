/* duet-session.h: one WebSocket connection
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A session does the framing (size, parse, rate, request ids) and
 * emits ::request for the server to act on.
 */
#pragma once

#include <libsoup/soup.h>

#include "duet-bus.h"
#include "duet-call-record.h"
#include "duet-messages.h"
#include "duet-metrics.h"
#include "duet-token-bucket.h"
#include "duet-ws-channel.h"

G_BEGIN_DECLS

#define DUET_SESSION_CLOSE_REPLACED  4001
#define DUET_SESSION_CLOSE_AUTH      4003
#define DUET_SESSION_CLOSE_SIGNED_OUT 4004

/* Messages a second, per account once signed in (docs/protocol.md) */
#define DUET_SESSION_RATE_PER_SECOND 50.0
#define DUET_SESSION_RATE_BURST      100.0

#define DUET_TYPE_SESSION (duet_session_get_type ())
G_DECLARE_FINAL_TYPE (DuetSession, duet_session, DUET, SESSION, GObject)

DuetSession *duet_session_new               (DuetWsChannel           *channel,
                                             GSocket                 *socket,
                                             DuetMetrics             *metrics,
                                             guint                    auth_timeout_s);
DuetSession *duet_session_new_remote        (DuetBus                 *bus,
                                             const char              *node_id,
                                             DuetMetrics             *metrics,
                                             const char              *service,
                                             const char              *user,
                                             gint64                   account_id,
                                             const char              *device_id);
gboolean     duet_session_is_remote         (DuetSession             *self);
const char  *duet_session_get_node_id       (DuetSession             *self);
gint64       duet_session_get_signed_in_at  (DuetSession             *self);
void         duet_session_set_signed_in_at  (DuetSession             *self,
                                             gint64                   real_us);
gboolean     duet_session_is_authenticated  (DuetSession             *self);
void         duet_session_set_authenticated (DuetSession             *self,
                                             const char              *service,
                                             const char              *user,
                                             gint64                   account_id,
                                             gint64                   token_version,
                                             const char              *device_id,
                                             gint64                   device_key);
void         duet_session_set_budget        (DuetSession             *self,
                                             DuetTokenBucket         *budget,
                                             gpointer                 owner,
                                             GDestroyNotify           release_owner);
gint64       duet_session_get_account_id    (DuetSession             *self);
GSocket     *duet_session_get_socket        (DuetSession             *self);
const char  *duet_session_get_service       (DuetSession             *self);
const char  *duet_session_get_user          (DuetSession             *self);
gint64       duet_session_get_token_version (DuetSession             *self);
const char  *duet_session_get_device_id     (DuetSession             *self);
gint64       duet_session_get_device_key    (DuetSession             *self);
gboolean     duet_session_is_open           (DuetSession             *self);
gint64       duet_session_get_ice_sent_at   (DuetSession             *self);
void         duet_session_set_ice_sent_at   (DuetSession             *self,
                                             gint64                   monotonic_us);

/* Sends and frees @message, built by duet-messages.h */
void         duet_session_send              (DuetSession             *self,
                                             JsonObject              *message);
void         duet_session_send_error        (DuetSession             *self,
                                             const char              *id,
                                             DuetProtocolError        code,
                                             const char              *text);
void         duet_session_send_error_message (DuetSession            *self,
                                             const char              *id,
                                             const DuetErrorMessage  *error);
void         duet_session_send_gerror       (DuetSession             *self,
                                             const char              *id,
                                             const GError            *error);
void         duet_session_close             (DuetSession             *self,
                                             gushort                  code,
                                             const char              *reason);

DuetCallParty duet_session_get_call_party (DuetSession    *self,
                                           DuetCallRecord *call);

G_END_DECLS
