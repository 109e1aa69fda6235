// The small DOM the XMPP codec hands out and serialises: one element with its namespace, the
// prefix it was written with, attributes, children and character data (ElementTree's text/tail
// model, so mixed content such as XHTML-IM keeps its order).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace parley::xmpp {

// Namespaces the codec itself needs (RFC 6120, RFC 7395); one place for encoder and parser.
inline constexpr std::string_view kNsClient = "jabber:client";
inline constexpr std::string_view kNsServer = "jabber:server";
inline constexpr std::string_view kNsStream = "http://etherx.jabber.org/streams";
inline constexpr std::string_view kNsFraming = "urn:ietf:params:xml:ns:xmpp-framing";
inline constexpr std::string_view kNsStreamErrors = "urn:ietf:params:xml:ns:xmpp-streams";
inline constexpr std::string_view kNsStanzaErrors = "urn:ietf:params:xml:ns:xmpp-stanzas";
inline constexpr std::string_view kNsSasl = "urn:ietf:params:xml:ns:xmpp-sasl";
inline constexpr std::string_view kNsXml = "http://www.w3.org/XML/1998/namespace";

struct Attribute {
  std::string name;    // local name
  std::string ns;      // namespace URI; empty for an unprefixed attribute (XML Namespaces §6.2)
  std::string prefix;  // as written ("xml" for xml:lang); empty when unprefixed
  std::string value;

  friend bool operator==(const Attribute&, const Attribute&) = default;
};

// Plain value type; copying copies the whole tree. Not thread-safe to mutate from two threads.
struct Element {
  std::string name;    // local name
  std::string ns;      // resolved namespace URI ("" when the element is in no namespace)
  std::string prefix;  // prefix as written ("stream" for stream:features); "" for a default ns
  std::vector<Attribute> attributes;
  std::vector<Element> children;
  std::string text;  // character data before the first child
  std::string tail;  // character data after this element's end tag, inside its parent

  bool is(std::string_view local_name, std::string_view namespace_uri) const {
    return name == local_name && ns == namespace_uri;
  }
  // The value of an unprefixed attribute (or one in namespace_uri), nullptr when absent.
  const std::string* attr(std::string_view local_name, std::string_view namespace_uri = {}) const;
  std::string_view attr_or(std::string_view local_name, std::string_view fallback) const;
  // Sets (or replaces) an unprefixed attribute.
  void set_attr(std::string_view local_name, std::string value);
  bool remove_attr(std::string_view local_name);
  // xml:lang of this element, "" when absent (inheritance from the stream is the caller's job).
  std::string_view lang() const;
  // The first child with that name and namespace, nullptr when none.
  const Element* child(std::string_view local_name, std::string_view namespace_uri) const;
  Element* child(std::string_view local_name, std::string_view namespace_uri);
  // The first child in a namespace whatever its name (e.g. the condition of an error).
  const Element* child_in(std::string_view namespace_uri) const;
  // All character data of this element and its descendants, in document order.
  std::string all_text() const;

  friend bool operator==(const Element&, const Element&) = default;
};

// Fluent construction for the gateway:
//   element("message", kNsClient).attr("to", jid).attr("type", "chat")
//       .child(element("body", kNsClient).text("hi"))
// A child built without a namespace inherits nothing: pass the namespace it belongs to.
class ElementBuilder {
 public:
  explicit ElementBuilder(std::string name, std::string_view ns = {}, std::string prefix = {});

  ElementBuilder& attr(std::string_view name, std::string value) &;
  ElementBuilder&& attr(std::string_view name, std::string value) && {
    return std::move(attr(name, std::move(value)));
  }
  ElementBuilder& lang(std::string value) &;
  ElementBuilder&& lang(std::string value) && { return std::move(lang(std::move(value))); }
  ElementBuilder& child(Element child) &;
  ElementBuilder&& child(Element child) && { return std::move(this->child(std::move(child))); }
  // Appends character data after whatever was added last (text or the last child's tail).
  ElementBuilder& text(std::string_view data) &;
  ElementBuilder&& text(std::string_view data) && { return std::move(text(data)); }

  Element build() && { return std::move(element_); }
  operator Element() && { return std::move(element_); }  // NOLINT: lets child(builder) read well

 private:
  Element element_;
};

inline ElementBuilder element(std::string name, std::string_view ns = {}) {
  return ElementBuilder(std::move(name), ns);
}

}  // namespace parley::xmpp
