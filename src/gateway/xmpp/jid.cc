// JID parsing and the subset of RFC 7622 normalisation Parley applies.
#include "gateway/xmpp/jid.h"

#include "gateway/xmpp/utf8_check.h"

namespace parley::xmpp {
namespace {

std::unexpected<std::string> bad(std::string why) { return std::unexpected(std::move(why)); }

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7F; }

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::expected<std::string, std::string> common_checks(std::string_view part, const char* what) {
  if (part.empty()) return bad(std::string("empty ") + what);
  if (part.size() > kJidMaxPart) return bad(std::string(what) + " longer than 1023 bytes");
  if (!valid_utf8(part)) return bad(std::string(what) + " is not UTF-8");
  for (char c : part) {
    if (is_control(static_cast<unsigned char>(c))) {
      return bad(std::string("control character in the ") + what);
    }
  }
  return std::string(part);
}

bool ip_literal(std::string_view d) {
  if (d.size() < 3 || d.front() != '[' || d.back() != ']') return false;
  for (char c : d.substr(1, d.size() - 2)) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
    if (!hex && c != ':' && c != '.') return false;
  }
  return true;
}

}  // namespace

std::string Jid::bare_str() const {
  std::string out;
  if (!local.empty()) {
    out += local;
    out += '@';
  }
  out += domain;
  return out;
}

std::string Jid::str() const {
  std::string out = bare_str();
  if (!resource.empty()) {
    out += '/';
    out += resource;
  }
  return out;
}

std::expected<std::string, std::string> normalize_localpart(std::string_view localpart) {
  auto out = common_checks(localpart, "localpart");
  if (!out) return out;
  for (char& c : *out) {
    switch (c) {
      case ' ':
      case '"':
      case '&':
      case '\'':
      case '/':
      case ':':
      case '<':
      case '>':
      case '@':
        return bad(std::string("'") + c + "' is not allowed in a localpart");
      default:
        c = lower(c);
    }
  }
  return out;
}

std::expected<std::string, std::string> normalize_domainpart(std::string_view domainpart) {
  if (!domainpart.empty() && domainpart.back() == '.') domainpart.remove_suffix(1);
  auto out = common_checks(domainpart, "domainpart");
  if (!out) return out;
  for (char& c : *out) c = lower(c);
  if (out->front() == '[') {
    if (!ip_literal(*out)) return bad("bad IP literal");
    return out;
  }
  std::string_view rest = *out;
  while (true) {
    const std::size_t dot = rest.find('.');
    const std::string_view label = rest.substr(0, dot);
    if (label.empty() || label.size() > 63) return bad("a domain label must be 1-63 bytes");
    bool ascii = true;
    for (char c : label) {
      const auto u = static_cast<unsigned char>(c);
      if (u >= 0x80) {
        ascii = false;
      } else if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        return bad(std::string("'") + c + "' is not allowed in a domainpart");
      }
    }
    if (ascii && (label.front() == '-' || label.back() == '-')) {
      return bad("a domain label cannot start or end with '-'");
    }
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  return out;
}

std::expected<std::string, std::string> check_resourcepart(std::string_view resourcepart) {
  return common_checks(resourcepart, "resourcepart");
}

std::expected<Jid, std::string> parse_jid(std::string_view text) {
  if (text.size() > 3 * kJidMaxPart + 2) return bad("JID too long");
  Jid jid;
  std::string_view rest = text;
  // RFC 7622 §3.1: the resourcepart starts at the first '/', so it may hold '@' and '/'.
  if (const std::size_t slash = rest.find('/'); slash != std::string_view::npos) {
    auto resource = check_resourcepart(rest.substr(slash + 1));
    if (!resource) return std::unexpected(resource.error());
    jid.resource = std::move(*resource);
    rest = rest.substr(0, slash);
  }
  if (const std::size_t at = rest.find('@'); at != std::string_view::npos) {
    auto local = normalize_localpart(rest.substr(0, at));
    if (!local) return std::unexpected(local.error());
    jid.local = std::move(*local);
    rest = rest.substr(at + 1);
  }
  auto domain = normalize_domainpart(rest);
  if (!domain) return std::unexpected(domain.error());
  jid.domain = std::move(*domain);
  return jid;
}

}  // namespace parley::xmpp
