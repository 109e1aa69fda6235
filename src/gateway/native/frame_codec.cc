#include "gateway/native/frame_codec.h"

namespace parley::native {

ParseResult parse_frame(std::string_view input, std::size_t max_frame_bytes) {
  if (input.size() < kLengthPrefixBytes) return {ParseStatus::need_more, {}, 0};
  const auto* b = reinterpret_cast<const unsigned char*>(input.data());
  const std::size_t length = (std::size_t{b[0]} << 24) | (std::size_t{b[1]} << 16) |
                             (std::size_t{b[2]} << 8) | std::size_t{b[3]};
  if (length > max_frame_bytes) return {ParseStatus::too_large, {}, 0};
  if (input.size() - kLengthPrefixBytes < length) return {ParseStatus::need_more, {}, 0};
  return {ParseStatus::ok, input.substr(kLengthPrefixBytes, length), kLengthPrefixBytes + length};
}

std::string length_prefix(std::size_t size) {
  std::string header(kLengthPrefixBytes, '\0');
  header[0] = static_cast<char>((size >> 24) & 0xFF);
  header[1] = static_cast<char>((size >> 16) & 0xFF);
  header[2] = static_cast<char>((size >> 8) & 0xFF);
  header[3] = static_cast<char>(size & 0xFF);
  return header;
}

}  // namespace parley::native
