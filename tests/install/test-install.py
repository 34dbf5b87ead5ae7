#!/usr/bin/python3
# The installed Duet: `meson install --destdir` from the build dir into a
# temporary staging root, then checks on what landed there and launches of
# the installed app the ways a desktop starts it.
#
#   install:     the expected files, `--version` of each installed binary,
#                the D-Bus service's Exec, the .mo file, appstreamcli
#                validate-tree on the installed prefix
#   gio-launch:  `gio launch <installed desktop file>` maps the window (GLib
#                2.74's gio launch spawns Exec=duet, found in PATH)
#   desktop-id-launch: GDesktopAppInfo for org.duet.Duet.desktop, found in
#                XDG_DATA_DIRS as a shell finds it; DBusActivatable=true, so
#                the bus starts the service file's Exec, window mapped
#   dbus-activation: org.freedesktop.Application.Activate on an empty bus
#                starts the installed binary through the service file
#   background:  `duet --background` owns the name, stays alive, maps no
#                window; a later activation shows it
#   autostart:   a first start writes no autostart entry; turning autostart
#                on writes $XDG_CONFIG_HOME/autostart/org.duet.Duet-autostart.desktop,
#                a copy of the installed share/duet/ entry, and turning it
#                (or run-in-background) off removes it
#
# Everything runs against a private Xvfb and a private session bus started
# here (dbus-daemon --config-file with only our service dir), with
# GSETTINGS_BACKEND=memory and XDG_*_HOME under the temporary dir: nothing
# outside the temporary dir and the build dir is written. The staging root
# is DESTDIR + prefix, so the installed service file names <prefix>/bin/duet;
# the bus gets a copy whose Exec points to the staged binary (the same
# relocation a package manager's install does), and each launch check
# verifies, via /proc/PID/exe, that the staged binary is what runs.
#
# Usage: test-install.py BUILD_DIR SOURCE_DIR      (TAP on stdout)
# Screenshots: BUILD_DIR/tests/install/screenshots/
#
# SPDX-License-Identifier: GPL-3.0-or-later

import configparser
import gettext
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

BUILD = os.path.abspath(sys.argv[1])
SOURCE = os.path.abspath(sys.argv[2])
APP_ID = "org.duet.Duet"
OBJ = "/org/duet/Duet"
SHOTS = os.path.join(BUILD, "tests", "install", "screenshots")

started = []        # Popen objects we started
app_pids = set()    # pids of app instances (some are children of dbus-daemon)
results = []


def log(*args):
    print("#", *args, flush=True)


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Fail(message)


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise Fail("timed out after %gs waiting for %s" % (timeout, what))


def run(args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 30)
    return subprocess.run(args, **kw)


# ---- build options ---------------------------------------------------------

def build_options():
    with open(os.path.join(BUILD, "meson-info", "intro-buildoptions.json")) as f:
        opts = {o["name"]: o["value"] for o in json.load(f)}
    prefix = opts["prefix"]

    def under(name):
        v = opts[name]
        return v if os.path.isabs(v) else os.path.join(prefix, v)
    return (prefix, under("bindir"), under("datadir"), under("localedir"), under("libdir"),
            opts["server"])


PREFIX, BINDIR, DATADIR, LOCALEDIR, LIBDIR, WITH_SERVER = build_options()
TMP = tempfile.mkdtemp(prefix="duet-install-test.")
DESTDIR = os.path.join(TMP, "destdir")


def staged(path):
    """An absolute install path inside the staging root."""
    return DESTDIR + path


S_BIN = staged(BINDIR)
S_LIB = staged(LIBDIR)
S_SHARE = staged(DATADIR)
S_APP = os.path.join(S_BIN, "duet")


# ---- 1. install --------------------------------------------------------------

EXPECTED = [
    (BINDIR, "duet"),
    (BINDIR, "duet-call"),
    (DATADIR, "applications/%s.desktop" % APP_ID),
    (DATADIR, "metainfo/%s.metainfo.xml" % APP_ID),
    (DATADIR, "glib-2.0/schemas/%s.gschema.xml" % APP_ID),
    (DATADIR, "icons/hicolor/scalable/apps/%s.svg" % APP_ID),
    (DATADIR, "icons/hicolor/symbolic/apps/%s-symbolic.svg" % APP_ID),
    (DATADIR, "dbus-1/services/%s.service" % APP_ID),
    (DATADIR, "duet/%s-autostart.desktop" % APP_ID),
    (LOCALEDIR, "de/LC_MESSAGES/duet.mo"),
]
if WITH_SERVER:  # -Dserver=false installs neither
    EXPECTED += [(BINDIR, "duet-server"), (PREFIX, "lib/systemd/system/duet-server.service")]


def read_entry(path, group):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str
    parser.read(path, encoding="utf-8")
    check(parser.has_section(group), "%s has no [%s] group" % (path, group))
    return parser[group]


def test_install():
    meson = shutil.which("meson")
    if meson is None:
        raise Skip("meson not in PATH")
    # --destdir: every file goes below DESTDIR, and meson skips the
    # post-install scripts (schemas, icon cache, desktop database) there
    proc = run([meson, "install", "-C", BUILD, "--destdir", DESTDIR, "--no-rebuild", "--quiet"],
               timeout=60)
    if proc.returncode != 0:
        log(proc.stdout, proc.stderr)
    check(proc.returncode == 0, "meson install failed (%d)" % proc.returncode)
    check(os.listdir(DESTDIR) == [PREFIX.strip("/").split("/")[0]],
          "install wrote outside the prefix: %s" % os.listdir(DESTDIR))

    missing = [os.path.join(base, rel) for base, rel in EXPECTED
               if not os.path.isfile(staged(os.path.join(base, rel)))]
    check(not missing, "not installed: %s" % ", ".join(missing))
    with open(os.path.join(BUILD, "meson-info", "intro-projectinfo.json")) as f:
        version = json.load(f)["version"]
    env = dict(os.environ, LD_LIBRARY_PATH=S_LIB, LANGUAGE="C", LC_ALL="C.UTF-8")
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    for name in ("duet", "duet-call") + (("duet-server",) if WITH_SERVER else ()):
        path = os.path.join(S_BIN, name)
        check(os.access(path, os.X_OK), "%s is not executable" % name)
        # a packager's first check, and it needs no display or bus
        proc = run([path, "--version"], env=env)
        check(proc.returncode == 0 and proc.stdout == "%s %s\n" % (name, version),
              "%s --version: %d %r %r" % (name, proc.returncode, proc.stdout, proc.stderr[-300:]))

    # The D-Bus service starts the installed binary, in this prefix's bindir
    service = read_entry(staged(os.path.join(DATADIR, "dbus-1/services/%s.service" % APP_ID)),
                         "D-BUS Service")
    check(service.get("Name") == APP_ID, "service Name=%s" % service.get("Name"))
    exec_ = service.get("Exec", "").split()
    check(exec_ and exec_[0] == os.path.join(BINDIR, "duet"),
          "service Exec=%s, expected %s/duet" % (" ".join(exec_), BINDIR))
    check("--gapplication-service" in exec_, "service Exec lacks --gapplication-service")

    # The systemd unit names the installed server
    if WITH_SERVER:
        with open(staged(os.path.join(PREFIX, "lib/systemd/system/duet-server.service"))) as f:
            unit = f.read()
        check("ExecStart=%s/duet-server " % BINDIR in unit,
              "unit ExecStart is not %s/duet-server" % BINDIR)
        check("@bindir@" not in unit, "unit still has @bindir@")

    # The desktop entries as installed
    desktop = read_entry(staged(os.path.join(DATADIR, "applications/%s.desktop" % APP_ID)),
                         "Desktop Entry")
    check(desktop.get("DBusActivatable") == "true", "desktop entry is not DBusActivatable")
    check(any(k.startswith("Comment[de]") for k in desktop), "desktop entry has no German Comment")
    autostart = read_entry(staged(os.path.join(DATADIR, "duet/%s-autostart.desktop" % APP_ID)),
                           "Desktop Entry")
    check(autostart.get("Exec", "").split()[1:] == ["--background"],
          "autostart Exec=%s" % autostart.get("Exec"))

    # The catalogue is a valid .mo with the German strings in it
    with open(staged(os.path.join(LOCALEDIR, "de/LC_MESSAGES/duet.mo")), "rb") as f:
        catalog = gettext.GNUTranslations(f)
    check(catalog.gettext("Welcome to Duet") != "Welcome to Duet",
          "duet.mo has no German for “Welcome to Duet”")

    appstreamcli = shutil.which("appstreamcli")
    if appstreamcli is None:
        log("appstreamcli not found: validate-tree skipped")
    else:
        proc = run([appstreamcli, "validate-tree", "--no-net", staged(PREFIX)], timeout=60)
        out = proc.stdout + proc.stderr
        for line in out.strip().splitlines():
            log(line)
        check(proc.returncode == 0, "appstreamcli validate-tree failed")
        check("%s.metainfo.xml" % APP_ID in out, "validate-tree found no metainfo")


# ---- session: Xvfb, a private bus ------------------------------------------

def start_xvfb():
    r, w = os.pipe()
    proc = subprocess.Popen(["Xvfb", "-displayfd", str(w), "-screen", "0", "1280x800x24",
                             "-nolisten", "tcp"],
                            pass_fds=(w,), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    started.append(proc)
    os.close(w)
    with os.fdopen(r) as f:
        display = f.readline().strip()
    check(display, "Xvfb did not start")
    return ":" + display


SESSION_CONF = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:path={socket}</listen>
  <!-- Only the installed app: no keyring, no notification daemon, nothing of the host's -->
  <servicedir>{servicedir}</servicedir>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


def start_bus(env):
    # The installed service file names BINDIR/duet; on the bus it has to
    # start the staged copy, so the bus reads a relocated copy of it
    servicedir = os.path.join(TMP, "session-services")
    os.makedirs(servicedir)
    with open(staged(os.path.join(DATADIR, "dbus-1/services/%s.service" % APP_ID))) as f:
        text = f.read()
    with open(os.path.join(servicedir, APP_ID + ".service"), "w") as f:
        f.write(text.replace("Exec=" + BINDIR + "/", "Exec=" + S_BIN + "/"))
    conf = os.path.join(TMP, "session.conf")
    with open(conf, "w") as f:
        f.write(SESSION_CONF.format(socket=os.path.join(TMP, "bus"), servicedir=servicedir))
    r, w = os.pipe()
    # Services the bus activates inherit its environment
    proc = subprocess.Popen(["dbus-daemon", "--config-file=" + conf, "--nofork",
                             "--print-address=%d" % w],
                            pass_fds=(w,), env=env, stdout=subprocess.DEVNULL)
    started.append(proc)
    os.close(w)
    with os.fdopen(r) as f:
        address = f.readline().strip()
    check(address, "dbus-daemon did not start")
    return address


ENV = None


def gdbus(dest, path, method, *args, timeout=10):
    return run(["gdbus", "call", "--session", "--dest", dest, "--object-path", path,
                "--method", method, "--timeout", str(timeout)] + list(args),
               env=ENV, timeout=timeout + 5)


def name_owner_pid():
    proc = gdbus("org.freedesktop.DBus", "/org/freedesktop/DBus",
                 "org.freedesktop.DBus.GetConnectionUnixProcessID", APP_ID)
    m = re.match(r"\(uint32 (\d+),\)", proc.stdout.strip())
    return int(m.group(1)) if proc.returncode == 0 and m else None


def has_owner():
    proc = gdbus("org.freedesktop.DBus", "/org/freedesktop/DBus",
                 "org.freedesktop.DBus.NameHasOwner", APP_ID)
    return proc.stdout.strip() == "(true,)"


def wait_for_app(what):
    """The pid owning org.duet.Duet, checked to be the staged binary."""
    pid = wait_for(name_owner_pid, 20, "%s: %s to get an owner" % (what, APP_ID))
    app_pids.add(pid)
    exe = os.readlink("/proc/%d/exe" % pid)
    check(os.path.realpath(exe) == os.path.realpath(S_APP),
          "%s: %s is owned by %s, not the installed %s" % (what, APP_ID, exe, S_APP))
    log("%s: %s owned by pid %d (%s)" % (what, APP_ID, pid, exe))
    return pid


def duet_windows():
    """(id, geometry, mapped) of the top-level windows titled Duet"""
    out = run(["xwininfo", "-root", "-tree"], env=ENV).stdout
    windows = []
    for line in out.splitlines():
        m = re.match(r'\s*(0x[0-9a-f]+) "Duet":.*?(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)', line)
        if not m:
            continue
        wid = m.group(1)
        w, h, x, y = map(int, m.groups()[1:])
        info = run(["xwininfo", "-id", wid], env=ENV).stdout
        windows.append((wid, (x, y, w, h), "Map State: IsViewable" in info))
    return windows


def mapped_duet_window():
    return next((w for w in duet_windows() if w[2] and w[1][2] > 50 and w[1][3] > 50), None)


def screenshot(name):
    os.makedirs(SHOTS, exist_ok=True)
    path = os.path.join(SHOTS, name + ".png")
    if shutil.which("import"):
        run(["import", "-window", "root", path], env=ENV, check=True)
        log("screenshot:", path)
    return path


def quit_app(pid, what):
    proc = gdbus(APP_ID, OBJ, "org.gtk.Actions.Activate", "quit", "[]", "{}")
    check(proc.returncode == 0, "%s: app.quit failed: %s" % (what, proc.stderr.strip()))
    wait_for(lambda: not os.path.exists("/proc/%d" % pid) or is_zombie(pid), 15,
             "%s: pid %d to exit after app.quit" % (what, pid))
    wait_for(lambda: not has_owner(), 5, "%s: %s to lose its owner" % (what, APP_ID))


def is_zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def set_setting(name, value):
    proc = gdbus(APP_ID, OBJ, "org.gtk.Actions.SetState", name,
                 "<%s>" % ("true" if value else "false"), "{}")
    check(proc.returncode == 0, "SetState %s: %s" % (name, proc.stderr.strip()))


# ---- 2. launches ------------------------------------------------------------

def test_gio_launch():
    # `gio launch FILE` reads the file as a bare key file (no desktop ID), so
    # GLib 2.74 spawns its Exec= line ("duet", found in PATH) instead of
    # activating over D-Bus; the D-Bus path is test_desktop_id_launch
    check(not has_owner(), "org.duet.Duet already has an owner")
    desktop = os.path.join(S_SHARE, "applications", APP_ID + ".desktop")
    # No pipes: the app inherits gio's stdio and would hold them open
    with open(os.path.join(TMP, "gio-launch.log"), "w+") as err:
        proc = run(["gio", "launch", desktop], env=ENV, stdout=subprocess.DEVNULL,
                   stderr=err, capture_output=False)
        err.seek(0)
        check(proc.returncode == 0, "gio launch failed: %s" % err.read().strip())
    pid = wait_for_app("gio launch")
    win = wait_for(mapped_duet_window, 20, "gio launch: the Duet window to be mapped")
    log("gio launch: window %s at %s" % (win[0], win[1]))
    time.sleep(1)  # let it draw
    screenshot("gio-launch")
    quit_app(pid, "gio launch")


LAUNCH_BY_ID = """
import sys
import gi
gi.require_version("Gio", "2.0")
from gi.repository import Gio, GLib
info = Gio.DesktopAppInfo.new(sys.argv[1])
if info is None:
    sys.exit("no desktop file for " + sys.argv[1] + " in XDG_DATA_DIRS")
print(info.get_filename())
# Async, and wait for the reply: the bus drops a message waiting for
# activation if its sender disconnects first (a shell stays connected)
loop = GLib.MainLoop()
result = []
def done(source, res):
    try:
        result.append(info.launch_uris_finish(res))
    except GLib.Error as e:
        print(e.message, file=sys.stderr)
    loop.quit()
info.launch_uris_async([], Gio.AppLaunchContext(), None, done)
GLib.timeout_add_seconds(25, loop.quit)
loop.run()
sys.exit(0 if result == [True] else 1)
"""


def test_desktop_id_launch():
    # How a shell launches it: the desktop ID looked up in XDG_DATA_DIRS;
    # DBusActivatable=true, so GIO calls org.freedesktop.Application.Activate
    # and the bus starts the service file's Exec (--gapplication-service)
    check(not has_owner(), "org.duet.Duet already has an owner")
    python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
    proc = run([python, "-c", LAUNCH_BY_ID, APP_ID + ".desktop"], env=ENV)
    if proc.returncode != 0 and "No module named 'gi'" in proc.stderr:
        raise Skip("python3-gi not installed")
    check(proc.returncode == 0, "launch by desktop ID failed: %s" % proc.stderr.strip())
    found = proc.stdout.strip()
    check(os.path.realpath(found) == os.path.realpath(os.path.join(S_SHARE, "applications", APP_ID + ".desktop")),
          "the desktop ID resolved to %s, not the installed file" % found)
    pid = wait_for_app("desktop ID launch")
    with open("/proc/%d/cmdline" % pid) as f:
        argv = f.read().split("\0")
    check("--gapplication-service" in argv,
          "desktop ID launch: started as %s, not by D-Bus activation" % argv)
    win = wait_for(mapped_duet_window, 20, "desktop ID launch: the Duet window to be mapped")
    log("desktop ID launch: D-Bus activated %s, window %s" % (" ".join(a for a in argv if a), win[0]))
    time.sleep(1)
    screenshot("desktop-id-launch")
    quit_app(pid, "desktop ID launch")


def test_dbus_activation():
    check(not has_owner(), "org.duet.Duet already has an owner")
    proc = gdbus(APP_ID, OBJ, "org.freedesktop.Application.Activate", "{}", timeout=25)
    check(proc.returncode == 0, "Activate failed: %s" % proc.stderr.strip())
    pid = wait_for_app("D-Bus activation")
    wait_for(mapped_duet_window, 20, "D-Bus activation: the Duet window to be mapped")
    quit_app(pid, "D-Bus activation")


def test_background():
    check(not has_owner(), "org.duet.Duet already has an owner")
    proc = subprocess.Popen([S_APP, "--background"], env=ENV, stdin=subprocess.DEVNULL)
    started.append(proc)
    pid = wait_for_app("--background")
    check(pid == proc.pid, "--background: the name is owned by %d, not %d" % (pid, proc.pid))
    time.sleep(3)
    check(proc.poll() is None, "--background: exited with %s" % proc.returncode)
    check(has_owner(), "--background: lost the name")
    check(mapped_duet_window() is None, "--background: a Duet window is mapped")
    screenshot("background")
    log("--background: alive after 3 s, no window mapped")
    return proc


def test_autostart(proc):
    target = os.path.join(ENV["XDG_CONFIG_HOME"], "autostart", APP_ID + "-autostart.desktop")
    with open(os.path.join(S_SHARE, "duet", APP_ID + "-autostart.desktop")) as f:
        installed = f.read()
    # Autostart is opt-in: a first start adds no entry
    time.sleep(1)
    check(not os.path.exists(target), "a first start wrote " + target)
    set_setting("autostart", True)
    wait_for(lambda: os.path.exists(target), 5, "autostart on to write " + target)
    with open(target) as f:
        check(f.read() == installed, "the autostart entry is not the installed one")
    set_setting("run-in-background", False)
    wait_for(lambda: not os.path.exists(target), 5, "run-in-background off to remove " + target)
    set_setting("run-in-background", True)
    wait_for(lambda: os.path.exists(target), 5, "run-in-background on to write " + target)
    set_setting("autostart", False)
    wait_for(lambda: not os.path.exists(target), 5, "autostart off to remove " + target)
    # A hidden instance (as autostarted) shows its window when activated
    reply = gdbus(APP_ID, OBJ, "org.freedesktop.Application.Activate", "{}")
    check(reply.returncode == 0, "Activate failed: %s" % reply.stderr.strip())
    wait_for(mapped_duet_window, 20, "the hidden instance's window to be mapped on Activate")
    time.sleep(1)
    screenshot("background-activated")
    check(proc.poll() is None, "the background instance exited")
    quit_app(proc.pid, "--background")
    proc.wait(5)


# ---- main ---------------------------------------------------------------------

def cleanup():
    for pid in app_pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
    for proc in reversed(started):
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    shutil.rmtree(TMP, ignore_errors=True)


def report(name, fn, *args):
    n = len(results) + 1
    t0 = time.monotonic()
    try:
        value = fn(*args)
        print("ok %d - %s (%.1fs)" % (n, name, time.monotonic() - t0), flush=True)
        results.append(True)
        return value
    except Skip as e:
        print("ok %d - %s # SKIP %s" % (n, name, e), flush=True)
        results.append(None)
    except Exception as e:  # noqa: BLE001 - every failure is reported, the rest still run
        print("not ok %d - %s: %s" % (n, name, e), flush=True)
        results.append(False)
    return None


GUI_TESTS = ("gio-launch", "desktop-id-launch", "dbus-activation", "background", "autostart")


def main():
    global ENV
    print("1..6", flush=True)
    tools = [t for t in ("Xvfb", "dbus-daemon", "gio", "gdbus", "xwininfo", "glib-compile-schemas")
             if shutil.which(t) is None]
    try:
        report("install", test_install)
        if not os.path.exists(S_APP):
            for name in GUI_TESTS:
                report(name, lambda: (_ for _ in ()).throw(Skip("nothing installed")))
            return
        if tools:
            for name in GUI_TESTS:
                report(name, lambda: (_ for _ in ()).throw(Skip("missing: " + " ".join(tools))))
            return

        schemas = os.path.join(S_SHARE, "glib-2.0", "schemas")
        run(["glib-compile-schemas", "--strict", schemas], check=True)
        home = os.path.join(TMP, "home")
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DBUS_", "WAYLAND_", "XDG_", "GIO_", "GSETTINGS_", "DISPLAY"))}
        env.update(
            DISPLAY=start_xvfb(),
            PATH=S_BIN + ":" + os.environ.get("PATH", "/usr/bin:/bin"),
            # The app links libduet-kit-gtk-1.so, installed beside it; the
            # staged copy is not where the dynamic linker looks
            LD_LIBRARY_PATH=S_LIB,
            XDG_DATA_DIRS=S_SHARE + ":/usr/share",
            XDG_CONFIG_HOME=os.path.join(home, "config"),
            XDG_DATA_HOME=os.path.join(home, "data"),
            XDG_CACHE_HOME=os.path.join(home, "cache"),
            XDG_STATE_HOME=os.path.join(home, "state"),
            XDG_RUNTIME_DIR=os.path.join(TMP, "runtime"),
            GSETTINGS_SCHEMA_DIR=schemas,
            GSETTINGS_BACKEND="memory",
            GIO_USE_VFS="local",
            GDK_BACKEND="x11", GSK_RENDERER="cairo", GTK_A11Y="none", NO_AT_BRIDGE="1",
            DUET_TEST_SOURCES="1", DUET_FAKE_AUDIO_SINK="1",
            LANGUAGE="C", LC_ALL="C.UTF-8",
        )
        os.makedirs(env["XDG_RUNTIME_DIR"], mode=0o700)
        env["DBUS_SESSION_BUS_ADDRESS"] = start_bus(env)
        ENV = env

        report("gio-launch", test_gio_launch)
        report("desktop-id-launch", test_desktop_id_launch)
        report("dbus-activation", test_dbus_activation)
        proc = report("background", test_background)
        if proc is None:
            report("autostart", lambda: (_ for _ in ()).throw(Skip("--background failed")))
        else:
            report("autostart", test_autostart, proc)
    finally:
        cleanup()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    main()
    sys.exit(1 if False in results else 0)
