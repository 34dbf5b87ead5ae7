/* duet-video-view.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Shows a video paintable on a black, rounded background, either whole
 * (contain) or filling the view (cover), with a placeholder while there is
 * no picture. The view does not ask for the video's size: call layouts
 * decide how big a video is, not the stream.
 */
#define G_LOG_DOMAIN "DuetVideoView"

#include "duet-video-view.h"

struct _DuetVideoView
{
  GtkWidget     parent_instance;

  GdkPaintable *paintable;
  char         *placeholder_text;
  char         *placeholder_icon_name;
  DuetVideoFit  fit;
  guint         mirrored : 1;
  guint         has_video : 1;

  /* Owned children. */
  GtkWidget    *placeholder;
  GtkWidget    *placeholder_image;
  GtkWidget    *placeholder_label;
};

/**
 * DuetVideoView:
 *
 * A widget that shows video: the peer's picture or your own, in a call.
 *
 * Set its #DuetVideoView:paintable to the #DuetVideoSink:paintable of a
 * #DuetVideoSink added to a #DuetCall. The video is drawn on a black
 * background with rounded corners, whole (%DUET_VIDEO_FIT_CONTAIN) or
 * filling the view (%DUET_VIDEO_FIT_COVER), optionally mirrored for a
 * self-view. While there is no picture (before the first frame, or
 * without a paintable) the view shows a placeholder icon and text
 * instead, such as "Camera paused" when #DuetCall::peer-video-paused
 * arrives.
 *
 * The view does not ask for the video's size: the call's layout decides
 * how big a video is, not the stream.
 *
 * # CSS nodes
 *
 * `duet-video-view` (style class `.rounded`), with a `box.placeholder`
 * child holding an `image` and a `label`. The view's own style is
 * installed at fallback priority, so applications and themes can change
 * it.
 */

G_DEFINE_ENUM_TYPE (DuetVideoFit, duet_video_fit,
                    G_DEFINE_ENUM_VALUE (DUET_VIDEO_FIT_CONTAIN, "contain"),
                    G_DEFINE_ENUM_VALUE (DUET_VIDEO_FIT_COVER, "cover"))

G_DEFINE_FINAL_TYPE (DuetVideoView, duet_video_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_PAINTABLE,
  PROP_FIT,
  PROP_MIRRORED,
  PROP_PLACEHOLDER_TEXT,
  PROP_PLACEHOLDER_ICON_NAME,
  PROP_HAS_VIDEO,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* At fallback priority, so that applications and themes can restyle it. */
static const char view_css[] =
  "duet-video-view {\n"
  "  background-color: black;\n"
  "  color: rgba(255, 255, 255, 0.85);\n"
  "}\n"
  "duet-video-view.rounded {\n"
  "  border-radius: 12px;\n"
  "}\n"
  "duet-video-view > .placeholder {\n"
  "  padding: 12px;\n"
  "}\n"
  "duet-video-view > .placeholder > image {\n"
  "  -gtk-icon-size: 48px;\n"
  "  opacity: 0.6;\n"
  "}\n"
  "duet-video-view > .placeholder > label {\n"
  "  font-weight: bold;\n"
  "}\n";

static void
ensure_style (GdkDisplay *display)
{
  g_autoptr(GtkCssProvider) provider = NULL;

  if (g_object_get_data (G_OBJECT (display), "duet-video-view-css") != NULL)
    return;

  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_data (provider, view_css, -1);
  gtk_style_context_add_provider_for_display (display,
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_FALLBACK);
  g_object_set_data_full (G_OBJECT (display), "duet-video-view-css",
                          g_steal_pointer (&provider), g_object_unref);
}

static void
update_placeholder (DuetVideoView *self)
{
  gboolean has_text = self->placeholder_text != NULL && self->placeholder_text[0] != '\0';
  gboolean has_icon = self->placeholder_icon_name != NULL && self->placeholder_icon_name[0] != '\0';

  gtk_widget_set_visible (self->placeholder_label, has_text);
  gtk_widget_set_visible (self->placeholder_image, has_icon);
  gtk_widget_set_visible (self->placeholder, !self->has_video && (has_text || has_icon));
}

static void
update_has_video (DuetVideoView *self)
{
  gboolean has_video = FALSE;

  if (self->paintable != NULL)
    has_video = gdk_paintable_get_intrinsic_width (self->paintable) > 0 &&
                gdk_paintable_get_intrinsic_height (self->paintable) > 0;

  if (self->has_video == has_video)
    return;

  self->has_video = has_video;
  update_placeholder (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_VIDEO]);
}

static void
paintable_invalidate_contents_cb (DuetVideoView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
paintable_invalidate_size_cb (DuetVideoView *self)
{
  /* Our own size does not follow the video, so a redraw is enough. */
  update_has_video (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
duet_video_view_snapshot (GtkWidget   *widget,
                          GtkSnapshot *snapshot)
{
  DuetVideoView *self = DUET_VIDEO_VIEW (widget);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  double aspect, w, h;

  if (self->has_video && width > 0 && height > 0)
    {
      aspect = gdk_paintable_get_intrinsic_aspect_ratio (self->paintable);
      if (aspect <= 0)
        aspect = (double) gdk_paintable_get_intrinsic_width (self->paintable)
                 / gdk_paintable_get_intrinsic_height (self->paintable);

      /* Contain fits the limiting side, cover the other one; the overflow
       * is clipped by the widget (overflow: hidden, rounded). */
      if ((width / height > aspect) == (self->fit == DUET_VIDEO_FIT_CONTAIN))
        {
          h = height;
          w = height * aspect;
        }
      else
        {
          w = width;
          h = width / aspect;
        }

      gtk_snapshot_save (snapshot);
      if (self->mirrored)
        {
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (width, 0));
          gtk_snapshot_scale (snapshot, -1, 1);
        }
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT ((width - w) / 2, (height - h) / 2));
      gdk_paintable_snapshot (self->paintable, snapshot, w, h);
      gtk_snapshot_restore (snapshot);
    }

  gtk_widget_snapshot_child (widget, self->placeholder, snapshot);
}

static void
duet_video_view_root (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (duet_video_view_parent_class)->root (widget);

  ensure_style (gtk_widget_get_display (widget));
}

static void
duet_video_view_dispose (GObject *object)
{
  DuetVideoView *self = DUET_VIDEO_VIEW (object);

  duet_video_view_set_paintable (self, NULL);
  g_clear_pointer (&self->placeholder, gtk_widget_unparent);

  G_OBJECT_CLASS (duet_video_view_parent_class)->dispose (object);
}

static void
duet_video_view_finalize (GObject *object)
{
  DuetVideoView *self = DUET_VIDEO_VIEW (object);

  g_free (self->placeholder_text);
  g_free (self->placeholder_icon_name);

  G_OBJECT_CLASS (duet_video_view_parent_class)->finalize (object);
}

static void
duet_video_view_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  DuetVideoView *self = DUET_VIDEO_VIEW (object);

  switch (prop_id)
    {
    case PROP_PAINTABLE:
      g_value_set_object (value, self->paintable);
      break;

    case PROP_FIT:
      g_value_set_enum (value, self->fit);
      break;

    case PROP_MIRRORED:
      g_value_set_boolean (value, self->mirrored);
      break;

    case PROP_PLACEHOLDER_TEXT:
      g_value_set_string (value, self->placeholder_text);
      break;

    case PROP_PLACEHOLDER_ICON_NAME:
      g_value_set_string (value, self->placeholder_icon_name);
      break;

    case PROP_HAS_VIDEO:
      g_value_set_boolean (value, self->has_video);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_video_view_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  DuetVideoView *self = DUET_VIDEO_VIEW (object);

  switch (prop_id)
    {
    case PROP_PAINTABLE:
      duet_video_view_set_paintable (self, g_value_get_object (value));
      break;

    case PROP_FIT:
      duet_video_view_set_fit (self, g_value_get_enum (value));
      break;

    case PROP_MIRRORED:
      duet_video_view_set_mirrored (self, g_value_get_boolean (value));
      break;

    case PROP_PLACEHOLDER_TEXT:
      duet_video_view_set_placeholder_text (self, g_value_get_string (value));
      break;

    case PROP_PLACEHOLDER_ICON_NAME:
      duet_video_view_set_placeholder_icon_name (self, g_value_get_string (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
duet_video_view_class_init (DuetVideoViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = duet_video_view_dispose;
  object_class->finalize = duet_video_view_finalize;
  object_class->get_property = duet_video_view_get_property;
  object_class->set_property = duet_video_view_set_property;

  widget_class->snapshot = duet_video_view_snapshot;
  widget_class->root = duet_video_view_root;

  /**
   * DuetVideoView:paintable:
   *
   * The video to show, usually a #DuetVideoSink's paintable; %NULL shows
   * the placeholder.
   */
  properties[PROP_PAINTABLE] =
    g_param_spec_object ("paintable", NULL, NULL,
                         GDK_TYPE_PAINTABLE,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * DuetVideoView:fit:
   *
   * How the video fills the view when their shapes differ: whole and
   * letterboxed (the default), or filling it and cropped.
   */
  properties[PROP_FIT] =
    g_param_spec_enum ("fit", NULL, NULL,
                       DUET_TYPE_VIDEO_FIT,
                       DUET_VIDEO_FIT_CONTAIN,
                       (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * DuetVideoView:mirrored:
   *
   * Whether to flip the picture horizontally, as people expect of a
   * self-view. Only the view is mirrored, never the video the peer gets.
   */
  properties[PROP_MIRRORED] =
    g_param_spec_boolean ("mirrored", NULL, NULL,
                          FALSE,
                          (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * DuetVideoView:placeholder-text:
   *
   * What to say while there is no picture, such as "Camera paused";
   * %NULL or empty for no text.
   */
  properties[PROP_PLACEHOLDER_TEXT] =
    g_param_spec_string ("placeholder-text", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * DuetVideoView:placeholder-icon-name:
   *
   * The name of an icon to show while there is no picture; %NULL or
   * empty for no icon.
   */
  properties[PROP_PLACEHOLDER_ICON_NAME] =
    g_param_spec_string ("placeholder-icon-name", NULL, NULL,
                         NULL,
                         (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  /**
   * DuetVideoView:has-video:
   *
   * Whether the paintable has a picture: %FALSE before the first frame
   * and without a paintable, when the placeholder shows instead.
   */
  properties[PROP_HAS_VIDEO] =
    g_param_spec_boolean ("has-video", NULL, NULL,
                          FALSE,
                          (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS));

  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "duet-video-view");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
duet_video_view_init (DuetVideoView *self)
{
  /* Clips the video to the rounded background, also in cover mode. */
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_widget_add_css_class (GTK_WIDGET (self), "rounded");

  self->placeholder = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_add_css_class (self->placeholder, "placeholder");
  gtk_widget_set_halign (self->placeholder, GTK_ALIGN_CENTER);
  gtk_widget_set_valign (self->placeholder, GTK_ALIGN_CENTER);
  gtk_widget_set_parent (self->placeholder, GTK_WIDGET (self));

  self->placeholder_image = gtk_image_new ();
  gtk_box_append (GTK_BOX (self->placeholder), self->placeholder_image);

  self->placeholder_label = gtk_label_new (NULL);
  gtk_label_set_wrap (GTK_LABEL (self->placeholder_label), TRUE);
  gtk_label_set_justify (GTK_LABEL (self->placeholder_label), GTK_JUSTIFY_CENTER);
  gtk_box_append (GTK_BOX (self->placeholder), self->placeholder_label);

  update_placeholder (self);
}

/**
 * duet_video_view_new:
 *
 * Creates a video view with no paintable, which shows its placeholder.
 *
 * Returns: a new #DuetVideoView
 */
GtkWidget *
duet_video_view_new (void)
{
  return g_object_new (DUET_TYPE_VIDEO_VIEW, NULL);
}

/**
 * duet_video_view_get_paintable:
 * @self: a video view
 *
 * Gives #DuetVideoView:paintable.
 *
 * Returns: (transfer none) (nullable): the paintable shown
 */
GdkPaintable *
duet_video_view_get_paintable (DuetVideoView *self)
{
  g_return_val_if_fail (DUET_IS_VIDEO_VIEW (self), NULL);

  return self->paintable;
}

/**
 * duet_video_view_set_paintable:
 * @self: a video view
 * @paintable: (nullable): the video, typically a #DuetVideoSink's
 *   paintable, or %NULL to show the placeholder
 *
 * Sets #DuetVideoView:paintable. The view redraws whenever the
 * paintable's contents change.
 */
void
duet_video_view_set_paintable (DuetVideoView *self,
                               GdkPaintable  *paintable)
{
  g_return_if_fail (DUET_IS_VIDEO_VIEW (self));
  g_return_if_fail (paintable == NULL || GDK_IS_PAINTABLE (paintable));

  if (self->paintable == paintable)
    return;

  if (self->paintable != NULL)
    g_signal_handlers_disconnect_by_data (self->paintable, self);

  g_set_object (&self->paintable, paintable);

  if (paintable != NULL)
    {
      g_signal_connect_swapped (paintable, "invalidate-contents",
                                G_CALLBACK (paintable_invalidate_contents_cb), self);
      g_signal_connect_swapped (paintable, "invalidate-size",
                                G_CALLBACK (paintable_invalidate_size_cb), self);
    }

  update_has_video (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PAINTABLE]);
}

/**
 * duet_video_view_get_fit:
 * @self: a video view
 *
 * Gives #DuetVideoView:fit.
 *
 * Returns: how the video fills the view
 */
DuetVideoFit
duet_video_view_get_fit (DuetVideoView *self)
{
  g_return_val_if_fail (DUET_IS_VIDEO_VIEW (self), DUET_VIDEO_FIT_CONTAIN);

  return self->fit;
}

/**
 * duet_video_view_set_fit:
 * @self: a video view
 * @fit: how the video should fill the view
 *
 * Sets #DuetVideoView:fit: %DUET_VIDEO_FIT_COVER suits a full-window peer
 * view, %DUET_VIDEO_FIT_CONTAIN shows the whole picture.
 */
void
duet_video_view_set_fit (DuetVideoView *self,
                         DuetVideoFit   fit)
{
  g_return_if_fail (DUET_IS_VIDEO_VIEW (self));
  g_return_if_fail (fit == DUET_VIDEO_FIT_CONTAIN || fit == DUET_VIDEO_FIT_COVER);

  if (self->fit == fit)
    return;

  self->fit = fit;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIT]);
}

/**
 * duet_video_view_get_mirrored:
 * @self: a video view
 *
 * Gives #DuetVideoView:mirrored.
 *
 * Returns: whether the picture is flipped horizontally
 */
gboolean
duet_video_view_get_mirrored (DuetVideoView *self)
{
  g_return_val_if_fail (DUET_IS_VIDEO_VIEW (self), FALSE);

  return self->mirrored;
}

/**
 * duet_video_view_set_mirrored:
 * @self: a video view
 * @mirrored: whether to flip the picture horizontally
 *
 * Sets #DuetVideoView:mirrored, usually for the view of your own camera.
 */
void
duet_video_view_set_mirrored (DuetVideoView *self,
                              gboolean       mirrored)
{
  g_return_if_fail (DUET_IS_VIDEO_VIEW (self));

  mirrored = !!mirrored;
  if (self->mirrored == mirrored)
    return;

  self->mirrored = mirrored;
  gtk_widget_queue_draw (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIRRORED]);
}

/**
 * duet_video_view_get_placeholder_text:
 * @self: a video view
 *
 * Gives #DuetVideoView:placeholder-text.
 *
 * Returns: (nullable): the text shown while there is no picture
 */
const char *
duet_video_view_get_placeholder_text (DuetVideoView *self)
{
  g_return_val_if_fail (DUET_IS_VIDEO_VIEW (self), NULL);

  return self->placeholder_text;
}

/**
 * duet_video_view_set_placeholder_text:
 * @self: a video view
 * @text: (nullable): what to say while there is no video, e.g. "Camera
 *   paused", or %NULL for no text
 *
 * Sets #DuetVideoView:placeholder-text.
 */
void
duet_video_view_set_placeholder_text (DuetVideoView *self,
                                      const char    *text)
{
  g_return_if_fail (DUET_IS_VIDEO_VIEW (self));

  if (g_strcmp0 (self->placeholder_text, text) == 0)
    return;

  g_free (self->placeholder_text);
  self->placeholder_text = g_strdup (text);
  gtk_label_set_text (GTK_LABEL (self->placeholder_label), text);
  update_placeholder (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLACEHOLDER_TEXT]);
}

/**
 * duet_video_view_get_placeholder_icon_name:
 * @self: a video view
 *
 * Gives #DuetVideoView:placeholder-icon-name.
 *
 * Returns: (nullable): the name of the icon shown while there is no picture
 */
const char *
duet_video_view_get_placeholder_icon_name (DuetVideoView *self)
{
  g_return_val_if_fail (DUET_IS_VIDEO_VIEW (self), NULL);

  return self->placeholder_icon_name;
}

/**
 * duet_video_view_set_placeholder_icon_name:
 * @self: a video view
 * @icon_name: (nullable): the name of an icon to show while there is no
 *   video, or %NULL for no icon
 *
 * Sets #DuetVideoView:placeholder-icon-name.
 */
void
duet_video_view_set_placeholder_icon_name (DuetVideoView *self,
                                           const char    *icon_name)
{
  g_return_if_fail (DUET_IS_VIDEO_VIEW (self));

  if (g_strcmp0 (self->placeholder_icon_name, icon_name) == 0)
    return;

  g_free (self->placeholder_icon_name);
  self->placeholder_icon_name = g_strdup (icon_name);
  gtk_image_set_from_icon_name (GTK_IMAGE (self->placeholder_image), icon_name);
  update_placeholder (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PLACEHOLDER_ICON_NAME]);
}

/**
 * duet_video_view_get_has_video:
 * @self: a video view
 *
 * Gives #DuetVideoView:has-video.
 *
 * Returns: whether a picture is showing
 */
gboolean
duet_video_view_get_has_video (DuetVideoView *self)
{
  g_return_val_if_fail (DUET_IS_VIDEO_VIEW (self), FALSE);

  return self->has_video;
}
