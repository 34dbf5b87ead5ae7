/* duet-bench-stamp.c: see duet-bench-stamp.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#define G_LOG_DOMAIN "DuetBenchStamp"

#include <string.h>

#include "duet-bench-stamp.h"

#define BLOCK 16
#define GRID 8
#define STAMP_BITS 48
#define WHITE 235
#define BLACK 16

gboolean
duet_bench_stamp_enabled (void)
{
  static gsize once = 0;
  static gboolean enabled;

  if (g_once_init_enter (&once))
    {
      const char *value = g_getenv ("DUET_BENCH_STAMP");

      enabled = value != NULL && *value != '\0' && g_strcmp0 (value, "0") != 0;
      g_once_init_leave (&once, 1);
    }
  return enabled;
}

static guint16
check_of (guint64 stamp)
{
  guint64 h = (stamp + 0x5bd1e995u) * G_GUINT64_CONSTANT (0x9e3779b97f4a7c15);

  return (guint16) (h >> 48);
}

static gboolean
fits (GstVideoFrame *frame)
{
  return GST_VIDEO_FORMAT_INFO_IS_YUV (frame->info.finfo) &&
         GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0) == 1 &&
         GST_VIDEO_FRAME_WIDTH (frame) >= DUET_BENCH_STAMP_SIZE &&
         GST_VIDEO_FRAME_HEIGHT (frame) >= DUET_BENCH_STAMP_SIZE;
}

void
duet_bench_stamp_paint (GstVideoFrame *frame,
                        gint64         stamp_us)
{
  guint64 word;
  guint8 *luma;
  gint stride;

  if (!fits (frame))
    return;
  word = (((guint64) stamp_us & ((G_GUINT64_CONSTANT (1) << STAMP_BITS) - 1)) << 16) |
         check_of ((guint64) stamp_us & ((G_GUINT64_CONSTANT (1) << STAMP_BITS) - 1));
  luma = GST_VIDEO_FRAME_COMP_DATA (frame, 0);
  stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);

  for (guint bit = 0; bit < GRID * GRID; bit++)
    {
      guint8 value = (word >> (63 - bit)) & 1 ? WHITE : BLACK;
      guint x0 = (bit % GRID) * BLOCK, y0 = (bit / GRID) * BLOCK;

      for (guint y = y0; y < y0 + BLOCK; y++)
        memset (luma + (gsize) y * stride + x0, value, BLOCK);
    }

  /* Grey chroma, so the blocks are black and white */
  for (guint c = 1; c < GST_VIDEO_FRAME_N_COMPONENTS (frame) && c < 3; c++)
    {
      guint w = GST_VIDEO_FORMAT_INFO_SCALE_WIDTH (frame->info.finfo, c, DUET_BENCH_STAMP_SIZE);
      guint h = GST_VIDEO_FORMAT_INFO_SCALE_HEIGHT (frame->info.finfo, c, DUET_BENCH_STAMP_SIZE);
      guint8 *data = GST_VIDEO_FRAME_COMP_DATA (frame, c);
      gint cstride = GST_VIDEO_FRAME_COMP_STRIDE (frame, c);

      if (GST_VIDEO_FRAME_COMP_PSTRIDE (frame, c) != 1)
        continue;   /* interleaved chroma (NV12): leave it */
      for (guint y = 0; y < h; y++)
        memset (data + (gsize) y * cstride, 128, w);
    }
}

gint64
duet_bench_stamp_read (GstVideoFrame *frame)
{
  const guint8 *luma;
  gint stride;
  guint64 word = 0, stamp;

  if (!fits (frame))
    return -1;
  luma = GST_VIDEO_FRAME_COMP_DATA (frame, 0);
  stride = GST_VIDEO_FRAME_COMP_STRIDE (frame, 0);

  for (guint bit = 0; bit < GRID * GRID; bit++)
    {
      guint x0 = (bit % GRID) * BLOCK + BLOCK / 4, y0 = (bit / GRID) * BLOCK + BLOCK / 4;
      guint sum = 0;

      for (guint y = y0; y < y0 + BLOCK / 2; y++)
        for (guint x = x0; x < x0 + BLOCK / 2; x++)
          sum += luma[(gsize) y * stride + x];
      word = (word << 1) | (sum / (BLOCK * BLOCK / 4) >= 128);
    }

  stamp = word >> 16;
  if (check_of (stamp) != (guint16) (word & 0xffff))
    return -1;
  return (gint64) stamp;
}

GstPadProbeReturn
duet_bench_stamp_probe (GstPad          *pad,
                        GstPadProbeInfo *info,
                        gpointer         user_data)
{
  g_autoptr(GstCaps) caps = gst_pad_get_current_caps (pad);
  GstVideoInfo vinfo;
  GstVideoFrame frame;
  GstBuffer *buffer;

  if (caps == NULL || !gst_video_info_from_caps (&vinfo, caps))
    return GST_PAD_PROBE_OK;
  buffer = gst_buffer_make_writable (GST_PAD_PROBE_INFO_BUFFER (info));
  GST_PAD_PROBE_INFO_DATA (info) = buffer;
  if (gst_video_frame_map (&frame, &vinfo, buffer, GST_MAP_READWRITE))
    {
      duet_bench_stamp_paint (&frame, g_get_monotonic_time ());
      gst_video_frame_unmap (&frame);
    }
  return GST_PAD_PROBE_OK;
}
