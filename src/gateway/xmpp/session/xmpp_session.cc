// Stream negotiation (RFC 6120 §4–§7): the header, STARTTLS, SASL PLAIN, resource binding, the
// legacy session request, and how a stream ends.
#include "gateway/xmpp/session/xmpp_session.h"

#include "core/accounts.h"
#include "gateway/common/peer_ip.h"
#include "gateway/xmpp/sasl.h"
#include "gateway/xmpp/scram.h"
#include "gateway/xmpp/session/xmpp_namespaces.h"
#include "gateway/xmpp/stream_header.h"
#include "gateway/xmpp/xml_writer.h"

namespace parley::xmpp {
namespace {

// RFC 6120 §6.4.5: a server should allow a few retries (at least 2, at most 5), then close.
constexpr int kMaxSaslAttempts = 3;
// Resources become device keys (core bounds those at 128 bytes, with the "xmpp/" prefix).
constexpr std::size_t kMaxResourceBytes = 100;

StreamParser::Options parser_options(const transport::Connection& connection,
                                     const XmppConfig& config) {
  StreamParser::Options options;
  options.framing = connection.framing() == transport::Framing::messages ? StreamFraming::websocket
                                                                         : StreamFraming::tcp;
  options.limits = config.limits;
  return options;
}

SaslCondition sasl_condition(const Error& error) {
  switch (error.code) {
    case Errc::invalid_credentials:
    case Errc::user_not_found:
      return SaslCondition::not_authorized;
    case Errc::rate_limited:
    case Errc::unavailable:
    case Errc::internal:
      return SaslCondition::temporary_auth_failure;
    default:
      return SaslCondition::not_authorized;
  }
}

}  // namespace

XmppSession::XmppSession(transport::Connection& connection, Core& core, const XmppConfig& config)
    : connection_(connection),
      core_(core),
      config_(config),
      parser_(parser_options(connection, config)),
      websocket_(connection.framing() == transport::Framing::messages) {
  handle_ = core_.open_session(*this);
  connection_.set_deadline(std::chrono::steady_clock::now() + config_.login_timeout);
}

XmppSession::~XmppSession() {
  if (phase_ != Phase::closing) core_.close_session(handle_);
}

// ---------------------------------------------------------------- input

void XmppSession::on_bytes(std::string_view bytes) {
  if (phase_ == Phase::closing) return;
  inbuf_.append(bytes);
  pump();
}

void XmppSession::on_message(std::string_view payload, transport::MessageType) {
  if (phase_ == Phase::closing) return;
  if (waiting_) {  // RFC 7395 clients wait for answers during negotiation, as stream ones do
    return stream_fail(StreamCondition::policy_violation, "sent before the answer it must await");
  }
  if (ending_) return;  // the client's <close/> came: nothing after it is read
  ParseStep step = parser_.feed_message(payload);
  if (step.status == ParseStatus::error) return stream_fail(step.fault.condition, step.fault.text);
  if (step.status == ParseStatus::event) handle_event(std::move(step.event));
  pump();  // only the input flow: a WebSocket session holds no stream bytes
}

// Parses and handles one event at a time, so that what an event changes (STARTTLS, a SASL
// restart, an answer core has not given yet) applies before any later byte is interpreted.
void XmppSession::pump() {
  if (pumping_) return;  // a handler called back into pump: the loop below goes on
  pumping_ = true;
  while (phase_ != Phase::closing && !waiting_ && !ending_ && !inbuf_.empty() && !input_held()) {
    ParseStep step = parser_.feed(inbuf_);
    inbuf_.erase(0, step.consumed);
    if (step.status == ParseStatus::need_more) break;
    if (step.status == ParseStatus::error) {
      stream_fail(step.fault.condition, step.fault.text);
      break;
    }
    handle_event(std::move(step.event));
  }
  pumping_ = false;
  if (phase_ == Phase::closing) return;
  if (input_held() != input_paused_) {
    input_paused_ = input_held();
    input_paused_ ? connection_.pause_input() : connection_.resume_input();
  }
  // Between stanzas the parser gives expat's memory back (an idle stream holds none).
  if (inbuf_.empty()) parser_.release_memory();
}

void XmppSession::handle_event(StreamEvent event) {
  if (auto* header = std::get_if<StreamHeader>(&event)) return on_stream_header(*header);
  if (std::holds_alternative<StreamEnd>(event)) {
    // RFC 6120 §4.4: the client closed its stream; answers still owed go out before ours.
    ending_ = true;
    available_ = false;
    if (in_flight_ == 0) close_stream();
    return;
  }
  const Element& element = std::get<Element>(event);
  if (!identity_) return on_negotiation_element(element);
  on_stanza(element);
}

void XmppSession::on_stream_header(const StreamHeader& header) {
  stream_id_ = scram_random_nonce();
  send_raw(stream_opening_xml(StreamOpening{
      .from = config_.domain, .to = {}, .id = stream_id_, .lang = "en", .websocket = websocket_}));
  if (auto fault = check_client_header(header, config_.domain)) {
    return stream_fail(fault->condition, fault->text);
  }
  if (config_.require_tls && !connection_.encrypted() && !connection_.starttls_available()) {
    return stream_fail(StreamCondition::policy_violation,
                       "this server requires TLS; connect to its TLS or STARTTLS port");
  }
  phase_ = Phase::open;
  send_features();
}

void XmppSession::send_features() {
  ElementBuilder features("features", kNsStream, "stream");
  if (!connection_.encrypted() && connection_.starttls_available()) {
    ElementBuilder starttls("starttls", kNsTls);
    if (config_.require_tls) starttls.child(element("required", kNsTls));
    features.child(std::move(starttls));
  }
  if (!verified_ && (connection_.encrypted() || !config_.require_tls)) {
    features.child(
        element("mechanisms", kNsSasl).child(element("mechanism", kNsSasl).text("PLAIN")));
  }
  if (registration_offered()) features.child(element("register", kNsRegisterFeature));
  if (verified_) {
    features.child(element("bind", kNsBind));
    features.child(element("sm", kNsSm));  // XEP-0198, without resumption
    // RFC 6121 (2011) dropped the session request; old clients still send it (answered).
    features.child(element("session", kNsSession).child(element("optional", kNsSession)));
  }
  send(std::move(features).build());
}

void XmppSession::on_negotiation_element(const Element& element) {
  if (element.is("starttls", kNsTls)) return on_starttls();
  if (!verified_ && config_.require_tls && !connection_.encrypted()) {
    // RFC 6120 §5.3.1: with TLS required, anything but STARTTLS ends the stream.
    return stream_fail(StreamCondition::policy_violation, "TLS is required first (STARTTLS)");
  }
  if (element.is("auth", kNsSasl)) return on_sasl_auth(element);
  if (element.is("response", kNsSasl)) return on_sasl_response(element);
  if (element.is("abort", kNsSasl)) {
    plain_pending_ = false;
    return send(sasl_failure(SaslCondition::aborted));
  }
  if (!verified_ && element.is("iq", kNsClient) && element.child("query", kNsRegister)) {
    return on_registration(element);
  }
  if (verified_ && element.is("iq", kNsClient)) {
    const std::string_view type = element.attr_or("type", "");
    if (type == "set" && element.child("bind", kNsBind)) return on_bind(element);
    if (type == "set" && element.child("session", kNsSession)) {
      return reply_session(element);
    }
  }
  if (verified_ && element.ns == kNsSm) {
    // XEP-0198 §3, §5: <enable/> comes after binding, and no stream can be resumed here.
    return send_sm_failed(element.name == "resume" ? StanzaCondition::item_not_found
                                                   : StanzaCondition::unexpected_request);
  }
  // RFC 6120 §7.1 / §6.3.1: no stanza before authentication and binding.
  stream_fail(StreamCondition::not_authorized, "authenticate and bind a resource first");
}

void XmppSession::on_starttls() {
  if (connection_.encrypted() || !connection_.starttls_available()) {
    return stream_fail(StreamCondition::policy_violation, "STARTTLS is not available here");
  }
  if (!inbuf_.empty()) {  // the handshake must be the next thing on the wire (RFC 6120 §5.4.3.3)
    return stream_fail(StreamCondition::policy_violation, "data after <starttls/>");
  }
  send(element("proceed", kNsTls));
  if (!connection_.start_tls()) {
    return stream_fail(StreamCondition::internal_server_error, "TLS could not start");
  }
  // Nothing more arrives until TLS is up; then the client opens a new stream.
  parser_.restart();
  phase_ = Phase::awaiting_header;
}

void XmppSession::on_sasl_auth(const Element& auth) {
  if (verified_ || plain_pending_) {
    return stream_fail(StreamCondition::policy_violation, "already authenticated");
  }
  const std::string_view mechanism = auth.attr_or("mechanism", "");
  if (mechanism != "PLAIN") return send(sasl_failure(SaslCondition::invalid_mechanism));
  auto payload = decode_sasl_payload(auth.text);
  if (!payload) return send(sasl_failure(payload.error().condition));
  if (!*payload) {  // no initial response: an empty challenge asks for it (RFC 6120 §6.4.2)
    plain_pending_ = true;
    return send(sasl_challenge(""));
  }
  check_plain(**payload);
}

void XmppSession::on_sasl_response(const Element& response) {
  if (!plain_pending_) return send(sasl_failure(SaslCondition::malformed_request));
  plain_pending_ = false;
  auto payload = decode_sasl_payload(response.text);
  if (!payload) return send(sasl_failure(payload.error().condition));
  check_plain(payload->value_or(""));
}

void XmppSession::check_plain(std::string_view message) {
  auto credentials = parse_sasl_plain(message);
  if (!credentials) return send(sasl_failure(SaslCondition::malformed_request));
  // authzid: none, or the account itself (no one may act for another user).
  if (!credentials->authzid.empty()) {
    auto as = parse_jid(credentials->authzid);
    if (!as || !as->is_bare() || as->domain != config_.domain ||
        as->local != normalize_localpart(credentials->authcid).value_or("")) {
      return send(sasl_failure(SaslCondition::invalid_authzid));
    }
  }
  if (++sasl_attempts_ > kMaxSaslAttempts) {
    return stream_fail(StreamCondition::policy_violation, "too many authentication attempts");
  }
  waiting_ = true;
  core_.accounts().authenticate(
      std::move(credentials->authcid), std::move(credentials->password),
      gateway::peer_ip(connection_.remote_address()),
      guarded<Credentials>([this](Result<Credentials> r) { on_sasl_result(std::move(r)); }));
}

void XmppSession::on_sasl_result(Result<Credentials> result) {
  waiting_ = false;
  if (phase_ == Phase::closing) return;
  if (!result) {
    send(sasl_failure(sasl_condition(result.error()), result.error().message));
    return pump();
  }
  verified_ = *std::move(result);
  send(sasl_success());
  // RFC 6120 §6.4.6: both sides restart the stream; the client's new header comes next.
  parser_.restart();
  phase_ = Phase::awaiting_header;
  pump();
}

void XmppSession::on_bind(const Element& iq) {
  const Element* bind = iq.child("bind", kNsBind);
  const Element* asked = bind->child("resource", kNsBind);
  std::string resource = asked ? asked->all_text() : std::string();
  if (!resource.empty()) {
    auto checked = check_resourcepart(resource);
    if (!checked || resource.size() > kMaxResourceBytes) {
      return reply_error(iq, StanzaCondition::bad_request,
                         "a resource of 1 to 100 bytes, without controls");
    }
  } else {
    resource = "parley-" + scram_random_nonce().substr(0, 12);  // base64: '/' and '+' can occur
    for (char& c : resource)
      if (c == '/' || c == '+') c = 'x';
  }
  waiting_ = true;
  core_.accounts().open_device(*std::move(verified_), "XMPP " + resource, "xmpp/" + resource,
                               guarded<AuthGrant>([this, id = std::string(iq.attr_or("id", "")),
                                                   resource](Result<AuthGrant> grant) {
                                 on_bound(id, resource, std::move(grant));
                               }));
  verified_.reset();  // the password hash is not kept past binding
}

void XmppSession::on_bound(const std::string& iq_id, const std::string& resource,
                           Result<AuthGrant> grant) {
  waiting_ = false;
  if (phase_ == Phase::closing) return;
  if (!grant) {
    // The password changed between SASL and bind, or the store failed: start over.
    return stream_fail(StreamCondition::not_authorized, grant.error().message);
  }
  identity_ = core_.attach(handle_, *grant);
  connection_.mark_authenticated();
  connection_.set_deadline(std::chrono::steady_clock::time_point::max());
  connection_.set_idle_timeout(config_.idle_timeout);
  jid_ =
      Jid{normalize_localpart(grant->username).value_or(grant->username), config_.domain, resource};
  bound_at_ms_ = std::chrono::duration_cast<std::chrono::milliseconds>(
                     std::chrono::system_clock::now().time_since_epoch())
                     .count();
  send(element("iq", kNsClient)
           .attr("type", "result")
           .attr("id", iq_id)
           .child(element("bind", kNsBind).child(element("jid", kNsBind).text(jid_.str()))));
  pump();
}

void XmppSession::reply_session(const Element& iq) {
  send(element("iq", kNsClient)
           .attr("type", "result")
           .attr("id", std::string(iq.attr_or("id", ""))));
}

// ---------------------------------------------------------------- ending

void XmppSession::on_timeout(transport::Timeout which) {
  if (phase_ == Phase::closing) return;
  switch (which) {
    case transport::Timeout::deadline:
      if (!identity_) {
        return stream_fail(StreamCondition::connection_timeout,
                           "not logged in within the login time limit");
      }
      return;
    case transport::Timeout::idle:
      return stream_fail(StreamCondition::connection_timeout, "nothing received for too long");
    case transport::Timeout::partial_frame:
      return stream_fail(StreamCondition::connection_timeout, "a stanza begun was not finished");
  }
}

void XmppSession::on_shutdown() {
  if (phase_ == Phase::closing) return;
  stream_fail(StreamCondition::system_shutdown, "the server is stopping");
}

void XmppSession::on_kicked(Errc reason) {
  if (phase_ == Phase::closing) return;
  // Another stream bound the same resource (its device's token replaced this one's), or the
  // account's password changed or it logged out elsewhere.
  stream_fail(
      reason == Errc::token_invalid ? StreamCondition::conflict : StreamCondition::not_authorized,
      "this session was replaced or revoked");
}

void XmppSession::on_closed() {
  if (phase_ != Phase::closing) {
    phase_ = Phase::closing;
    core_.close_session(handle_);
  }
  alive_.reset();
}

void XmppSession::stream_fail(StreamCondition condition, std::string_view text) {
  if (phase_ == Phase::closing) return;
  if (phase_ == Phase::awaiting_header && !parser_.header_seen()) {
    // RFC 6120 §4.9.1.1: an error before our header still opens the stream first.
    send_raw(stream_opening_xml(StreamOpening{.from = config_.domain,
                                              .to = {},
                                              .id = scram_random_nonce(),
                                              .lang = "en",
                                              .websocket = websocket_}));
  }
  send(stream_error(condition, text));
  close_stream();
}

void XmppSession::close_stream() {
  if (phase_ == Phase::closing) return;
  send_raw(stream_closing_xml(websocket_));
  phase_ = Phase::closing;
  core_.close_session(handle_);
  connection_.close(transport::CloseReason::normal);
}

// ---------------------------------------------------------------- output

void XmppSession::send(const Element& element, std::optional<ConversationCursor> carried) {
  const bool stanza =
      element.ns == kNsClient &&
      (element.name == "iq" || element.name == "message" || element.name == "presence");
  if (sm_ && stanza && phase_ != Phase::closing) sm_->sent(carried);
  send_raw(to_xml(element, websocket_ ? NamespaceScope::none() : NamespaceScope::client_stream()));
}

void XmppSession::send_raw(std::string bytes) {
  if (phase_ == Phase::closing) return;
  auto owner = std::make_shared<std::string>(std::move(bytes));
  const std::string_view view = *owner;
  connection_.send(transport::Outbound{.owner = std::move(owner),
                                       .bytes = view,
                                       .type = transport::MessageType::text,
                                       .prefix = {}});
}

}  // namespace parley::xmpp
