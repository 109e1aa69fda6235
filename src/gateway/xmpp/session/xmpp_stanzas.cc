// Stanzas of a bound stream: IQs (roster, ping, service discovery, version), one-to-one chat
// messages into direct conversations, and presence (initial presence starts delivery).
#include "core/contacts.h"
#include "core/messaging.h"
#include "gateway/xmpp/session/xmpp_namespaces.h"
#include "gateway/xmpp/session/xmpp_session.h"

namespace parley::xmpp {
namespace {

// An id the gateway can hand core as a client_msg_id: ids in core's reserved spaces get a
// prefix so that a client's "~1" can never collide with a server-made id.
std::string client_id_for(std::string_view id) {
  if (id.empty()) return {};
  std::string out;
  // Appended, not "x" + std::string(id): GCC 12 at -O2 reports a false -Wrestrict for that.
  if (is_reserved_client_msg_id(id)) out.push_back('x');
  out.append(id);
  return out;
}

StanzaCondition stanza_condition(const Error& error) {
  switch (error.code) {
    case Errc::message_too_large:
      return StanzaCondition::not_acceptable;
    case Errc::invalid_utf8:
    case Errc::invalid_argument:
    case Errc::invalid_username:
      return StanzaCondition::bad_request;
    case Errc::rate_limited:
      return StanzaCondition::policy_violation;
    case Errc::user_not_found:
    case Errc::not_found:
      // RFC 6121 §8.5.2.2.1: a message to an account that does not exist.
      return StanzaCondition::service_unavailable;
    case Errc::forbidden:
      return StanzaCondition::forbidden;
    case Errc::unavailable:
      return StanzaCondition::resource_constraint;
    default:
      return StanzaCondition::internal_server_error;
  }
}

}  // namespace

Element request_head(const Element& stanza) {
  Element head;
  head.name = stanza.name;
  head.ns = stanza.ns;
  for (const auto& a : stanza.attributes) {
    if (a.ns.empty() && (a.name == "id" || a.name == "to" || a.name == "from")) {
      head.attributes.push_back(a);
    }
  }
  return head;
}

void XmppSession::on_stanza(const Element& stanza) {
  if (stanza.ns == kNsSm) return on_sm(stanza);
  const bool known = stanza.ns == kNsClient &&
                     (stanza.name == "iq" || stanza.name == "message" || stanza.name == "presence");
  if (!known) {
    // Negotiation elements after binding (a second <auth/>, <starttls/>) end up here too.
    return stream_fail(StreamCondition::unsupported_stanza_type,
                       "expected iq, message or presence in jabber:client");
  }
  // Counted for XEP-0198; an answer core still owes holds it back (guarded).
  if (sm_) current_inbound_ = sm_->received();
  if (stanza.name == "iq") on_iq(stanza);
  if (stanza.name == "message") on_message_stanza(stanza);
  if (stanza.name == "presence") on_presence(stanza);
  current_inbound_ = 0;
  if (sm_ack_due_ && sm_ && sm_->all_handled()) send_sm_ack();
}

void XmppSession::on_iq(const Element& iq) {
  const std::string_view type = iq.attr_or("type", "");
  if (type == "result" || type == "error") return;  // answers to nothing we asked: ignored
  if (type != "get" && type != "set") {
    return reply_error(iq, StanzaCondition::bad_request, "type must be get, set, result or error");
  }
  // RFC 6120 §8.2.3: a get or set carries exactly one child.
  std::size_t payloads = 0;
  const Element* payload = nullptr;
  for (const auto& child : iq.children) {
    ++payloads;
    payload = &child;
  }
  if (payloads != 1 || !iq.attr("id")) {
    return reply_error(iq, StanzaCondition::bad_request,
                       "an iq get or set has an id and one child");
  }
  // An IQ to another entity than the server or the user's own account is not routed yet.
  if (const std::string* to = iq.attr("to"); to && !to->empty()) {
    auto target = parse_jid(*to);
    if (!target) return reply_error(iq, StanzaCondition::jid_malformed);
    const bool to_server =
        target->local.empty() && target->domain == config_.domain && target->resource.empty();
    const bool to_self =
        target->local == jid_.local && target->domain == config_.domain && target->resource.empty();
    if (!to_server && !to_self) {
      return reply_error(iq, StanzaCondition::service_unavailable,
                         "IQs to other users are not supported yet");
    }
  }
  if (payload->is("ping", kNsPing) && type == "get") {
    return send(element("iq", kNsClient).attr("type", "result").attr("id", *iq.attr("id")));
  }
  if (payload->is("query", kNsRoster) && type == "get") return reply_roster(iq);
  if (payload->is("query", kNsDiscoInfo) && type == "get") {
    ElementBuilder query("query", kNsDiscoInfo);
    query.child(element("identity", kNsDiscoInfo)
                    .attr("category", "server")
                    .attr("type", "im")
                    .attr("name", config_.server_name));
    for (std::string_view feature : {kNsDiscoInfo, kNsPing, kNsRoster, kNsStanzaId, kNsVersion,
                                     kNsCarbons, kNsChatStates, kNsMam}) {
      query.child(element("feature", kNsDiscoInfo).attr("var", std::string(feature)));
    }
    return send(element("iq", kNsClient)
                    .attr("type", "result")
                    .attr("id", *iq.attr("id"))
                    .attr("from", config_.domain)
                    .child(std::move(query)));
  }
  if (payload->is("query", kNsDiscoItems) && type == "get") {
    return send(element("iq", kNsClient)
                    .attr("type", "result")
                    .attr("id", *iq.attr("id"))
                    .attr("from", config_.domain)
                    .child(element("query", kNsDiscoItems)));
  }
  if (payload->is("query", kNsVersion) && type == "get") {
    return send(element("iq", kNsClient)
                    .attr("type", "result")
                    .attr("id", *iq.attr("id"))
                    .attr("from", config_.domain)
                    .child(element("query", kNsVersion)
                               .child(element("name", kNsVersion).text("Parley"))
                               .child(element("version", kNsVersion).text(config_.server_name))));
  }
  if (payload->is("session", kNsSession) && type == "set") return reply_session(iq);
  if (payload->is("query", kNsMam) && type == "set") return on_archive_query(iq, *payload);
  if (payload->ns == kNsCarbons && type == "set" &&
      (payload->name == "enable" || payload->name == "disable")) {
    // XEP-0280 §4: this resource gets copies of what the user sends from elsewhere, or stops.
    carbons_ = payload->name == "enable";
    return send(element("iq", kNsClient).attr("type", "result").attr("id", *iq.attr("id")));
  }
  // RFC 6120 §8.4: an IQ the server does not understand.
  reply_error(iq, StanzaCondition::service_unavailable);
}

// The roster is the contact list (RFC 6121 §2, roster_item). Versioning is not there yet.
void XmppSession::reply_roster(const Element& iq) {
  roster_requested_ = true;  // RFC 6121 §2.1.6: roster pushes go to resources that asked
  core_.contacts().list_contacts(
      *identity_, guarded<std::vector<Contact>>([this, head = request_head(iq)](
                                                    Result<std::vector<Contact>> contacts) {
        if (!contacts) return reply_error(head, contacts.error());
        ElementBuilder query("query", kNsRoster);
        for (const Contact& c : *contacts) {
          if (c.state != ContactState::accepted && c.state != ContactState::request_sent) continue;
          query.child(roster_item(c.username, c.state));
        }
        send(element("iq", kNsClient)
                 .attr("type", "result")
                 .attr("id", std::string(head.attr_or("id", "")))
                 .child(std::move(query)));
      }));
}

// A chat message to a user of this domain goes into the direct conversation with them (created
// at the first one). Messages without a body (chat states, receipts, markers) are not mapped
// yet and are dropped without an error, as RFC 6121 §8.5.2 allows for unsupported payloads.
void XmppSession::on_message_stanza(const Element& message) {
  const std::string_view type = message.attr_or("type", "normal");
  if (type == "error") return;
  if (type == "groupchat") {
    return reply_error(message, StanzaCondition::service_unavailable,
                       "group chats (MUC) are not available yet");
  }
  const std::string* to_attr = message.attr("to");
  if (!to_attr || to_attr->empty()) return;  // to the account itself: nothing to store
  auto to = parse_jid(*to_attr);
  if (!to) return reply_error(message, StanzaCondition::jid_malformed);
  if (to->domain != config_.domain) {
    return reply_error(message, StanzaCondition::remote_server_not_found,
                       "this server does not federate");
  }
  if (to->local.empty()) {
    return reply_error(message, StanzaCondition::service_unavailable,
                       "the server takes no messages");
  }
  const Element* body = message.child("body", kNsClient);
  if (!body) {
    // XEP-0085: "composing" is typing; the other states mean nothing to Parley. Other payloads
    // without a body (receipts, markers) are not mapped yet.
    if (message.child("composing", kNsChatStates)) send_typing(to->local);
    return;
  }
  std::string_view id = message.attr_or("id", "");
  if (const Element* origin = message.child("origin-id", kNsStanzaId)) {
    id = origin->attr_or("id", id);
  }
  SendCommand command;
  command.to_user = to->local;
  command.client_msg_id = client_id_for(id);
  command.text = body->all_text();
  core_.messaging().send(
      *identity_, std::move(command),
      guarded<SendAck>([this, peer = to->local, head = request_head(message)](Result<SendAck> ack) {
        if (!ack) return reply_error(head, ack.error());
        // The conversation is known now: typing and later events map to it at once.
        remember_direct(ack->conversation_id, peer);
      }));
}

void XmppSession::reply_error(const Element& request, StanzaCondition condition,
                              std::string_view text) {
  if (request.attr_or("type", "") == "error") return;  // never answer an error (RFC 6120 §8.3.1)
  send(error_reply(request_head(request), stanza_error(condition, text)));
}

void XmppSession::reply_error(const Element& request, const Error& error) {
  reply_error(request, stanza_condition(error), error.message);
}

void XmppSession::request_done(std::uint64_t stanza) {
  --in_flight_;
  if (stanza) inbound_done(stanza);
  if (ending_) {
    if (in_flight_ == 0) close_stream();
    return;
  }
  if (input_paused_ && !input_held()) pump();
}

std::string XmppSession::bare_jid(std::string_view username) const {
  // Usernames compare without case (core's username key), JID localparts lowercased (jid.h): the
  // JIDs the server writes are the normalised ones, so clients find each contact once.
  return normalize_localpart(username).value_or(std::string(username)) + "@" + config_.domain;
}

}  // namespace parley::xmpp
