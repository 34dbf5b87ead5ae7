/* duet-device-slot.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A call swaps its camera, microphone or speaker while the pipeline plays,
 * with no renegotiation: only the element at the end of a chain changes.
 * A source is upstream of everything, so stopping it stops its thread and
 * nothing else; its successor sends new caps, which the converters after
 * it absorb. A sink is swapped from an idle probe on the pad feeding it, so
 * no buffer is in flight to the old one. The pipeline runs on the system
 * clock (set by the media session), so a device that provided a clock can
 * go without the pipeline losing its clock, and a new sink joins without
 * prerolling (async off), which would otherwise make the pipeline
 * recompute its base time mid-call.
 */
#define G_LOG_DOMAIN "DuetDeviceSlot"

#include "config.h"

#include "duet-device-slot.h"

struct _DuetDeviceSlot
{
  GstBin     *bin;
  GstPad     *peer;      /* the pad the device links to */
  gboolean    source;
  GstElement *element;   /* the device now, or NULL */

  GMutex      lock;      /* a sink's swap runs on the streaming thread */
  GstElement *pending;
  gboolean    swap_queued;
  gulong      probe_id;
};

DuetDeviceSlot *
duet_device_slot_new (GstBin   *bin,
                      GstPad   *peer,
                      gboolean  source)
{
  DuetDeviceSlot *self = g_new0 (DuetDeviceSlot, 1);

  self->bin = gst_object_ref (bin);
  self->peer = gst_object_ref (peer);
  self->source = source;
  g_mutex_init (&self->lock);
  return self;
}

static void
drop_element (DuetDeviceSlot *self,
              GstElement     *element)
{
  g_autoptr(GstPad) pad = NULL;

  gst_element_set_locked_state (element, TRUE);
  gst_element_set_state (element, GST_STATE_NULL);
  pad = gst_element_get_static_pad (element, self->source ? "src" : "sink");
  if (pad != NULL)
    {
      if (self->source)
        gst_pad_unlink (pad, self->peer);
      else
        gst_pad_unlink (self->peer, pad);
    }
  gst_bin_remove (self->bin, element);
}

/* gst-plugin-pipewire 0.3.65's sink activates its buffer pool on its
 * first buffer, in the streaming thread, holding the pool's lock while it
 * waits for the PipeWire loop's; when the stream's format arrives, the
 * loop thread takes the two the other way round, and both stop (with the
 * daemon waiting on this client: every device stalls). Activated here,
 * while no buffer can flow and before the stream connects (it connects
 * on the first caps), the pool is never activated by the streaming thread. */
static void
activate_pipewire_pool (GstElement *element,
                        GstPad     *pad)
{
  g_autoptr(GstQuery) query = NULL;
  GstBufferPool *pool = NULL;

  if (g_strcmp0 (G_OBJECT_TYPE_NAME (element), "GstPipeWireSink") != 0)
    return;
  query = gst_query_new_allocation (NULL, FALSE);
  if (!gst_pad_query (pad, query) || gst_query_get_n_allocation_pools (query) == 0)
    return;
  gst_query_parse_nth_allocation_pool (query, 0, &pool, NULL, NULL, NULL);
  if (pool != NULL && !gst_buffer_pool_is_active (pool))
    gst_buffer_pool_set_active (pool, TRUE);
  gst_clear_object (&pool);
}

static gboolean
add_element (DuetDeviceSlot *self,
             GstElement     *element)
{
  g_autoptr(GstPad) pad = gst_element_get_static_pad (element, self->source ? "src" : "sink");
  GstPadLinkReturn linked;

  if (pad == NULL)
    return FALSE;
  if (!self->source && g_object_class_find_property (G_OBJECT_GET_CLASS (element), "async") != NULL)
    g_object_set (element, "async", FALSE, NULL);
  gst_bin_add (self->bin, element);
  linked = self->source ? gst_pad_link (pad, self->peer) : gst_pad_link (self->peer, pad);
  if (linked != GST_PAD_LINK_OK)
    {
      gst_element_set_locked_state (element, TRUE);
      gst_bin_remove (self->bin, element);
      return FALSE;
    }
  gst_element_sync_state_with_parent (element);
  if (!self->source)
    activate_pipewire_pool (element, pad);
  return TRUE;
}

/* Takes the pending element: the swap itself */
static void
swap (DuetDeviceSlot *self)
{
  GstElement *element;

  g_mutex_lock (&self->lock);
  element = g_steal_pointer (&self->pending);
  self->swap_queued = FALSE;
  self->probe_id = 0;
  g_mutex_unlock (&self->lock);

  if (self->element != NULL)
    {
      drop_element (self, self->element);
      gst_clear_object (&self->element);
    }
  if (element != NULL && add_element (self, element))
    self->element = element;   /* the bin's reference plus ours */
  else
    gst_clear_object (&element);
}

static GstPadProbeReturn
swap_when_idle (GstPad          *pad,
                GstPadProbeInfo *info,
                gpointer         data)
{
  swap (data);
  return GST_PAD_PROBE_REMOVE;
}

/* Puts @element (floating or not; NULL to empty the slot) in place of the
 * device there now */
void
duet_device_slot_set (DuetDeviceSlot *self,
                      GstElement     *element)
{
  gboolean queue;
  gulong id;

  if (element != NULL)
    gst_object_ref_sink (element);

  g_mutex_lock (&self->lock);
  gst_clear_object (&self->pending);
  self->pending = element;
  queue = !self->swap_queued;
  self->swap_queued = TRUE;
  g_mutex_unlock (&self->lock);

  if (self->source)
    swap (self);
  else if (queue)
    {
      id = gst_pad_add_probe (self->peer, GST_PAD_PROBE_TYPE_IDLE, swap_when_idle, self, NULL);
      /* 0 when the probe ran at once */
      g_mutex_lock (&self->lock);
      if (self->swap_queued)
        self->probe_id = id;
      g_mutex_unlock (&self->lock);
    }
}

gboolean
duet_device_slot_is_empty (DuetDeviceSlot *self)
{
  gboolean empty;

  g_mutex_lock (&self->lock);
  empty = self->element == NULL && self->pending == NULL;
  g_mutex_unlock (&self->lock);
  return empty;
}

/* Whether a bus message from @object came from the device */
gboolean
duet_device_slot_contains (DuetDeviceSlot *self,
                           GstObject      *object)
{
  return self->element != NULL && object != NULL &&
         (object == GST_OBJECT (self->element) || gst_object_has_as_ancestor (object, GST_OBJECT (self->element)));
}

/* The pipeline is stopped by then */
void
duet_device_slot_free (DuetDeviceSlot *self)
{
  if (self->probe_id != 0)
    gst_pad_remove_probe (self->peer, self->probe_id);
  gst_clear_object (&self->pending);
  gst_clear_object (&self->element);
  gst_clear_object (&self->peer);
  gst_clear_object (&self->bin);
  g_mutex_clear (&self->lock);
  g_free (self);
}
