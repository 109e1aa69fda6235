// SASL pieces of XMPP that are not SCRAM: strict base64, the payload rules of RFC 6120 §6.4.2,
// the SASL elements, and the PLAIN mechanism (RFC 4616).
#pragma once

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/xmpp/errors.h"
#include "gateway/xmpp/xml_element.h"

namespace parley::xmpp {

// Standard base64 with padding (RFC 4648 §4). Decoding is strict: no whitespace, no missing or
// extra padding, no non-zero trailing bits; nullopt otherwise.
std::string base64_encode(std::string_view bytes);
std::optional<std::string> base64_decode(std::string_view text);

// The character data of <auth/> or <response/>: nullopt when there is none (no initial
// response), "" for "=" (an empty response), the decoded bytes otherwise; incorrect-encoding
// when it is not base64 (RFC 6120 §6.4.2, §6.5.2).
std::expected<std::optional<std::string>, SaslFault> decode_sasl_payload(std::string_view text);
std::string encode_sasl_payload(std::string_view bytes);  // "=" for empty

// <challenge/>, <success/> (with additional data, e.g. SCRAM's server-final) and <auth/>
// (client side), in urn:ietf:params:xml:ns:xmpp-sasl.
Element sasl_challenge(std::string_view bytes);
Element sasl_success(std::string_view additional_data = {});
Element sasl_auth(std::string_view mechanism, std::optional<std::string_view> initial_response);
Element sasl_response(std::string_view bytes);

struct PlainCredentials {
  std::string authzid;  // may be empty (act as authcid)
  std::string authcid;
  std::string password;
};

// RFC 4616 says a server must accept at least 255 bytes of each; these are the defaults here.
struct PlainLimits {
  std::size_t max_authzid = 3071;  // a full JID (RFC 7622: three parts of 1023 bytes)
  std::size_t max_authcid = 1023;
  std::size_t max_password = 1024;
};

// message = [authzid] NUL authcid NUL passwd, every part UTF-8 without NUL, authcid and
// passwd non-empty; malformed-request otherwise (the gateway then says not-authorized or
// malformed-request as it prefers).
std::expected<PlainCredentials, SaslFault> parse_sasl_plain(std::string_view message,
                                                            const PlainLimits& limits = {});
std::string sasl_plain_message(std::string_view authzid, std::string_view authcid,
                               std::string_view password);

}  // namespace parley::xmpp
