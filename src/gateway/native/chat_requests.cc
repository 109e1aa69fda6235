// The native session's chat-feature requests: edits, deletes, reactions, read markers, chat
// settings, the conversation list, typing, groups and contacts. Each maps one ClientFrame body to
// one core call and its answer back to one ServerFrame.
#include "core/chat.h"
#include "core/contacts.h"
#include "core/messaging.h"
#include "gateway/native/native_session.h"
#include "gateway/native/proto_mapping.h"

namespace parley::native {

void NativeSession::reply_ok(std::uint64_t id, Result<void> result) {
  if (!result) return reply_error(id, result.error());
  v1::ServerFrame out;
  out.set_id(id);
  out.mutable_ok();
  reply(out);
}

void NativeSession::reply_send_ack(std::uint64_t id, Result<SendAck> ack) {
  if (!ack) return reply_error(id, ack.error());
  v1::ServerFrame out;
  out.set_id(id);
  auto* a = out.mutable_send_ack();
  a->set_conversation_id(ack->conversation_id);
  a->set_seq(ack->seq);
  a->set_message_id(ack->message_id);
  a->set_sent_at_ms(ack->sent_at);
  a->set_duplicate(ack->duplicate);
  reply(out);
}

void NativeSession::reply_conversation(std::uint64_t id, Result<Conversation> conversation) {
  if (!conversation) return reply_error(id, conversation.error());
  v1::ServerFrame out;
  out.set_id(id);
  to_wire(*conversation, *out.mutable_conversation());
  reply(out);
}

bool NativeSession::dispatch_chat(v1::ClientFrame& frame, const SessionIdentity& who) {
  using B = v1::ClientFrame::BodyCase;
  const std::uint64_t id = frame.id();
  auto ok = [this, id](Result<void> r) { reply_ok(id, std::move(r)); };
  auto acked = [this, id](Result<SendAck> r) { reply_send_ack(id, std::move(r)); };
  auto conversation = [this, id](Result<Conversation> r) { reply_conversation(id, std::move(r)); };

  switch (frame.body_case()) {
    case B::kEdit: {
      auto& e = *frame.mutable_edit();
      core_.chat().append_entry(
          who,
          {e.conversation_id(), e.seq(), MessageKind::edit, std::move(*e.mutable_text()),
           std::move(*e.mutable_client_msg_id())},
          guarded<SendAck>(acked));
      return true;
    }
    case B::kDeleteMessage: {
      auto& d = *frame.mutable_delete_message();
      if (d.for_everyone()) {
        core_.chat().append_entry(who,
                                  {d.conversation_id(),
                                   d.seq(),
                                   MessageKind::deletion,
                                   {},
                                   std::move(*d.mutable_client_msg_id())},
                                  guarded<SendAck>(acked));
      } else {
        core_.chat().hide_message(who, d.conversation_id(), d.seq(), guarded<void>(ok));
      }
      return true;
    }
    case B::kReact: {
      auto& r = *frame.mutable_react();
      core_.chat().append_entry(
          who,
          {r.conversation_id(), r.seq(),
           r.remove() ? MessageKind::reaction_removed : MessageKind::reaction,
           std::move(*r.mutable_emoji()), std::move(*r.mutable_client_msg_id())},
          guarded<SendAck>(acked));
      return true;
    }
    case B::kMarkRead:
      core_.chat().mark_read(who, frame.mark_read().conversation_id(), frame.mark_read().seq(),
                             guarded<void>(ok));
      return true;
    case B::kChatSettings: {
      auto& c = *frame.mutable_chat_settings();
      ChatSettings settings;
      if (c.has_muted()) settings.muted = c.muted();
      if (c.has_nickname()) settings.nickname = std::move(*c.mutable_nickname());
      core_.chat().chat_settings(who, c.conversation_id(), std::move(settings), guarded<void>(ok));
      return true;
    }
    case B::kListConversations: {
      const auto& r = frame.list_conversations();
      ListCursor cursor{r.after_activity_ms(), r.after_conversation_id(), r.limit()};
      core_.chat().list_conversations(
          who, cursor, guarded<ConversationPage>([this, id](Result<ConversationPage> page) {
            if (!page) return reply_error(id, page.error());
            v1::ServerFrame out;
            out.set_id(id);
            auto* l = out.mutable_conversations();
            for (const ConversationSummary& c : page->conversations) {
              to_wire(c, *l->add_conversations());
            }
            l->set_total_unread(page->total_unread);
            l->set_has_more(page->has_more);
            reply(out);
          }));
      return true;
    }
    case B::kTyping:
      core_.chat().typing(who, frame.typing().conversation_id(), guarded<void>(ok));
      return true;
    case B::kReadPositions:
      core_.chat().read_positions(who, frame.read_positions().conversation_id(),
                                  guarded<Conversation>(conversation));
      return true;
    case B::kCreateGroup: {
      auto& g = *frame.mutable_create_group();
      std::vector<std::string> members(g.members().begin(), g.members().end());
      core_.chat().create_group(who, std::move(*g.mutable_title()), std::move(members),
                                g.shared_history(), guarded<Conversation>(conversation));
      return true;
    }
    case B::kGroupChange: {
      auto& g = *frame.mutable_group_change();
      auto action = from_wire(g.action());
      if (!action) {
        reply_error(id, Errc::invalid_argument, "unknown group action");
        return true;
      }
      GroupCommand command;
      command.conversation_id = g.conversation_id();
      command.action = *action;
      command.usernames.assign(g.usernames().begin(), g.usernames().end());
      command.title = std::move(*g.mutable_title());
      command.role = g.role() == v1::ADMIN   ? MemberRole::admin
                     : g.role() == v1::OWNER ? MemberRole::owner
                                             : MemberRole::member;
      core_.chat().change_group(who, std::move(command), guarded<Conversation>(conversation));
      return true;
    }
    case B::kContact: {
      auto& c = *frame.mutable_contact();
      auto action = from_wire(c.action());
      if (!action) {
        reply_error(id, Errc::invalid_argument, "unknown contact action");
        return true;
      }
      core_.contacts().contact(who, std::move(*c.mutable_username()), *action, guarded<void>(ok));
      return true;
    }
    case B::kListContacts:
      core_.contacts().list_contacts(
          who, guarded<std::vector<Contact>>([this, id](Result<std::vector<Contact>> contacts) {
            if (!contacts) {
              return reply_error(id, contacts.error());
            }
            v1::ServerFrame out;
            out.set_id(id);
            auto* l = out.mutable_contacts();
            for (const Contact& c : *contacts) {
              to_wire(c, *l->add_contacts());
            }
            reply(out);
          }));
      return true;
    default:
      return false;
  }
}

}  // namespace parley::native
