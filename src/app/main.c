/* main.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sets up gettext and GStreamer, then hands over to DuetApplication.
 */
#define G_LOG_DOMAIN "Duet"

#include "config.h"

#include <glib/gi18n.h>
#include <gst/gst.h>

#include "duet-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(DuetApplication) app = NULL;

  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  /* Before any thread exists; the kit and the video sink need it */
  gst_init (&argc, &argv);

  app = duet_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
