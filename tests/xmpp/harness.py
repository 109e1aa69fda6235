"""A real parleyd on free loopback ports with XMPP listeners, and native users made through the
parley CLI, for tests that drive the XMPP gateway with a real XMPP library (slixmpp)."""

import asyncio
import json
import os
import signal
import ssl
import subprocess
import tempfile

import slixmpp

READY_TIMEOUT_S = 30  # bounds a broken build; the wait itself is for the ready line
EVENT_TIMEOUT_S = 20  # every await on the server is for an event; this bounds a failure

CONFIG = """
[listen]
native_tcp = "127.0.0.1:0"
native_tls = "127.0.0.1:0"
http = "127.0.0.1:0"
https = "127.0.0.1:0"
xmpp = "127.0.0.1:0"
xmpp_tls = "127.0.0.1:0"

[xmpp]
domain = "localhost"

[security]
argon2_ops = 1
argon2_mem_kib = 8192
registrations_per_address = 100000000
"""


class Server:
    """parleyd in a temporary data dir; ports from its --ready-fd line."""

    def __init__(self, parleyd, cli, extra_config=""):
        self.cli = cli
        self.dir = tempfile.TemporaryDirectory(prefix="parley-xmpp-")
        config_path = os.path.join(self.dir.name, "config.toml")
        with open(config_path, "w") as f:
            f.write(CONFIG + extra_config)
        read_fd, write_fd = os.pipe()
        self.log = open(os.path.join(self.dir.name, "parleyd.log"), "w")
        self.process = subprocess.Popen(
            [parleyd, "--data-dir", os.path.join(self.dir.name, "data"), "--config",
             config_path, "--ready-fd", str(write_fd), "--log-level", "warn"],
            pass_fds=(write_fd,), stdout=self.log, stderr=subprocess.STDOUT)
        os.close(write_fd)
        line = b""
        with os.fdopen(read_fd, "rb") as ready:
            line = ready.readline()  # parleyd writes one line once listening, then closes
        if not line:
            self.stop()
            raise RuntimeError("parleyd exited before it was ready; see " + self.log.name)
        self.ports = json.loads(line)

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(READY_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        status = self.process.returncode
        self.dir.cleanup()
        return status

    # ------------------------------------------------------------- native users (the CLI)

    def native(self, user, *args, check=True):
        """Runs `parley` with this user's profile; returns its stdout lines as JSON objects."""
        profile = os.path.join(self.dir.name, "profile-" + user)
        out = subprocess.run(
            [self.cli, "--profile", profile, "--server",
             "tcp://127.0.0.1:%d" % self.ports["native_tcp"], *args],
            capture_output=True, text=True, timeout=EVENT_TIMEOUT_S)
        if check and out.returncode != 0:
            raise AssertionError("parley %s: %s %s" % (" ".join(args), out.stdout, out.stderr))
        return [json.loads(l) for l in out.stdout.splitlines() if l.startswith("{")]

    def register(self, user, password):
        self.native(user, "register", user, password)

    async def tail(self, user):
        """`parley tail` for this user: a Tail whose lines are awaited one by one."""
        profile = os.path.join(self.dir.name, "profile-" + user)
        process = await asyncio.create_subprocess_exec(
            self.cli, "--profile", profile, "--server",
            "tcp://127.0.0.1:%d" % self.ports["native_tcp"], "tail",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
        return Tail(process)


class Tail:
    def __init__(self, process):
        self.process = process

    async def until(self, predicate):
        """The first event (a JSON object) for which predicate holds."""
        async def scan():
            while True:
                line = await self.process.stdout.readline()
                if not line:
                    raise AssertionError("parley tail ended")
                if line.startswith(b"{"):
                    event = json.loads(line)
                    if predicate(event):
                        return event
        return await asyncio.wait_for(scan(), EVENT_TIMEOUT_S)

    async def stop(self):
        if self.process.returncode is None:
            self.process.terminate()
            await self.process.wait()


class Client(slixmpp.ClientXMPP):
    """A slixmpp client whose events are awaited as futures; accepts the test certificate."""

    def __init__(self, jid, password, stream_management=False):
        super().__init__(jid, password)
        self.ssl_context.check_hostname = False
        self.ssl_context.verify_mode = ssl.CERT_NONE
        self.messages = asyncio.Queue()
        self.started = asyncio.get_event_loop().create_future()
        self.ended = asyncio.get_event_loop().create_future()
        self.stream_errors = []
        self.register_plugin("xep_0199")  # ping
        self.register_plugin("xep_0280")  # carbons (enabled by the tests that want them)
        self.register_plugin("xep_0085")  # chat states
        self.register_plugin("xep_0313")  # message archive
        self.sm_enabled = asyncio.get_event_loop().create_future()
        if stream_management:
            self.register_plugin("xep_0198")
            self.add_event_handler(
                "sm_enabled", lambda _: self.sm_enabled.done() or self.sm_enabled.set_result(True))
        self.add_event_handler("session_start", self._on_start)
        self.add_event_handler("failed_all_auth", self._on_failed)
        self.add_event_handler("message", lambda m: self.messages.put_nowait(m))
        self.add_event_handler("message_error", lambda m: self.messages.put_nowait(m))
        # Every message stanza, with or without a body (slixmpp's "message" event needs one).
        self.all_messages = asyncio.Queue()
        self.register_handler(slixmpp.xmlstream.handler.Callback(
            "every message", slixmpp.xmlstream.matcher.MatchXPath("{jabber:client}message"),
            lambda m: self.all_messages.put_nowait(m)))
        self.presences = asyncio.Queue()
        self.roster_pushes = asyncio.Queue()
        self.add_event_handler("roster_update", lambda iq: self.roster_pushes.put_nowait(iq))
        self.add_event_handler("presence", lambda p: self.presences.put_nowait(p))
        self.add_event_handler("stream_error", lambda e: self.stream_errors.append(e))
        self.add_event_handler("disconnected", self._on_disconnected)

    async def _on_start(self, _):
        self.roster_reply = await self.get_roster()
        self.send_presence()
        if not self.started.done():
            self.started.set_result(True)

    def _on_failed(self, _):
        if not self.started.done():
            self.started.set_result(False)

    def _on_disconnected(self, _):
        if not self.started.done():
            self.started.set_result(False)
        if not self.ended.done():
            self.ended.set_result(True)

    async def start(self, port, direct_tls=False):
        """Connects and logs in; True once the session started, False when refused."""
        self.connect(("127.0.0.1", port), use_ssl=direct_tls, force_starttls=not direct_tls,
                     disable_starttls=direct_tls)
        return await asyncio.wait_for(self.started, EVENT_TIMEOUT_S)

    async def presence_where(self, predicate):
        """The first presence stanza (from now on) for which predicate holds."""
        async def scan():
            while True:
                p = await self.presences.get()
                if predicate(p):
                    return p
        return await asyncio.wait_for(scan(), EVENT_TIMEOUT_S)

    async def next_roster_push(self):
        """The next roster push (an iq set; the roster's first result comes here too)."""
        async def scan():
            while True:
                iq = await self.roster_pushes.get()
                if iq["type"] == "set":
                    return iq
        return await asyncio.wait_for(scan(), EVENT_TIMEOUT_S)

    async def next_stanza(self):
        """The next message stanza of any kind (a reaction has no body)."""
        return await asyncio.wait_for(self.all_messages.get(), EVENT_TIMEOUT_S)

    async def next_message(self):
        return await asyncio.wait_for(self.messages.get(), EVENT_TIMEOUT_S)

    async def stop(self):
        self.disconnect()
        await asyncio.wait_for(self.ended, EVENT_TIMEOUT_S)
