// XML serialisation of the XMPP DOM: escaping and namespace declarations.
#include "gateway/xmpp/xml_writer.h"

#include <cstdint>

namespace parley::xmpp {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Decodes one UTF-8 sequence at data[i]; returns its length, or 0 when it is invalid (overlong,
// surrogate, above U+10FFFF, truncated).
std::size_t utf8_sequence(std::string_view data, std::size_t i, std::uint32_t& cp) {
  const auto b0 = static_cast<unsigned char>(data[i]);
  std::size_t len;
  std::uint32_t min;
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  } else if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (i + len > data.size()) return 0;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(data[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return len;
}

bool is_xml_char(std::uint32_t cp) {
  if (cp < 0x20) return cp == 0x9 || cp == 0xA || cp == 0xD;
  return cp != 0xFFFE && cp != 0xFFFF;
}

using Bindings = std::vector<std::pair<std::string_view, std::string_view>>;

std::string_view lookup(const Bindings& bindings, std::string_view prefix) {
  if (prefix == "xml") return kNsXml;
  for (auto it = bindings.rbegin(); it != bindings.rend(); ++it) {
    if (it->first == prefix) return it->second;
  }
  return {};
}

void append_declaration(std::string& out, std::string_view prefix, std::string_view uri) {
  out += prefix.empty() ? " xmlns='" : " xmlns:";
  if (!prefix.empty()) {
    out += prefix;
    out += "='";
  }
  append_escaped(out, uri, true);
  out += '\'';
}

void append_qname(std::string& out, std::string_view prefix, std::string_view name) {
  if (!prefix.empty()) {
    out += prefix;
    out += ':';
  }
  out += name;
}

void write(std::string& out, const Element& e, Bindings& bindings, std::string_view default_ns) {
  const std::size_t mark = bindings.size();
  // A prefix bound to no namespace cannot be written; such an element is written unprefixed.
  const std::string_view prefix = e.ns.empty() ? std::string_view() : std::string_view(e.prefix);
  out += '<';
  append_qname(out, prefix, e.name);
  if (prefix.empty()) {
    if (e.ns != default_ns) append_declaration(out, {}, e.ns);
    default_ns = e.ns;
  } else if (lookup(bindings, prefix) != e.ns) {
    append_declaration(out, prefix, e.ns);
    bindings.emplace_back(prefix, e.ns);
  }
  int generated = 0;
  for (const Attribute& a : e.attributes) {
    std::string_view attr_prefix;
    std::string generated_prefix;
    if (a.ns == kNsXml) {
      attr_prefix = "xml";
    } else if (!a.ns.empty()) {
      attr_prefix = a.prefix;
      if (attr_prefix.empty() || attr_prefix == "xml" || attr_prefix == "xmlns") {
        generated_prefix = "ns" + std::to_string(++generated);
        attr_prefix = generated_prefix;
      }
      if (lookup(bindings, attr_prefix) != a.ns) {
        append_declaration(out, attr_prefix, a.ns);
        if (generated_prefix.empty()) bindings.emplace_back(attr_prefix, a.ns);
      }
    }
    out += ' ';
    append_qname(out, attr_prefix, a.name);
    out += "='";
    append_escaped(out, a.value, true);
    out += '\'';
  }
  if (e.children.empty() && e.text.empty()) {
    out += "/>";
  } else {
    out += '>';
    append_escaped(out, e.text, false);
    for (const Element& c : e.children) {
      write(out, c, bindings, default_ns);
      append_escaped(out, c.tail, false);
    }
    out += "</";
    append_qname(out, prefix, e.name);
    out += '>';
  }
  bindings.resize(mark);
}

}  // namespace

void append_escaped(std::string& out, std::string_view data, bool attribute) {
  std::size_t i = 0;
  while (i < data.size()) {
    const char c = data[i];
    switch (c) {
      case '&':
        out += "&amp;";
        ++i;
        continue;
      case '<':
        out += "&lt;";
        ++i;
        continue;
      case '>':
        out += "&gt;";
        ++i;
        continue;
      case '\'':
        out += "&apos;";
        ++i;
        continue;
      case '"':
        out += "&quot;";
        ++i;
        continue;
      case '\r':
        out += "&#13;";
        ++i;
        continue;
      case '\t':
      case '\n':
        if (attribute) {
          out += c == '\t' ? "&#9;" : "&#10;";
        } else {
          out += c;
        }
        ++i;
        continue;
      default:
        break;
    }
    std::uint32_t cp = 0;
    const std::size_t len = utf8_sequence(data, i, cp);
    if (len == 0 || !is_xml_char(cp)) {
      out += kReplacement;
      i += len == 0 ? 1 : len;
    } else {
      out.append(data.substr(i, len));
      i += len;
    }
  }
}

void append_xml(std::string& out, const Element& element, const NamespaceScope& scope) {
  Bindings bindings(scope.prefixes.begin(), scope.prefixes.end());
  write(out, element, bindings, scope.default_ns);
}

}  // namespace parley::xmpp
