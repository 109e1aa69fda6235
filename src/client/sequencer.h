// In-order, deduplicated delivery per conversation: what a device has handled, what it holds back
// ahead of a gap, and whether a gap is open. Pure: no threads, no I/O, no clock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <vector>

#include "parley_proto/parley.pb.h"

namespace parley::client {

// Not thread-safe: the owner serializes every call (the client holds its mutex).
class Sequencer {
 public:
  static constexpr std::size_t kUnbounded = std::numeric_limits<std::size_t>::max();

  // `max_held`: entries held back ahead of gaps, over all conversations. An entry beyond it is
  // dropped, not held: the server keeps the log, so the gap fill fetches it again.
  explicit Sequencer(std::size_t max_held = kUnbounded) : max_held_(max_held) {}

  struct Placed {
    std::vector<v1::Message> ready;  // now deliverable, in seq order
    bool duplicate = false;          // at or below the contiguous seq, or already held
    bool dropped = false;            // ahead of a gap with max_held entries held: fetch it again
  };

  // Entry `seq` of `conversation` has arrived. `message` nullopt: this device's own entry, which
  // counts for the order but is never delivered back.
  Placed place(std::int64_t conversation, std::int64_t seq, std::optional<v1::Message> message);

  // Everything up to this seq is handled (0 for a conversation never seen).
  std::int64_t contiguous(std::int64_t conversation) const;
  // Something above contiguous() has been seen (held or dropped) and is not handled yet.
  bool has_gap(std::int64_t conversation) const;
  std::size_t held(std::int64_t conversation) const;
  std::size_t held() const { return held_total_; }

  // A conversation the device has never followed starts where the user joined it (sync's
  // joined_seq): moves contiguous forward, only while nothing is held for it.
  void start_at(std::int64_t conversation, std::int64_t seq);
  // The persisted cursor of a conversation (at start-up).
  void restore(std::int64_t conversation, std::int64_t seq);
  // Forgets everything (another account logged in on this profile).
  void clear();
  // Conversation -> contiguous seq, for every conversation past 0.
  std::map<std::int64_t, std::int64_t> cursors() const;

 private:
  struct Conversation {
    std::int64_t contiguous = 0;
    std::int64_t highest_seen = 0;
    std::map<std::int64_t, std::optional<v1::Message>> ahead;
  };

  std::size_t max_held_;
  std::size_t held_total_ = 0;
  std::map<std::int64_t, Conversation> conversations_;
};

}  // namespace parley::client
