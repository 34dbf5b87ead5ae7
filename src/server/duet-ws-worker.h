/* duet-ws-worker.h: a thread that holds WebSocket connections
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * GLib polls every fd of a main context on every wake-up, so a context that
 * holds 10,000 idle sockets makes every message wait for a scan of all of
 * them. The sockets of signed-in clients live in workers instead, each a
 * thread with a context of its own; sessions, calls and the store stay on
 * the main thread, which sees each connection as a DuetWsChannel.
 * docs/architecture.md, "Worker threads".
 */
#pragma once

#include <libsoup/soup.h>

#include "duet-ws-channel.h"

G_BEGIN_DECLS

#define DUET_TYPE_WS_WORKER (duet_ws_worker_get_type ())
G_DECLARE_FINAL_TYPE (DuetWsWorker, duet_ws_worker, DUET, WS_WORKER, GObject)

DuetWsWorker  *duet_ws_worker_new               (guint         index);
DuetWsChannel *duet_ws_worker_adopt             (DuetWsWorker *self,
                                                 GIOStream    *stream,
                                                 GSocket      *socket,
                                                 GUri         *uri,
                                                 const char   *origin,
                                                 const char   *protocol);
guint          duet_ws_worker_get_n_connections (DuetWsWorker *self);
void           duet_ws_worker_stop              (DuetWsWorker *self);

G_END_DECLS
