// Delivery to the application: entries pass the sequencer (order, dedupe, gaps) into the inbox,
// which next_message or the message callback empties; pushed non-message events queue apart.
//
// Bounds without loss: the server keeps every conversation's log, so an entry the client cannot
// hold now is left there, not buffered. The inbox takes an entry only when everything it could
// release fits (the entry and the held entries of its conversation); otherwise the conversation
// is marked stalled and its cursor stays below the entry. Once the application has taken half
// of the inbox, stalled conversations are filled from history (sync.cc), no faster than room
// allows. Live events are acknowledged either way: the ack stops the server's resends, while
// what the client fetches is decided by its own cursor.
#include "client/client_impl.h"

namespace parley::client {

std::optional<v1::Message> Client::Impl::next_message(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return stop_ || !inbox_.empty(); });
  if (inbox_.empty()) return std::nullopt;
  v1::Message m = std::move(inbox_.front());
  inbox_.pop_front();
  took_from_inbox_locked();
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

std::size_t Client::Impl::inbox_size() const {
  std::lock_guard lock(mu_);
  return inbox_.size();
}

// mu_ held. True when something new became deliverable.
bool Client::Impl::ingest_locked(const v1::Message& m, bool from_event) {
  const bool own = auth_.device_id != 0 && m.sender_device_id() == auth_.device_id;
  return place_locked(m.conversation_id(), m.seq(), own ? std::nullopt : std::optional(m),
                      from_event);
}

bool Client::Impl::place_locked(std::int64_t conversation, std::int64_t seq,
                                std::optional<v1::Message> message, bool from_event) {
  if (inbox_room_locked(conversation) == 0) {
    stalled_.insert(conversation);  // left in the server's log; fetched when there is room
    return false;
  }
  auto placed = sequencer_.place(conversation, seq, std::move(message));
  for (auto& m : placed.ready) inbox_.push_back(std::move(m));
  // A gap seen live often closes by itself; a dropped entry only comes back by a fill.
  if ((from_event || placed.dropped) && sequencer_.has_gap(conversation) &&
      !gap_fills_.contains(conversation)) {
    gap_fills_[conversation] = Clock::now() + kGapGrace;
    cv_.notify_all();
  }
  return !placed.ready.empty();
}

// How many more entries of `conversation` the inbox can take: one arrival releases at most
// itself and what is held for the conversation.
std::size_t Client::Impl::inbox_room_locked(std::int64_t conversation) const {
  const std::size_t used = inbox_.size() + sequencer_.held(conversation);
  return used >= max_inbox_ ? 0 : max_inbox_ - used;
}

void Client::Impl::took_from_inbox_locked() {
  state_changed_locked();
  if (stalled_.empty() || inbox_.size() > max_inbox_ / 2) return;
  const auto now = Clock::now();
  for (const auto conversation : stalled_) {
    auto [it, added] = gap_fills_.try_emplace(conversation, now);
    if (!added) it->second = std::min(it->second, now);
  }
  stalled_.clear();
  cv_.notify_all();
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
      took_from_inbox_locked();
    }
    callback(m);
  }
}

}  // namespace parley::client
