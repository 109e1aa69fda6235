// Accessors of the XMPP DOM and the fluent builder.
#include "gateway/xmpp/xml_element.h"

namespace parley::xmpp {

const std::string* Element::attr(std::string_view local_name,
                                 std::string_view namespace_uri) const {
  for (const Attribute& a : attributes) {
    if (a.name == local_name && a.ns == namespace_uri) return &a.value;
  }
  return nullptr;
}

std::string_view Element::attr_or(std::string_view local_name, std::string_view fallback) const {
  const std::string* value = attr(local_name);
  return value ? std::string_view(*value) : fallback;
}

void Element::set_attr(std::string_view local_name, std::string value) {
  for (Attribute& a : attributes) {
    if (a.name == local_name && a.ns.empty()) {
      a.value = std::move(value);
      return;
    }
  }
  attributes.push_back(Attribute{std::string(local_name), {}, {}, std::move(value)});
}

bool Element::remove_attr(std::string_view local_name) {
  for (auto it = attributes.begin(); it != attributes.end(); ++it) {
    if (it->name == local_name && it->ns.empty()) {
      attributes.erase(it);
      return true;
    }
  }
  return false;
}

std::string_view Element::lang() const {
  const std::string* value = attr("lang", kNsXml);
  return value ? std::string_view(*value) : std::string_view();
}

const Element* Element::child(std::string_view local_name, std::string_view namespace_uri) const {
  for (const Element& c : children) {
    if (c.is(local_name, namespace_uri)) return &c;
  }
  return nullptr;
}

Element* Element::child(std::string_view local_name, std::string_view namespace_uri) {
  for (Element& c : children) {
    if (c.is(local_name, namespace_uri)) return &c;
  }
  return nullptr;
}

const Element* Element::child_in(std::string_view namespace_uri) const {
  for (const Element& c : children) {
    if (c.ns == namespace_uri) return &c;
  }
  return nullptr;
}

namespace {
void collect_text(const Element& e, std::string& out) {
  out += e.text;
  for (const Element& c : e.children) {
    collect_text(c, out);
    out += c.tail;
  }
}
}  // namespace

std::string Element::all_text() const {
  std::string out;
  collect_text(*this, out);
  return out;
}

ElementBuilder::ElementBuilder(std::string name, std::string_view ns, std::string prefix) {
  element_.name = std::move(name);
  element_.ns = std::string(ns);
  element_.prefix = std::move(prefix);
}

ElementBuilder& ElementBuilder::attr(std::string_view name, std::string value) & {
  element_.set_attr(name, std::move(value));
  return *this;
}

ElementBuilder& ElementBuilder::lang(std::string value) & {
  for (Attribute& a : element_.attributes) {
    if (a.name == "lang" && a.ns == kNsXml) {
      a.value = std::move(value);
      return *this;
    }
  }
  element_.attributes.push_back(Attribute{"lang", std::string(kNsXml), "xml", std::move(value)});
  return *this;
}

ElementBuilder& ElementBuilder::child(Element child) & {
  element_.children.push_back(std::move(child));
  return *this;
}

ElementBuilder& ElementBuilder::text(std::string_view data) & {
  if (element_.children.empty()) {
    element_.text += data;
  } else {
    element_.children.back().tail += data;
  }
  return *this;
}

}  // namespace parley::xmpp
