/* duet-password.c: password hashes (Argon2id, by libsodium)
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include <string.h>
#include <sodium.h>

#include "duet-password.h"
#include "duet-server-error.h"

char *
duet_password_hash (const char  *password,
                    DuetKdfCost  cost,
                    GError     **error)
{
  char hash[crypto_pwhash_STRBYTES];
  unsigned long long ops = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  size_t mem = crypto_pwhash_MEMLIMIT_INTERACTIVE;

  if (sodium_init () < 0)
    {
      g_set_error_literal (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_CRYPTO, "Cannot initialise libsodium");
      return NULL;
    }
  if (cost == DUET_KDF_COST_MIN)
    {
      ops = crypto_pwhash_OPSLIMIT_MIN;
      mem = crypto_pwhash_MEMLIMIT_MIN;
    }

  if (crypto_pwhash_str (hash, password, strlen (password), ops, mem) != 0)
    {
      g_set_error_literal (error, DUET_SERVER_ERROR, DUET_SERVER_ERROR_CRYPTO,
                           "Out of memory while hashing the password");
      return NULL;
    }
  return g_strdup (hash);
}

/* Checked against for unknown accounts, so that timing does not tell
 * whether an account exists. Made once, at the default cost. */
const char *
duet_password_dummy_hash (void)
{
  static char *dummy;

  if (g_once_init_enter (&dummy))
    {
      guint8 random[16];
      g_autofree char *password = NULL;
      char *hash;

      randombytes_buf (random, sizeof random);
      password = g_base64_encode (random, sizeof random);
      hash = duet_password_hash (password, DUET_KDF_COST_INTERACTIVE, NULL);
      g_once_init_leave (&dummy, hash != NULL ? hash : g_strdup ("-"));
    }
  return dummy;
}

gboolean
duet_password_check (const char *hash,
                     const char *password)
{
  return crypto_pwhash_str_verify (hash, password, strlen (password)) == 0;
}
