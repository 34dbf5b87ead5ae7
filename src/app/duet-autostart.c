/* duet-autostart.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Starts Duet at login while the user wants it: the `autostart` setting
 * (opt-in) together with `run-in-background`, since started at login Duet
 * runs hidden. Outside a sandbox the installed autostart entry is copied
 * into the user's autostart folder; inside Flatpak, where a copied entry
 * would name a binary the host cannot run, the Background portal writes
 * one instead (docs/flatpak.md). It follows the settings by itself; a
 * refusal of the portal is the `failed` signal, for the application to
 * show.
 */
#define G_LOG_DOMAIN "DuetAutostart"

#include "config.h"

#include "duet-autostart.h"
#include "duet-background-portal.h"

#define ENTRY_NAME APPLICATION_ID "-autostart.desktop"

struct _DuetAutostart
{
  GObject               parent_instance;

  GtkApplication       *application;   /* weak: it owns this object */
  GSettings            *settings;
  char                 *profile;
  DuetBackgroundPortal *portal;        /* made at the first request */
  gboolean              wanted;        /* what the entry or the portal was last told */
};

G_DEFINE_FINAL_TYPE (DuetAutostart, duet_autostart, G_TYPE_OBJECT)

enum {
  FAILED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static char *
autostart_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "autostart", ENTRY_NAME, NULL);
}

/* The installed entry: XDG_DATA_DIRS first (a relocated install, the
 * tests), then the prefix Duet was built for */
static char *
find_autostart_source (void)
{
  const char * const *dirs = g_get_system_data_dirs ();
  g_autofree char *fallback = NULL;

  for (guint i = 0; dirs[i] != NULL; i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], "duet", ENTRY_NAME, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&path);
    }
  fallback = g_build_filename (DUET_DATADIR, "duet", ENTRY_NAME, NULL);
  return g_file_test (fallback, G_FILE_TEST_IS_REGULAR) ? g_steal_pointer (&fallback) : NULL;
}

/* DUET_USE_PORTALS=1 uses the portals outside a sandbox too: the tests do,
 * against a stand-in portal. */
static gboolean
use_portals (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) ||
         g_strcmp0 (g_getenv ("DUET_USE_PORTALS"), "1") == 0;
}

static void
request_background_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(DuetAutostart) self = user_data;
  g_autoptr(GError) error = NULL;

  /* A refusal only costs the start at login: the application's hold keeps
   * the process running either way, so say what happened and carry on */
  if (!duet_background_portal_request_finish (DUET_BACKGROUND_PORTAL (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;  /* a newer request replaced it */
      g_warning ("Background portal: %s", error->message);
      g_signal_emit (self, signals[FAILED], 0, error->message);
      return;
    }
  g_debug ("The Background portal agreed");
}

/* A newer request replaces one still waiting to be sent */
static void
request_background (DuetAutostart *self,
                    gboolean       autostart)
{
  GtkWindow *parent = NULL;

  if (self->portal == NULL)
    self->portal = duet_background_portal_new ();
  if (self->application != NULL)
    parent = gtk_application_get_active_window (self->application);
  duet_background_portal_request_async (self->portal, autostart, parent,
                                        request_background_cb, g_object_ref (self));
}

/* Profiles are for demos and never start by themselves */
static gboolean
autostart_wanted (DuetAutostart *self)
{
  return self->profile == NULL &&
         g_settings_get_boolean (self->settings, "autostart") &&
         g_settings_get_boolean (self->settings, "run-in-background");
}

static gboolean
make_parent_directory (GFile *dest)
{
  g_autoptr(GFile) parent = g_file_get_parent (dest);
  g_autoptr(GError) error = NULL;

  if (g_file_make_directory_with_parents (parent, NULL, &error) ||
      g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    return TRUE;
  g_warning ("Cannot create %s: %s", g_file_peek_path (parent), error->message);
  return FALSE;
}

static void
copy_autostart_file (GFile *dest)
{
  g_autofree char *source_path = find_autostart_source ();
  g_autoptr(GFile) source = NULL;
  g_autoptr(GError) error = NULL;

  if (!make_parent_directory (dest))
    return;
  if (source_path == NULL)
    {
      g_warning ("Cannot start Duet at login: %s is not installed", ENTRY_NAME);
      return;
    }
  source = g_file_new_for_path (source_path);
  if (!g_file_copy (source, dest, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, &error))
    g_warning ("Cannot start Duet at login: %s", error->message);
}

/* Copies the installed entry while autostart is wanted, deletes it when not */
static void
update_autostart_file (gboolean wanted)
{
  g_autofree char *target = autostart_path ();
  g_autoptr(GFile) dest = g_file_new_for_path (target);
  g_autoptr(GError) error = NULL;

  if (wanted)
    copy_autostart_file (dest);
  else if (!g_file_delete (dest, NULL, &error) &&
           !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    g_warning ("Cannot remove %s: %s", target, error->message);
}

/* The portal is asked only when the answer changes, so that turning on
 * something else does not raise the portal's question. */
static void
on_settings_changed (DuetAutostart *self)
{
  gboolean wanted = autostart_wanted (self);

  if (self->profile != NULL || wanted == self->wanted)
    return;
  self->wanted = wanted;
  if (use_portals ())
    request_background (self, wanted);
  else
    update_autostart_file (wanted);
}

/* Nothing is written or asked on a first start, autostart being off. Once
 * the user has turned it on, the portal (which keeps no state we could
 * check) is asked again at every start, which it answers without asking
 * the user again; an entry the user's files lost is put back. An entry
 * that an older Duet wrote unasked goes while the setting is off. */
static void
sync_at_startup (DuetAutostart *self)
{
  g_autofree char *target = NULL;

  self->wanted = autostart_wanted (self);
  if (self->profile != NULL)
    return;
  if (use_portals ())
    {
      if (self->wanted)
        request_background (self, TRUE);
      return;
    }
  target = autostart_path ();
  if (!self->wanted || !g_file_test (target, G_FILE_TEST_EXISTS))
    update_autostart_file (self->wanted);
}

static void
duet_autostart_dispose (GObject *object)
{
  DuetAutostart *self = DUET_AUTOSTART (object);

  g_clear_weak_pointer (&self->application);
  g_clear_object (&self->portal);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (duet_autostart_parent_class)->dispose (object);
}

static void
duet_autostart_finalize (GObject *object)
{
  DuetAutostart *self = DUET_AUTOSTART (object);

  g_free (self->profile);

  G_OBJECT_CLASS (duet_autostart_parent_class)->finalize (object);
}

static void
duet_autostart_class_init (DuetAutostartClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_autostart_dispose;
  object_class->finalize = duet_autostart_finalize;

  /**
   * DuetAutostart::failed:
   * @message: why, translated
   *
   * The Background portal refused or could not be asked.
   */
  signals[FAILED] =
    g_signal_new ("failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_STRING);
}

static void
duet_autostart_init (DuetAutostart *self)
{
}

/**
 * duet_autostart_new:
 * @application: whose active window is the portal dialog's parent
 * @settings: the app's settings (`autostart`, `run-in-background`)
 * @profile: (nullable): the profile, which never starts at login
 *
 * Brings the entry or the portal in line with the settings at once, then
 * follows them.
 */
DuetAutostart *
duet_autostart_new (GtkApplication *application,
                    GSettings      *settings,
                    const char     *profile)
{
  DuetAutostart *self = g_object_new (DUET_TYPE_AUTOSTART, NULL);

  g_set_weak_pointer (&self->application, application);
  self->settings = g_object_ref (settings);
  self->profile = g_strdup (profile);
  g_signal_connect_object (settings, "changed::autostart",
                           G_CALLBACK (on_settings_changed), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (settings, "changed::run-in-background",
                           G_CALLBACK (on_settings_changed), self, G_CONNECT_SWAPPED);
  sync_at_startup (self);
  return self;
}
