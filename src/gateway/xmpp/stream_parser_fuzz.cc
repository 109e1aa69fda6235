// Fuzz target for the XMPP stream parser, TCP and WebSocket framing. Besides "no crash, no
// sanitizer report" it checks two properties and aborts when one fails: every element the
// parser accepts serialises to XML that parses back to the same tree, and chunking never
// changes what is parsed. Built for libFuzzer with clang (-DPARLEY_LIBFUZZER=ON), and always
// as a deterministic replay test (tests/fuzz/fuzz_replay_main.cc) that CI runs.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/xmpp/stream_parser.h"
#include "gateway/xmpp/xml_writer.h"

namespace {

using namespace parley::xmpp;

StreamLimits small_limits() {
  StreamLimits limits;
  limits.max_stanza_bytes = 4096;
  limits.max_depth = 12;
  limits.max_attributes = 12;
  limits.max_children = 48;
  limits.max_elements = 192;
  limits.max_text_bytes = 2048;
  return limits;
}

void check_round_trip(const Element& e, StreamFraming framing) {
  StreamParser::Options options;  // default (larger) limits: the writer may add declarations
  options.framing = framing;
  StreamParser parser(options);
  ParseStep step;
  if (framing == StreamFraming::tcp) {
    const std::string text =
        "<stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>" +
        to_xml(e, NamespaceScope::client_stream());
    step = parser.feed(text);
    if (step.status != ParseStatus::event) std::abort();
    step = parser.feed(std::string_view(text).substr(step.consumed));
  } else {
    if (parser.feed_message("<open xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>").status !=
        ParseStatus::event) {
      std::abort();
    }
    step = parser.feed_message(to_xml(e, NamespaceScope::none()));
  }
  if (step.status != ParseStatus::event) std::abort();
  const Element* back = std::get_if<Element>(&step.event);
  if (back == nullptr || !(*back == e)) std::abort();
}

// Feeds like a session; returns a printable trace of events (elements as XML) and the fault.
// With `release`, expat is freed after every event (release_memory), which must not change
// anything either.
std::string run_tcp(std::string_view input, std::size_t chunk, bool release) {
  StreamParser::Options options;
  options.limits = small_limits();
  StreamParser parser(options);
  std::string trace, buffer;
  std::size_t pos = 0;
  while (true) {
    while (true) {
      ParseStep step = parser.feed(buffer);
      buffer.erase(0, step.consumed);
      if (step.status == ParseStatus::error) {
        return trace + "!" + std::string(condition_name(step.fault.condition));
      }
      if (step.status == ParseStatus::need_more) break;
      if (release) parser.release_memory();
      if (const Element* e = std::get_if<Element>(&step.event)) {
        check_round_trip(*e, StreamFraming::tcp);
        trace += to_xml(*e) + "\n";
        // Exercise restarts the way a session does after SASL success.
        if (e->name == "success" || e->name == "proceed") parser.restart();
      } else if (std::holds_alternative<StreamHeader>(step.event)) {
        trace += "header\n";
      } else {
        trace += "end\n";
      }
    }
    if (pos >= input.size()) return trace;
    buffer.append(input.substr(pos, chunk));
    pos += chunk;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t chunk = size == 0 ? 1 : 1 + data[0] % 61;
  const std::string whole = run_tcp(input, input.size() + 1, false);
  if (run_tcp(input, chunk, true) != whole) std::abort();

  // WebSocket framing: every line is one message.
  StreamParser::Options options;
  options.framing = StreamFraming::websocket;
  options.limits = small_limits();
  StreamParser parser(options);
  std::size_t start = 0;
  while (start <= input.size()) {
    std::size_t end = input.find('\n', start);
    if (end == std::string_view::npos) end = input.size();
    const ParseStep step = parser.feed_message(input.substr(start, end - start));
    if (step.status == ParseStatus::event) {
      if (const Element* e = std::get_if<Element>(&step.event)) {
        check_round_trip(*e, StreamFraming::websocket);
        if (e->name == "success") parser.restart();
      }
    }
    start = end + 1;
  }
  return 0;
}
