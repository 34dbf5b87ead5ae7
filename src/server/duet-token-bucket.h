/* duet-token-bucket.h: a token-bucket rate limit
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* A plain struct so that it can live inside what it limits */
typedef struct
{
  double rate;      /* tokens a second */
  double burst;
  double tokens;
  gint64 updated;   /* monotonic µs */
} DuetTokenBucket;

void     duet_token_bucket_init        (DuetTokenBucket *self,
                                        double           rate_per_second,
                                        double           burst);
gboolean duet_token_bucket_take        (DuetTokenBucket *self);
gint64   duet_token_bucket_retry_after (DuetTokenBucket *self);
gboolean duet_token_bucket_is_full     (DuetTokenBucket *self);

G_END_DECLS
