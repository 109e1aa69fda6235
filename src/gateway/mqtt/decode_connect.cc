// Decoding CONNECT (3.1.1 §3.1, 5.0 §3.1) and CONNACK (3.1.1 §3.2, 5.0 §3.2).
#include "gateway/mqtt/decode_packets.h"
#include "gateway/mqtt/properties.h"
#include "gateway/mqtt/topics.h"

namespace parley::mqtt::wire {
namespace {

// The protocol name and level decide the version of everything after them.
ParseError read_version(Reader& r, Version& out) {
  std::string_view name;
  std::uint8_t level = 0;
  // Read as bytes, not UTF-8: a wrong name is a wrong name, whatever its encoding.
  PARLEY_MQTT_TRY(r.binary(name));
  PARLEY_MQTT_TRY(r.u8(level));
  if (name == kProtocolName) {
    if (level == static_cast<std::uint8_t>(Version::v311)) {
      out = Version::v311;
      return ParseError::none;
    }
    if (level == static_cast<std::uint8_t>(Version::v5)) {
      out = Version::v5;
      return ParseError::none;
    }
    return ParseError::unsupported_protocol_version;  // 3.1.1 §3.1.2.2: CONNACK 0x01
  }
  // An MQTT 3.1 client gets "unacceptable protocol version" rather than a silent close.
  if (name == kProtocolNameV31 && level == kProtocolLevelV31) {
    return ParseError::unsupported_protocol_version;
  }
  return ParseError::protocol_name_invalid;  // 3.1.1 §3.1.2.1, 5.0 §3.1.2.1
}

}  // namespace

ParseError decode_connect(Reader& r, Connect& out) {
  PARLEY_MQTT_TRY(read_version(r, out.version));
  const bool v5 = out.version == Version::v5;
  std::uint8_t flags = 0;
  PARLEY_MQTT_TRY(r.u8(flags));
  if ((flags & kConnectReserved) != 0) return ParseError::connect_flags_invalid;  // MQTT-3.1.2-3
  out.clean_start = (flags & kConnectCleanStart) != 0;
  const bool will = (flags & kConnectWill) != 0;
  const auto will_qos =
      static_cast<std::uint8_t>((flags & kConnectWillQosMask) >> kConnectWillQosShift);
  const bool will_retain = (flags & kConnectWillRetain) != 0;
  const bool username = (flags & kConnectUsername) != 0;
  const bool password = (flags & kConnectPassword) != 0;
  // Will QoS and Will Retain must be 0 without a will (MQTT-3.1.2-11, -13; 5.0 §3.1.2.6-7).
  if (!will && (will_qos != 0 || will_retain)) return ParseError::connect_flags_invalid;
  if (will && will_qos == 3) return ParseError::qos_invalid;  // MQTT-3.1.2-14
  // 3.1.1 forbids a password without a user name (MQTT-3.1.2-22); 5.0 allows it (§3.1.2.9).
  if (!v5 && password && !username) return ParseError::connect_flags_invalid;
  PARLEY_MQTT_TRY(r.u16(out.keep_alive));
  if (v5) PARLEY_MQTT_TRY(read_properties(r, PropertyScope::connect, out.properties));

  // Payload, in this order (3.1.1 §3.1.3, 5.0 §3.1.3).
  PARLEY_MQTT_TRY(r.utf8(out.client_id));
  if (will) {
    Will& w = out.will.emplace();
    w.qos = will_qos;
    w.retain = will_retain;
    if (v5) PARLEY_MQTT_TRY(read_properties(r, PropertyScope::will, w.properties));
    PARLEY_MQTT_TRY(r.utf8(w.topic));
    if (!is_valid_topic_name(w.topic)) return ParseError::topic_name_invalid;
    PARLEY_MQTT_TRY(r.binary(w.payload));
  }
  if (username) PARLEY_MQTT_TRY(r.utf8(out.username.emplace()));
  if (password) PARLEY_MQTT_TRY(r.binary(out.password.emplace()));
  return ParseError::none;
}

ParseError decode_connack(Reader& r, Version v, Connack& out) {
  std::uint8_t flags = 0;
  std::uint8_t code = 0;
  PARLEY_MQTT_TRY(r.u8(flags));
  PARLEY_MQTT_TRY(r.u8(code));
  if ((flags & ~kConnackSessionPresent) != 0) return ParseError::connack_flags_invalid;
  out.session_present = (flags & kConnackSessionPresent) != 0;
  if (v == Version::v311) {
    if (code > static_cast<std::uint8_t>(ConnectReturnCode::not_authorized)) {
      return ParseError::reason_code_invalid;  // 6-255 are reserved (3.1.1 §3.2.2.3)
    }
    out.reason_code = reason_code_of(static_cast<ConnectReturnCode>(code));
  } else {
    out.reason_code = static_cast<ReasonCode>(code);
    if (!reason_code_allowed(PacketType::connack, out.reason_code)) {
      return ParseError::reason_code_invalid;
    }
    PARLEY_MQTT_TRY(read_properties(r, PropertyScope::connack, out.properties));
  }
  // A refusal never has a session (MQTT-3.2.2-4, 5.0 MQTT-3.2.2-6).
  if (out.session_present && out.reason_code != ReasonCode::success) {
    return ParseError::connack_flags_invalid;
  }
  return ParseError::none;
}

}  // namespace parley::mqtt::wire
