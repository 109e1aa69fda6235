// The decoder as a session uses it: the fixed header, incremental feeding, the size limit decided
// from the fixed header alone, several packets in one buffer, version detection, zero-copy views.
#include "gateway/mqtt/decoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gateway/mqtt/encoder.h"
#include "gateway/mqtt/packet_samples.h"
#include "gateway/mqtt/test_bytes.h"

namespace parley::mqtt {
namespace {

using testing::from_hex;
using testing::to_hex;

const Limits kUnlimited{.max_packet_bytes = kMaxPacketBytes};

TEST(FixedHeader, RemainingLengthTable) {  // 3.1.1 §2.2.3 table 2.4, 5.0 §1.5.5
  const std::vector<std::pair<std::string, std::size_t>> table = {{"00", 0},
                                                                  {"7f", 127},
                                                                  {"80 01", 128},
                                                                  {"ff 7f", 16383},
                                                                  {"80 80 01", 16384},
                                                                  {"ff ff 7f", 2097151},
                                                                  {"80 80 80 01", 2097152},
                                                                  {"ff ff ff 7f", 268435455}};
  for (const auto& [hex, value] : table) {
    const std::string input = from_hex("30 " + hex);
    const FixedHeaderResult r = parse_fixed_header(input, kUnlimited, Version::v5);
    ASSERT_EQ(r.status, ParseStatus::ok) << hex;
    EXPECT_EQ(r.header.type, PacketType::publish);
    EXPECT_EQ(r.header.remaining_length, value) << hex;
    EXPECT_EQ(r.header.header_bytes, input.size()) << hex;
  }
}

TEST(FixedHeader, MoreThanFourLengthBytesIsRefusedWithoutAFifth) {
  const std::string input = from_hex("30 ff ff ff ff");  // the 4th byte still says "more"
  const ParseResult r = parse(input, kUnlimited, Version::v5);
  EXPECT_EQ(r.status, ParseStatus::error);
  EXPECT_EQ(r.error, ParseError::remaining_length_invalid);
  EXPECT_EQ(reason_code(r.error), ReasonCode::malformed_packet);
  // Three bytes that say "more" are simply incomplete.
  EXPECT_EQ(parse(from_hex("30 ff ff ff"), kUnlimited, Version::v5).status, ParseStatus::need_more);
}

TEST(FixedHeader, NonMinimalRemainingLengthIsAccepted) {
  // PINGREQ with its zero length written in two bytes, as Mosquitto also accepts.
  const ParseResult r = parse(from_hex("c0 80 00"), kUnlimited, Version::v311);
  ASSERT_EQ(r.status, ParseStatus::ok);
  EXPECT_EQ(r.consumed, 3u);
  EXPECT_TRUE(std::holds_alternative<Pingreq>(r.packet));
}

TEST(FixedHeader, OversizePacketIsRefusedFromItsHeaderAlone) {
  const Limits limits{.max_packet_bytes = 100};
  // PUBLISH announcing 99 bytes after a 2-byte header: 101 in all, none of the body here yet.
  ParseResult r = parse(from_hex("30 63"), limits, Version::v5);
  EXPECT_EQ(r.status, ParseStatus::error);
  EXPECT_EQ(r.error, ParseError::packet_too_large);
  EXPECT_EQ(reason_code(r.error), ReasonCode::packet_too_large);
  // Exactly at the limit it is only incomplete, and says how much to wait for.
  r = parse(from_hex("30 62"), limits, Version::v5);
  EXPECT_EQ(r.status, ParseStatus::need_more);
  EXPECT_EQ(r.packet_bytes, 100u);
  // A 256 MB announcement costs nothing either.
  r = parse(from_hex("30 ff ff ff 7f"), Limits{}, Version::v5);
  EXPECT_EQ(r.error, ParseError::packet_too_large);
}

TEST(FixedHeader, BadFirstByteIsRefusedBeforeTheLength) {
  EXPECT_EQ(parse(from_hex("82"), kUnlimited, Version::v5).status, ParseStatus::need_more);
  ParseResult r = parse(from_hex("80"), kUnlimited, Version::v5);  // SUBSCRIBE without 0b0010
  EXPECT_EQ(r.error, ParseError::fixed_header_flags_invalid);
  r = parse(from_hex("36"), kUnlimited, Version::v5);  // PUBLISH QoS 3
  EXPECT_EQ(r.error, ParseError::qos_invalid);
}

TEST(Parse, EmptyInputNeedsMore) {
  const ParseResult r = parse({}, Limits{}, Version::v5);
  EXPECT_EQ(r.status, ParseStatus::need_more);
  EXPECT_EQ(r.packet_bytes, 0u);
  EXPECT_EQ(r.consumed, 0u);
}

// Every sample packet, fed one byte at a time: need_more on every strict prefix (with the packet
// size known once the fixed header is in), ok with the whole packet consumed at the end.
TEST(Parse, IncrementalFeedingOneByteAtATime) {
  for (const Version v : {Version::v311, Version::v5}) {
    for (const Packet& sample : testing::sample_packets(v)) {
      std::string bytes;
      ASSERT_TRUE(encode(sample, v, bytes).has_value());
      const FixedHeaderResult header = parse_fixed_header(bytes, kUnlimited, v);
      ASSERT_EQ(header.status, ParseStatus::ok);
      std::string fed;
      for (std::size_t i = 0; i < bytes.size(); ++i) {
        const ParseResult partial = parse(fed, kUnlimited, v);
        ASSERT_EQ(partial.status, ParseStatus::need_more) << to_hex(bytes) << " at " << i;
        EXPECT_EQ(partial.consumed, 0u);
        EXPECT_EQ(partial.packet_bytes, i >= header.header.header_bytes ? bytes.size() : 0u);
        fed.push_back(bytes[i]);
      }
      const ParseResult whole = parse(fed, kUnlimited, v);
      ASSERT_EQ(whole.status, ParseStatus::ok) << parse_error_name(whole.error);
      EXPECT_EQ(whole.consumed, bytes.size());
      EXPECT_EQ(whole.packet, sample) << to_hex(bytes);
    }
  }
}

TEST(Parse, SeveralPacketsInOneBuffer) {
  // What Mosquitto's client wrote in one segment at the end of a QoS 2 receive: PUBCOMP, then
  // DISCONNECT (5.0), followed here by the first byte of a third packet.
  const std::string input = from_hex("70 02 00 01 e0 00 c0");
  std::string_view rest = input;
  ParseResult r = parse(rest, Limits{}, Version::v5);
  ASSERT_EQ(r.status, ParseStatus::ok);
  EXPECT_EQ(r.consumed, 4u);
  ASSERT_TRUE(std::holds_alternative<Pubcomp>(r.packet));
  EXPECT_EQ(std::get<Pubcomp>(r.packet).packet_id, 1);
  rest.remove_prefix(r.consumed);
  r = parse(rest, Limits{}, Version::v5);
  ASSERT_EQ(r.status, ParseStatus::ok);
  EXPECT_EQ(r.consumed, 2u);
  ASSERT_TRUE(std::holds_alternative<Disconnect>(r.packet));
  EXPECT_EQ(std::get<Disconnect>(r.packet).reason_code, ReasonCode::success);
  rest.remove_prefix(r.consumed);
  r = parse(rest, Limits{}, Version::v5);
  EXPECT_EQ(r.status, ParseStatus::need_more);
}

TEST(Parse, ViewsPointIntoTheInput) {
  const std::string input = from_hex("32 0a 00 03 61 2f 62 00 0a 68 69 21");  // 3.1.1 QoS 1
  const ParseResult r = parse(input, Limits{}, Version::v311);
  ASSERT_EQ(r.status, ParseStatus::ok);
  const auto& p = std::get<Publish>(r.packet);
  EXPECT_EQ(p.topic, "a/b");
  EXPECT_EQ(p.packet_id, 10);  // the example of 3.1.1 §3.3.2.3
  EXPECT_EQ(p.payload, "hi!");
  EXPECT_EQ(p.topic.data(), input.data() + 4);
  EXPECT_EQ(p.payload.data(), input.data() + 9);
}

TEST(Parse, ConnectSaysItsOwnVersion) {
  const std::string v311 = from_hex("10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 61");
  const std::string v5 = from_hex("10 0e 00 04 4d 51 54 54 05 02 00 3c 00 00 01 61");
  // The same CONNECT decodes whatever version the session assumed before it.
  for (const Version assumed : {Version::v311, Version::v5}) {
    ParseResult r = parse(v311, Limits{}, assumed);
    ASSERT_EQ(r.status, ParseStatus::ok);
    EXPECT_EQ(std::get<Connect>(r.packet).version, Version::v311);
    EXPECT_EQ(r.version, Version::v311);
    r = parse(v5, Limits{}, assumed);
    ASSERT_EQ(r.status, ParseStatus::ok) << parse_error_name(r.error);
    EXPECT_EQ(std::get<Connect>(r.packet).version, Version::v5);
    EXPECT_EQ(std::get<Connect>(r.packet).client_id, "a");
  }
}

TEST(Parse, ReportsTheVersionOfABadConnect) {
  // A 5.0 CONNECT with the reserved flag set, on a session that assumed 3.1.1: the gateway learns
  // it should answer with a 5.0 CONNACK (Malformed Packet).
  const std::string bad5 = from_hex("10 0e 00 04 4d 51 54 54 05 03 00 3c 00 00 01 61");
  ParseResult r = parse(bad5, Limits{}, Version::v311);
  EXPECT_EQ(r.error, ParseError::connect_flags_invalid);
  EXPECT_EQ(r.version, Version::v5);
  // Before the level is read the session's assumption stands.
  const std::string bad_name = from_hex("10 0d 00 04 4d 51 54 58 05 02 00 3c 00 01 61");
  r = parse(bad_name, Limits{}, Version::v311);
  EXPECT_EQ(r.error, ParseError::protocol_name_invalid);
  EXPECT_EQ(r.version, Version::v311);
  // Other packets are read as the session's version.
  r = parse(from_hex("c0 00"), Limits{}, Version::v311);
  EXPECT_EQ(r.version, Version::v311);
}

TEST(Parse, ErrorsInTheBodyWaitForTheWholePacket) {
  // A PUBLISH whose topic has a wildcard is only known bad once its bytes are there.
  const std::string input = from_hex("30 05 00 03 61 2f 23");
  EXPECT_EQ(parse(std::string_view(input).substr(0, 6), Limits{}, Version::v5).status,
            ParseStatus::need_more);
  const ParseResult r = parse(input, Limits{}, Version::v5);
  EXPECT_EQ(r.status, ParseStatus::error);
  EXPECT_EQ(r.error, ParseError::topic_name_invalid);
  EXPECT_EQ(r.consumed, 0u);
}

TEST(Parse, ErrorNamesAreDistinct) {
  std::vector<std::string_view> names;
  for (int e = 0; e <= static_cast<int>(ParseError::no_local_on_shared); ++e) {
    names.push_back(parse_error_name(static_cast<ParseError>(e)));
    EXPECT_NE(names.back(), "unknown") << e;
  }
  std::sort(names.begin(), names.end());
  EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

}  // namespace
}  // namespace parley::mqtt
