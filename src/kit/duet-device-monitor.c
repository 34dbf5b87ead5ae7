/* duet-device-monitor.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * GStreamer's device monitor lists the same hardware through several
 * providers (a camera through PipeWire and V4L2, a microphone through
 * PulseAudio, PipeWire and ALSA). Each kind takes its devices from the
 * best family present: PipeWire then V4L2 for cameras (PipeWire shares a
 * camera between programs), PulseAudio (or PipeWire's pulse server) then
 * PipeWire then ALSA for sound, where pulsesrc/pulsesink are the mature
 * elements. With the Camera portal (inside Flatpak, or DUET_USE_PORTALS=1)
 * cameras come only from the PipeWire remote the portal hands out, once
 * the user has allowed it.
 */
#define G_LOG_DOMAIN "DuetDevices"

#include "config.h"

#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <libportal/portal.h>

#include "duet-device-monitor-private.h"
#include "duet-device-private.h"
#include "duet-kit-enum-types.h"

#define N_KINDS 3

typedef enum
{
  FAMILY_OTHER,
  FAMILY_ALSA,
  FAMILY_V4L2,
  FAMILY_PIPEWIRE,
  FAMILY_PULSE,
} Family;

struct _DuetDeviceMonitor
{
  GObject            parent_instance;

  GstDeviceMonitor  *monitor;
  GstDeviceProvider *sound_provider;    /* with the portal: PulseAudio alone */
  GstDeviceProvider *portal_provider;   /* cameras through the portal's remote */
  int                portal_fd;
  XdpPortal         *portal;
  GCancellable      *cancellable;
  gboolean           uses_portal;
  DuetCameraAccess   camera_access;
  GListStore        *lists[N_KINDS];
  Family             families[N_KINDS]; /* where each kind's devices come from */
  guint              refresh_source;
};

/**
 * DuetDeviceMonitor:
 *
 * The cameras, microphones and speakers a call can use, kept up to date as
 * devices come and go. Each kind is a #GListModel of #DuetDevice, for a
 * settings page or a call's device menu; pass a device's id to
 * duet_call_set_device() or #DuetManager:camera and its siblings.
 *
 * Inside a Flatpak sandbox (or with `DUET_USE_PORTALS=1`) cameras are
 * reached only through the desktop's Camera portal: the list of cameras
 * stays empty until duet_device_monitor_request_camera_access() succeeds,
 * which a call with video does by itself.
 *
 * Devices are watched on the thread-default main context of the first
 * caller of duet_device_monitor_get_default().
 */
G_DEFINE_FINAL_TYPE (DuetDeviceMonitor, duet_device_monitor, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_USES_PORTAL,
  PROP_CAMERA_ACCESS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static const char * const kind_classes[N_KINDS] = { "Video/Source", "Audio/Source", "Audio/Sink" };

static Family
family_of (GstDevice *device)
{
  const char *type = G_OBJECT_TYPE_NAME (device);

  if (g_str_has_prefix (type, "GstPipeWire"))
    return FAMILY_PIPEWIRE;
  if (g_str_has_prefix (type, "GstPulse"))
    return FAMILY_PULSE;
  if (g_str_has_prefix (type, "GstV4l2"))
    return FAMILY_V4L2;
  if (g_str_has_prefix (type, "GstAlsa"))
    return FAMILY_ALSA;
  return FAMILY_OTHER;
}

static int
family_rank (DuetDeviceKind kind,
             Family         family)
{
  switch (family)
    {
    case FAMILY_PIPEWIRE: return kind == DUET_DEVICE_KIND_CAMERA ? 3 : 2;
    case FAMILY_PULSE: return 3;
    case FAMILY_V4L2:
    case FAMILY_ALSA: return 1;
    case FAMILY_OTHER:
    default: return 0;
    }
}

static const char * const family_prefixes[] = { "other", "alsa", "v4l2", "pipewire", "pulse" };

static gboolean
has_property (gpointer    object,
              const char *name)
{
  return g_object_class_find_property (G_OBJECT_GET_CLASS (object), name) != NULL;
}

/* Stable across replugging and restarts: the sound server's or PipeWire's
 * node name, or the V4L2 device path; the display name as a last resort */
static char *
device_id (GstDevice *device,
           Family     family)
{
  g_autoptr(GstStructure) props = gst_device_get_properties (device);
  g_autofree char *internal = NULL;
  const char *key = NULL;

  if (has_property (device, "internal-name"))
    g_object_get (device, "internal-name", &internal, NULL);
  if (internal == NULL && props != NULL)
    {
      if (family == FAMILY_PIPEWIRE)
        key = gst_structure_get_string (props, "node.name");
      else if (family == FAMILY_V4L2)
        key = gst_structure_get_string (props, "device.path");
      if (key == NULL)
        key = gst_structure_get_string (props, "device.name");
      internal = g_strdup (key);
    }
  if (internal == NULL)
    internal = gst_device_get_display_name (device);
  return g_strdup_printf ("%s:%s", family_prefixes[family], internal);
}

static gboolean
is_monitor_source (GstDevice *device)
{
  g_autoptr(GstStructure) props = gst_device_get_properties (device);

  return props != NULL && g_strcmp0 (gst_structure_get_string (props, "device.class"), "monitor") == 0;
}

static gboolean
is_default_device (GstDevice *device)
{
  g_autoptr(GstStructure) props = gst_device_get_properties (device);
  gboolean is_default = FALSE;

  if (props != NULL)
    gst_structure_get_boolean (props, "is-default", &is_default);
  return is_default;
}

/* DUET_DEVICE_PROVIDERS=pipewire,pulse limits the families used: tests
 * keep to the PipeWire daemon they start, whatever the machine has */
static gboolean
family_allowed (Family family)
{
  const char *allowed = g_getenv ("DUET_DEVICE_PROVIDERS");
  g_auto(GStrv) names = NULL;

  if (allowed == NULL)
    return TRUE;
  names = g_strsplit (allowed, ",", -1);
  return g_strv_contains ((const char * const *) names, family_prefixes[family]);
}

static int
kind_of (GstDevice *device)
{
  for (int kind = 0; kind < N_KINDS; kind++)
    if (gst_device_has_classes (device, kind_classes[kind]))
      return kind;
  return -1;
}

static GList *
all_devices (DuetDeviceMonitor *self)
{
  GList *devices = self->monitor != NULL ? gst_device_monitor_get_devices (self->monitor) : NULL;

  if (self->sound_provider != NULL)
    devices = g_list_concat (devices, gst_device_provider_get_devices (self->sound_provider));
  if (self->portal_provider != NULL)
    devices = g_list_concat (devices, gst_device_provider_get_devices (self->portal_provider));
  return devices;
}

static gboolean
same_devices (GListModel *model,
              GPtrArray  *devices)
{
  if (g_list_model_get_n_items (model) != devices->len)
    return FALSE;
  for (guint i = 0; i < devices->len; i++)
    {
      g_autoptr(DuetDevice) old = g_list_model_get_item (model, i);
      DuetDevice *new = g_ptr_array_index (devices, i);

      if (g_strcmp0 (duet_device_get_id (old), duet_device_get_id (new)) != 0 ||
          g_strcmp0 (duet_device_get_name (old), duet_device_get_name (new)) != 0 ||
          duet_device_get_is_default (old) != duet_device_get_is_default (new))
        return FALSE;
    }
  return TRUE;
}

static void
refresh_kind (DuetDeviceMonitor *self,
              DuetDeviceKind     kind,
              GList             *devices)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_object_unref);
  gboolean any_default = FALSE;
  int best = -1;

  /* the best family present, and only its devices */
  for (GList *l = devices; l != NULL; l = l->next)
    if (kind_of (l->data) == (int) kind && !is_monitor_source (l->data) && family_allowed (family_of (l->data)))
      best = MAX (best, family_rank (kind, family_of (l->data)));

  for (GList *l = devices; l != NULL; l = l->next)
    {
      GstDevice *device = l->data;
      Family family = family_of (device);
      g_autofree char *id = NULL;
      g_autofree char *name = NULL;
      gboolean is_default;

      if (kind_of (device) != (int) kind || is_monitor_source (device) ||
          !family_allowed (family) || family_rank (kind, family) != best)
        continue;
      self->families[kind] = family;
      id = device_id (device, family);
      name = gst_device_get_display_name (device);
      is_default = is_default_device (device) && !any_default;
      any_default |= is_default;
      g_ptr_array_add (found, duet_device_new (kind, id, name, is_default, device));
    }
  if (found->len == 0)
    self->families[kind] = FAMILY_OTHER;
  else if (!any_default)
    {
      /* no desktop default known (cameras, PipeWire): the first one */
      DuetDevice *first = g_ptr_array_index (found, 0);

      g_ptr_array_index (found, 0) = duet_device_new (kind, duet_device_get_id (first), duet_device_get_name (first),
                                                      TRUE, duet_device_get_gst_device (first));
      g_object_unref (first);
    }

  if (!same_devices (G_LIST_MODEL (self->lists[kind]), found))
    g_list_store_splice (self->lists[kind], 0, g_list_model_get_n_items (G_LIST_MODEL (self->lists[kind])),
                         found->pdata, found->len);
}

static void
refresh (DuetDeviceMonitor *self)
{
  GList *devices = all_devices (self);

  for (int kind = 0; kind < N_KINDS; kind++)
    refresh_kind (self, kind, devices);
  g_list_free_full (devices, gst_object_unref);
}

static gboolean
refresh_cb (gpointer data)
{
  DuetDeviceMonitor *self = data;

  self->refresh_source = 0;
  refresh (self);
  return G_SOURCE_REMOVE;
}

/* Devices come and go in bursts (a headset is a source and a sink): one
 * refresh for each burst */
static gboolean
on_bus_message (GstBus     *bus,
                GstMessage *message,
                gpointer    data)
{
  DuetDeviceMonitor *self = data;

  switch (GST_MESSAGE_TYPE (message))
    {
    case GST_MESSAGE_DEVICE_ADDED:
    case GST_MESSAGE_DEVICE_REMOVED:
    case GST_MESSAGE_DEVICE_CHANGED:
      if (self->refresh_source == 0)
        self->refresh_source = g_timeout_add (50, refresh_cb, self);
      break;
    default:
      break;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
use_portals (void)
{
  return g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS) ||
         g_strcmp0 (g_getenv ("DUET_USE_PORTALS"), "1") == 0;
}

/* With the portal, sound comes through the sandbox's PulseAudio socket. No
 * GstDeviceMonitor then: it would start GStreamer's PipeWire provider, one
 * instance per process, before the portal's fd is set on it, and that
 * instance would ignore the fd. */
static void
start_sound_provider (DuetDeviceMonitor *self)
{
  g_autoptr(GstBus) bus = NULL;

  self->sound_provider = gst_device_provider_factory_get_by_name ("pulsedeviceprovider");
  if (self->sound_provider == NULL)
    return;
  bus = gst_device_provider_get_bus (self->sound_provider);
  gst_bus_add_watch (bus, on_bus_message, self);
  if (!gst_device_provider_start (self->sound_provider))
    g_debug ("No PulseAudio server");
}

static void
start_monitor (DuetDeviceMonitor *self)
{
  g_autoptr(GstBus) bus = NULL;

  if (self->uses_portal)
    {
      start_sound_provider (self);
      return;
    }
  self->monitor = gst_device_monitor_new ();
  for (int kind = 0; kind < N_KINDS; kind++)
    gst_device_monitor_add_filter (self->monitor, kind_classes[kind], NULL);
  bus = gst_device_monitor_get_bus (self->monitor);
  gst_bus_add_watch (bus, on_bus_message, self);
  if (!gst_device_monitor_start (self->monitor))
    g_debug ("No device provider started");
}

static void
set_camera_access (DuetDeviceMonitor *self,
                   DuetCameraAccess   access)
{
  if (self->camera_access == access)
    return;
  self->camera_access = access;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CAMERA_ACCESS]);
}

/* The portal's remote shows only cameras; the provider lists them and
 * makes pipewiresrc elements on that remote (PipeWire 0.3.64 and later) */
static gboolean
open_portal_cameras (DuetDeviceMonitor *self,
                     GError           **error)
{
  g_autoptr(GstBus) bus = NULL;

  self->portal_fd = xdp_portal_open_pipewire_remote_for_camera (self->portal);
  if (self->portal_fd < 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "The Camera portal gave no PipeWire remote");
      return FALSE;
    }
  self->portal_provider = gst_device_provider_factory_get_by_name ("pipewiredeviceprovider");
  if (self->portal_provider == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                           "GStreamer's PipeWire plugin is missing (gstreamer1.0-pipewire)");
      return FALSE;
    }
  g_object_set (self->portal_provider, "fd", self->portal_fd, NULL);
  bus = gst_device_provider_get_bus (self->portal_provider);
  gst_bus_add_watch (bus, on_bus_message, self);
  if (!gst_device_provider_start (self->portal_provider))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot list the portal's cameras");
      return FALSE;
    }
  return TRUE;
}

static void
access_camera_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      data)
{
  g_autoptr(DuetDeviceMonitor) self = data;
  g_autoptr(GError) error = NULL;

  if (!xdp_portal_access_camera_finish (XDP_PORTAL (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) && g_cancellable_is_cancelled (self->cancellable))
        return;
      g_message ("Camera portal: %s", error->message);
      /* libportal reports the user's “no” as cancelled */
      set_camera_access (self, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                               ? DUET_CAMERA_ACCESS_DENIED : DUET_CAMERA_ACCESS_UNAVAILABLE);
      return;
    }
  if (self->portal_provider == NULL && !open_portal_cameras (self, &error))
    {
      g_message ("Camera portal: %s", error->message);
      set_camera_access (self, DUET_CAMERA_ACCESS_UNAVAILABLE);
      return;
    }
  /* the cameras first, so that whoever hears of the grant finds them */
  refresh (self);
  set_camera_access (self, DUET_CAMERA_ACCESS_GRANTED);
}

/**
 * duet_device_monitor_request_camera_access:
 * @self: a #DuetDeviceMonitor
 *
 * Asks the Camera portal for the cameras, which may ask the user; the
 * answer comes as #DuetDeviceMonitor:camera-access, and the cameras in the
 * list of %DUET_DEVICE_KIND_CAMERA. Does nothing without the portal, when
 * access is granted, or while a request is under way.
 */
void
duet_device_monitor_request_camera_access (DuetDeviceMonitor *self)
{
  g_autoptr(GDBusConnection) bus = NULL;

  g_return_if_fail (DUET_IS_DEVICE_MONITOR (self));

  if (!self->uses_portal || self->camera_access == DUET_CAMERA_ACCESS_GRANTED ||
      self->camera_access == DUET_CAMERA_ACCESS_REQUESTING)
    return;
  if (self->portal == NULL)
    {
      /* libportal 0.6 aborts without a session bus */
      bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, NULL);
      if (bus == NULL)
        {
          set_camera_access (self, DUET_CAMERA_ACCESS_UNAVAILABLE);
          return;
        }
      self->portal = xdp_portal_new ();
    }
  set_camera_access (self, DUET_CAMERA_ACCESS_REQUESTING);
  xdp_portal_access_camera (self->portal, NULL, XDP_CAMERA_FLAG_NONE, self->cancellable,
                            access_camera_cb, g_object_ref (self));
}

static void
set_stream_role (GstElement *element)
{
  g_autoptr(GstStructure) props = NULL;

  /* the desktop routes and ducks a call's sound as it does other calls' */
  if (!has_property (element, "stream-properties"))
    return;
  props = gst_structure_new ("props", "media.role", G_TYPE_STRING, "phone", NULL);
  g_object_set (element, "stream-properties", props, NULL);
  if (has_property (element, "client-name"))
    g_object_set (element, "client-name", "Duet", NULL);
}

/* The sound server's default device, followed when it changes */
static GstElement *
make_server_default (DuetDeviceKind kind,
                     Family         family)
{
  gboolean source = kind == DUET_DEVICE_KIND_MICROPHONE;

  if (family == FAMILY_PULSE)
    return gst_element_factory_make (source ? "pulsesrc" : "pulsesink", NULL);
  if (family == FAMILY_PIPEWIRE)
    return gst_element_factory_make (source ? "pipewiresrc" : "pipewiresink", NULL);
  return NULL;
}

static void
close_fd (gpointer data)
{
  close (GPOINTER_TO_INT (data));
}

/* A camera element made by the portal's provider would share the
 * provider's PipeWire socket, and two connections on one socket lose each
 * other's messages (frames went missing, "no node available"): each
 * camera gets a remote of its own, closed with the element. */
static void
give_own_remote (DuetDeviceMonitor *self,
                 GstElement        *element)
{
  int fd;

  if (!has_property (element, "fd"))
    return;
  fd = xdp_portal_open_pipewire_remote_for_camera (self->portal);
  if (fd < 0)
    return;
  g_object_set (element, "fd", fd, NULL);
  g_object_set_data_full (G_OBJECT (element), "duet-portal-fd", GINT_TO_POINTER (fd), close_fd);
}

/* The PipeWire daemon's socket, as libpipewire finds it */
static char *
pipewire_socket_path (void)
{
  const char *remote = g_getenv ("PIPEWIRE_REMOTE");
  const char *dir = g_getenv ("PIPEWIRE_RUNTIME_DIR");

  if (remote == NULL || *remote == '\0')
    remote = "pipewire-0";
  if (g_path_is_absolute (remote))
    return g_strdup (remote);
  if (dir == NULL || *dir == '\0')
    dir = g_getenv ("XDG_RUNTIME_DIR");
  return dir != NULL && *dir != '\0' ? g_build_filename (dir, remote, NULL) : NULL;
}

/* GStreamer's PipeWire elements without an fd share one connection and
 * one client loop in the process; a microphone's pipewiresrc and a
 * speaker's pipewiresink in one call then stall each other now and then:
 * the sink's format negotiation stops half way (ParamBegin, never
 * ParamEnd), and the source's stream, on the same loop, stops after its
 * first buffer (devices-switch-audio, about one run in five under load).
 * Each element gets a connection of its own, closed with it, as the
 * portal's cameras already do. */
static void
give_own_connection (GstElement *element)
{
  g_autofree char *path = NULL;
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  int fd;

  if (!has_property (element, "fd") || (path = pipewire_socket_path ()) == NULL ||
      strlen (path) >= sizeof address.sun_path)
    return;
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return;
  strcpy (address.sun_path, path);
  if (connect (fd, (struct sockaddr *) &address, sizeof address) < 0)
    {
      close (fd);
      return;   /* the element connects the usual way */
    }
  g_object_set (element, "fd", fd, NULL);
  g_object_set_data_full (G_OBJECT (element), "duet-pipewire-fd", GINT_TO_POINTER (fd), close_fd);
}

static gboolean
is_pipewire_element (GstElement *element)
{
  GstElementFactory *factory = gst_element_get_factory (element);
  const char *name = factory != NULL ? gst_plugin_feature_get_name (GST_PLUGIN_FEATURE (factory)) : NULL;

  return g_strcmp0 (name, "pipewiresrc") == 0 || g_strcmp0 (name, "pipewiresink") == 0;
}

/*
 * duet_device_monitor_create_element:
 * @id: (nullable): the device wanted, or %NULL for the desktop's default
 * @used_id: (out) (optional): the id of the device the element opens, %NULL for the sound server's default
 * @problem: (out) (optional): why no element came back
 *
 * Makes the element that captures from (or plays to) the device, falling
 * back to the default one when @id is gone.
 *
 * Returns: (transfer floating) (nullable): the element
 */
GstElement *
duet_device_monitor_create_element (DuetDeviceMonitor  *self,
                                    DuetDeviceKind      kind,
                                    const char         *id,
                                    char              **used_id,
                                    DuetDeviceProblem  *problem)
{
  GListModel *list = G_LIST_MODEL (self->lists[kind]);
  DuetDevice *device = id != NULL ? duet_device_monitor_lookup (self, kind, id) : NULL;
  GstElement *element = NULL;

  if (used_id != NULL)
    *used_id = NULL;
  if (problem != NULL)
    *problem = DUET_DEVICE_PROBLEM_NONE;

  if (device == NULL && kind != DUET_DEVICE_KIND_CAMERA && g_list_model_get_n_items (list) > 0)
    element = make_server_default (kind, self->families[kind]);

  for (guint i = 0; element == NULL && device == NULL && i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(DuetDevice) candidate = g_list_model_get_item (list, i);

      if (duet_device_get_is_default (candidate))
        device = candidate;
    }

  if (device != NULL)
    {
      element = gst_device_create_element (duet_device_get_gst_device (device), NULL);
      if (used_id != NULL)
        *used_id = g_strdup (duet_device_get_id (device));
      if (element != NULL && kind == DUET_DEVICE_KIND_CAMERA && self->portal_provider != NULL)
        give_own_remote (self, element);
    }
  if (element != NULL && is_pipewire_element (element) && g_object_get_data (G_OBJECT (element), "duet-portal-fd") == NULL)
    give_own_connection (element);

  if (element == NULL && problem != NULL)
    *problem = kind == DUET_DEVICE_KIND_CAMERA && self->uses_portal &&
               self->camera_access == DUET_CAMERA_ACCESS_DENIED ? DUET_DEVICE_PROBLEM_DENIED
                                                                : DUET_DEVICE_PROBLEM_MISSING;
  if (element != NULL && kind != DUET_DEVICE_KIND_CAMERA)
    set_stream_role (element);
  return element;
}

/**
 * duet_device_monitor_get_default:
 *
 * Gets the process's device monitor, starting it on first use.
 *
 * Returns: (transfer none): the device monitor
 */
DuetDeviceMonitor *
duet_device_monitor_get_default (void)
{
  static DuetDeviceMonitor *instance;

  if (g_once_init_enter (&instance))
    g_once_init_leave (&instance, g_object_new (DUET_TYPE_DEVICE_MONITOR, NULL));
  return instance;
}

/**
 * duet_device_monitor_get_devices:
 * @self: a #DuetDeviceMonitor
 * @kind: cameras, microphones or speakers
 *
 * Gets the devices of @kind present now; the list changes as they come
 * and go.
 *
 * Returns: (transfer none): a #GListModel of #DuetDevice
 */
GListModel *
duet_device_monitor_get_devices (DuetDeviceMonitor *self,
                                 DuetDeviceKind     kind)
{
  g_return_val_if_fail (DUET_IS_DEVICE_MONITOR (self), NULL);
  g_return_val_if_fail (kind < N_KINDS, NULL);

  return G_LIST_MODEL (self->lists[kind]);
}

/**
 * duet_device_monitor_lookup:
 * @self: a #DuetDeviceMonitor
 * @kind: cameras, microphones or speakers
 * @id: a device's id
 *
 * Finds a device present now by its id.
 *
 * Returns: (transfer none) (nullable): the device, or %NULL if it is not present
 */
DuetDevice *
duet_device_monitor_lookup (DuetDeviceMonitor *self,
                            DuetDeviceKind     kind,
                            const char        *id)
{
  GListModel *list;

  g_return_val_if_fail (DUET_IS_DEVICE_MONITOR (self), NULL);
  g_return_val_if_fail (kind < N_KINDS, NULL);

  list = G_LIST_MODEL (self->lists[kind]);
  for (guint i = 0; id != NULL && i < g_list_model_get_n_items (list); i++)
    {
      g_autoptr(DuetDevice) device = g_list_model_get_item (list, i);

      if (g_strcmp0 (duet_device_get_id (device), id) == 0)
        return device;   /* the list holds a reference */
    }
  return NULL;
}

/**
 * duet_device_monitor_get_uses_portal:
 * @self: a #DuetDeviceMonitor
 *
 * Gets whether cameras are reached through the desktop's Camera portal.
 *
 * Returns: whether the portal is used
 */
gboolean
duet_device_monitor_get_uses_portal (DuetDeviceMonitor *self)
{
  g_return_val_if_fail (DUET_IS_DEVICE_MONITOR (self), FALSE);

  return self->uses_portal;
}

/**
 * duet_device_monitor_get_camera_access:
 * @self: a #DuetDeviceMonitor
 *
 * Gets whether cameras may be used.
 *
 * Returns: the camera access
 */
DuetCameraAccess
duet_device_monitor_get_camera_access (DuetDeviceMonitor *self)
{
  g_return_val_if_fail (DUET_IS_DEVICE_MONITOR (self), DUET_CAMERA_ACCESS_UNKNOWN);

  return self->camera_access;
}

static void
duet_device_monitor_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  DuetDeviceMonitor *self = DUET_DEVICE_MONITOR (object);

  switch (prop_id)
    {
    case PROP_USES_PORTAL: g_value_set_boolean (value, self->uses_portal); break;
    case PROP_CAMERA_ACCESS: g_value_set_enum (value, self->camera_access); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_device_monitor_constructed (GObject *object)
{
  DuetDeviceMonitor *self = DUET_DEVICE_MONITOR (object);

  G_OBJECT_CLASS (duet_device_monitor_parent_class)->constructed (object);

  self->uses_portal = use_portals ();
  self->camera_access = self->uses_portal ? DUET_CAMERA_ACCESS_UNKNOWN : DUET_CAMERA_ACCESS_GRANTED;
  start_monitor (self);
  refresh (self);
}

static void
duet_device_monitor_class_init (DuetDeviceMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->constructed = duet_device_monitor_constructed;
  object_class->get_property = duet_device_monitor_get_property;

  /**
   * DuetDeviceMonitor:uses-portal:
   *
   * Whether cameras are reached through the desktop's Camera portal.
   */
  properties[PROP_USES_PORTAL] = g_param_spec_boolean ("uses-portal", NULL, NULL, FALSE, flags);
  /**
   * DuetDeviceMonitor:camera-access:
   *
   * Whether cameras may be used; see duet_device_monitor_request_camera_access().
   */
  properties[PROP_CAMERA_ACCESS] = g_param_spec_enum ("camera-access", NULL, NULL, DUET_TYPE_CAMERA_ACCESS,
                                                      DUET_CAMERA_ACCESS_UNKNOWN, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
duet_device_monitor_init (DuetDeviceMonitor *self)
{
  self->portal_fd = -1;
  self->cancellable = g_cancellable_new ();
  for (int kind = 0; kind < N_KINDS; kind++)
    self->lists[kind] = g_list_store_new (DUET_TYPE_DEVICE);
}
