#include "gateway/common/delivery_window.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace parley::gateway {

TrackResult DeliveryWindow::track(DeliveryKey key, std::shared_ptr<const Event> event,
                                  std::size_t bytes, Clock::time_point now) {
  auto it = entries_.find(key);
  if (it == entries_.end()) {
    // Bounded by count and by bytes: 8,192 events of 64 KiB would be 512 MiB for one device.
    if (entries_.size() >= limits_.max_unacked) return TrackResult::too_many;
    if (bytes_ + bytes > limits_.max_unacked_bytes) return TrackResult::too_many_bytes;
    if (spare_.empty()) {
      it = entries_.emplace(key, Entry{}).first;
    } else {
      spare_.key() = key;
      it = entries_.insert(std::move(spare_)).position;
    }
  } else {
    bytes_ -= it->second.bytes;
  }
  bytes_ += bytes;
  it->second = Entry{std::move(event), now, static_cast<std::uint32_t>(bytes), 0};
  return TrackResult::tracked;
}

bool DeliveryWindow::ack(DeliveryKey key) {
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  bytes_ -= it->second.bytes;
  if (spare_.empty()) {
    spare_ = entries_.extract(it);
    spare_.mapped().event.reset();  // the event itself is not held past its ack
  } else {
    entries_.erase(it);
  }
  return true;
}

void DeliveryWindow::acknowledge(std::span<const DeliveryKey> keys,
                                 std::vector<ConversationCursor>& cursors) {
  // All of a batch is released first: acks for 5 and 3 together prove 5, not just 2. The held
  // keys wait in the answer itself, then become cursors in place.
  cursors.clear();
  for (const DeliveryKey& key : keys) {
    if (ack(key)) cursors.push_back({key.conversation_id, key.seq});
  }
  for (ConversationCursor& c : cursors) c = cursor_after({c.conversation_id, c.seq});
}

ConversationCursor DeliveryWindow::cursor_after(DeliveryKey acked) const {
  // A cursor means "holds everything up to here": an entry acked past an older one still
  // unacknowledged moves it only to just before that one.
  ConversationCursor cursor{acked.conversation_id, acked.seq};
  auto oldest = entries_.lower_bound({acked.conversation_id, std::numeric_limits<Seq>::min()});
  if (oldest != entries_.end() && oldest->first.conversation_id == acked.conversation_id)
    cursor.seq = std::min(cursor.seq, oldest->first.seq - 1);
  return cursor;
}

ResendPass DeliveryWindow::due(Clock::time_point now) {
  ResendPass pass;
  auto is_due = [&](const Entry& e) { return now - e.sent_at >= limits_.resend_timeout; };
  for (const auto& [key, entry] : entries_) {
    if (is_due(entry) && entry.resends >= limits_.max_resends) {
      pass.exhausted = true;
      return pass;
    }
  }
  for (auto& [key, entry] : entries_) {
    if (!is_due(entry)) continue;
    ++entry.resends;
    entry.sent_at = now;
    pass.resend.push_back(entry.event);
  }
  return pass;
}

void DeliveryWindow::clear() {
  entries_.clear();
  spare_ = {};
  bytes_ = 0;
}

}  // namespace parley::gateway
