#!/usr/bin/python3
# A stand-in for GNOME's session manager on a private session bus: owns
# org.gnome.SessionManager, which GTK (outside Flatpak, on X11 and
# Wayland alike) asks when an application calls gtk_application_inhibit(),
# and appends every Inhibit and Uninhibit call as a JSON line to the file
# given as argv[1]: {"method": "Inhibit", "app_id", "toplevel_xid",
# "reason", "flags", "cookie"} and {"method": "Uninhibit", "cookie"}. A
# line {"method": "ready"} is written once the name is owned. GTK finds
# the session manager when the application starts, so this must run first.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

XML = """
<node>
  <interface name="org.gnome.SessionManager">
    <method name="Inhibit">
      <arg type="s" name="app_id" direction="in"/>
      <arg type="u" name="toplevel_xid" direction="in"/>
      <arg type="s" name="reason" direction="in"/>
      <arg type="u" name="flags" direction="in"/>
      <arg type="u" name="inhibit_cookie" direction="out"/>
    </method>
    <method name="Uninhibit">
      <arg type="u" name="inhibit_cookie" direction="in"/>
    </method>
    <method name="IsInhibited">
      <arg type="u" name="flags" direction="in"/>
      <arg type="b" name="is_inhibited" direction="out"/>
    </method>
  </interface>
</node>
"""

log_path = sys.argv[1]
next_cookie = 1
inhibitors = {}
loop = GLib.MainLoop()


def record(entry):
    with open(log_path, "a") as f:
        f.write(json.dumps(entry) + "\n")


def on_call(connection, sender, path, interface, method, params, invocation):
    global next_cookie
    if method == "Inhibit":
        app_id, xid, reason, flags = params.unpack()
        cookie = next_cookie
        next_cookie += 1
        inhibitors[cookie] = flags
        record({"method": "Inhibit", "app_id": app_id, "toplevel_xid": xid, "reason": reason,
                "flags": flags, "cookie": cookie})
        invocation.return_value(GLib.Variant("(u)", (cookie,)))
    elif method == "Uninhibit":
        (cookie,) = params.unpack()
        record({"method": "Uninhibit", "cookie": cookie})
        if inhibitors.pop(cookie, None) is None:
            invocation.return_dbus_error("org.gnome.SessionManager.NotInInhibitList",
                                         "no inhibitor %d" % cookie)
            return
        invocation.return_value(None)
    elif method == "IsInhibited":
        (flags,) = params.unpack()
        invocation.return_value(GLib.Variant("(b)", (any(f & flags for f in inhibitors.values()),)))


def on_bus(connection, name):
    info = Gio.DBusNodeInfo.new_for_xml(XML)
    connection.register_object("/org/gnome/SessionManager", info.interfaces[0], on_call, None, None)


def on_name(connection, name):
    record({"method": "ready"})


def on_lost(connection, name):
    sys.exit("lost the name " + name)


Gio.bus_own_name(Gio.BusType.SESSION, "org.gnome.SessionManager",
                 Gio.BusNameOwnerFlags.NONE, on_bus, on_name, on_lost)
loop.run()
