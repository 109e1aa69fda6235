// XMPP addresses (RFC 7622): localpart@domainpart/resourcepart, parsed, bounded and normalised.
//
// Normalisation is a documented subset of PRECIS (RFC 8264/8265), which has no C library in
// Debian: ASCII letters of the localpart and domainpart are lowercased (Parley usernames are
// ASCII, so every local account compares correctly); non-ASCII characters are accepted as
// valid UTF-8 and kept byte for byte, without NFC or case folding; the resourcepart is kept
// as sent (OpaqueString preserves case). What is refused: see parse_jid.
#pragma once

#include <cstddef>
#include <expected>
#include <string>
#include <string_view>

namespace parley::xmpp {

inline constexpr std::size_t kJidMaxPart = 1023;  // bytes, per part (RFC 7622 §3.1)

struct Jid {
  std::string local;  // may be empty (a server or service address)
  std::string domain;
  std::string resource;  // empty for a bare JID

  bool is_bare() const { return resource.empty(); }
  Jid bare() const { return Jid{local, domain, {}}; }
  std::string bare_str() const;
  std::string str() const;

  friend bool operator==(const Jid&, const Jid&) = default;
};

// Parses and normalises. The error (for logs and <text/>) always means jid-malformed:
// an empty part after '@' or '/', a part over 1023 bytes, invalid UTF-8, controls anywhere;
// in the localpart a space or one of " & ' / : < > @; in the domainpart anything but LDH
// labels of 1..63 bytes (ASCII letters, digits, inner '-'), UTF-8 labels, or an IP literal;
// one trailing '.' of the domainpart is removed (RFC 7622 §3.2).
std::expected<Jid, std::string> parse_jid(std::string_view text);

// The parts on their own, for building a JID from trusted pieces (a username, the configured
// domain, a device key) with the same rules.
std::expected<std::string, std::string> normalize_localpart(std::string_view localpart);
std::expected<std::string, std::string> normalize_domainpart(std::string_view domainpart);
std::expected<std::string, std::string> check_resourcepart(std::string_view resourcepart);

}  // namespace parley::xmpp
