// Every refusal of the stream parser with the stream error it maps to, and every limit.
#include <gtest/gtest.h>

#include <string>

#include "gateway/xmpp/stream_parser.h"
#include "gateway/xmpp/stream_test_support.h"

namespace parley::xmpp {
namespace {

using test::drive;

constexpr std::string_view kHeader =
    "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' "
    "to='example.com' version='1.0'>";

// The condition the parser ends the stream with, fed one byte at a time and in one chunk (both
// must agree); "none" when the input is accepted.
std::string refusal(const std::string& input, StreamParser::Options options = {}) {
  std::string result[2];
  for (int i = 0; i < 2; ++i) {
    StreamParser parser(options);
    const auto out = drive(parser, input, i == 0 ? 1 : input.size());
    result[i] = out.fault ? std::string(condition_name(out.fault->condition)) : "none";
  }
  EXPECT_EQ(result[0], result[1]) << input;
  return result[1];
}

std::string in_stream(std::string_view body) { return std::string(kHeader) + std::string(body); }

TEST(StreamRefusal, DoctypeIsRestrictedXml) {
  EXPECT_EQ(refusal("<!DOCTYPE stream:stream>" + in_stream("")), "restricted-xml");
  EXPECT_EQ(refusal("<?xml version='1.0'?><!DOCTYPE x SYSTEM 'file:///etc/passwd'>"),
            "restricted-xml");
}

TEST(StreamRefusal, BillionLaughsIsRefusedBeforeAnyExpansion) {
  std::string dtd = "<!DOCTYPE s [<!ENTITY a0 'lol'>";
  for (int i = 1; i < 10; ++i) {
    dtd += "<!ENTITY a" + std::to_string(i) + " '";
    for (int k = 0; k < 10; ++k) dtd += "&a" + std::to_string(i - 1) + ";";
    dtd += "'>";
  }
  dtd += "]>";
  EXPECT_EQ(refusal(dtd + in_stream("<message><body>&a9;</body></message>")), "restricted-xml");
}

TEST(StreamRefusal, ExternalEntityIsRestrictedXml) {
  EXPECT_EQ(refusal("<!DOCTYPE s [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>" +
                    in_stream("<message><body>&e;</body></message>")),
            "restricted-xml");
}

TEST(StreamRefusal, UndeclaredEntityReferenceIsRestrictedXml) {
  EXPECT_EQ(refusal(in_stream("<message><body>&nbsp;</body></message>")), "restricted-xml");
}

TEST(StreamRefusal, CommentsAndProcessingInstructionsAreRestrictedXml) {
  EXPECT_EQ(refusal(in_stream("<!-- hello -->")), "restricted-xml");
  EXPECT_EQ(refusal(in_stream("<message><!-- x --></message>")), "restricted-xml");
  EXPECT_EQ(refusal("<!-- before -->" + in_stream("")), "restricted-xml");
  EXPECT_EQ(refusal(in_stream("<?php echo 1; ?>")), "restricted-xml");
  EXPECT_EQ(refusal("<?xml-stylesheet href='a'?>" + in_stream("")), "restricted-xml");
}

TEST(StreamRefusal, TheXmlDeclarationIsNotAProcessingInstruction) {
  EXPECT_EQ(refusal("<?xml version='1.0' encoding='utf-8'?>" + in_stream("<presence/>")), "none");
}

TEST(StreamRefusal, EncodingsOtherThanUtf8AreUnsupported) {
  EXPECT_EQ(refusal("<?xml version='1.0' encoding='ISO-8859-1'?>" + in_stream("")),
            "unsupported-encoding");
  EXPECT_EQ(refusal("\xFF\xFE<\0s\0"), "unsupported-encoding");  // a UTF-16 BOM
  EXPECT_EQ(refusal(in_stream("<message><body>\xC3\x28</body></message>")), "unsupported-encoding");
  EXPECT_EQ(refusal(in_stream("<message><body>\xC0\xAF</body></message>")),  // overlong '/'
            "unsupported-encoding");
  EXPECT_EQ(refusal(in_stream("<message><body>\xED\xA0\x80</body></message>")),  // surrogate
            "unsupported-encoding");
  EXPECT_EQ(refusal(in_stream("<message to='\xF4\x90\x80\x80'/>")), "unsupported-encoding");
}

TEST(StreamRefusal, AStanzaBeforeBadUtf8IsStillDelivered) {
  StreamParser parser;
  const auto out = drive(parser, in_stream("<presence/>\xFF"), 1000);
  ASSERT_EQ(out.events.size(), 2u);
  ASSERT_TRUE(out.fault);
  EXPECT_EQ(out.fault->condition, StreamCondition::unsupported_encoding);
}

TEST(StreamRefusal, ControlCharactersAreNotWellFormed) {
  EXPECT_EQ(refusal(in_stream("<message><body>\x01</body></message>")), "not-well-formed");
  EXPECT_EQ(refusal(in_stream("<message><body>&#0;</body></message>")), "not-well-formed");
}

TEST(StreamRefusal, WrongStreamNamespaceIsInvalidNamespace) {
  EXPECT_EQ(refusal("<stream:stream xmlns='jabber:client' xmlns:stream='urn:wrong'>"),
            "invalid-namespace");
  EXPECT_EQ(refusal("<message xmlns='jabber:client'>"), "invalid-namespace");
}

TEST(StreamRefusal, WrongContentNamespaceIsInvalidNamespace) {
  EXPECT_EQ(refusal("<stream:stream xmlns='jabber:server' "
                    "xmlns:stream='http://etherx.jabber.org/streams'>"),
            "invalid-namespace");
  EXPECT_EQ(refusal("<stream:stream xmlns:stream='http://etherx.jabber.org/streams'>"),
            "invalid-namespace");
}

TEST(StreamRefusal, StreamPrefixOtherThanStreamIsBadNamespacePrefix) {
  EXPECT_EQ(refusal("<s:stream xmlns='jabber:client' xmlns:s='http://etherx.jabber.org/streams'>"),
            "bad-namespace-prefix");
  EXPECT_EQ(refusal("<stream xmlns='http://etherx.jabber.org/streams'>"), "bad-namespace-prefix");
}

TEST(StreamRefusal, UndeclaredPrefixIsBadNamespacePrefix) {
  EXPECT_EQ(refusal(in_stream("<message><x:y/></message>")), "bad-namespace-prefix");
}

TEST(StreamRefusal, RootNotNamedStreamIsBadFormat) {
  EXPECT_EQ(refusal("<stream:flow xmlns='jabber:client' "
                    "xmlns:stream='http://etherx.jabber.org/streams'>"),
            "bad-format");
}

TEST(StreamRefusal, TextBetweenStanzasIsBadFormat) {
  EXPECT_EQ(refusal(in_stream("<presence/>hello<presence/>")), "bad-format");
  EXPECT_EQ(refusal(in_stream("<presence/> \r\n\t <presence/>")), "none");
}

TEST(StreamRefusal, BrokenXmlIsNotWellFormed) {
  EXPECT_EQ(refusal(in_stream("<message></presence>")), "not-well-formed");
  EXPECT_EQ(refusal(in_stream("<message a='1' a='2'/>")), "not-well-formed");
  EXPECT_EQ(refusal(in_stream("<<")), "not-well-formed");
  EXPECT_EQ(refusal(in_stream("<message a=1/>")), "not-well-formed");
  EXPECT_EQ(refusal("garbage "), "not-well-formed");
}

TEST(StreamLimits, StanzaBytesExactlyAtTheLimitPassAndOneMoreFails) {
  StreamParser::Options options;
  const std::string stanza = "<message><body>" + std::string(100, 'x') + "</body></message>";
  options.limits.max_stanza_bytes = stanza.size();
  EXPECT_EQ(refusal(in_stream(stanza + stanza), options), "none");
  const std::string bigger = "<message><body>" + std::string(101, 'x') + "</body></message>";
  EXPECT_EQ(refusal(in_stream(stanza + bigger), options), "policy-violation");
}

TEST(StreamLimits, AnEndlessStanzaFailsAtTheLimitNotLater) {
  StreamParser::Options options;
  options.limits.max_stanza_bytes = 1000;
  StreamParser parser(options);
  ASSERT_EQ(parser.feed(kHeader).status, ParseStatus::event);
  std::string garbage_text = "<message><body>";
  std::size_t fed = 0;
  ParseStep step = parser.feed(garbage_text);
  fed += step.consumed;
  const std::string chunk(100, 'y');
  while (step.status == ParseStatus::need_more && fed < 100000) {
    step = parser.feed(chunk);
    fed += step.consumed;
  }
  ASSERT_EQ(step.status, ParseStatus::error);
  EXPECT_EQ(step.fault.condition, StreamCondition::policy_violation);
  EXPECT_LE(fed, 1000u) << "expat never holds more than the limit";
}

TEST(StreamLimits, TheHeaderIsBoundedToo) {
  StreamParser::Options options;
  options.limits.max_stanza_bytes = 300;
  EXPECT_EQ(
      refusal("<stream:stream xmlns='jabber:client' to='" + std::string(400, 'a') + "'", options),
      "policy-violation");
}

TEST(StreamLimits, Depth) {
  StreamParser::Options options;
  options.limits.max_depth = 3;
  EXPECT_EQ(refusal(in_stream("<iq><a><b/></a></iq>"), options), "none");
  EXPECT_EQ(refusal(in_stream("<iq><a><b><c/></b></a></iq>"), options), "policy-violation");
}

TEST(StreamLimits, AttributesPerElement) {
  StreamParser::Options options;
  options.limits.max_attributes = 2;
  EXPECT_EQ(refusal(in_stream("<iq a='1' b='2'/>"), options), "none");
  EXPECT_EQ(refusal(in_stream("<iq a='1' b='2' c='3'/>"), options), "policy-violation");
  EXPECT_EQ(refusal(in_stream("<iq><x a='1' b='2' c='3'/></iq>"), options), "policy-violation");
}

TEST(StreamLimits, ChildrenPerElementAndElementsPerStanza) {
  StreamParser::Options options;
  options.limits.max_children = 3;
  EXPECT_EQ(refusal(in_stream("<iq><a/><a/><a/></iq>"), options), "none");
  EXPECT_EQ(refusal(in_stream("<iq><a/><a/><a/><a/></iq>"), options), "policy-violation");
  options.limits.max_children = 100;
  options.limits.max_elements = 4;
  EXPECT_EQ(refusal(in_stream("<iq><a><b/></a><a/></iq><iq><a><b/></a><a/></iq>"), options), "none")
      << "the count is per stanza";
  EXPECT_EQ(refusal(in_stream("<iq><a><b/></a><a/><c/></iq>"), options), "policy-violation");
}

TEST(StreamLimits, TextPerElement) {
  StreamParser::Options options;
  options.limits.max_text_bytes = 10;
  EXPECT_EQ(refusal(in_stream("<m><b>0123456789</b><b>0123456789</b></m>"), options), "none");
  EXPECT_EQ(refusal(in_stream("<m><b>0123456789A</b></m>"), options), "policy-violation");
  EXPECT_EQ(refusal(in_stream("<m>01234<b/>56789A</m>"), options), "policy-violation")
      << "text and tails inside one element add up";
}

}  // namespace
}  // namespace parley::xmpp
