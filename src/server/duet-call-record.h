/* duet-call-record.h: one 1-to-1 call as the server keeps and stores it
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "duet-messages.h"

G_BEGIN_DECLS

typedef enum
{
  DUET_CALL_RECORD_STATE_WAITING,    /* invited, callee has not verified */
  DUET_CALL_RECORD_STATE_RINGING,    /* verified, callee rings */
  DUET_CALL_RECORD_STATE_CONNECTED,
  DUET_CALL_RECORD_STATE_ENDED,
} DuetCallRecordState;

typedef enum
{
  DUET_CALL_PARTY_CALLER,
  DUET_CALL_PARTY_CALLEE,
  DUET_CALL_PARTY_NONE,
} DuetCallParty;

#define DUET_TYPE_CALL_RECORD (duet_call_record_get_type ())

/* A plain ref-counted struct: the fields are the server's working state
 * and map one to one onto the `calls` table. Times are unix ms, 0 = never. */
typedef struct
{
  char                 *call_id;
  gint64                caller_id;       /* account ids; 0: the account is gone */
  gint64                callee_id;
  char                 *caller_user;
  char                 *caller_service;
  char                 *callee_user;
  char                 *callee_service;
  DuetMediaType         media_type;
  DuetCallRecordState   state;
  gint64                invited_at;
  gint64                verified_at;
  gint64                answered_at;
  gint64                ended_at;
  DuetDisconnectReason  reason;          /* 0 until ended */
  DuetDisconnectSource  source;
  char                 *user_code;       /* what end_call named; NULL: none */
  char                 *cc_param;
  gboolean              caller_pending;  /* end not yet told to the caller */
  gboolean              callee_pending;
  char                 *caller_device;   /* the device that called */
  char                 *callee_device;   /* the one that answered; before, the
                                          * first to verify (it sets up media) */
  gint64                seen_at;         /* a missed call marked seen */

  /* runtime only */
  guint                 ring_timer;
  guint                 grace_timer[2];
  gboolean              callee_prepares; /* verify_call said use_responder_preparation */
  gboolean              in_preparation;  /* accepted with it, not finished yet */
  gboolean              refused;         /* ended at make_call: the callee never heard of it */
  GPtrArray            *legs;            /* DuetCallLeg*: the callee's devices that ring */
  char                 *ender_device;    /* the device whose end_call ended it */
} DuetCallRecord;

/* One device of the callee that rings for a call: its own cc_param, good
 * for one verify by that device */
typedef struct
{
  char     *device_id;
  char     *cc_param;
  gboolean  verified;
} DuetCallLeg;

GType           duet_call_record_get_type      (void) G_GNUC_CONST;
DuetCallRecord *duet_call_record_new           (void);
DuetCallRecord *duet_call_record_ref           (DuetCallRecord *self);
void            duet_call_record_unref         (DuetCallRecord *self);

char           *duet_user_key                  (const char     *service,
                                                const char     *user);
const char     *duet_call_record_state_to_string (DuetCallRecordState  state);
gboolean        duet_call_record_state_from_string (const char          *str,
                                                    DuetCallRecordState *out);

DuetCallParty   duet_call_record_get_party     (DuetCallRecord *self,
                                                gint64          account_id);
DuetCallParty   duet_call_record_get_device_party (DuetCallRecord *self,
                                                gint64          account_id,
                                                const char     *device_id);
const char     *duet_call_record_party_user    (DuetCallRecord *self,
                                                DuetCallParty   party);
const char     *duet_call_record_party_service (DuetCallRecord *self,
                                                DuetCallParty   party);
char           *duet_call_record_party_key     (DuetCallRecord *self,
                                                DuetCallParty   party);
DuetCallLeg    *duet_call_record_find_leg      (DuetCallRecord *self,
                                                const char     *device_id);
DuetCallLeg    *duet_call_record_add_leg       (DuetCallRecord *self,
                                                const char     *device_id,
                                                char           *cc_param);
gboolean        duet_call_record_is_missed     (DuetCallRecord *self);
DuetWireCallState duet_call_record_state_to_wire (DuetCallRecordState state);
DuetHistoryEntry *duet_call_record_to_history  (DuetCallRecord *self,
                                                DuetCallParty   viewer);

JsonObject     *duet_call_record_to_json       (DuetCallRecord *self);
DuetCallRecord *duet_call_record_new_from_json (JsonObject     *object);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (DuetCallRecord, duet_call_record_unref)

G_END_DECLS
