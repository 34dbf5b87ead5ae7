#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The call kit as another program gets it: installed, then used.

Usage: test-install-sdk.py BUILD_DIR SOURCE_DIR CC [DUET_SERVER DUET_CALL]   (TAP)

  install:   `meson install --destdir` into a temporary root; the headers,
             .pc files, shared libraries (with their soname links), .gir
             and .typelib files (and the reference with -Ddocs=true) are
             there
  exports:   each library exports exactly the functions its installed
             headers declare (nm -D): nothing internal leaks out, nothing
             public lacks DUET_AVAILABLE_IN_ALL
  typelib:   python3 imports Duet and DuetGtk from the installed typelibs
             and libraries (GI_TYPELIB_PATH, LD_LIBRARY_PATH)
  build:     examples/c/duet-example-call.c builds against the installed
             files with `pkg-config --cflags --libs duet-kit-1` (the .pc
             files relocated into the temporary root), -Wall -Werror, and
             links libduet-kit-1.so.0
  call:      the example, run with LD_LIBRARY_PATH at the installed
             libraries, signs in and calls a duet-call peer through a
             duet-server started here: wait-connected, verified,
             connected, then disconnected with reason NORMAL after it
             hangs up
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sdk_calls  # noqa: E402

BUILD = os.path.abspath(sys.argv[1])
SOURCE = os.path.abspath(sys.argv[2])
CC = sys.argv[3].split()
SERVER_EXE = sys.argv[4] if len(sys.argv) > 4 else None
CALL_EXE = sys.argv[5] if len(sys.argv) > 5 else None

results = []


class Skip(Exception):
    pass


def report(name, fn, *args):
    n = len(results) + 1
    try:
        value = fn(*args)
        print("ok %d - %s" % (n, name), flush=True)
        results.append(True)
        return value
    except Skip as e:
        print("ok %d - %s # SKIP %s" % (n, name, e), flush=True)
        results.append(None)
    except Exception as e:  # noqa: BLE001 - every failure is reported
        print("not ok %d - %s" % (n, name), flush=True)
        for line in str(e).splitlines():
            print("#   " + line, flush=True)
        results.append(False)
    return None


def check(cond, message):
    if not cond:
        raise sdk_calls.Fail(message)


def options():
    with open(os.path.join(BUILD, "meson-info", "intro-buildoptions.json")) as f:
        opts = {o["name"]: o["value"] for o in json.load(f)}

    def under(name):
        v = opts[name]
        return v if os.path.isabs(v) else os.path.join(opts["prefix"], v)
    return opts, under


OPTS, UNDER = options()
PREFIX = OPTS["prefix"]
LIBDIR = UNDER("libdir")
INCLUDEDIR = UNDER("includedir")
DATADIR = UNDER("datadir")
TMP = tempfile.mkdtemp(prefix="duet-install-sdk.")
DESTDIR = os.path.join(TMP, "root")


def staged(path):
    return DESTDIR + path


# meson says whether it built the introspection data
HAVE_GIR = os.environ.get("DUET_HAVE_GIR") == "1"


def test_install():
    proc = subprocess.run(["meson", "install", "-C", BUILD, "--destdir", DESTDIR,
                           "--no-rebuild", "--quiet"], capture_output=True, text=True, timeout=120)
    check(proc.returncode == 0, "meson install failed:\n" + proc.stdout + proc.stderr)

    expected = [os.path.join(INCLUDEDIR, "duet-kit-1", h) for h in (
        "duet-kit.h", "duet-version.h", "duet-enum-types.h", "duet-kit-enum-types.h",
        "duet-protocol-enums.h", "duet-cc-param.h", "duet-kit-error.h",
        "duet-make-call-param.h", "duet-make-call-param-builder.h",
        "duet-verify-call-param.h", "duet-verify-call-param-builder.h",
        "duet-call.h", "duet-manager.h", "duet-my-media-status.h", "duet-auth.h",
        "duet-auth-token.h", "duet-call-history-entry.h", "duet-call-statistics.h",
        "duet-media-settings.h")]
    expected += [os.path.join(INCLUDEDIR, "duet-kit-gtk-1", h) for h in (
        "duet-kit-gtk.h", "duet-video-sink.h", "duet-video-paintable.h", "duet-video-view.h")]
    expected += [os.path.join(LIBDIR, "pkgconfig", pc) for pc in ("duet-kit-1.pc", "duet-kit-gtk-1.pc")]
    for lib in ("libduet-kit-1", "libduet-kit-gtk-1"):
        expected += [os.path.join(LIBDIR, lib + suffix) for suffix in (".so", ".so.0", ".so.0.1.0")]
    if HAVE_GIR:
        expected += [os.path.join(DATADIR, "gir-1.0", g) for g in ("Duet-1.0.gir", "DuetGtk-1.0.gir")]
        expected += [os.path.join(LIBDIR, "girepository-1.0", t)
                     for t in ("Duet-1.0.typelib", "DuetGtk-1.0.typelib")]
    if OPTS.get("docs"):
        expected += [os.path.join(DATADIR, "doc", d, "index.html") for d in ("duet-kit-1", "duet-kit-gtk-1")]
    missing = [p for p in expected if not os.path.exists(staged(p))]
    check(not missing, "not installed:\n" + "\n".join(missing))

    # Only public headers: nothing internal, nothing private
    installed = os.listdir(staged(os.path.join(INCLUDEDIR, "duet-kit-1")))
    internal = [h for h in installed if h.endswith("-private.h") or h in (
        "duet-protocol.h", "duet-ice-uri.h", "duet-media-session.h", "duet-signalling.h",
        "duet-bench-stamp.h", "duet-messages.h", "duet-wire-enums.h", "duet-wire-enum-types.h")]
    check(not internal, "internal headers installed: %s" % internal)

    soname = subprocess.run(["readelf", "-d", staged(os.path.join(LIBDIR, "libduet-kit-1.so.0.1.0"))],
                            capture_output=True, text=True).stdout
    check("[libduet-kit-1.so.0]" in soname, "libduet-kit-1's soname is not libduet-kit-1.so.0")


def declared_functions(include_dir):
    """duet_* functions the headers in include_dir declare"""
    names = set()
    for header in os.listdir(include_dir):
        with open(os.path.join(include_dir, header)) as f:
            text = f.read()
        text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S)   # comments
        text = re.sub(r"^\s*#.*$", " ", text, flags=re.M)     # preprocessor lines
        names |= set(re.findall(r"\b(duet_[a-z0-9_]+)\s*\(", text))
        for m in re.finditer(r"G_DECLARE_(?:FINAL|DERIVABLE)_TYPE\s*\(\s*\w+\s*,\s*(duet_\w+)", text):
            names.add(m.group(1) + "_get_type")
    return names


def exported_functions(library):
    out = subprocess.run(["nm", "-D", "--defined-only", library], capture_output=True, text=True)
    check(out.returncode == 0, "nm -D %s: %s" % (library, out.stderr))
    return {line.split()[-1] for line in out.stdout.splitlines() if line.split()[-2] in "TtWi"}


def test_exports():
    problems = []
    for lib, incdir in (("libduet-kit-1.so.0.1.0", "duet-kit-1"),
                        ("libduet-kit-gtk-1.so.0.1.0", "duet-kit-gtk-1")):
        declared = declared_functions(staged(os.path.join(INCLUDEDIR, incdir)))
        exported = exported_functions(staged(os.path.join(LIBDIR, lib)))
        for name in sorted(exported - declared):
            problems.append("%s exports %s, which no installed header declares" % (lib, name))
        for name in sorted(declared - exported):
            problems.append("%s does not export %s (declared in include/%s)" % (lib, name, incdir))
        print("# %s: %d functions exported" % (lib, len(exported)), flush=True)
    check(not problems, "\n".join(problems))


def lib_env():
    env = dict(os.environ)
    env["LD_LIBRARY_PATH"] = staged(LIBDIR) + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")
    return env


def python_with_gi():
    for python in (sys.executable, "/usr/bin/python3"):
        if python and subprocess.run([python, "-c", "import gi"], capture_output=True).returncode == 0:
            return python
    return None


IMPORT_CHECK = """
import gi
gi.require_version("Duet", "1.0")
gi.require_version("DuetGtk", "1.0")
from gi.repository import Duet, DuetGtk
repo = gi.Repository.get_default()
builder = Duet.MakeCallParamBuilder.new()
param = builder.set_my_user_id("alice").set_my_service_id("duet").set_peer_user_id("bob") \\
    .set_access_token("t").build()
assert param.get_peer_service_id() == "duet"
assert Duet.disconnect_reason_to_string(Duet.DisconnectReason.NOANSWER) == "NOANSWER"
assert Duet.get_major_version() == Duet.MAJOR_VERSION
assert DuetGtk.VideoFit.COVER.value_nick == "cover"
print(repo.get_typelib_path("Duet"))
print(repo.get_typelib_path("DuetGtk"))
with open("/proc/self/maps") as maps:
    print(chr(10).join(sorted({line.split()[-1] for line in maps if "libduet-kit" in line})))
"""


def test_typelib():
    if not HAVE_GIR:
        raise Skip("built without introspection")
    if OPTS.get("b_sanitize", "none") != "none":
        raise Skip("a sanitizer build's libraries cannot be loaded into python3")
    python = python_with_gi()
    if python is None:
        raise Skip("no python3 with PyGObject")
    env = lib_env()
    env["GI_TYPELIB_PATH"] = staged(os.path.join(LIBDIR, "girepository-1.0"))
    proc = subprocess.run([python, "-c", IMPORT_CHECK], capture_output=True, text=True, env=env, timeout=60)
    check(proc.returncode == 0, "importing the installed typelibs failed:\n" + proc.stderr[-2000:])
    paths = proc.stdout.split()
    check(len(paths) == 4 and all(p.startswith(DESTDIR) for p in paths),
          "the typelibs or libraries came from elsewhere:\n%s" % proc.stdout)


def relocated_pkgconfig():
    pcdir = os.path.join(TMP, "pkgconfig")
    os.makedirs(pcdir, exist_ok=True)
    src = staged(os.path.join(LIBDIR, "pkgconfig"))
    for name in os.listdir(src):
        with open(os.path.join(src, name)) as f:
            text = f.read()
        text = re.sub(r"^prefix=.*$", "prefix=" + DESTDIR + PREFIX, text, count=1, flags=re.M)
        with open(os.path.join(pcdir, name), "w") as f:
            f.write(text)
    return pcdir


EXAMPLE = os.path.join(TMP, "duet-example-call")


def test_build():
    env = dict(os.environ, PKG_CONFIG_PATH=relocated_pkgconfig())
    env.pop("PKG_CONFIG_SYSROOT_DIR", None)
    proc = subprocess.run(["pkg-config", "--cflags", "--libs", "duet-kit-1"], env=env,
                          capture_output=True, text=True)
    check(proc.returncode == 0, "pkg-config duet-kit-1: " + proc.stderr)
    flags = proc.stdout.split()
    check(any(f.startswith("-I" + DESTDIR) for f in flags), "no -I into the installed headers: %s" % flags)
    # A sanitizer build's libraries need the sanitizer's runtime in the program
    sanitize = OPTS.get("b_sanitize", "none")
    extra = ["-fsanitize=" + sanitize] if sanitize != "none" else []
    source = os.path.join(SOURCE, "examples", "c", "duet-example-call.c")
    proc = subprocess.run(CC + ["-std=gnu11", "-Wall", "-Wextra", "-Werror", "-Wno-unused-parameter",
                                source, "-o", EXAMPLE] + extra + flags,
                          capture_output=True, text=True, timeout=120)
    check(proc.returncode == 0, "the example does not build:\n" + proc.stderr[-3000:])
    needed = subprocess.run(["readelf", "-d", EXAMPLE], capture_output=True, text=True).stdout
    check("[libduet-kit-1.so.0]" in needed, "the example does not link libduet-kit-1.so.0")


def test_call():
    if not os.path.exists(EXAMPLE):
        raise Skip("the example was not built")
    if not SERVER_EXE or not CALL_EXE:
        raise Skip("built without duet-server (-Dserver=false)")
    env = lib_env()
    # The example must use the installed library, not the build's
    ldd = subprocess.run(["ldd", EXAMPLE], capture_output=True, text=True, env=env).stdout
    check(staged(LIBDIR) in ldd, "the example does not load the installed library:\n" + ldd)
    server = sdk_calls.Server(SERVER_EXE, TMP)
    peer = None
    try:
        peer = sdk_calls.Peer(CALL_EXE, server, "bob", TMP, env)
        peer.wait("server-connected")
        code, lines = sdk_calls.run_caller([EXAMPLE, server.url, "alice", "bob", "1"], env, TMP)
        for line in lines:
            print("# example: " + line, flush=True)
        last = sdk_calls.check_events(lines)
        check(code == 0, "the example exited with %d after %r:\n%s"
              % (code, last, sdk_calls.tail(os.path.join(TMP, "caller.err"))))
        peer.wait("disconnected")
    except sdk_calls.Fail as e:
        raise sdk_calls.Fail("%s\n--- example stderr:\n%s--- server log:\n%s"
                             % (e, sdk_calls.tail(os.path.join(TMP, "caller.err")),
                                sdk_calls.tail(os.path.join(TMP, "server.log"))))
    finally:
        if peer is not None:
            peer.stop()
        server.stop()


def main():
    print("1..5", flush=True)
    try:
        report("install", test_install)
        report("exports", test_exports)
        report("typelib", test_typelib)
        report("build", test_build)
        report("call", test_call)
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    return 1 if False in results else 0


if __name__ == "__main__":
    sys.exit(main())
