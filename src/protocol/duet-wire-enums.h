/* duet-wire-enums.h: enums of the wire protocol that the kit's API does not use
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Internal (not installed): what the server and the kit's signalling say
 * to each other. Like the public enums, each value's nick is its name on
 * the wire; duet-wire-enum-types.h has their GTypes.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/* A call as the server holds it: hello's calls, history entries */
typedef enum /*< prefix=DUET_WIRE_CALL_STATE >*/
{
  DUET_WIRE_CALL_STATE_WAITING = 0,   /*< nick=waiting >*/    /* invited, the callee has not verified */
  DUET_WIRE_CALL_STATE_RINGING = 1,   /*< nick=ringing >*/    /* verified, not answered */
  DUET_WIRE_CALL_STATE_CONNECTED = 2, /*< nick=connected >*/
  DUET_WIRE_CALL_STATE_ENDED = 3,     /*< nick=ended >*/
} DuetWireCallState;

typedef enum /*< prefix=DUET_CALL_ROLE >*/
{
  DUET_CALL_ROLE_CALLER = 0, /*< nick=caller >*/
  DUET_CALL_ROLE_CALLEE = 1, /*< nick=callee >*/
} DuetCallRole;

typedef enum /*< prefix=DUET_CALL_DIRECTION >*/
{
  DUET_CALL_DIRECTION_OUTGOING = 0, /*< nick=outgoing >*/
  DUET_CALL_DIRECTION_INCOMING = 1, /*< nick=incoming >*/
} DuetCallDirection;

/* The `type` of a signal payload */
typedef enum /*< prefix=DUET_SIGNAL_TYPE >*/
{
  DUET_SIGNAL_TYPE_OFFER = 0,     /*< nick=offer >*/
  DUET_SIGNAL_TYPE_ANSWER = 1,    /*< nick=answer >*/
  DUET_SIGNAL_TYPE_CANDIDATE = 2, /*< nick=candidate >*/
} DuetSignalType;

/* Why the server signed a device out (signed_out) */
typedef enum /*< prefix=DUET_SIGN_OUT_REASON >*/
{
  DUET_SIGN_OUT_REASON_BY_USER = 0,      /*< nick=by_user >*/       /* from one of the user's devices */
  DUET_SIGN_OUT_REASON_DEVICE_LIMIT = 1, /*< nick=device_limit >*/  /* a newer device took its place */
} DuetSignOutReason;

const char *duet_wire_call_state_to_string (DuetWireCallState state);
gboolean    duet_wire_call_state_from_string (const char        *str,
                                              DuetWireCallState *out);
const char *duet_call_role_to_string (DuetCallRole role);
gboolean    duet_call_role_from_string (const char   *str,
                                        DuetCallRole *out);
const char *duet_call_direction_to_string (DuetCallDirection direction);
gboolean    duet_call_direction_from_string (const char        *str,
                                             DuetCallDirection *out);
const char *duet_signal_type_to_string (DuetSignalType type);
gboolean    duet_signal_type_from_string (const char     *str,
                                          DuetSignalType *out);

const char *duet_sign_out_reason_to_string (DuetSignOutReason reason);
gboolean    duet_sign_out_reason_from_string (const char        *str,
                                              DuetSignOutReason *out);

G_END_DECLS
