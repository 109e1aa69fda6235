// The 5.0 property block: the table of where each property may appear (5.0 §2.2.2.2, table 2-4)
// and its reader and writer.
#include "gateway/mqtt/properties.h"

#include "gateway/mqtt/topics.h"

namespace parley::mqtt::wire {
namespace {

constexpr std::uint32_t in(PropertyScope s) { return 1u << static_cast<unsigned>(s); }
constexpr std::uint32_t kEverywhere = 0xFFFFFFFFu;
constexpr std::uint32_t kMessage = in(PropertyScope::publish) | in(PropertyScope::will);
constexpr std::uint32_t kConnack = in(PropertyScope::connack);
constexpr std::uint32_t kConnectAndConnack =
    in(PropertyScope::connect) | in(PropertyScope::connack);

// Bit mask of the scopes a property may appear in; 0 for identifiers 5.0 does not define.
std::uint32_t allowed_scopes(std::uint32_t id) {
  switch (static_cast<PropertyId>(id)) {
    case PropertyId::payload_format_indicator:
    case PropertyId::message_expiry_interval:
    case PropertyId::content_type:
    case PropertyId::response_topic:
    case PropertyId::correlation_data:
      return kMessage;
    case PropertyId::subscription_identifier:
      return in(PropertyScope::publish) | in(PropertyScope::subscribe);
    case PropertyId::session_expiry_interval:
      return kConnectAndConnack | in(PropertyScope::disconnect);
    case PropertyId::assigned_client_identifier:
    case PropertyId::server_keep_alive:
    case PropertyId::response_information:
    case PropertyId::maximum_qos:
    case PropertyId::retain_available:
    case PropertyId::wildcard_subscription_available:
    case PropertyId::subscription_identifier_available:
    case PropertyId::shared_subscription_available:
      return kConnack;
    case PropertyId::authentication_method:
    case PropertyId::authentication_data:
      return kConnectAndConnack | in(PropertyScope::auth);
    case PropertyId::request_problem_information:
    case PropertyId::request_response_information:
      return in(PropertyScope::connect);
    case PropertyId::will_delay_interval:
      return in(PropertyScope::will);
    case PropertyId::server_reference:
      return kConnack | in(PropertyScope::disconnect);
    case PropertyId::reason_string:
      return kConnack | in(PropertyScope::puback) | in(PropertyScope::pubrec) |
             in(PropertyScope::pubrel) | in(PropertyScope::pubcomp) | in(PropertyScope::suback) |
             in(PropertyScope::unsuback) | in(PropertyScope::disconnect) | in(PropertyScope::auth);
    case PropertyId::receive_maximum:
    case PropertyId::topic_alias_maximum:
    case PropertyId::maximum_packet_size:
      return kConnectAndConnack;
    case PropertyId::topic_alias:
      return in(PropertyScope::publish);
    case PropertyId::user_property:
      return kEverywhere;
  }
  return 0;
}

// A byte property whose only values are 0 and 1 (e.g. 5.0 §3.1.2.11.7, §3.2.2.3.5).
ParseError read_flag(Reader& r, std::optional<bool>& out) {
  std::uint8_t v = 0;
  PARLEY_MQTT_TRY(r.u8(v));
  if (v > 1) return ParseError::property_value_invalid;
  out = v == 1;
  return ParseError::none;
}

ParseError read_u16(Reader& r, std::optional<std::uint16_t>& out, bool nonzero) {
  std::uint16_t v = 0;
  PARLEY_MQTT_TRY(r.u16(v));
  if (nonzero && v == 0) return ParseError::property_value_invalid;
  out = v;
  return ParseError::none;
}

ParseError read_u32(Reader& r, std::optional<std::uint32_t>& out, bool nonzero) {
  std::uint32_t v = 0;
  PARLEY_MQTT_TRY(r.u32(v));
  if (nonzero && v == 0) return ParseError::property_value_invalid;
  out = v;
  return ParseError::none;
}

ParseError read_string(Reader& r, std::optional<std::string_view>& out) {
  std::string_view v;
  PARLEY_MQTT_TRY(r.utf8(v));
  out = v;
  return ParseError::none;
}

ParseError read_binary(Reader& r, std::optional<std::string_view>& out) {
  std::string_view v;
  PARLEY_MQTT_TRY(r.binary(v));
  out = v;
  return ParseError::none;
}

ParseError read_one(Reader& r, PropertyId id, Properties& out) {
  switch (id) {
    case PropertyId::payload_format_indicator: {
      std::optional<bool> utf8;
      PARLEY_MQTT_TRY(read_flag(r, utf8));
      out.payload_format_indicator = *utf8 ? PayloadFormat::utf8 : PayloadFormat::unspecified;
      return ParseError::none;
    }
    case PropertyId::message_expiry_interval:
      return read_u32(r, out.message_expiry_interval, false);
    case PropertyId::content_type:
      return read_string(r, out.content_type);
    case PropertyId::response_topic:
      // A Topic Name, so no wildcards (5.0 §3.3.2.3.5).
      PARLEY_MQTT_TRY(read_string(r, out.response_topic));
      return is_valid_topic_name(*out.response_topic) ? ParseError::none
                                                      : ParseError::property_value_invalid;
    case PropertyId::correlation_data:
      return read_binary(r, out.correlation_data);
    case PropertyId::subscription_identifier: {
      std::uint32_t v = 0;
      PARLEY_MQTT_TRY(r.varint(v));
      if (v == 0) return ParseError::property_value_invalid;  // 5.0 §3.3.2.3.8
      out.subscription_identifiers.push_back(v);
      return ParseError::none;
    }
    case PropertyId::session_expiry_interval:
      return read_u32(r, out.session_expiry_interval, false);
    case PropertyId::assigned_client_identifier:
      return read_string(r, out.assigned_client_identifier);
    case PropertyId::server_keep_alive:
      return read_u16(r, out.server_keep_alive, false);
    case PropertyId::authentication_method:
      return read_string(r, out.authentication_method);
    case PropertyId::authentication_data:
      return read_binary(r, out.authentication_data);
    case PropertyId::request_problem_information:
      return read_flag(r, out.request_problem_information);
    case PropertyId::will_delay_interval:
      return read_u32(r, out.will_delay_interval, false);
    case PropertyId::request_response_information:
      return read_flag(r, out.request_response_information);
    case PropertyId::response_information:
      return read_string(r, out.response_information);
    case PropertyId::server_reference:
      return read_string(r, out.server_reference);
    case PropertyId::reason_string:
      return read_string(r, out.reason_string);
    case PropertyId::receive_maximum:
      return read_u16(r, out.receive_maximum, true);  // 5.0 §3.1.2.11.3
    case PropertyId::topic_alias_maximum:
      return read_u16(r, out.topic_alias_maximum, false);
    case PropertyId::topic_alias: {
      std::uint16_t v = 0;
      PARLEY_MQTT_TRY(r.u16(v));
      if (v == 0) return ParseError::topic_alias_invalid;  // 5.0 §3.3.2.3.4
      out.topic_alias = v;
      return ParseError::none;
    }
    case PropertyId::maximum_qos: {
      std::uint8_t v = 0;
      PARLEY_MQTT_TRY(r.u8(v));
      if (v > 1) return ParseError::property_value_invalid;  // 5.0 §3.2.2.3.4
      out.maximum_qos = v;
      return ParseError::none;
    }
    case PropertyId::retain_available:
      return read_flag(r, out.retain_available);
    case PropertyId::user_property: {
      UserProperty p;
      PARLEY_MQTT_TRY(r.utf8(p.name));
      PARLEY_MQTT_TRY(r.utf8(p.value));
      out.user_properties.push_back(p);
      return ParseError::none;
    }
    case PropertyId::maximum_packet_size:
      return read_u32(r, out.maximum_packet_size, true);  // 5.0 §3.1.2.11.4
    case PropertyId::wildcard_subscription_available:
      return read_flag(r, out.wildcard_subscription_available);
    case PropertyId::subscription_identifier_available:
      return read_flag(r, out.subscription_identifier_available);
    case PropertyId::shared_subscription_available:
      return read_flag(r, out.shared_subscription_available);
  }
  return ParseError::property_invalid;
}

void write_string(Writer& w, PropertyId id, const std::optional<std::string_view>& v) {
  if (!v) return;
  w.u8(static_cast<std::uint8_t>(id));
  w.string(*v);
}
void write_flag(Writer& w, PropertyId id, const std::optional<bool>& v) {
  if (!v) return;
  w.u8(static_cast<std::uint8_t>(id));
  w.u8(*v ? 1 : 0);
}
void write_u16(Writer& w, PropertyId id, const std::optional<std::uint16_t>& v) {
  if (!v) return;
  w.u8(static_cast<std::uint8_t>(id));
  w.u16(*v);
}
void write_u32(Writer& w, PropertyId id, const std::optional<std::uint32_t>& v) {
  if (!v) return;
  w.u8(static_cast<std::uint8_t>(id));
  w.u32(*v);
}

void write_body(Writer& w, const Properties& p) {
  using Id = PropertyId;
  if (p.payload_format_indicator) {
    w.u8(static_cast<std::uint8_t>(Id::payload_format_indicator));
    w.u8(static_cast<std::uint8_t>(*p.payload_format_indicator));
  }
  write_u32(w, Id::message_expiry_interval, p.message_expiry_interval);
  write_string(w, Id::content_type, p.content_type);
  write_string(w, Id::response_topic, p.response_topic);
  write_string(w, Id::correlation_data, p.correlation_data);
  for (const std::uint32_t id : p.subscription_identifiers) {
    w.u8(static_cast<std::uint8_t>(Id::subscription_identifier));
    w.varint(id);
  }
  write_u32(w, Id::session_expiry_interval, p.session_expiry_interval);
  write_string(w, Id::assigned_client_identifier, p.assigned_client_identifier);
  write_u16(w, Id::server_keep_alive, p.server_keep_alive);
  write_string(w, Id::authentication_method, p.authentication_method);
  write_string(w, Id::authentication_data, p.authentication_data);
  write_flag(w, Id::request_problem_information, p.request_problem_information);
  write_u32(w, Id::will_delay_interval, p.will_delay_interval);
  write_flag(w, Id::request_response_information, p.request_response_information);
  write_string(w, Id::response_information, p.response_information);
  write_string(w, Id::server_reference, p.server_reference);
  write_string(w, Id::reason_string, p.reason_string);
  write_u16(w, Id::receive_maximum, p.receive_maximum);
  write_u16(w, Id::topic_alias_maximum, p.topic_alias_maximum);
  write_u16(w, Id::topic_alias, p.topic_alias);
  if (p.maximum_qos) {
    w.u8(static_cast<std::uint8_t>(Id::maximum_qos));
    w.u8(*p.maximum_qos);
  }
  write_flag(w, Id::retain_available, p.retain_available);
  for (const UserProperty& u : p.user_properties) {
    w.u8(static_cast<std::uint8_t>(Id::user_property));
    w.string(u.name);
    w.string(u.value);
  }
  write_u32(w, Id::maximum_packet_size, p.maximum_packet_size);
  write_flag(w, Id::wildcard_subscription_available, p.wildcard_subscription_available);
  write_flag(w, Id::subscription_identifier_available, p.subscription_identifier_available);
  write_flag(w, Id::shared_subscription_available, p.shared_subscription_available);
}

}  // namespace

ParseError read_properties(Reader& reader, PropertyScope scope, Properties& out) {
  std::uint32_t length = 0;
  PARLEY_MQTT_TRY(reader.varint(length));
  std::string_view block;
  PARLEY_MQTT_TRY(reader.bytes(length, block));
  Reader r(block);
  std::uint64_t seen = 0;  // one bit per identifier; every defined one is below 64
  while (!r.empty()) {
    // The identifier is a Variable Byte Integer, though every defined one fits in a byte.
    std::uint32_t id = 0;
    PARLEY_MQTT_TRY(r.varint(id));
    if (id >= 64 || (allowed_scopes(id) & in(scope)) == 0) return ParseError::property_invalid;
    const auto property = static_cast<PropertyId>(id);
    const bool repeatable =
        property == PropertyId::user_property ||
        (property == PropertyId::subscription_identifier && scope == PropertyScope::publish);
    const std::uint64_t bit = std::uint64_t{1} << id;
    if (!repeatable && (seen & bit) != 0) return ParseError::property_duplicate;
    seen |= bit;
    PARLEY_MQTT_TRY(read_one(r, property, out));
  }
  // 5.0 §3.1.2.11.10, §3.2.2.3.18, §3.15.2.2.4.
  if (out.authentication_data && !out.authentication_method) {
    return ParseError::property_value_invalid;
  }
  return ParseError::none;
}

void write_properties(Writer& writer, const Properties& props) {
  Writer counter(nullptr);
  write_body(counter, props);
  if (counter.failed() || counter.count() > kMaxVarint) {
    writer.fail();
    writer.varint(0);
    return;
  }
  writer.varint(static_cast<std::uint32_t>(counter.count()));
  write_body(writer, props);
}

bool properties_empty(const Properties& props) { return props == Properties{}; }

}  // namespace parley::mqtt::wire
