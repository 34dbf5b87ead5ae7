#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The call kit's installed headers are public and self-contained.

Usage: check-public-headers.py BUILD_DIR CC      (TAP on stdout)

Installs the development files (`meson install --tags devel`) into a
temporary root, then:

  includes:   every installed header includes only installed headers of
              its own library (kit-gtk's may include the kit's too),
              <glib.h>, <glib-object.h>, <gio/gio.h>, <gst/...> and
              <gtk/gtk.h>: never json-glib, libsoup, or a header that is
              not installed (an internal one)
  umbrella:   duet-kit.h and duet-kit-gtk.h include every installed header
              of their library, and no -private.h header is installed
  compile:    each installed header compiles on its own (-Wall -Werror)
              with only the flags `pkg-config --cflags` gives for its .pc,
              the .pc files relocated into the temporary root
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

BUILD = os.path.abspath(sys.argv[1])
CC = sys.argv[2:] or ["cc"]

LIBS = {
    # include dir: (pc name, umbrella header, include dirs it may use)
    "duet-kit-1": ("duet-kit-1", "duet-kit.h", ["duet-kit-1"]),
    "duet-kit-gtk-1": ("duet-kit-gtk-1", "duet-kit-gtk.h", ["duet-kit-gtk-1", "duet-kit-1"]),
}
SYSTEM_OK = re.compile(r"^(glib\.h|glib-object\.h|gio/gio\.h|gst/[A-Za-z0-9_/.-]+\.h|gtk/gtk\.h)$")
INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)

results = []


def report(name, problems):
    n = len(results) + 1
    if problems:
        print("not ok %d - %s" % (n, name))
        for p in problems:
            print("#   " + p)
    else:
        print("ok %d - %s" % (n, name))
    results.append(not problems)
    sys.stdout.flush()


def options():
    with open(os.path.join(BUILD, "meson-info", "intro-buildoptions.json")) as f:
        opts = {o["name"]: o["value"] for o in json.load(f)}

    def under(name):
        v = opts[name]
        return v if os.path.isabs(v) else os.path.join(opts["prefix"], v)
    return opts["prefix"], under("includedir"), under("libdir")


def relocate_pc(destdir, prefix, libdir, pcdir):
    """Copies the installed .pc files with prefix= pointing into destdir"""
    os.makedirs(pcdir)
    src = destdir + os.path.join(libdir, "pkgconfig")
    for name in os.listdir(src):
        with open(os.path.join(src, name)) as f:
            text = f.read()
        text = re.sub(r"^prefix=.*$", "prefix=" + destdir + prefix, text, count=1, flags=re.M)
        with open(os.path.join(pcdir, name), "w") as f:
            f.write(text)


def main():
    prefix, includedir, libdir = options()
    tmp = tempfile.mkdtemp(prefix="duet-public-headers.")
    try:
        destdir = os.path.join(tmp, "root")
        proc = subprocess.run(["meson", "install", "-C", BUILD, "--destdir", destdir,
                               "--no-rebuild", "--quiet", "--tags", "devel"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print("1..1\nnot ok 1 - meson install --tags devel\n# " + proc.stdout + proc.stderr)
            return 1
        print("1..3")

        inc_root = destdir + includedir
        installed = {}   # dir -> set of headers
        for d in LIBS:
            path = os.path.join(inc_root, d)
            installed[d] = set(os.listdir(path)) if os.path.isdir(path) else set()

        problems = []
        for d, (_pc, _umbrella, allowed_dirs) in LIBS.items():
            if not installed[d]:
                problems.append("nothing installed in include/%s" % d)
            allowed = set().union(*(installed[a] for a in allowed_dirs))
            for header in sorted(installed[d]):
                with open(os.path.join(inc_root, d, header)) as f:
                    text = f.read()
                for kind, target in INCLUDE.findall(text):
                    if "json-glib" in target or "libsoup" in target:
                        problems.append("%s/%s includes <%s>" % (d, header, target))
                    elif kind == '"' or target.startswith("duet"):
                        if os.path.basename(target) not in allowed:
                            problems.append('%s/%s includes "%s", which is not an installed header of %s'
                                            % (d, header, target, " or ".join(allowed_dirs)))
                    elif not SYSTEM_OK.match(target):
                        problems.append("%s/%s includes <%s>, which is not GLib, GIO, GStreamer or GTK"
                                        % (d, header, target))
        report("includes", problems)

        problems = []
        for d, (_pc, umbrella, _allowed) in LIBS.items():
            for header in installed[d]:
                if header.endswith("-private.h"):
                    problems.append("%s/%s is installed" % (d, header))
            if umbrella not in installed[d]:
                problems.append("%s/%s is not installed" % (d, umbrella))
                continue
            # what the umbrella reaches, following includes within the dir
            seen, todo = set(), [umbrella]
            while todo:
                h = todo.pop()
                if h in seen or h not in installed[d]:
                    continue
                seen.add(h)
                with open(os.path.join(inc_root, d, h)) as f:
                    todo += [os.path.basename(t) for _k, t in INCLUDE.findall(f.read())]
            for header in sorted(installed[d] - seen):
                problems.append("%s/%s does not include %s" % (d, umbrella, header))
        report("umbrella", problems)

        pcdir = os.path.join(tmp, "pkgconfig")
        relocate_pc(destdir, prefix, libdir, pcdir)
        env = dict(os.environ, PKG_CONFIG_PATH=pcdir)
        env.pop("PKG_CONFIG_SYSROOT_DIR", None)
        problems = []
        for d, (pc, _umbrella, _allowed) in LIBS.items():
            proc = subprocess.run(["pkg-config", "--cflags", pc], env=env, capture_output=True, text=True)
            if proc.returncode != 0:
                problems.append("pkg-config --cflags %s: %s" % (pc, proc.stderr.strip()))
                continue
            cflags = proc.stdout.split()
            for header in sorted(installed[d]):
                source = os.path.join(tmp, "include-%s.c" % header)
                with open(source, "w") as f:
                    f.write("#include <%s>\n" % header)
                proc = subprocess.run(CC + ["-fsyntax-only", "-Wall", "-Wextra", "-Werror",
                                            "-std=gnu11", source] + cflags,
                                      capture_output=True, text=True)
                if proc.returncode != 0:
                    first = [line for line in proc.stderr.splitlines() if "error" in line][:3]
                    problems.append("%s/%s does not compile alone: %s"
                                    % (d, header, " | ".join(first) or proc.stderr.strip()[:300]))
        report("compile", problems)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
