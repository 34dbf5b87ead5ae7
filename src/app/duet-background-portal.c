/* duet-background-portal.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * org.freedesktop.portal.Background through libportal: a sandboxed app
 * cannot write its own autostart entry, so it asks the portal, which asks
 * the user and writes the entry itself. libportal-gtk4 turns the window
 * into the portal's parent handle (on Wayland after exporting it), so the
 * portal's dialog belongs to Duet's window.
 *
 * What this wrapper adds to libportal 0.6:
 * - xdp_portal_new() needs a session bus and crashes without one, so it is
 *   made only once g_bus_get_sync() has found one;
 * - one request at a time: libportal 0.6 frees its request when the
 *   cancellable fires while the D-Bus reply can still arrive into it, so
 *   nothing is ever cancelled. A request made while another waits for the
 *   user is sent when that one is answered; a newer one replaces it
 *   (finishing with G_IO_ERROR_CANCELLED), so only the latest wish is sent;
 * - a portal that goes away before it answers (a crash, a restart) would
 *   leave its request waiting for ever, and every later one behind it, so
 *   the portal's name is watched: when its owner goes, the request fails
 *   and the next one goes to the portal that comes next;
 * - libportal's answers as the messages the app shows.
 */
#define G_LOG_DOMAIN "DuetBackgroundPortal"

#include "config.h"

#include <glib/gi18n.h>
#include <libportal-gtk4/portal-gtk4.h>

#include "duet-background-portal.h"

#define PORTAL_BUS_NAME "org.freedesktop.portal.Desktop"

struct _DuetBackgroundPortal
{
  GObject    parent_instance;

  XdpPortal *portal;         /* made at the first request */
  guint      watch_id;       /* of the portal's bus name */
  gboolean   portal_owned;   /* the name has had an owner since it was last lost */
  GTask     *sent;           /* the request the portal is working on */
  GTask     *queued;         /* the newest request waiting for it */
};

G_DEFINE_FINAL_TYPE (DuetBackgroundPortal, duet_background_portal, G_TYPE_OBJECT)

/* The data of a request's GTask */
typedef struct
{
  gboolean   autostart;
  GtkWindow *parent;
} Request;

static void
request_free (Request *request)
{
  g_clear_object (&request->parent);
  g_free (request);
}

static gboolean
is_missing_portal (const GError *error)
{
  return g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_INTERFACE) ||
         g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT);
}

static GError *
refusal (gboolean autostart)
{
  return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                              autostart
                              ? _("Duet was not allowed to run in the background and start at login")
                              : _("Duet was not allowed to run in the background"));
}

/* libportal 0.6 reports the portal's response 1 (the user said no) as
 * G_IO_ERROR_CANCELLED and response 2 as G_IO_ERROR_FAILED; anything
 * else is the D-Bus call's own error */
static GError *
describe_error (const GError *error,
                gboolean      autostart)
{
  g_autoptr(GError) stripped = NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return refusal (autostart);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED))
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED,
                                _("The request to run in the background failed"));

  stripped = g_error_copy (error);
  g_dbus_error_strip_remote_error (stripped);
  if (is_missing_portal (stripped))
    return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                _("Cannot ask to run in the background: the desktop has no Background portal"));
  return g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                      _("Cannot ask to run in the background: %s"), stripped->message);
}

static void send_request (DuetBackgroundPortal *self,
                          GTask                *task);

/* The next request goes out before the finished one returns, so that a
 * callback asking again finds it sent and queues behind it */
static void
send_next (DuetBackgroundPortal *self)
{
  g_autoptr(GTask) next = g_steal_pointer (&self->queued);

  if (next != NULL)
    send_request (self, next);
}

static void
request_done_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  DuetBackgroundPortal *self = g_task_get_source_object (task);
  Request *request = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  gboolean granted;

  /* With AUTOSTART the answer is whether autostart was granted, else
   * whether running in the background was */
  granted = xdp_portal_request_background_finish (XDP_PORTAL (source), result, &error);

  /* Given up on when the portal went away */
  if (task != self->sent)
    return;
  g_clear_object (&self->sent);

  send_next (self);

  if (error != NULL)
    g_task_return_error (task, describe_error (error, request->autostart));
  else if (!granted)
    g_task_return_error (task, request->autostart
                               ? g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                                      _("Duet was not allowed to start at login"))
                               : refusal (FALSE));
  else
    g_task_return_boolean (task, TRUE);
}

static void
portal_appeared_cb (GDBusConnection *connection,
                    const char      *name,
                    const char      *owner,
                    gpointer         user_data)
{
  DuetBackgroundPortal *self = user_data;

  self->portal_owned = TRUE;
}

/* Only a portal that was there can go away: with none at all, the request
 * itself fails, and says so better */
static void
portal_vanished_cb (GDBusConnection *connection,
                    const char      *name,
                    gpointer         user_data)
{
  DuetBackgroundPortal *self = user_data;
  g_autoptr(GTask) task = NULL;

  if (!self->portal_owned)
    return;
  self->portal_owned = FALSE;
  if (self->sent == NULL)
    return;

  task = g_steal_pointer (&self->sent);
  send_next (self);
  g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "%s",
                           _("The Background portal stopped before it answered"));
}

static gboolean
ensure_portal (DuetBackgroundPortal  *self,
               GError               **error)
{
  g_autoptr(GDBusConnection) bus = NULL;
  g_autoptr(GError) local_error = NULL;

  if (self->portal != NULL)
    return TRUE;

  /* xdp_portal_new() takes the bus for granted */
  bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &local_error);
  if (bus == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("Cannot ask to run in the background: %s"), local_error->message);
      return FALSE;
    }
  self->portal = xdp_portal_new ();
  self->watch_id = g_bus_watch_name_on_connection (bus, PORTAL_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                   portal_appeared_cb, portal_vanished_cb, self, NULL);
  return TRUE;
}

static void
send_request (DuetBackgroundPortal *self,
              GTask                *task)
{
  Request *request = g_task_get_task_data (task);
  g_autoptr(GPtrArray) commandline = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(XdpParent) parent = NULL;
  g_autoptr(GError) error = NULL;

  if (!ensure_portal (self, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* The command line, not D-Bus activation: it must pass --background */
  g_ptr_array_add (commandline, g_strdup ("duet"));
  g_ptr_array_add (commandline, g_strdup ("--background"));

  /* libportal-gtk4 reads the window's surface: a window that is not (or
   * no longer) realized has none, and the portal then centres its dialog */
  if (request->parent != NULL && gtk_widget_get_realized (GTK_WIDGET (request->parent)))
    parent = xdp_parent_new_gtk (request->parent);

  self->sent = g_object_ref (task);
  /* libportal takes its own reference on the command line */
  xdp_portal_request_background (self->portal, parent,
                                 (char *) _("Duet runs in the background so that it can ring when someone calls."),
                                 commandline,
                                 request->autostart ? XDP_BACKGROUND_FLAG_AUTOSTART : XDP_BACKGROUND_FLAG_NONE,
                                 NULL, request_done_cb, g_object_ref (task));
}

/**
 * duet_background_portal_request_async:
 * @autostart: whether Duet should also start at login
 * @parent: (nullable): the window a dialog of the portal belongs to
 *
 * Asks to run in the background, with or without starting at login. The
 * portal may ask the user first, so this can take a while; a request made
 * meanwhile waits for the answer, and replaces any other one waiting.
 */
void
duet_background_portal_request_async (DuetBackgroundPortal *self,
                                      gboolean              autostart,
                                      GtkWindow            *parent,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;
  Request *request;

  g_return_if_fail (DUET_IS_BACKGROUND_PORTAL (self));
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, duet_background_portal_request_async);

  request = g_new0 (Request, 1);
  request->autostart = autostart;
  request->parent = parent != NULL ? g_object_ref (parent) : NULL;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  if (self->sent == NULL)
    {
      send_request (self, task);
      return;
    }

  if (self->queued != NULL)
    {
      g_autoptr(GTask) replaced = g_steal_pointer (&self->queued);

      /* Not shown to anyone: the caller learns of the newer request */
      g_task_return_new_error (replaced, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "Replaced by a newer request");
    }
  self->queued = g_steal_pointer (&task);
}

/**
 * duet_background_portal_request_finish:
 *
 * Returns: %TRUE if Duet may run in the background (and start at login,
 *   when that was asked); else %FALSE with @error saying why
 *   (%G_IO_ERROR_PERMISSION_DENIED: the user said no;
 *   %G_IO_ERROR_CANCELLED: a newer request replaced this one)
 */
gboolean
duet_background_portal_request_finish (DuetBackgroundPortal  *self,
                                       GAsyncResult          *result,
                                       GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == duet_background_portal_request_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
duet_background_portal_dispose (GObject *object)
{
  DuetBackgroundPortal *self = DUET_BACKGROUND_PORTAL (object);

  /* A request in flight holds a reference, so none is left here */
  g_assert (self->sent == NULL);
  g_clear_object (&self->queued);
  g_clear_handle_id (&self->watch_id, g_bus_unwatch_name);
  g_clear_object (&self->portal);

  G_OBJECT_CLASS (duet_background_portal_parent_class)->dispose (object);
}

static void
duet_background_portal_class_init (DuetBackgroundPortalClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_background_portal_dispose;
}

static void
duet_background_portal_init (DuetBackgroundPortal *self)
{
}

DuetBackgroundPortal *
duet_background_portal_new (void)
{
  return g_object_new (DUET_TYPE_BACKGROUND_PORTAL, NULL);
}
