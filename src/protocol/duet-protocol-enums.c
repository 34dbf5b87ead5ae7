/* duet-protocol-enums.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
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

/**
 * duet_disconnect_reason_to_string:
 * @reason: a #DuetDisconnectReason
 *
 * Gives the name of a disconnect reason in the protocol, the server's call history
 * and duet-call's output, such as `NOANSWER`: the value's #GEnumValue nick.
 *
 * Returns: (nullable): the name, or %NULL when @reason is not a known value
 */

/**
 * duet_disconnect_reason_from_string:
 * @str: (nullable): a name such as `NOANSWER`
 * @out: (out): where to store the value named by @str
 *
 * Reads a disconnect reason from its name in the protocol, the reverse of
 * duet_disconnect_reason_to_string(). @out is left alone when @str names no value.
 *
 * Returns: %TRUE when @str named a value
 */
/**
 * duet_disconnect_source_to_string:
 * @source: a #DuetDisconnectSource
 *
 * Gives the name of a disconnect source in the protocol, the server's call history
 * and duet-call's output, such as `CALLEE`: the value's #GEnumValue nick.
 *
 * Returns: (nullable): the name, or %NULL when @source is not a known value
 */

/**
 * duet_disconnect_source_from_string:
 * @str: (nullable): a name such as `CALLEE`
 * @out: (out): where to store the value named by @str
 *
 * Reads a disconnect source from its name in the protocol, the reverse of
 * duet_disconnect_source_to_string(). @out is left alone when @str names no value.
 *
 * Returns: %TRUE when @str named a value
 */
/**
 * duet_start_fail_reason_to_string:
 * @reason: a #DuetStartFailReason
 *
 * Gives the name of a start-fail reason in the protocol, the server's call history
 * and duet-call's output, such as `UNKNOWN_PEER`: the value's #GEnumValue nick.
 *
 * Returns: (nullable): the name, or %NULL when @reason is not a known value
 */

/**
 * duet_start_fail_reason_from_string:
 * @str: (nullable): a name such as `UNKNOWN_PEER`
 * @out: (out): where to store the value named by @str
 *
 * Reads a start-fail reason from its name in the protocol, the reverse of
 * duet_start_fail_reason_to_string(). @out is left alone when @str names no value.
 *
 * Returns: %TRUE when @str named a value
 */
/**
 * duet_media_type_to_string:
 * @type: a #DuetMediaType
 *
 * Gives the name of a media type in the protocol, the server's call history
 * and duet-call's output, such as `audiovideo`: the value's #GEnumValue nick.
 *
 * Returns: (nullable): the name, or %NULL when @type is not a known value
 */

/**
 * duet_media_type_from_string:
 * @str: (nullable): a name such as `audiovideo`
 * @out: (out): where to store the value named by @str
 *
 * Reads a media type from its name in the protocol, the reverse of
 * duet_media_type_to_string(). @out is left alone when @str names no value.
 *
 * Returns: %TRUE when @str named a value
 */
/**
 * duet_video_state_to_string:
 * @state: a #DuetVideoState
 *
 * Gives the name of a video state in the protocol, the server's call history
 * and duet-call's output, such as `paused`: the value's #GEnumValue nick.
 *
 * Returns: (nullable): the name, or %NULL when @state is not a known value
 */

/**
 * duet_video_state_from_string:
 * @str: (nullable): a name such as `paused`
 * @out: (out): where to store the value named by @str
 *
 * Reads a video state from its name in the protocol, the reverse of
 * duet_video_state_to_string(). @out is left alone when @str names no value.
 *
 * Returns: %TRUE when @str named a value
 */
/**
 * duet_video_pause_reason_to_string:
 * @reason: a #DuetVideoPauseReason
 *
 * Gives the name of a video pause reason in the protocol, the server's call history
 * and duet-call's output, such as `BY_USER`: the value's #GEnumValue nick.
 *
 * Returns: (nullable): the name, or %NULL when @reason is not a known value
 */

/**
 * duet_video_pause_reason_from_string:
 * @str: (nullable): a name such as `BY_USER`
 * @out: (out): where to store the value named by @str
 *
 * Reads a video pause reason from its name in the protocol, the reverse of
 * duet_video_pause_reason_to_string(). @out is left alone when @str names no value.
 *
 * Returns: %TRUE when @str named a value
 */
/**
 * duet_media_disabled_reason_to_string:
 * @reason: a #DuetMediaDisabledReason
 *
 * Gives the name of a reason video was turned off in the protocol, the server's call history
 * and duet-call's output, such as `DECLINE`: the value's #GEnumValue nick.
 *
 * Returns: (nullable): the name, or %NULL when @reason is not a known value
 */

/**
 * duet_media_disabled_reason_from_string:
 * @str: (nullable): a name such as `DECLINE`
 * @out: (out): where to store the value named by @str
 *
 * Reads a reason video was turned off from its name in the protocol, the reverse of
 * duet_media_disabled_reason_to_string(). @out is left alone when @str names no value.
 *
 * Returns: %TRUE when @str named a value
 */
/**
 * duet_network_quality_to_string:
 * @quality: a #DuetNetworkQuality
 *
 * Gives the name of a network quality level in the data channel's
 * receiver reports and duet-call's output, such as `fair`: the value's
 * #GEnumValue nick.
 *
 * Returns: (nullable): the name, or %NULL when @quality is not a known value
 */

/**
 * duet_network_quality_from_string:
 * @str: (nullable): a name such as `fair`
 * @out: (out): where to store the value named by @str
 *
 * Reads a network quality level from its name, the reverse of
 * duet_network_quality_to_string(). @out is left alone when @str names no
 * value.
 *
 * Returns: %TRUE when @str named a value
 */
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
DEFINE_ENUM_STRINGS (DuetNetworkQuality, network_quality, DUET_TYPE_NETWORK_QUALITY)
DEFINE_ENUM_STRINGS (DuetVideoPauseReason, video_pause_reason, DUET_TYPE_VIDEO_PAUSE_REASON)
DEFINE_ENUM_STRINGS (DuetMediaDisabledReason, media_disabled_reason, DUET_TYPE_MEDIA_DISABLED_REASON)
DEFINE_ENUM_STRINGS (DuetWireCallState, wire_call_state, DUET_TYPE_WIRE_CALL_STATE)
DEFINE_ENUM_STRINGS (DuetCallRole, call_role, DUET_TYPE_CALL_ROLE)
DEFINE_ENUM_STRINGS (DuetCallDirection, call_direction, DUET_TYPE_CALL_DIRECTION)
DEFINE_ENUM_STRINGS (DuetSignalType, signal_type, DUET_TYPE_SIGNAL_TYPE)
DEFINE_ENUM_STRINGS (DuetSignOutReason, sign_out_reason, DUET_TYPE_SIGN_OUT_REASON)

/**
 * duet_media_type_has_video:
 * @type: a media type
 *
 * Whether a call of this media type carries video.
 *
 * Returns: %TRUE for %DUET_MEDIA_TYPE_VIDEO and %DUET_MEDIA_TYPE_AUDIOVIDEO
 */
gboolean
duet_media_type_has_video (DuetMediaType type)
{
  return type == DUET_MEDIA_TYPE_VIDEO || type == DUET_MEDIA_TYPE_AUDIOVIDEO;
}
