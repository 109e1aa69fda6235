// Parsing of SCRAM messages (RFC 5802 §7 grammar).
#include "gateway/xmpp/scram_messages.h"

#include <vector>

#include "gateway/xmpp/sasl.h"

namespace parley::xmpp {
namespace {

std::unexpected<SaslFault> malformed(std::string text) {
  return std::unexpected(SaslFault{SaslCondition::malformed_request, std::move(text)});
}

// Splits on ',' (no attribute value may contain one: saslnames escape it, base64 and nonces
// cannot hold it).
std::vector<std::string_view> split(std::string_view s) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = s.find(',', start);
    parts.push_back(s.substr(start, comma - start));
    if (comma == std::string_view::npos) return parts;
    start = comma + 1;
  }
}

// An attribute "x=value": its value when the name is `name`.
std::optional<std::string_view> attribute(std::string_view part, char name) {
  if (part.size() < 2 || part[0] != name || part[1] != '=') return std::nullopt;
  return part.substr(2);
}

// printable = %x21-2B / %x2D-7E (no comma)
bool printable_nonce(std::string_view nonce) {
  if (nonce.empty() || nonce.size() > kScramMaxNonce) return false;
  for (char c : nonce) {
    if (c < 0x21 || c > 0x7E || c == ',') return false;
  }
  return true;
}

// Extensions after the required attributes: "a=value" with a letter name; unknown ones are
// ignored, but "m" (reserved-mext) must fail (RFC 5802 §5.1).
std::optional<SaslFault> check_extensions(const std::vector<std::string_view>& parts,
                                          std::size_t from) {
  for (std::size_t i = from; i < parts.size(); ++i) {
    const std::string_view p = parts[i];
    const bool letter =
        !p.empty() && ((p[0] >= 'a' && p[0] <= 'z') || (p[0] >= 'A' && p[0] <= 'Z'));
    if (!letter || p.size() < 2 || p[1] != '=') return malformed("bad attribute").error();
  }
  return std::nullopt;
}

std::optional<SaslFault> check_size(std::string_view message) {
  if (message.empty()) return malformed("empty SCRAM message").error();
  if (message.size() > kScramMaxMessage) return malformed("SCRAM message too long").error();
  return std::nullopt;
}

}  // namespace

std::string escape_saslname(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == ',') {
      out += "=2C";
    } else if (c == '=') {
      out += "=3D";
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> unescape_saslname(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (c == '\0') return std::nullopt;
    if (c != '=') {
      out += c;
      continue;
    }
    const std::string_view code = name.substr(i + 1, 2);
    if (code == "2C") {
      out += ',';
    } else if (code == "3D") {
      out += '=';
    } else {
      return std::nullopt;
    }
    i += 2;
  }
  return out;
}

std::expected<ClientFirst, SaslFault> parse_client_first(std::string_view message) {
  if (auto fault = check_size(message)) return std::unexpected(*fault);
  const auto parts = split(message);
  if (parts.size() < 4) return malformed("client-first needs gs2-header, n= and r=");
  ClientFirst out;
  if (parts[0] == "n" || parts[0] == "y") {
    out.cbind_flag = parts[0][0];
  } else if (attribute(parts[0], 'p')) {
    return malformed("channel binding (p=) is not supported: no SCRAM-*-PLUS is offered");
  } else {
    return malformed("bad gs2 channel-binding flag");
  }
  if (!parts[1].empty()) {
    const auto authzid = attribute(parts[1], 'a');
    if (!authzid) return malformed("bad authzid");
    auto unescaped = unescape_saslname(*authzid);
    if (!unescaped || unescaped->empty() || unescaped->size() > kScramMaxName) {
      return malformed("bad authzid");
    }
    out.authzid = std::move(*unescaped);
  }
  out.gs2_header = std::string(message.substr(0, parts[0].size() + parts[1].size() + 2));
  out.bare = std::string(message.substr(out.gs2_header.size()));
  if (attribute(parts[2], 'm')) return malformed("the reserved m= attribute is not supported");
  const auto username = attribute(parts[2], 'n');
  if (!username) return malformed("client-first needs n=");
  auto unescaped = unescape_saslname(*username);
  if (!unescaped || unescaped->empty() || unescaped->size() > kScramMaxName) {
    return malformed("bad username (saslname escaping is =2C and =3D)");
  }
  out.username = std::move(*unescaped);
  const auto nonce = attribute(parts[3], 'r');
  if (!nonce || !printable_nonce(*nonce)) return malformed("client-first needs a printable r=");
  out.nonce = std::string(*nonce);
  if (auto fault = check_extensions(parts, 4)) return std::unexpected(*fault);
  return out;
}

std::expected<ServerFirst, SaslFault> parse_server_first(std::string_view message) {
  if (auto fault = check_size(message)) return std::unexpected(*fault);
  const auto parts = split(message);
  if (parts.size() < 3) return malformed("server-first needs r=, s= and i=");
  if (attribute(parts[0], 'm')) return malformed("the reserved m= attribute is not supported");
  ServerFirst out;
  const auto nonce = attribute(parts[0], 'r');
  if (!nonce || !printable_nonce(*nonce)) return malformed("server-first needs a printable r=");
  out.nonce = std::string(*nonce);
  const auto salt = attribute(parts[1], 's');
  auto decoded = salt ? base64_decode(*salt) : std::nullopt;
  if (!decoded || decoded->empty()) return malformed("server-first needs a base64 s=");
  out.salt = std::move(*decoded);
  const auto iterations = attribute(parts[2], 'i');
  if (!iterations || iterations->empty() || iterations->size() > 10 || (*iterations)[0] == '0') {
    return malformed("server-first needs a positive i=");
  }
  std::uint64_t count = 0;
  for (char c : *iterations) {
    if (c < '0' || c > '9') return malformed("server-first needs a positive i=");
    count = count * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (count > UINT32_MAX) return malformed("iteration count too large");
  out.iterations = static_cast<std::uint32_t>(count);
  if (auto fault = check_extensions(parts, 3)) return std::unexpected(*fault);
  out.message = std::string(message);
  return out;
}

std::expected<ClientFinal, SaslFault> parse_client_final(std::string_view message) {
  if (auto fault = check_size(message)) return std::unexpected(*fault);
  const auto parts = split(message);
  if (parts.size() < 3) return malformed("client-final needs c=, r= and p=");
  ClientFinal out;
  const auto binding = attribute(parts[0], 'c');
  auto decoded = binding ? base64_decode(*binding) : std::nullopt;
  if (!decoded) return malformed("client-final needs a base64 c=");
  out.channel_binding = std::move(*decoded);
  const auto nonce = attribute(parts[1], 'r');
  if (!nonce || !printable_nonce(*nonce)) return malformed("client-final needs a printable r=");
  out.nonce = std::string(*nonce);
  // The proof is last; extensions, if any, sit between the nonce and the proof.
  const auto proof = attribute(parts.back(), 'p');
  auto decoded_proof = proof ? base64_decode(*proof) : std::nullopt;
  if (!decoded_proof || decoded_proof->empty()) return malformed("client-final needs a base64 p=");
  out.proof = std::move(*decoded_proof);
  std::vector<std::string_view> middle(parts.begin() + 2, parts.end() - 1);
  if (auto fault = check_extensions(middle, 0)) return std::unexpected(*fault);
  out.without_proof = std::string(message.substr(0, message.size() - parts.back().size() - 1));
  return out;
}

std::expected<ServerFinal, SaslFault> parse_server_final(std::string_view message) {
  if (auto fault = check_size(message)) return std::unexpected(*fault);
  const auto parts = split(message);
  ServerFinal out;
  if (const auto error = attribute(parts[0], 'e')) {
    out.error = std::string(*error);
    return out;
  }
  const auto verifier = attribute(parts[0], 'v');
  auto decoded = verifier ? base64_decode(*verifier) : std::nullopt;
  if (!decoded || decoded->empty()) return malformed("server-final needs v= or e=");
  out.verifier = std::move(*decoded);
  if (auto fault = check_extensions(parts, 1)) return std::unexpected(*fault);
  return out;
}

}  // namespace parley::xmpp
