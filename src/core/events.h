// Events core pushes to sessions. One Event object is shared by every recipient of a fan-out and
// encoded at most once per wire format (DESIGN: encode once per protocol, not per recipient).
#pragma once

#include <array>
#include <atomic>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <variant>

#include "core/model.h"

namespace parley {

struct MessageEvent {
  Message message;
};

// An entry of one user's own log, for that user's devices.
struct UserUpdateEvent {
  UserUpdate update;
};

struct PresenceEvent {
  UserId user_id = 0;
  std::string username;
  bool online = false;
  TimeMs last_seen = 0;
};

struct TypingEvent {
  ConversationId conversation_id = 0;
  UserId user_id = 0;
  std::string username;
};

struct ReadEvent {
  ConversationId conversation_id = 0;
  UserId user_id = 0;
  std::string username;
  Seq read_seq = 0;
};

using EventBody =
    std::variant<MessageEvent, UserUpdateEvent, PresenceEvent, TypingEvent, ReadEvent>;

// The encodings of an event are cached per wire format, in slots each gateway takes at start-up
// (a new gateway takes its own; core knows no wire format).
class EncodingSlots {
 public:
  static constexpr std::size_t kMax = 8;
  // Start-up only (static initialisation or before the shards run). Aborts past kMax: a build
  // with more wire formats raises it.
  static std::size_t take() {
    const std::size_t slot = next_.fetch_add(1);
    if (slot >= kMax) std::abort();
    return slot;
  }

 private:
  static inline std::atomic<std::size_t> next_{0};
};

class Event {
 public:
  explicit Event(EventBody body) : body_(std::move(body)) {}
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  const EventBody& body() const { return body_; }

  // Thread contract: any thread. The first caller for a format runs encode; everyone else (on any
  // shard) gets the same bytes. encode must be a pure function of the event.
  template <class Encode>
  const std::string& encoded(std::size_t slot, Encode&& encode) const {
    std::call_once(once_[slot], [&] { bytes_[slot] = encode(*this); });
    return bytes_[slot];
  }

 private:
  EventBody body_;
  mutable std::array<std::once_flag, EncodingSlots::kMax> once_;
  mutable std::array<std::string, EncodingSlots::kMax> bytes_;
};

}  // namespace parley
