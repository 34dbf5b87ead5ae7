/* duet-protocol-enums.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "duet-protocol.h"

/* The wire names are the GEnum nicks, so one table serves both */
static const char *
enum_to_string (GType type, int value)
{
  g_autoptr(GEnumClass) klass = g_type_class_ref (type);
  GEnumValue *ev = g_enum_get_value (klass, value);

  return ev ? ev->value_nick : NULL;
}

static gboolean
enum_from_string (GType type, const char *str, int *out)
{
  g_autoptr(GEnumClass) klass = NULL;
  GEnumValue *ev;

  if (str == NULL)
    return FALSE;

  klass = g_type_class_ref (type);
  ev = g_enum_get_value_by_nick (klass, str);
  if (ev == NULL)
    return FALSE;

  *out = ev->value;
  return TRUE;
}

#define DEFINE_ENUM_STRINGS(Name, name, TYPE)                           \
  const char *                                                          \
  duet_##name##_to_string (Name value)                                  \
  {                                                                     \
    return enum_to_string (TYPE, value);                                \
  }                                                                     \
  gboolean                                                              \
  duet_##name##_from_string (const char *str, Name *out)                \
  {                                                                     \
    int v;                                                              \
    if (!enum_from_string (TYPE, str, &v))                              \
      return FALSE;                                                     \
    *out = (Name) v;                                                    \
    return TRUE;                                                        \
  }

DEFINE_ENUM_STRINGS (DuetDisconnectReason, disconnect_reason, DUET_TYPE_DISCONNECT_REASON)
DEFINE_ENUM_STRINGS (DuetDisconnectSource, disconnect_source, DUET_TYPE_DISCONNECT_SOURCE)
DEFINE_ENUM_STRINGS (DuetStartFailReason, start_fail_reason, DUET_TYPE_START_FAIL_REASON)
DEFINE_ENUM_STRINGS (DuetMediaType, media_type, DUET_TYPE_MEDIA_TYPE)
DEFINE_ENUM_STRINGS (DuetVideoState, video_state, DUET_TYPE_VIDEO_STATE)
DEFINE_ENUM_STRINGS (DuetVideoPauseReason, video_pause_reason, DUET_TYPE_VIDEO_PAUSE_REASON)
DEFINE_ENUM_STRINGS (DuetMediaDisabledReason, media_disabled_reason, DUET_TYPE_MEDIA_DISABLED_REASON)
DEFINE_ENUM_STRINGS (DuetWireCallState, wire_call_state, DUET_TYPE_WIRE_CALL_STATE)
DEFINE_ENUM_STRINGS (DuetCallRole, call_role, DUET_TYPE_CALL_ROLE)
DEFINE_ENUM_STRINGS (DuetCallDirection, call_direction, DUET_TYPE_CALL_DIRECTION)
DEFINE_ENUM_STRINGS (DuetSignalType, signal_type, DUET_TYPE_SIGNAL_TYPE)

gboolean
duet_media_type_has_video (DuetMediaType type)
{
  return type == DUET_MEDIA_TYPE_VIDEO || type == DUET_MEDIA_TYPE_AUDIOVIDEO;
}
