// MQTT wire constants shared by the decoder and the encoder: packet types, fixed-header flags,
// property identifiers, 5.0 reason codes and 3.1.1 CONNACK return codes (OASIS MQTT 3.1.1 and 5.0).
#pragma once

#include <cstddef>
#include <cstdint>

namespace parley::mqtt {

// The protocol level of CONNECT (3.1.1 §3.1.2.2, 5.0 §3.1.2.2).
enum class Version : std::uint8_t { v311 = 4, v5 = 5 };

// Control packet types: the high nibble of the first byte (5.0 §2.1.2). 0 is reserved; 15 is
// reserved in 3.1.1 and AUTH in 5.0.
enum class PacketType : std::uint8_t {
  connect = 1,
  connack = 2,
  publish = 3,
  puback = 4,
  pubrec = 5,
  pubrel = 6,
  pubcomp = 7,
  subscribe = 8,
  suback = 9,
  unsubscribe = 10,
  unsuback = 11,
  pingreq = 12,
  pingresp = 13,
  disconnect = 14,
  auth = 15,
};

// Fixed-header flags (the low nibble, 5.0 §2.1.3). PUBREL, SUBSCRIBE and UNSUBSCRIBE must carry
// 0b0010; every other type but PUBLISH must carry 0.
inline constexpr std::uint8_t kFlagsReservedOne = 0x02;
inline constexpr std::uint8_t kPublishDup = 0x08;
inline constexpr std::uint8_t kPublishQosShift = 1;
inline constexpr std::uint8_t kPublishQosMask = 0x06;
inline constexpr std::uint8_t kPublishRetain = 0x01;

// CONNECT flags byte (3.1.1 §3.1.2.3, 5.0 §3.1.2.3).
inline constexpr std::uint8_t kConnectReserved = 0x01;
inline constexpr std::uint8_t kConnectCleanStart = 0x02;
inline constexpr std::uint8_t kConnectWill = 0x04;
inline constexpr std::uint8_t kConnectWillQosShift = 3;
inline constexpr std::uint8_t kConnectWillQosMask = 0x18;
inline constexpr std::uint8_t kConnectWillRetain = 0x20;
inline constexpr std::uint8_t kConnectPassword = 0x40;
inline constexpr std::uint8_t kConnectUsername = 0x80;

// CONNACK acknowledge flags: only bit 0 is defined (5.0 §3.2.2.1).
inline constexpr std::uint8_t kConnackSessionPresent = 0x01;

// SUBSCRIBE options byte (5.0 §3.8.3.1); in 3.1.1 only the QoS bits exist.
inline constexpr std::uint8_t kSubscribeQosMask = 0x03;
inline constexpr std::uint8_t kSubscribeNoLocal = 0x04;
inline constexpr std::uint8_t kSubscribeRetainAsPublished = 0x08;
inline constexpr std::uint8_t kSubscribeRetainHandlingShift = 4;
inline constexpr std::uint8_t kSubscribeRetainHandlingMask = 0x30;
inline constexpr std::uint8_t kSubscribeReservedV5 = 0xC0;
inline constexpr std::uint8_t kSubscribeReservedV311 = 0xFC;

// Sizes: a Variable Byte Integer has at most 4 bytes (5.0 §1.5.5), so the fixed header at most 5.
inline constexpr std::size_t kMaxVarintBytes = 4;
inline constexpr std::size_t kMaxFixedHeaderBytes = 1 + kMaxVarintBytes;
inline constexpr std::uint32_t kMaxVarint = 268'435'455;
inline constexpr std::size_t kMaxStringBytes = 65'535;
// What the protocol itself allows for a whole packet; a gateway sets a far smaller limit.
inline constexpr std::size_t kMaxPacketBytes = kMaxFixedHeaderBytes + kMaxVarint;

// Protocol names in CONNECT. "MQIsdp" (level 3, MQTT 3.1) is recognised only to refuse it politely.
inline constexpr char kProtocolName[] = "MQTT";
inline constexpr char kProtocolNameV31[] = "MQIsdp";
inline constexpr std::uint8_t kProtocolLevelV31 = 3;

// 5.0 property identifiers (5.0 §2.2.2.2, table 2-4).
enum class PropertyId : std::uint8_t {
  payload_format_indicator = 0x01,
  message_expiry_interval = 0x02,
  content_type = 0x03,
  response_topic = 0x08,
  correlation_data = 0x09,
  subscription_identifier = 0x0B,
  session_expiry_interval = 0x11,
  assigned_client_identifier = 0x12,
  server_keep_alive = 0x13,
  authentication_method = 0x15,
  authentication_data = 0x16,
  request_problem_information = 0x17,
  will_delay_interval = 0x18,
  request_response_information = 0x19,
  response_information = 0x1A,
  server_reference = 0x1C,
  reason_string = 0x1F,
  receive_maximum = 0x21,
  topic_alias_maximum = 0x22,
  topic_alias = 0x23,
  maximum_qos = 0x24,
  retain_available = 0x25,
  user_property = 0x26,
  maximum_packet_size = 0x27,
  wildcard_subscription_available = 0x28,
  subscription_identifier_available = 0x29,
  shared_subscription_available = 0x2A,
};

// 5.0 reason codes (5.0 §2.4, table 2-6). 0x00 means success, normal disconnection or granted
// QoS 0 depending on the packet; the SUBACK codes 0x00-0x02 and 0x80 are also the 3.1.1 SUBACK
// return codes.
enum class ReasonCode : std::uint8_t {
  success = 0x00,  // also normal_disconnection, granted_qos_0
  granted_qos_1 = 0x01,
  granted_qos_2 = 0x02,
  disconnect_with_will_message = 0x04,
  no_matching_subscribers = 0x10,
  no_subscription_existed = 0x11,
  continue_authentication = 0x18,
  re_authenticate = 0x19,
  unspecified_error = 0x80,
  malformed_packet = 0x81,
  protocol_error = 0x82,
  implementation_specific_error = 0x83,
  unsupported_protocol_version = 0x84,
  client_identifier_not_valid = 0x85,
  bad_user_name_or_password = 0x86,
  not_authorized = 0x87,
  server_unavailable = 0x88,
  server_busy = 0x89,
  banned = 0x8A,
  server_shutting_down = 0x8B,
  bad_authentication_method = 0x8C,
  keep_alive_timeout = 0x8D,
  session_taken_over = 0x8E,
  topic_filter_invalid = 0x8F,
  topic_name_invalid = 0x90,
  packet_identifier_in_use = 0x91,
  packet_identifier_not_found = 0x92,
  receive_maximum_exceeded = 0x93,
  topic_alias_invalid = 0x94,
  packet_too_large = 0x95,
  message_rate_too_high = 0x96,
  quota_exceeded = 0x97,
  administrative_action = 0x98,
  payload_format_invalid = 0x99,
  retain_not_supported = 0x9A,
  qos_not_supported = 0x9B,
  use_another_server = 0x9C,
  server_moved = 0x9D,
  shared_subscriptions_not_supported = 0x9E,
  connection_rate_exceeded = 0x9F,
  maximum_connect_time = 0xA0,
  subscription_identifiers_not_supported = 0xA1,
  wildcard_subscriptions_not_supported = 0xA2,
};

// 3.1.1 CONNACK return codes (3.1.1 §3.2.2.3, table 3.1).
enum class ConnectReturnCode : std::uint8_t {
  accepted = 0,
  unacceptable_protocol_version = 1,
  identifier_rejected = 2,
  server_unavailable = 3,
  bad_user_name_or_password = 4,
  not_authorized = 5,
};

// Whether `code` may appear in a packet of `type` received from the peer (5.0 tables in §3.2.2.2,
// §3.4.2.1, §3.5.2.1, §3.6.2.1, §3.7.2.1, §3.9.3, §3.11.3, §3.14.2.1, §3.15.2.1).
bool reason_code_allowed(PacketType type, ReasonCode code);

// The 3.1.1 CONNACK return code a gateway sends for a 5.0 reason: the five refusals map one to one
// (0x84→1, 0x85→2, 0x88→3, 0x86→4, 0x87→5); other refusals become 3 (server unavailable) or 5
// (not authorized, banned), the closest 3.1.1 meaning.
ConnectReturnCode connect_return_code(ReasonCode code);
// The inverse on the six 3.1.1 codes; what the decoder reports for a 3.1.1 CONNACK.
ReasonCode reason_code_of(ConnectReturnCode code);

}  // namespace parley::mqtt
