/* duet-token-bucket.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <math.h>

#include "duet-token-bucket.h"

void
duet_token_bucket_init (DuetTokenBucket *self,
                        double           rate_per_second,
                        double           burst)
{
  self->rate = rate_per_second;
  self->burst = burst;
  self->tokens = burst;
  self->updated = g_get_monotonic_time ();
}

static void
refill (DuetTokenBucket *self)
{
  gint64 now = g_get_monotonic_time ();

  self->tokens = MIN (self->burst, self->tokens + (now - self->updated) * self->rate / G_USEC_PER_SEC);
  self->updated = now;
}

/* TRUE, and one token fewer, if one was left */
gboolean
duet_token_bucket_take (DuetTokenBucket *self)
{
  refill (self);
  if (self->tokens < 1.0)
    return FALSE;
  self->tokens -= 1.0;
  return TRUE;
}

/* Whole seconds until the next token, at least 1 */
gint64
duet_token_bucket_retry_after (DuetTokenBucket *self)
{
  refill (self);
  if (self->tokens >= 1.0 || self->rate <= 0)
    return 1;
  return MAX (1, (gint64) ceil ((1.0 - self->tokens) / self->rate));
}

/* A full bucket is the same as a new one, so it need not be kept */
gboolean
duet_token_bucket_is_full (DuetTokenBucket *self)
{
  refill (self);
  return self->tokens >= self->burst;
}
