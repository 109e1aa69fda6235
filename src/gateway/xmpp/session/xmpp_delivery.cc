// Core's events as stanzas: text entries of direct conversations become chat messages from the
// other member, stamped with their log position (XEP-0359 stanza-id) and, for entries older
// than this stream, their time (XEP-0203). A device's delivery cursor moves when the client
// acknowledges the message (XEP-0198), or, on a stream without stream management, when the
// message is queued to it: then nothing tells the server what the client really received.
#include <algorithm>

#include "core/chat.h"
#include "core/messaging.h"
#include "gateway/xmpp/session/xmpp_namespaces.h"
#include "gateway/xmpp/session/xmpp_session.h"

namespace parley::xmpp {
namespace {

// Entries held while their conversation's peer or a change's target is looked up, in all
// conversations.
constexpr std::size_t kMaxHeld = 4'096;

}  // namespace

// XEP-0082 date-time in UTC with milliseconds: 2026-12-04T02:58:00.123Z.
std::string xmpp_time(TimeMs ms) {
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::string out(text, n);
  char millis[8];
  std::snprintf(millis, sizeof millis, ".%03dZ", static_cast<int>(ms % 1000));
  return out + millis;
}

void XmppSession::on_event(std::shared_ptr<const Event> event) {
  if (phase_ == Phase::closing) return;
  if (!identity_) return;
  if (const auto* presence = std::get_if<PresenceEvent>(&event->body())) {
    return on_presence_event(*presence);
  }
  if (const auto* update = std::get_if<UserUpdateEvent>(&event->body())) {
    return on_contact_update(update->update);
  }
  if (const auto* typing = std::get_if<TypingEvent>(&event->body())) {
    return on_typing_event(*typing);
  }
  const auto* message = std::get_if<MessageEvent>(&event->body());
  if (!message) return;  // read markers are not mapped yet
  if (!available_ || catching_up_) {
    // Not delivering live: the next catch-up round reads it from the store.
    missed_live_ = true;
    return;
  }
  deliver(message->message);
}

bool XmppSession::deliver(const Message& message) {
  Seq& last = emitted_[message.conversation_id];
  if (message.seq <= last) return false;  // sent already (live and in a catch-up round)
  auto waiting = held_.find(message.conversation_id);
  if (waiting != held_.end()) {
    // Behind the ones already waiting, in order (a catch-up round may bring one again).
    if (waiting->second.back().seq >= message.seq) return false;
    if (held_count_ >= kMaxHeld) {
      // Bounded: the rest is read from the store (not acknowledged yet) once the peer is known.
      catch_up_due_ = true;
      return false;
    }
    waiting->second.push_back(message);
    ++held_count_;
    return true;
  }
  auto peer = peers_.find(message.conversation_id);
  if (peer == peers_.end()) {
    held_[message.conversation_id].push_back(message);
    ++held_count_;
    resolve_peer(message.conversation_id);
    return true;
  }
  if (changes_target(message, peer->second) && !target_known(message)) {
    // A correction, retraction or reaction names its target by the id this stream knows it
    // by: read it first, holding what comes after in this conversation behind it.
    held_[message.conversation_id].push_back(message);
    ++held_count_;
    look_up_target(message);
    return true;
  }
  last = message.seq;
  emit_message(message, peer->second);
  return true;
}

void XmppSession::resolve_peer(ConversationId conversation) {
  core_.chat().read_positions(
      *identity_, conversation,
      guarded<Conversation>([this, conversation](Result<Conversation> info) {
        if (!info) {
          // No longer a member: those entries are not for this user now.
          auto node = held_.extract(conversation);
          if (!node.empty()) held_count_ -= node.mapped().size();
          return;
        }
        Peer peer{.kind = info->kind, .username = {}};
        for (const Member& m : info->members) {
          if (m.user_id != identity_->user_id) peer.username = m.username;
        }
        if (peer.username.empty()) peer.username = identity_->username;  // a note to self
        peers_.emplace(conversation, peer);
        if (peer.kind == ConversationKind::direct)
          direct_with_.try_emplace(peer.username, conversation);
        release_held(conversation);
      }));
}

// What waited for a lookup in `conversation` goes out in order; a change further down that needs
// a lookup of its own holds the rest again.
void XmppSession::release_held(ConversationId conversation) {
  auto node = held_.extract(conversation);
  if (!node.empty()) {
    held_count_ -= node.mapped().size();
    for (const Message& m : node.mapped()) deliver(m);
  }
  if (catch_up_due_ && held_.empty()) {
    catch_up_due_ = false;
    catch_up();
  }
}

void XmppSession::emit_message(const Message& message, const Peer& peer) {
  const ConversationCursor cursor{message.conversation_id, message.seq};
  if (changes_target(message, peer)) return emit_change(message, peer);
  // Text entries of direct conversations, and the changes to them above, are mapped in this
  // version: group entries wait for MUC. The user's own messages (sent from another device)
  // come as carbons (XEP-0280) when this resource enabled them.
  const bool own = message.sender_id == identity_->user_id;
  const bool mapped = peer.kind == ConversationKind::direct && message.kind == MessageKind::text &&
                      !message.deleted && (!own || carbons_);
  if (!mapped) return core_.messaging().acknowledge(*identity_, std::span(&cursor, 1));
  remember_id(message);
  ElementBuilder chat = chat_stanza(message, peer);
  chat.child(element("body", kNsClient).text(message.text));
  send_chat(std::move(chat), message);
}

ElementBuilder XmppSession::chat_stanza(const Message& message, const Peer& peer) const {
  const bool own = message.sender_id == identity_->user_id;
  ElementBuilder chat("message", kNsClient);
  chat.attr("from", own ? jid_.bare_str() : bare_jid(peer.username))
      .attr("to", own ? bare_jid(peer.username) : jid_.str())
      .attr("type", "chat")
      .attr("id", xmpp_id(message));
  return chat;
}

void XmppSession::send_chat(ElementBuilder chat, const Message& message) {
  const ConversationCursor cursor{message.conversation_id, message.seq};
  chat.child(
      element("stanza-id", kNsStanzaId)
          .attr("id", std::to_string(message.conversation_id) + ":" + std::to_string(message.seq))
          .attr("by", jid_.bare_str()));
  if (message.sent_at < bound_at_ms_) {
    chat.child(element("delay", kNsDelay)
                   .attr("from", config_.domain)
                   .attr("stamp", xmpp_time(message.sent_at)));
  }
  Element stanza = std::move(chat).build();
  if (message.sender_id == identity_->user_id) {
    // XEP-0280 §6: a copy of a message this user sent elsewhere, forwarded (XEP-0297) to here.
    stanza = element("message", kNsClient)
                 .attr("from", jid_.bare_str())
                 .attr("to", jid_.str())
                 .attr("type", "chat")
                 .child(element("sent", kNsCarbons)
                            .child(element("forwarded", kNsForward).child(std::move(stanza))));
  }
  if (sm_) {
    // Delivered once the client acknowledges it (XEP-0198); until then a new stream of this
    // resource gets it again.
    send(stanza, cursor);
    return request_sm_ack();
  }
  send(stanza);
  core_.messaging().acknowledge(*identity_, std::span(&cursor, 1));
}

void XmppSession::catch_up() {
  if (catching_up_ || !identity_) return;
  catching_up_ = true;
  missed_live_ = false;
  core_.messaging().undelivered(
      *identity_, config_.max_offline_batch,
      guarded<std::vector<Message>>(
          [this](Result<std::vector<Message>> messages) { on_undelivered(std::move(messages)); }));
}

void XmppSession::on_undelivered(Result<std::vector<Message>> messages) {
  catching_up_ = false;
  if (phase_ == Phase::closing || !available_) return;
  if (!messages) {
    // The store is busy or failing: live delivery goes on; what is missing comes at the next
    // initial presence.
    return;
  }
  std::size_t fresh = 0;
  for (const Message& m : *messages) fresh += deliver(m) ? 1 : 0;
  // Until a round finds nothing new. Entries sent and waiting for the client's ack (XEP-0198)
  // come back in every round until it acks: the next round then waits for that ack. Entries
  // waiting for their conversation's peer are not out yet: the next round waits for them.
  if (fresh == 0 && !missed_live_) {
    if (!messages->empty() && sm_ && sm_->carrying()) catch_up_after_ack_ = true;
    return;
  }
  if (!held_.empty()) {
    catch_up_due_ = true;
    return;
  }
  catch_up();
}

}  // namespace parley::xmpp
