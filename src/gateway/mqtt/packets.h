// The MQTT control packets as typed values, one struct per packet type, for both 3.1.1 and 5.0.
//
// Decoded strings and binary fields are std::string_view into the bytes given to parse(): the
// gateway parses straight from its read buffer (as the native session does) and a PUBLISH costs
// no copy of its topic or payload until the gateway decides what to keep. The views are valid
// only while those bytes are; copy anything that must outlive the buffer (retained messages,
// session state). Lists (subscriptions, user properties, reason codes) are std::vector, so a
// PUBLISH without user properties allocates nothing. For encoding, the views point at whatever the
// caller owns for the duration of the encode() call.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "gateway/mqtt/wire_format.h"

namespace parley::mqtt {

struct UserProperty {
  std::string_view name;
  std::string_view value;
  bool operator==(const UserProperty&) const = default;
};

enum class PayloadFormat : std::uint8_t { unspecified = 0, utf8 = 1 };

// Every 5.0 property (5.0 §2.2.2.2), typed. Absent properties are nullopt / empty. A decoded
// packet holds only the properties its type allows; 3.1.1 packets have none, and the encoder
// writes none for 3.1.1. Byte-valued booleans are bool (their only legal values are 0 and 1).
struct Properties {
  std::optional<PayloadFormat> payload_format_indicator;  // PUBLISH, will
  std::optional<std::uint32_t> message_expiry_interval;   // PUBLISH, will (seconds)
  std::optional<std::string_view> content_type;           // PUBLISH, will
  std::optional<std::string_view> response_topic;         // PUBLISH, will (a topic name)
  std::optional<std::string_view> correlation_data;       // PUBLISH, will (binary)
  // PUBLISH (server to client, one per matching subscription; a gateway refuses them from a
  // client, MQTT-3.3.4-6) and SUBSCRIBE (at most one).
  std::vector<std::uint32_t> subscription_identifiers;
  std::optional<std::uint32_t> session_expiry_interval;        // CONNECT, CONNACK, DISCONNECT
  std::optional<std::string_view> assigned_client_identifier;  // CONNACK
  std::optional<std::uint16_t> server_keep_alive;              // CONNACK
  std::optional<std::string_view> authentication_method;       // CONNECT, CONNACK, AUTH
  std::optional<std::string_view> authentication_data;         // CONNECT, CONNACK, AUTH (binary)
  std::optional<bool> request_problem_information;             // CONNECT
  std::optional<std::uint32_t> will_delay_interval;            // will
  std::optional<bool> request_response_information;            // CONNECT
  std::optional<std::string_view> response_information;        // CONNACK
  std::optional<std::string_view> server_reference;            // CONNACK, DISCONNECT
  std::optional<std::string_view> reason_string;               // acks, DISCONNECT, AUTH
  std::optional<std::uint16_t> receive_maximum;                // CONNECT, CONNACK (non-zero)
  std::optional<std::uint16_t> topic_alias_maximum;            // CONNECT, CONNACK
  std::optional<std::uint16_t> topic_alias;                    // PUBLISH (non-zero)
  std::optional<std::uint8_t> maximum_qos;                     // CONNACK (0 or 1)
  std::optional<bool> retain_available;                        // CONNACK
  std::vector<UserProperty> user_properties;                   // every packet, in order
  std::optional<std::uint32_t> maximum_packet_size;            // CONNECT, CONNACK (non-zero)
  std::optional<bool> wildcard_subscription_available;         // CONNACK
  std::optional<bool> subscription_identifier_available;       // CONNACK
  std::optional<bool> shared_subscription_available;           // CONNACK
  bool operator==(const Properties&) const = default;
};

struct Will {
  std::uint8_t qos = 0;
  bool retain = false;
  std::string_view topic;
  std::string_view payload;  // binary
  Properties properties;     // 5.0 will properties
  bool operator==(const Will&) const = default;
};

// CONNECT. The decoder takes the version from the packet's protocol level, not from parse()'s
// argument. Policy left to the gateway: an empty client id with clean_start false in 3.1.1
// (CONNACK 0x02, §3.1.3.1), client id length and characters, keep-alive bounds.
struct Connect {
  Version version = Version::v5;
  bool clean_start = true;  // 3.1.1 "clean session"
  std::uint16_t keep_alive = 60;
  std::string_view client_id;
  std::optional<Will> will;
  std::optional<std::string_view> username;
  std::optional<std::string_view> password;  // binary
  Properties properties;
  bool operator==(const Connect&) const = default;
};

// CONNACK. For 3.1.1 the reason is carried as its 5.0 equivalent (see connect_return_code()).
struct Connack {
  bool session_present = false;
  ReasonCode reason_code = ReasonCode::success;
  Properties properties;
  bool operator==(const Connack&) const = default;
};

struct Publish {
  std::uint8_t qos = 0;
  bool dup = false;
  bool retain = false;
  std::string_view topic;       // may be empty in 5.0 when properties.topic_alias is set
  std::uint16_t packet_id = 0;  // present (non-zero) only when qos > 0
  Properties properties;
  std::string_view payload;
  bool operator==(const Publish&) const = default;
};

// PUBACK, PUBREC, PUBREL and PUBCOMP share one shape; 3.1.1 has only the packet id.
template <PacketType kType>
struct PublishResponse {
  static constexpr PacketType type = kType;
  std::uint16_t packet_id = 0;
  ReasonCode reason_code = ReasonCode::success;
  Properties properties;
  bool operator==(const PublishResponse&) const = default;
};
using Puback = PublishResponse<PacketType::puback>;
using Pubrec = PublishResponse<PacketType::pubrec>;
using Pubrel = PublishResponse<PacketType::pubrel>;
using Pubcomp = PublishResponse<PacketType::pubcomp>;

// 5.0 §3.8.3.1: 0 = send retained messages on subscribe, 1 = only if the subscription is new,
// 2 = never.
enum class RetainHandling : std::uint8_t { send = 0, send_if_new = 1, do_not_send = 2 };

struct Subscription {
  std::string_view filter;  // as sent, "$share/group/..." included; see topics.h
  std::uint8_t qos = 0;     // maximum QoS
  bool no_local = false;    // 5.0 only, like the two below
  bool retain_as_published = false;
  RetainHandling retain_handling = RetainHandling::send;
  bool operator==(const Subscription&) const = default;
};

struct Subscribe {
  std::uint16_t packet_id = 0;
  Properties properties;
  std::vector<Subscription> subscriptions;  // at least one
  bool operator==(const Subscribe&) const = default;
};

// SUBACK: one code per subscription. 3.1.1 return codes are 0x00-0x02 (granted QoS) and 0x80
// (failure); the encoder turns any 5.0 failure code into 0x80 for 3.1.1.
struct Suback {
  std::uint16_t packet_id = 0;
  Properties properties;
  std::vector<ReasonCode> reason_codes;
  bool operator==(const Suback&) const = default;
};

struct Unsubscribe {
  std::uint16_t packet_id = 0;
  Properties properties;
  std::vector<std::string_view> filters;  // at least one
  bool operator==(const Unsubscribe&) const = default;
};

// UNSUBACK: reason codes exist in 5.0 only (one per filter); 3.1.1 has just the packet id.
struct Unsuback {
  std::uint16_t packet_id = 0;
  Properties properties;
  std::vector<ReasonCode> reason_codes;
  bool operator==(const Unsuback&) const = default;
};

struct Pingreq {
  bool operator==(const Pingreq&) const = default;
};
struct Pingresp {
  bool operator==(const Pingresp&) const = default;
};

// DISCONNECT: the reason and properties exist in 5.0 only.
struct Disconnect {
  ReasonCode reason_code = ReasonCode::success;
  Properties properties;
  bool operator==(const Disconnect&) const = default;
};

// AUTH: 5.0 only.
struct Auth {
  ReasonCode reason_code = ReasonCode::success;
  Properties properties;
  bool operator==(const Auth&) const = default;
};

// Pingreq first so that a default Packet is cheap to construct.
using Packet = std::variant<Pingreq, Connect, Connack, Publish, Puback, Pubrec, Pubrel, Pubcomp,
                            Subscribe, Suback, Unsubscribe, Unsuback, Pingresp, Disconnect, Auth>;

PacketType type_of(const Packet& packet);

}  // namespace parley::mqtt
