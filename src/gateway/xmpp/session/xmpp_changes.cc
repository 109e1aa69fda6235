// Changes to an earlier message, as XMPP clients know them: an edit is a last message correction
// (XEP-0308), a deletion for everyone a retraction (XEP-0424), and reactions are XEP-0444's set
// of the sender's reactions to the message. Each names its target by the id the client got it
// with (xmpp_id), which a stream that did not send the target reads from the log first.
#include "core/messaging.h"
#include "gateway/xmpp/session/xmpp_namespaces.h"
#include "gateway/xmpp/session/xmpp_session.h"

namespace parley::xmpp {
namespace {

constexpr std::size_t kMaxRememberedIds = 1'024;

bool is_change(MessageKind kind) {
  return kind == MessageKind::edit || kind == MessageKind::deletion ||
         kind == MessageKind::reaction || kind == MessageKind::reaction_removed;
}

bool is_reaction(MessageKind kind) {
  return kind == MessageKind::reaction || kind == MessageKind::reaction_removed;
}

}  // namespace

std::string xmpp_id(const Message& message) {
  return message.client_msg_id.empty() ? std::to_string(message.id) : message.client_msg_id;
}

bool XmppSession::changes_target(const Message& message, const Peer& peer) const {
  if (peer.kind != ConversationKind::direct || !is_change(message.kind)) return false;
  return message.sender_id != identity_->user_id || carbons_;
}

// Edits and retractions need only the target's id, known when this stream sent the target;
// reactions need the sender's whole set on the target as it is now, so they always read it.
bool XmppSession::target_known(const Message& change) const {
  if (looked_up_.contains({change.conversation_id, change.seq})) return true;
  if (is_reaction(change.kind)) return false;
  return ids_.contains({change.conversation_id, change.target_seq});
}

void XmppSession::remember_id(const Message& message) {
  if (ids_.size() >= kMaxRememberedIds) ids_.clear();  // a cache: a miss costs one read
  ids_[{message.conversation_id, message.seq}] = xmpp_id(message);
}

void XmppSession::look_up_target(const Message& change) {
  HistoryQuery query;
  query.conversation_id = change.conversation_id;
  query.after_seq = change.target_seq - 1;
  query.limit = 1;
  core_.messaging().history(
      *identity_, query, guarded<HistoryPage>([this, change](Result<HistoryPage> page) {
        Target target;  // id "": the target is gone or hidden; the change is not sent
        if (page && !page->messages.empty() && page->messages.front().seq == change.target_seq) {
          const Message& found = page->messages.front();
          target.id = xmpp_id(found);
          for (const Reaction& r : found.reactions) {
            if (r.user_id == change.sender_id) target.reactions.push_back(r.emoji);
          }
        }
        looked_up_[{change.conversation_id, change.seq}] = std::move(target);
        release_held(change.conversation_id);
      }));
}

void XmppSession::emit_change(const Message& change, const Peer& peer) {
  const ConversationCursor cursor{change.conversation_id, change.seq};
  Target target;
  if (auto found = looked_up_.extract({change.conversation_id, change.seq})) {
    target = std::move(found.mapped());
  } else if (auto id = ids_.find({change.conversation_id, change.target_seq}); id != ids_.end()) {
    target.id = id->second;
  }
  if (target.id.empty()) return core_.messaging().acknowledge(*identity_, std::span(&cursor, 1));
  ElementBuilder chat = chat_stanza(change, peer);
  switch (change.kind) {
    case MessageKind::edit:
      chat.child(element("body", kNsClient).text(change.text))
          .child(element("replace", kNsCorrect).attr("id", target.id));
      break;
    case MessageKind::deletion:
      chat.child(element("retract", kNsRetract).attr("id", target.id))
          .child(element("fallback", kNsFallback).attr("for", std::string(kNsRetract)))
          .child(element("body", kNsClient).text("This message was deleted."))
          .child(element("store", kNsHints));
      break;
    default: {
      ElementBuilder reactions("reactions", kNsReactions);
      reactions.attr("id", target.id);
      for (const std::string& emoji : target.reactions) {
        reactions.child(element("reaction", kNsReactions).text(emoji));
      }
      chat.child(std::move(reactions)).child(element("store", kNsHints));
    }
  }
  send_chat(std::move(chat), change);
}

}  // namespace parley::xmpp
