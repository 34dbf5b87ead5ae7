/* duet-call-statistics.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DuetCallStatistics"

#include "config.h"

#include "duet-call-statistics.h"

G_DEFINE_BOXED_TYPE (DuetCallStatistics, duet_call_statistics,
                     duet_call_statistics_copy, duet_call_statistics_free)

/**
 * duet_call_statistics_copy:
 * @self: a #DuetCallStatistics
 *
 * Copies the statistics, for bindings and to keep a snapshot.
 *
 * Returns: (transfer full): a copy of @self
 */
DuetCallStatistics *
duet_call_statistics_copy (const DuetCallStatistics *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return g_memdup2 (self, sizeof *self);
}

/**
 * duet_call_statistics_free:
 * @self: a #DuetCallStatistics from duet_call_statistics_copy()
 *
 * Frees a copy.
 */
void
duet_call_statistics_free (DuetCallStatistics *self)
{
  g_free (self);
}
