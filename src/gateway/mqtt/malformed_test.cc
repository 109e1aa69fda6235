// Every refusal the decoder makes, each from a small hand-written packet, with the error and the
// 5.0 reason code a gateway sends for it; and the edge cases that must still be accepted.
#include <gtest/gtest.h>

#include <deque>
#include <ostream>
#include <string>

#include "gateway/mqtt/decoder.h"
#include "gateway/mqtt/test_bytes.h"

namespace parley::mqtt {
namespace {

using testing::from_hex;

constexpr Version k3 = Version::v311;
constexpr Version k5 = Version::v5;

// A packet from its first byte and body: the Remaining Length is computed, so each case shows only
// what is wrong with it.
std::string packet(std::uint8_t first, std::string_view body_hex) {
  const std::string body = from_hex(body_hex);
  std::string out(1, static_cast<char>(first));
  std::size_t n = body.size();
  do {
    std::uint8_t b = n & 0x7F;
    n >>= 7;
    if (n != 0) b |= 0x80;
    out.push_back(static_cast<char>(b));
  } while (n != 0);
  return out + body;
}

struct Case {
  const char* name;
  Version version;
  std::uint8_t first;
  const char* body;
  ParseError error;
  ReasonCode reason;
};

constexpr ReasonCode kMalformed = ReasonCode::malformed_packet;
constexpr ReasonCode kProtocol = ReasonCode::protocol_error;
using E = ParseError;

// CONNECT bodies: "MQTT", level, flags, keep alive 60, [properties], client id "a", ...
#define CONNECT3(flags) "0004 4d515454 04 " flags " 003c 0001 61"
#define CONNECT5(props) "0004 4d515454 05 02 003c " props " 0001 61"

const Case kCases[] = {
    // Fixed header (§2.1.3, §2.2.3).
    {"type_0", k5, 0x00, "", E::packet_type_invalid, kMalformed},
    {"auth_in_311", k3, 0xF0, "", E::packet_type_invalid, kMalformed},
    {"subscribe_flags_0", k3, 0x80, "0001 0001 61 00", E::fixed_header_flags_invalid, kMalformed},
    {"unsubscribe_flags_0", k3, 0xA0, "0001 0001 61", E::fixed_header_flags_invalid, kMalformed},
    {"pubrel_flags_0", k5, 0x60, "0001", E::fixed_header_flags_invalid, kMalformed},
    {"puback_flags_2", k5, 0x42, "0001", E::fixed_header_flags_invalid, kMalformed},
    {"pingreq_flags_1", k3, 0xC1, "", E::fixed_header_flags_invalid, kMalformed},
    {"connect_flags_2", k3, 0x12, CONNECT3("02"), E::fixed_header_flags_invalid, kMalformed},
    {"publish_qos_3", k5, 0x36, "0001 61 0001 00", E::qos_invalid, kMalformed},
    {"publish_dup_on_qos_0", k3, 0x38, "0001 61", E::qos_invalid, kMalformed},
    // Lengths that do not add up.
    {"pingreq_with_body", k3, 0xC0, "00", E::trailing_bytes, kMalformed},
    {"puback_311_with_reason", k3, 0x40, "0001 00", E::trailing_bytes, kMalformed},
    {"disconnect_311_with_reason", k3, 0xE0, "00", E::trailing_bytes, kMalformed},
    {"connack_311_long", k3, 0x20, "00 00 00", E::trailing_bytes, kMalformed},
    {"unsuback_311_with_codes", k3, 0xB0, "0001 00", E::trailing_bytes, kMalformed},
    {"connect_name_cut", k3, 0x10, "0004 4d51", E::truncated, kMalformed},
    {"subscribe_no_options_byte", k3, 0x82, "0001 0001 61", E::truncated, kMalformed},
    {"connack_5_no_properties", k5, 0x20, "00 00", E::truncated, kMalformed},
    {"topic_longer_than_packet", k3, 0x30, "0005 61", E::truncated, kMalformed},
    {"property_length_past_end", k5, 0x30, "0001 61 05 01 01", E::truncated, kMalformed},
    {"property_value_cut", k5, 0x30, "0001 61 02 02 00", E::truncated, kMalformed},
    // UTF-8 (3.1.1 §1.5.3, 5.0 §1.5.4): ill-formed, surrogates, overlong, U+0000.
    {"topic_ill_formed", k3, 0x30, "0002 c328", E::utf8_invalid, kMalformed},
    {"topic_with_nul", k3, 0x30, "0003 610062", E::utf8_invalid, kMalformed},
    {"topic_surrogate", k5, 0x30, "0003 eda080 00", E::utf8_invalid, kMalformed},
    {"topic_overlong", k3, 0x30, "0002 c0af", E::utf8_invalid, kMalformed},
    {"client_id_ill_formed", k3, 0x10, "0004 4d515454 04 02 003c 0001 ff", E::utf8_invalid,
     kMalformed},
    {"username_nul", k3, 0x10, CONNECT3("82") " 0001 00", E::utf8_invalid, kMalformed},
    {"will_topic_ill_formed", k3, 0x10, CONNECT3("06") " 0002 c328 0000", E::utf8_invalid,
     kMalformed},
    {"filter_ill_formed", k3, 0x82, "0001 0002 c328 00", E::utf8_invalid, kMalformed},
    {"user_property_ill_formed", k5, 0x30, "0001 61 06 26 0001ff 0000", E::utf8_invalid,
     kMalformed},
    {"reason_string_nul", k5, 0x40, "0001 00 05 1f 0002 6100", E::utf8_invalid, kMalformed},
    // Topic names and filters (§4.7, §4.8.2).
    {"publish_topic_plus", k3, 0x30, "0003 612f2b", E::topic_name_invalid,
     ReasonCode::topic_name_invalid},
    {"publish_topic_hash", k5, 0x30, "0003 612f23 00", E::topic_name_invalid,
     ReasonCode::topic_name_invalid},
    {"publish_topic_empty_311", k3, 0x30, "0000", E::topic_name_invalid,
     ReasonCode::topic_name_invalid},
    {"publish_topic_empty_no_alias", k5, 0x30, "0000 00", E::topic_missing, kProtocol},
    {"will_topic_wildcard", k3, 0x10, CONNECT3("06") " 0001 23 0000", E::topic_name_invalid,
     ReasonCode::topic_name_invalid},
    {"response_topic_wildcard", k5, 0x30, "0001 61 06 08 0003 612f23", E::property_value_invalid,
     kProtocol},
    {"topic_alias_0", k5, 0x30, "0001 61 03 23 0000", E::topic_alias_invalid,
     ReasonCode::topic_alias_invalid},
    {"filter_hash_not_last", k3, 0x82, "0001 0005 612f232f62 00", E::topic_filter_invalid,
     ReasonCode::topic_filter_invalid},
    {"filter_plus_in_level", k3, 0x82, "0001 0006 73706f72742b 00", E::topic_filter_invalid,
     ReasonCode::topic_filter_invalid},
    {"filter_empty", k3, 0x82, "0001 0000 00", E::topic_filter_invalid,
     ReasonCode::topic_filter_invalid},
    {"share_without_filter", k5, 0x82, "0001 00 0008 247368617265 2f67 00", E::topic_filter_invalid,
     ReasonCode::topic_filter_invalid},
    {"unsubscribe_bad_filter", k3, 0xA2, "0001 0002 2361", E::topic_filter_invalid,
     ReasonCode::topic_filter_invalid},
    // Packet identifiers (MQTT-2.3.1-1).
    {"publish_qos1_id_0", k3, 0x32, "0001 61 0000", E::packet_id_missing, kProtocol},
    {"publish_qos2_id_0", k5, 0x34, "0001 61 0000 00", E::packet_id_missing, kProtocol},
    {"subscribe_id_0", k3, 0x82, "0000 0001 61 00", E::packet_id_missing, kProtocol},
    {"unsubscribe_id_0", k3, 0xA2, "0000 0001 61", E::packet_id_missing, kProtocol},
    {"puback_id_0", k3, 0x40, "0000", E::packet_id_missing, kProtocol},
    {"pubrel_id_0", k5, 0x62, "0000", E::packet_id_missing, kProtocol},
    {"suback_id_0", k3, 0x90, "0000 00", E::packet_id_missing, kProtocol},
    // Empty lists (MQTT-3.8.3-3, MQTT-3.10.3-2).
    {"subscribe_empty_311", k3, 0x82, "0001", E::empty_list, kProtocol},
    {"subscribe_empty_5", k5, 0x82, "0001 00", E::empty_list, kProtocol},
    {"unsubscribe_empty", k3, 0xA2, "0001", E::empty_list, kProtocol},
    {"suback_empty", k3, 0x90, "0001", E::empty_list, kProtocol},
    {"unsuback_empty_5", k5, 0xB0, "0001 00", E::empty_list, kProtocol},
    // CONNECT flags and protocol (§3.1.2).
    {"connect_reserved_bit", k3, 0x10, CONNECT3("03"), E::connect_flags_invalid, kMalformed},
    {"will_qos_without_will", k3, 0x10, CONNECT3("0a"), E::connect_flags_invalid, kMalformed},
    {"will_retain_without_will", k3, 0x10, CONNECT3("22"), E::connect_flags_invalid, kMalformed},
    {"will_qos_3", k3, 0x10, CONNECT3("1e") " 0001 74 0000", E::qos_invalid, kMalformed},
    {"password_without_username_311", k3, 0x10, CONNECT3("42") " 0001 70", E::connect_flags_invalid,
     kMalformed},
    {"protocol_name_mqtx", k3, 0x10, "0004 4d515458 04 02 003c 0001 61", E::protocol_name_invalid,
     kMalformed},
    {"protocol_name_lowercase", k3, 0x10, "0004 6d717474 04 02 003c 0001 61",
     E::protocol_name_invalid, kMalformed},
    {"level_3_named_mqtt", k3, 0x10, "0004 4d515454 03 02 003c 0001 61",
     E::unsupported_protocol_version, ReasonCode::unsupported_protocol_version},
    {"mqtt_3_1", k3, 0x10, "0006 4d5149736470 03 02 003c 0001 61", E::unsupported_protocol_version,
     ReasonCode::unsupported_protocol_version},
    {"level_6", k5, 0x10, "0004 4d515454 06 02 003c 0001 61", E::unsupported_protocol_version,
     ReasonCode::unsupported_protocol_version},
    // CONNACK (§3.2.2).
    {"connack_reserved_flag", k3, 0x20, "02 00", E::connack_flags_invalid, kMalformed},
    {"connack_session_with_refusal_311", k3, 0x20, "01 05", E::connack_flags_invalid, kMalformed},
    {"connack_return_code_6", k3, 0x20, "00 06", E::reason_code_invalid, kProtocol},
    {"connack_session_with_refusal_5", k5, 0x20, "01 87 00", E::connack_flags_invalid, kMalformed},
    {"connack_reason_0x01", k5, 0x20, "00 01 00", E::reason_code_invalid, kProtocol},
    // Reason codes a packet type does not define.
    {"puback_reason_0x01", k5, 0x40, "0001 01", E::reason_code_invalid, kProtocol},
    {"pubrel_reason_0x10", k5, 0x62, "0001 10", E::reason_code_invalid, kProtocol},
    {"disconnect_reason_0x01", k5, 0xE0, "01", E::reason_code_invalid, kProtocol},
    {"auth_reason_0x01", k5, 0xF0, "01", E::reason_code_invalid, kProtocol},
    {"suback_311_code_3", k3, 0x90, "0001 03", E::reason_code_invalid, kProtocol},
    {"suback_5_code_3", k5, 0x90, "0001 00 03", E::reason_code_invalid, kProtocol},
    {"unsuback_5_code_1", k5, 0xB0, "0001 00 01", E::reason_code_invalid, kProtocol},
    // Properties (5.0 §2.2.2): duplicates, wrong packet, bad values.
    {"duplicate_message_expiry", k5, 0x30, "0001 61 0a 02 0000003c 02 0000003c",
     E::property_duplicate, kProtocol},
    {"duplicate_content_type", k5, 0x30, "0001 61 08 03 0001 61 03 0001 62", E::property_duplicate,
     kProtocol},
    {"two_subscription_ids_in_subscribe", k5, 0x82, "0001 04 0b01 0b02 0001 61 00",
     E::property_duplicate, kProtocol},
    {"session_expiry_in_publish", k5, 0x30, "0001 61 05 11 0000003c", E::property_invalid,
     kMalformed},
    {"reason_string_in_publish", k5, 0x30, "0001 61 04 1f 0001 61", E::property_invalid,
     kMalformed},
    {"will_delay_in_connect", k5, 0x10, CONNECT5("05 18 0000000a"), E::property_invalid,
     kMalformed},
    {"unknown_property_0x7f", k5, 0x30, "0001 61 02 7f 00", E::property_invalid, kMalformed},
    {"property_id_128", k5, 0x30, "0001 61 03 80 01 00", E::property_invalid, kMalformed},
    {"receive_maximum_0", k5, 0x10, CONNECT5("03 21 0000"), E::property_value_invalid, kProtocol},
    {"maximum_packet_size_0", k5, 0x10, CONNECT5("05 27 00000000"), E::property_value_invalid,
     kProtocol},
    {"request_problem_information_2", k5, 0x10, CONNECT5("02 17 02"), E::property_value_invalid,
     kProtocol},
    {"payload_format_2", k5, 0x30, "0001 61 02 01 02", E::property_value_invalid, kProtocol},
    {"maximum_qos_2", k5, 0x20, "00 00 02 24 02", E::property_value_invalid, kProtocol},
    {"retain_available_2", k5, 0x20, "00 00 02 25 02", E::property_value_invalid, kProtocol},
    {"subscription_id_0", k5, 0x82, "0001 02 0b 00 0001 61 00", E::property_value_invalid,
     kProtocol},
    {"subscription_id_5_bytes", k5, 0x30, "0001 61 06 0b ffffffff01", E::varint_invalid,
     kMalformed},
    {"property_length_5_bytes", k5, 0x30, "0001 61 ffffffff01", E::varint_invalid, kMalformed},
    {"auth_data_without_method", k5, 0xF0, "18 04 16 0001 61", E::property_value_invalid,
     kProtocol},
    {"connect_auth_data_without_method", k5, 0x10, CONNECT5("04 16 0001 61"),
     E::property_value_invalid, kProtocol},
    // Subscription options (§3.8.3.1).
    {"options_reserved_311", k3, 0x82, "0001 0001 61 04", E::subscription_options_invalid,
     kMalformed},
    {"options_reserved_5", k5, 0x82, "0001 00 0001 61 40", E::subscription_options_invalid,
     kMalformed},
    {"subscription_qos_3", k3, 0x82, "0001 0001 61 03", E::subscription_qos_invalid, kProtocol},
    {"retain_handling_3", k5, 0x82, "0001 00 0001 61 30", E::retain_handling_invalid, kProtocol},
    {"no_local_on_shared", k5, 0x82, "0001 00 000a 2473686172652f672f61 04", E::no_local_on_shared,
     kProtocol},
};

// gtest prints a failing case by its name rather than its bytes.
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

#undef CONNECT3
#undef CONNECT5

class Malformed : public ::testing::TestWithParam<Case> {};

TEST_P(Malformed, IsRefusedWithItsReason) {
  const Case& c = GetParam();
  const std::string input = packet(c.first, c.body);
  const ParseResult r = parse(input, Limits{}, c.version);
  EXPECT_EQ(r.status, ParseStatus::error);
  EXPECT_EQ(parse_error_name(r.error), parse_error_name(c.error));
  EXPECT_EQ(reason_code(r.error), c.reason);
  EXPECT_EQ(r.consumed, 0u);
}

INSTANTIATE_TEST_SUITE_P(AllCases, Malformed, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& param) {
                           return std::string(param.param.name);
                         });

// The decoded views point into the input, so the inputs live as long as the test program.
ParseResult parse_ok(std::uint8_t first, std::string_view body, Version v) {
  static std::deque<std::string> inputs;
  const std::string& input = inputs.emplace_back(packet(first, body));
  ParseResult r = parse(input, Limits{}, v);
  EXPECT_EQ(r.status, ParseStatus::ok) << parse_error_name(r.error);
  EXPECT_EQ(r.consumed, input.size());
  return r;
}

TEST(Accepted, PasswordWithoutUsernameIn5) {  // 5.0 §3.1.2.9 allows it; the password is binary
  const ParseResult r = parse_ok(0x10, "0004 4d515454 05 42 003c 00 0001 61 0002 0070", k5);
  const auto& c = std::get<Connect>(r.packet);
  EXPECT_FALSE(c.username);
  EXPECT_EQ(c.password, std::string_view("\0p", 2));
}

TEST(Accepted, RepeatablePropertiesRepeat) {
  // Several subscription identifiers in a PUBLISH to a client (§3.3.4), user properties anywhere.
  ParseResult r = parse_ok(0x30, "0001 61 04 0b01 0b02", k5);
  EXPECT_EQ(std::get<Publish>(r.packet).properties.subscription_identifiers,
            (std::vector<std::uint32_t>{1, 2}));
  r = parse_ok(0xE0, "00 0c 26 0001 61 0000 26 0001 61 0000", k5);
  EXPECT_EQ(std::get<Disconnect>(r.packet).properties.user_properties.size(), 2u);
}

TEST(Accepted, EmptyTopicWithAliasIn5) {
  const ParseResult r = parse_ok(0x30, "0000 03 23 0005 7061796c6f6164", k5);
  const auto& p = std::get<Publish>(r.packet);
  EXPECT_EQ(p.topic, "");
  EXPECT_EQ(p.properties.topic_alias, 5);
  EXPECT_EQ(p.payload, "payload");
}

TEST(Accepted, ShortFormsOf5Acks) {
  // Remaining Length 2: Success, no properties; 3: a reason code alone (§3.4.2.1).
  ParseResult r = parse_ok(0x40, "0001", k5);
  EXPECT_EQ(std::get<Puback>(r.packet).reason_code, ReasonCode::success);
  r = parse_ok(0x50, "0001 10", k5);
  EXPECT_EQ(std::get<Pubrec>(r.packet).reason_code, ReasonCode::no_matching_subscribers);
  r = parse_ok(0xE0, "", k5);
  EXPECT_EQ(std::get<Disconnect>(r.packet).reason_code, ReasonCode::success);
  r = parse_ok(0xE0, "8e", k5);
  EXPECT_EQ(std::get<Disconnect>(r.packet).reason_code, ReasonCode::session_taken_over);
  r = parse_ok(0xF0, "", k5);
  EXPECT_EQ(std::get<Auth>(r.packet).reason_code, ReasonCode::success);
}

TEST(Accepted, SharePrefixIsAnOrdinaryFilterIn311) {
  const ParseResult r = parse_ok(0x82, "0001 0008 247368617265 2f67 01", k3);
  EXPECT_EQ(std::get<Subscribe>(r.packet).subscriptions.at(0).filter, "$share/g");
}

TEST(Accepted, ControlCharactersAreNotRefused) {
  // U+0001 and U+007F are a SHOULD NOT (5.0 §1.5.4): a receiver may refuse them; Parley does not.
  parse_ok(0x30, "0003 61017f", k3);
}

TEST(Accepted, NonMinimalPropertyIdentifier) {
  // The identifier is a Variable Byte Integer: 0x81 0x00 is 1 (Payload Format Indicator).
  const ParseResult r = parse_ok(0x30, "0001 61 03 8100 01", k5);
  EXPECT_EQ(std::get<Publish>(r.packet).properties.payload_format_indicator, PayloadFormat::utf8);
}

TEST(ErrorMapping, Connect311RefusalsHaveTheirReturnCodes) {
  EXPECT_EQ(connect_return_code(reason_code(ParseError::unsupported_protocol_version)),
            ConnectReturnCode::unacceptable_protocol_version);
  EXPECT_EQ(connect_return_code(ReasonCode::client_identifier_not_valid),
            ConnectReturnCode::identifier_rejected);
  EXPECT_EQ(connect_return_code(ReasonCode::bad_user_name_or_password),
            ConnectReturnCode::bad_user_name_or_password);
  EXPECT_EQ(connect_return_code(ReasonCode::not_authorized), ConnectReturnCode::not_authorized);
  EXPECT_EQ(connect_return_code(ReasonCode::server_busy), ConnectReturnCode::server_unavailable);
  for (std::uint8_t c = 0; c <= 5; ++c) {
    const auto code = static_cast<ConnectReturnCode>(c);
    EXPECT_EQ(connect_return_code(reason_code_of(code)), code);
  }
}

}  // namespace
}  // namespace parley::mqtt
