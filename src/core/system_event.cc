#include "core/system_event.h"

#include <cstdio>

namespace parley {

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string system_event_json(const SystemEvent& e) {
  std::string out = "{\"event\":" + json_quote(e.event);
  if (!e.actor.empty()) out += ",\"actor\":" + json_quote(e.actor);
  if (!e.users.empty()) {
    out += ",\"users\":[";
    for (std::size_t i = 0; i < e.users.size(); ++i) {
      if (i) out += ',';
      out += json_quote(e.users[i]);
    }
    out += ']';
  }
  if (!e.title.empty()) out += ",\"title\":" + json_quote(e.title);
  if (!e.role.empty()) out += ",\"role\":" + json_quote(e.role);
  if (!e.new_owner.empty()) out += ",\"new_owner\":" + json_quote(e.new_owner);
  out += '}';
  return out;
}

}  // namespace parley
