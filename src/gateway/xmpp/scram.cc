// SCRAM key derivation (OpenSSL: PBKDF2, HMAC, SHA) and the server/client exchanges.
#include "gateway/xmpp/scram.h"

#include <idn-free.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stringprep.h>

#include <cstdlib>

#include "gateway/xmpp/sasl.h"

namespace parley::xmpp {
namespace {

const EVP_MD* digest(ScramHash hash) { return hash == ScramHash::sha1 ? EVP_sha1() : EVP_sha256(); }

std::string hmac(ScramHash hash, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(digest(hash), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &length);
  return std::string(reinterpret_cast<char*>(out), length);
}

std::string hash_of(ScramHash hash, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), out, &length, digest(hash), nullptr);
  return std::string(reinterpret_cast<char*>(out), length);
}

std::string xor_bytes(std::string_view a, std::string_view b) {
  std::string out(a);
  for (std::size_t i = 0; i < out.size() && i < b.size(); ++i) out[i] ^= b[i];
  return out;
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::unexpected<SaslFault> fault(SaslCondition condition, std::string text) {
  return std::unexpected(SaslFault{condition, std::move(text)});
}

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    // OpenSSL's CSPRNG failing means no secure nonce can be made; nothing can recover that.
    std::abort();
  }
  return out;
}

}  // namespace

std::string_view scram_mechanism(ScramHash hash) {
  return hash == ScramHash::sha1 ? "SCRAM-SHA-1" : "SCRAM-SHA-256";
}

std::optional<ScramHash> parse_scram_mechanism(std::string_view mechanism) {
  if (mechanism == "SCRAM-SHA-1") return ScramHash::sha1;
  if (mechanism == "SCRAM-SHA-256") return ScramHash::sha256;
  return std::nullopt;
}

std::expected<std::string, SaslFault> saslprep(std::string_view password, bool stored) {
  if (password.find('\0') != std::string_view::npos) {
    return fault(SaslCondition::not_authorized, "NUL in the password");
  }
  const std::string in(password);
  char* out = nullptr;
  const int rc = stringprep_profile(
      in.c_str(), &out, "SASLprep",
      stored ? STRINGPREP_NO_UNASSIGNED : static_cast<Stringprep_profile_flags>(0));
  if (rc != STRINGPREP_OK) {
    if (out != nullptr) idn_free(out);
    return fault(SaslCondition::not_authorized,
                 std::string("password rejected by SASLprep: ") +
                     stringprep_strerror(static_cast<Stringprep_rc>(rc)));
  }
  std::string prepared(out);
  idn_free(out);
  if (prepared.empty()) return fault(SaslCondition::not_authorized, "empty password");
  return prepared;
}

std::string salted_password(ScramHash hash, std::string_view prepared_password,
                            std::string_view salt, std::uint32_t iterations) {
  std::string out(static_cast<std::size_t>(EVP_MD_get_size(digest(hash))), '\0');
  PKCS5_PBKDF2_HMAC(prepared_password.data(), static_cast<int>(prepared_password.size()),
                    reinterpret_cast<const unsigned char*>(salt.data()),
                    static_cast<int>(salt.size()), static_cast<int>(iterations), digest(hash),
                    static_cast<int>(out.size()), reinterpret_cast<unsigned char*>(out.data()));
  return out;
}

ScramCredentials credentials_from_salted(ScramHash hash, std::string_view salted, std::string salt,
                                         std::uint32_t iterations) {
  ScramCredentials c;
  c.hash = hash;
  c.salt = std::move(salt);
  c.iterations = iterations;
  c.stored_key = hash_of(hash, hmac(hash, salted, "Client Key"));
  c.server_key = hmac(hash, salted, "Server Key");
  return c;
}

std::expected<ScramCredentials, SaslFault> derive_scram_credentials(ScramHash hash,
                                                                    std::string_view password,
                                                                    std::string salt,
                                                                    std::uint32_t iterations) {
  if (iterations == 0 || salt.empty()) {
    return fault(SaslCondition::temporary_auth_failure, "SCRAM needs a salt and iterations");
  }
  auto prepared = saslprep(password, true);
  if (!prepared) return std::unexpected(prepared.error());
  const std::string salted = salted_password(hash, *prepared, salt, iterations);
  return credentials_from_salted(hash, salted, std::move(salt), iterations);
}

ScramCredentials decoy_scram_credentials(ScramHash hash, std::string_view username,
                                         std::string_view server_secret, std::uint32_t iterations) {
  ScramCredentials c;
  c.hash = hash;
  c.salt = hmac(hash, server_secret, "salt:" + std::string(username)).substr(0, 16);
  c.iterations = iterations;
  c.stored_key = hmac(hash, server_secret, "stored:" + std::string(username));
  c.server_key = hmac(hash, server_secret, "server:" + std::string(username));
  return c;
}

std::string scram_random_nonce() { return base64_encode(random_bytes(18)); }
std::string scram_random_salt(std::size_t bytes) { return random_bytes(bytes); }

std::unexpected<SaslFault> ScramServer::fail(SaslCondition condition, std::string text) {
  step_ = Step::failed;
  return fault(condition, std::move(text));
}

std::expected<const ClientFirst*, SaslFault> ScramServer::receive_client_first(
    std::string_view message) {
  if (step_ != Step::client_first) return fail(SaslCondition::malformed_request, "out of order");
  auto first = parse_client_first(message);
  if (!first) return fail(first.error().condition, first.error().text);
  if (first->cbind_flag == 'y' && options_.channel_binding_offered) {
    return fail(SaslCondition::not_authorized, "'y' while -PLUS is offered: a downgrade");
  }
  first_ = *std::move(first);
  step_ = Step::challenge;
  return &first_;
}

std::string ScramServer::challenge(const ScramCredentials& credentials,
                                   std::string_view server_nonce) {
  if (step_ != Step::challenge || credentials.hash != hash_) {
    step_ = Step::failed;
    return {};
  }
  credentials_ = credentials;
  nonce_ = first_.nonce + std::string(server_nonce);
  server_first_ = "r=" + nonce_ + ",s=" + base64_encode(credentials.salt) +
                  ",i=" + std::to_string(credentials.iterations);
  step_ = Step::client_final;
  return server_first_;
}

std::expected<std::string, SaslFault> ScramServer::receive_client_final(std::string_view message) {
  if (step_ != Step::client_final) return fail(SaslCondition::malformed_request, "out of order");
  auto final_message = parse_client_final(message);
  if (!final_message) return fail(final_message.error().condition, final_message.error().text);
  // With 'n' or 'y' there is no channel-binding data: c= is the GS2 header itself.
  if (final_message->channel_binding != first_.gs2_header) {
    return fail(SaslCondition::not_authorized, "channel binding does not match the gs2 header");
  }
  if (final_message->nonce != nonce_) return fail(SaslCondition::not_authorized, "wrong nonce");
  const std::string auth_message =
      first_.bare + "," + server_first_ + "," + final_message->without_proof;
  const std::string signature = hmac(hash_, credentials_.stored_key, auth_message);
  if (final_message->proof.size() != signature.size()) {
    return fail(SaslCondition::not_authorized, "wrong proof");
  }
  const std::string client_key = xor_bytes(final_message->proof, signature);
  if (!equal_constant_time(hash_of(hash_, client_key), credentials_.stored_key)) {
    return fail(SaslCondition::not_authorized, "wrong proof");
  }
  step_ = Step::done;
  return "v=" + base64_encode(hmac(hash_, credentials_.server_key, auth_message));
}

ScramClient::ScramClient(ScramHash hash, std::string username, std::string password,
                         std::string nonce, std::string authzid)
    : hash_(hash),
      username_(std::move(username)),
      password_(std::move(password)),
      nonce_(std::move(nonce)),
      authzid_(std::move(authzid)) {}

std::string ScramClient::first_message() const {
  const std::string gs2 = authzid_.empty() ? "n,," : "n,a=" + escape_saslname(authzid_) + ",";
  return gs2 + "n=" + escape_saslname(username_) + ",r=" + nonce_;
}

std::expected<std::string, SaslFault> ScramClient::receive_server_first(std::string_view message) {
  if (have_server_first_) return fault(SaslCondition::malformed_request, "out of order");
  auto first = parse_server_first(message);
  if (!first) return std::unexpected(first.error());
  if (first->nonce.size() <= nonce_.size() || first->nonce.compare(0, nonce_.size(), nonce_) != 0) {
    return fault(SaslCondition::not_authorized, "the server nonce does not extend ours");
  }
  if (first->iterations > max_iterations) {
    return fault(SaslCondition::not_authorized, "the server asks for too many iterations");
  }
  auto prepared = saslprep(password_, false);
  if (!prepared) return std::unexpected(prepared.error());
  salted_ = salted_password(hash_, *prepared, first->salt, first->iterations);
  const std::string first_message_text = this->first_message();
  const std::string gs2 = first_message_text.substr(0, first_message_text.find(",n=") + 1);
  const std::string bare = first_message_text.substr(gs2.size());
  const std::string without_proof = "c=" + base64_encode(gs2) + ",r=" + first->nonce;
  auth_message_ = bare + "," + first->message + "," + without_proof;
  const std::string client_key = hmac(hash_, salted_, "Client Key");
  const std::string signature = hmac(hash_, hash_of(hash_, client_key), auth_message_);
  have_server_first_ = true;
  return without_proof + ",p=" + base64_encode(xor_bytes(client_key, signature));
}

std::expected<void, SaslFault> ScramClient::receive_server_final(std::string_view message) {
  if (!have_server_first_) return fault(SaslCondition::malformed_request, "out of order");
  auto final_message = parse_server_final(message);
  if (!final_message) return std::unexpected(final_message.error());
  if (!final_message->verifier) {
    return fault(SaslCondition::not_authorized, "server error: " + final_message->error);
  }
  const std::string expected = hmac(hash_, hmac(hash_, salted_, "Server Key"), auth_message_);
  if (!equal_constant_time(*final_message->verifier, expected)) {
    return fault(SaslCondition::not_authorized, "the server's signature is wrong");
  }
  return {};
}

}  // namespace parley::xmpp
