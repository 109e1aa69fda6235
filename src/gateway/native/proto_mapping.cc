#include "gateway/native/proto_mapping.h"

#include "codec/system_event_json.h"

namespace parley::native {
namespace {

v1::MessageKind kind_to_wire(MessageKind kind) {
  switch (kind) {
    case MessageKind::text:
      return v1::TEXT;
    case MessageKind::system:
      return v1::SYSTEM;
    case MessageKind::edit:
      return v1::EDIT;
    case MessageKind::deletion:
      return v1::DELETION;
    case MessageKind::reaction:
      return v1::REACTION;
    case MessageKind::reaction_removed:
      return v1::REACTION_REMOVED;
  }
  return v1::MESSAGE_KIND_UNSPECIFIED;
}

v1::MemberRole role_to_wire(MemberRole role) {
  switch (role) {
    case MemberRole::owner:
      return v1::OWNER;
    case MemberRole::admin:
      return v1::ADMIN;
    case MemberRole::member:
      return v1::MEMBER;
  }
  return v1::MEMBER;
}

v1::ContactState contact_to_wire(ContactState state) {
  switch (state) {
    case ContactState::none:
      return v1::CONTACT_STATE_NONE;
    case ContactState::request_sent:
      return v1::REQUEST_SENT;
    case ContactState::request_received:
      return v1::REQUEST_RECEIVED;
    case ContactState::accepted:
      return v1::ACCEPTED;
    case ContactState::blocked:
      return v1::BLOCKED;
  }
  return v1::CONTACT_STATE_NONE;
}

v1::UserUpdateKind update_to_wire(UserUpdateKind kind) {
  switch (kind) {
    case UserUpdateKind::read:
      return v1::READ;
    case UserUpdateKind::muted:
      return v1::MUTED;
    case UserUpdateKind::nickname:
      return v1::NICKNAME;
    case UserUpdateKind::hidden:
      return v1::HIDDEN;
    case UserUpdateKind::contact:
      return v1::CONTACT;
    case UserUpdateKind::left:
      return v1::LEFT;
  }
  return v1::USER_UPDATE_KIND_UNSPECIFIED;
}

}  // namespace

void to_wire(const Message& message, v1::Message& out) {
  out.set_conversation_id(message.conversation_id);
  out.set_seq(message.seq);
  out.set_message_id(message.id);
  out.set_sender_id(message.sender_id);
  out.set_sender(message.sender_username);
  out.set_sender_device_id(message.sender_device_id);
  out.set_client_msg_id(message.client_msg_id);
  out.set_kind(kind_to_wire(message.kind));
  // SYSTEM entries: the event as the JSON object protocol-reference.md "SYSTEM entries" documents.
  out.set_text(message.system ? codec::system_event_json(*message.system) : message.text);
  out.set_sent_at_ms(message.sent_at);
  out.set_target_seq(message.target_seq);
  out.set_edited_at_ms(message.edited_at);
  out.set_deleted(message.deleted);
  out.set_hidden(message.hidden);
  out.set_truncated(message.truncated);
  for (const Reaction& r : message.reactions) {
    auto* w = out.add_reactions();
    w->set_user_id(r.user_id);
    w->set_username(r.username);
    w->set_emoji(r.emoji);
  }
}

void to_wire(const Conversation& conversation, v1::ConversationInfo& out) {
  out.set_conversation_id(conversation.id);
  out.set_kind(conversation.kind == ConversationKind::group ? v1::GROUP : v1::DIRECT);
  out.set_title(conversation.title);
  out.set_last_seq(conversation.last_seq);
  out.set_last_activity_ms(conversation.last_activity_at);
  out.set_shared_history(conversation.shared_history);
  for (const Member& member : conversation.members) {
    auto* m = out.add_members();
    m->set_user_id(member.user_id);
    m->set_username(member.username);
    m->set_role(role_to_wire(member.role));
    m->set_joined_seq(member.joined_seq);
    m->set_read_seq(member.read_seq);
  }
}

void to_wire(const ConversationSummary& summary, v1::ConversationInfo& out) {
  to_wire(summary.conversation, out);
  out.set_title(summary.title);
  out.set_role(role_to_wire(summary.role));
  out.set_joined_seq(summary.joined_seq);
  out.set_read_seq(summary.read_seq);
  out.set_muted(summary.muted);
  out.set_nickname(summary.nickname);
  out.set_unread(summary.unread);
  if (summary.last_message) to_wire(*summary.last_message, *out.mutable_last_message());
}

void to_wire(const UserUpdate& update, v1::UserUpdate& out) {
  out.set_user_seq(update.user_seq);
  out.set_kind(update_to_wire(update.kind));
  out.set_conversation_id(update.conversation_id);
  out.set_seq(update.seq);
  out.set_flag(update.flag);
  out.set_text(update.text);
  out.set_peer_id(update.peer_id);
  out.set_peer(update.peer);
  out.set_contact_state(contact_to_wire(update.contact_state));
  out.set_at_ms(update.at);
}

void to_wire(const Contact& contact, v1::ContactInfo& out) {
  out.set_user_id(contact.user_id);
  out.set_username(contact.username);
  out.set_state(contact_to_wire(contact.state));
  out.set_online(contact.online);
  out.set_last_seen_ms(contact.last_seen);
}

void to_wire(const Event& event, v1::ServerFrame& out) {
  std::visit(
      [&](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, MessageEvent>) {
          to_wire(body.message, *out.mutable_message()->mutable_message());
        } else if constexpr (std::is_same_v<T, UserUpdateEvent>) {
          to_wire(body.update, *out.mutable_user_update()->mutable_update());
        } else if constexpr (std::is_same_v<T, PresenceEvent>) {
          auto* p = out.mutable_presence();
          p->set_user_id(body.user_id);
          p->set_username(body.username);
          p->set_online(body.online);
          p->set_last_seen_ms(body.last_seen);
        } else if constexpr (std::is_same_v<T, TypingEvent>) {
          auto* t = out.mutable_typing();
          t->set_conversation_id(body.conversation_id);
          t->set_user_id(body.user_id);
          t->set_username(body.username);
        } else if constexpr (std::is_same_v<T, ReadEvent>) {
          auto* r = out.mutable_read();
          r->set_conversation_id(body.conversation_id);
          r->set_user_id(body.user_id);
          r->set_username(body.username);
          r->set_read_seq(body.read_seq);
        }
      },
      event.body());
}

std::optional<GroupAction> from_wire(v1::GroupAction action) {
  switch (action) {
    case v1::ADD_MEMBERS:
      return GroupAction::add;
    case v1::REMOVE_MEMBERS:
      return GroupAction::remove;
    case v1::LEAVE:
      return GroupAction::leave;
    case v1::RENAME:
      return GroupAction::rename;
    case v1::SET_ROLE:
      return GroupAction::set_role;
    default:
      return std::nullopt;
  }
}

std::optional<ContactAction> from_wire(v1::ContactAction action) {
  switch (action) {
    case v1::REQUEST:
      return ContactAction::request;
    case v1::ACCEPT:
      return ContactAction::accept;
    case v1::DECLINE:
      return ContactAction::decline;
    case v1::REMOVE:
      return ContactAction::remove;
    case v1::BLOCK:
      return ContactAction::block;
    case v1::UNBLOCK:
      return ContactAction::unblock;
    default:
      return std::nullopt;
  }
}

}  // namespace parley::native
