// Internal to the codec: reads and writes the 5.0 property block (5.0 §2.2.2), enforcing which
// properties each packet may carry, which may repeat, and the values the spec forbids.
#pragma once

#include <cstdint>

#include "gateway/mqtt/packets.h"
#include "gateway/mqtt/wire.h"

namespace parley::mqtt::wire {

// Where a property block sits: a packet type, or the will properties of a CONNECT (type 0, which
// no packet uses).
enum class PropertyScope : std::uint8_t {
  will = 0,
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
  disconnect = 14,
  auth = 15,
};

inline PropertyScope scope_of(PacketType type) { return static_cast<PropertyScope>(type); }

// Reads the Property Length and the properties after it into `out` (which must be empty).
ParseError read_properties(Reader& reader, PropertyScope scope, Properties& out);

// Writes the Property Length and every property present in `props`, in identifier order (user
// properties and subscription identifiers in their own order).
void write_properties(Writer& writer, const Properties& props);

// Whether `props` holds nothing at all (what lets acks and DISCONNECT drop the block).
bool properties_empty(const Properties& props);

}  // namespace parley::mqtt::wire
