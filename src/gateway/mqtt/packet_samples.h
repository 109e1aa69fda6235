// Test support: one or more valid packets of every type for a version, filled with every field
// and property that version carries; shared by the unit tests and the fuzz seeds.
#pragma once

#include <vector>

#include "gateway/mqtt/packets.h"

namespace parley::mqtt::testing {

// Every packet type of `version` (AUTH only in 5.0), each with all its fields set, plus the
// bare variants (an ack without reason code, a QoS 0 PUBLISH, ...). Views point at literals.
std::vector<Packet> sample_packets(Version version);

}  // namespace parley::mqtt::testing
