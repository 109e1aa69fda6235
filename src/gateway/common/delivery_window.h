// The reliable delivery window every gateway keeps per device session: the message events sent
// and not yet acknowledged, bounded by count and bytes, resent on a timeout a limited number of
// times, and the delivery-cursor rule for what an acknowledgement proves. Pure logic: time is
// passed in and nothing here touches a socket or a timer (resend_timer.h is the Asio side).
// Used by the native gateway; XMPP (XEP-0198 stream management) and MQTT (QoS 1 inflight) map
// their own acknowledgements onto the same keys.
#pragma once

#include <chrono>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/events.h"
#include "core/model.h"

namespace parley::gateway {

struct DeliveryLimits {
  std::chrono::milliseconds resend_timeout{10'000};
  int max_resends = 3;                               // then the device is given up on
  std::size_t max_unacked = 8'192;                   // events in flight to one device
  std::size_t max_unacked_bytes = 16 * 1024 * 1024;  // their encoded size
};

// One conversation entry as the device acknowledges it.
struct DeliveryKey {
  ConversationId conversation_id = 0;
  Seq seq = 0;
  auto operator<=>(const DeliveryKey&) const = default;
};

enum class TrackResult : std::uint8_t {
  tracked,
  too_many,        // max_unacked reached: the device is a slow consumer
  too_many_bytes,  // max_unacked_bytes reached: the device is a slow consumer
};

// What a resend pass asks of the session: resend these events (oldest key first), or give up
// because an entry was resent max_resends times and is still not acknowledged.
struct ResendPass {
  std::vector<std::shared_ptr<const Event>> resend;
  bool exhausted = false;  // the session ends; nothing in `resend` then
};

// Thread contract: not thread-safe; owned and used by one session on its shard.
class DeliveryWindow {
 public:
  using Clock = std::chrono::steady_clock;

  explicit DeliveryWindow(DeliveryLimits limits) : limits_(limits) {}

  // `event` (encoded in `bytes` bytes) was sent at `now`. A key already held is replaced (sent
  // again, its resend count restarted) and never refused; a new key over a limit is not kept.
  TrackResult track(DeliveryKey key, std::shared_ptr<const Event> event, std::size_t bytes,
                    Clock::time_point now);

  // The device acknowledged `key`: whether it was held (and is now released). An
  // acknowledgement of a key never sent, or already acknowledged, changes nothing.
  bool ack(DeliveryKey key);

  // Releases each of `keys` and puts in `cursors` (cleared first; the caller keeps the buffer
  // between acks), for each one that was held, the delivery cursor that acknowledgement proves:
  // the device holds everything up to the acked seq, but no further than just before the
  // oldest entry of that conversation still unacknowledged.
  void acknowledge(std::span<const DeliveryKey> keys, std::vector<ConversationCursor>& cursors);

  // Entries sent at least resend_timeout before `now` are due: returned for resending (and
  // counted as sent again at `now`) unless one of them has no resend left (then only the verdict).
  ResendPass due(Clock::time_point now);

  // Drops everything (logout, session closed).
  void clear();

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  std::size_t bytes() const { return bytes_; }
  const DeliveryLimits& limits() const { return limits_; }

 private:
  // One event in flight. An acknowledged slot in the middle of a lane stays as a tombstone
  // (event released, not counted) until the lane is compacted: acks out of order cost no shift.
  struct Slot {
    Seq seq = 0;
    std::shared_ptr<const Event> event;
    Clock::time_point sent_at;
    std::uint32_t bytes = 0;  // counted in bytes_ while held
    int resends = 0;
    bool held = false;
  };
  // The entries of one conversation in seq order. slots[head] is the oldest held entry: a
  // device acks in the order it was sent, so an ack almost always touches the front, and the
  // cursor rule reads it there. A lane with nothing held is removed.
  struct Lane {
    ConversationId conversation_id = 0;
    std::vector<Slot> slots;
    std::size_t head = 0;
    std::size_t held = 0;
  };
  using Lanes = std::vector<Lane>;

  Lanes::iterator find_lane(ConversationId conversation);
  Lanes::const_iterator find_lane(ConversationId conversation) const;
  static std::vector<Slot>::iterator find_slot(Lane& lane, Seq seq);
  TrackResult admit(std::size_t bytes) const;
  void hold(Slot& slot, std::shared_ptr<const Event> event, std::size_t bytes,
            Clock::time_point now);
  // After a release: drops the lane once nothing in it is held, else moves head past the
  // tombstones and compacts once they outnumber what is held.
  void tidy(Lanes::iterator lane);

  // The cursor rule for one acknowledged key, against what is still held.
  ConversationCursor cursor_after(DeliveryKey acked) const;

  DeliveryLimits limits_;
  // Sorted by conversation id; a device has entries in flight in a few conversations at once,
  // so this is short and a lookup stays in one or two cache lines (a std::map of hundreds of
  // entries per device missed the cache on each of its four descents per delivery).
  Lanes lanes_;
  // The buffer of the last removed lane, reused by the next new one: a device that acks each
  // event before the next (a big group's members) costs no allocation per event. Kept only
  // while small (kSpareSlots), so an idle connection holds no burst-sized buffer.
  std::vector<Slot> spare_;
  std::size_t size_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace parley::gateway
