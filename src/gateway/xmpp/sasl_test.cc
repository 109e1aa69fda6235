// Base64, SASL payloads and elements, and SASL PLAIN.
#include "gateway/xmpp/sasl.h"

#include <gtest/gtest.h>

#include "gateway/xmpp/xml_writer.h"

namespace parley::xmpp {
namespace {

TEST(Base64, RoundTripsAndIsStrict) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("n,,"), "biws");
  EXPECT_EQ(base64_encode("ab"), "YWI=");
  EXPECT_EQ(base64_decode("YWI="), "ab");
  EXPECT_EQ(base64_decode(""), "");
  EXPECT_FALSE(base64_decode("YWI")) << "missing padding";
  EXPECT_FALSE(base64_decode("YW I=")) << "whitespace";
  EXPECT_FALSE(base64_decode("YWJ=")) << "non-zero trailing bits";
  EXPECT_FALSE(base64_decode("YWI=YWI=")) << "padding in the middle";
  EXPECT_FALSE(base64_decode("Y!I="));
  EXPECT_FALSE(base64_decode("YWI==="));
  // libsodium's decoder reads a byte above 0x7F as an alphabet character (found by the fuzz
  // target's round-trip property): "b\xDCwH" decoded as "b/wH" would.
  EXPECT_FALSE(base64_decode("b\xDCwH"));
  EXPECT_FALSE(base64_decode("\xAF\xAF\xAF\xAF"));
}

TEST(SaslPayload, EqualsSignIsEmptyAndNothingIsAbsent) {
  EXPECT_EQ(decode_sasl_payload("").value(), std::nullopt);
  EXPECT_EQ(decode_sasl_payload("=").value(), std::optional<std::string>(""));
  EXPECT_EQ(decode_sasl_payload("biws").value(), std::optional<std::string>("n,,"));
  auto bad = decode_sasl_payload("b!ws");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().condition, SaslCondition::incorrect_encoding);
  EXPECT_EQ(encode_sasl_payload(""), "=");
}

TEST(SaslElements, Serialise) {
  const NamespaceScope scope = NamespaceScope::client_stream();
  EXPECT_EQ(to_xml(sasl_challenge("r=abc"), scope),
            "<challenge xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>cj1hYmM=</challenge>");
  EXPECT_EQ(to_xml(sasl_success(), scope), "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'/>");
  EXPECT_EQ(to_xml(sasl_success("v=x"), scope),
            "<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>dj14</success>");
  EXPECT_EQ(to_xml(sasl_auth("PLAIN", std::nullopt), scope),
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'/>");
  EXPECT_EQ(to_xml(sasl_auth("X", ""), scope),
            "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='X'>=</auth>");
}

TEST(SaslPlain, ParsesTheThreeParts) {
  auto c = parse_sasl_plain(std::string("\0juliet\0r0m30", 13));
  ASSERT_TRUE(c) << c.error().text;
  EXPECT_EQ(c->authzid, "");
  EXPECT_EQ(c->authcid, "juliet");
  EXPECT_EQ(c->password, "r0m30");
  auto z = parse_sasl_plain(sasl_plain_message("juliet@example.com", "juliet", "p\xC3\xA4ss"));
  ASSERT_TRUE(z);
  EXPECT_EQ(z->authzid, "juliet@example.com");
  EXPECT_EQ(z->password, "p\xC3\xA4ss");
}

TEST(SaslPlain, RefusesWhatRfc4616Forbids) {
  EXPECT_FALSE(parse_sasl_plain("juliet"));
  EXPECT_FALSE(parse_sasl_plain(std::string("\0juliet", 7)));
  EXPECT_FALSE(parse_sasl_plain(std::string("\0\0pw", 4))) << "empty authcid";
  EXPECT_FALSE(parse_sasl_plain(std::string("\0juliet\0", 8))) << "empty password";
  EXPECT_FALSE(parse_sasl_plain(std::string("\0juliet\0p\0w", 11))) << "a third NUL";
  EXPECT_FALSE(parse_sasl_plain(std::string("\0jul\xFFiet\0pw", 11))) << "not UTF-8";
  PlainLimits limits;
  limits.max_password = 4;
  EXPECT_TRUE(parse_sasl_plain(sasl_plain_message("", "u", "1234"), limits));
  EXPECT_FALSE(parse_sasl_plain(sasl_plain_message("", "u", "12345"), limits));
  auto f = parse_sasl_plain("x");
  EXPECT_EQ(f.error().condition, SaslCondition::malformed_request);
}

}  // namespace
}  // namespace parley::xmpp
