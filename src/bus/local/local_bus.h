// The bus inside one process (DESIGN §2, §3): each shard keeps the sessions that live on it and,
// as a user's home shard (user id % shards), the list of that user's online devices. An event
// goes to the home shard of each recipient, then to the shards of their sessions: two posts,
// the event object shared by all. No lock on the way; the presence directory alone has a mutex,
// taken when an announcement changes and when a contact list is read, never per message.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "common/executor.h"
#include "core/bus.h"

namespace parley::bus {

class LocalBus final : public Bus {
 public:
  // `node`: this process's id in session handles (0 alone; distinct per node in a cluster).
  // Thread contract: construct before the shards run; `executor` outlives the bus.
  LocalBus(Executor& executor, std::uint32_t node = 0);
  ~LocalBus() override;

  SessionHandle open_session(SessionSink& sink) override;
  void close_session(SessionHandle handle) override;
  void attach(const SessionIdentity& who) override;
  void detach(const SessionIdentity& who) override;
  void deliver(std::vector<UserId> users, std::shared_ptr<const Event> event,
               SessionHandle except) override;
  void kick(UserId user, Errc reason, KickFilter filter) override;
  void kick_session(SessionHandle handle, Errc reason) override;
  bool is_online(UserId user) override;
  void set_announced(UserId user, bool online) override;
  void conversation_changed(ConversationId) override {}
  void set_presence_listener(PresenceListener* listener) override { listener_ = listener; }

  // For the Redis bus of a cluster, which delivers what other nodes send here: the sessions of
  // `users` on this node. Any shard.
  void deliver_local(std::vector<UserId> users, std::shared_ptr<const Event> event,
                     SessionHandle except) {
    deliver(std::move(users), std::move(event), except);
  }
  ShardId home_shard(UserId user) const;

 private:
  struct OnlineDevice {
    SessionHandle handle;
    DeviceId device_id = 0;
  };
  // Touched only by its shard's thread.
  struct Shard {
    std::uint64_t next_session_id = 1;
    std::unordered_map<std::uint64_t, SessionSink*> sinks;
    std::unordered_map<UserId, std::vector<OnlineDevice>> online;  // users homed here
  };
  Shard& local();
  // On `handle`'s shard: the sink, if still registered.
  SessionSink* sink_of(SessionHandle handle);

  Executor& executor_;
  const std::uint32_t node_;
  std::vector<std::unique_ptr<Shard>> shards_;
  PresenceListener* listener_ = nullptr;
  std::mutex presence_mutex_;
  std::unordered_map<UserId, bool> announced_;  // GUARDED_BY(presence_mutex_)
};

}  // namespace parley::bus
