/* duet-login-limiter.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fixed windows: a window opens with the first event and allows `limit`
 * events until it closes. Cheap, and good enough against online guessing.
 */
#include "duet-login-limiter.h"

typedef struct
{
  gint64 window_start;
  guint  count;
} Window;

struct _DuetLoginLimiter
{
  GObject     parent_instance;

  GHashTable *accounts;   /* "service/user" → Window */
  GHashTable *addresses;  /* address → Window */
  guint       account_failures;
  gint64      account_window;
  guint       address_attempts;
  gint64      address_window;
  gint64      last_sweep;
};

G_DEFINE_FINAL_TYPE (DuetLoginLimiter, duet_login_limiter, G_TYPE_OBJECT)

static void
duet_login_limiter_finalize (GObject *object)
{
  DuetLoginLimiter *self = DUET_LOGIN_LIMITER (object);

  g_hash_table_unref (self->accounts);
  g_hash_table_unref (self->addresses);
  G_OBJECT_CLASS (duet_login_limiter_parent_class)->finalize (object);
}

static void
duet_login_limiter_class_init (DuetLoginLimiterClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = duet_login_limiter_finalize;
}

static void
duet_login_limiter_init (DuetLoginLimiter *self)
{
  self->accounts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->addresses = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

DuetLoginLimiter *
duet_login_limiter_new (guint  account_failures,
                        gint64 account_window_s,
                        guint  address_attempts,
                        gint64 address_window_s)
{
  DuetLoginLimiter *self = g_object_new (DUET_TYPE_LOGIN_LIMITER, NULL);

  self->account_failures = account_failures;
  self->account_window = account_window_s;
  self->address_attempts = address_attempts;
  self->address_window = address_window_s;
  return self;
}

static Window *
lookup_window (GHashTable *table,
               const char *key,
               gint64      window,
               gint64      now)
{
  Window *w = g_hash_table_lookup (table, key);

  if (w == NULL)
    {
      w = g_new0 (Window, 1);
      w->window_start = now;
      g_hash_table_insert (table, g_strdup (key), w);
    }
  else if (now - w->window_start >= window)
    {
      w->window_start = now;
      w->count = 0;
    }
  return w;
}

static gboolean
window_expired (gpointer key,
                gpointer value,
                gpointer user_data)
{
  const gint64 *cutoff = user_data;
  Window *w = value;

  return w->window_start < *cutoff;
}

/* Bound memory: forget windows that have closed */
static void
sweep (DuetLoginLimiter *self,
       gint64            now)
{
  gint64 cutoff;

  if (now - self->last_sweep < 60)
    return;
  self->last_sweep = now;
  cutoff = now - self->account_window;
  g_hash_table_foreach_remove (self->accounts, window_expired, &cutoff);
  cutoff = now - self->address_window;
  g_hash_table_foreach_remove (self->addresses, window_expired, &cutoff);
}

static gboolean
window_full (Window *w,
             guint   limit,
             gint64  window,
             gint64  now,
             gint64 *retry_after_s)
{
  if (w->count < limit)
    return FALSE;
  *retry_after_s = MAX (1, w->window_start + window - now);
  return TRUE;
}

static Window *
address_window (DuetLoginLimiter *self,
                const char       *address,
                gint64            now)
{
  sweep (self, now);
  return lookup_window (self->addresses, address ? address : "", self->address_window, now);
}

/* Counts the attempt against the address; refuses when either limit is hit */
gboolean
duet_login_limiter_allow (DuetLoginLimiter *self,
                          const char       *account,
                          const char       *address,
                          gint64            now_s,
                          gint64           *retry_after_s)
{
  Window *addr = address_window (self, address, now_s);
  Window *acct;

  if (window_full (addr, self->address_attempts, self->address_window, now_s, retry_after_s))
    return FALSE;
  addr->count++;

  acct = lookup_window (self->accounts, account, self->account_window, now_s);
  return !window_full (acct, self->account_failures, self->account_window, now_s, retry_after_s);
}

/* For requests that name no account (token refreshes): checks the
 * address's window without counting; only failures count, through
 * duet_login_limiter_add_address_failure(), so that valid refreshes
 * never use up an address's sign-in attempts. */
gboolean
duet_login_limiter_allow_address (DuetLoginLimiter *self,
                                  const char       *address,
                                  gint64            now_s,
                                  gint64           *retry_after_s)
{
  Window *addr = address_window (self, address, now_s);

  return !window_full (addr, self->address_attempts, self->address_window, now_s, retry_after_s);
}

void
duet_login_limiter_add_address_failure (DuetLoginLimiter *self,
                                        const char       *address,
                                        gint64            now_s)
{
  address_window (self, address, now_s)->count++;
}

void
duet_login_limiter_add_failure (DuetLoginLimiter *self,
                                const char       *account,
                                gint64            now_s)
{
  Window *acct = lookup_window (self->accounts, account, self->account_window, now_s);

  acct->count++;
}
