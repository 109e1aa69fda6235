// Incremental MQTT packet decoder: finds one complete packet at the start of a byte buffer and
// decodes it into a typed Packet, or says that more bytes are needed, or why the bytes are bad.
// Pure: no sockets, no state between calls, no allocation per byte; any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gateway/mqtt/packets.h"
#include "gateway/mqtt/wire_format.h"

namespace parley::mqtt {

inline constexpr std::size_t kDefaultMaxPacketBytes = 256 * 1024;

struct Limits {
  // Largest whole packet (fixed header included) accepted, as 5.0's Maximum Packet Size counts
  // it (§3.1.2.11.4). A larger one is refused from its fixed header alone, before it is buffered.
  // Decoded lists cost at most ~8x the packet's size in memory, so this also bounds them.
  std::size_t max_packet_bytes = kDefaultMaxPacketBytes;
};

enum class ParseStatus : std::uint8_t { ok, need_more, error };

// Why a packet was refused. reason_code() gives the 5.0 code to put in the DISCONNECT (or
// CONNACK, for a CONNECT); for 3.1.1 every error means "close the connection", except
// unsupported_protocol_version, answered first with a 3.1.1 CONNACK, return code 1, whatever the
// level the client asked for (3.1.1 §3.1.2.2; Mosquitto does the same).
enum class ParseError : std::uint8_t {
  none,
  remaining_length_invalid,      // more than 4 bytes of Remaining Length (§2.2.3)      0x81
  packet_type_invalid,           // type 0, or 15 (AUTH) in 3.1.1                          0x81
  fixed_header_flags_invalid,    // e.g. SUBSCRIBE without 0b0010 (§2.1.3)                 0x81
  packet_too_large,              // over Limits::max_packet_bytes                          0x95
  truncated,                     // a field runs past the Remaining Length                 0x81
  trailing_bytes,                // bytes left over after the last field                   0x81
  varint_invalid,                // a Variable Byte Integer of more than 4 bytes           0x81
  utf8_invalid,                  // ill-formed UTF-8, a surrogate or U+0000 (§1.5.4)        0x81
  qos_invalid,                   // QoS 3 in PUBLISH or will, or DUP set on QoS 0          0x81
  protocol_name_invalid,         // CONNECT protocol name is not "MQTT"                    0x81
  unsupported_protocol_version,  // protocol level other than 4 and 5                   0x84
  connect_flags_invalid,         // reserved bit, will QoS/retain without will, ...        0x81
  connack_flags_invalid,         // reserved bits, session present with a refusal          0x81
  reason_code_invalid,           // a reason code the packet type does not define          0x82
  property_invalid,              // unknown identifier or one not allowed here (§2.2.2.2)   0x81
  property_duplicate,            // a property that may appear once, twice                 0x82
  property_value_invalid,        // e.g. Receive Maximum 0, Maximum QoS 2, wildcard topic  0x82
  topic_alias_invalid,           // Topic Alias 0                                          0x94
  topic_name_invalid,            // empty (3.1.1) or wildcard PUBLISH topic (§4.7.1)        0x90
  topic_missing,                 // 5.0 PUBLISH with an empty topic and no alias           0x82
  topic_filter_invalid,          // bad wildcard use, empty filter, bad $share (§4.7, §4.8) 0x8F
  packet_id_missing,             // packet identifier 0 where one is required (§2.2.1)     0x82
  empty_list,                    // SUBSCRIBE/UNSUBSCRIBE/SUBACK/UNSUBACK with no entries  0x82
  subscription_options_invalid,  // reserved option bits set (§3.8.3.1)                  0x81
  subscription_qos_invalid,      // Maximum QoS 3 in a subscription (§3.8.3.1)             0x82
  retain_handling_invalid,       // Retain Handling 3                                      0x82
  no_local_on_shared,            // No Local on a shared subscription (§3.8.3.1)           0x82
};

struct ParseResult {
  ParseStatus status = ParseStatus::need_more;
  ParseError error = ParseError::none;  // set when status == error
  // Size of the whole packet, known as soon as the fixed header is complete (0 before that); with
  // need_more it tells the caller how many bytes to wait for.
  std::size_t packet_bytes = 0;
  std::size_t consumed = 0;  // == packet_bytes when ok; 0 otherwise
  // The version the packet was read as: parse()'s argument, except for a CONNECT, which declares
  // its own; kept on error once its protocol level is read, so a gateway can answer a bad 5.0
  // CONNECT with a 5.0 CONNACK (5.0 §3.1.4) and a bad 3.1.1 one by closing.
  Version version = Version::v5;
  Packet packet;  // valid when ok; its views point into the input
};

// Decodes the packet at the start of `input`, sent by a peer speaking `version` (ignored for
// CONNECT, which says its own version). Errors in the first byte or the length are reported as
// soon as those bytes are there, before the rest of the packet arrives.
ParseResult parse(std::string_view input, const Limits& limits, Version version);

struct FixedHeader {
  PacketType type = PacketType::pingreq;
  std::uint8_t flags = 0;
  std::size_t header_bytes = 0;  // 2 to 5
  std::size_t remaining_length = 0;
};

struct FixedHeaderResult {
  ParseStatus status = ParseStatus::need_more;
  ParseError error = ParseError::none;
  FixedHeader header;
};

// Only the fixed header: type, flags (checked), Remaining Length and the size limit.
FixedHeaderResult parse_fixed_header(std::string_view input, const Limits& limits, Version version);

// The 5.0 reason code for a DISCONNECT (or CONNACK) answering a packet refused with `error`.
ReasonCode reason_code(ParseError error);
// A stable name for logs and tests, e.g. "topic_name_invalid".
std::string_view parse_error_name(ParseError error);

}  // namespace parley::mqtt
