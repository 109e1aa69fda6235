// Tracks the live connections of every shard so shutdown can close them all and wait for them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <unordered_set>
#include <vector>

#include "runtime/shard_pool.h"

namespace parley::transport {

class ConnectionBase;

// It also runs each shard's idle sweep: once per `idle_sweep_interval`, every connection of the
// shard checks its idle timeout. One timer per shard instead of one pending timer operation per
// connection keeps idle connections small (docs/benchmarks.md, "Memory per connection").
class ConnectionRegistry {
 public:
  explicit ConnectionRegistry(
      runtime::ShardPool& pool,
      std::chrono::milliseconds idle_sweep_interval = std::chrono::milliseconds(1'000));

  // Thread contract: add/remove only on the connection's shard thread.
  void add(ShardId shard, ConnectionBase* connection);
  void remove(ShardId shard, ConnectionBase* connection);

  // Any thread: asks every connection to close gracefully (on its own shard).
  void close_all();
  // Any thread: waits until no connection is left or the timeout passes; true when none is left.
  bool wait_empty(std::chrono::milliseconds timeout);
  std::size_t size() const;

 private:
  void schedule_sweep(ShardId shard);
  void sweep(ShardId shard);

  runtime::ShardPool& pool_;
  const std::chrono::milliseconds idle_sweep_interval_;
  std::vector<std::unordered_set<ConnectionBase*>> by_shard_;  // each touched by its shard only
  std::vector<char> sweeping_;                                 // likewise
  mutable std::mutex mutex_;  // guards count_ only: taken on connect/disconnect, not per message
  std::condition_variable emptied_;
  std::size_t count_ = 0;
};

}  // namespace parley::transport
