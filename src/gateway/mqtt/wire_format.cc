// Which reason codes each packet type defines, and the 3.1.1 CONNACK return code mapping.
#include "gateway/mqtt/wire_format.h"

#include <algorithm>
#include <initializer_list>

namespace parley::mqtt {
namespace {

bool one_of(ReasonCode code, std::initializer_list<std::uint8_t> codes) {
  return std::find(codes.begin(), codes.end(), static_cast<std::uint8_t>(code)) != codes.end();
}

}  // namespace

bool reason_code_allowed(PacketType type, ReasonCode code) {
  switch (type) {
    case PacketType::connack:  // 5.0 §3.2.2.2
      return one_of(code, {0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
                           0x8A, 0x8C, 0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F});
    case PacketType::puback:  // 5.0 §3.4.2.1 and §3.5.2.1
    case PacketType::pubrec:
      return one_of(code, {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99});
    case PacketType::pubrel:  // 5.0 §3.6.2.1 and §3.7.2.1
    case PacketType::pubcomp:
      return one_of(code, {0x00, 0x92});
    case PacketType::suback:  // 5.0 §3.9.3
      return one_of(code, {0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2});
    case PacketType::unsuback:  // 5.0 §3.11.3
      return one_of(code, {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91});
    case PacketType::disconnect:  // 5.0 §3.14.2.1
      return one_of(code, {0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D,
                           0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99,
                           0x9A, 0x9B, 0x9C, 0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2});
    case PacketType::auth:  // 5.0 §3.15.2.1
      return one_of(code, {0x00, 0x18, 0x19});
    default:
      return false;
  }
}

ConnectReturnCode connect_return_code(ReasonCode code) {
  switch (code) {
    case ReasonCode::success:
      return ConnectReturnCode::accepted;
    case ReasonCode::unsupported_protocol_version:
      return ConnectReturnCode::unacceptable_protocol_version;
    case ReasonCode::client_identifier_not_valid:
      return ConnectReturnCode::identifier_rejected;
    case ReasonCode::bad_user_name_or_password:
    case ReasonCode::bad_authentication_method:
      return ConnectReturnCode::bad_user_name_or_password;
    case ReasonCode::not_authorized:
    case ReasonCode::banned:
      return ConnectReturnCode::not_authorized;
    default:
      return ConnectReturnCode::server_unavailable;
  }
}

ReasonCode reason_code_of(ConnectReturnCode code) {
  switch (code) {
    case ConnectReturnCode::accepted:
      return ReasonCode::success;
    case ConnectReturnCode::unacceptable_protocol_version:
      return ReasonCode::unsupported_protocol_version;
    case ConnectReturnCode::identifier_rejected:
      return ReasonCode::client_identifier_not_valid;
    case ConnectReturnCode::server_unavailable:
      return ReasonCode::server_unavailable;
    case ConnectReturnCode::bad_user_name_or_password:
      return ReasonCode::bad_user_name_or_password;
    case ConnectReturnCode::not_authorized:
      return ReasonCode::not_authorized;
  }
  return ReasonCode::server_unavailable;
}

}  // namespace parley::mqtt
