// Fuzz target for the MQTT codec: the bytes as a stream of packets in each version, and as topic
// names and filters. Asserts no crash, no read past the input (the replay runs it on an exact-size
// heap copy under ASan), that every strict prefix of an accepted packet only asks for more, and
// that parse -> encode -> parse of anything accepted is stable. Built for libFuzzer with clang
// (-DPARLEY_LIBFUZZER=ON), and always as a deterministic replay test (tests/fuzz/) that CI runs.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/mqtt/decoder.h"
#include "gateway/mqtt/encoder.h"
#include "gateway/mqtt/topics.h"

namespace {

using namespace parley::mqtt;

void check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "mqtt codec fuzz: %s\n", what);
  std::abort();
}

void check_round_trip(const Packet& packet, Version v, std::string_view original) {
  std::string once;
  check(encode(packet, v, once).has_value(), "an accepted packet does not encode");
  check(once.size() <= original.size(), "re-encoding grew the packet");
  const parley::Result<std::size_t> size = encoded_size(packet, v);
  check(size.has_value() && *size == once.size(), "encoded_size differs from encode");
  const ParseResult again = parse(once, Limits{.max_packet_bytes = kMaxPacketBytes}, v);
  check(again.status == ParseStatus::ok, "a re-encoded packet does not parse");
  check(again.consumed == once.size(), "a re-encoded packet is not consumed whole");
  check(again.packet == packet, "parse(encode(p)) != p");
  std::string twice;
  check(encode(again.packet, v, twice).has_value() && twice == once, "encoding is not stable");
}

void check_prefixes(std::string_view packet, const Limits& limits, Version v) {
  for (std::size_t n = 0; n < packet.size(); ++n) {
    const ParseResult r = parse(packet.substr(0, n), limits, v);
    check(r.status == ParseStatus::need_more, "a prefix of an accepted packet is not need_more");
  }
}

void fuzz_stream(std::string_view input, Version v) {
  const Limits limits{.max_packet_bytes = 64 * 1024};
  std::string_view rest = input;
  bool first = true;
  while (!rest.empty()) {
    const ParseResult r = parse(rest, limits, v);
    check(r.consumed <= rest.size(), "consumed more than the input");
    if (r.status != ParseStatus::ok) {
      check(r.consumed == 0, "consumed bytes without a packet");
      check((r.status == ParseStatus::error) == (r.error != ParseError::none), "status/error");
      return;
    }
    check(r.consumed > 0 && r.consumed == r.packet_bytes, "ok with a wrong size");
    const std::string_view bytes = rest.substr(0, r.consumed);
    check_round_trip(r.packet, v, bytes);
    if (first && bytes.size() <= 512) check_prefixes(bytes, limits, v);
    first = false;
    rest.remove_prefix(r.consumed);
  }
}

void fuzz_topics(std::string_view input) {
  (void)is_valid_topic_name(input);
  (void)parse_topic_filter(input, Version::v5);
  const std::size_t newline = input.find('\n');
  if (newline == std::string_view::npos) return;
  const std::string_view filter = input.substr(0, newline);
  const std::string_view topic = input.substr(newline + 1);
  if (!is_valid_topic_filter(filter) || !is_valid_topic_name(topic)) return;
  const bool matched = matches(filter, topic);
  if (filter.find_first_of("+#") == std::string_view::npos) {
    check(matched == (filter == topic), "a filter without wildcards is not an equality");
  }
  if (filter == "#") check(matched == (topic.front() != '$'), "'#' and $-topics");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  fuzz_stream(input, Version::v311);
  fuzz_stream(input, Version::v5);
  fuzz_topics(input);
  return 0;
}
