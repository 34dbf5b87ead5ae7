/* fuzz-replay-main.c: runs a fuzz target over its corpus without libFuzzer
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Linked into every target in normal builds, so the seed corpus and every
 * crash found and saved there are replayed by `meson test`.
 */
#include <glib.h>

int LLVMFuzzerTestOneInput (const guint8 *data, size_t size);

static int
replay_file (const char *path)
{
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      g_printerr ("%s\n", error->message);
      return 1;
    }
  LLVMFuzzerTestOneInput ((const guint8 *) contents, length);
  g_print ("ok %s\n", path);
  return 0;
}

int
main (int argc, char *argv[])
{
  int failures = 0;
  guint count = 0;

  for (int i = 1; i < argc; i++)
    {
      g_autoptr(GDir) dir = g_dir_open (argv[i], 0, NULL);
      const char *name;

      if (dir == NULL)
        {
          failures += replay_file (argv[i]);
          count++;
          continue;
        }
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *path = g_build_filename (argv[i], name, NULL);
          failures += replay_file (path);
          count++;
        }
    }

  if (count == 0)
    {
      g_printerr ("no corpus files given\n");
      return 1;
    }
  return failures ? 1 : 0;
}
