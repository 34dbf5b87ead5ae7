#!/usr/bin/python3
# A stand-in for the desktop's notification server on a private session
# bus: owns org.freedesktop.Notifications, appends every Notify and
# CloseNotification call as a JSON line to the file given as argv[1], and
# offers org.duet.Test.Notifications.Invoke(id, action_key) so that a test
# can press a notification's button (it emits ActionInvoked, then
# NotificationClosed with reason 2, as GNOME Shell does).
#
# SPDX-License-Identifier: GPL-3.0-or-later

import json
import sys

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/>
      <arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
  </interface>
  <interface name="org.duet.Test.Notifications">
    <method name="Invoke"><arg type="u" direction="in"/><arg type="s" direction="in"/></method>
  </interface>
</node>
"""

log_path = sys.argv[1]
next_id = 1
loop = GLib.MainLoop()


def record(entry):
    with open(log_path, "a") as f:
        f.write(json.dumps(entry) + "\n")


def plain_hints(hints):
    out = {}
    for key, value in hints.items():
        try:
            json.dumps(value)
            out[key] = value
        except TypeError:
            out[key] = str(value)
    return out


def on_call(connection, sender, path, interface, method, params, invocation):
    global next_id
    if method == "Notify":
        app, replaces, icon, summary, body, actions, hints, timeout = params.unpack()
        nid = replaces or next_id
        if not replaces:
            next_id += 1
        record({"method": "Notify", "id": nid, "app_name": app, "summary": summary,
                "body": body, "icon": icon, "actions": actions,
                "hints": plain_hints(hints), "timeout": timeout})
        invocation.return_value(GLib.Variant("(u)", (nid,)))
    elif method == "CloseNotification":
        (nid,) = params.unpack()
        record({"method": "CloseNotification", "id": nid})
        connection.emit_signal(None, path, "org.freedesktop.Notifications",
                               "NotificationClosed", GLib.Variant("(uu)", (nid, 3)))
        invocation.return_value(None)
    elif method == "GetCapabilities":
        invocation.return_value(GLib.Variant("(as)", (["actions", "body", "persistence"],)))
    elif method == "GetServerInformation":
        invocation.return_value(GLib.Variant("(ssss)", ("duet-test", "duet", "1", "1.2")))
    elif method == "Invoke":
        nid, key = params.unpack()
        record({"method": "Invoke", "id": nid, "action": key})
        connection.emit_signal(None, path, "org.freedesktop.Notifications",
                               "ActionInvoked", GLib.Variant("(us)", (nid, key)))
        connection.emit_signal(None, path, "org.freedesktop.Notifications",
                               "NotificationClosed", GLib.Variant("(uu)", (nid, 2)))
        invocation.return_value(None)


def on_bus(connection, name):
    info = Gio.DBusNodeInfo.new_for_xml(XML)
    for iface in info.interfaces:
        connection.register_object("/org/freedesktop/Notifications", iface, on_call, None, None)


def on_name(connection, name):
    record({"method": "ready"})


def on_lost(connection, name):
    sys.exit("lost the name " + name)


Gio.bus_own_name(Gio.BusType.SESSION, "org.freedesktop.Notifications",
                 Gio.BusNameOwnerFlags.NONE, on_bus, on_name, on_lost)
loop.run()
