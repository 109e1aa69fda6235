// Tests of the TCP-framed XMPP stream parser: events, chunking, stopping at events, restarts.
// Refusals and limits are in stream_refusal_test.cc, WebSocket framing in websocket_framing_test.
#include "gateway/xmpp/stream_parser.h"

#include <gtest/gtest.h>

#include "gateway/xmpp/stream_test_support.h"
#include "gateway/xmpp/xml_writer.h"

namespace parley::xmpp {
namespace {

using test::describe;
using test::drive;

// What slixmpp 1.8.3 (Debian's python3-slixmpp) sent to a loopback listener that offered
// SCRAM-SHA-1 without TLS, byte for byte: its stream header, then its SASL <auth/> whose
// payload is base64("n,,n=juliet,r=2745991881683849").
constexpr std::string_view kSlixmppOpening =
    "<stream:stream to='localhost' xmlns:stream='http://etherx.jabber.org/streams' "
    "xmlns='jabber:client' xml:lang='en' version='1.0'>"
    "<auth xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\" mechanism=\"SCRAM-SHA-1\">"
    "biwsbj1qdWxpZXQscj0yNzQ1OTkxODgxNjgzODQ5</auth>";

constexpr std::string_view kHeader =
    "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
    "xmlns:stream='http://etherx.jabber.org/streams' to='example.com' version='1.0' "
    "xml:lang='en' id='c2s-1' from='juliet@example.com'>";

TEST(StreamParser, SlixmppOpeningGivesHeaderThenAuth) {
  StreamParser parser;
  auto out = drive(parser, kSlixmppOpening, kSlixmppOpening.size());
  ASSERT_FALSE(out.fault) << out.fault->text;
  ASSERT_EQ(out.events.size(), 2u);
  const auto& header = std::get<StreamHeader>(out.events[0]);
  EXPECT_EQ(header.to, "localhost");
  EXPECT_EQ(header.version, "1.0");
  EXPECT_EQ(header.lang, "en");
  EXPECT_EQ(header.content_ns, "jabber:client");
  EXPECT_FALSE(header.websocket);
  const auto& auth = std::get<Element>(out.events[1]);
  EXPECT_TRUE(auth.is("auth", kNsSasl));
  EXPECT_EQ(auth.attr_or("mechanism", ""), "SCRAM-SHA-1");
  EXPECT_EQ(auth.text, "biwsbj1qdWxpZXQscj0yNzQ1OTkxODgxNjgzODQ5");
}

TEST(StreamParser, EveryChunkingGivesTheSameEvents) {
  const std::string input = std::string(kHeader) +
                            "<message to='romeo@example.net' type='chat' id='m1'>"
                            "<body>Art thou &lt;not&gt; Romeo? &#x1F339; caf\xC3\xA9</body>"
                            "<active xmlns='http://jabber.org/protocol/chatstates'/></message>"
                            " \n\t <iq type='get' id='r1'><query xmlns='jabber:iq:roster'/></iq>"
                            "<presence/></stream:stream>";
  StreamParser whole_parser;
  const auto whole = drive(whole_parser, input, input.size());
  ASSERT_FALSE(whole.fault) << whole.fault->text;
  ASSERT_EQ(whole.events.size(), 5u);
  EXPECT_EQ(describe(whole.events.back()), "end");
  for (std::size_t chunk : {1, 2, 3, 5, 7, 64}) {
    StreamParser parser;
    const auto out = drive(parser, input, chunk);
    ASSERT_FALSE(out.fault) << "chunk " << chunk << ": " << out.fault->text;
    ASSERT_EQ(out.events.size(), whole.events.size()) << "chunk " << chunk;
    for (std::size_t i = 0; i < out.events.size(); ++i) {
      EXPECT_EQ(describe(out.events[i]), describe(whole.events[i])) << "chunk " << chunk;
    }
  }
}

TEST(StreamParser, BuildsTheTreeWithNamespacesTextAndTails) {
  StreamParser parser;
  const std::string input = std::string(kHeader) +
                            "<message xmlns:x='urn:x' x:flag='1' id='a&amp;b'>"
                            "<body>one<b>two</b>three</body><x:data/></message>";
  const auto out = drive(parser, input, input.size());
  ASSERT_FALSE(out.fault) << out.fault->text;
  ASSERT_EQ(out.events.size(), 2u);
  const auto& m = std::get<Element>(out.events[1]);
  EXPECT_TRUE(m.is("message", kNsClient));
  EXPECT_EQ(m.prefix, "");
  EXPECT_EQ(*m.attr("id"), "a&b");
  ASSERT_NE(m.attr("flag", "urn:x"), nullptr);
  EXPECT_EQ(m.attr("flag"), nullptr) << "a namespaced attribute is not the unprefixed one";
  const Element* body = m.child("body", kNsClient);
  ASSERT_NE(body, nullptr);
  EXPECT_EQ(body->text, "one");
  ASSERT_EQ(body->children.size(), 1u);
  EXPECT_EQ(body->children[0].text, "two");
  EXPECT_EQ(body->children[0].tail, "three");
  EXPECT_EQ(body->all_text(), "onetwothree");
  const Element* data = m.child("data", "urn:x");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->prefix, "x");
}

TEST(StreamParser, KeepsTheStreamPrefixOfStreamLevelElements) {
  StreamParser parser;
  const std::string input = std::string(kHeader) +
                            "<stream:error><not-well-formed "
                            "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>";
  const auto out = drive(parser, input, input.size());
  ASSERT_EQ(out.events.size(), 2u);
  const auto& e = std::get<Element>(out.events[1]);
  EXPECT_TRUE(e.is("error", kNsStream));
  EXPECT_EQ(e.prefix, "stream");
  EXPECT_EQ(to_xml(e),
            "<stream:error><not-well-formed "
            "xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
}

TEST(StreamParser, StopsRightAfterStarttlsAndLeavesTheTlsBytes) {
  StreamParser parser;
  const std::string starttls = "<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>";
  // A client that does not wait for <proceed/>: its ClientHello follows in the same read.
  const std::string tls_bytes = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
  std::string buffer = std::string(kHeader) + starttls + tls_bytes;
  ParseStep step = parser.feed(buffer);
  ASSERT_EQ(step.status, ParseStatus::event);
  ASSERT_EQ(step.consumed, kHeader.size());
  buffer.erase(0, step.consumed);
  step = parser.feed(buffer);
  ASSERT_EQ(step.status, ParseStatus::event);
  EXPECT_EQ(step.consumed, starttls.size());
  EXPECT_TRUE(std::get<Element>(step.event).is("starttls", "urn:ietf:params:xml:ns:xmpp-tls"));
  buffer.erase(0, step.consumed);
  EXPECT_EQ(buffer, tls_bytes) << "the transport hands these to TLS, not to XML";
}

TEST(StreamParser, RestartAfterSaslSuccessParsesTheNewHeaderInTheSameBuffer) {
  StreamParser parser;
  const std::string auth =
      "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>AGp1bGlldABy</auth>";
  const std::string second_header =
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "to='example.com' version='1.0'>";
  const std::string bind =
      "<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/>"
      "</iq>";
  // A pipelining client: auth, the restarted stream's header and a bind in one read.
  std::string buffer = std::string(kHeader) + auth + second_header + bind;
  std::vector<std::string> seen;
  while (true) {
    ParseStep step = parser.feed(buffer);
    ASSERT_NE(step.status, ParseStatus::error) << step.fault.text;
    buffer.erase(0, step.consumed);
    if (step.status == ParseStatus::need_more) break;
    seen.push_back(describe(step.event));
    if (auto* e = std::get_if<Element>(&step.event); e && e->name == "auth") parser.restart();
  }
  ASSERT_EQ(seen.size(), 4u);
  EXPECT_EQ(seen[0].substr(0, 6), "header");
  EXPECT_EQ(seen[2], "header to=example.com from= id= version=1.0 lang= ns=jabber:client ws=0");
  EXPECT_EQ(seen[3], "element " + bind);
}

TEST(StreamParser, WithoutRestartASecondHeaderIsJustAnUnfinishedElement) {
  StreamParser parser;
  const std::string input = std::string(kHeader) + std::string(kHeader.substr(21));
  const auto out = drive(parser, input, 1);
  EXPECT_EQ(out.events.size(), 1u);
  EXPECT_FALSE(out.fault);
}

TEST(StreamParser, ReleasedMemoryIsRebuiltWithTheHeadersNamespaces) {
  StreamParser parser;
  EXPECT_FALSE(parser.release_memory()) << "nothing to rebuild from before the header";
  const std::string header =
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "xmlns:x='urn:x' version='1.0'>";
  ASSERT_EQ(parser.feed(header).status, ParseStatus::event);
  ASSERT_EQ(parser.feed("<presence/>").status, ParseStatus::event);
  EXPECT_TRUE(parser.release_memory());
  EXPECT_EQ(parser.feed("<mess").status, ParseStatus::need_more);
  EXPECT_FALSE(parser.release_memory()) << "part of a stanza is buffered";
  ParseStep step = parser.feed("age><x:foo/></message>");
  ASSERT_EQ(step.status, ParseStatus::event) << step.fault.text;
  const auto& m = std::get<Element>(step.event);
  EXPECT_TRUE(m.is("message", kNsClient));
  EXPECT_TRUE(m.children.at(0).is("foo", "urn:x")) << "the root's prefix is still bound";
  EXPECT_TRUE(parser.release_memory());
  step = parser.feed("</stream:stream>");
  ASSERT_EQ(step.status, ParseStatus::event);
  EXPECT_TRUE(std::holds_alternative<StreamEnd>(step.event));
}

TEST(StreamParser, EmptyStreamElementGivesHeaderThenEnd) {
  StreamParser parser;
  const std::string input =
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'/>";
  const auto out = drive(parser, input, input.size());
  ASSERT_FALSE(out.fault);
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(describe(out.events[1]), "end");
  EXPECT_TRUE(parser.ended());
}

TEST(StreamParser, EntitiesCharacterReferencesAndCdataAreDecoded) {
  StreamParser parser;
  const std::string input = std::string(kHeader) +
                            "<message><body>&amp;&lt;&gt;&quot;&apos;&#65;&#x42;"
                            "<![CDATA[<not a tag>]]></body></message>";
  const auto out = drive(parser, input, 3);
  ASSERT_FALSE(out.fault) << out.fault->text;
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(std::get<Element>(out.events[1]).child("body", kNsClient)->text, "&<>\"'AB<not a tag>");
}

TEST(StreamParser, WhitespaceKeepalivesDoNotCountAgainstTheStanzaLimit) {
  StreamParser::Options options;
  options.limits.max_stanza_bytes = 200;
  StreamParser parser(options);
  std::string input = std::string(kHeader);
  for (int i = 0; i < 50; ++i) input += "    \n";  // 250 bytes of keepalives
  input += "<presence/>";
  const auto out = drive(parser, input, 7);
  ASSERT_FALSE(out.fault) << out.fault->text;
  EXPECT_EQ(out.events.size(), 2u);
}

TEST(StreamParser, DataAfterTheStreamEndIsRefused) {
  StreamParser parser;
  const std::string input = std::string(kHeader) + "</stream:stream><presence/>";
  const auto out = drive(parser, input, input.size());
  ASSERT_EQ(out.events.size(), 2u);
  ASSERT_TRUE(out.fault);
  EXPECT_EQ(out.fault->condition, StreamCondition::not_well_formed);
}

TEST(StreamParser, AnErrorIsStickyUntilRestart) {
  StreamParser parser;
  auto out = drive(parser, std::string(kHeader) + "<a></b>", 100);
  ASSERT_TRUE(out.fault);
  EXPECT_EQ(parser.feed("<presence/>").status, ParseStatus::error);
  parser.restart();
  out = drive(parser, std::string(kHeader) + "<presence/>", 100);
  EXPECT_FALSE(out.fault);
  EXPECT_EQ(out.events.size(), 2u);
}

}  // namespace
}  // namespace parley::xmpp
