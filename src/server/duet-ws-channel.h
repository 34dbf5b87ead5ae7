/* duet-ws-channel.h: the main thread's side of a WebSocket a worker holds
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a SoupWebsocketConnection offers a session, across threads: text
 * goes to the worker in order, messages come back in order, and the
 * channel is open until it is closed from either end.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define DUET_TYPE_WS_CHANNEL (duet_ws_channel_get_type ())
G_DECLARE_FINAL_TYPE (DuetWsChannel, duet_ws_channel, DUET, WS_CHANNEL, GObject)

gboolean duet_ws_channel_is_open   (DuetWsChannel *self);
void     duet_ws_channel_send_text (DuetWsChannel *self,
                                    char          *text);
void     duet_ws_channel_close     (DuetWsChannel *self,
                                    gushort        code,
                                    const char    *reason);

G_END_DECLS
