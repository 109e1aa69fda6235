// The closed sets of XMPP error conditions (stream errors RFC 6120 §4.9.3, stanza errors §8.3.3,
// SASL failures §6.5) with their wire names, and the elements that carry them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gateway/xmpp/xml_element.h"

namespace parley::xmpp {

enum class StreamCondition : std::uint8_t {
  bad_format,
  bad_namespace_prefix,
  conflict,
  connection_timeout,
  host_gone,
  host_unknown,
  improper_addressing,
  internal_server_error,
  invalid_from,
  invalid_namespace,
  invalid_xml,
  not_authorized,
  not_well_formed,
  policy_violation,
  remote_connection_failed,
  reset,
  resource_constraint,
  restricted_xml,
  see_other_host,
  system_shutdown,
  undefined_condition,
  unsupported_encoding,
  unsupported_feature,
  unsupported_stanza_type,
  unsupported_version,
};

// Why a stream must end: the condition to send and a human-readable detail for <text/> and logs.
struct StreamFault {
  StreamCondition condition = StreamCondition::undefined_condition;
  std::string text;
};

enum class StanzaErrorType : std::uint8_t { auth, cancel, continue_, modify, wait };

enum class StanzaCondition : std::uint8_t {
  bad_request,
  conflict,
  feature_not_implemented,
  forbidden,
  gone,
  internal_server_error,
  item_not_found,
  jid_malformed,
  not_acceptable,
  not_allowed,
  not_authorized,
  policy_violation,
  recipient_unavailable,
  redirect,
  registration_required,
  remote_server_not_found,
  remote_server_timeout,
  resource_constraint,
  service_unavailable,
  subscription_required,
  undefined_condition,
  unexpected_request,
};

enum class SaslCondition : std::uint8_t {
  aborted,
  account_disabled,
  credentials_expired,
  encryption_required,
  incorrect_encoding,
  invalid_authzid,
  invalid_mechanism,
  malformed_request,
  mechanism_too_weak,
  not_authorized,
  temporary_auth_failure,
};

struct SaslFault {
  SaslCondition condition = SaslCondition::not_authorized;
  std::string text;  // for logs; what goes on the wire is the caller's choice
};

// Wire names ("not-well-formed") and their inverse; nullopt for a name the RFC does not define.
std::string_view condition_name(StreamCondition condition);
std::string_view condition_name(StanzaCondition condition);
std::string_view condition_name(SaslCondition condition);
std::string_view error_type_name(StanzaErrorType type);
std::optional<StreamCondition> parse_stream_condition(std::string_view name);
std::optional<StanzaCondition> parse_stanza_condition(std::string_view name);
std::optional<SaslCondition> parse_sasl_condition(std::string_view name);
std::optional<StanzaErrorType> parse_error_type(std::string_view name);

// The type RFC 6120 §8.3.3 gives each condition in its definition (unexpected-request: "wait",
// one of the two the RFC allows; undefined-condition, which has none: "cancel").
StanzaErrorType default_error_type(StanzaCondition condition);

// <stream:error><condition xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text ...>..</text>
// </stream:error>, the text element only when text is non-empty. Serialise it with the stream's
// scope (TCP) or NamespaceScope::none() (WebSocket, which then declares xmlns:stream itself).
Element stream_error(StreamCondition condition, std::string_view text = {});
inline Element stream_error(const StreamFault& fault) {
  return stream_error(fault.condition, fault.text);
}

// <error type='..'><condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text/></error>.
// `by` is the optional entity that detected the error (RFC 6120 §8.3.2).
Element stanza_error(StanzaCondition condition, std::string_view text = {},
                     std::optional<StanzaErrorType> type = std::nullopt, std::string_view by = {});

// The error reply to `request` (RFC 6120 §8.3.1): same name, namespace and id, to/from swapped,
// type='error', the error child; the original payload is not echoed.
Element error_reply(const Element& request, Element error);

// <failure xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><condition/><text>..</text></failure>.
Element sasl_failure(SaslCondition condition, std::string_view text = {});

// What a received <error/> or <stream:error/> says (for the client side and the load generator).
struct ReceivedStanzaError {
  std::optional<StanzaErrorType> type;
  std::optional<StanzaCondition> condition;
  std::string text;
};
ReceivedStanzaError read_stanza_error(const Element& error);
std::optional<StreamCondition> read_stream_error(const Element& stream_error);

}  // namespace parley::xmpp
