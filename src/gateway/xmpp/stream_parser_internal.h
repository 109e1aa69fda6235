// Helpers shared by the stream parser's two source files (not part of the codec's API).
#pragma once

#include <algorithm>
#include <string_view>

namespace parley::xmpp::detail {

// expat's namespace separator. U+0001 cannot occur in XML 1.0, not even as &#1;, so a split on
// it is unambiguous (a '\n' could arrive in a namespace name as &#10;).
constexpr char kSep = '\x01';

struct QName {
  std::string_view uri, local, prefix;
};

inline QName split_name(std::string_view name) {
  QName q;
  const std::size_t a = name.find(kSep);
  if (a == std::string_view::npos) {
    q.local = name;
    return q;
  }
  q.uri = name.substr(0, a);
  std::string_view rest = name.substr(a + 1);
  const std::size_t b = rest.find(kSep);
  q.local = rest.substr(0, b);
  if (b != std::string_view::npos) q.prefix = rest.substr(b + 1);
  return q;
}

inline bool is_xml_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

inline bool all_space(std::string_view s) { return std::all_of(s.begin(), s.end(), is_xml_space); }

}  // namespace parley::xmpp::detail
