// Delivery to the application: entries pass the sequencer (order, dedupe, gaps) into the inbox,
// which next_message or the message callback empties; pushed non-message events queue apart.
#include "client/client_impl.h"

namespace parley::client {

std::optional<v1::Message> Client::Impl::next_message(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return stop_ || !inbox_.empty(); });
  if (inbox_.empty()) return std::nullopt;
  v1::Message m = std::move(inbox_.front());
  inbox_.pop_front();
  state_changed_locked();
  return m;
}

std::optional<v1::ServerFrame> Client::Impl::next_event(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return stop_ || !events_.empty(); });
  if (events_.empty()) return std::nullopt;
  v1::ServerFrame e = std::move(events_.front());
  events_.pop_front();
  return e;
}

void Client::Impl::set_message_callback(std::function<void(const v1::Message&)> callback) {
  {
    std::lock_guard lock(mu_);
    callback_ = std::move(callback);
  }
  drain_to_callback();
}

std::int64_t Client::Impl::highest_seq(std::int64_t conversation_id) const {
  std::lock_guard lock(mu_);
  return sequencer_.contiguous(conversation_id);
}

// mu_ held. True when something new became deliverable.
bool Client::Impl::ingest_locked(const v1::Message& m, bool from_event) {
  const bool own = auth_.device_id != 0 && m.sender_device_id() == auth_.device_id;
  return place_locked(m.conversation_id(), m.seq(), own ? std::nullopt : std::optional(m),
                      from_event);
}

bool Client::Impl::place_locked(std::int64_t conversation, std::int64_t seq,
                                std::optional<v1::Message> message, bool from_event) {
  auto placed = sequencer_.place(conversation, seq, std::move(message));
  for (auto& m : placed.ready) inbox_.push_back(std::move(m));
  if (from_event && sequencer_.held(conversation) > 0 && !gap_fills_.contains(conversation)) {
    gap_fills_[conversation] = Clock::now() + kGapGrace;
    cv_.notify_all();
  }
  return !placed.ready.empty();
}

// Io thread, mu_ held: user_update, presence, typing or read.
void Client::Impl::on_event_locked(v1::ServerFrame frame) {
  if (frame.has_user_update()) {
    const std::int64_t seq = frame.user_update().update().user_seq();
    if (seq == user_seq_ + 1) {
      ++user_seq_;
      state_changed_locked();
    } else if (seq > user_seq_ + 1 && authenticated_) {
      need_sync_ = true;  // a gap in the user log: sync fetches the missing entries
    }
  }
  if (events_.size() >= kMaxEvents) events_.pop_front();
  events_.push_back(std::move(frame));
  cv_.notify_all();
}

void Client::Impl::drain_to_callback() {
  std::lock_guard serial(callback_mu_);  // one drainer at a time keeps the order
  while (true) {
    std::function<void(const v1::Message&)> callback;
    v1::Message m;
    {
      std::lock_guard lock(mu_);
      if (!callback_ || inbox_.empty()) return;
      callback = callback_;
      m = std::move(inbox_.front());
      inbox_.pop_front();
      state_changed_locked();
    }
    callback(m);
  }
}

}  // namespace parley::client
