/* duet-bench-stamp.h: frame time stamps painted into pixels, for benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Bench-only. With DUET_BENCH_STAMP=1 the media session paints the
 * sender's monotonic clock (µs) into the top-left 128x128 luma pixels of
 * every outgoing raw frame; whoever renders the peer's video reads it back
 * and subtracts it from its own monotonic clock (same machine: same
 * clock). Layout: 8x8 blocks of 16x16 pixels, row-major, most significant
 * bit first, white = 1; bits 0..47 are the stamp, 48..63 a check. Survives
 * VP8 at low bitrates: each bit is read as the mean of its block's centre.
 */
#pragma once

#include <gst/video/video.h>

G_BEGIN_DECLS

#define DUET_BENCH_STAMP_SIZE 128   /* pixels, both directions */

gboolean duet_bench_stamp_enabled (void);
/* Paints g_get_monotonic_time() into a writable mapped frame (YUV formats) */
void     duet_bench_stamp_paint   (GstVideoFrame *frame,
                                   gint64         stamp_us);
/* The stamp in a mapped frame, or -1 when there is none or it is garbled */
gint64   duet_bench_stamp_read    (GstVideoFrame *frame);
/* A buffer probe for a raw video pad: stamps each buffer with now */
GstPadProbeReturn duet_bench_stamp_probe (GstPad          *pad,
                                          GstPadProbeInfo *info,
                                          gpointer         user_data);

G_END_DECLS
