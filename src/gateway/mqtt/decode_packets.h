// Internal to the codec: the decoders of the larger packet types, each reading the variable header
// and payload of a packet whose fixed header is already checked. The caller refuses leftover bytes.
#pragma once

#include <cstdint>

#include "gateway/mqtt/packets.h"
#include "gateway/mqtt/wire.h"

namespace parley::mqtt::wire {

ParseError decode_connect(Reader& r, Connect& out);
ParseError decode_connack(Reader& r, Version v, Connack& out);
ParseError decode_subscribe(Reader& r, Version v, Subscribe& out);
ParseError decode_suback(Reader& r, Version v, Suback& out);
ParseError decode_unsubscribe(Reader& r, Version v, Unsubscribe& out);
ParseError decode_unsuback(Reader& r, Version v, Unsuback& out);

}  // namespace parley::mqtt::wire
