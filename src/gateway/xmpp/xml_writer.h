// Serialises the XMPP DOM to bytes for the wire: every character RFC 6120 §11.1 says must be
// escaped is escaped, namespaces are declared only where the enclosing scope does not already
// bind them, and text that XML 1.0 cannot carry is replaced rather than emitted.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gateway/xmpp/xml_element.h"

namespace parley::xmpp {

// The namespace bindings the enclosing stream has already declared, so a stanza written into
// it does not repeat them. "xml" is always bound.
struct NamespaceScope {
  std::string_view default_ns;
  std::vector<std::pair<std::string_view, std::string_view>> prefixes;  // {prefix, uri}

  // A c2s TCP stream: <stream:stream xmlns='jabber:client' xmlns:stream='...streams'>.
  static NamespaceScope client_stream() {
    return NamespaceScope{kNsClient, {{"stream", kNsStream}}};
  }
  // A WebSocket message (RFC 7395 §3.3.3): nothing is in scope, every element declares.
  static NamespaceScope none() { return NamespaceScope{}; }
};

// Appends `data` escaped for character data (attribute = false) or for a single- or
// double-quoted attribute value (attribute = true). & < > ' " are always escaped, CR always
// (as &#13;, so it survives end-of-line handling), TAB and LF in attributes (so attribute-value
// normalisation keeps them). Invalid UTF-8 and characters outside XML 1.0's Char production
// (C0 controls other than TAB/LF/CR, U+FFFE, U+FFFF) become U+FFFD.
void append_escaped(std::string& out, std::string_view data, bool attribute);

// Appends the element and its subtree. Pure; any thread.
void append_xml(std::string& out, const Element& element, const NamespaceScope& scope);

inline std::string to_xml(const Element& element,
                          const NamespaceScope& scope = NamespaceScope::client_stream()) {
  std::string out;
  append_xml(out, element, scope);
  return out;
}

}  // namespace parley::xmpp
