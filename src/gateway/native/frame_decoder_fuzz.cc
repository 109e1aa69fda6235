// Fuzz target for everything the native gateway decodes from a client: stream framing, protobuf
// frames and JSON frames. Built for libFuzzer with clang (-DPARLEY_LIBFUZZER=ON), and always as a
// deterministic replay test (see tests/fuzz_replay_main.cc) that CI runs.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "gateway/native/frame_codec.h"
#include "gateway/native/frame_decoder.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // As a byte stream: split into frames exactly as a session does.
  std::string_view rest = input;
  while (true) {
    auto parsed = parley::native::parse_frame(rest, 4096);
    if (parsed.status != parley::native::ParseStatus::ok) break;
    parley::v1::ClientFrame frame;
    (void)parley::native::decode_client_frame(parsed.payload, false, frame);
    rest.remove_prefix(parsed.consumed);
  }
  // As whole WebSocket messages, binary and text.
  parley::v1::ClientFrame binary;
  (void)parley::native::decode_client_frame(input, false, binary);
  parley::v1::ClientFrame json;
  (void)parley::native::decode_client_frame(input, true, json);
  return 0;
}
