// Fuzz target for what a client sends inside SASL and addresses: the SCRAM message parsers and
// both SCRAM state machines, PLAIN, base64, and JIDs. Aborts when a property fails: a parsed
// JID reparses to itself, saslname escaping round-trips, base64 round-trips. Built like the
// stream parser's target (libFuzzer with clang, a deterministic replay test always).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "gateway/xmpp/jid.h"
#include "gateway/xmpp/sasl.h"
#include "gateway/xmpp/scram.h"

namespace {

using namespace parley::xmpp;

const ScramCredentials& credentials() {
  static const ScramCredentials c =
      *derive_scram_credentials(ScramHash::sha1, "pencil", "QSXCR+Q6sek8bf92", 4096);
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  // A server exchange: the input's first line is client-first, the rest client-final.
  const std::size_t newline = input.find('\n');
  const std::string_view first = input.substr(0, newline);
  const std::string_view rest =
      newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
  ScramServer server(ScramHash::sha1);
  if (server.receive_client_first(first)) {
    (void)server.challenge(credentials(), "3rfcNHYJY1ZVvWVs7j");
    (void)server.receive_client_final(rest);
  }
  // A client exchange against a hostile server (few iterations, or fuzzing would only hash).
  ScramClient client(ScramHash::sha256, "user", std::string(rest), "rOprNGfwEbeRWgbNEkqO");
  client.max_iterations = 64;
  if (client.receive_server_first(first)) (void)client.receive_server_final(rest);

  (void)parse_server_final(input);
  (void)parse_sasl_plain(input);
  (void)saslprep(input, true);
  if (auto payload = decode_sasl_payload(input); payload && *payload) {
    if (!payload->value().empty() && base64_encode(payload->value()) != input) std::abort();
  }
  if (input.find('\0') == std::string_view::npos) {  // a saslname cannot hold NUL
    if (unescape_saslname(escape_saslname(input)) != std::string(input)) std::abort();
  }
  if (auto jid = parse_jid(input)) {
    auto again = parse_jid(jid->str());
    if (!again || !(*again == *jid)) std::abort();
  }
  return 0;
}
