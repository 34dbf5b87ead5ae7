#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""examples/python/duet-call.py against a real server and peer.

Usage: test-example-python.py SOURCE_DIR KIT_BUILD_DIR DUET_SERVER DUET_CALL

Runs the Python example from the build directory (GI_TYPELIB_PATH and
LD_LIBRARY_PATH at src/kit) with a python3 that has PyGObject: it signs
in as alice and calls bob, a `duet-call listen --auto-accept` started
here through a duet-server started here, and hangs up a second after
the call connects. Its printed events must be signed-in,
wait-connected, verified, connected, disconnected reason=NORMAL.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sdk_calls  # noqa: E402

SKIP = 77


def python_with_gi():
    for python in (sys.executable, "/usr/bin/python3"):
        if python and subprocess.run([python, "-c", "import gi"], capture_output=True).returncode == 0:
            return python
    return None


def main(source, kit_dir, server_exe, call_exe):
    python = python_with_gi()
    if python is None:
        print("no python3 with PyGObject (python3-gi)")
        return SKIP
    env = dict(os.environ)
    env["GI_TYPELIB_PATH"] = kit_dir + (":" + env["GI_TYPELIB_PATH"] if env.get("GI_TYPELIB_PATH") else "")
    env["LD_LIBRARY_PATH"] = kit_dir + (":" + env["LD_LIBRARY_PATH"] if env.get("LD_LIBRARY_PATH") else "")

    tmp = tempfile.mkdtemp(prefix="duet-example-python.")
    server = peer = None
    try:
        server = sdk_calls.Server(server_exe, tmp)
        peer = sdk_calls.Peer(call_exe, server, "bob", tmp, env)
        peer.wait("server-connected")
        example = os.path.join(source, "examples", "python", "duet-call.py")
        code, lines = sdk_calls.run_caller([python, example, server.url, "alice", "bob",
                                            "--hang-up-after", "1", "--test-sources"], env, tmp)
        for line in lines:
            print("example: " + line)
        last = sdk_calls.check_events(lines)
        if code != 0:
            raise sdk_calls.Fail("the example exited with %d after %r" % (code, last))
        peer.wait("disconnected")
        print("ok: " + last)
        return 0
    except sdk_calls.Fail as e:
        print("FAIL: %s" % e)
        print("--- example stderr:\n" + sdk_calls.tail(os.path.join(tmp, "caller.err")))
        print("--- server log:\n" + sdk_calls.tail(os.path.join(tmp, "server.log")))
        return 1
    finally:
        if peer is not None:
            peer.stop()
        if server is not None:
            server.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    if len(sys.argv) != 5:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
