// Test helpers for the stream parser: drive it the way a session does (a read buffer that keeps
// what was not consumed) and print events for comparison.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/xmpp/stream_parser.h"
#include "gateway/xmpp/xml_writer.h"

namespace parley::xmpp::test {

struct Outcome {
  std::vector<StreamEvent> events;
  std::optional<StreamFault> fault;
};

// Appends `input` to a read buffer `chunk` bytes at a time, feeding after each append until the
// parser wants more, erasing what it consumed.
inline Outcome drive(StreamParser& parser, std::string_view input, std::size_t chunk) {
  Outcome out;
  std::string buffer;
  std::size_t pos = 0;
  while (true) {
    while (true) {
      ParseStep step = parser.feed(buffer);
      buffer.erase(0, step.consumed);
      if (step.status == ParseStatus::error) {
        out.fault = step.fault;
        return out;
      }
      if (step.status == ParseStatus::need_more) break;
      out.events.push_back(std::move(step.event));
    }
    if (pos >= input.size()) return out;
    buffer.append(input.substr(pos, chunk));
    pos += chunk;
  }
}

inline std::string describe(const StreamEvent& event) {
  if (const auto* h = std::get_if<StreamHeader>(&event)) {
    return "header to=" + h->to + " from=" + h->from + " id=" + h->id + " version=" + h->version +
           " lang=" + h->lang + " ns=" + h->content_ns + " ws=" + (h->websocket ? "1" : "0");
  }
  if (const auto* e = std::get_if<Element>(&event)) return "element " + to_xml(*e);
  return "end";
}

}  // namespace parley::xmpp::test
