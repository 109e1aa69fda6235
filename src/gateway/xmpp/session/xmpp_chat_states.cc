// Chat states (XEP-0085) on typing: "composing" from an XMPP client is Parley's typing event in
// the direct conversation with its addressee, and a typing event of the other member of a direct
// conversation reaches XMPP resources as "composing". Parley has no "paused" or "active": a
// client stops showing "composing" on its own after a while, as XEP-0085 §5.4 lets it.
#include "core/chat.h"
#include "core/messaging.h"
#include "gateway/xmpp/session/xmpp_namespaces.h"
#include "gateway/xmpp/session/xmpp_session.h"

namespace parley::xmpp {

void XmppSession::remember_direct(ConversationId conversation, const std::string& peer) {
  peers_.try_emplace(conversation, Peer{.kind = ConversationKind::direct, .username = peer});
  direct_with_.try_emplace(peer, conversation);
}

void XmppSession::send_typing(const std::string& peer) {
  if (auto known = direct_with_.find(peer); known != direct_with_.end()) {
    return core_.chat().typing(*identity_, known->second, guarded<void>([](Result<void>) {}));
  }
  // The first time: the direct conversation (made if there is none yet: typing to someone is
  // the start of a chat), then the typing event. Refusals (no such user, rate) are not answered:
  // chat states carry no error (XEP-0085 §5.5).
  core_.messaging().open_direct(
      *identity_, peer, guarded<Conversation>([this, peer](Result<Conversation> conversation) {
        if (!conversation) return;
        remember_direct(conversation->id, peer);
        core_.chat().typing(*identity_, conversation->id, guarded<void>([](Result<void>) {}));
      }));
}

void XmppSession::on_typing_event(const TypingEvent& typing) {
  if (!available_ || typing.user_id == identity_->user_id) return;
  auto peer = peers_.find(typing.conversation_id);
  // Typing in a conversation this stream has not seen yet is not worth a lookup: it is gone in
  // a few seconds, and the next one finds the conversation known.
  if (peer == peers_.end() || peer->second.kind != ConversationKind::direct) return;
  send(element("message", kNsClient)
           .attr("from", bare_jid(typing.username))
           .attr("to", jid_.str())
           .attr("type", "chat")
           .child(element("composing", kNsChatStates))
           .child(element("no-store", kNsHints)));
}

}  // namespace parley::xmpp
