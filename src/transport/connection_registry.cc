#include "transport/connection_registry.h"

#include <boost/asio/post.hpp>

#include "transport/connection_base.h"

namespace parley::transport {

ConnectionRegistry::ConnectionRegistry(runtime::ShardPool& pool,
                                       std::chrono::milliseconds idle_sweep_interval)
    : pool_(pool),
      idle_sweep_interval_(idle_sweep_interval),
      by_shard_(pool.shard_count()),
      sweeping_(pool.shard_count(), 0) {}

void ConnectionRegistry::add(ShardId shard, ConnectionBase* connection) {
  by_shard_[shard].insert(connection);
  if (!sweeping_[shard]) {
    sweeping_[shard] = 1;
    schedule_sweep(shard);
  }
  std::lock_guard lock(mutex_);
  ++count_;
}

void ConnectionRegistry::remove(ShardId shard, ConnectionBase* connection) {
  if (by_shard_[shard].erase(connection) == 0) return;
  std::lock_guard lock(mutex_);
  if (--count_ == 0) emptied_.notify_all();
}

void ConnectionRegistry::close_all() {
  for (ShardId shard = 0; shard < pool_.shard_count(); ++shard) {
    boost::asio::post(pool_.io(shard), [this, shard] {
      // close() never finalizes synchronously, so iterating a copy is only for safety.
      const auto live = by_shard_[shard];
      for (ConnectionBase* c : live) c->close();
    });
  }
}

void ConnectionRegistry::schedule_sweep(ShardId shard) {
  // Runs until the pool stops (its io_context is stopped with the timer pending).
  pool_.post_after(shard, idle_sweep_interval_.count(), [this, shard] {
    sweep(shard);
    schedule_sweep(shard);
  });
}

void ConnectionRegistry::sweep(ShardId shard) {
  const auto now = std::chrono::steady_clock::now();
  // The session's answer to on_idle may close the connection, never finalize it (that happens
  // only in completion handlers), so the set is not changed while it is walked; the copy of the
  // idle ones is only for safety.
  std::vector<ConnectionBase*> idle;
  for (ConnectionBase* c : by_shard_[shard]) {
    if (c->idle_at(now)) idle.push_back(c);
  }
  for (ConnectionBase* c : idle) {
    if (by_shard_[shard].contains(c)) c->report_idle();
  }
}

bool ConnectionRegistry::wait_empty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return emptied_.wait_for(lock, timeout, [this] { return count_ == 0; });
}

std::size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return count_;
}

}  // namespace parley::transport
