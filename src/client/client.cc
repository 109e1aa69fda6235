// The public Client: every method forwards to Client::Impl (client_impl.h), which the files
// connection.cc, auth.cc, outbox.cc, delivery.cc, sync.cc, requests.cc and persistence.cc
// implement.
#include "client/client.h"

#include "client/client_impl.h"

namespace parley::client {

Client::Client(ClientOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Client::~Client() = default;

ClientResult<AuthInfo> Client::register_account(const std::string& username,
                                                const std::string& password) {
  return impl_->establish(AuthKind::register_account, username, password);
}
ClientResult<AuthInfo> Client::login(const std::string& username, const std::string& password) {
  return impl_->establish(AuthKind::login, username, password);
}
ClientResult<AuthInfo> Client::resume() { return impl_->establish(AuthKind::resume, {}, {}); }
ClientResult<void> Client::logout() { return impl_->logout(); }
ClientResult<void> Client::change_password(const std::string& old_password,
                                           const std::string& new_password) {
  return impl_->change_password(old_password, new_password);
}
ClientResult<ConversationView> Client::open_direct(const std::string& username) {
  return impl_->open_direct(username);
}
ClientResult<SendResult> Client::send_to_user(const std::string& username, const std::string& text,
                                              const std::string& client_msg_id) {
  OutboxRecord r;
  r.client_msg_id = client_msg_id;
  r.to_user = username;
  r.text = text;
  return impl_->send(std::move(r));
}
ClientResult<SendResult> Client::send_to_conversation(std::int64_t conversation_id,
                                                      const std::string& text,
                                                      const std::string& client_msg_id) {
  OutboxRecord r;
  r.client_msg_id = client_msg_id;
  r.conversation_id = conversation_id;
  r.text = text;
  return impl_->send(std::move(r));
}
ClientResult<HistoryResult> Client::history(std::int64_t conversation_id, std::int64_t before_seq,
                                            std::uint32_t limit) {
  return impl_->history(conversation_id, before_seq, std::nullopt, limit, impl_->deadline());
}
ClientResult<HistoryResult> Client::history_after(std::int64_t conversation_id,
                                                  std::int64_t after_seq, std::uint32_t limit) {
  return impl_->history(conversation_id, 0, after_seq, limit, impl_->deadline());
}
ClientResult<void> Client::sync_now() { return impl_->sync_now(); }
ClientResult<v1::ServerFrame> Client::request(v1::ClientFrame frame) {
  return impl_->request(std::move(frame));
}
std::optional<v1::ServerFrame> Client::next_event(std::chrono::milliseconds timeout) {
  return impl_->next_event(timeout);
}
std::int64_t Client::user_seq() const { return impl_->user_seq(); }
std::optional<v1::Message> Client::next_message(std::chrono::milliseconds timeout) {
  return impl_->next_message(timeout);
}
void Client::set_message_callback(std::function<void(const v1::Message&)> callback) {
  impl_->set_message_callback(std::move(callback));
}
void Client::drop_connection() { impl_->drop_connection(); }
bool Client::wait_connected(std::chrono::milliseconds timeout) {
  return impl_->wait_connected(timeout);
}
bool Client::wait_outbox_empty(std::chrono::milliseconds timeout) {
  return impl_->wait_outbox_empty(timeout);
}
std::size_t Client::outbox_size() const { return impl_->outbox_size(); }
std::int64_t Client::highest_seq(std::int64_t conversation_id) const {
  return impl_->highest_seq(conversation_id);
}
std::optional<v1::Goodbye> Client::last_goodbye() const { return impl_->last_goodbye(); }
std::optional<AuthInfo> Client::identity() const { return impl_->identity(); }
std::uint64_t Client::state_writes() const { return impl_->state_writes(); }
std::size_t Client::inbox_size() const { return impl_->inbox_size(); }

}  // namespace parley::client
