/* duet-call-event.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DuetCallEvent"

#include "duet-call-event.h"

/* NULL with no error for a message that is not a call's event */
DuetCallEvent *
duet_call_event_parse (DuetServerMessageType   type,
                       JsonObject             *message,
                       GError                **error)
{
  g_autoptr(DuetCallEvent) event = g_new0 (DuetCallEvent, 1);
  gboolean ok;

  event->type = type;
  switch (type)
    {
    case DUET_SERVER_MESSAGE_VERIFIED:
      ok = duet_verified_event_parse (message, &event->verified, error);
      break;
    case DUET_SERVER_MESSAGE_CONNECTED:
      ok = duet_connected_event_parse (message, &event->connected, error);
      break;
    case DUET_SERVER_MESSAGE_DISCONNECTED:
      ok = duet_disconnected_event_parse (message, &event->disconnected, error);
      break;
    case DUET_SERVER_MESSAGE_SIGNAL:
      ok = duet_signal_event_parse (message, &event->signal, error);
      break;
    case DUET_SERVER_MESSAGE_PEER_MEDIA_STATE:
      ok = duet_peer_media_state_event_parse (message, &event->peer_media_state, error);
      break;
    case DUET_SERVER_MESSAGE_PREPARATION_FINISHED:
      ok = duet_preparation_finished_event_parse (message, &event->preparation_finished, error);
      break;
    case DUET_SERVER_MESSAGE_SHORT_DATA:
      ok = duet_short_data_event_parse (message, &event->short_data, error);
      break;
    default:
      return NULL;
    }
  if (!ok)
    {
      /* the parser left its struct empty */
      event->type = DUET_SERVER_MESSAGE_UNKNOWN;
      return NULL;
    }
  return g_steal_pointer (&event);
}

const char *
duet_call_event_get_call_id (const DuetCallEvent *event)
{
  switch (event->type)
    {
    case DUET_SERVER_MESSAGE_VERIFIED:             return event->verified.call_id;
    case DUET_SERVER_MESSAGE_CONNECTED:            return event->connected.call_id;
    case DUET_SERVER_MESSAGE_DISCONNECTED:         return event->disconnected.call_id;
    case DUET_SERVER_MESSAGE_SIGNAL:               return event->signal.call_id;
    case DUET_SERVER_MESSAGE_PEER_MEDIA_STATE:     return event->peer_media_state.call_id;
    case DUET_SERVER_MESSAGE_PREPARATION_FINISHED: return event->preparation_finished.call_id;
    case DUET_SERVER_MESSAGE_SHORT_DATA:           return event->short_data.call_id;
    default:                                       return NULL;
    }
}

void
duet_call_event_free (DuetCallEvent *event)
{
  if (event == NULL)
    return;
  switch (event->type)
    {
    case DUET_SERVER_MESSAGE_VERIFIED:             duet_verified_event_clear (&event->verified); break;
    case DUET_SERVER_MESSAGE_CONNECTED:            duet_connected_event_clear (&event->connected); break;
    case DUET_SERVER_MESSAGE_DISCONNECTED:         duet_disconnected_event_clear (&event->disconnected); break;
    case DUET_SERVER_MESSAGE_SIGNAL:               duet_signal_event_clear (&event->signal); break;
    case DUET_SERVER_MESSAGE_PEER_MEDIA_STATE:     duet_peer_media_state_event_clear (&event->peer_media_state); break;
    case DUET_SERVER_MESSAGE_PREPARATION_FINISHED: duet_preparation_finished_event_clear (&event->preparation_finished); break;
    case DUET_SERVER_MESSAGE_SHORT_DATA:           duet_short_data_event_clear (&event->short_data); break;
    default:                                       break;
    }
  g_free (event);
}
