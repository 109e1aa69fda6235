// The XML writer and builder, the error elements, and the server's stream header.
#include "gateway/xmpp/xml_writer.h"

#include <gtest/gtest.h>

#include "gateway/xmpp/errors.h"
#include "gateway/xmpp/stream_header.h"
#include "gateway/xmpp/stream_test_support.h"

namespace parley::xmpp {
namespace {

// Parses one stanza written into a c2s stream.
Element reparse(const std::string& stanza) {
  StreamParser parser;
  const auto out = test::drive(parser,
                               "<stream:stream xmlns='jabber:client' "
                               "xmlns:stream='http://etherx.jabber.org/streams'>" +
                                   stanza,
                               4096);
  EXPECT_FALSE(out.fault) << out.fault->text << " in " << stanza;
  EXPECT_EQ(out.events.size(), 2u) << stanza;
  return out.events.size() == 2 ? std::get<Element>(out.events[1]) : Element{};
}

TEST(XmlWriter, EscapesEveryPredefinedEntityInTextAndAttributes) {
  std::string out;
  append_escaped(out, "a&b<c>d'e\"f\r\tg\n", false);
  EXPECT_EQ(out, "a&amp;b&lt;c&gt;d&apos;e&quot;f&#13;\tg\n");
  out.clear();
  append_escaped(out, "a&b<c>d'e\"f\r\tg\n", true);
  EXPECT_EQ(out, "a&amp;b&lt;c&gt;d&apos;e&quot;f&#13;&#9;g&#10;");
}

TEST(XmlWriter, ReplacesWhatXmlCannotCarry) {
  std::string out;
  append_escaped(out,
                 std::string("ok\x01\0\xFF\xEF\xBF\xBE"
                             "caf\xC3\xA9 \xF0\x9F\x8C\xB9",
                             18),
                 false);
  EXPECT_EQ(out,
            "ok\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"
            "caf\xC3\xA9 \xF0\x9F\x8C\xB9");
}

TEST(XmlWriter, BuilderAndNamespaceDeclarations) {
  const Element m = element("message", kNsClient)
                        .attr("to", "romeo@example.net")
                        .attr("type", "chat")
                        .lang("en")
                        .child(element("body", kNsClient).text("hi <3"))
                        .child(element("active", "http://jabber.org/protocol/chatstates"))
                        .build();
  EXPECT_EQ(to_xml(m),
            "<message to='romeo@example.net' type='chat' xml:lang='en'>"
            "<body>hi &lt;3</body>"
            "<active xmlns='http://jabber.org/protocol/chatstates'/></message>");
  EXPECT_EQ(to_xml(m, NamespaceScope::none()),
            "<message xmlns='jabber:client' to='romeo@example.net' type='chat' xml:lang='en'>"
            "<body>hi &lt;3</body>"
            "<active xmlns='http://jabber.org/protocol/chatstates'/></message>");
  EXPECT_EQ(reparse(to_xml(m)), m);
}

TEST(XmlWriter, MixedContentAndPrefixesSurviveARoundTrip) {
  const std::string input =
      "<message xmlns:x='urn:x' x:flag='1'><html xmlns='http://jabber.org/protocol/xhtml-im'>"
      "<body xmlns='http://www.w3.org/1999/xhtml'>one <b>two</b> three&amp;</body></html>"
      "<x:data x:k='v'/><plain xmlns=''/></message>";
  const Element parsed = reparse(input);
  const std::string written = to_xml(parsed);
  EXPECT_EQ(written, input);
  EXPECT_EQ(reparse(written), parsed);
}

TEST(XmlWriter, NamespacedAttributeWithoutPrefixGetsOne) {
  Element e;
  e.name = "item";
  e.ns = "urn:a";
  e.attributes.push_back(Attribute{"k", "urn:b", "", "v"});
  EXPECT_EQ(to_xml(e), "<item xmlns='urn:a' xmlns:ns1='urn:b' ns1:k='v'/>");
  EXPECT_EQ(*reparse(to_xml(e)).attr("k", "urn:b"), "v");
}

TEST(StreamErrors, TcpAndWebSocketForms) {
  const Element e = stream_error(StreamCondition::policy_violation, "stanza too big");
  EXPECT_EQ(to_xml(e, NamespaceScope::client_stream()),
            "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
            "<text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>stanza too big</text>"
            "</stream:error>");
  EXPECT_EQ(to_xml(stream_error(StreamCondition::not_well_formed), NamespaceScope::none()),
            "<stream:error xmlns:stream='http://etherx.jabber.org/streams'>"
            "<not-well-formed xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>");
  EXPECT_EQ(read_stream_error(reparse(to_xml(e))), StreamCondition::policy_violation);
}

TEST(StanzaErrors, ErrorReplyWithDefaultType) {
  const Element request = element("iq", kNsClient)
                              .attr("from", "juliet@example.com/balcony")
                              .attr("to", "example.com")
                              .attr("id", "r1")
                              .attr("type", "get")
                              .child(element("query", "jabber:iq:nope"))
                              .build();
  const Element reply =
      error_reply(request, stanza_error(StanzaCondition::service_unavailable, "no such service"));
  EXPECT_EQ(to_xml(reply),
            "<iq id='r1' to='juliet@example.com/balcony' from='example.com' "
            "type='error'><error type='cancel'><service-unavailable "
            "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text "
            "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no such service</text>"
            "</error></iq>");
  const ReceivedStanzaError read =
      read_stanza_error(*reparse(to_xml(reply)).child("error", kNsClient));
  EXPECT_EQ(read.type, StanzaErrorType::cancel);
  EXPECT_EQ(read.condition, StanzaCondition::service_unavailable);
  EXPECT_EQ(read.text, "no such service");
  EXPECT_EQ(to_xml(stanza_error(StanzaCondition::bad_request, {}, StanzaErrorType::wait, "x.y")),
            "<error type='wait' by='x.y'><bad-request "
            "xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>");
}

TEST(StanzaErrors, DefaultTypesFollowRfc6120) {
  EXPECT_EQ(default_error_type(StanzaCondition::bad_request), StanzaErrorType::modify);
  EXPECT_EQ(default_error_type(StanzaCondition::forbidden), StanzaErrorType::auth);
  EXPECT_EQ(default_error_type(StanzaCondition::gone), StanzaErrorType::cancel);
  EXPECT_EQ(default_error_type(StanzaCondition::internal_server_error), StanzaErrorType::cancel);
  EXPECT_EQ(default_error_type(StanzaCondition::recipient_unavailable), StanzaErrorType::wait);
  EXPECT_EQ(default_error_type(StanzaCondition::resource_constraint), StanzaErrorType::wait);
  EXPECT_EQ(default_error_type(StanzaCondition::jid_malformed), StanzaErrorType::modify);
}

TEST(ErrorNames, EveryConditionRoundTrips) {
  for (int i = 0; i <= static_cast<int>(StreamCondition::unsupported_version); ++i) {
    const auto c = static_cast<StreamCondition>(i);
    EXPECT_EQ(parse_stream_condition(condition_name(c)), c);
  }
  for (int i = 0; i <= static_cast<int>(StanzaCondition::unexpected_request); ++i) {
    const auto c = static_cast<StanzaCondition>(i);
    EXPECT_EQ(parse_stanza_condition(condition_name(c)), c);
  }
  for (int i = 0; i <= static_cast<int>(SaslCondition::temporary_auth_failure); ++i) {
    const auto c = static_cast<SaslCondition>(i);
    EXPECT_EQ(parse_sasl_condition(condition_name(c)), c);
  }
  EXPECT_EQ(condition_name(StreamCondition::restricted_xml), "restricted-xml");
  EXPECT_EQ(condition_name(StanzaCondition::feature_not_implemented), "feature-not-implemented");
  EXPECT_EQ(error_type_name(StanzaErrorType::continue_), "continue");
  EXPECT_FALSE(parse_stanza_condition("made-up"));
  EXPECT_EQ(to_xml(sasl_failure(SaslCondition::not_authorized)),
            "<failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><not-authorized/></failure>");
}

TEST(StreamHeaderCheck, VersionAndDomain) {
  StreamHeader h;
  h.to = "Example.COM";
  h.version = "1.0";
  EXPECT_FALSE(check_client_header(h, "example.com"));
  h.version = "1.1";
  EXPECT_FALSE(check_client_header(h, "example.com"));
  for (const char* v : {"", "0.9", "2.0", "1", "1.", "01.0", "1.x"}) {
    h.version = v;
    EXPECT_EQ(check_client_header(h, "example.com")->condition,
              StreamCondition::unsupported_version)
        << v;
  }
  h.version = "1.0";
  h.to = "other.org";
  EXPECT_EQ(check_client_header(h, "example.com")->condition, StreamCondition::host_unknown);
  h.to = "";
  EXPECT_FALSE(check_client_header(h, "example.com"));
}

TEST(StreamHeaderWrite, OpeningsParseBack) {
  StreamOpening opening{"example.com", "", "abc'1", "en", false};
  const std::string tcp = stream_opening_xml(opening);
  EXPECT_EQ(tcp,
            "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
            "xmlns:stream='http://etherx.jabber.org/streams' id='abc&apos;1' "
            "from='example.com' version='1.0' xml:lang='en'>");
  StreamParser::Options options;
  options.content_ns = "jabber:client";
  StreamParser parser(options);
  const auto out = test::drive(parser, tcp + stream_closing_xml(false), 100);
  ASSERT_FALSE(out.fault);
  ASSERT_EQ(out.events.size(), 2u);
  EXPECT_EQ(std::get<StreamHeader>(out.events[0]).id, "abc'1");
  opening.websocket = true;
  EXPECT_EQ(stream_opening_xml(opening),
            "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' id='abc&apos;1' from='example.com' "
            "version='1.0' xml:lang='en'/>");
  EXPECT_EQ(stream_closing_xml(true), "<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>");
}

}  // namespace
}  // namespace parley::xmpp
