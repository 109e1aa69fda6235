#include "bus/local/local_bus.h"

#include <cstdio>
#include <cstdlib>

namespace parley::bus {

LocalBus::LocalBus(Executor& executor, std::uint32_t node) : executor_(executor), node_(node) {
  for (ShardId i = 0; i < executor_.shard_count(); ++i) {
    shards_.push_back(std::make_unique<Shard>());
  }
}

LocalBus::~LocalBus() = default;

LocalBus::Shard& LocalBus::local() {
  const auto shard = executor_.current_shard();
  // Shard state is only ever touched by its own thread: anything else is a bug that would
  // corrupt it silently, so it stops the server instead.
  if (!shard) {
    std::fprintf(stderr, "parleyd: bus shard state used off the shard threads\n");
    std::abort();
  }
  return *shards_[*shard];
}

ShardId LocalBus::home_shard(UserId user) const {
  return static_cast<ShardId>(static_cast<std::uint64_t>(user) % shards_.size());
}

SessionHandle LocalBus::open_session(SessionSink& sink) {
  Shard& shard = local();
  const SessionHandle handle{node_, *executor_.current_shard(), shard.next_session_id++};
  shard.sinks.emplace(handle.id, &sink);
  return handle;
}

void LocalBus::close_session(SessionHandle handle) { local().sinks.erase(handle.id); }

SessionSink* LocalBus::sink_of(SessionHandle handle) {
  Shard& here = local();
  auto it = here.sinks.find(handle.id);
  return it == here.sinks.end() ? nullptr : it->second;
}

void LocalBus::attach(const SessionIdentity& who) {
  executor_.post(home_shard(who.user_id), [this, who] {
    auto& devices = local().online[who.user_id];
    devices.push_back(OnlineDevice{who.handle, who.device_id});
    if (devices.size() == 1 && listener_ != nullptr) {
      listener_->first_device_online(who.user_id, who.username);
    }
  });
}

void LocalBus::detach(const SessionIdentity& who) {
  executor_.post(home_shard(who.user_id), [this, who] {
    Shard& home = local();
    auto found = home.online.find(who.user_id);
    if (found == home.online.end()) return;
    std::erase_if(found->second, [&](const OnlineDevice& d) { return d.handle == who.handle; });
    if (!found->second.empty()) return;
    home.online.erase(found);
    if (listener_ != nullptr) listener_->last_device_offline(who.user_id);
  });
}

void LocalBus::deliver(std::vector<UserId> users, std::shared_ptr<const Event> event,
                       SessionHandle except) {
  // One post per home shard, then one post per session shard: the event object is shared by all.
  std::unordered_map<ShardId, std::vector<UserId>> by_home;
  for (UserId user : users) by_home[home_shard(user)].push_back(user);
  for (auto& [home, homed_users] : by_home) {
    executor_.post(home, [this, homed_users = std::move(homed_users), event, except] {
      Shard& shard = local();
      std::unordered_map<ShardId, std::vector<std::uint64_t>> by_session_shard;
      for (UserId user : homed_users) {
        auto it = shard.online.find(user);
        if (it == shard.online.end()) continue;
        for (const OnlineDevice& device : it->second) {
          if (device.handle == except) continue;
          by_session_shard[device.handle.shard].push_back(device.handle.id);
        }
      }
      // The walk over `online` is over before any session runs: a session may close (and edit
      // it) from inside on_event.
      for (auto& [target, ids] : by_session_shard) {
        executor_.post(target, [this, ids = std::move(ids), event] {
          Shard& here = local();
          for (std::uint64_t id : ids) {
            auto sink = here.sinks.find(id);
            if (sink != here.sinks.end()) sink->second->on_event(event);
          }
        });
      }
    });
  }
}

void LocalBus::kick(UserId user, Errc reason, KickFilter filter) {
  executor_.post(home_shard(user), [this, user, reason, filter] {
    Shard& home = local();
    auto it = home.online.find(user);
    if (it == home.online.end()) return;
    // Chosen first, kicked second: a kicked session closes, and its close (inline when it lives
    // on this shard) edits the list being walked.
    std::vector<SessionHandle> kicked;
    for (const OnlineDevice& device : it->second) {
      if (filter.matches(device.device_id, device.handle)) kicked.push_back(device.handle);
    }
    for (SessionHandle handle : kicked) kick_session(handle, reason);
  });
}

void LocalBus::kick_session(SessionHandle handle, Errc reason) {
  executor_.post(handle.shard, [this, handle, reason] {
    if (SessionSink* sink = sink_of(handle)) sink->on_kicked(reason);
  });
}

bool LocalBus::is_online(UserId user) {
  std::lock_guard lock(presence_mutex_);
  auto it = announced_.find(user);
  return it != announced_.end() && it->second;
}

void LocalBus::set_announced(UserId user, bool online) {
  std::lock_guard lock(presence_mutex_);
  if (online) {
    announced_[user] = true;
  } else {
    announced_.erase(user);
  }
}

}  // namespace parley::bus
