// The four SCRAM messages of RFC 5802 §7 parsed and checked against the RFC's attribute rules
// (order, saslname escaping, printable nonces, the reserved "m" attribute), without any crypto.
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/xmpp/errors.h"

namespace parley::xmpp {

// Bounds on what a peer may send (RFC 5802 has none; these keep every message small).
inline constexpr std::size_t kScramMaxMessage = 4096;
inline constexpr std::size_t kScramMaxName = 1023;  // username / authzid after unescaping
inline constexpr std::size_t kScramMaxNonce = 512;

struct ClientFirst {
  char cbind_flag = 'n';   // 'n': client does not support channel binding; 'y': it does, but
                           // thinks the server does not ('p=' is refused while parsing)
  std::string authzid;     // unescaped; empty when absent
  std::string username;    // unescaped (not SASLprep'd: the gateway normalises usernames)
  std::string nonce;       // c-nonce
  std::string gs2_header;  // "n,," / "y,a=...," exactly as sent: c= must echo it
  std::string bare;        // client-first-message-bare, for AuthMessage
};

struct ServerFirst {
  std::string nonce;  // c-nonce + s-nonce
  std::string salt;   // decoded
  std::uint32_t iterations = 0;
  std::string message;  // as received, for AuthMessage
};

struct ClientFinal {
  std::string channel_binding;  // decoded c=
  std::string nonce;
  std::string proof;          // decoded p=
  std::string without_proof;  // client-final-message-without-proof, for AuthMessage
};

struct ServerFinal {
  std::optional<std::string> verifier;  // decoded v=
  std::string error;                    // e= value when the server refused
};

// saslname: ',' is sent as "=2C" and '=' as "=3D" (RFC 5802 §5.1); any other '=' is an error.
std::string escape_saslname(std::string_view name);
std::optional<std::string> unescape_saslname(std::string_view name);

// Faults are malformed-request, except a p= channel-binding request, which is refused with
// malformed-request and says so (Parley offers no SCRAM-*-PLUS mechanism).
std::expected<ClientFirst, SaslFault> parse_client_first(std::string_view message);
std::expected<ServerFirst, SaslFault> parse_server_first(std::string_view message);
std::expected<ClientFinal, SaslFault> parse_client_final(std::string_view message);
std::expected<ServerFinal, SaslFault> parse_server_final(std::string_view message);

}  // namespace parley::xmpp
