"""The XMPP gateway driven by slixmpp (a real XMPP client library) next to native users driving
the parley CLI, against a real parleyd: login over STARTTLS and direct TLS, messages both ways
in the same conversations, offline delivery, dedupe, the roster, and refusals.

Run: python3 tests/xmpp/interop_test.py PARLEYD PARLEY_CLI (ctest does, as xmpp_interop)."""

import asyncio
import base64
import socket
import ssl
import sys
import unittest
import uuid

import slixmpp

from harness import EVENT_TIMEOUT_S, Client, Server

PARLEYD = PARLEY_CLI = None


def jid(user, resource=None):
    return "%s@localhost%s" % (user, "/" + resource if resource else "")


class XmppInterop(unittest.IsolatedAsyncioTestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server(PARLEYD, PARLEY_CLI)

    @classmethod
    def tearDownClass(cls):
        status = cls.server.stop()
        assert status == 0, "parleyd exited with %s" % status

    def user(self, prefix):
        name = "%s%s" % (prefix, uuid.uuid4().hex[:8])
        self.server.register(name, "password-" + name)
        return name

    async def login(self, user, resource="test", direct_tls=False, password=None):
        client = Client(jid(user, resource), password or "password-" + user)
        ok = await client.start(
            self.server.ports["xmpp_tls" if direct_tls else "xmpp"], direct_tls)
        self.assertTrue(ok, "login of %s refused" % user)
        self.addAsyncCleanup(self._stop, client)
        return client

    async def tail(self, user):
        tail = await self.server.tail(user)
        self.addAsyncCleanup(tail.stop)
        return tail

    async def _stop(self, client):
        if not client.ended.done():
            await client.stop()

    async def test_an_xmpp_message_lands_in_the_native_conversation(self):
        alice, bob = self.user("alice"), self.user("bob")
        client = await self.login(alice)
        tail = await self.tail(bob)
        client.send_message(mto=jid(bob), mbody="hello from xmpp", mtype="chat")
        event = await tail.until(lambda e: e.get("text") == "hello from xmpp")
        self.assertEqual(event.get("from"), alice)
        history = await asyncio.to_thread(self.server.native, bob, "history", alice)
        texts = [m.get("text") for m in history]
        self.assertIn("hello from xmpp", texts)

    async def test_a_native_message_reaches_the_xmpp_client_live(self):
        alice, bob = self.user("alice"), self.user("bob")
        client = await self.login(alice)
        await asyncio.to_thread(self.server.native, bob, "send", alice, "hi from native")
        msg = await client.next_message()
        self.assertEqual(msg["body"], "hi from native")
        self.assertEqual(msg["from"].bare, jid(bob))
        self.assertEqual(msg["type"], "chat")
        sid = msg.xml.find("{urn:xmpp:sid:0}stanza-id")
        self.assertIsNotNone(sid, "stanza-id (XEP-0359) missing")
        self.assertRegex(sid.get("id"), r"^\d+:\d+$")

    async def test_messages_sent_while_offline_arrive_at_initial_presence_in_order(self):
        alice, bob = self.user("alice"), self.user("bob")
        # The device exists (and so its delivery cursor) before the messages are sent.
        first = await self.login(alice, resource="phone")
        await first.stop()
        for i in range(3):
            await asyncio.to_thread(self.server.native, bob, "send", alice, "offline %d" % i)
        client = await self.login(alice, resource="phone")
        got = [await client.next_message() for _ in range(3)]
        self.assertEqual([m["body"] for m in got], ["offline 0", "offline 1", "offline 2"])
        self.assertIsNotNone(got[0].xml.find("{urn:xmpp:delay}delay"), "delay stamp missing")
        # Delivered once: a new stream of the same resource gets nothing again, and a live
        # message after the catch-up is the next one it sees.
        await client.stop()
        again = await self.login(alice, resource="phone")
        await asyncio.to_thread(self.server.native, bob, "send", alice, "live")
        self.assertEqual((await again.next_message())["body"], "live")

    async def test_a_resent_origin_id_is_stored_once(self):
        alice, bob = self.user("alice"), self.user("bob")
        client = await self.login(alice)
        for _ in range(2):
            m = client.make_message(mto=jid(bob), mbody="only once", mtype="chat")
            m["id"] = "same-id-1"
            m.append(slixmpp.xmlstream.ET.fromstring(
                "<origin-id xmlns='urn:xmpp:sid:0' id='same-origin-1'/>"))
            m.send()
        # Sends of one stream are handled in order: once the next one is stored, so are both.
        tail = await self.tail(bob)
        client.send_message(mto=jid(bob), mbody="after the resend", mtype="chat")
        await tail.until(lambda e: e.get("text") == "after the resend")
        history = await asyncio.to_thread(self.server.native, bob, "history", alice)
        self.assertEqual([m.get("text") for m in history].count("only once"), 1)

    async def test_direct_tls_login_and_chat(self):
        alice, bob = self.user("alice"), self.user("bob")
        client = await self.login(alice, direct_tls=True)
        await asyncio.to_thread(self.server.native, bob, "send", alice, "over direct tls")
        self.assertEqual((await client.next_message())["body"], "over direct tls")

    async def test_two_xmpp_users_chat_both_ways(self):
        alice, bob = self.user("alice"), self.user("bob")
        a = await self.login(alice)
        b = await self.login(bob)
        a.send_message(mto=jid(bob), mbody="ping from a", mtype="chat")
        self.assertEqual((await b.next_message())["body"], "ping from a")
        b.send_message(mto=jid(alice), mbody="pong from b", mtype="chat")
        msg = await a.next_message()
        self.assertEqual(msg["body"], "pong from b")
        self.assertEqual(msg["from"].bare, jid(bob))

    async def test_a_client_with_stream_management_chats_and_stays_connected(self):
        alice, bob = self.user("alice"), self.user("bob")
        client = Client(jid(alice, "sm"), "password-" + alice, stream_management=True)
        self.assertTrue(await client.start(self.server.ports["xmpp"]))
        self.addAsyncCleanup(self._stop, client)
        await asyncio.wait_for(client.sm_enabled, EVENT_TIMEOUT_S)
        tail = await self.tail(bob)
        for i in range(3):
            await asyncio.to_thread(self.server.native, bob, "send", alice, "sm %d" % i)
            self.assertEqual((await client.next_message())["body"], "sm %d" % i)
            client.send_message(mto=jid(bob), mbody="re %d" % i, mtype="chat")
            await tail.until(lambda e, i=i: e.get("text") == "re %d" % i)
        self.assertEqual(client.stream_errors, [])
        self.assertFalse(client.ended.done())

    async def test_carbons_copy_what_the_user_sends_from_another_device(self):
        alice, bob = self.user("alice"), self.user("bob")
        client = await self.login(alice)
        copies = asyncio.Queue()
        client.add_event_handler("carbon_sent", lambda m: copies.put_nowait(m))
        await asyncio.to_thread(self.server.native, alice, "send", bob, "before carbons")
        await client.plugin["xep_0280"].enable()
        await asyncio.to_thread(self.server.native, alice, "send", bob, "from alice's phone")
        carbon = await asyncio.wait_for(copies.get(), EVENT_TIMEOUT_S)
        sent = carbon["carbon_sent"]
        self.assertEqual(sent["body"], "from alice's phone")  # not the one before enabling
        self.assertEqual(sent["to"].bare, jid(bob))
        self.assertEqual(sent["from"].bare, jid(alice))

    async def test_composing_is_typing_both_ways(self):
        alice, bob = self.user("alice"), self.user("bob")
        client = await self.login(alice)
        tail = await self.tail(bob)
        client.send_message(mto=jid(bob), mbody="let me type", mtype="chat")
        first = await tail.until(lambda e: e.get("text") == "let me type")
        typing_states = asyncio.Queue()
        client.add_event_handler("chatstate_composing", lambda m: typing_states.put_nowait(m))
        # XMPP composing -> native typing event.
        m = client.make_message(mto=jid(bob), mtype="chat")
        m["chat_state"] = "composing"
        m.send()
        typing = await tail.until(lambda e: e.get("event") == "typing")
        self.assertEqual((typing["user"], typing["conversation"]), (alice, first["conversation"]))
        # Native typing -> XMPP composing.
        await asyncio.to_thread(self.server.native, bob, "typing", str(first["conversation"]))
        composing = await asyncio.wait_for(typing_states.get(), EVENT_TIMEOUT_S)
        self.assertEqual(composing["from"].bare, jid(bob))

    async def test_the_archive_pages_through_the_conversation(self):
        alice, bob = self.user("alice"), self.user("bob")
        for i in range(3):
            await asyncio.to_thread(self.server.native, bob, "send", alice, "archived %d" % i)
        await asyncio.to_thread(self.server.native, alice, "send", bob, "my answer")
        client = await self.login(alice)
        async def page(**rsm):
            fin = await client.plugin["xep_0313"].retrieve(
                with_jid=slixmpp.JID(jid(bob)), rsm=rsm, timeout=EVENT_TIMEOUT_S)
            got = [r["mam_result"]["forwarded"]["stanza"] for r in fin["mam"]["results"]]
            return fin["mam_fin"], got

        fin, first = await page(max=2)
        self.assertEqual([m["body"] for m in first], ["archived 0", "archived 1"])
        self.assertEqual(first[0]["from"].bare, jid(bob))
        self.assertEqual(fin.xml.get("complete"), "false")
        fin, rest = await page(max=2, after=fin["rsm"]["last"])
        self.assertEqual([m["body"] for m in rest], ["archived 2", "my answer"])
        self.assertEqual(rest[1]["from"].bare, jid(alice))
        self.assertEqual(rest[1]["to"].bare, jid(bob))
        self.assertEqual(fin.xml.get("complete"), "true")

    async def test_edits_reactions_and_deletions_reach_xmpp_clients(self):
        alice, bob = self.user("alice"), self.user("bob")
        client = await self.login(alice)
        await asyncio.to_thread(self.server.native, bob, "send", alice, "original")
        original = await client.next_stanza()
        conv, seq = original.xml.find("{urn:xmpp:sid:0}stanza-id").get("id").split(":")

        def child(message, name):
            found = [e for e in message.xml.iter() if e.tag.endswith("}" + name)]
            self.assertTrue(found, "no <%s/> in %s" % (name, message))
            return found[0]

        await asyncio.to_thread(self.server.native, bob, "edit", conv, seq, "corrected")
        edit = await client.next_stanza()  # XEP-0308
        self.assertEqual(child(edit, "replace").get("id"), original["id"])
        self.assertEqual(edit["body"], "corrected")
        await asyncio.to_thread(self.server.native, bob, "react", conv, seq, "🎉")
        reaction = await client.next_stanza()  # XEP-0444: the sender's whole set
        reactions = child(reaction, "reactions")
        self.assertEqual(reactions.get("id"), original["id"])
        self.assertEqual([r.text for r in reactions], ["🎉"])
        await asyncio.to_thread(self.server.native, bob, "delete", conv, seq, "--everyone")
        retraction = await client.next_stanza()  # XEP-0424
        self.assertEqual(child(retraction, "retract").get("id"), original["id"])

    async def test_the_roster_lists_accepted_contacts(self):
        alice, bob = self.user("alice"), self.user("bob")
        await asyncio.to_thread(self.server.native, alice, "contact", "add", bob)
        await asyncio.to_thread(self.server.native, bob, "contact", "accept", alice)
        client = await self.login(alice)
        items = client.roster_reply["roster"]["items"]
        self.assertIn(jid(bob), items)
        self.assertEqual(items[jid(bob)]["subscription"], "both")

    async def test_online_contacts_appear_as_presence_and_going_offline_too(self):
        alice, bob = self.user("alice"), self.user("bob")
        await asyncio.to_thread(self.server.native, alice, "contact", "add", bob)
        await asyncio.to_thread(self.server.native, bob, "contact", "accept", alice)
        bob_online = await self.tail(bob)  # bob's native device stays connected
        client = await self.login(alice)
        available = await client.presence_where(lambda p: p["from"].bare == jid(bob))
        self.assertEqual(available["type"], "available")
        await bob_online.stop()
        gone = await client.presence_where(lambda p: p["from"].bare == jid(bob))
        self.assertEqual(gone["type"], "unavailable")

    async def test_a_subscription_request_is_a_contact_request(self):
        alice, bob = self.user("alice"), self.user("bob")
        client = await self.login(alice)
        client.send_presence(pto=jid(bob), ptype="subscribe")
        # The roster push for the pending request comes once the request is stored.
        push = await client.next_roster_push()
        items = {str(k): v for k, v in push["roster"]["items"].items()}
        self.assertIn(jid(bob), items, str(push))
        self.assertEqual((items[jid(bob)]["subscription"], items[jid(bob)]["ask"]),
                         ("none", "subscribe"))
        contacts = await asyncio.to_thread(self.server.native, bob, "contacts")
        self.assertIn({"user": alice, "state": "REQUEST_RECEIVED"},
                      [{"user": c["user"], "state": c["state"]} for c in contacts])
        await asyncio.to_thread(self.server.native, bob, "contact", "accept", alice)
        subscribed = await client.presence_where(lambda p: p["type"] == "subscribed")
        self.assertEqual(subscribed["from"].bare, jid(bob))

    async def test_a_native_contact_request_arrives_as_subscribe(self):
        alice, bob = self.user("alice"), self.user("bob")
        client = await self.login(alice)
        client.auto_authorize = None  # this test answers the request itself
        await asyncio.to_thread(self.server.native, bob, "contact", "add", alice)
        request = await client.presence_where(lambda p: p["type"] == "subscribe")
        self.assertEqual(request["from"].bare, jid(bob))
        client.send_presence(pto=jid(bob), ptype="subscribed")
        # The contact change comes back to alice's own stream once it is stored.
        await client.presence_where(lambda p: p["type"] == "subscribed")
        contacts = await asyncio.to_thread(self.server.native, bob, "contacts")
        self.assertEqual([c["state"] for c in contacts if c["user"] == alice], ["ACCEPTED"])

    async def test_a_username_with_capitals_has_a_lowercase_jid(self):
        alice = self.user("Alice")
        bob = self.user("bob")
        # JIDs compare lowercased (RFC 7622); the password is the account's.
        client = await self.login(alice.lower(), password="password-" + alice)
        self.assertEqual(str(client.boundjid.bare), jid(alice.lower()))
        # An IQ to one's own bare JID, as the client writes it (lowercased), is for the account.
        info = await client.plugin["xep_0030"].get_info(jid=jid(alice.lower()), local=False,
                                                        timeout=EVENT_TIMEOUT_S)
        self.assertEqual(info["type"], "result")
        await asyncio.to_thread(self.server.native, bob, "send", alice, "to Alice")
        msg = await client.next_message()
        self.assertEqual(msg["to"].bare, jid(alice.lower()))
        client.send_message(mto=jid(bob), mbody="from Alice", mtype="chat")
        tail = await self.tail(bob)
        await tail.until(lambda e: e.get("text") == "from Alice")

    async def test_a_wrong_password_is_refused(self):
        alice = self.user("alice")
        client = Client(jid(alice, "x"), "not-the-password")
        ok = await client.start(self.server.ports["xmpp"])
        self.assertFalse(ok)
        client.disconnect()

    async def test_a_message_to_a_user_that_does_not_exist_gets_an_error(self):
        alice = self.user("alice")
        client = await self.login(alice)
        client.send_message(mto=jid("nobody" + uuid.uuid4().hex[:6]), mbody="x", mtype="chat")
        msg = await client.next_message()
        self.assertEqual(msg["type"], "error")
        self.assertEqual(msg["error"]["condition"], "service-unavailable")

    async def test_binding_the_same_resource_again_ends_the_older_stream(self):
        alice = self.user("alice")
        old = await self.login(alice, resource="same")
        await self.login(alice, resource="same")
        await asyncio.wait_for(old.ended, EVENT_TIMEOUT_S)
        self.assertTrue(any(e["condition"] == "conflict" for e in old.stream_errors),
                        [str(e) for e in old.stream_errors])


class RawStreams(unittest.TestCase):
    """Byte-level refusals no library would send."""

    @classmethod
    def setUpClass(cls):
        cls.server = Server(PARLEYD, PARLEY_CLI)

    @classmethod
    def tearDownClass(cls):
        assert cls.server.stop() == 0

    def exchange(self, data, port_key="xmpp", tls=False):
        raw = socket.create_connection(("127.0.0.1", self.server.ports[port_key]),
                                       timeout=EVENT_TIMEOUT_S)
        sock = raw
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            sock = context.wrap_socket(raw)
        sock.sendall(data)
        received = b""
        while True:  # until the server closes: every case here ends the stream
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        sock.close()
        return received.decode()

    def open_tls(self):
        raw = socket.create_connection(("127.0.0.1", self.server.ports["xmpp_tls"]),
                                       timeout=EVENT_TIMEOUT_S)
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context.wrap_socket(raw)

    @staticmethod
    def read_until(sock, marker, received=b""):
        """Reads until `marker` has arrived (the event awaited); returns everything so far."""
        while marker not in received:
            chunk = sock.recv(65536)
            if not chunk:
                raise AssertionError("closed before %r: %r" % (marker, received))
            received += chunk
        return received

    def login_pipelined(self, user, resource, then):
        """Header, PLAIN, header, bind and `then`, in one write (the server holds each step's
        bytes until the step before is answered)."""
        auth = base64.b64encode(b"\0" + user.encode() + b"\0password-" + user.encode())
        return (self.HEADER + b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>"
                + auth + b"</auth>" + self.HEADER +
                b"<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><resource>"
                + resource.encode() + b"</resource></bind></iq>" + then)

    def test_stream_management_acks_a_message_only_once_it_is_stored(self):
        alice, bob = self.user(), self.user()
        sock = self.open_tls()
        sock.sendall(self.login_pipelined(
            alice, "sm", b"<enable xmlns='urn:xmpp:sm:3'/>"
            b"<message to='" + bob.encode() + b"@localhost' type='chat' id='s1'>"
            b"<body>acked when stored</body></message><r xmlns='urn:xmpp:sm:3'/>"))
        out = self.read_until(sock, b"<a xmlns='urn:xmpp:sm:3' h='1'/>")
        self.assertIn(b"<sm xmlns='urn:xmpp:sm:3'/>", out)  # offered after SASL
        self.assertIn(b"<enabled xmlns='urn:xmpp:sm:3'/>", out)
        sock.close()
        # h='1' said "handled": the message is in the conversation now, not later.
        history = self.server.native(bob, "history", alice)
        self.assertIn("acked when stored", [m.get("text") for m in history])

    def test_a_message_the_client_never_acknowledged_comes_again(self):
        alice, bob = self.user(), self.user()
        sock = self.open_tls()
        sock.sendall(self.login_pipelined(
            alice, "flaky", b"<enable xmlns='urn:xmpp:sm:3'/><presence/>"
            b"<iq type='get' id='ready'><ping xmlns='urn:xmpp:ping'/></iq>"))
        self.read_until(sock, b"id='ready'")
        self.server.native(bob, "send", alice, "did you get this?")
        out = self.read_until(sock, b"did you get this?")
        self.assertIn(b"<r xmlns='urn:xmpp:sm:3'/>", self.read_until(sock, b"<r ", out))
        sock.close()  # gone without <a/>: the message may never have been read
        again = self.open_tls()
        again.sendall(self.login_pipelined(alice, "flaky", b"<presence/>"))
        self.assertIn(b"did you get this?", self.read_until(again, b"did you get this?"))
        again.close()

    def user(self):
        name = "raw" + uuid.uuid4().hex[:8]
        self.server.register(name, "password-" + name)
        return name

    HEADER = (b"<?xml version='1.0'?><stream:stream to='localhost' version='1.0' "
              b"xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>")

    def test_sasl_on_a_plain_stream_is_refused_when_tls_is_required(self):
        out = self.exchange(self.HEADER + b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' "
                            b"mechanism='PLAIN'>AGEAYg==</auth>")
        self.assertIn("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>", out)
        self.assertIn("<policy-violation", out)
        self.assertTrue(out.endswith("</stream:stream>"), out)

    def test_a_stanza_before_authentication_ends_the_stream(self):
        out = self.exchange(self.HEADER + b"<message to='x@localhost'><body>hi</body></message>",
                            port_key="xmpp_tls", tls=True)
        self.assertIn("<mechanism>PLAIN</mechanism>", out)
        self.assertIn("<not-authorized", out)

    def test_a_doctype_is_restricted_xml(self):
        out = self.exchange(b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]>" + self.HEADER)
        self.assertIn("<restricted-xml", out)

    def test_answers_owed_go_out_before_the_servers_closing_tag(self):
        # RFC 6120 §4.4: a client that closes its stream right after its requests still gets
        # their answers, then the server's closing tag. Pipelined: the server holds what follows
        # <auth/> until the password is checked, then reads on.
        user = self.user()
        auth = base64.b64encode(b"\0" + user.encode() + b"\0password-" + user.encode())
        out = self.exchange(
            self.HEADER + b"<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" +
            auth + b"</auth>" + self.HEADER +
            b"<iq type='set' id='b'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>"
            b"<iq type='get' id='roster1'><query xmlns='jabber:iq:roster'/></iq>"
            b"<message to='nobody-" + uuid.uuid4().hex[:6].encode() +
            b"@localhost' id='m1' type='chat'><body>x</body></message></stream:stream>",
            port_key="xmpp_tls", tls=True)
        self.assertIn("<success", out)
        self.assertIn("id='roster1'", out)
        self.assertIn("<service-unavailable", out)
        self.assertTrue(out.endswith("</stream:stream>"), out)

    def test_an_empty_before_pages_the_archive_from_its_end(self):
        # XEP-0313 with RSM <before/> (slixmpp's retrieve cannot write an empty one).
        alice, bob = self.user(), self.user()
        self.server.native(bob, "send", alice, "older")
        self.server.native(bob, "send", alice, "newest")
        sock = self.open_tls()
        sock.sendall(self.login_pipelined(
            alice, "mam", b"<iq type='set' id='lastpage'><query xmlns='urn:xmpp:mam:2' "
            b"queryid='q1'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' "
            b"type='hidden'><value>urn:xmpp:mam:2</value></field><field var='with'><value>" +
            bob.encode() + b"@localhost</value></field></x><set "
            b"xmlns='http://jabber.org/protocol/rsm'><max>1</max><before/></set></query></iq>"))
        out = self.read_until(sock, b"</fin></iq>").decode()
        sock.close()
        self.assertIn("<result xmlns='urn:xmpp:mam:2' queryid='q1'", out)
        self.assertIn("<body>newest</body>", out)
        self.assertNotIn("<body>older</body>", out)
        self.assertIn("<fin xmlns='urn:xmpp:mam:2' complete='false'>", out)

    def test_in_band_registration_makes_an_account_for_every_protocol(self):
        name = "ibr" + uuid.uuid4().hex[:8]
        taken = self.user()
        sock = self.open_tls()
        sock.sendall(
            self.HEADER + b"<iq type='get' id='r1'><query xmlns='jabber:iq:register'/></iq>"
            b"<iq type='set' id='r2'><query xmlns='jabber:iq:register'><username>" +
            name.encode() + b"</username><password>password-" + name.encode() +
            b"</password></query></iq><iq type='set' id='r3'><query xmlns='jabber:iq:register'>"
            b"<username>" + taken.encode() + b"</username><password>whatever-pw</password>"
            b"</query></iq><iq type='set' id='r4'><query xmlns='jabber:iq:register'><username>"
            b"x" + name.encode() + b"</username><password>short</password></query></iq>")
        out = self.read_until(sock, b"id='r4'").decode()
        out = self.read_until(sock, b"</iq>", out.encode()).decode()
        sock.close()
        self.assertIn("<register xmlns='http://jabber.org/features/iq-register'/>", out)
        self.assertIn("<username/><password/>", out)
        self.assertIn("<iq type='result' id='r2'/>", out)
        self.assertRegex(out, r"id='r3' type='error'><error type='cancel'><conflict")
        self.assertRegex(out, r"id='r4' type='error'><error type='modify'><not-acceptable")
        # The account is a Parley account: the native CLI logs in with it.
        self.server.native(name, "login", name, "password-" + name)

    def test_each_tls_listener_selects_its_protocols_alpn_name(self):
        def negotiated(port_key, offer):
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            context.set_alpn_protocols(offer)
            raw = socket.create_connection(("127.0.0.1", self.server.ports[port_key]),
                                           timeout=EVENT_TIMEOUT_S)
            with context.wrap_socket(raw) as sock:
                return sock.selected_alpn_protocol()
        self.assertEqual(negotiated("xmpp_tls", ["h2", "xmpp-client"]), "xmpp-client")  # XEP-0368
        self.assertEqual(negotiated("native_tls", ["parley/1"]), "parley/1")
        self.assertEqual(negotiated("https", ["h2", "http/1.1"]), "http/1.1")
        self.assertIsNone(negotiated("xmpp_tls", ["http/1.1"]))  # nothing shared: no ALPN

    def test_another_domain_is_host_unknown(self):
        out = self.exchange(self.HEADER.replace(b"to='localhost'", b"to='example.org'"))
        self.assertIn("<host-unknown", out)


if __name__ == "__main__":
    PARLEYD, PARLEY_CLI = sys.argv[1], sys.argv[2]
    unittest.main(argv=[sys.argv[0], "-v"] + sys.argv[3:])
