// The one place a decode error becomes a 5.0 reason code (5.0 §4.13: Malformed Packet versus
// Protocol Error), and the names of the errors for logs.
#include "gateway/mqtt/decoder.h"

namespace parley::mqtt {

ReasonCode reason_code(ParseError error) {
  switch (error) {
    case ParseError::none:
      return ReasonCode::success;
    case ParseError::packet_too_large:
      return ReasonCode::packet_too_large;
    case ParseError::unsupported_protocol_version:
      return ReasonCode::unsupported_protocol_version;
    case ParseError::topic_alias_invalid:
      return ReasonCode::topic_alias_invalid;
    case ParseError::topic_name_invalid:
      return ReasonCode::topic_name_invalid;
    case ParseError::topic_filter_invalid:
      return ReasonCode::topic_filter_invalid;
    // The spec calls these a Protocol Error: the bytes parse, but break a rule.
    case ParseError::reason_code_invalid:
    case ParseError::property_duplicate:
    case ParseError::property_value_invalid:
    case ParseError::topic_missing:
    case ParseError::packet_id_missing:
    case ParseError::empty_list:
    case ParseError::subscription_qos_invalid:
    case ParseError::retain_handling_invalid:
    case ParseError::no_local_on_shared:
      return ReasonCode::protocol_error;
    // And these a Malformed Packet.
    case ParseError::remaining_length_invalid:
    case ParseError::packet_type_invalid:
    case ParseError::fixed_header_flags_invalid:
    case ParseError::truncated:
    case ParseError::trailing_bytes:
    case ParseError::varint_invalid:
    case ParseError::utf8_invalid:
    case ParseError::qos_invalid:
    case ParseError::protocol_name_invalid:
    case ParseError::connect_flags_invalid:
    case ParseError::connack_flags_invalid:
    case ParseError::property_invalid:
    case ParseError::subscription_options_invalid:
      return ReasonCode::malformed_packet;
  }
  return ReasonCode::malformed_packet;
}

std::string_view parse_error_name(ParseError error) {
  switch (error) {
    case ParseError::none:
      return "none";
    case ParseError::remaining_length_invalid:
      return "remaining_length_invalid";
    case ParseError::packet_type_invalid:
      return "packet_type_invalid";
    case ParseError::fixed_header_flags_invalid:
      return "fixed_header_flags_invalid";
    case ParseError::packet_too_large:
      return "packet_too_large";
    case ParseError::truncated:
      return "truncated";
    case ParseError::trailing_bytes:
      return "trailing_bytes";
    case ParseError::varint_invalid:
      return "varint_invalid";
    case ParseError::utf8_invalid:
      return "utf8_invalid";
    case ParseError::qos_invalid:
      return "qos_invalid";
    case ParseError::protocol_name_invalid:
      return "protocol_name_invalid";
    case ParseError::unsupported_protocol_version:
      return "unsupported_protocol_version";
    case ParseError::connect_flags_invalid:
      return "connect_flags_invalid";
    case ParseError::connack_flags_invalid:
      return "connack_flags_invalid";
    case ParseError::reason_code_invalid:
      return "reason_code_invalid";
    case ParseError::property_invalid:
      return "property_invalid";
    case ParseError::property_duplicate:
      return "property_duplicate";
    case ParseError::property_value_invalid:
      return "property_value_invalid";
    case ParseError::topic_alias_invalid:
      return "topic_alias_invalid";
    case ParseError::topic_name_invalid:
      return "topic_name_invalid";
    case ParseError::topic_missing:
      return "topic_missing";
    case ParseError::topic_filter_invalid:
      return "topic_filter_invalid";
    case ParseError::packet_id_missing:
      return "packet_id_missing";
    case ParseError::empty_list:
      return "empty_list";
    case ParseError::subscription_options_invalid:
      return "subscription_options_invalid";
    case ParseError::subscription_qos_invalid:
      return "subscription_qos_invalid";
    case ParseError::retain_handling_invalid:
      return "retain_handling_invalid";
    case ParseError::no_local_on_shared:
      return "no_local_on_shared";
  }
  return "unknown";
}

}  // namespace parley::mqtt
