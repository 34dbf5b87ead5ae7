/* duet-account-device.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DuetAccountDevice"

#include "config.h"

#include "duet-account-device-private.h"

struct _DuetAccountDevice
{
  GObject    parent_instance;

  char      *id;
  char      *name;
  GDateTime *created_at;
  GDateTime *last_seen_at;
  gboolean   online;
  gboolean   current;
};

/**
 * DuetAccountDevice:
 *
 * One device the signed-in user is signed in on (a desktop, a laptop, a
 * browser), as #DuetManager:devices lists them. Not to be confused with
 * #DuetDevice, a camera, microphone or speaker.
 */
G_DEFINE_FINAL_TYPE (DuetAccountDevice, duet_account_device, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ID,
  PROP_NAME,
  PROP_CREATED_AT,
  PROP_LAST_SEEN_AT,
  PROP_ONLINE,
  PROP_CURRENT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
duet_account_device_finalize (GObject *object)
{
  DuetAccountDevice *self = DUET_ACCOUNT_DEVICE (object);

  g_free (self->id);
  g_free (self->name);
  g_clear_pointer (&self->created_at, g_date_time_unref);
  g_clear_pointer (&self->last_seen_at, g_date_time_unref);

  G_OBJECT_CLASS (duet_account_device_parent_class)->finalize (object);
}

static void
duet_account_device_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  DuetAccountDevice *self = DUET_ACCOUNT_DEVICE (object);

  switch (prop_id)
    {
    case PROP_ID:           g_value_set_string (value, self->id); break;
    case PROP_NAME:         g_value_set_string (value, self->name); break;
    case PROP_CREATED_AT:   g_value_set_boxed (value, self->created_at); break;
    case PROP_LAST_SEEN_AT: g_value_set_boxed (value, self->last_seen_at); break;
    case PROP_ONLINE:       g_value_set_boolean (value, self->online); break;
    case PROP_CURRENT:      g_value_set_boolean (value, self->current); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_account_device_class_init (DuetAccountDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags flags = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->finalize = duet_account_device_finalize;
  object_class->get_property = duet_account_device_get_property;

  /**
   * DuetAccountDevice:id:
   *
   * The device's id, as it signed in with it (#DuetAuth:device-id); give
   * it to duet_manager_sign_out_device_async().
   */
  properties[PROP_ID] = g_param_spec_string ("id", NULL, NULL, NULL, flags);
  /**
   * DuetAccountDevice:name:
   *
   * The name to show the user, such as “Duet on alice-laptop”
   * (#DuetAuth:device-name of its last sign-in).
   */
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, flags);
  /**
   * DuetAccountDevice:created-at:
   *
   * When the device first signed in.
   */
  properties[PROP_CREATED_AT] = g_param_spec_boxed ("created-at", NULL, NULL, G_TYPE_DATE_TIME, flags);
  /**
   * DuetAccountDevice:last-seen-at:
   *
   * When the device last connected to the server or left it.
   */
  properties[PROP_LAST_SEEN_AT] = g_param_spec_boxed ("last-seen-at", NULL, NULL, G_TYPE_DATE_TIME, flags);
  /**
   * DuetAccountDevice:online:
   *
   * Whether the device is connected to the server now.
   */
  properties[PROP_ONLINE] = g_param_spec_boolean ("online", NULL, NULL, FALSE, flags);
  /**
   * DuetAccountDevice:current:
   *
   * Whether this is the device the manager runs on.
   */
  properties[PROP_CURRENT] = g_param_spec_boolean ("current", NULL, NULL, FALSE, flags);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
duet_account_device_init (DuetAccountDevice *self)
{
}

/* Unix milliseconds, 0 → NULL */
static GDateTime *
time_from_ms (gint64 unix_ms)
{
  g_autoptr(GDateTime) seconds = NULL;

  if (unix_ms <= 0)
    return NULL;
  seconds = g_date_time_new_from_unix_local (unix_ms / 1000);
  return seconds ? g_date_time_add (seconds, unix_ms % 1000 * 1000) : NULL;
}

/* One entry of a `devices` reply or a `devices_changed` event
 * (docs/protocol.md "Devices") */
DuetAccountDevice *
duet_account_device_new_from_entry (const DuetDeviceEntry *entry)
{
  DuetAccountDevice *self;

  g_return_val_if_fail (entry != NULL, NULL);

  self = g_object_new (DUET_TYPE_ACCOUNT_DEVICE, NULL);
  self->id = g_strdup (entry->device_id);
  self->name = g_strdup (entry->name);
  self->created_at = time_from_ms (entry->created_at);
  self->last_seen_at = time_from_ms (entry->last_seen_at);
  self->online = entry->online;
  self->current = entry->current;
  return self;
}

/**
 * duet_account_device_get_id:
 * @self: a #DuetAccountDevice
 *
 * Gets the device's id; see #DuetAccountDevice:id.
 *
 * Returns: the device's id
 */
const char *
duet_account_device_get_id (DuetAccountDevice *self)
{
  g_return_val_if_fail (DUET_IS_ACCOUNT_DEVICE (self), NULL);
  return self->id;
}

/**
 * duet_account_device_get_name:
 * @self: a #DuetAccountDevice
 *
 * Gets the name to show the user.
 *
 * Returns: the name to show the user
 */
const char *
duet_account_device_get_name (DuetAccountDevice *self)
{
  g_return_val_if_fail (DUET_IS_ACCOUNT_DEVICE (self), NULL);
  return self->name;
}

/**
 * duet_account_device_get_created_at:
 * @self: a #DuetAccountDevice
 *
 * Gets when the device first signed in.
 *
 * Returns: (transfer none) (nullable): when the device first signed in
 */
GDateTime *
duet_account_device_get_created_at (DuetAccountDevice *self)
{
  g_return_val_if_fail (DUET_IS_ACCOUNT_DEVICE (self), NULL);
  return self->created_at;
}

/**
 * duet_account_device_get_last_seen_at:
 * @self: a #DuetAccountDevice
 *
 * Gets when the device last connected to the server or left it.
 *
 * Returns: (transfer none) (nullable): when the device last connected to
 *   the server or left it
 */
GDateTime *
duet_account_device_get_last_seen_at (DuetAccountDevice *self)
{
  g_return_val_if_fail (DUET_IS_ACCOUNT_DEVICE (self), NULL);
  return self->last_seen_at;
}

/**
 * duet_account_device_get_online:
 * @self: a #DuetAccountDevice
 *
 * Gets whether the device is connected to the server now.
 *
 * Returns: whether the device is connected to the server now
 */
gboolean
duet_account_device_get_online (DuetAccountDevice *self)
{
  g_return_val_if_fail (DUET_IS_ACCOUNT_DEVICE (self), FALSE);
  return self->online;
}

/**
 * duet_account_device_get_current:
 * @self: a #DuetAccountDevice
 *
 * Gets whether this is the device the manager runs on.
 *
 * Returns: whether this is the device the manager runs on
 */
gboolean
duet_account_device_get_current (DuetAccountDevice *self)
{
  g_return_val_if_fail (DUET_IS_ACCOUNT_DEVICE (self), FALSE);
  return self->current;
}
