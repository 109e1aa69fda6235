// Base64 (libsodium's strict codec), SASL payloads and elements, and SASL PLAIN.
#include "gateway/xmpp/sasl.h"

#include <sodium.h>

#include "gateway/xmpp/utf8_check.h"

namespace parley::xmpp {
namespace {

Element sasl_element(std::string_view name, std::string text) {
  Element e;
  e.name = std::string(name);
  e.ns = std::string(kNsSasl);
  e.text = std::move(text);
  return e;
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(sodium_base64_ENCODED_LEN(bytes.size(), sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(bytes.data()),
                    bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  // libsodium maps some bytes above 0x7F onto alphabet characters; only the alphabet may pass.
  for (char c : text) {
    const bool alphabet = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '+' || c == '/' || c == '=';
    if (!alphabet) return std::nullopt;
  }
  std::string out(text.size() / 4 * 3, '\0');
  std::size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

std::expected<std::optional<std::string>, SaslFault> decode_sasl_payload(std::string_view text) {
  if (text.empty()) return std::optional<std::string>();
  if (text == "=") return std::optional<std::string>(std::string());
  auto bytes = base64_decode(text);
  if (!bytes) {
    return std::unexpected(SaslFault{SaslCondition::incorrect_encoding, "payload is not base64"});
  }
  return std::optional<std::string>(std::move(*bytes));
}

std::string encode_sasl_payload(std::string_view bytes) {
  return bytes.empty() ? std::string("=") : base64_encode(bytes);
}

Element sasl_challenge(std::string_view bytes) {
  return sasl_element("challenge", encode_sasl_payload(bytes));
}

Element sasl_success(std::string_view additional_data) {
  return sasl_element("success",
                      additional_data.empty() ? std::string() : base64_encode(additional_data));
}

Element sasl_auth(std::string_view mechanism, std::optional<std::string_view> initial_response) {
  Element e = sasl_element(
      "auth", initial_response ? encode_sasl_payload(*initial_response) : std::string());
  e.set_attr("mechanism", std::string(mechanism));
  return e;
}

Element sasl_response(std::string_view bytes) {
  return sasl_element("response", encode_sasl_payload(bytes));
}

std::expected<PlainCredentials, SaslFault> parse_sasl_plain(std::string_view message,
                                                            const PlainLimits& limits) {
  auto malformed = [](std::string text) {
    return std::unexpected(SaslFault{SaslCondition::malformed_request, std::move(text)});
  };
  const std::size_t first = message.find('\0');
  if (first == std::string_view::npos) return malformed("PLAIN needs authzid NUL authcid NUL pw");
  const std::size_t second = message.find('\0', first + 1);
  if (second == std::string_view::npos) return malformed("PLAIN needs authzid NUL authcid NUL pw");
  PlainCredentials out;
  const std::string_view authzid = message.substr(0, first);
  const std::string_view authcid = message.substr(first + 1, second - first - 1);
  const std::string_view password = message.substr(second + 1);
  if (password.find('\0') != std::string_view::npos) return malformed("NUL in the password");
  if (authcid.empty() || password.empty()) return malformed("empty authcid or password");
  if (authzid.size() > limits.max_authzid || authcid.size() > limits.max_authcid ||
      password.size() > limits.max_password) {
    return malformed("PLAIN field too long");
  }
  if (!valid_utf8(authzid) || !valid_utf8(authcid) || !valid_utf8(password)) {
    return malformed("PLAIN fields must be UTF-8");
  }
  out.authzid = std::string(authzid);
  out.authcid = std::string(authcid);
  out.password = std::string(password);
  return out;
}

std::string sasl_plain_message(std::string_view authzid, std::string_view authcid,
                               std::string_view password) {
  std::string out(authzid);
  out += '\0';
  out += authcid;
  out += '\0';
  out += password;
  return out;
}

}  // namespace parley::xmpp
