# SPDX-License-Identifier: GPL-3.0-or-later
"""A private PipeWire world for the kit's tests.

    with PipeWireEnv(tmpdir) as pw:
        cam = pw.add_camera("cam-front", "red", "Front Camera")
        subprocess.run([...], env={**os.environ, **pw.env()})
        assert not pw.node_in_use("cam-front")
        portal = pw.start_portal("grant")

One private session bus (dbus-daemon with no service directories, so that
nothing, the real portal included, is ever activated on it), one pipewire
daemon with its own 0700 runtime directory and a trimmed configuration (no
ALSA, no V4L2, no realtime), and one wireplumber (the pipewire daemon never
links nodes itself: wireplumber's policy links a stream to its target)
with its device monitors off and its state in the temporary directory.
Synthetic devices are pw-fake-device processes (tests/kit/pw-fake-device.c):
killing one is an unplug. Everything is torn down, process group by
process group, on exit, and killed with the test process if that dies
first (PR_SET_PDEATHSIG: create devices from the thread that lives as long
as the env, usually the main one).

Standard library only: the kit's call scripts may run under a python
without gi. The portal stand-in runs under the system python, which has it.
"""
import ctypes
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The portal stand-in needs gi; the system python has it (python3-gi)
SYSTEM_PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable

COLOURS = {
    "red": (255, 0, 0), "green": (0, 255, 0), "blue": (0, 0, 255),
    "white": (255, 255, 255), "black": (0, 0, 0), "yellow": (255, 255, 0),
    "cyan": (0, 255, 255), "magenta": (255, 0, 255), "grey": (128, 128, 128),
}

PIPEWIRE_CONF = """\
# Written by tests/kit/pwenv.py: only what clients, wireplumber and the
# synthetic devices need; no ALSA, V4L2, realtime, portal or X11 modules
context.properties = {
    core.daemon = true
    core.name = pipewire-0
    link.max-buffers = 16
    mem.allow-mlock = false
    log.level = 2
}
context.spa-libs = {
    audio.convert.* = audioconvert/libspa-audioconvert
    support.* = support/libspa-support
}
context.modules = [
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-metadata }
    { name = libpipewire-module-spa-node-factory }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-client-device }
    { name = libpipewire-module-access }
    { name = libpipewire-module-adapter }
    { name = libpipewire-module-link-factory }
    { name = libpipewire-module-session-manager }
]
context.objects = [
    # drives the audio graphs (the synthetic microphone and speaker follow)
    { factory = spa-node-factory
      args = { factory.name = support.node.driver node.name = Dummy-Driver
               node.group = pipewire.dummy priority.driver = 20000 } }
]
"""

WIREPLUMBER_CONF = """\
# Written by tests/kit/pwenv.py: wireplumber.conf without realtime and
# bluetooth
context.properties = {
  log.level = 2
  wireplumber.script-engine = lua-scripting
}
context.spa-libs = {
  audio.convert.* = audioconvert/libspa-audioconvert
  support.* = support/libspa-support
}
context.modules = [
  { name = libpipewire-module-protocol-native }
  { name = libpipewire-module-client-node }
  { name = libpipewire-module-client-device }
  { name = libpipewire-module-adapter }
  { name = libpipewire-module-metadata }
  { name = libpipewire-module-session-manager }
]
wireplumber.components = [
  { name = libwireplumber-module-lua-scripting, type = module }
  { name = main.lua, type = config/lua }
  { name = policy.lua, type = config/lua }
]
"""

# Replaces the system's main.lua.d/90-enable-all.lua (same name, earlier
# directory): the same minus the ALSA, V4L2 and libcamera monitors, which
# would bring the machine's real devices in
WIREPLUMBER_MAIN = """\
load_module("metadata")
default_access.enable()
device_defaults.enable()
stream_defaults.enable()
load_script("intended-roles.lua")
load_script("suspend-node.lua")
"""

READY_MARK = "duet-pwenv: policy loaded"

# Loaded after every policy script (policy.lua.d sorts after main.lua.d, 99
# after 90): its line in wireplumber's log is the readiness signal
WIREPLUMBER_READY = 'Log.message("%s")\n' % READY_MARK

# No <servicedir>: nothing is ever activated on this bus
DBUS_CONF = """\
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class EnvError(Exception):
    pass


def missing_tools():
    """What this machine lacks to run a PipeWireEnv (empty when nothing):
    tests skip on it"""
    missing = [t for t in ("pipewire", "wireplumber", "pw-dump", "dbus-daemon") if shutil.which(t) is None]
    gst = shutil.which("gst-inspect-1.0")
    if gst is None or subprocess.run([gst, "pipewiresrc"], capture_output=True).returncode != 0:
        missing.append("gstreamer1.0-pipewire")
    if find_helper() is None and (shutil.which("cc") is None or subprocess.run(
            ["pkg-config", "--exists", "libpipewire-0.3"], capture_output=True).returncode != 0):
        missing.append("pw-fake-device (libpipewire-0.3-dev)")
    return missing


def find_helper():
    path = os.environ.get("DUET_PW_FAKE_DEVICE")
    return path if path and os.access(path, os.X_OK) else None


def build_helper(outdir):
    """Compiles pw-fake-device when meson did not (a script run by hand)"""
    out = os.path.join(outdir, "pw-fake-device")
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "libpipewire-0.3"],
                           capture_output=True, text=True, check=True).stdout.split()
    subprocess.run(["cc", "-O2", "-o", out, os.path.join(HERE, "pw-fake-device.c")] + flags + ["-lm"],
                   check=True)
    return out


# Resolved before any fork: the child must not dlopen (another thread may
# hold the loader's lock at fork time)
try:
    _prctl = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):
    _prctl = None


def _die_with_parent():
    # In the child before exec (start_new_session already gave it its own
    # process group, torn down as one): SIGKILL when the thread that
    # started it dies, so that a test killed by its runner leaves no daemon
    if _prctl is not None:
        _prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _kill_group(proc, timeout=2.0):
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()


def parse_colour(colour):
    if isinstance(colour, str):
        if colour.lower() in COLOURS:
            return COLOURS[colour.lower()]
        h = colour.lstrip("#")
        if len(h) == 6:
            return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))
        raise ValueError("unknown colour %r" % colour)
    r, g, b = colour
    return (int(r), int(g), int(b))


class Device:
    """A synthetic device: one pw-fake-device process and its node.

    name (node.name), description (node.description), kind ('camera',
    'microphone', 'speaker'), node_id, serial (object.serial, as a string:
    what GStreamer's device provider puts in target-object), colour (camera),
    freq (microphone). events: every JSON line the process printed, in
    order, with 't' (time.monotonic()) added. level(): a speaker's latest
    RMS (0..1) of what is played into it, None before anything was."""

    def __init__(self, env, kind, name, description, argv):
        self.env = env
        self.kind = kind
        self.name = name
        self.description = description
        self.colour = None
        self.freq = None
        self.node_id = None
        self.serial = None
        self.events = []
        self._cond = threading.Condition()
        log = open(os.path.join(env.tmpdir, "device-%s.log" % name), "ab")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, env=env._child_env(helper=True),
                                     start_new_session=True, preexec_fn=_die_with_parent)
        log.close()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            event["t"] = time.monotonic()
            with self._cond:
                self.events.append(event)
                self._cond.notify_all()
        with self._cond:
            self.events.append({"event": "exit", "t": time.monotonic()})
            self._cond.notify_all()

    def wait_event(self, pred, timeout=5.0, since=0):
        """The first event from index since on that pred accepts, or None"""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for e in self.events[since:]:
                    if pred(e):
                        return e
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    @property
    def streaming(self):
        """Whether the device's own stream is streaming (a consumer runs it)"""
        with self._cond:
            states = [e["state"] for e in self.events if e.get("event") == "state"]
        return bool(states) and states[-1] == "streaming"

    def level(self):
        with self._cond:
            levels = [e["rms"] for e in self.events if e.get("event") == "level"]
        return levels[-1] if levels else None

    @property
    def alive(self):
        return self.proc.poll() is None

    def __repr__(self):
        return "<%s %s id=%s serial=%s>" % (self.kind, self.name, self.node_id, self.serial)


class Portal:
    """The camera portal stand-in (camera-portal.py) on the env's bus.
    calls: every JSON line it printed (method calls, property reads,
    signals it sent), each with 'time' (time.time() in the portal) and
    't' (time.monotonic() here on reading it)."""

    def __init__(self, env, mode, camera_present, require_access, delay):
        self.env = env
        self.mode = mode
        self.calls = []
        self._cond = threading.Condition()
        argv = [SYSTEM_PYTHON, os.path.join(HERE, "camera-portal.py"), "--mode", mode,
                "--pipewire-socket", os.path.join(env.runtime_dir, "pipewire-0"),
                "--camera-present", camera_present, "--delay", str(delay)]
        if not require_access:
            argv.append("--no-require-access")
        log = open(os.path.join(env.tmpdir, "portal.log"), "ab")
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, env=env._child_env(),
                                     start_new_session=True, preexec_fn=_die_with_parent)
        log.close()
        threading.Thread(target=self._read, daemon=True).start()
        if self.wait_for("ready", timeout=10) is None:
            self.stop()
            raise EnvError("the portal stand-in did not start; see %s" % os.path.join(env.tmpdir, "portal.log"))

    def _read(self):
        for line in self.proc.stdout:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            entry["t"] = time.monotonic()
            with self._cond:
                self.calls.append(entry)
                self._cond.notify_all()

    def wait_for(self, method, timeout=5.0, count=1):
        """The count-th entry whose 'method' (or 'signal') is method, waiting
        up to timeout seconds; None if it did not come"""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                hits = [c for c in self.calls if method in (c.get("method"), c.get("signal"))]
                if len(hits) >= count:
                    return hits[count - 1]
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)

    def called(self, method):
        with self._cond:
            return [c for c in self.calls if method in (c.get("method"), c.get("signal"))]

    def stop(self):
        _kill_group(self.proc)


class PipeWireEnv:
    def __init__(self, tmpdir, verbose=False):
        self.tmpdir = os.path.abspath(tmpdir)
        self.runtime_dir = os.path.join(self.tmpdir, "run")
        self.bus_path = os.path.join(self.tmpdir, "bus")
        self.bus_address = "unix:path=" + self.bus_path
        self.verbose = verbose
        self.devices = []
        self.portals = []
        self._daemons = []
        self._helper = None
        self.startup_seconds = None

    # -- lifecycle -------------------------------------------------------

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def _child_env(self, helper=False):
        env = dict(os.environ)
        env.update(self.env())
        # Keep the user's config and state out, and ours in the tmpdir
        env["XDG_CONFIG_HOME"] = os.path.join(self.tmpdir, "config")
        env["XDG_STATE_HOME"] = os.path.join(self.tmpdir, "state")
        env["XDG_DATA_HOME"] = os.path.join(self.tmpdir, "data")
        for var in ("PIPEWIRE_REMOTE", "PIPEWIRE_CONFIG_DIR", "WIREPLUMBER_CONFIG_DIR", "DISPLAY",
                    "WAYLAND_DISPLAY"):
            env.pop(var, None)
        if helper:
            # built with the sanitizers in the ASan build: libpipewire's
            # allocations at exit are not ours to report
            env["ASAN_OPTIONS"] = "detect_leaks=0"
        return env

    def env(self):
        """Variables a child (duet-call, gst-launch) needs to reach this
        daemon and bus"""
        return {
            "PIPEWIRE_RUNTIME_DIR": self.runtime_dir,
            "XDG_RUNTIME_DIR": self.runtime_dir,
            "DBUS_SESSION_BUS_ADDRESS": self.bus_address,
        }

    def _spawn(self, name, argv, stdout=None):
        log = open(os.path.join(self.tmpdir, name + ".log"), "ab")
        proc = subprocess.Popen(argv, stdout=stdout if stdout is not None else log, stderr=log,
                                env=self._child_env(), start_new_session=True, preexec_fn=_die_with_parent)
        log.close()
        self._daemons.append((name, proc))
        return proc

    def _write(self, rel, text):
        path = os.path.join(self.tmpdir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def start(self, timeout=10.0):
        """Starts the bus, pipewire and wireplumber; on any failure stops
        what it started and raises (EnvError when a daemon did not come up)"""
        try:
            self._start(timeout)
        except BaseException:
            self.stop()
            raise

    def _start(self, timeout):
        t0 = time.monotonic()
        deadline = t0 + timeout
        os.makedirs(self.tmpdir, exist_ok=True)
        # AF_UNIX paths are at most 107 bytes
        if len(os.path.join(self.runtime_dir, "pipewire-0-manager")) > 100:
            raise EnvError("tmpdir path too long for sockets: %s" % self.tmpdir)
        os.makedirs(self.runtime_dir, mode=0o700, exist_ok=True)
        os.chmod(self.runtime_dir, 0o700)
        self._helper = find_helper() or build_helper(self.tmpdir)
        pw_conf = self._write("pipewire.conf", PIPEWIRE_CONF)
        dbus_conf = self._write("dbus.conf", DBUS_CONF % self.bus_path)
        self._write("config/wireplumber/wireplumber.conf", WIREPLUMBER_CONF)
        self._write("config/wireplumber/main.lua.d/90-enable-all.lua", WIREPLUMBER_MAIN)
        ready_script = self._write("wireplumber-ready.lua", WIREPLUMBER_READY)
        self._write("config/wireplumber/policy.lua.d/99-duet-pwenv-ready.lua",
                    'load_script("%s")\n' % ready_script)

        # The bus says its address once it listens
        bus = self._spawn("dbus", ["dbus-daemon", "--nofork", "--nosyslog", "--config-file=" + dbus_conf,
                                   "--print-address=1"], stdout=subprocess.PIPE)
        ready, _, _ = select.select([bus.stdout], [], [], max(deadline - time.monotonic(), 0))
        if not ready or not bus.stdout.readline():
            raise EnvError("dbus-daemon did not start; see %s/dbus.log" % self.tmpdir)
        bus.stdout.close()

        pw = self._spawn("pipewire", ["pipewire", "-c", pw_conf])
        sock = os.path.join(self.runtime_dir, "pipewire-0")
        while not self._connectable(sock):
            if pw.poll() is not None or time.monotonic() > deadline:
                raise EnvError("pipewire did not start; see %s/pipewire.log" % self.tmpdir)
            time.sleep(0.005)

        wp = self._spawn("wireplumber", ["wireplumber"])
        wp_log = os.path.join(self.tmpdir, "wireplumber.log")
        while True:
            with open(wp_log, errors="replace") as f:
                if READY_MARK in f.read():
                    break
            if wp.poll() is not None or time.monotonic() > deadline:
                raise EnvError("wireplumber did not start; see %s" % wp_log)
            time.sleep(0.005)
        self.startup_seconds = time.monotonic() - t0

    @staticmethod
    def _connectable(path):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(path)
            return True
        except OSError:
            return False
        finally:
            s.close()

    def stop(self):
        """Tears everything down: devices and portals first (clients), then
        wireplumber, pipewire and the bus. Safe to call twice."""
        for portal in self.portals:
            portal.stop()
        for dev in self.devices:
            _kill_group(dev.proc)
        for name, proc in reversed(self._daemons):
            _kill_group(proc)
        self.portals = []
        self.devices = []
        self._daemons = []

    # -- the graph ---------------------------------------------------------

    def dump(self):
        """pw-dump's objects (a list of dicts)"""
        out = subprocess.run(["pw-dump", "--no-colors"], capture_output=True, env=self._child_env(),
                             timeout=10)
        if out.returncode != 0:
            raise EnvError("pw-dump failed: %s" % out.stderr.decode(errors="replace"))
        # A change while pw-dump runs makes it print a second array of the
        # objects that changed ({"id": N, "info": null} for one that went):
        # apply them in order
        text = out.stdout.decode(errors="replace")
        decoder = json.JSONDecoder()
        objs = {}
        pos = 0
        while True:
            while pos < len(text) and text[pos].isspace():
                pos += 1
            if pos >= len(text):
                break
            chunk, pos = decoder.raw_decode(text, pos)
            for o in chunk if isinstance(chunk, list) else [chunk]:
                if "type" not in o and o.get("info") is None:
                    objs.pop(o.get("id"), None)
                else:
                    objs[o.get("id")] = o
        return list(objs.values())

    @staticmethod
    def _nodes(objs):
        return [o for o in objs if o.get("type") == "PipeWire:Interface:Node"]

    def nodes(self, media_class=None):
        """Nodes as {'id', 'name', 'serial', 'media.class', 'description',
        'state', 'props'}, optionally only of one media.class"""
        out = []
        for o in self._nodes(self.dump()):
            info = o.get("info") or {}
            props = info.get("props") or {}
            if media_class and props.get("media.class") != media_class:
                continue
            out.append({"id": o["id"], "name": props.get("node.name"),
                        "serial": str(props.get("object.serial")),
                        "media.class": props.get("media.class"),
                        "description": props.get("node.description"),
                        "state": info.get("state"), "props": props})
        return out

    @staticmethod
    def _resolve(nodes, what):
        """ids of the nodes that what names: node.name first, then
        object.serial, then the id (an int), as serials and ids overlap"""
        what = str(what)
        for key in ("node.name", "object.serial"):
            ids = {i for i, p in nodes.items() if str(p.get(key)) == what}
            if ids:
                return ids
        return {i for i in nodes if str(i) == what}

    def node(self, name):
        """The node whose node.name, object.serial or id is name, or None"""
        nodes = self.nodes()
        ids = self._resolve({n["id"]: n["props"] for n in nodes}, name)
        return next((n for n in nodes if n["id"] in ids), None)

    def _node_by_id(self, node_id):
        return next((n for n in self.nodes() if n["id"] == node_id), None)

    def links(self, name):
        """Links to or from the node name (node.name, serial or id), each as
        {'peer': peer node.name, 'peer_id', 'direction': 'out'|'in',
        'state'}"""
        objs = self.dump()
        nodes = {o["id"]: (o.get("info") or {}).get("props") or {} for o in self._nodes(objs)}
        ids = self._resolve(nodes, name)
        out = []
        for o in objs:
            if o.get("type") != "PipeWire:Interface:Link":
                continue
            info = o.get("info") or {}
            src, dst = info.get("output-node-id"), info.get("input-node-id")
            if src in ids:
                out.append({"peer": nodes.get(dst, {}).get("node.name"), "peer_id": dst,
                            "direction": "out", "state": info.get("state")})
            elif dst in ids:
                out.append({"peer": nodes.get(src, {}).get("node.name"), "peer_id": src,
                            "direction": "in", "state": info.get("state")})
        return out

    def node_in_use(self, name):
        """Whether any stream is linked to the node now: a client asked
        PipeWire for this camera / microphone / speaker (a link exists from
        the moment wireplumber links the stream, before the first frame,
        until the stream goes)"""
        return bool(self.links(name))

    def wait_in_use(self, name, in_use=True, timeout=5.0):
        """Polls node_in_use until it is in_use; returns whether it got there"""
        deadline = time.monotonic() + timeout
        while True:
            if self.node_in_use(name) == in_use:
                return True
            if time.monotonic() > deadline:
                return False
            time.sleep(0.02)

    # -- devices -----------------------------------------------------------

    def _add(self, dev, timeout=5.0):
        self.devices.append(dev)
        ready = dev.wait_event(lambda e: e.get("event") in ("ready", "exit"), timeout)
        if ready is None or ready["event"] != "ready":
            raise EnvError("%s %s did not appear; see %s/device-%s.log" % (dev.kind, dev.name, self.tmpdir, dev.name))
        dev.node_id = ready["node"]
        # Visible to other clients (the registry has it) before returning
        deadline = time.monotonic() + timeout
        while True:
            n = self._node_by_id(dev.node_id)
            if n and n["name"] == dev.name:
                dev.serial = n["serial"]
                return dev
            if time.monotonic() > deadline:
                raise EnvError("%s %s is not in the registry" % (dev.kind, dev.name))
            time.sleep(0.005)

    def add_camera(self, name, colour="red", description=None, width=320, height=240, fps=15):
        """A Video/Source node, media.role Camera, of one solid colour (a
        name from COLOURS, 'RRGGBB' or an (r, g, b) tuple), YUY2 at
        width x height (or 640x480, 320x240, 160x120 if asked) and any
        frame rate 1..60 (fps preferred). Returns once the node exists."""
        rgb = parse_colour(colour)
        dev = Device(self, "camera", name, description or name,
                     [self._helper, "camera", name, description or name, "%02x%02x%02x" % rgb,
                      str(width), str(height), str(fps)])
        dev.colour = rgb
        return self._add(dev)

    def add_microphone(self, name, freq=440, description=None):
        """An Audio/Source node giving a sine of freq Hz (F32 mono 48 kHz,
        amplitude 0.5)"""
        dev = Device(self, "microphone", name, description or name,
                     [self._helper, "microphone", name, description or name, str(freq)])
        dev.freq = freq
        return self._add(dev)

    def add_speaker(self, name, description=None):
        """An Audio/Sink node (F32 stereo 48 kHz) that swallows what is
        played into it; Device.level() tells how loud"""
        dev = Device(self, "speaker", name, description or name,
                     [self._helper, "speaker", name, description or name])
        return self._add(dev)

    def remove(self, dev, timeout=5.0):
        """Unplugs the device: its process ends, its node goes. Returns once
        the node is gone from the registry."""
        _kill_group(dev.proc)
        if dev in self.devices:
            self.devices.remove(dev)
        deadline = time.monotonic() + timeout
        while self._node_by_id(dev.node_id) is not None:
            if time.monotonic() > deadline:
                raise EnvError("%s %s still in the registry" % (dev.kind, dev.name))
            time.sleep(0.005)

    remove_camera = remove
    remove_microphone = remove
    remove_speaker = remove

    # -- the portal --------------------------------------------------------

    def start_portal(self, mode="grant", camera_present="auto", require_access=True, delay=0.0):
        """Starts the camera portal stand-in on the env's bus (one at a
        time). mode: 'grant' (AccessCamera answers 0), 'deny' (1, and
        OpenPipeWireRemote is refused), 'error' (2), 'never' (no answer, as
        a dialog left open). camera_present: 'auto' (a Video/Source with
        media.role Camera is in the graph now), 'yes' or 'no'.
        require_access: OpenPipeWireRemote only after a granted AccessCamera
        from the same caller (a first run); False: allowed at once (access
        remembered). delay: seconds between AccessCamera and its Response."""
        portal = Portal(self, mode, camera_present, require_access, delay)
        self.portals.append(portal)
        return portal

    def stop_portal(self, portal):
        portal.stop()
        if portal in self.portals:
            self.portals.remove(portal)
