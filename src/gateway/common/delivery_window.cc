#include "gateway/common/delivery_window.h"

#include <algorithm>
#include <utility>

namespace parley::gateway {
namespace {

constexpr std::size_t kSpareSlots = 8;            // capacity kept from a removed lane
constexpr std::size_t kCompactAtTombstones = 16;  // and more tombstones than held entries

}  // namespace

DeliveryWindow::Lanes::iterator DeliveryWindow::find_lane(ConversationId conversation) {
  return std::ranges::lower_bound(lanes_, conversation, {}, &Lane::conversation_id);
}

DeliveryWindow::Lanes::const_iterator DeliveryWindow::find_lane(ConversationId conversation) const {
  return std::ranges::lower_bound(lanes_, conversation, {}, &Lane::conversation_id);
}

std::vector<DeliveryWindow::Slot>::iterator DeliveryWindow::find_slot(Lane& lane, Seq seq) {
  auto first = lane.slots.begin() + static_cast<std::ptrdiff_t>(lane.head);
  if (first != lane.slots.end() && first->seq == seq) return first;  // the in-order ack
  return std::ranges::lower_bound(first, lane.slots.end(), seq, {}, &Slot::seq);
}

TrackResult DeliveryWindow::admit(std::size_t bytes) const {
  // Bounded by count and by bytes: 8,192 events of 64 KiB would be 512 MiB for one device.
  if (size_ >= limits_.max_unacked) return TrackResult::too_many;
  if (bytes_ + bytes > limits_.max_unacked_bytes) return TrackResult::too_many_bytes;
  return TrackResult::tracked;
}

void DeliveryWindow::hold(Slot& slot, std::shared_ptr<const Event> event, std::size_t bytes,
                          Clock::time_point now) {
  if (slot.held) bytes_ -= slot.bytes;
  bytes_ += bytes;
  slot.event = std::move(event);
  slot.sent_at = now;
  slot.bytes = static_cast<std::uint32_t>(bytes);
  slot.resends = 0;
  slot.held = true;
}

TrackResult DeliveryWindow::track(DeliveryKey key, std::shared_ptr<const Event> event,
                                  std::size_t bytes, Clock::time_point now) {
  auto lane = find_lane(key.conversation_id);
  Slot* slot = nullptr;
  if (lane == lanes_.end() || lane->conversation_id != key.conversation_id) {
    if (TrackResult r = admit(bytes); r != TrackResult::tracked) return r;
    lane = lanes_.insert(lane, Lane{key.conversation_id, std::exchange(spare_, {}), 0, 0});
    slot = &lane->slots.emplace_back(Slot{.seq = key.seq});
  } else if (lane->slots.back().seq < key.seq) {  // the usual case: the next seq
    if (TrackResult r = admit(bytes); r != TrackResult::tracked) return r;
    slot = &lane->slots.emplace_back(Slot{.seq = key.seq});
  } else {
    auto at = find_slot(*lane, key.seq);
    bool found = at != lane->slots.end() && at->seq == key.seq;
    if (found && at->held) {
      hold(*at, std::move(event), bytes, now);  // sent again: replaced, never refused
      return TrackResult::tracked;
    }
    if (TrackResult r = admit(bytes); r != TrackResult::tracked) return r;
    // An acknowledged key sent again is revived; one older than the lane's oldest held entry
    // goes in at head (the slots before head are dead).
    if (!found) at = lane->slots.insert(at, Slot{.seq = key.seq});
    slot = &*at;
  }
  hold(*slot, std::move(event), bytes, now);
  ++lane->held;
  ++size_;
  return TrackResult::tracked;
}

bool DeliveryWindow::ack(DeliveryKey key) {
  auto lane = find_lane(key.conversation_id);
  if (lane == lanes_.end() || lane->conversation_id != key.conversation_id) return false;
  auto slot = find_slot(*lane, key.seq);
  if (slot == lane->slots.end() || slot->seq != key.seq || !slot->held) return false;
  bytes_ -= slot->bytes;
  slot->event.reset();  // the event itself is not held past its ack
  slot->held = false;
  --lane->held;
  --size_;
  tidy(lane);
  return true;
}

void DeliveryWindow::tidy(Lanes::iterator lane) {
  if (lane->held == 0) {
    if (lane->slots.capacity() <= kSpareSlots && lane->slots.capacity() > spare_.capacity()) {
      lane->slots.clear();
      spare_ = std::move(lane->slots);
    }
    lanes_.erase(lane);
    return;
  }
  auto& slots = lane->slots;
  while (!slots[lane->head].held) ++lane->head;
  std::size_t dead = slots.size() - lane->held;  // before head, and tombstones after it
  if (dead > lane->held && dead >= kCompactAtTombstones) {
    std::erase_if(slots, [](const Slot& s) { return !s.held; });
    lane->head = 0;
  }
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
  auto lane = find_lane(acked.conversation_id);
  if (lane != lanes_.end() && lane->conversation_id == acked.conversation_id)
    cursor.seq = std::min(cursor.seq, lane->slots[lane->head].seq - 1);
  return cursor;
}

ResendPass DeliveryWindow::due(Clock::time_point now) {
  ResendPass pass;
  auto is_due = [&](const Slot& s) { return s.held && now - s.sent_at >= limits_.resend_timeout; };
  for (const Lane& lane : lanes_) {
    for (std::size_t i = lane.head; i < lane.slots.size(); ++i) {
      if (is_due(lane.slots[i]) && lane.slots[i].resends >= limits_.max_resends) {
        pass.exhausted = true;
        return pass;
      }
    }
  }
  for (Lane& lane : lanes_) {  // conversation, then seq: oldest key first
    for (std::size_t i = lane.head; i < lane.slots.size(); ++i) {
      Slot& slot = lane.slots[i];
      if (!is_due(slot)) continue;
      ++slot.resends;
      slot.sent_at = now;
      pass.resend.push_back(slot.event);
    }
  }
  return pass;
}

void DeliveryWindow::clear() {
  lanes_ = {};
  spare_ = {};
  size_ = 0;
  bytes_ = 0;
}

}  // namespace parley::gateway
