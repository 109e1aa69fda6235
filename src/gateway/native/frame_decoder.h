// Decodes one ClientFrame from protobuf or JSON bytes and says why it failed, telling invalid
// UTF-8 (a documented error of its own) apart from other malformed input.
#pragma once

#include <string>
#include <string_view>

#include "common/errors.h"
#include "parley_proto/parley.pb.h"

namespace parley::native {

// Errc::invalid_utf8 or Errc::bad_frame on failure, with a human-readable detail.
Result<void> decode_client_frame(std::string_view payload, bool json, v1::ClientFrame& out);

}  // namespace parley::native
