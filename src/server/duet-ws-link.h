/* duet-ws-link.h: what a DuetWsChannel and its worker share
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A link is one connection as both threads know it. The channel calls the
 * duet_ws_link_* functions on the main thread and they reach the worker
 * in order; the worker reaches the channel through the
 * duet_ws_channel_*_from_worker functions, which run on the main thread.
 */
#pragma once

#include <gio/gio.h>

#include "duet-ws-channel.h"

G_BEGIN_DECLS

typedef struct _DuetWsLink DuetWsLink;

DuetWsLink    *duet_ws_link_ref          (DuetWsLink    *link);
void           duet_ws_link_unref        (DuetWsLink    *link);
void           duet_ws_link_send         (DuetWsLink    *link,
                                          char          *text);
void           duet_ws_link_close        (DuetWsLink    *link,
                                          gushort        code,
                                          const char    *reason);
/* The channel is gone: close the connection if open and forget it */
void           duet_ws_link_release      (DuetWsLink    *link);

DuetWsChannel *duet_ws_channel_new_for_link              (DuetWsLink    *link);
void           duet_ws_channel_message_from_worker       (DuetWsChannel *self,
                                                          int            data_type,
                                                          GBytes        *payload);
void           duet_ws_channel_stopped_reading_from_worker (DuetWsChannel *self,
                                                            gsize          backlog);
void           duet_ws_channel_closed_from_worker        (DuetWsChannel *self,
                                                          gushort        code);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetWsLink, duet_ws_link_unref)

G_END_DECLS
