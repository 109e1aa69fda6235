// Events core pushes to sessions. One Event object is shared by every recipient of a fan-out and
// encoded at most once per wire format (DESIGN: encode once per protocol, not per recipient).
#pragma once

#include <array>
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

// Wire formats that cache an encoding of an event. A gateway uses only its own slots.
enum class WireFormat : std::uint8_t { native_binary = 0, native_json = 1, kCount = 2 };

class Event {
 public:
  explicit Event(EventBody body) : body_(std::move(body)) {}
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;

  const EventBody& body() const { return body_; }

  // Thread contract: any thread. The first caller for a format runs encode; everyone else (on any
  // shard) gets the same bytes. encode must be a pure function of the event.
  template <class Encode>
  const std::string& encoded(WireFormat format, Encode&& encode) const {
    const auto slot = static_cast<std::size_t>(format);
    std::call_once(once_[slot], [&] { bytes_[slot] = encode(*this); });
    return bytes_[slot];
  }

 private:
  EventBody body_;
  static constexpr auto kSlots = static_cast<std::size_t>(WireFormat::kCount);
  mutable std::array<std::once_flag, kSlots> once_;
  mutable std::array<std::string, kSlots> bytes_;
};

}  // namespace parley
