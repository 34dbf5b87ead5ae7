/* duet-media-settings-private.h: the settings' fields, for the kit's own readers
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "duet-media-settings.h"

G_BEGIN_DECLS

#define DUET_MEDIA_SETTINGS_N_DEVICES 3

/* The media session copies these at its creation; only
 * duet-media-settings.c writes them */
struct _DuetMediaSettings
{
  GObject   parent_instance;

  gboolean  test_sources;
  gboolean  forced_test_sources;   /* DUET_TEST_SOURCES=1 */
  char     *test_pattern;          /* "ball" (NULL) or "motion" */
  gboolean  fake_audio_sink;
  gboolean  echo_cancel;
  char     *device_ids[DUET_MEDIA_SETTINGS_N_DEVICES];   /* by DuetDeviceKind; NULL: the default */
  guint     video_width, video_height, video_fps;
  guint     video_bitrate;         /* bits/s */
  guint     latency;               /* ms, when it does not adapt */
  gboolean  adaptive_latency;
  guint     liveness_timeout;      /* ms; 0: the default */
  gboolean  congestion_control;
  gboolean  loss_recovery;
  gboolean  trace_quality;
};

G_END_DECLS
