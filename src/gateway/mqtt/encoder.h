// MQTT packet encoder for both sides of a connection (the broker's CONNACK, PUBLISH, acks, ... and
// a client's CONNECT, SUBSCRIBE, ...), 3.1.1 or 5.0. Appends to a caller-provided std::string with
// one reserve() per packet; pure and stateless, any thread.
//
// The output is canonical, so encode(parse(encode(p))) == encode(p): properties in identifier
// order, shortest Remaining Length, and acks and DISCONNECT drop a Success reason code and empty
// properties where 5.0 allows (§3.4.2.1, §3.14.2.1). For 3.1.1 properties and 5.0-only fields
// are not written, a CONNACK reason becomes its 3.1.1 return code (connect_return_code()) and a
// SUBACK failure becomes 0x80.
#pragma once

#include <cstddef>
#include <string>

#include "common/errors.h"
#include "gateway/mqtt/packets.h"

namespace parley::mqtt {

// On failure `out` is left as it was. Errc::invalid_argument: a string or binary field over 65,535
// bytes, a QoS or Retain Handling out of range, a value over 268,435,455 where the wire has a
// Variable Byte Integer, or AUTH in 3.1.1. Errc::message_too_large: a packet over the protocol's
// maximum Remaining Length.
Result<void> encode(const Packet& packet, Version version, std::string& out);

// The same for one packet type, without building a Packet. CONNECT takes its own version.
Result<void> encode(const Connect& packet, std::string& out);
Result<void> encode(const Connack& packet, Version version, std::string& out);
Result<void> encode(const Publish& packet, Version version, std::string& out);
Result<void> encode(const Puback& packet, Version version, std::string& out);
Result<void> encode(const Pubrec& packet, Version version, std::string& out);
Result<void> encode(const Pubrel& packet, Version version, std::string& out);
Result<void> encode(const Pubcomp& packet, Version version, std::string& out);
Result<void> encode(const Subscribe& packet, Version version, std::string& out);
Result<void> encode(const Suback& packet, Version version, std::string& out);
Result<void> encode(const Unsubscribe& packet, Version version, std::string& out);
Result<void> encode(const Unsuback& packet, Version version, std::string& out);
Result<void> encode(const Pingreq& packet, Version version, std::string& out);
Result<void> encode(const Pingresp& packet, Version version, std::string& out);
Result<void> encode(const Disconnect& packet, Version version, std::string& out);
Result<void> encode(const Auth& packet, Version version, std::string& out);

// The number of bytes encode() would append: what a broker compares with the client's Maximum
// Packet Size (5.0 §3.1.2.11.4) before sending.
Result<std::size_t> encoded_size(const Packet& packet, Version version);

}  // namespace parley::mqtt
