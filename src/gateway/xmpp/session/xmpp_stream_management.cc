// XEP-0198 stream management without resumption: <enable/>, <r/> and <a h='..'/> both ways. The
// server's h counts a stanza once it is handled (a message once it is stored); the client's h
// moves the delivery positions of the messages it covers, so a message the client never
// acknowledged is sent again at its next initial presence.
#include <charconv>

#include "core/messaging.h"
#include "gateway/xmpp/session/xmpp_namespaces.h"
#include "gateway/xmpp/session/xmpp_session.h"

namespace parley::xmpp {
namespace {

// Stanzas sent and not acknowledged; past it the client is not keeping up (or not acking).
constexpr std::uint64_t kMaxUnacknowledged = 8'192;

}  // namespace

void XmppSession::on_sm(const Element& nonza) {
  if (nonza.name == "enable") {
    if (sm_) return send_sm_failed(StanzaCondition::unexpected_request);
    sm_.emplace();
    // No 'resume' and no 'id': a broken stream is not resumed; its client binds again and gets
    // what it did not acknowledge at its initial presence.
    return send(element("enabled", kNsSm));
  }
  if (nonza.name == "resume") return send_sm_failed(StanzaCondition::item_not_found);
  if (!sm_) {
    return stream_fail(StreamCondition::unsupported_stanza_type,
                       "stream management is not enabled");
  }
  if (nonza.name == "r") {
    if (sm_->all_handled()) return send_sm_ack();
    sm_ack_due_ = true;  // once the stanzas before it are handled
    return;
  }
  if (nonza.name == "a") return on_sm_ack(nonza);
  stream_fail(StreamCondition::unsupported_stanza_type, "unknown stream management element");
}

void XmppSession::on_sm_ack(const Element& a) {
  const std::string_view text = a.attr_or("h", "");
  std::uint32_t h = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), h);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
    return stream_fail(StreamCondition::undefined_condition, "h must be a number (0 to 2^32-1)");
  }
  auto delivered = sm_->acknowledge(h);
  if (!delivered) {
    // XEP-0198 §4: handled-count-too-high.
    return stream_fail(StreamCondition::undefined_condition,
                       "h acknowledges more stanzas than were sent");
  }
  sm_request_out_ = false;
  if (!delivered->empty()) core_.messaging().acknowledge(*identity_, *delivered);
  if (sm_->carrying()) request_sm_ack();  // messages went out after our last request
  if (catch_up_after_ack_ && available_) {
    catch_up_after_ack_ = false;
    catch_up();
  }
}

void XmppSession::inbound_done(std::uint64_t stanza) {
  if (!sm_) return;
  sm_->done(stanza);
  if (sm_ack_due_ && current_inbound_ == 0 && sm_->all_handled()) send_sm_ack();
}

void XmppSession::send_sm_failed(StanzaCondition why) {
  ElementBuilder failed("failed", kNsSm);
  failed.child(stanza_error(why).children.front());
  send(std::move(failed).build());
}

void XmppSession::send_sm_ack() {
  sm_ack_due_ = false;
  send(element("a", kNsSm).attr("h", std::to_string(sm_->handled())));
}

// After a message that waits for the client's ack: ask for one, one request at a time.
void XmppSession::request_sm_ack() {
  if (sm_->unacknowledged() > kMaxUnacknowledged) {
    return stream_fail(StreamCondition::policy_violation,
                       "too many stanzas left unacknowledged (XEP-0198)");
  }
  if (sm_request_out_) return;
  sm_request_out_ = true;
  send(element("r", kNsSm));
}

}  // namespace parley::xmpp
