/* duet-bench-users.c: bulk accounts and tokens for the server benchmarks
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   duet-bench-users --db F --prefix bench --count N --tokens OUT [--devices K]
 *
 * Adds users PREFIX0..PREFIX(N-1) (password "pw", minimum KDF cost) through
 * the server's own DuetStore, then signs an access token for each of K
 * devices of each user (bench0…bench(K-1); one by default) with the
 * database's jwt_key (what `duet-server token` does) and writes them to
 * OUT, one a line, device by device. One process instead of 2×N `duet-server` runs: see
 * docs/benchmarks.md for the timing of both paths.
 */
#include <stdio.h>
#include <sodium.h>

#include "duet-pg-store.h"
#include "duet-sqlite-store.h"
#include "duet-token.h"

int
main (int argc, char **argv)
{
  g_autofree char *db = NULL, *prefix = NULL, *tokens = NULL, *store_uri = NULL;
  int count = 0, lifetime = 43200, devices = 1;
  GOptionEntry entries[] = {
    { "db", 0, 0, G_OPTION_ARG_FILENAME, &db, "SQLite database (created if missing)", "PATH" },
    { "store", 0, 0, G_OPTION_ARG_STRING, &store_uri, "PostgreSQL database instead", "URI" },
    { "prefix", 0, 0, G_OPTION_ARG_STRING, &prefix, "User id prefix (bench)", "ID" },
    { "count", 0, 0, G_OPTION_ARG_INT, &count, "Number of users", "N" },
    { "tokens", 0, 0, G_OPTION_ARG_FILENAME, &tokens, "Write one token per line here", "FILE" },
    { "lifetime", 0, 0, G_OPTION_ARG_INT, &lifetime, "Token lifetime (43200)", "SECONDS" },
    { "devices", 0, 0, G_OPTION_ARG_INT, &devices, "Devices (tokens) per user (1)", "K" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = g_option_context_new ("- bulk benchmark users");
  g_autoptr(GError) error = NULL;
  g_autoptr(DuetStore) store = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  guint8 key[DUET_STORE_SECRET_LENGTH];
  gint64 start = g_get_monotonic_time (), added_at, now = g_get_real_time () / G_USEC_PER_SEC;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || (db == NULL) == (store_uri == NULL) ||
      count < 1 || devices < 1)
    {
      g_printerr ("usage: duet-bench-users --db F|--store URI --count N [--prefix bench] [--tokens FILE]\n");
      return 2;
    }
  if (prefix == NULL)
    prefix = g_strdup ("bench");
  if (sodium_init () < 0)
    return 1;

  store = store_uri != NULL ? duet_pg_store_open (store_uri, DUET_PG_STORE_ADMIN, &error)
                            : duet_sqlite_store_open (db, &error);
  if (store == NULL)
    g_error ("%s", error->message);

  for (int i = 0; i < count; i++)
    {
      g_autofree char *user = g_strdup_printf ("%s%d", prefix, i);

      if (!duet_store_add_user (store, "duet", user, "pw", DUET_KDF_COST_MIN, &error))
        g_error ("%s", error->message);
    }
  added_at = g_get_monotonic_time ();

  if (!duet_store_get_secret (store, "jwt_key", key, &error))
    g_error ("%s", error->message);
  for (int d = 0; d < devices; d++)
    for (int i = 0; i < count; i++)
      {
        g_autofree char *user = g_strdup_printf ("%s%d", prefix, i);
        g_autofree char *device = g_strdup_printf ("bench%d", d);
        g_autofree char *token = NULL;
        gint64 tv = 0, account_id = 0, device_key = 0;

        if (!duet_store_lookup_user (store, "duet", user, &account_id, NULL, &tv, &error) ||
            !duet_store_put_device (store, account_id, device, "duet-bench-users", now * 1000,
                                    &device_key, &error))
          g_error ("%s", error->message);
        token = duet_token_sign (user, "duet", now, now + lifetime, tv, device, device_key, key, sizeof key);
        g_string_append_printf (out, "%s\n", token);
      }
  sodium_memzero (key, sizeof key);
  if (tokens != NULL && !g_file_set_contents (tokens, out->str, out->len, &error))
    g_error ("%s", error->message);

  printf ("{\"users\": %d, \"add_s\": %.3f, \"tokens_s\": %.3f}\n", count,
          (added_at - start) / 1e6, (g_get_monotonic_time () - added_at) / 1e6);
  return 0;
}
