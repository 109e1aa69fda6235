// The fixed header (5.0 §2.1), dispatch to each packet's decoder, and the packets too small for a
// file of their own: PUBLISH and its acknowledgements, PINGREQ/PINGRESP, DISCONNECT and AUTH.
#include "gateway/mqtt/decoder.h"

#include "gateway/mqtt/decode_packets.h"
#include "gateway/mqtt/properties.h"

namespace parley::mqtt {
namespace {

using wire::PropertyScope;
using wire::Reader;

// The flags each type must carry (5.0 §2.1.3, table 2-2); PUBLISH is checked on its own.
ParseError check_flags(PacketType type, std::uint8_t flags) {
  switch (type) {
    case PacketType::publish: {
      const auto qos = static_cast<std::uint8_t>((flags & kPublishQosMask) >> kPublishQosShift);
      if (qos == 3) return ParseError::qos_invalid;  // MQTT-3.3.1-4
      // DUP must be 0 on QoS 0 (MQTT-3.3.1-2); Mosquitto refuses it as malformed too.
      if (qos == 0 && (flags & kPublishDup) != 0) return ParseError::qos_invalid;
      return ParseError::none;
    }
    case PacketType::pubrel:
    case PacketType::subscribe:
    case PacketType::unsubscribe:
      return flags == kFlagsReservedOne ? ParseError::none : ParseError::fixed_header_flags_invalid;
    default:
      return flags == 0 ? ParseError::none : ParseError::fixed_header_flags_invalid;
  }
}

ParseError decode_publish(Reader& r, std::uint8_t flags, Version v, Publish& out) {
  out.qos = static_cast<std::uint8_t>((flags & kPublishQosMask) >> kPublishQosShift);
  out.dup = (flags & kPublishDup) != 0;
  out.retain = (flags & kPublishRetain) != 0;
  PARLEY_MQTT_TRY(r.utf8(out.topic));
  // No wildcards in a topic name (MQTT-3.3.2-2).
  if (out.topic.find_first_of("+#") != std::string_view::npos) {
    return ParseError::topic_name_invalid;
  }
  if (out.qos > 0) {
    PARLEY_MQTT_TRY(r.u16(out.packet_id));
    if (out.packet_id == 0) return ParseError::packet_id_missing;  // MQTT-2.3.1-1
  }
  if (v == Version::v5) PARLEY_MQTT_TRY(read_properties(r, PropertyScope::publish, out.properties));
  if (out.topic.empty()) {
    // 3.1.1 needs a topic (MQTT-4.7.3-1); 5.0 allows an empty one only with a Topic Alias
    // (§3.3.2.3.4).
    if (v == Version::v311) return ParseError::topic_name_invalid;
    if (!out.properties.topic_alias) return ParseError::topic_missing;
  }
  out.payload = r.rest();
  r.skip_all();
  return ParseError::none;
}

// PUBACK, PUBREC, PUBREL, PUBCOMP. In 5.0 the reason code and properties may be left out when
// they are Success and empty (§3.4.2.1: Remaining Length 2 or 3).
template <PacketType kType>
ParseError decode_publish_response(Reader& r, Version v, PublishResponse<kType>& out) {
  PARLEY_MQTT_TRY(r.u16(out.packet_id));
  if (out.packet_id == 0) return ParseError::packet_id_missing;
  if (v == Version::v311 || r.empty()) return ParseError::none;
  std::uint8_t code = 0;
  PARLEY_MQTT_TRY(r.u8(code));
  out.reason_code = static_cast<ReasonCode>(code);
  if (!reason_code_allowed(kType, out.reason_code)) return ParseError::reason_code_invalid;
  if (r.empty()) return ParseError::none;
  return read_properties(r, wire::scope_of(kType), out.properties);
}

// DISCONNECT and AUTH (5.0): Remaining Length 0 means Success with no properties, 1 means a
// reason code alone (§3.14.2.1, §3.15.2.1). 3.1.1 DISCONNECT is empty.
template <class P>
ParseError decode_reason_only(Reader& r, PacketType type, Version v, P& out) {
  if (v == Version::v311 || r.empty()) return ParseError::none;
  std::uint8_t code = 0;
  PARLEY_MQTT_TRY(r.u8(code));
  out.reason_code = static_cast<ReasonCode>(code);
  if (!reason_code_allowed(type, out.reason_code)) return ParseError::reason_code_invalid;
  if (r.empty()) return ParseError::none;
  return read_properties(r, wire::scope_of(type), out.properties);
}

// `v` is the session's version; a CONNECT replaces it with the one it declares, once known.
ParseError decode_body(const FixedHeader& h, Reader& r, Version& v, Packet& packet) {
  switch (h.type) {
    case PacketType::connect: {
      Connect& connect = packet.emplace<Connect>();
      connect.version = v;  // until the protocol level is read
      const ParseError e = wire::decode_connect(r, connect);
      v = connect.version;
      return e;
    }
    case PacketType::connack:
      return wire::decode_connack(r, v, packet.emplace<Connack>());
    case PacketType::publish:
      return decode_publish(r, h.flags, v, packet.emplace<Publish>());
    case PacketType::puback:
      return decode_publish_response(r, v, packet.emplace<Puback>());
    case PacketType::pubrec:
      return decode_publish_response(r, v, packet.emplace<Pubrec>());
    case PacketType::pubrel:
      return decode_publish_response(r, v, packet.emplace<Pubrel>());
    case PacketType::pubcomp:
      return decode_publish_response(r, v, packet.emplace<Pubcomp>());
    case PacketType::subscribe:
      return wire::decode_subscribe(r, v, packet.emplace<Subscribe>());
    case PacketType::suback:
      return wire::decode_suback(r, v, packet.emplace<Suback>());
    case PacketType::unsubscribe:
      return wire::decode_unsubscribe(r, v, packet.emplace<Unsubscribe>());
    case PacketType::unsuback:
      return wire::decode_unsuback(r, v, packet.emplace<Unsuback>());
    case PacketType::pingreq:
      packet.emplace<Pingreq>();
      return ParseError::none;
    case PacketType::pingresp:
      packet.emplace<Pingresp>();
      return ParseError::none;
    case PacketType::disconnect:
      return decode_reason_only(r, h.type, v, packet.emplace<Disconnect>());
    case PacketType::auth:
      return decode_reason_only(r, h.type, v, packet.emplace<Auth>());
  }
  return ParseError::packet_type_invalid;
}

}  // namespace

FixedHeaderResult parse_fixed_header(std::string_view input, const Limits& limits,
                                     Version version) {
  FixedHeaderResult result;
  if (input.empty()) return result;
  const auto first = static_cast<std::uint8_t>(input[0]);
  const std::uint8_t type = first >> 4;
  const std::uint8_t flags = first & 0x0F;
  auto fail = [&](ParseError e) {
    result.status = ParseStatus::error;
    result.error = e;
    return result;
  };
  if (type == 0 || (type == 15 && version == Version::v311)) {
    return fail(ParseError::packet_type_invalid);
  }
  result.header.type = static_cast<PacketType>(type);
  result.header.flags = flags;
  if (const ParseError e = check_flags(result.header.type, flags); e != ParseError::none) {
    return fail(e);
  }
  // Remaining Length (§2.2.3 in 3.1.1, §2.1.4 in 5.0): refused as soon as a fourth byte still
  // says "more follows", without waiting for a fifth.
  std::size_t length = 0;
  for (std::size_t i = 0; i < kMaxVarintBytes; ++i) {
    if (1 + i >= input.size()) return result;  // need_more
    const auto b = static_cast<std::uint8_t>(input[1 + i]);
    length |= std::size_t{b & 0x7Fu} << (7 * i);
    if ((b & 0x80) != 0) continue;
    result.header.header_bytes = 2 + i;
    result.header.remaining_length = length;
    if (result.header.header_bytes + length > limits.max_packet_bytes) {
      return fail(ParseError::packet_too_large);
    }
    result.status = ParseStatus::ok;
    return result;
  }
  return fail(ParseError::remaining_length_invalid);
}

ParseResult parse(std::string_view input, const Limits& limits, Version version) {
  ParseResult result;
  result.version = version;
  const FixedHeaderResult fixed = parse_fixed_header(input, limits, version);
  if (fixed.status != ParseStatus::ok) {
    result.status = fixed.status;
    result.error = fixed.error;
    return result;
  }
  const FixedHeader& h = fixed.header;
  result.packet_bytes = h.header_bytes + h.remaining_length;
  if (input.size() < result.packet_bytes) return result;  // need_more
  Reader reader(input.substr(h.header_bytes, h.remaining_length));
  ParseError error = decode_body(h, reader, result.version, result.packet);
  if (error == ParseError::none && !reader.empty()) error = ParseError::trailing_bytes;
  if (error != ParseError::none) {
    result.status = ParseStatus::error;
    result.error = error;
    result.packet.emplace<Pingreq>();  // drop views and lists of the half-decoded packet
    return result;
  }
  result.status = ParseStatus::ok;
  result.consumed = result.packet_bytes;
  return result;
}

PacketType type_of(const Packet& packet) {
  return std::visit(
      [](const auto& p) -> PacketType {
        using P = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<P, Pingreq>) return PacketType::pingreq;
        if constexpr (std::is_same_v<P, Connect>) return PacketType::connect;
        if constexpr (std::is_same_v<P, Connack>) return PacketType::connack;
        if constexpr (std::is_same_v<P, Publish>) return PacketType::publish;
        if constexpr (std::is_same_v<P, Subscribe>) return PacketType::subscribe;
        if constexpr (std::is_same_v<P, Suback>) return PacketType::suback;
        if constexpr (std::is_same_v<P, Unsubscribe>) return PacketType::unsubscribe;
        if constexpr (std::is_same_v<P, Unsuback>) return PacketType::unsuback;
        if constexpr (std::is_same_v<P, Pingresp>) return PacketType::pingresp;
        if constexpr (std::is_same_v<P, Disconnect>) return PacketType::disconnect;
        if constexpr (std::is_same_v<P, Auth>) return PacketType::auth;
        if constexpr (requires { P::type; }) return P::type;
        return PacketType::pingreq;
      },
      packet);
}

}  // namespace parley::mqtt
