/* duet-video-paintable.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A GdkPaintable showing the latest video frame. It is a main-thread
 * object: DuetVideoSink hands frames over from the streaming thread and
 * calls duet_video_paintable_set_texture() from the main context.
 */
#define G_LOG_DOMAIN "DuetVideoPaintable"

#include <math.h>

#include "duet-video-paintable.h"

struct _DuetVideoPaintable
{
  GObject     parent_instance;

  GdkTexture *texture;
  /* Pixel aspect ratio (width / height of one pixel), so that anamorphic
   * video gets its display size rather than its storage size. */
  double      par;
};

static void duet_video_paintable_iface_init (GdkPaintableInterface *iface);

/**
 * DuetVideoPaintable:
 *
 * A #GdkPaintable that shows the latest frame of a video stream.
 *
 * A #DuetVideoSink owns one and fills it with frames; give it to a
 * #DuetVideoView, a #GtkPicture or anything else that draws paintables.
 * It sizes itself by the video's display size (storage size corrected by
 * the pixel aspect ratio) and letterboxes when drawn at another aspect
 * ratio. It is a main-thread object, like every GTK object.
 */

G_DEFINE_FINAL_TYPE_WITH_CODE (DuetVideoPaintable, duet_video_paintable, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (GDK_TYPE_PAINTABLE,
                                                      duet_video_paintable_iface_init))

static int
get_display_width (DuetVideoPaintable *self)
{
  if (self->texture == NULL)
    return 0;

  return MAX (1, (int) lround (gdk_texture_get_width (self->texture) * self->par));
}

static void
duet_video_paintable_snapshot (GdkPaintable *paintable,
                               GdkSnapshot  *snapshot,
                               double        width,
                               double        height)
{
  DuetVideoPaintable *self = DUET_VIDEO_PAINTABLE (paintable);
  double video_aspect, w, h;

  if (self->texture == NULL || width <= 0 || height <= 0)
    return;

  /* Consumers such as GtkPicture already size us by our aspect ratio, in
   * which case this is the identity; others get letterboxing rather than a
   * stretched picture. */
  video_aspect = gdk_paintable_get_intrinsic_aspect_ratio (paintable);
  if (width / height > video_aspect)
    {
      h = height;
      w = height * video_aspect;
    }
  else
    {
      w = width;
      h = width / video_aspect;
    }

  gtk_snapshot_append_texture (GTK_SNAPSHOT (snapshot),
                               self->texture,
                               &GRAPHENE_RECT_INIT ((width - w) / 2, (height - h) / 2, w, h));
}

static GdkPaintable *
duet_video_paintable_get_current_image (GdkPaintable *paintable)
{
  DuetVideoPaintable *self = DUET_VIDEO_PAINTABLE (paintable);
  DuetVideoPaintable *image;

  if (self->texture == NULL)
    return gdk_paintable_new_empty (0, 0);

  /* Textures are immutable, so sharing ours gives a frozen copy. */
  image = duet_video_paintable_new ();
  duet_video_paintable_set_texture (image, self->texture, self->par);

  return GDK_PAINTABLE (image);
}

static int
duet_video_paintable_get_intrinsic_width (GdkPaintable *paintable)
{
  return get_display_width (DUET_VIDEO_PAINTABLE (paintable));
}

static int
duet_video_paintable_get_intrinsic_height (GdkPaintable *paintable)
{
  DuetVideoPaintable *self = DUET_VIDEO_PAINTABLE (paintable);

  return self->texture != NULL ? gdk_texture_get_height (self->texture) : 0;
}

static double
duet_video_paintable_get_intrinsic_aspect_ratio (GdkPaintable *paintable)
{
  DuetVideoPaintable *self = DUET_VIDEO_PAINTABLE (paintable);

  if (self->texture == NULL)
    return 0.0;

  return gdk_texture_get_width (self->texture) * self->par
         / gdk_texture_get_height (self->texture);
}

static void
duet_video_paintable_iface_init (GdkPaintableInterface *iface)
{
  iface->snapshot = duet_video_paintable_snapshot;
  iface->get_current_image = duet_video_paintable_get_current_image;
  iface->get_intrinsic_width = duet_video_paintable_get_intrinsic_width;
  iface->get_intrinsic_height = duet_video_paintable_get_intrinsic_height;
  iface->get_intrinsic_aspect_ratio = duet_video_paintable_get_intrinsic_aspect_ratio;
}

static void
duet_video_paintable_dispose (GObject *object)
{
  DuetVideoPaintable *self = DUET_VIDEO_PAINTABLE (object);

  g_clear_object (&self->texture);

  G_OBJECT_CLASS (duet_video_paintable_parent_class)->dispose (object);
}

static void
duet_video_paintable_class_init (DuetVideoPaintableClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = duet_video_paintable_dispose;
}

static void
duet_video_paintable_init (DuetVideoPaintable *self)
{
  self->par = 1.0;
}

/**
 * duet_video_paintable_new:
 *
 * Creates an empty paintable, for frames that come from somewhere other
 * than a #DuetVideoSink; the sink makes its own.
 *
 * Returns: (transfer full): a new #DuetVideoPaintable
 */
DuetVideoPaintable *
duet_video_paintable_new (void)
{
  return g_object_new (DUET_TYPE_VIDEO_PAINTABLE, NULL);
}

/**
 * duet_video_paintable_get_texture:
 * @self: a video paintable
 *
 * Gives the frame being shown, to save a snapshot of the call, say.
 *
 * Returns: (transfer none) (nullable): the frame being shown, or %NULL
 *   before the first frame
 */
GdkTexture *
duet_video_paintable_get_texture (DuetVideoPaintable *self)
{
  g_return_val_if_fail (DUET_IS_VIDEO_PAINTABLE (self), NULL);

  return self->texture;
}

/**
 * duet_video_paintable_get_pixel_aspect_ratio:
 * @self: a video paintable
 *
 * Gives the shape of one pixel of the frame being shown, from the
 * stream's caps: 1.0 for square pixels, as in nearly all camera video.
 *
 * Returns: the width of one pixel divided by its height
 */
double
duet_video_paintable_get_pixel_aspect_ratio (DuetVideoPaintable *self)
{
  g_return_val_if_fail (DUET_IS_VIDEO_PAINTABLE (self), 1.0);

  return self->par;
}

/**
 * duet_video_paintable_set_texture:
 * @self: a video paintable
 * @texture: (nullable): the new frame, or %NULL to show nothing
 * @pixel_aspect_ratio: width / height of one pixel, 1.0 for square
 *   pixels; greater than 0
 *
 * Shows @texture in place of the current frame. The paintable's size is
 * invalidated only when the frame's display size changes, so that
 * showing frame after frame of a steady stream costs no relayout.
 * Main thread only.
 */
void
duet_video_paintable_set_texture (DuetVideoPaintable *self,
                                  GdkTexture         *texture,
                                  double              pixel_aspect_ratio)
{
  gboolean size_changed;

  g_return_if_fail (DUET_IS_VIDEO_PAINTABLE (self));
  g_return_if_fail (texture == NULL || GDK_IS_TEXTURE (texture));
  g_return_if_fail (pixel_aspect_ratio > 0.0);

  if (self->texture == texture && self->par == pixel_aspect_ratio)
    return;

  size_changed = self->texture == NULL || texture == NULL ||
                 gdk_texture_get_width (self->texture) != gdk_texture_get_width (texture) ||
                 gdk_texture_get_height (self->texture) != gdk_texture_get_height (texture) ||
                 self->par != pixel_aspect_ratio;

  g_set_object (&self->texture, texture);
  self->par = pixel_aspect_ratio;

  /* A size change makes consumers queue a resize; only pay for it when the
   * geometry really changed, not on every frame. */
  if (size_changed)
    gdk_paintable_invalidate_size (GDK_PAINTABLE (self));
  gdk_paintable_invalidate_contents (GDK_PAINTABLE (self));
}
