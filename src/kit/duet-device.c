/* duet-device.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DuetDevice"

#include "config.h"

#include "duet-device-private.h"
#include "duet-kit-enum-types.h"

struct _DuetDevice
{
  GObject         parent_instance;

  DuetDeviceKind  kind;
  char           *id;
  char           *name;
  gboolean        is_default;
  GstDevice      *gst_device;
};

/**
 * DuetDevice:
 *
 * A camera, microphone or speaker, as #DuetDeviceMonitor lists it. Its
 * #DuetDevice:id stays the same while it is unplugged and plugged in again
 * and across restarts, so it is what settings should store.
 */
G_DEFINE_FINAL_TYPE (DuetDevice, duet_device, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_KIND,
  PROP_ID,
  PROP_NAME,
  PROP_IS_DEFAULT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

DuetDevice *
duet_device_new (DuetDeviceKind  kind,
                 const char     *id,
                 const char     *name,
                 gboolean        is_default,
                 GstDevice      *gst_device)
{
  DuetDevice *self = g_object_new (DUET_TYPE_DEVICE, NULL);

  self->kind = kind;
  self->id = g_strdup (id);
  self->name = g_strdup (name);
  self->is_default = is_default;
  self->gst_device = gst_device != NULL ? gst_object_ref (gst_device) : NULL;
  return self;
}

GstDevice *
duet_device_get_gst_device (DuetDevice *self)
{
  g_return_val_if_fail (DUET_IS_DEVICE (self), NULL);

  return self->gst_device;
}

/**
 * duet_device_get_id:
 * @self: a #DuetDevice
 *
 * Gets the device's stable identifier, for duet_call_set_device() and
 * settings.
 *
 * Returns: the identifier
 */
const char *
duet_device_get_id (DuetDevice *self)
{
  g_return_val_if_fail (DUET_IS_DEVICE (self), NULL);

  return self->id;
}

/**
 * duet_device_get_name:
 * @self: a #DuetDevice
 *
 * Gets the name to show the user, such as “Integrated Camera”.
 *
 * Returns: the name
 */
const char *
duet_device_get_name (DuetDevice *self)
{
  g_return_val_if_fail (DUET_IS_DEVICE (self), NULL);

  return self->name;
}

/**
 * duet_device_get_kind:
 * @self: a #DuetDevice
 *
 * Gets what the device is for.
 *
 * Returns: the kind
 */
DuetDeviceKind
duet_device_get_kind (DuetDevice *self)
{
  g_return_val_if_fail (DUET_IS_DEVICE (self), DUET_DEVICE_KIND_CAMERA);

  return self->kind;
}

/**
 * duet_device_get_is_default:
 * @self: a #DuetDevice
 *
 * Gets whether the desktop chose this device as its default of its kind
 * (for cameras: the first one).
 *
 * Returns: whether it is the default
 */
gboolean
duet_device_get_is_default (DuetDevice *self)
{
  g_return_val_if_fail (DUET_IS_DEVICE (self), FALSE);

  return self->is_default;
}

static void
duet_device_finalize (GObject *object)
{
  DuetDevice *self = DUET_DEVICE (object);

  g_free (self->id);
  g_free (self->name);
  gst_clear_object (&self->gst_device);
  G_OBJECT_CLASS (duet_device_parent_class)->finalize (object);
}

static void
duet_device_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  DuetDevice *self = DUET_DEVICE (object);

  switch (prop_id)
    {
    case PROP_KIND: g_value_set_enum (value, self->kind); break;
    case PROP_ID: g_value_set_string (value, self->id); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_IS_DEFAULT: g_value_set_boolean (value, self->is_default); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_device_class_init (DuetDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = duet_device_finalize;
  object_class->get_property = duet_device_get_property;

  /**
   * DuetDevice:kind:
   *
   * What the device is for.
   */
  properties[PROP_KIND] = g_param_spec_enum ("kind", NULL, NULL, DUET_TYPE_DEVICE_KIND,
                                             DUET_DEVICE_KIND_CAMERA, flags);
  /**
   * DuetDevice:id:
   *
   * The stable identifier, for duet_call_set_device() and settings.
   */
  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  /**
   * DuetDevice:name:
   *
   * The name to show the user.
   */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  /**
   * DuetDevice:is-default:
   *
   * Whether the desktop chose this device as its default of its kind.
   */
  properties[PROP_IS_DEFAULT] = g_param_spec_boolean ("is-default", NULL, NULL, FALSE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
duet_device_init (DuetDevice *self)
{
}
