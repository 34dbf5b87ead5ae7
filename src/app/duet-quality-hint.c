/* duet-quality-hint.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Decides when the call window says that a connection is poor. The kit's
 * qualities follow the last seconds of loss and delay and can swing from
 * one report to the next; a hint that came and went with each would be
 * noise. So each side's hint appears once its quality has been POOR for
 * DUET_QUALITY_HINT_DELAY_US without a break, and goes once it has been
 * anything else (FAIR, GOOD, or UNKNOWN while no media flows) for as long.
 * Only one hint shows at a time: this side's own, when both are poor, since
 * it is the one the user can do something about.
 *
 * Time is passed in rather than read, so the rules are tested without a
 * clock or a call; the window re-evaluates at the deadline it is given.
 */
#define G_LOG_DOMAIN "DuetQualityHint"

#include "config.h"

#include <glib/gi18n.h>

#include "duet-quality-hint.h"

/* One side's hint and the change it is waiting to make */
typedef struct
{
  gboolean shown;
  gboolean pending;   /* the quality disagrees with shown since `since` */
  gint64   since;
} Side;

struct _DuetQualityHint
{
  GObject             parent_instance;

  Side                own;
  Side                peer;
  DuetQualityHintKind kind;
};

G_DEFINE_FINAL_TYPE (DuetQualityHint, duet_quality_hint, G_TYPE_OBJECT)

static void
side_update (Side    *side,
             gboolean poor,
             gint64   now_us)
{
  if (poor == side->shown)
    {
      /* A break in the streak: the next change starts counting afresh */
      side->pending = FALSE;
      return;
    }
  if (!side->pending)
    {
      side->pending = TRUE;
      side->since = now_us;
    }
  if (now_us - side->since >= DUET_QUALITY_HINT_DELAY_US)
    {
      side->shown = poor;
      side->pending = FALSE;
    }
}

/**
 * duet_quality_hint_update:
 * @own: #DuetCall:network-quality now
 * @peer: #DuetCall:peer-network-quality now
 * @now_us: the monotonic time now
 *
 * Takes the qualities as they are at @now_us. Call it whenever either
 * changes, and again at the deadline from duet_quality_hint_get_deadline().
 *
 * Returns: whether the hint to show changed
 */
gboolean
duet_quality_hint_update (DuetQualityHint    *self,
                          DuetNetworkQuality  own,
                          DuetNetworkQuality  peer,
                          gint64              now_us)
{
  DuetQualityHintKind kind;

  g_return_val_if_fail (DUET_IS_QUALITY_HINT (self), FALSE);

  side_update (&self->own, own == DUET_NETWORK_QUALITY_POOR, now_us);
  side_update (&self->peer, peer == DUET_NETWORK_QUALITY_POOR, now_us);

  if (self->own.shown)
    kind = DUET_QUALITY_HINT_OWN;
  else if (self->peer.shown)
    kind = DUET_QUALITY_HINT_PEER;
  else
    kind = DUET_QUALITY_HINT_NONE;
  if (kind == self->kind)
    return FALSE;
  self->kind = kind;
  return TRUE;
}

/**
 * duet_quality_hint_reset:
 *
 * Forgets everything, as for a new call.
 */
void
duet_quality_hint_reset (DuetQualityHint *self)
{
  g_return_if_fail (DUET_IS_QUALITY_HINT (self));

  self->own = (Side) { 0 };
  self->peer = (Side) { 0 };
  self->kind = DUET_QUALITY_HINT_NONE;
}

DuetQualityHintKind
duet_quality_hint_get_kind (DuetQualityHint *self)
{
  g_return_val_if_fail (DUET_IS_QUALITY_HINT (self), DUET_QUALITY_HINT_NONE);
  return self->kind;
}

/**
 * duet_quality_hint_get_deadline:
 * @deadline_us: (out): when a side's hint changes if the qualities stay
 *   as they are
 *
 * Returns: %FALSE when no change is pending
 */
gboolean
duet_quality_hint_get_deadline (DuetQualityHint *self,
                                gint64          *deadline_us)
{
  gint64 deadline = G_MAXINT64;

  g_return_val_if_fail (DUET_IS_QUALITY_HINT (self), FALSE);

  if (self->own.pending)
    deadline = self->own.since + DUET_QUALITY_HINT_DELAY_US;
  if (self->peer.pending)
    deadline = MIN (deadline, self->peer.since + DUET_QUALITY_HINT_DELAY_US);
  if (deadline == G_MAXINT64)
    return FALSE;
  *deadline_us = deadline;
  return TRUE;
}

/**
 * duet_quality_hint_describe:
 * @peer_name: the other person, as the window names them
 *
 * Returns: (nullable): the hint in words; %NULL for none
 */
char *
duet_quality_hint_describe (DuetQualityHintKind  kind,
                            const char          *peer_name)
{
  switch (kind)
    {
    case DUET_QUALITY_HINT_OWN:
      /* Translators: shown over the call when the other person's sound
       * and video reach this side badly */
      return g_strdup (_("Your connection is poor"));
    case DUET_QUALITY_HINT_PEER:
      /* Translators: %s is the other person in the call. Shown over the
       * call when what this side sends reaches them badly */
      return g_strdup_printf (_("%s’s connection is poor: your video may look choppy to them"), peer_name);
    case DUET_QUALITY_HINT_NONE:
    default:
      return NULL;
    }
}

static void
duet_quality_hint_class_init (DuetQualityHintClass *klass)
{
}

static void
duet_quality_hint_init (DuetQualityHint *self)
{
}

DuetQualityHint *
duet_quality_hint_new (void)
{
  return g_object_new (DUET_TYPE_QUALITY_HINT, NULL);
}
