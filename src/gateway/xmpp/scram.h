// SASL SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677): the keys a server stores instead of
// the password, and server and client exchanges as pure state machines (randomness comes in as
// arguments, so every step is deterministic and testable).
#pragma once

#include <cstdint>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/xmpp/errors.h"
#include "gateway/xmpp/scram_messages.h"

namespace parley::xmpp {

enum class ScramHash : std::uint8_t { sha1, sha256 };

std::string_view scram_mechanism(ScramHash hash);  // "SCRAM-SHA-1", "SCRAM-SHA-256"
std::optional<ScramHash> parse_scram_mechanism(std::string_view mechanism);

// What the server keeps per account and hash (RFC 5802 §3); never the password.
struct ScramCredentials {
  ScramHash hash = ScramHash::sha256;
  std::string salt;  // raw bytes
  std::uint32_t iterations = 0;
  std::string stored_key;  // H(ClientKey), raw
  std::string server_key;  // HMAC(SaltedPassword, "Server Key"), raw

  friend bool operator==(const ScramCredentials&, const ScramCredentials&) = default;
};

inline constexpr std::uint32_t kScramDefaultIterations = 4096;  // RFC 7677 §4's minimum

// SASLprep (RFC 4013, through libidn) of a password; `stored` refuses unassigned code points
// (for a password being set), otherwise they pass (a query). not-authorized when the password
// holds prohibited characters: such a password cannot be used with SCRAM, only with PLAIN.
std::expected<std::string, SaslFault> saslprep(std::string_view password, bool stored);

// Hi() of RFC 5802 §2.2: PBKDF2-HMAC over the (already prepared) password.
std::string salted_password(ScramHash hash, std::string_view prepared_password,
                            std::string_view salt, std::uint32_t iterations);
ScramCredentials credentials_from_salted(ScramHash hash, std::string_view salted, std::string salt,
                                         std::uint32_t iterations);
// SASLprep, then PBKDF2, then the two keys: what register and password change store.
// Costs `iterations` HMACs: run it off the I/O thread.
std::expected<ScramCredentials, SaslFault> derive_scram_credentials(
    ScramHash hash, std::string_view password, std::string salt,
    std::uint32_t iterations = kScramDefaultIterations);

// Credentials for a user that does not exist, derived from a server secret so they are stable
// per username: the exchange then fails at the proof exactly as a wrong password would, and
// does not reveal which usernames exist (RFC 5802 §9). Cheap: no PBKDF2.
ScramCredentials decoy_scram_credentials(ScramHash hash, std::string_view username,
                                         std::string_view server_secret,
                                         std::uint32_t iterations = kScramDefaultIterations);

// Random values from OpenSSL's CSPRNG: a printable nonce (base64 of 18 bytes) and a salt.
std::string scram_random_nonce();
std::string scram_random_salt(std::size_t bytes = 16);

// Server side. One per authentication attempt, on the connection's thread:
//   auto first = server.receive_client_first(payload);   // -> look up first->username
//   send(server.challenge(credentials, scram_random_nonce()));
//   auto final = server.receive_client_final(payload);   // -> server-final for <success/>
// Any fault ends the attempt (later calls fail too): send <failure/> with its condition.
class ScramServer {
 public:
  struct Options {
    // True when the server also offers SCRAM-*-PLUS: then a client saying 'y' ("I could bind,
    // you do not offer it") reveals a downgrade and must fail (RFC 5802 §6).
    bool channel_binding_offered = false;
  };

  explicit ScramServer(ScramHash hash) : ScramServer(hash, Options{}) {}
  ScramServer(ScramHash hash, Options options) : hash_(hash), options_(options) {}

  std::expected<const ClientFirst*, SaslFault> receive_client_first(std::string_view message);
  // server-first-message for the <challenge/>. The nonce must be printable without ','.
  std::string challenge(const ScramCredentials& credentials, std::string_view server_nonce);
  // Checks channel binding, nonce and proof (constant time); not-authorized on a wrong proof.
  std::expected<std::string, SaslFault> receive_client_final(std::string_view message);

 private:
  enum class Step : std::uint8_t { client_first, challenge, client_final, done, failed };
  std::unexpected<SaslFault> fail(SaslCondition condition, std::string text);

  ScramHash hash_;
  Options options_;
  Step step_ = Step::client_first;
  ClientFirst first_;
  ScramCredentials credentials_;
  std::string server_first_;
  std::string nonce_;
};

// Client side (tests, the load generator). Not SASLprep'd when constructed from a salted
// password cache; `max_iterations` refuses a server that asks for absurd work.
class ScramClient {
 public:
  ScramClient(ScramHash hash, std::string username, std::string password, std::string nonce,
              std::string authzid = {});

  std::string first_message() const;  // the <auth/> initial response
  // The client-final-message (with proof) for the <response/>.
  std::expected<std::string, SaslFault> receive_server_first(std::string_view message);
  // Verifies the server's signature from <success/>'s additional data.
  std::expected<void, SaslFault> receive_server_final(std::string_view message);

  const std::string& salted() const { return salted_; }  // after receive_server_first
  std::uint32_t max_iterations = 1'000'000;

 private:
  ScramHash hash_;
  std::string username_, password_, nonce_, authzid_;
  std::string salted_, auth_message_;
  bool have_server_first_ = false;
};

}  // namespace parley::xmpp
