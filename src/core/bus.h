// Routing of events to device sessions, the session registry and presence, in core's terms
// (DESIGN §2 "bus"): bus/local in one process, bus/redis across nodes later. Core decides what
// to send to whom; the bus knows where each user's devices are and gets the event there.
// Modelled on ejabberd's ejabberd_sm with its mnesia/sql/redis backends.
#pragma once

#include <memory>
#include <vector>

#include "common/errors.h"
#include "core/events.h"
#include "core/model.h"
#include "core/session.h"

namespace parley {

// Which of a user's sessions a kick ends. Plain data, so a bus can carry it to other nodes.
struct KickFilter {
  enum class Kind : std::uint8_t {
    device,          // every session of `device` but `except`
    all_but_device,  // every session of every other device
  };
  Kind kind = Kind::device;
  DeviceId device = 0;
  SessionHandle except;  // never kicked (the session that asked)
  bool matches(DeviceId d, SessionHandle h) const {
    if (h == except) return false;
    return kind == Kind::device ? d == device : d != device;
  }
};

// Told by the bus when a user's presence, counted over every node, changes. Called on the
// user's home shard (Core::home_shard).
class PresenceListener {
 public:
  virtual ~PresenceListener() = default;
  virtual void first_device_online(UserId user, const std::string& username) = 0;
  virtual void last_device_offline(UserId user) = 0;
};

class Bus {
 public:
  virtual ~Bus() = default;

  // Thread contract: open/attach/detach/close on the session's own shard, for that session.
  // Registers `sink` on the calling shard; events reach it there, until close_session.
  virtual SessionHandle open_session(SessionSink& sink) = 0;
  virtual void close_session(SessionHandle handle) = 0;
  // The session is authenticated: events for who.user_id reach it from now on.
  virtual void attach(const SessionIdentity& who) = 0;
  // No longer authenticated (logout): no more events for it; the sink stays registered.
  virtual void detach(const SessionIdentity& who) = 0;

  // Any shard: pushes `event` to every online device of `users` except the session `except`.
  virtual void deliver(std::vector<UserId> users, std::shared_ptr<const Event> event,
                       SessionHandle except) = 0;
  // Any shard: ends the sessions of `user` that `filter` selects (SessionSink::on_kicked).
  virtual void kick(UserId user, Errc reason, KickFilter filter) = 0;
  // Any shard: ends the one session `handle` (a token found revoked after it attached).
  virtual void kick_session(SessionHandle handle, Errc reason) = 0;

  // The presence directory: what was last announced for a user (after coalescing). Any thread,
  // including the blocking pool (a contact list marks who is online).
  virtual bool is_online(UserId user) = 0;
  virtual void set_announced(UserId user, bool online) = 0;

  // A group's membership changed on this node: nodes that cache its membership drop it (the
  // local bus has one cache, kept right by core itself).
  virtual void conversation_changed(ConversationId id) = 0;

  // Set once, before any session opens. The listener outlives the bus's use of it.
  virtual void set_presence_listener(PresenceListener* listener) = 0;
};

}  // namespace parley
