/* duet-clock.c
 *
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Times in the recent calls and in notifications follow the desktop's
 * clock, 12 or 24 hours (org.gnome.desktop.interface clock-format, as
 * GNOME's own apps do). Without that schema (another desktop, a bare
 * test machine) it is 24 hours, which reads everywhere.
 */
#define G_LOG_DOMAIN "DuetClock"

#include "config.h"

#include <glib/gi18n.h>

#include "duet-clock.h"

#define INTERFACE_SCHEMA "org.gnome.desktop.interface"

/**
 * duet_clock_new_settings:
 *
 * Returns: (transfer full) (nullable): the desktop's interface settings,
 *   whose clock-format key to read and watch; %NULL when the schema or
 *   the key is not installed
 */
GSettings *
duet_clock_new_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, INTERFACE_SCHEMA, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "clock-format"))
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

gboolean
duet_clock_get_use_24h (GSettings *settings)
{
  g_autofree char *format = NULL;

  if (settings == NULL)
    return TRUE;
  format = g_settings_get_string (settings, "clock-format");
  return g_strcmp0 (format, "12h") != 0;
}

char *
duet_clock_format_time (GDateTime *time,
                        gboolean   use_24h)
{
  g_return_val_if_fail (time != NULL, NULL);

  /* Translators: a time of day on a 24-hour clock, see GDateTime's format */
  return g_date_time_format (time, use_24h ? _("%H:%M")
                                   /* Translators: a time of day on a 12-hour clock, see GDateTime's format */
                                   : _("%-l:%M %p"));
}

static gboolean
same_day (GDateTime *a,
          GDateTime *b)
{
  return g_date_time_get_year (a) == g_date_time_get_year (b) &&
         g_date_time_get_day_of_year (a) == g_date_time_get_day_of_year (b);
}

/**
 * duet_clock_format_when:
 * @time: (nullable): when a call was
 * @now: the time now, in the zone to show @time in
 *
 * Returns: (transfer full): @time as the recent calls show it: the time
 *   of day today, "Yesterday" and the time, else the date and the time
 */
char *
duet_clock_format_when (GDateTime *time,
                        GDateTime *now,
                        gboolean   use_24h)
{
  g_autoptr(GDateTime) local = NULL;
  g_autoptr(GDateTime) yesterday = NULL;

  g_return_val_if_fail (now != NULL, NULL);

  if (time == NULL)
    return g_strdup ("");
  local = g_date_time_to_timezone (time, g_date_time_get_timezone (now));
  yesterday = g_date_time_add_days (now, -1);
  if (same_day (local, now))
    return duet_clock_format_time (local, use_24h);
  if (same_day (local, yesterday))
    return g_date_time_format (local, use_24h
                               /* Translators: when a call was yesterday, 24-hour clock, see GDateTime's format */
                               ? _("Yesterday %H:%M")
                               /* Translators: when a call was yesterday, 12-hour clock, see GDateTime's format */
                               : _("Yesterday %-l:%M %p"));
  return g_date_time_format (local, use_24h
                             /* Translators: date and time of an older call, 24-hour clock, see GDateTime's format */
                             ? _("%-d %b %Y %H:%M")
                             /* Translators: date and time of an older call, 12-hour clock, see GDateTime's format */
                             : _("%-d %b %Y %-l:%M %p"));
}
