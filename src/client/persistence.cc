// What the client keeps in state.json: the identity and token, the user-log position, the
// per-conversation cursors and the outbox; restored at start-up, written by the StateWriter.
#include <algorithm>

#include "client/client_impl.h"

namespace parley::client {

std::optional<AuthInfo> Client::Impl::identity() const {
  std::lock_guard lock(mu_);
  if (auth_.username.empty() && auth_.token.empty()) return std::nullopt;
  return auth_;
}

std::uint64_t Client::Impl::state_writes() const {
  return state_writer_ ? state_writer_->writes() : 0;
}

void Client::Impl::restore(PersistedState s) {
  auth_.user_id = s.user_id;
  auth_.username = s.username;
  auth_.device_id = s.device_id;
  auth_.device_key = s.device_key;
  auth_.token = s.token;
  auth_.token_expires_at_ms = s.token_expires_at_ms;
  user_seq_ = s.user_seq;
  for (const auto& [conversation, seq] : s.cursors) sequencer_.restore(conversation, seq);
  for (auto& r : s.outbox) {
    auto e = std::make_shared<OutboxEntry>();
    e->record = std::move(r);
    outbox_.push_back(std::move(e));
  }
}

PersistedState Client::Impl::snapshot_locked() const {
  PersistedState s;
  s.user_id = auth_.user_id;
  s.username = auth_.username;
  s.device_id = auth_.device_id;
  s.device_key = auth_.device_key;
  s.token = auth_.token;
  s.token_expires_at_ms = auth_.token_expires_at_ms;
  s.user_seq = user_seq_;
  s.cursors = sequencer_.cursors();
  // What the application has not taken yet is not held: the next run gets it again.
  for (const auto& m : inbox_) {
    auto it = s.cursors.find(m.conversation_id());
    if (it != s.cursors.end()) it->second = std::min(it->second, m.seq() - 1);
  }
  for (const auto& e : outbox_) s.outbox.push_back(e->record);
  return s;
}

void Client::Impl::state_changed_locked() {
  if (state_writer_) state_writer_->changed();
}

void Client::Impl::persist_now() {
  if (!state_writer_) return;
  // A failed write is not fatal here: the state stays in memory and the next write retries. The
  // send it guards still goes out; only a crash of this process before then could lose it, and
  // its caller has no ack yet.
  (void)state_writer_->flush();
}

}  // namespace parley::client
