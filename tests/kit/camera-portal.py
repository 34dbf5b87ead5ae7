#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stand-in for xdg-desktop-portal's Camera portal on a private session bus
(tests/kit/pwenv.py starts it), as libportal 0.6 calls it:

  org.freedesktop.portal.Camera at /org/freedesktop/portal/desktop on
  org.freedesktop.portal.Desktop
    AccessCamera(a{sv} options) -> o handle, then
      org.freedesktop.portal.Request.Response(u, a{sv}) on handle, sent to
      the caller: 0 (--mode grant), 1 (deny: the user said no), 2 (error),
      or never (never: a dialog left open; Request.Close ends it)
    OpenPipeWireRemote(a{sv}) -> h: a socket connected to the pipewire
      daemon's pipewire-0 (not restricted to cameras as the real portal's
      is); refused with org.freedesktop.portal.Error.NotAllowed when denied,
      and, unless --no-require-access, before a granted AccessCamera from
      the same caller
    properties IsCameraPresent (b), version (u = 1)

The handle is /org/freedesktop/portal/desktop/request/SENDER/TOKEN, SENDER
the caller's unique name without ':' and with '.' as '_', TOKEN the
handle_token option. Prints one JSON line per event on stdout, each with
"time" (time.time()): {"method": "ready"} once the name is owned, then
{"method": ..., "sender": ...} per call (AccessCamera with "handle" and
"options", OpenPipeWireRemote with "allowed", Get/GetAll with "property"
and "value", Close with "handle") and {"signal": "Response", "handle":
..., "response": ...} for each answer.
"""
import argparse
import json
import os
import socket
import subprocess
import sys
import time

import gi

gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib  # noqa: E402

XML = """
<node>
  <interface name="org.freedesktop.portal.Camera">
    <method name="AccessCamera">
      <arg type="a{sv}" name="options" direction="in"/>
      <arg type="o" name="handle" direction="out"/>
    </method>
    <method name="OpenPipeWireRemote">
      <arg type="a{sv}" name="options" direction="in"/>
      <arg type="h" name="fd" direction="out"/>
    </method>
    <property name="IsCameraPresent" type="b" access="read"/>
    <property name="version" type="u" access="read"/>
  </interface>
  <interface name="org.freedesktop.portal.Request">
    <method name="Close"/>
  </interface>
</node>
"""
PATH = "/org/freedesktop/portal/desktop"

ap = argparse.ArgumentParser()
ap.add_argument("--mode", choices=["grant", "deny", "error", "never"], default="grant")
ap.add_argument("--pipewire-socket", required=True)
ap.add_argument("--camera-present", choices=["auto", "yes", "no"], default="auto")
ap.add_argument("--delay", type=float, default=0.0, help="seconds before the Response")
ap.add_argument("--no-require-access", dest="require_access", action="store_false")
args = ap.parse_args()

info = Gio.DBusNodeInfo.new_for_xml(XML)
camera_iface = info.lookup_interface("org.freedesktop.portal.Camera")
request_iface = info.lookup_interface("org.freedesktop.portal.Request")
granted = set()      # senders whose AccessCamera was answered 0
requests = {}        # handle -> (registration id, sender)


def record(entry):
    entry["time"] = time.time()
    sys.stdout.write(json.dumps(entry) + "\n")
    sys.stdout.flush()


def unpack(variant_dict):
    return {k: (v.unpack() if isinstance(v, GLib.Variant) else v) for k, v in variant_dict.items()}


def camera_present():
    if args.camera_present != "auto":
        return args.camera_present == "yes"
    # As the real portal: any Video/Source node with media.role Camera
    out = subprocess.run(["pw-dump", "--no-colors"], capture_output=True, timeout=10)
    text = out.stdout.decode(errors="replace")
    # pw-dump adds an array per change while it runs ({"id": N, "info":
    # null} for an object that went): apply them in order
    objs, pos, decoder = {}, 0, json.JSONDecoder()
    try:
        while True:
            while pos < len(text) and text[pos].isspace():
                pos += 1
            if pos >= len(text):
                break
            chunk, pos = decoder.raw_decode(text, pos)
            for o in chunk:
                if "type" not in o:
                    objs.pop(o.get("id"), None)
                else:
                    objs[o.get("id")] = o
    except ValueError:
        return False
    for o in objs.values():
        props = (o.get("info") or {}).get("props") or {}
        if props.get("media.class") == "Video/Source" and props.get("media.role") == "Camera":
            return True
    return False


def request_path(sender, token):
    return "%s/request/%s/%s" % (PATH, sender[1:].replace(".", "_"), token)


def respond(connection, handle, sender, response):
    if handle not in requests:   # closed meanwhile
        return False
    reg, _ = requests.pop(handle)
    if response == 0:
        granted.add(sender)
    record({"signal": "Response", "handle": handle, "response": response, "sender": sender})
    # To the caller only, as the real portal does (libportal subscribes
    # without a match rule, so a broadcast would not reach it)
    connection.emit_signal(sender, handle, "org.freedesktop.portal.Request", "Response",
                           GLib.Variant("(ua{sv})", (response, {})))
    connection.unregister_object(reg)
    return False


def on_request_call(connection, sender, path, interface, method, params, invocation):
    record({"method": "Close", "sender": sender, "handle": path})
    if path in requests:
        reg, _ = requests.pop(path)
        connection.unregister_object(reg)
    invocation.return_value(None)


def on_camera_call(connection, sender, path, interface, method, params, invocation):
    if method == "AccessCamera":
        options = unpack(params.unpack()[0])
        token = options.get("handle_token") or "t%d" % int(time.monotonic() * 1e6)
        handle = request_path(sender, token)
        record({"method": method, "sender": sender, "handle": handle, "options": options})
        reg = connection.register_object(handle, request_iface, on_request_call, None, None)
        requests[handle] = (reg, sender)
        invocation.return_value(GLib.Variant("(o)", (handle,)))
        response = {"grant": 0, "deny": 1, "error": 2}.get(args.mode)
        if response is not None:
            # After the reply, as the real portal answers once the user decides
            GLib.timeout_add(int(args.delay * 1000),
                             lambda: respond(connection, handle, sender, response))
    elif method == "OpenPipeWireRemote":
        options = unpack(params.unpack()[0])
        allowed = args.mode == "grant" and (sender in granted or not args.require_access)
        record({"method": method, "sender": sender, "options": options, "allowed": allowed})
        if not allowed:
            invocation.return_dbus_error("org.freedesktop.portal.Error.NotAllowed",
                                         "Camera access not granted")
            return
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(args.pipewire_socket)
        except OSError as e:
            sock.close()
            invocation.return_dbus_error("org.freedesktop.portal.Error.Failed", str(e))
            return
        # The list owns the descriptor from here on
        fds = Gio.UnixFDList.new_from_array([sock.detach()])
        invocation.return_value_with_unix_fd_list(GLib.Variant("(h)", (0,)), fds)
    else:
        invocation.return_dbus_error("org.freedesktop.DBus.Error.UnknownMethod", method)


def on_get_property(connection, sender, path, interface, name):
    value = camera_present() if name == "IsCameraPresent" else 1
    record({"method": "Get", "sender": sender, "property": name, "value": value})
    return GLib.Variant("b", value) if name == "IsCameraPresent" else GLib.Variant("u", value)


def on_bus(connection, name):
    connection.register_object(PATH, camera_iface, on_camera_call, on_get_property, None)


def on_name(connection, name):
    record({"method": "ready", "pid": os.getpid()})


def on_lost(connection, name):
    sys.exit("camera-portal: lost the name " + name)


Gio.bus_own_name(Gio.BusType.SESSION, "org.freedesktop.portal.Desktop",
                 Gio.BusNameOwnerFlags.NONE, on_bus, on_name, on_lost)
GLib.MainLoop().run()
