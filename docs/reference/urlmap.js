// Where the reference of each library the kit's API uses lives, for links
// out of this reference. SPDX-License-Identifier: LGPL-2.1-or-later
baseURLs = [
  [ 'GLib', 'https://docs.gtk.org/glib/' ],
  [ 'GModule', 'https://docs.gtk.org/gmodule/' ],
  [ 'GObject', 'https://docs.gtk.org/gobject/' ],
  [ 'Gio', 'https://docs.gtk.org/gio/' ],
  [ 'Gdk', 'https://docs.gtk.org/gdk4/' ],
  [ 'Gsk', 'https://docs.gtk.org/gsk4/' ],
  [ 'Gtk', 'https://docs.gtk.org/gtk4/' ],
  [ 'Pango', 'https://docs.gtk.org/Pango/' ],
  [ 'Gst', 'https://gstreamer.freedesktop.org/documentation/gstreamer/' ],
  [ 'GstBase', 'https://gstreamer.freedesktop.org/documentation/base/' ],
  [ 'GstVideo', 'https://gstreamer.freedesktop.org/documentation/video/' ],
  [ 'Duet', '../duet-kit-1/' ],
]
