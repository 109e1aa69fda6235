// Wire names of XMPP error conditions and the stream, stanza and SASL error elements.
#include "gateway/xmpp/errors.h"

#include <array>
#include <utility>

namespace parley::xmpp {
namespace {

constexpr std::array<std::string_view, 25> kStreamNames = {
    "bad-format",
    "bad-namespace-prefix",
    "conflict",
    "connection-timeout",
    "host-gone",
    "host-unknown",
    "improper-addressing",
    "internal-server-error",
    "invalid-from",
    "invalid-namespace",
    "invalid-xml",
    "not-authorized",
    "not-well-formed",
    "policy-violation",
    "remote-connection-failed",
    "reset",
    "resource-constraint",
    "restricted-xml",
    "see-other-host",
    "system-shutdown",
    "undefined-condition",
    "unsupported-encoding",
    "unsupported-feature",
    "unsupported-stanza-type",
    "unsupported-version",
};

struct StanzaInfo {
  std::string_view name;
  StanzaErrorType type;
};

constexpr std::array<StanzaInfo, 22> kStanzaInfo = {{
    {"bad-request", StanzaErrorType::modify},
    {"conflict", StanzaErrorType::cancel},
    {"feature-not-implemented", StanzaErrorType::cancel},
    {"forbidden", StanzaErrorType::auth},
    {"gone", StanzaErrorType::cancel},
    {"internal-server-error", StanzaErrorType::cancel},
    {"item-not-found", StanzaErrorType::cancel},
    {"jid-malformed", StanzaErrorType::modify},
    {"not-acceptable", StanzaErrorType::modify},
    {"not-allowed", StanzaErrorType::cancel},
    {"not-authorized", StanzaErrorType::auth},
    {"policy-violation", StanzaErrorType::modify},
    {"recipient-unavailable", StanzaErrorType::wait},
    {"redirect", StanzaErrorType::modify},
    {"registration-required", StanzaErrorType::auth},
    {"remote-server-not-found", StanzaErrorType::cancel},
    {"remote-server-timeout", StanzaErrorType::wait},
    {"resource-constraint", StanzaErrorType::wait},
    {"service-unavailable", StanzaErrorType::cancel},
    {"subscription-required", StanzaErrorType::auth},
    {"undefined-condition", StanzaErrorType::cancel},
    {"unexpected-request", StanzaErrorType::wait},
}};

constexpr std::array<std::string_view, 11> kSaslNames = {
    "aborted",
    "account-disabled",
    "credentials-expired",
    "encryption-required",
    "incorrect-encoding",
    "invalid-authzid",
    "invalid-mechanism",
    "malformed-request",
    "mechanism-too-weak",
    "not-authorized",
    "temporary-auth-failure",
};

constexpr std::array<std::string_view, 5> kTypeNames = {"auth", "cancel", "continue", "modify",
                                                        "wait"};

template <class Enum, std::size_t N>
std::optional<Enum> find_name(const std::array<std::string_view, N>& names, std::string_view name) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == name) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

Element condition_element(std::string_view name, std::string_view ns) {
  Element e;
  e.name = std::string(name);
  e.ns = std::string(ns);
  return e;
}

Element text_element(std::string_view text, std::string_view ns) {
  Element e = condition_element("text", ns);
  e.text = std::string(text);
  return e;
}

}  // namespace

std::string_view condition_name(StreamCondition condition) {
  return kStreamNames[static_cast<std::size_t>(condition)];
}
std::string_view condition_name(StanzaCondition condition) {
  return kStanzaInfo[static_cast<std::size_t>(condition)].name;
}
std::string_view condition_name(SaslCondition condition) {
  return kSaslNames[static_cast<std::size_t>(condition)];
}
std::string_view error_type_name(StanzaErrorType type) {
  return kTypeNames[static_cast<std::size_t>(type)];
}

std::optional<StreamCondition> parse_stream_condition(std::string_view name) {
  return find_name<StreamCondition>(kStreamNames, name);
}
std::optional<StanzaCondition> parse_stanza_condition(std::string_view name) {
  for (std::size_t i = 0; i < kStanzaInfo.size(); ++i) {
    if (kStanzaInfo[i].name == name) return static_cast<StanzaCondition>(i);
  }
  return std::nullopt;
}
std::optional<SaslCondition> parse_sasl_condition(std::string_view name) {
  return find_name<SaslCondition>(kSaslNames, name);
}
std::optional<StanzaErrorType> parse_error_type(std::string_view name) {
  return find_name<StanzaErrorType>(kTypeNames, name);
}

StanzaErrorType default_error_type(StanzaCondition condition) {
  return kStanzaInfo[static_cast<std::size_t>(condition)].type;
}

Element stream_error(StreamCondition condition, std::string_view text) {
  Element e = condition_element("error", kNsStream);
  e.prefix = "stream";
  e.children.push_back(condition_element(condition_name(condition), kNsStreamErrors));
  if (!text.empty()) e.children.push_back(text_element(text, kNsStreamErrors));
  return e;
}

Element stanza_error(StanzaCondition condition, std::string_view text,
                     std::optional<StanzaErrorType> type, std::string_view by) {
  // The <error/> child is in the stanza's namespace; the gateway only writes jabber:client.
  Element e = condition_element("error", kNsClient);
  e.set_attr("type", std::string(error_type_name(type.value_or(default_error_type(condition)))));
  if (!by.empty()) e.set_attr("by", std::string(by));
  e.children.push_back(condition_element(condition_name(condition), kNsStanzaErrors));
  if (!text.empty()) e.children.push_back(text_element(text, kNsStanzaErrors));
  return e;
}

Element error_reply(const Element& request, Element error) {
  Element reply;
  reply.name = request.name;
  reply.ns = request.ns;
  reply.prefix = request.prefix;
  if (const std::string* id = request.attr("id")) reply.set_attr("id", *id);
  if (const std::string* from = request.attr("from")) reply.set_attr("to", *from);
  if (const std::string* to = request.attr("to")) reply.set_attr("from", *to);
  reply.set_attr("type", "error");
  error.ns = request.ns;
  reply.children.push_back(std::move(error));
  return reply;
}

Element sasl_failure(SaslCondition condition, std::string_view text) {
  Element e = condition_element("failure", kNsSasl);
  e.children.push_back(condition_element(condition_name(condition), kNsSasl));
  if (!text.empty()) e.children.push_back(text_element(text, kNsSasl));
  return e;
}

ReceivedStanzaError read_stanza_error(const Element& error) {
  ReceivedStanzaError out;
  if (const std::string* type = error.attr("type")) out.type = parse_error_type(*type);
  for (const Element& c : error.children) {
    if (c.ns != kNsStanzaErrors) continue;
    if (c.name == "text") {
      out.text = c.all_text();
    } else if (!out.condition) {
      out.condition = parse_stanza_condition(c.name);
    }
  }
  return out;
}

std::optional<StreamCondition> read_stream_error(const Element& stream_error) {
  for (const Element& c : stream_error.children) {
    if (c.ns == kNsStreamErrors && c.name != "text") return parse_stream_condition(c.name);
  }
  return std::nullopt;
}

}  // namespace parley::xmpp
