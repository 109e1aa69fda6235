// Decodes one ClientFrame from protobuf or JSON bytes and says why it failed, telling invalid
// UTF-8 (a documented error of its own) apart from other malformed input.
#pragma once

#include <cstdint>
#include <expected>
#include <string>
#include <string_view>

#include "gateway/native/error_mapping.h"
#include "parley_proto/parley.pb.h"

namespace parley::native {

// SessionCode::invalid_utf8 or SessionCode::bad_frame on failure, with a human-readable detail.
std::expected<void, SessionError> decode_client_frame(std::string_view payload, bool json,
                                                      v1::ClientFrame& out);

// The id of a request that did not decode as a whole, so that its error can answer it: the
// "id" member of a JSON object (string or number), or field 1 of a protobuf message read alone.
// 0 when even that cannot be read.
std::uint64_t read_request_id(std::string_view payload, bool json);

}  // namespace parley::native
