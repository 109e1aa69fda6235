// Length-prefixed framing of the native protocol over byte streams (TCP, TLS): a 4-byte
// big-endian payload length, then the protobuf bytes. Pure: no sockets, no allocation per byte.
// Shared by the server gateway and the client library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace parley::native {

inline constexpr std::size_t kLengthPrefixBytes = 4;
inline constexpr std::size_t kDefaultMaxFrameBytes = 256 * 1024;
inline constexpr std::uint32_t kProtocolVersion = 1;

enum class ParseStatus : std::uint8_t { ok, need_more, too_large };

struct ParseResult {
  ParseStatus status = ParseStatus::need_more;
  std::string_view payload;  // valid when status == ok; points into the input
  std::size_t consumed = 0;  // bytes of input used by this frame (prefix + payload)
};

// Looks for one complete frame at the start of `input`.
ParseResult parse_frame(std::string_view input, std::size_t max_frame_bytes);

// The 4-byte header for a payload of `size` bytes.
std::string length_prefix(std::size_t size);

}  // namespace parley::native
