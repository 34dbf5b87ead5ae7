#!/usr/bin/python3
# A stand-in for xdg-desktop-portal's Background portal on a private
# session bus: owns org.freedesktop.portal.Desktop, appends the options of
# every org.freedesktop.portal.Background.RequestBackground call (with the
# parent window and the returned handle) as a JSON line to the file given
# as argv[1], and answers on the Request object as the real portal does:
# Response (0, {background: true, autostart: <as asked>}); with argv[2]
# "deny", Response (1, {}) as when the user says no; with "no-autostart",
# Response (0, {background: true, autostart: false}) as when the portal
# lets the app run but cannot start it at login; with "silent", no
# Response at all, as a portal that dies before the user answers. A line
# {"method": "ready"} is written once the name is owned.
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

XML = """
<node>
  <interface name="org.freedesktop.portal.Background">
    <method name="RequestBackground">
      <arg type="s" name="parent_window" direction="in"/>
      <arg type="a{sv}" name="options" direction="in"/>
      <arg type="o" name="handle" direction="out"/>
    </method>
    <property name="version" type="u" access="read"/>
  </interface>
</node>
"""

log_path = sys.argv[1]
mode = sys.argv[2] if len(sys.argv) > 2 else "allow"
loop = GLib.MainLoop()


def record(entry):
    with open(log_path, "a") as f:
        f.write(json.dumps(entry) + "\n")


def request_path(sender, token):
    return "/org/freedesktop/portal/desktop/request/%s/%s" % (sender[1:].replace(".", "_"), token)


def on_call(connection, sender, path, interface, method, params, invocation):
    parent, options = params.unpack()
    handle = request_path(sender, options.get("handle_token", "t"))
    record({"method": method, "parent_window": parent, "handle": handle, "options": options})
    invocation.return_value(GLib.Variant("(o)", (handle,)))
    if mode == "silent":
        return
    if mode == "deny":
        response = GLib.Variant("(ua{sv})", (1, {}))
    else:
        autostart = mode != "no-autostart" and bool(options.get("autostart", False))
        response = GLib.Variant("(ua{sv})", (0, {
            "background": GLib.Variant("b", True),
            "autostart": GLib.Variant("b", autostart)}))
    # After the reply, as the real portal answers once the user decides
    GLib.idle_add(lambda: connection.emit_signal(sender, handle, "org.freedesktop.portal.Request",
                                                 "Response", response) and False)


def on_get_property(connection, sender, path, interface, name):
    return GLib.Variant("u", 2)


def on_bus(connection, name):
    info = Gio.DBusNodeInfo.new_for_xml(XML)
    connection.register_object("/org/freedesktop/portal/desktop", info.interfaces[0],
                               on_call, on_get_property, None)


def on_name(connection, name):
    record({"method": "ready"})


def on_lost(connection, name):
    sys.exit("lost the name " + name)


Gio.bus_own_name(Gio.BusType.SESSION, "org.freedesktop.portal.Desktop",
                 Gio.BusNameOwnerFlags.NONE, on_bus, on_name, on_lost)
loop.run()
