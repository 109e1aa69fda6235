// The outbox: a send is persisted before it is first written, stays queued until its ack or a
// definitive rejection, and goes out again on every new connection with the same client_msg_id
// (the server dedupes).
#include <algorithm>

#include "client/client_impl.h"
#include "client/random_id.h"

namespace parley::client {
namespace {

bool retryable(v1::ErrorCode code) { return code == v1::UNAVAILABLE || code == v1::INTERNAL; }

}  // namespace

ClientResult<SendResult> Client::Impl::send(OutboxRecord record) {
  if (record.client_msg_id.empty()) record.client_msg_id = random_id();
  const auto until = deadline();
  std::unique_lock lock(mu_);
  if (stop_) return fail(v1::UNAVAILABLE, "client stopped");
  if (!authenticated_ && auth_.token.empty()) return fail(v1::NOT_AUTHENTICATED, "not logged in");
  std::shared_ptr<OutboxEntry> entry;
  for (auto& e : outbox_) {
    if (e->record.client_msg_id == record.client_msg_id) entry = e;
  }
  if (entry) {
    entry->result.reset();
  } else {
    entry = std::make_shared<OutboxEntry>();
    entry->record = std::move(record);
    entry->durable = state_writer_ == nullptr;
    outbox_.push_back(entry);
  }
  if (!entry->durable) {
    // The outbox exists to survive a crash: the entry reaches the disk before the send reaches
    // the wire. Concurrent sends share one write; flush_outbox_locked() skips the entry meanwhile.
    lock.unlock();
    persist_now();
    lock.lock();
    entry->durable = true;
    if (entry->result) return *entry->result;  // settled meanwhile (another account logged in)
    if (stop_) return fail(v1::UNAVAILABLE, "client stopped");
  }
  if (authenticated_) {
    if (entry->sent_generation != generation_) write_send_locked(*entry);
  } else if (options_.auto_reconnect) {
    want_session_ = true;
    if (!connected_ && !reconnect_requested_) request_reconnect_locked(0ms);
  } else {
    return fail(v1::UNAVAILABLE, "not connected (kept in the outbox)");
  }
  cv_.wait_until(lock, until, [&] { return stop_ || entry->result.has_value(); });
  if (!entry->result) return fail(v1::UNAVAILABLE, stop_ ? "client stopped" : "timeout");
  return *entry->result;
}

bool Client::Impl::wait_outbox_empty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return stop_ || outbox_.empty(); }) && outbox_.empty();
}

std::size_t Client::Impl::outbox_size() const {
  std::lock_guard lock(mu_);
  return outbox_.size();
}

void Client::Impl::write_send_locked(OutboxEntry& entry) {
  v1::ClientFrame frame;
  const std::uint64_t id = next_id_++;
  frame.set_id(id);
  auto* send = frame.mutable_send();
  if (!entry.record.to_user.empty()) {
    send->set_to_user(entry.record.to_user);
  } else {
    send->set_conversation_id(entry.record.conversation_id);
  }
  send->set_client_msg_id(entry.record.client_msg_id);
  send->set_text(entry.record.text);
  auto pending = std::make_shared<PendingCall>();
  pending->generation = generation_;
  pending->client_msg_id = entry.record.client_msg_id;
  pending_[id] = std::move(pending);
  entry.sent_generation = generation_;
  write_locked(frame);
}

void Client::Impl::flush_outbox_locked() {
  for (auto& e : outbox_) {
    if (e->durable && e->sent_generation != generation_) write_send_locked(*e);
  }
}

// Io thread, mu_ held: the answer to a send.
void Client::Impl::settle_send_locked(const std::string& client_msg_id,
                                      const v1::ServerFrame& frame) {
  auto it = std::find_if(outbox_.begin(), outbox_.end(),
                         [&](const auto& e) { return e->record.client_msg_id == client_msg_id; });
  if (it == outbox_.end()) return;  // already settled by an earlier answer
  auto entry = *it;
  if (frame.has_send_ack()) {
    const auto& ack = frame.send_ack();
    outbox_.erase(it);
    entry->result = SendResult{ack.conversation_id(), ack.seq(), ack.message_id(), ack.sent_at_ms(),
                               ack.duplicate()};
    place_locked(ack.conversation_id(), ack.seq(), std::nullopt, /*from_event=*/false);
  } else if (frame.has_error() && retryable(frame.error().code())) {
    entry->sent_generation = 0;  // kept; resent after the next reconnect
    entry->result = fail(frame.error().code(), frame.error().message());
  } else {
    outbox_.erase(it);
    entry->result = frame.has_error() ? fail(frame.error().code(), frame.error().message())
                                      : fail(v1::INTERNAL, "unexpected answer to send");
  }
  state_changed_locked();
}

}  // namespace parley::client
