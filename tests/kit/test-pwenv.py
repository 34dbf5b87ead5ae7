#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Self-test of tests/kit/pwenv.py and camera-portal.py: the chain the kit
captures cameras through, end to end, against a real private PipeWire.

  (a) pipewiresrc target-object=<node.name> and =<object.serial> gives
      frames of the camera's colour
  (b) the same through the portal stand-in, called by libportal itself
      (xdp_portal_access_camera, then open_pipewire_remote_for_camera):
      pipewiresrc fd=N here, and in a child given the fd
  (c) GstDeviceMonitor lists the cameras (Video/Source) with their
      descriptions, the microphone and the speaker; pipewiredeviceprovider
      with the portal's fd lists the cameras, and its create_element
      captures
  (d) node_in_use is False before a capture, True during, False after
  (e) unplugging a camera during a capture: what the capture sees (printed)
      and the device monitor's device-removed
  (f) the portal denying: AccessCamera answers 1, libportal reports it
      cancelled, OpenPipeWireRemote is refused
  plus the microphone's tone and the speaker's level.

Usage: test-pwenv.py   (exit 77 when pipewire, wireplumber or the GStreamer
pipewire plugin are missing). Env: DUET_PW_FAKE_DEVICE (meson sets it).
"""
import array
import gc
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pwenv  # noqa: E402

SKIP = 77
TOL = 8   # YUY2 -> RGB rounding is within ±2; leave room


class Fail(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Fail(what)
    print("ok - " + what, flush=True)


def near(rgb, want):
    return all(abs(a - b) <= TOL for a, b in zip(rgb, want))


def main():
    missing = pwenv.missing_tools()
    try:
        import gi
        gi.require_version("Gst", "1.0")
        gi.require_version("Xdp", "1.0")
        from gi.repository import Gst  # noqa: F401
        from gi.repository import Xdp  # noqa: F401
    except (ImportError, ValueError) as e:
        missing.append("gi: %s" % e)
    if missing:
        print("skip: missing " + ", ".join(missing))
        return SKIP
    with tempfile.TemporaryDirectory(prefix="pwenv-") as tmp:
        try:
            with pwenv.PipeWireEnv(tmp) as pw:
                run(pw)
        except (Fail, pwenv.EnvError) as e:
            print("FAIL: %s" % e, flush=True)
            for name in sorted(os.listdir(tmp)):
                if name.endswith(".log"):
                    with open(os.path.join(tmp, name), errors="replace") as f:
                        tail = f.read()[-1500:]
                    if tail.strip():
                        print("--- %s\n%s" % (name, tail))
            return 1
    return 0


def run(pw):
    import gi
    gi.require_version("Gst", "1.0")
    gi.require_version("GstApp", "1.0")
    gi.require_version("Xdp", "1.0")
    from gi.repository import Gio, GLib, Gst, GstApp, Xdp  # noqa: F401 (GstApp: appsink's methods)

    print("env up in %.0f ms" % (pw.startup_seconds * 1000), flush=True)
    # In this process too: GStreamer's pipewire plugin and GDBus read these
    # when they first connect, which is below
    os.environ.update(pw.env())
    Gst.init(None)
    # Only PipeWire's provider in this process's device monitors: one that
    # also runs the v4l2 or decklink provider beside it corrupts the heap
    # ("double free or corruption") within a few dozen start/stop cycles
    # with GStreamer 1.22 here, once in a dozen runs of this test
    registry = Gst.Registry.get()
    for name in ("v4l2deviceprovider", "decklinkdeviceprovider"):
        feature = registry.find_feature(name, Gst.DeviceProviderFactory)
        if feature is not None:
            registry.remove_feature(feature)

    t = time.monotonic()
    red = pw.add_camera("cam-red", "red", "Red Camera")
    green = pw.add_camera("cam-green", "green", "Green Camera", width=640, height=480, fps=10)
    print("two cameras in %.0f ms" % ((time.monotonic() - t) * 1000), flush=True)
    pw.add_microphone("mic-a", 440, "Mic A")
    spk = pw.add_speaker("spk-a", "Speaker A")

    def capture(target, fd=None, element=None, frames=3, timeout=10):
        """Frames pulled from pipewiresrc (or element) as RGB: (w, h, bytes) of the last"""
        pipe = Gst.parse_launch("videoconvert name=conv ! video/x-raw,format=RGB ! "
                                "appsink name=sink max-buffers=2 drop=true sync=false")
        src = element or Gst.ElementFactory.make("pipewiresrc", None)
        if element is None:
            src.set_property("target-object", str(target))
            if fd is not None:
                src.set_property("fd", fd)
        pipe.add(src)
        src.link(pipe.get_by_name("conv"))
        sink = pipe.get_by_name("sink")
        pipe.set_state(Gst.State.PLAYING)
        last = None
        try:
            for _ in range(frames):
                sample = sink.try_pull_sample(timeout * Gst.SECOND)
                if sample is None:
                    msg = pipe.get_bus().pop_filtered(Gst.MessageType.ERROR)
                    raise Fail("no frame from %s%s" % (target, (": " + msg.parse_error()[0].message) if msg else ""))
                s = sample.get_caps().get_structure(0)
                buf = sample.get_buffer()
                last = (s.get_value("width"), s.get_value("height"), buf.extract_dup(0, buf.get_size()))
        finally:
            pipe.set_state(Gst.State.NULL)
        return last

    def pixels(frame):
        w, h, data = frame
        stride = (w * 3 + 3) & ~3
        return [tuple(data[y * stride + x * 3: y * stride + x * 3 + 3])
                for x, y in ((0, 0), (w - 1, 0), (w // 2, h // 2), (0, h - 1), (w - 1, h - 1))]

    # (a) by node.name, by object.serial
    f = capture("cam-red")
    check(all(near(p, (255, 0, 0)) for p in pixels(f)),
          "(a) pipewiresrc target-object=cam-red gives red frames %r, %dx%d" % (pixels(f)[2], f[0], f[1]))
    f = capture(green.serial)
    check(all(near(p, (0, 255, 0)) for p in pixels(f)) and f[:2] == (640, 480),
          "(a) pipewiresrc target-object=%s (serial) gives green 640x480 frames %r" % (green.serial, pixels(f)[2]))

    # (d) in use only while captured
    check(not pw.node_in_use("cam-red") and not pw.node_in_use("cam-green"),
          "(d) no camera in use before a capture")
    pipe = Gst.parse_launch("pipewiresrc target-object=cam-red ! videoconvert ! fakesink")
    pipe.set_state(Gst.State.PLAYING)
    try:
        check(pw.wait_in_use("cam-red", True, 10) and red.wait_event(
            lambda e: e.get("state") == "streaming", 10) is not None,
            "(d) cam-red in use during a capture (links %r)" % pw.links("cam-red"))
        check(not pw.node_in_use("cam-green"), "(d) cam-green not in use meanwhile")
    finally:
        pipe.set_state(Gst.State.NULL)
    check(pw.wait_in_use("cam-red", False, 10), "(d) cam-red not in use once the capture stops")

    # (c) the device monitor, as the kit lists devices: one monitor for all
    # classes, started once
    mon = Gst.DeviceMonitor()
    for cls in ("Video/Source", "Audio/Source", "Audio/Sink"):
        mon.add_filter(cls, None)
    mon.start()
    devices = mon.get_devices()
    mon.stop()
    cams = {d.get_display_name(): d for d in devices if d.get_device_class() == "Video/Source"}
    check(set(cams) == {"Red Camera", "Green Camera"}, "(c) the device monitor lists %s" % sorted(cams))
    props = cams["Red Camera"].get_properties()
    check(props.get_value("media.role") == "Camera" and props.get_value("node.name") == "cam-red"
          and props.get_value("object.serial") == red.serial,
          "(c) its properties carry media.role Camera, node.name and object.serial")
    el = cams["Green Camera"].create_element(None)
    check(el.get_property("target-object") == green.serial,
          "(c) create_element gives pipewiresrc target-object=%s (the serial)" % el.get_property("target-object"))
    check(near(pixels(capture("monitor", element=el))[2], (0, 255, 0)), "(c) and that element captures green")
    for cls, want in (("Audio/Source", "Mic A"), ("Audio/Sink", "Speaker A")):
        names = [d.get_display_name() for d in devices if d.get_device_class() == cls]
        check(names == [want], "(c) the device monitor lists %s %s" % (cls, names))
    del devices, cams, el

    # The microphone's tone, the speaker's level
    pipe = Gst.parse_launch("pipewiresrc target-object=mic-a ! audio/x-raw,format=S16LE,rate=48000,channels=1 "
                            "! appsink name=sink max-buffers=4 drop=true sync=false")
    pipe.set_state(Gst.State.PLAYING)
    pcm = array.array("h")
    try:
        while len(pcm) < 48000 // 2:
            sample = pipe.get_by_name("sink").try_pull_sample(10 * Gst.SECOND)
            if sample is None:
                raise Fail("no audio from mic-a")
            buf = sample.get_buffer()
            pcm.frombytes(buf.extract_dup(0, buf.get_size()))
        check(pw.node_in_use("mic-a"), "microphone in use while captured")
    finally:
        pipe.set_state(Gst.State.NULL)
    # From the median period between rising zero crossings: a cycle the
    # graph missed under load (silence inserted) does not move it
    rising = [i for i in range(1, len(pcm)) if pcm[i - 1] < 0 <= pcm[i]]
    periods = sorted(b - a for a, b in zip(rising, rising[1:]))
    freq = 48000 / periods[len(periods) // 2] if periods else 0
    check(abs(freq - 440) < 20 and max(pcm) > 10000, "microphone gives its 440 Hz tone (%.0f Hz)" % freq)
    player = subprocess.Popen(["gst-launch-1.0", "-q", "audiotestsrc", "is-live=true", "volume=0.5", "!",
                               "audioconvert", "!", "pipewiresink", "target-object=spk-a"],
                              env={**os.environ, **pw.env()}, start_new_session=True)
    try:
        heard = spk.wait_event(lambda e: e.get("event") == "level" and e["rms"] > 0.1, 10)
        check(heard is not None and pw.node_in_use("spk-a"),
              "speaker in use and hears what is played into it (rms %s)" % (heard and heard["rms"]))
    finally:
        player.terminate()
        player.wait()

    # (b) through the portal, as libportal calls it
    portal = pw.start_portal("grant")
    xdp = Xdp.Portal.new()
    check(xdp.is_camera_present(), "(b) libportal: IsCameraPresent is true")
    loop = GLib.MainLoop()

    def access():
        result = {}

        def done(obj, res, _data=None):
            try:
                result["ok"] = obj.access_camera_finish(res)
            except GLib.Error as e:
                result["error"] = e
            loop.quit()
        xdp.access_camera(None, Xdp.CameraFlags.NONE, None, done, None)
        GLib.timeout_add_seconds(10, loop.quit)
        loop.run()
        return result

    check(pw.node_in_use("cam-red") is False, "(b) no camera in use before AccessCamera")
    result = access()
    check(result.get("ok") is True, "(b) libportal: access_camera granted (%r)" % result)
    call = portal.wait_for("AccessCamera")
    response = portal.wait_for("Response")
    check(call is not None and "handle_token" in call["options"] and response["response"] == 0
          and response["handle"] == call["handle"] and call["handle"].endswith("/" + call["options"]["handle_token"]),
          "(b) portal log: AccessCamera %s answered 0" % (call and call["handle"]))
    fd = xdp.open_pipewire_remote_for_camera()
    check(fd >= 0 and portal.wait_for("OpenPipeWireRemote")["allowed"],
          "(b) libportal: open_pipewire_remote_for_camera gives fd %d" % fd)
    f = capture(red.serial, fd=fd)
    check(near(pixels(f)[2], (255, 0, 0)), "(b) pipewiresrc fd=%d target-object=%s gives red" % (fd, red.serial))

    # the provider on that fd (started and kept, as the kit does) lists the
    # cameras and its elements capture
    provider = Gst.DeviceProviderFactory.get_by_name("pipewiredeviceprovider")
    provider.set_property("fd", fd)
    check(provider.start(), "(c) pipewiredeviceprovider fd=%d starts" % fd)
    devs = {d.get_display_name(): d for d in provider.get_devices()
            if d.get_device_class() == "Video/Source"}
    check(set(devs) == {"Red Camera", "Green Camera"}, "(c) pipewiredeviceprovider fd=%d lists %s" % (fd, sorted(devs)))
    el = devs["Green Camera"].create_element(None)
    check(el.get_property("fd") == fd, "(c) its create_element carries fd=%d" % el.get_property("fd"))
    check(near(pixels(capture("provider", element=el))[2], (0, 255, 0)), "(c) and that element captures green")

    # a child given its own remote
    fd2 = xdp.open_pipewire_remote_for_camera()
    out = os.path.join(pw.tmpdir, "child.rgb")
    rc = subprocess.run(["gst-launch-1.0", "-q", "pipewiresrc", "fd=%d" % fd2, "target-object=cam-green",
                         "num-buffers=3", "!", "videoconvert", "!", "video/x-raw,format=RGB", "!",
                         "filesink", "buffer-mode=unbuffered", "location=" + out],
                        env={**os.environ, **pw.env()}, pass_fds=[fd2], timeout=30).returncode
    os.close(fd2)
    data = open(out, "rb").read() if os.path.exists(out) else b""
    check(rc == 0 and len(data) == 3 * 640 * 480 * 3 and near(tuple(data[:3]), (0, 255, 0)),
          "(b) gst-launch-1.0 pipewiresrc fd=N (passed to the child) gives green")

    # One instance per process: any GstDeviceMonitor alive (even stopped)
    # shares this provider and its fd, and takes its bus over (a sync
    # handler that forwards only what the monitor's filters accept), so the
    # provider's own bus would never see the unplug below: drop the last one
    del mon
    gc.collect()
    check(Gst.DeviceProviderFactory.get_by_name("pipewiredeviceprovider") is provider,
          "(c) pipewiredeviceprovider is a singleton: the device monitor would use the fd too")

    # (e) unplug during a capture
    pipe = Gst.parse_launch("pipewiresrc name=src target-object=cam-red ! videoconvert ! appsink name=sink "
                            "max-buffers=2 drop=true sync=false emit-signals=true")
    times = []

    def on_sample(sink):
        sink.emit("pull-sample")
        times.append(time.monotonic())
        return Gst.FlowReturn.OK
    pipe.get_by_name("sink").connect("new-sample", on_sample)
    pipe.set_state(Gst.State.PLAYING)
    try:
        deadline = time.monotonic() + 10
        while len(times) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        check(len(times) >= 3, "(e) capturing cam-red before the unplug")
        t_unplug = time.monotonic()
        pw.remove_camera(red)
        seen = []
        removed = False
        end = time.monotonic() + 3
        while time.monotonic() < end:
            msg = pipe.get_bus().timed_pop(50 * Gst.MSECOND)
            if msg and msg.type in (Gst.MessageType.ERROR, Gst.MessageType.EOS, Gst.MessageType.WARNING):
                seen.append(msg.type.first_value_nick + (": " + msg.parse_error()[0].message
                                                         if msg.type == Gst.MessageType.ERROR else ""))
            # (the extended message types share one bit: no pop_filtered)
            m = provider.get_bus().pop()
            while m is not None:
                if m.type == Gst.MessageType.DEVICE_REMOVED and \
                        m.parse_device_removed().get_display_name() == "Red Camera":
                    removed = True
                m = provider.get_bus().pop()
        after = [t for t in times if t > t_unplug + 0.2]
        _, state, _ = pipe.get_state(0)
        print("# unplug seen by the capture: bus messages %s, %d frames after it, pipeline %s, "
              "pipewiresrc's pad task %s" % (seen or "none", len(after), state.value_nick,
                                             pipe.get_by_name("src").get_static_pad("src")
                                             .get_task_state().value_nick), flush=True)
        check(not after, "(e) no frame once cam-red is unplugged")
        check(removed, "(e) the fd provider posts device-removed for Red Camera")
        check(not pw.node_in_use("cam-red") and pw.node("cam-red") is None, "(e) its node is gone")
    finally:
        pipe.set_state(Gst.State.NULL)
    check(xdp.is_camera_present(), "(b) IsCameraPresent still true with one camera left")
    pw.remove_camera(green)
    check(not xdp.is_camera_present(), "(b) IsCameraPresent false once both are unplugged")
    provider.stop()
    os.close(fd)

    # (f) the user says no
    pw.stop_portal(portal)
    portal = pw.start_portal("deny")
    pw.add_camera("cam-blue", "blue", "Blue Camera")
    result = access()
    err = result.get("error")
    check(err is not None and err.domain == "g-io-error-quark" and err.code == Gio.IOErrorEnum.CANCELLED,
          "(f) libportal: access_camera denied as cancelled (%s)" % (err and err.message))
    response = portal.wait_for("Response")
    check(response is not None and response["response"] == 1, "(f) portal log: Response 1")
    check(xdp.open_pipewire_remote_for_camera() == -1 and not portal.wait_for("OpenPipeWireRemote")["allowed"],
          "(f) OpenPipeWireRemote refused")
    check(not pw.node_in_use("cam-blue"), "(f) the camera was never opened")
    pw.stop_portal(portal)


if __name__ == "__main__":
    sys.exit(main())
