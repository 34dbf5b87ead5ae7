/* duet-video-sink.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A GstVideoSink whose output is a GdkPaintable, because Debian 12 ships no
 * gtk4paintablesink. Memory textures only: at call resolutions the upload is
 * cheap, and a GL path would be a lot of per-platform code.
 *
 * Threads: show_frame() runs on the streaming thread and wraps the mapped
 * frame in a GdkMemoryTexture without copying. The texture goes into a
 * single pending slot; one idle source on the default main context moves it
 * into the paintable. A frame arriving while the idle is still queued
 * replaces the pending one ("replace newest"), so a stalled main loop costs
 * neither memory nor latency and the streaming thread never waits for GTK.
 */
#define G_LOG_DOMAIN "DuetVideoSink"

#include <string.h>

#include <gst/video/video.h>

#include "duet-video-sink.h"

GST_DEBUG_CATEGORY_STATIC (duet_video_sink_debug);
#define GST_CAT_DEFAULT duet_video_sink_debug

/* Upstream pools must have spare buffers: the paintable keeps the shown
 * frame mapped, the slot may hold another and one is in flight. */
#define MIN_POOL_BUFFERS 3

struct _DuetVideoSink
{
  GstVideoSink        parent_instance;

  /* Immutable after init; the paintable itself is main-thread only. */
  DuetVideoPaintable *paintable;

  /* Streaming thread only (set_info and show_frame are serialised). */
  GstVideoInfo        info;
  /* Compared, never dereferenced: basesink renders the prerolled buffer
   * again when going to PLAYING, which must not count as a second frame. */
  GstBuffer          *prerolled;

  GMutex              lock;
  /* Guarded by lock. */
  GdkTexture         *pending_texture;     /* NULL with handoff_queued: clear */
  double              pending_par;
  GstClockTime        pending_running_time;
  gboolean            handoff_queued;
  guint64             frames_rendered;
  guint64             frames_dropped;
};

/**
 * DuetVideoSink:
 *
 * A GStreamer video sink whose frames show up in a #GdkPaintable, for
 * video in GTK 4 (Debian 12 has no `gtk4paintablesink`).
 *
 * Add one to a call with duet_call_add_peer_video_view() or
 * duet_call_add_my_video_view(), then show its #DuetVideoSink:paintable
 * in a #DuetVideoView; that is what PlanetKit calls adding a video view.
 * The sink takes packed RGB frames (BGRx, BGRA, RGBx, RGBA, RGB, BGR and
 * the like); duet_video_sink_new_bin() puts a converter in front for any
 * other raw format.
 *
 * Frames are wrapped in textures on the streaming thread without a copy
 * and handed to the main context through a one-frame mailbox: a busy
 * main loop drops frames (#DuetVideoSink:frames-dropped) instead of
 * holding the pipeline up.
 */

/* The classes of GstBaseSink and of this sink need GStreamer's own types
 * (GstSample, caps): a program, a language binding or the introspection
 * dumper may ask for the type before anything called gst_init() */
static void
ensure_gst_initialized (void)
{
  if (!gst_is_initialized ())
    gst_init (NULL, NULL);
}

G_DEFINE_FINAL_TYPE_WITH_CODE (DuetVideoSink, duet_video_sink, GST_TYPE_VIDEO_SINK,
                               ensure_gst_initialized ())

enum {
  PROP_0,
  PROP_PAINTABLE,
  PROP_FRAMES_RENDERED,
  PROP_FRAMES_DROPPED,
  N_PROPS
};

enum {
  FRAME_RENDERED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* The x formats have no GdkMemoryFormat before GTK 4.14; they are copied
 * with the padding byte forced opaque and then passed as premultiplied,
 * which is the format both GTK 4.8 renderers take without converting. The
 * straight-alpha formats are zero-copy here but GDK converts them on
 * upload, so for opaque video BGRx is the cheapest and the bin asks for it. */
#define SINK_FORMATS "{ BGRA, RGBA, ARGB, ABGR, RGB, BGR, BGRx, RGBx, xRGB, xBGR }"

static GstStaticPadTemplate sink_template =
  GST_STATIC_PAD_TEMPLATE ("sink",
                           GST_PAD_SINK,
                           GST_PAD_ALWAYS,
                           GST_STATIC_CAPS (GST_VIDEO_CAPS_MAKE (SINK_FORMATS)));

/* @padding_byte is the index within a pixel of the byte to force to 0xff,
 * or -1 when the data can be used as is. */
static gboolean
get_memory_format (GstVideoFormat   video_format,
                   GdkMemoryFormat *format,
                   int             *padding_byte)
{
  *padding_byte = -1;

  /* Both libraries name formats by byte order in memory, so the names match.
   * GStreamer's alpha is straight, hence the non-premultiplied formats; the
   * padded ones are opaque once filled, where premultiplied is the same and
   * spares GDK a conversion. */
  switch (video_format)
    {
    case GST_VIDEO_FORMAT_BGRA: *format = GDK_MEMORY_B8G8R8A8; break;
    case GST_VIDEO_FORMAT_RGBA: *format = GDK_MEMORY_R8G8B8A8; break;
    case GST_VIDEO_FORMAT_ARGB: *format = GDK_MEMORY_A8R8G8B8; break;
    case GST_VIDEO_FORMAT_ABGR: *format = GDK_MEMORY_A8B8G8R8; break;
    case GST_VIDEO_FORMAT_RGB:  *format = GDK_MEMORY_R8G8B8;   break;
    case GST_VIDEO_FORMAT_BGR:  *format = GDK_MEMORY_B8G8R8;   break;
    case GST_VIDEO_FORMAT_BGRx: *format = GDK_MEMORY_B8G8R8A8_PREMULTIPLIED; *padding_byte = 3; break;
    case GST_VIDEO_FORMAT_RGBx: *format = GDK_MEMORY_R8G8B8A8_PREMULTIPLIED; *padding_byte = 3; break;
    case GST_VIDEO_FORMAT_xRGB: *format = GDK_MEMORY_A8R8G8B8_PREMULTIPLIED; *padding_byte = 0; break;
    case GST_VIDEO_FORMAT_xBGR: *format = GDK_MEMORY_A8B8G8R8;               *padding_byte = 0; break;
    default:
      return FALSE;
    }

  return TRUE;
}

static void
video_frame_free (gpointer data)
{
  GstVideoFrame *frame = data;

  /* Runs on whichever thread drops the texture last, usually the main one. */
  gst_video_frame_unmap (frame);
  g_free (frame);
}

static GdkTexture *
texture_new_for_buffer (const GstVideoInfo *info,
                        GstBuffer          *buffer)
{
  g_autoptr(GBytes) bytes = NULL;
  GdkMemoryFormat format;
  GstVideoFrame *frame;
  const guint8 *data;
  gsize stride, size;
  int width, height, padding_byte;

  if (!get_memory_format (GST_VIDEO_INFO_FORMAT (info), &format, &padding_byte))
    return NULL;

  frame = g_new0 (GstVideoFrame, 1);
  /* Maps through GstVideoMeta when present, and refs the buffer. */
  if (!gst_video_frame_map (frame, (GstVideoInfo *) info, buffer, GST_MAP_READ))
    {
      g_free (frame);
      return NULL;
    }

  width = GST_VIDEO_FRAME_WIDTH (frame);
  height = GST_VIDEO_FRAME_HEIGHT (frame);
  data = GST_VIDEO_FRAME_PLANE_DATA (frame, 0);
  stride = GST_VIDEO_FRAME_PLANE_STRIDE (frame, 0);

  if (padding_byte < 0)
    {
      /* Zero copy: the texture keeps the buffer mapped until GTK drops it.
       * The last row may be shorter than the stride. */
      size = stride * (height - 1) + (gsize) width * GST_VIDEO_FRAME_COMP_PSTRIDE (frame, 0);
      bytes = g_bytes_new_with_free_func (data, size, video_frame_free, frame);
    }
  else
    {
      gsize dst_stride = (gsize) width * 4;
      guint8 *copy = g_malloc (dst_stride * height);
      guint8 mask_bytes[4] = { 0, };
      guint32 mask;

      mask_bytes[padding_byte] = 0xff;
      memcpy (&mask, mask_bytes, sizeof mask);

      /* Padding is undefined, GDK would take it for alpha. The word-wise
       * OR vectorises, so this costs about as much as a memcpy. */
      for (int y = 0; y < height; y++)
        {
          const guint8 *src = data + y * stride;
          guint8 *dst = copy + y * dst_stride;

          for (int x = 0; x < width; x++)
            {
              guint32 pixel;

              memcpy (&pixel, src + x * 4, sizeof pixel);
              pixel |= mask;
              memcpy (dst + x * 4, &pixel, sizeof pixel);
            }
        }

      video_frame_free (frame);
      stride = dst_stride;
      bytes = g_bytes_new_take (copy, dst_stride * height);
    }

  return gdk_memory_texture_new (width, height, format, bytes, stride);
}

static gboolean
handoff_cb (gpointer user_data)
{
  DuetVideoSink *self = DUET_VIDEO_SINK (user_data);
  g_autoptr(GdkTexture) texture = NULL;
  GstClockTime running_time;
  double par;

  /* Main thread. */
  g_mutex_lock (&self->lock);
  texture = g_steal_pointer (&self->pending_texture);
  par = self->pending_par;
  running_time = self->pending_running_time;
  self->handoff_queued = FALSE;
  if (texture != NULL)
    self->frames_rendered++;
  g_mutex_unlock (&self->lock);

  duet_video_paintable_set_texture (self->paintable, texture, par);

  if (texture != NULL)
    g_signal_emit (self, signals[FRAME_RENDERED], 0, (guint64) running_time);

  return G_SOURCE_REMOVE;
}

/* Any thread. Takes ownership of @texture; %NULL clears the paintable. */
static void
queue_handoff (DuetVideoSink *self,
               GdkTexture    *texture,
               double         par,
               GstClockTime   running_time)
{
  g_autoptr(GdkTexture) replaced = NULL;
  gboolean need_source;

  g_mutex_lock (&self->lock);
  replaced = g_steal_pointer (&self->pending_texture);
  if (replaced != NULL)
    self->frames_dropped++;
  self->pending_texture = texture;
  self->pending_par = par;
  self->pending_running_time = running_time;
  need_source = !self->handoff_queued;
  self->handoff_queued = TRUE;
  g_mutex_unlock (&self->lock);

  /* Always through an idle, never g_main_context_invoke(): that would run
   * inline when the pushing thread happens to own the main context. */
  if (need_source)
    {
      g_autoptr(GSource) source = g_idle_source_new ();

      /* Above GDK's redraw priority, so a frame that arrived before the
       * next paint is in it. */
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, handoff_cb, g_object_ref (self), g_object_unref);
      g_source_set_static_name (source, "[duet] video frame hand-off");
      g_source_attach (source, NULL);
    }

  /* replaced is unreffed here, outside the lock: it may unmap a buffer. */
}

static gboolean
duet_video_sink_set_info (GstVideoSink       *video_sink,
                          GstCaps            *caps,
                          const GstVideoInfo *info)
{
  DuetVideoSink *self = DUET_VIDEO_SINK (video_sink);

  GST_DEBUG_OBJECT (self, "negotiated %" GST_PTR_FORMAT, caps);
  self->info = *info;

  return TRUE;
}

static GstFlowReturn
duet_video_sink_show_frame (GstVideoSink *video_sink,
                            GstBuffer    *buffer)
{
  DuetVideoSink *self = DUET_VIDEO_SINK (video_sink);
  GdkTexture *texture;
  GstClockTime running_time;
  double par;

  /* Streaming thread. */
  if (GST_VIDEO_INFO_FORMAT (&self->info) == GST_VIDEO_FORMAT_UNKNOWN)
    return GST_FLOW_NOT_NEGOTIATED;

  texture = texture_new_for_buffer (&self->info, buffer);
  if (texture == NULL)
    {
      GST_ELEMENT_ERROR (self, RESOURCE, READ, ("Could not map a video frame."), (NULL));
      return GST_FLOW_ERROR;
    }

  par = (double) GST_VIDEO_INFO_PAR_N (&self->info) / GST_VIDEO_INFO_PAR_D (&self->info);
  running_time = gst_segment_to_running_time (&GST_BASE_SINK (self)->segment,
                                              GST_FORMAT_TIME,
                                              GST_BUFFER_PTS (buffer));

  queue_handoff (self, texture, par, running_time);

  return GST_FLOW_OK;
}

static GstFlowReturn
duet_video_sink_preroll (GstBaseSink *base_sink,
                         GstBuffer   *buffer)
{
  DuetVideoSink *self = DUET_VIDEO_SINK (base_sink);

  self->prerolled = buffer;

  return GST_BASE_SINK_CLASS (duet_video_sink_parent_class)->preroll (base_sink, buffer);
}

static GstFlowReturn
duet_video_sink_render (GstBaseSink *base_sink,
                        GstBuffer   *buffer)
{
  DuetVideoSink *self = DUET_VIDEO_SINK (base_sink);
  gboolean shown = FALSE;

  if (buffer == self->prerolled)
    g_object_get (self, "show-preroll-frame", &shown, NULL);
  self->prerolled = NULL;
  if (shown)
    return GST_FLOW_OK;

  return GST_BASE_SINK_CLASS (duet_video_sink_parent_class)->render (base_sink, buffer);
}

static gboolean
duet_video_sink_event (GstBaseSink *base_sink,
                       GstEvent    *event)
{
  DuetVideoSink *self = DUET_VIDEO_SINK (base_sink);

  /* A flushed preroll buffer may come back from its pool as a new frame. */
  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    self->prerolled = NULL;

  return GST_BASE_SINK_CLASS (duet_video_sink_parent_class)->event (base_sink, event);
}

static gboolean
duet_video_sink_propose_allocation (GstBaseSink *base_sink,
                                    GstQuery    *query)
{
  GstVideoInfo info;
  GstCaps *caps;
  gboolean need_pool;

  gst_query_parse_allocation (query, &caps, &need_pool);
  if (caps == NULL || !gst_video_info_from_caps (&info, caps))
    return FALSE;

  /* No pool of our own, only the minimum count; upstream makes the pool. */
  gst_query_add_allocation_pool (query, NULL, info.size, MIN_POOL_BUFFERS, 0);
  gst_query_add_allocation_meta (query, GST_VIDEO_META_API_TYPE, NULL);

  return TRUE;
}

static GstStateChangeReturn
duet_video_sink_change_state (GstElement     *element,
                              GstStateChange  transition)
{
  DuetVideoSink *self = DUET_VIDEO_SINK (element);
  GstStateChangeReturn ret;

  ret = GST_ELEMENT_CLASS (duet_video_sink_parent_class)->change_state (element, transition);

  switch (transition)
    {
    case GST_STATE_CHANGE_PAUSED_TO_READY:
      /* A stopped stream shows nothing (and lets views show their
       * placeholder) rather than a frozen last frame. */
      gst_video_info_init (&self->info);
      self->prerolled = NULL;
      queue_handoff (self, NULL, 1.0, GST_CLOCK_TIME_NONE);
      break;

    default:
      break;
    }

  return ret;
}

static void
duet_video_sink_finalize (GObject *object)
{
  DuetVideoSink *self = DUET_VIDEO_SINK (object);

  g_clear_object (&self->pending_texture);
  g_clear_object (&self->paintable);
  g_mutex_clear (&self->lock);

  G_OBJECT_CLASS (duet_video_sink_parent_class)->finalize (object);
}

static void
duet_video_sink_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  DuetVideoSink *self = DUET_VIDEO_SINK (object);

  switch (prop_id)
    {
    case PROP_PAINTABLE:
      g_value_set_object (value, self->paintable);
      break;

    case PROP_FRAMES_RENDERED:
      g_value_set_uint64 (value, duet_video_sink_get_frames_rendered (self));
      break;

    case PROP_FRAMES_DROPPED:
      g_value_set_uint64 (value, duet_video_sink_get_frames_dropped (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_video_sink_class_init (DuetVideoSinkClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstBaseSinkClass *base_sink_class = GST_BASE_SINK_CLASS (klass);
  GstVideoSinkClass *video_sink_class = GST_VIDEO_SINK_CLASS (klass);

  object_class->finalize = duet_video_sink_finalize;
  object_class->get_property = duet_video_sink_get_property;

  element_class->change_state = duet_video_sink_change_state;

  base_sink_class->preroll = duet_video_sink_preroll;
  base_sink_class->render = duet_video_sink_render;
  base_sink_class->event = duet_video_sink_event;
  base_sink_class->propose_allocation = duet_video_sink_propose_allocation;

  video_sink_class->set_info = duet_video_sink_set_info;
  video_sink_class->show_frame = duet_video_sink_show_frame;

  /**
   * DuetVideoSink:paintable:
   *
   * The paintable showing the video, the same one for the sink's whole
   * life. Use it on the main thread only.
   */
  properties[PROP_PAINTABLE] =
    g_param_spec_object ("paintable", NULL, NULL,
                         DUET_TYPE_VIDEO_PAINTABLE,
                         (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));

  /**
   * DuetVideoSink:frames-rendered:
   *
   * How many frames reached the paintable. Not notified; connect to
   * #DuetVideoSink::frame-rendered to hear of each frame.
   */
  properties[PROP_FRAMES_RENDERED] =
    g_param_spec_uint64 ("frames-rendered", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * DuetVideoSink:frames-dropped:
   *
   * How many frames a newer one replaced before the main loop could show
   * them: a measure of how busy the main loop is. Not notified.
   */
  properties[PROP_FRAMES_DROPPED] =
    g_param_spec_uint64 ("frames-dropped", NULL, NULL,
                         0, G_MAXUINT64, 0,
                         (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * DuetVideoSink::frame-rendered:
   * @self: the sink
   * @running_time: the frame's running time in nanoseconds, or
   *   %GST_CLOCK_TIME_NONE
   *
   * Emitted on the main thread once a frame is in the paintable, for
   * frame counters and first-frame timing.
   */
  signals[FRAME_RENDERED] =
    g_signal_new ("frame-rendered",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_UINT64);

  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_set_static_metadata (element_class,
                                         "Duet video sink",
                                         "Sink/Video",
                                         "Shows video in a GdkPaintable",
                                         "The Duet authors");

  GST_DEBUG_CATEGORY_INIT (duet_video_sink_debug, "duetvideosink", 0, "Duet video sink");
}

static void
duet_video_sink_init (DuetVideoSink *self)
{
  g_mutex_init (&self->lock);
  gst_video_info_init (&self->info);
  self->paintable = duet_video_paintable_new ();
  self->pending_par = 1.0;
}

/**
 * duet_video_sink_new:
 *
 * Creates a sink that accepts packed RGB formats only; see
 * duet_video_sink_new_bin() for anything else. The sink initializes
 * GStreamer if nothing did yet.
 *
 * Returns: (transfer floating): a new #DuetVideoSink
 */
DuetVideoSink *
duet_video_sink_new (void)
{
  return g_object_new (DUET_TYPE_VIDEO_SINK, NULL);
}

/**
 * duet_video_sink_new_bin:
 * @sink: (out) (optional) (transfer none): where to store the sink inside
 *   the bin, to get its paintable
 *
 * Creates `videoconvert ! video/x-raw,format=BGRx ! DuetVideoSink` in a bin
 * with a "sink" ghost pad, for sources in any raw format: this is what to
 * add to a call as a video view. Alpha is dropped: call video is opaque,
 * and BGRx is the cheapest format to show.
 *
 * Returns: (transfer floating) (nullable): a new #GstBin, or %NULL when
 *   GStreamer's `videoconvert` element is missing (gst-plugins-base)
 */
GstElement *
duet_video_sink_new_bin (DuetVideoSink **sink)
{
  g_autoptr(GstPad) convert_pad = NULL;
  g_autoptr(GstCaps) caps = NULL;
  GstElement *bin, *convert, *filter;
  DuetVideoSink *self;

  convert = gst_element_factory_make ("videoconvert", NULL);
  if (convert == NULL)
    {
      g_critical ("The GStreamer element videoconvert is missing (gst-plugins-base)");
      return NULL;
    }

  caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "BGRx", NULL);
  filter = gst_element_factory_make ("capsfilter", NULL);
  g_object_set (filter, "caps", caps, NULL);

  bin = gst_bin_new (NULL);
  self = duet_video_sink_new ();
  gst_bin_add_many (GST_BIN (bin), convert, filter, GST_ELEMENT (self), NULL);
  gst_element_link_many (convert, filter, GST_ELEMENT (self), NULL);

  convert_pad = gst_element_get_static_pad (convert, "sink");
  gst_element_add_pad (bin, gst_ghost_pad_new ("sink", convert_pad));

  if (sink != NULL)
    *sink = self;

  return bin;
}

/**
 * duet_video_sink_get_paintable:
 * @self: a video sink
 *
 * Gives the paintable that shows this sink's frames.
 *
 * Returns: (transfer none): the paintable; use it on the main thread only
 */
DuetVideoPaintable *
duet_video_sink_get_paintable (DuetVideoSink *self)
{
  g_return_val_if_fail (DUET_IS_VIDEO_SINK (self), NULL);

  return self->paintable;
}

/**
 * duet_video_sink_get_frames_rendered:
 * @self: a video sink
 *
 * Gives #DuetVideoSink:frames-rendered. Any thread.
 *
 * Returns: how many frames reached the paintable
 */
guint64
duet_video_sink_get_frames_rendered (DuetVideoSink *self)
{
  guint64 frames;

  g_return_val_if_fail (DUET_IS_VIDEO_SINK (self), 0);

  g_mutex_lock (&self->lock);
  frames = self->frames_rendered;
  g_mutex_unlock (&self->lock);

  return frames;
}

/**
 * duet_video_sink_get_frames_dropped:
 * @self: a video sink
 *
 * Gives #DuetVideoSink:frames-dropped. Any thread.
 *
 * Returns: how many frames were replaced before they could be shown
 */
guint64
duet_video_sink_get_frames_dropped (DuetVideoSink *self)
{
  guint64 frames;

  g_return_val_if_fail (DUET_IS_VIDEO_SINK (self), 0);

  g_mutex_lock (&self->lock);
  frames = self->frames_dropped;
  g_mutex_unlock (&self->lock);

  return frames;
}
