// Encode then decode every packet type in both versions; the encoder's canonical forms, version
// down-mapping and refusals.
#include <gtest/gtest.h>

#include <string>

#include "gateway/mqtt/decoder.h"
#include "gateway/mqtt/encoder.h"
#include "gateway/mqtt/packet_samples.h"
#include "gateway/mqtt/test_bytes.h"

namespace parley::mqtt {
namespace {

using testing::from_hex;
using testing::to_hex;

std::string encoded(const Packet& p, Version v) {
  std::string out;
  const Result<void> r = encode(p, v, out);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return out;
}

TEST(RoundTrip, EveryPacketTypeInBothVersions) {
  for (const Version v : {Version::v311, Version::v5}) {
    std::vector<bool> seen(16, false);
    for (const Packet& sample : testing::sample_packets(v)) {
      const std::string bytes = encoded(sample, v);
      const ParseResult r = parse(bytes, Limits{}, v);
      ASSERT_EQ(r.status, ParseStatus::ok) << parse_error_name(r.error) << ": " << to_hex(bytes);
      EXPECT_EQ(r.consumed, bytes.size());
      EXPECT_EQ(r.packet, sample) << to_hex(bytes);
      EXPECT_EQ(encoded(r.packet, v), bytes);
      const Result<std::size_t> size = encoded_size(sample, v);
      ASSERT_TRUE(size.has_value());
      EXPECT_EQ(*size, bytes.size());
      seen[static_cast<std::size_t>(type_of(sample))] = true;
    }
    for (int t = 1; t <= 15; ++t) {
      EXPECT_EQ(seen[t], t != 15 || v == Version::v5) << "packet type " << t;
    }
  }
}

TEST(RoundTrip, TypedOverloadsMatchTheVariant) {
  for (const Packet& sample : testing::sample_packets(Version::v5)) {
    std::string typed;
    std::visit(
        [&](const auto& p) {
          if constexpr (std::is_same_v<std::decay_t<decltype(p)>, Connect>) {
            ASSERT_TRUE(encode(p, typed).has_value());
          } else {
            ASSERT_TRUE(encode(p, Version::v5, typed).has_value());
          }
        },
        sample);
    EXPECT_EQ(typed, encoded(sample, Version::v5));
  }
}

TEST(Encode, AppendsToTheOutput) {
  std::string out = "prefix";
  ASSERT_TRUE(encode(Pingresp{}, Version::v311, out).has_value());
  ASSERT_TRUE(encode(Puback{.packet_id = 258}, Version::v5, out).has_value());
  EXPECT_EQ(out, "prefix" + from_hex("d0 00 40 02 01 02"));
}

TEST(Encode, ShortestFormsOf5AcksAndDisconnect) {
  EXPECT_EQ(to_hex(encoded(Puback{.packet_id = 7}, Version::v5)), "40 02 00 07");
  EXPECT_EQ(to_hex(encoded(Pubrec{.packet_id = 7, .reason_code = ReasonCode::quota_exceeded},
                           Version::v5)),
            "50 03 00 07 97");
  Pubrel with_reason_string{.packet_id = 7};
  with_reason_string.properties.reason_string = "x";
  EXPECT_EQ(to_hex(encoded(with_reason_string, Version::v5)), "62 08 00 07 00 04 1f 00 01 78");
  EXPECT_EQ(to_hex(encoded(Disconnect{}, Version::v5)), "e0 00");
  EXPECT_EQ(to_hex(encoded(Disconnect{.reason_code = ReasonCode::session_taken_over}, Version::v5)),
            "e0 01 8e");
  EXPECT_EQ(to_hex(encoded(Auth{}, Version::v5)), "f0 00");
}

TEST(Encode, Version311DropsWhat311DoesNotHave) {
  // A 5.0 PUBLISH with properties, written for a 3.1.1 subscriber: no properties on the wire.
  Publish p;
  p.qos = 1;
  p.packet_id = 10;
  p.topic = "a/b";
  p.payload = "hi";
  p.properties.message_expiry_interval = 5;
  p.properties.user_properties = {{"k", "v"}};
  EXPECT_EQ(to_hex(encoded(p, Version::v311)), "32 09 00 03 61 2f 62 00 0a 68 69");
  // Reason codes become what 3.1.1 can say.
  EXPECT_EQ(to_hex(encoded(Puback{.packet_id = 1, .reason_code = ReasonCode::not_authorized},
                           Version::v311)),
            "40 02 00 01");
  EXPECT_EQ(to_hex(encoded(Connack{.reason_code = ReasonCode::banned}, Version::v311)),
            "20 02 00 05");
  EXPECT_EQ(to_hex(encoded(Connack{.reason_code = ReasonCode::unsupported_protocol_version},
                           Version::v311)),
            "20 02 00 01");
  Suback s{.packet_id = 3};
  s.reason_codes = {ReasonCode::granted_qos_1, ReasonCode::not_authorized,
                    ReasonCode::topic_filter_invalid};
  EXPECT_EQ(to_hex(encoded(s, Version::v311)), "90 05 00 03 01 80 80");
  Unsuback u{.packet_id = 4};
  u.reason_codes = {ReasonCode::success};
  EXPECT_EQ(to_hex(encoded(u, Version::v311)), "b0 02 00 04");
  EXPECT_EQ(to_hex(encoded(Disconnect{.reason_code = ReasonCode::server_busy}, Version::v311)),
            "e0 00");
}

TEST(Encode, PropertiesInIdentifierOrder) {
  Connack c;
  c.properties.topic_alias_maximum = 10;  // 0x22
  c.properties.receive_maximum = 20;      // 0x21
  EXPECT_EQ(to_hex(encoded(c, Version::v5)), "20 09 00 00 06 21 00 14 22 00 0a");
}

TEST(Encode, RefusesWhatTheWireCannotCarry) {
  const std::string long_topic(65536, 'a');
  std::string out = "kept";
  Publish p;
  p.topic = long_topic;
  Result<void> r = encode(p, Version::v5, out);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, Errc::invalid_argument);
  EXPECT_EQ(out, "kept");  // nothing appended on failure
  EXPECT_FALSE(encoded_size(Packet(p), Version::v5).has_value());

  p.topic = "t";
  p.qos = 3;
  EXPECT_FALSE(encode(p, Version::v5, out).has_value());

  Publish big_id;
  big_id.topic = "t";
  big_id.properties.subscription_identifiers = {kMaxVarint + 1};
  EXPECT_FALSE(encode(big_id, Version::v5, out).has_value());

  Subscribe s{.packet_id = 1};
  s.subscriptions.push_back({.filter = "a", .retain_handling = static_cast<RetainHandling>(3)});
  EXPECT_FALSE(encode(s, Version::v5, out).has_value());

  Connect c;
  c.will.emplace().qos = 3;
  c.will->topic = "w";
  EXPECT_FALSE(encode(c, out).has_value());

  Properties long_user_property;
  long_user_property.user_properties = {{"k", long_topic}};
  EXPECT_FALSE(encode(Auth{.properties = long_user_property}, Version::v5, out).has_value());
  EXPECT_FALSE(encode(Auth{}, Version::v311, out).has_value());  // no AUTH before 5.0
  EXPECT_EQ(out, "kept");
}

TEST(Encode, LargePayloadUsesAFourByteLength) {
  const std::string payload(2'097'152, 'x');  // 2 MiB: Remaining Length needs 4 bytes
  Publish p;
  p.topic = "t";
  p.payload = payload;
  const std::string bytes = encoded(p, Version::v311);
  EXPECT_EQ(to_hex(std::string_view(bytes).substr(0, 5)), "30 83 80 80 01");
  const ParseResult r = parse(bytes, Limits{.max_packet_bytes = bytes.size()}, Version::v311);
  ASSERT_EQ(r.status, ParseStatus::ok);
  EXPECT_EQ(std::get<Publish>(r.packet).payload.size(), payload.size());
}

}  // namespace
}  // namespace parley::mqtt
