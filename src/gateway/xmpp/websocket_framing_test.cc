// Tests of the RFC 7395 framing mode: one whole element per WebSocket message.
#include <gtest/gtest.h>

#include "gateway/xmpp/stream_parser.h"
#include "gateway/xmpp/xml_writer.h"

namespace parley::xmpp {
namespace {

constexpr std::string_view kOpen =
    "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.com' version='1.0' "
    "xml:lang='en'/>";
constexpr std::string_view kClose = "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>";

StreamParser ws_parser() {
  StreamParser::Options options;
  options.framing = StreamFraming::websocket;
  return StreamParser(options);
}

std::string refusal_after_open(StreamParser& parser, std::string_view message) {
  if (!parser.header_seen()) {
    EXPECT_EQ(parser.feed_message(kOpen).status, ParseStatus::event);
  }
  const ParseStep step = parser.feed_message(message);
  return step.status == ParseStatus::error ? std::string(condition_name(step.fault.condition))
                                           : "none";
}

TEST(WebSocketFraming, OpenStanzaClose) {
  StreamParser parser = ws_parser();
  ParseStep step = parser.feed_message(kOpen);
  ASSERT_EQ(step.status, ParseStatus::event) << step.fault.text;
  const auto& header = std::get<StreamHeader>(step.event);
  EXPECT_TRUE(header.websocket);
  EXPECT_EQ(header.to, "example.com");
  EXPECT_EQ(header.version, "1.0");
  EXPECT_EQ(header.lang, "en");

  step = parser.feed_message(
      "<message xmlns='jabber:client' to='romeo@example.net'><body>hi</body></message>");
  ASSERT_EQ(step.status, ParseStatus::event) << step.fault.text;
  const auto& m = std::get<Element>(step.event);
  EXPECT_TRUE(m.is("message", kNsClient));
  EXPECT_EQ(m.child("body", kNsClient)->text, "hi");
  EXPECT_EQ(to_xml(m, NamespaceScope::none()),
            "<message xmlns='jabber:client' to='romeo@example.net'><body>hi</body></message>");

  step = parser.feed_message(kClose);
  ASSERT_EQ(step.status, ParseStatus::event);
  EXPECT_TRUE(std::holds_alternative<StreamEnd>(step.event));
  EXPECT_TRUE(parser.ended());
  EXPECT_EQ(parser.feed_message("<presence xmlns='jabber:client'/>").status, ParseStatus::error);
}

TEST(WebSocketFraming, StreamLevelElementsKeepTheirNamespaces) {
  StreamParser parser = ws_parser();
  ASSERT_EQ(parser.feed_message(kOpen).status, ParseStatus::event);
  const ParseStep step = parser.feed_message(
      "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='SCRAM-SHA-1'>biws</auth>");
  ASSERT_EQ(step.status, ParseStatus::event);
  EXPECT_TRUE(std::get<Element>(step.event).is("auth", kNsSasl));
}

TEST(WebSocketFraming, RestartExpectsANewOpen) {
  StreamParser parser = ws_parser();
  ASSERT_EQ(parser.feed_message(kOpen).status, ParseStatus::event);
  EXPECT_EQ(refusal_after_open(parser, kOpen), "bad-format") << "<open/> needs a restart first";
  parser.restart();
  ASSERT_EQ(parser.feed_message(kOpen).status, ParseStatus::event);
  EXPECT_EQ(refusal_after_open(parser, "<iq xmlns='jabber:client' type='get' id='1'/>"), "none");
}

TEST(WebSocketFraming, AStanzaBeforeOpenIsBadFormat) {
  StreamParser parser = ws_parser();
  EXPECT_EQ(parser.feed_message("<presence xmlns='jabber:client'/>").fault.condition,
            StreamCondition::bad_format);
  StreamParser parser2 = ws_parser();
  EXPECT_EQ(parser2.feed_message(kClose).fault.condition, StreamCondition::bad_format);
}

TEST(WebSocketFraming, StreamStreamIsNotAWebSocketOpening) {
  StreamParser parser = ws_parser();
  const ParseStep step = parser.feed_message(
      "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
      "to='example.com' version='1.0'>");
  ASSERT_EQ(step.status, ParseStatus::error);
  EXPECT_EQ(step.fault.condition, StreamCondition::bad_format) << "not an <open/>";
}

TEST(WebSocketFraming, Refusals) {
  StreamParser a = ws_parser();
  EXPECT_EQ(refusal_after_open(a, "<presence/>"), "invalid-namespace");
  StreamParser b = ws_parser();
  EXPECT_EQ(refusal_after_open(b,
                               "<presence xmlns='jabber:client'/><presence "
                               "xmlns='jabber:client'/>"),
            "not-well-formed")
      << "one element per message";
  StreamParser c = ws_parser();
  EXPECT_EQ(refusal_after_open(c, "<message xmlns='jabber:client'><body>"), "not-well-formed");
  StreamParser d = ws_parser();
  EXPECT_EQ(refusal_after_open(d, "<!DOCTYPE x><x/>"), "restricted-xml");
  StreamParser e = ws_parser();
  EXPECT_EQ(refusal_after_open(e, "<presence xmlns='jabber:client'><!-- c --></presence>"),
            "restricted-xml");
  StreamParser f = ws_parser();
  EXPECT_EQ(refusal_after_open(f, "<presence xmlns='jabber:client'>\xC3</presence>"),
            "unsupported-encoding");
  StreamParser g = ws_parser();
  EXPECT_EQ(refusal_after_open(g, "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'><x/></open>"),
            "bad-format");
}

TEST(WebSocketFraming, OpenWithChildrenIsBadFormat) {
  StreamParser parser = ws_parser();
  EXPECT_EQ(parser.feed_message("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'><x/></open>")
                .fault.condition,
            StreamCondition::bad_format);
}

TEST(WebSocketFraming, WhitespaceMessagesAreIgnored) {
  StreamParser parser = ws_parser();
  ASSERT_EQ(parser.feed_message(kOpen).status, ParseStatus::event);
  EXPECT_EQ(parser.feed_message(" \r\n").status, ParseStatus::need_more);
  EXPECT_EQ(refusal_after_open(parser, "<presence xmlns='jabber:client'/>"), "none");
}

TEST(WebSocketFraming, Limits) {
  StreamParser::Options options;
  options.framing = StreamFraming::websocket;
  options.limits.max_stanza_bytes = 64;
  options.limits.max_depth = 2;
  StreamParser parser(options);
  ASSERT_EQ(parser.feed_message("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>").status,
            ParseStatus::event);
  EXPECT_EQ(refusal_after_open(parser, "<iq xmlns='jabber:client'><a/></iq>"), "none");
  EXPECT_EQ(refusal_after_open(parser, "<iq xmlns='jabber:client'><a><b/></a></iq>"),
            "policy-violation");
  StreamParser big(options);
  ASSERT_EQ(big.feed_message("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>").status,
            ParseStatus::event);
  EXPECT_EQ(refusal_after_open(big, "<iq xmlns='jabber:client'>" + std::string(64, 'x') + "</iq>"),
            "policy-violation");
}

}  // namespace
}  // namespace parley::xmpp
