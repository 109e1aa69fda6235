// The narrow interface between core and a protocol session (gateway).
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/errors.h"
#include "common/executor.h"
#include "core/events.h"
#include "core/model.h"

namespace parley {

// How other shards name a session: never a pointer (STYLE: sessions are held by handle).
struct SessionHandle {
  std::uint32_t node = 0;  // the parleyd process (one in a single-node install)
  ShardId shard = 0;
  std::uint64_t id = 0;
  friend bool operator==(const SessionHandle&, const SessionHandle&) = default;
};

// Who an authenticated session is. Copied freely; valid on any thread.
struct SessionIdentity {
  UserId user_id = 0;
  std::string username;
  DeviceId device_id = 0;
  SessionHandle handle;
};

// Implemented by each gateway's session. Thread contract: core calls it only on the session's own
// shard, and only between Core::open_session and Core::close_session.
class SessionSink {
 public:
  virtual ~SessionSink() = default;
  // A new event for this device. The session encodes it (Event::encoded) and queues it.
  virtual void on_event(std::shared_ptr<const Event> event) = 0;
  // The session must end: its token was revoked elsewhere or the server is stopping.
  virtual void on_kicked(Errc reason) = 0;
};

}  // namespace parley
