#include "gateway/native/proto_mapping.h"

namespace parley::native {

void to_wire(const Message& message, v1::Message& out) {
  out.set_conversation_id(message.conversation_id);
  out.set_seq(message.seq);
  out.set_message_id(message.id);
  out.set_sender_id(message.sender_id);
  out.set_sender(message.sender_username);
  out.set_sender_device_id(message.sender_device_id);
  out.set_client_msg_id(message.client_msg_id);
  out.set_kind(message.kind == MessageKind::system ? v1::SYSTEM : v1::TEXT);
  out.set_text(message.text);
  out.set_sent_at_ms(message.sent_at);
}

void to_wire(const Conversation& conversation, v1::ConversationInfo& out) {
  out.set_conversation_id(conversation.id);
  out.set_kind(conversation.kind == ConversationKind::group ? v1::GROUP : v1::DIRECT);
  out.set_title(conversation.title);
  out.set_last_seq(conversation.last_seq);
  out.set_last_activity_ms(conversation.last_activity_at);
  for (const Member& member : conversation.members) {
    auto* m = out.add_members();
    m->set_user_id(member.user_id);
    m->set_username(member.username);
  }
}

}  // namespace parley::native
