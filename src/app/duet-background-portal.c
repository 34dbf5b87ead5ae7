/* duet-background-portal.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * org.freedesktop.portal.Background over plain GDBus: a sandboxed app
 * cannot write its own autostart entry, so it asks the portal, which asks
 * the user and writes the entry itself. libportal would do the same; for
 * this one call, plain GDBus spares the app a dependency.
 *
 * The portal answers through a Request object: RequestBackground returns
 * its path at once and the answer comes later as Request::Response. The
 * path is predictable from our unique name and the handle_token option,
 * so we subscribe before calling and cannot miss a quick answer. Portals
 * older than 0.9 return some other path; then we move the subscription.
 */
#define G_LOG_DOMAIN "DuetBackgroundPortal"

#include "config.h"

#include <glib/gi18n.h>

#include "duet-background-portal.h"

#ifdef GDK_WINDOWING_X11
#include <gdk/x11/gdkx.h>
#endif

#define PORTAL_BUS_NAME    "org.freedesktop.portal.Desktop"
#define PORTAL_OBJECT_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_BACKGROUND  "org.freedesktop.portal.Background"
#define PORTAL_REQUEST     "org.freedesktop.portal.Request"

/* Response codes of org.freedesktop.portal.Request::Response */
enum {
  RESPONSE_SUCCESS   = 0,
  RESPONSE_CANCELLED = 1,  /* the user said no */
};

struct _DuetBackgroundPortal
{
  GObject          parent_instance;

  GDBusConnection *connection;
};

G_DEFINE_FINAL_TYPE (DuetBackgroundPortal, duet_background_portal, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_CONNECTION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* One RequestBackground call, the data of its GTask */
typedef struct
{
  GDBusConnection *connection;
  char            *handle;       /* the Request object we listen on */
  guint            response_id;
  GSource         *cancelled_source;
  gboolean         autostart;
  gboolean         completed;
} Request;

static void
request_free (Request *request)
{
  g_assert (request->response_id == 0 && request->cancelled_source == NULL);
  g_clear_object (&request->connection);
  g_free (request->handle);
  g_free (request);
}

static void
unsubscribe_response (Request *request)
{
  if (request->response_id != 0)
    g_dbus_connection_signal_unsubscribe (request->connection, request->response_id);
  request->response_id = 0;
}

/* Completes the task once; later answers (a Response racing a cancel,
 * the call's reply after either) find it completed and are dropped. */
static void
complete (GTask   *task,
          GError  *error,
          gboolean autostart)
{
  Request *request = g_task_get_task_data (task);

  if (request->completed)
    {
      g_clear_error (&error);
      return;
    }
  request->completed = TRUE;

  unsubscribe_response (request);
  if (request->cancelled_source != NULL)
    {
      g_source_destroy (request->cancelled_source);
      g_clear_pointer (&request->cancelled_source, g_source_unref);
    }

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, autostart);
}

static void
close_request (GDBusConnection *connection,
               const char      *handle)
{
  /* Takes the dialog down; the reply does not matter */
  g_dbus_connection_call (connection, PORTAL_BUS_NAME, handle, PORTAL_REQUEST, "Close",
                          NULL, NULL, G_DBUS_CALL_FLAGS_NO_AUTO_START, -1,
                          NULL, NULL, NULL);
}

static void
response_cb (GDBusConnection *connection,
             const char      *sender_name,
             const char      *object_path,
             const char      *interface_name,
             const char      *signal_name,
             GVariant        *parameters,
             gpointer         user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GVariant) results = NULL;
  gboolean autostart = FALSE;
  guint32 response;

  if (!g_variant_is_of_type (parameters, G_VARIANT_TYPE ("(ua{sv})")))
    return;
  g_variant_get (parameters, "(u@a{sv})", &response, &results);

  switch (response)
    {
    case RESPONSE_SUCCESS:
      g_variant_lookup (results, "autostart", "b", &autostart);
      complete (task, NULL, autostart);
      break;
    case RESPONSE_CANCELLED:
      complete (task,
                g_error_new_literal (G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                                     request->autostart
                                     ? _("Duet was not allowed to run in the background and start at login")
                                     : _("Duet was not allowed to run in the background")),
                FALSE);
      break;
    default:
      complete (task,
                g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                             _("The request to run in the background failed (portal response %u)"),
                             response),
                FALSE);
      break;
    }
}

static void
subscribe_response (GTask      *task,
                    const char *handle)
{
  Request *request = g_task_get_task_data (task);

  unsubscribe_response (request);
  g_free (request->handle);
  request->handle = g_strdup (handle);
  /* The subscription holds the task until complete() drops it */
  request->response_id =
    g_dbus_connection_signal_subscribe (request->connection, PORTAL_BUS_NAME,
                                        PORTAL_REQUEST, "Response", handle, NULL,
                                        G_DBUS_SIGNAL_FLAGS_NONE,
                                        response_cb, g_object_ref (task), g_object_unref);
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

static void
request_background_cb (GObject      *source,
                       GAsyncResult *result,
                       gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  Request *request = g_task_get_task_data (task);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  const char *handle;

  reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  if (reply == NULL)
    {
      g_dbus_error_strip_remote_error (error);
      if (is_missing_portal (error))
        complete (task,
                  g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                       _("Cannot ask to run in the background: the desktop has no Background portal")),
                  FALSE);
      else
        complete (task,
                  g_error_new (G_IO_ERROR, G_IO_ERROR_FAILED,
                               _("Cannot ask to run in the background: %s"), error->message),
                  FALSE);
      return;
    }

  g_variant_get (reply, "(&o)", &handle);
  if (g_strcmp0 (handle, request->handle) == 0)
    return;
  if (request->completed)
    close_request (request->connection, handle);  /* cancelled meanwhile */
  else
    subscribe_response (task, handle);
}

static gboolean
cancelled_cb (GCancellable *cancellable,
              gpointer      user_data)
{
  GTask *task = user_data;
  Request *request = g_task_get_task_data (task);
  GError *error = NULL;

  close_request (request->connection, request->handle);
  g_cancellable_set_error_if_cancelled (cancellable, &error);
  complete (task, error, FALSE);
  return G_SOURCE_REMOVE;
}

/* "" is allowed and lets the portal centre its dialog on the screen; on
 * Wayland a handle would need an asynchronous export first. */
static char *
parent_window_handle (GtkWindow *parent)
{
#ifdef GDK_WINDOWING_X11
  GdkSurface *surface = NULL;

  if (parent != NULL && gtk_widget_get_realized (GTK_WIDGET (parent)))
    surface = gtk_native_get_surface (GTK_NATIVE (parent));
  if (surface != NULL && GDK_IS_X11_SURFACE (surface))
    return g_strdup_printf ("x11:%lx", (unsigned long) gdk_x11_surface_get_xid (surface));
#endif
  return g_strdup ("");
}

/* /org/freedesktop/portal/desktop/request/SENDER/TOKEN, where SENDER is
 * our unique name without its ':' and with '_' for every '.' */
static char *
expected_handle (GDBusConnection *connection,
                 const char      *token)
{
  g_autofree char *sender = g_strdup (g_dbus_connection_get_unique_name (connection) + 1);

  g_strdelimit (sender, ".", '_');
  return g_strconcat (PORTAL_OBJECT_PATH "/request/", sender, "/", token, NULL);
}

static GVariant *
request_options (const char *token,
                 gboolean    autostart)
{
  const char * const commandline[] = { "duet", "--background", NULL };
  GVariantBuilder options;

  g_variant_builder_init (&options, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&options, "{sv}", "handle_token", g_variant_new_string (token));
  g_variant_builder_add (&options, "{sv}", "reason",
                         g_variant_new_string (_("Duet runs in the background so that it can ring when someone calls.")));
  g_variant_builder_add (&options, "{sv}", "autostart", g_variant_new_boolean (autostart));
  g_variant_builder_add (&options, "{sv}", "commandline", g_variant_new_strv (commandline, -1));
  /* The command line, not D-Bus activation: it must pass --background */
  g_variant_builder_add (&options, "{sv}", "dbus-activatable", g_variant_new_boolean (FALSE));
  return g_variant_builder_end (&options);
}

/**
 * duet_background_portal_request_async:
 * @autostart: whether Duet should also start at login
 * @parent: (nullable): the window a dialog of the portal belongs to
 *
 * Asks to run in the background, with or without starting at login. The
 * portal may ask the user first, so this can take a while.
 */
void
duet_background_portal_request_async (DuetBackgroundPortal *self,
                                      gboolean              autostart,
                                      GtkWindow            *parent,
                                      GCancellable         *cancellable,
                                      GAsyncReadyCallback   callback,
                                      gpointer              user_data)
{
  static guint counter;
  g_autoptr(GTask) task = NULL;
  g_autofree char *token = NULL;
  g_autofree char *handle = NULL;
  g_autofree char *parent_handle = NULL;
  Request *request;

  g_return_if_fail (DUET_IS_BACKGROUND_PORTAL (self));
  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, duet_background_portal_request_async);

  request = g_new0 (Request, 1);
  request->connection = g_object_ref (self->connection);
  request->autostart = autostart;
  g_task_set_task_data (task, request, (GDestroyNotify) request_free);

  if (g_task_return_error_if_cancelled (task))
    return;

  token = g_strdup_printf ("duet%u_%u", ++counter, g_random_int ());
  handle = expected_handle (self->connection, token);
  subscribe_response (task, handle);

  if (cancellable != NULL)
    {
      /* A source, not g_cancellable_connect(): completing the task from
       * inside g_cancellable_cancel() could reenter its caller */
      request->cancelled_source = g_cancellable_source_new (cancellable);
      g_source_set_callback (request->cancelled_source, G_SOURCE_FUNC (cancelled_cb),
                             g_object_ref (task), g_object_unref);
      g_source_attach (request->cancelled_source, g_task_get_context (task));
    }

  parent_handle = parent_window_handle (parent);
  g_dbus_connection_call (self->connection, PORTAL_BUS_NAME, PORTAL_OBJECT_PATH,
                          PORTAL_BACKGROUND, "RequestBackground",
                          g_variant_new ("(s@a{sv})", parent_handle, request_options (token, autostart)),
                          G_VARIANT_TYPE ("(o)"), G_DBUS_CALL_FLAGS_NONE, -1,
                          NULL, request_background_cb, g_object_ref (task));
}

/**
 * duet_background_portal_request_finish:
 * @out_autostart: (out) (optional): whether the portal will start Duet at login
 *
 * Returns: %TRUE if Duet may run in the background; else %FALSE with
 *   @error saying why (%G_IO_ERROR_PERMISSION_DENIED: the user said no)
 */
gboolean
duet_background_portal_request_finish (DuetBackgroundPortal  *self,
                                       GAsyncResult          *result,
                                       gboolean              *out_autostart,
                                       GError               **error)
{
  g_autoptr(GError) local_error = NULL;
  gboolean autostart;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == duet_background_portal_request_async, FALSE);

  autostart = g_task_propagate_boolean (G_TASK (result), &local_error);
  if (local_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }
  if (out_autostart != NULL)
    *out_autostart = autostart;
  return TRUE;
}

static void
duet_background_portal_get_property (GObject    *object,
                                     guint       prop_id,
                                     GValue     *value,
                                     GParamSpec *pspec)
{
  DuetBackgroundPortal *self = DUET_BACKGROUND_PORTAL (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      g_value_set_object (value, self->connection);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_background_portal_set_property (GObject      *object,
                                     guint         prop_id,
                                     const GValue *value,
                                     GParamSpec   *pspec)
{
  DuetBackgroundPortal *self = DUET_BACKGROUND_PORTAL (object);

  switch (prop_id)
    {
    case PROP_CONNECTION:
      self->connection = g_value_dup_object (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_background_portal_finalize (GObject *object)
{
  DuetBackgroundPortal *self = DUET_BACKGROUND_PORTAL (object);

  g_clear_object (&self->connection);

  G_OBJECT_CLASS (duet_background_portal_parent_class)->finalize (object);
}

static void
duet_background_portal_class_init (DuetBackgroundPortalClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = duet_background_portal_get_property;
  object_class->set_property = duet_background_portal_set_property;
  object_class->finalize = duet_background_portal_finalize;

  /* The session bus, where the portal is */
  properties[PROP_CONNECTION] =
    g_param_spec_object ("connection", NULL, NULL, G_TYPE_DBUS_CONNECTION,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
duet_background_portal_init (DuetBackgroundPortal *self)
{
}

DuetBackgroundPortal *
duet_background_portal_new (GDBusConnection *connection)
{
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), NULL);

  return g_object_new (DUET_TYPE_BACKGROUND_PORTAL, "connection", connection, NULL);
}

GDBusConnection *
duet_background_portal_get_connection (DuetBackgroundPortal *self)
{
  g_return_val_if_fail (DUET_IS_BACKGROUND_PORTAL (self), NULL);
  return self->connection;
}
