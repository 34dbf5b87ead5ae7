#!/usr/bin/env python3
# SPDX-License-Identifier: CC0-1.0
"""Sign in to a Duet server, call someone and print the call's events.

The call kit from Python, through GObject introspection: copy it freely.

    echo PASSWORD | ./duet-call.py https://duet.example.org alice bob --hang-up-after 5

Needs the kit's typelib (Duet-1.0.typelib) where GObject introspection
looks: installed, or GI_TYPELIB_PATH and LD_LIBRARY_PATH pointing at a
build directory (src/kit).
"""
import argparse
import sys

import gi

gi.require_version("Duet", "1.0")
gi.require_version("Gst", "1.0")
from gi.repository import Duet, GLib, Gst  # noqa: E402


class Example:
    def __init__(self, args, password):
        self.args = args
        self.password = password
        self.loop = GLib.MainLoop()
        self.auth = None
        self.manager = None
        self.call = None
        self.status = 1

    def event(self, name, **details):
        fields = "".join(" %s=%s" % item for item in details.items())
        print(name + fields, flush=True)

    def finish(self, status):
        self.status = status
        self.loop.quit()

    def run(self):
        self.event("duet-kit", version="%d.%d.%d" % (Duet.get_major_version(),
                                                     Duet.get_minor_version(),
                                                     Duet.get_micro_version()))
        self.auth = Duet.Auth.new(self.args.server)
        # None: the server's default service
        self.auth.sign_in_async(self.args.user, None, self.password, None, self.signed_in)
        self.loop.run()
        if self.manager is not None:
            self.manager.sign_out()
        return self.status

    def signed_in(self, auth, result):
        try:
            token = auth.sign_in_finish(result)
        except GLib.Error as error:
            print("Cannot sign in:", error.message, file=sys.stderr)
            self.finish(1)
            return
        self.event("signed-in", user=token.get_user_id())

        # The manager keeps one connection to the server for everything
        self.manager = Duet.Manager.new()
        self.manager.props.test_sources = self.args.test_sources
        self.manager.sign_in(self.args.server, token.get_token())

        builder = Duet.MakeCallParamBuilder.new()
        (builder.set_my_user_id(token.get_user_id())
                .set_my_service_id(token.get_service_id())
                .set_peer_user_id(self.args.peer)
                .set_access_token(token.get_token())
                .set_media_type(Duet.MediaType.AUDIOVIDEO))
        try:
            param = builder.build()
        except GLib.Error as error:
            print("Cannot call %s: %s" % (self.args.peer, error.message), file=sys.stderr)
            self.finish(1)
            return
        self.manager.make_call_async(param, None, self.call_made)

    def call_made(self, manager, result):
        try:
            call, reason = manager.make_call_finish(result)
        except GLib.Error as error:
            print("The call did not start:", error.message, file=sys.stderr)
            self.finish(1)
            return
        self.call = call
        call.connect("wait-connected", lambda _call: self.event("wait-connected"))
        call.connect("verified", lambda _call, *_: self.event("verified"))
        call.connect("connected", self.on_connected)
        call.connect("disconnected", self.on_disconnected)

    def on_connected(self, call, *_):
        self.event("connected")
        if self.args.hang_up_after > 0:
            GLib.timeout_add_seconds(self.args.hang_up_after, self.hang_up)

    def hang_up(self):
        self.event("hanging-up")
        self.call.end_call()
        return GLib.SOURCE_REMOVE

    def on_disconnected(self, _call, reason, source, by_remote, user_code=None, *_):
        details = {"reason": Duet.disconnect_reason_to_string(reason),
                   "source": Duet.disconnect_source_to_string(source),
                   "by_remote": str(bool(by_remote)).lower()}
        if user_code:
            details["user_code"] = user_code
        self.event("disconnected", **details)
        self.finish(0 if reason == Duet.DisconnectReason.NORMAL else 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("server", help="the app server, such as https://duet.example.org")
    parser.add_argument("user", help="your user id")
    parser.add_argument("peer", help="the user id to call")
    parser.add_argument("--hang-up-after", type=int, default=0, metavar="SECONDS",
                        help="end the call this long after it connects (default: wait for the peer)")
    parser.add_argument("--test-sources", action="store_true",
                        help="send a test picture and tone instead of the camera and microphone")
    args = parser.parse_args()

    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        parser.error("no password on standard input")

    Gst.init(None)
    return Example(args, password).run()


if __name__ == "__main__":
    sys.exit(main())
