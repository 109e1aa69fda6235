// Decoding SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK (3.1.1 §3.8-3.11, 5.0 §3.8-3.11).
#include "gateway/mqtt/decode_packets.h"
#include "gateway/mqtt/properties.h"
#include "gateway/mqtt/topics.h"

namespace parley::mqtt::wire {
namespace {

ParseError read_packet_id(Reader& r, std::uint16_t& out) {
  PARLEY_MQTT_TRY(r.u16(out));
  return out == 0 ? ParseError::packet_id_missing : ParseError::none;  // MQTT-2.3.1-1
}

ParseError read_filter(Reader& r, Version v, std::string_view& filter, bool& shared) {
  PARLEY_MQTT_TRY(r.utf8(filter));
  const std::optional<TopicFilter> parsed = parse_topic_filter(filter, v);
  if (!parsed) return ParseError::topic_filter_invalid;
  shared = parsed->shared();
  return ParseError::none;
}

ParseError read_subscription(Reader& r, Version v, Subscription& out) {
  bool shared = false;
  PARLEY_MQTT_TRY(read_filter(r, v, out.filter, shared));
  std::uint8_t options = 0;
  PARLEY_MQTT_TRY(r.u8(options));
  // Reserved bits must be 0 (MQTT-3.8.3-4 in 3.1.1, MQTT-3.8.3-5 in 5.0).
  const std::uint8_t reserved = v == Version::v5 ? kSubscribeReservedV5 : kSubscribeReservedV311;
  if ((options & reserved) != 0) return ParseError::subscription_options_invalid;
  out.qos = options & kSubscribeQosMask;
  if (out.qos == 3) return ParseError::subscription_qos_invalid;
  if (v == Version::v311) return ParseError::none;
  out.no_local = (options & kSubscribeNoLocal) != 0;
  out.retain_as_published = (options & kSubscribeRetainAsPublished) != 0;
  const auto handling = static_cast<std::uint8_t>((options & kSubscribeRetainHandlingMask) >>
                                                  kSubscribeRetainHandlingShift);
  if (handling == 3) return ParseError::retain_handling_invalid;
  out.retain_handling = static_cast<RetainHandling>(handling);
  if (shared && out.no_local) return ParseError::no_local_on_shared;  // MQTT-3.8.3-4 (5.0)
  return ParseError::none;
}

bool suback_code_allowed(Version v, ReasonCode code) {
  if (v == Version::v5) return reason_code_allowed(PacketType::suback, code);
  // 3.1.1 §3.9.3: granted QoS 0, 1, 2 or failure.
  const auto c = static_cast<std::uint8_t>(code);
  return c <= 2 || c == 0x80;
}

}  // namespace

ParseError decode_subscribe(Reader& r, Version v, Subscribe& out) {
  PARLEY_MQTT_TRY(read_packet_id(r, out.packet_id));
  if (v == Version::v5)
    PARLEY_MQTT_TRY(read_properties(r, PropertyScope::subscribe, out.properties));
  while (!r.empty()) {
    PARLEY_MQTT_TRY(read_subscription(r, v, out.subscriptions.emplace_back()));
  }
  // At least one subscription (MQTT-3.8.3-3 in 3.1.1, MQTT-3.8.3-2 in 5.0).
  return out.subscriptions.empty() ? ParseError::empty_list : ParseError::none;
}

ParseError decode_suback(Reader& r, Version v, Suback& out) {
  PARLEY_MQTT_TRY(read_packet_id(r, out.packet_id));
  if (v == Version::v5) PARLEY_MQTT_TRY(read_properties(r, PropertyScope::suback, out.properties));
  while (!r.empty()) {
    std::uint8_t code = 0;
    PARLEY_MQTT_TRY(r.u8(code));
    const auto reason = static_cast<ReasonCode>(code);
    if (!suback_code_allowed(v, reason)) return ParseError::reason_code_invalid;
    out.reason_codes.push_back(reason);
  }
  return out.reason_codes.empty() ? ParseError::empty_list : ParseError::none;
}

ParseError decode_unsubscribe(Reader& r, Version v, Unsubscribe& out) {
  PARLEY_MQTT_TRY(read_packet_id(r, out.packet_id));
  if (v == Version::v5) {
    PARLEY_MQTT_TRY(read_properties(r, PropertyScope::unsubscribe, out.properties));
  }
  while (!r.empty()) {
    bool shared = false;
    PARLEY_MQTT_TRY(read_filter(r, v, out.filters.emplace_back(), shared));
  }
  // At least one filter (MQTT-3.10.3-2).
  return out.filters.empty() ? ParseError::empty_list : ParseError::none;
}

ParseError decode_unsuback(Reader& r, Version v, Unsuback& out) {
  PARLEY_MQTT_TRY(read_packet_id(r, out.packet_id));
  if (v == Version::v311) return ParseError::none;  // just the packet id (3.1.1 §3.11)
  PARLEY_MQTT_TRY(read_properties(r, PropertyScope::unsuback, out.properties));
  while (!r.empty()) {
    std::uint8_t code = 0;
    PARLEY_MQTT_TRY(r.u8(code));
    const auto reason = static_cast<ReasonCode>(code);
    if (!reason_code_allowed(PacketType::unsuback, reason)) return ParseError::reason_code_invalid;
    out.reason_codes.push_back(reason);
  }
  return out.reason_codes.empty() ? ParseError::empty_list : ParseError::none;
}

}  // namespace parley::mqtt::wire
