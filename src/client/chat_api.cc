// The chat-feature requests of the client (docs/protocol.md "Chat features"): thin wrappers that
// build one ClientFrame, send it with Client::request() and check the answer's body.
#include <openssl/rand.h>

#include <array>
#include <random>

#include "client/client.h"
#include "client/random_id.h"

namespace parley::client {
namespace {

std::unexpected<ClientError> unexpected_answer(const char* request) {
  return std::unexpected(ClientError{v1::INTERNAL, std::string("unexpected answer to ") + request});
}

SendResult to_send_result(const v1::SendAck& ack) {
  return SendResult{ack.conversation_id(), ack.seq(), ack.message_id(), ack.sent_at_ms(),
                    ack.duplicate()};
}

ClientResult<SendResult> expect_ack(ClientResult<v1::ServerFrame> reply, const char* request) {
  if (!reply) return std::unexpected(reply.error());
  if (!reply->has_send_ack()) return unexpected_answer(request);
  return to_send_result(reply->send_ack());
}

ClientResult<void> expect_ok(ClientResult<v1::ServerFrame> reply, const char* request) {
  if (!reply) return std::unexpected(reply.error());
  if (!reply->has_ok()) return unexpected_answer(request);
  return {};
}

ClientResult<v1::ConversationInfo> expect_conversation(ClientResult<v1::ServerFrame> reply,
                                                       const char* request) {
  if (!reply) return std::unexpected(reply.error());
  if (!reply->has_conversation()) return unexpected_answer(request);
  return std::move(*reply->mutable_conversation());
}

}  // namespace

ClientResult<v1::ConversationInfo> Client::create_group(const std::string& title,
                                                        const std::vector<std::string>& members,
                                                        bool shared_history) {
  v1::ClientFrame frame;
  auto* r = frame.mutable_create_group();
  r->set_title(title);
  for (const auto& m : members) r->add_members(m);
  r->set_shared_history(shared_history);
  return expect_conversation(request(std::move(frame)), "create_group");
}

ClientResult<v1::ConversationInfo> Client::group_change(std::int64_t conversation_id,
                                                        v1::GroupAction action,
                                                        const std::vector<std::string>& usernames,
                                                        const std::string& title,
                                                        v1::MemberRole role) {
  v1::ClientFrame frame;
  auto* r = frame.mutable_group_change();
  r->set_conversation_id(conversation_id);
  r->set_action(action);
  for (const auto& u : usernames) r->add_usernames(u);
  r->set_title(title);
  r->set_role(role);
  auto reply = request(std::move(frame));
  if (!reply) return std::unexpected(reply.error());
  if (!reply->has_conversation()) return unexpected_answer("group_change");
  return std::move(*reply->mutable_conversation());
}

ClientResult<SendResult> Client::edit(std::int64_t conversation_id, std::int64_t seq,
                                      const std::string& text) {
  v1::ClientFrame frame;
  auto* r = frame.mutable_edit();
  r->set_conversation_id(conversation_id);
  r->set_seq(seq);
  r->set_text(text);
  r->set_client_msg_id(random_id());
  return expect_ack(request(std::move(frame)), "edit");
}

ClientResult<std::optional<SendResult>> Client::delete_message(std::int64_t conversation_id,
                                                               std::int64_t seq,
                                                               bool for_everyone) {
  v1::ClientFrame frame;
  auto* r = frame.mutable_delete_message();
  r->set_conversation_id(conversation_id);
  r->set_seq(seq);
  r->set_for_everyone(for_everyone);
  if (for_everyone) r->set_client_msg_id(random_id());
  auto reply = request(std::move(frame));
  if (!reply) return std::unexpected(reply.error());
  if (reply->has_send_ack()) return std::optional(to_send_result(reply->send_ack()));
  if (reply->has_ok()) return std::optional<SendResult>();
  return unexpected_answer("delete_message");
}

ClientResult<SendResult> Client::react(std::int64_t conversation_id, std::int64_t seq,
                                       const std::string& emoji, bool remove) {
  v1::ClientFrame frame;
  auto* r = frame.mutable_react();
  r->set_conversation_id(conversation_id);
  r->set_seq(seq);
  r->set_emoji(emoji);
  r->set_remove(remove);
  r->set_client_msg_id(random_id());
  return expect_ack(request(std::move(frame)), "react");
}

ClientResult<void> Client::mark_read(std::int64_t conversation_id, std::int64_t seq) {
  v1::ClientFrame frame;
  frame.mutable_mark_read()->set_conversation_id(conversation_id);
  frame.mutable_mark_read()->set_seq(seq);
  return expect_ok(request(std::move(frame)), "mark_read");
}

ClientResult<void> Client::chat_settings(std::int64_t conversation_id, std::optional<bool> muted,
                                         std::optional<std::string> nickname) {
  v1::ClientFrame frame;
  auto* r = frame.mutable_chat_settings();
  r->set_conversation_id(conversation_id);
  if (muted) r->set_muted(*muted);
  if (nickname) r->set_nickname(*nickname);
  return expect_ok(request(std::move(frame)), "chat_settings");
}

ClientResult<v1::ConversationList> Client::list_conversations() {
  v1::ClientFrame frame;
  frame.mutable_list_conversations();
  auto reply = request(std::move(frame));
  if (!reply) return std::unexpected(reply.error());
  if (!reply->has_conversations()) return unexpected_answer("list_conversations");
  return std::move(*reply->mutable_conversations());
}

ClientResult<v1::ContactList> Client::list_contacts() {
  v1::ClientFrame frame;
  frame.mutable_list_contacts();
  auto reply = request(std::move(frame));
  if (!reply) return std::unexpected(reply.error());
  if (!reply->has_contacts()) return unexpected_answer("list_contacts");
  return std::move(*reply->mutable_contacts());
}

ClientResult<void> Client::contact(const std::string& username, v1::ContactAction action) {
  v1::ClientFrame frame;
  frame.mutable_contact()->set_username(username);
  frame.mutable_contact()->set_action(action);
  return expect_ok(request(std::move(frame)), "contact");
}

ClientResult<void> Client::typing(std::int64_t conversation_id) {
  v1::ClientFrame frame;
  frame.mutable_typing()->set_conversation_id(conversation_id);
  return expect_ok(request(std::move(frame)), "typing");
}

ClientResult<v1::ConversationInfo> Client::read_positions(std::int64_t conversation_id) {
  v1::ClientFrame frame;
  frame.mutable_read_positions()->set_conversation_id(conversation_id);
  return expect_conversation(request(std::move(frame)), "read_positions");
}

}  // namespace parley::client
