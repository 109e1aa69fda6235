// Tracks the live connections of every shard so shutdown can close them all and wait for them,
// and counts the connections not yet authenticated against their caps.
#pragma once

#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "runtime/shard_pool.h"
#include "transport/limits.h"

namespace parley::transport {

class ConnectionBase;
class ConnectionRegistry;

// "1.2.3.4:5" -> "1.2.3.4", "::1:5" -> "::1": the key of the per-address caps.
std::string_view address_of(std::string_view remote_address);

// One connection's place among the unauthenticated ones, from accept until it reaches a
// ConnectionBase (which keeps it as a flag). Move-only; gives the place back when destroyed.
// Any thread.
class UnauthenticatedSlot {
 public:
  UnauthenticatedSlot() = default;
  UnauthenticatedSlot(ConnectionRegistry& registry, std::string address)
      : registry_(&registry), address_(std::move(address)) {}
  UnauthenticatedSlot(UnauthenticatedSlot&& other) noexcept
      : registry_(std::exchange(other.registry_, nullptr)), address_(std::move(other.address_)) {}
  UnauthenticatedSlot& operator=(UnauthenticatedSlot&& other) noexcept;
  ~UnauthenticatedSlot() { release(); }

  bool held() const { return registry_ != nullptr; }
  void release();
  // The new owner accounts for the place from now on (by the same address).
  void hand_over() { registry_ = nullptr; }

 private:
  ConnectionRegistry* registry_ = nullptr;
  std::string address_;
};

// It also runs each shard's sweep: once per `sweep_interval`, every connection of the shard
// checks its time limits (idle, deadline, partial frame, slow consumer). One timer per shard
// instead of one pending timer operation per connection keeps idle connections small
// (docs/benchmarks.md, "Memory per connection").
class ConnectionRegistry {
 public:
  explicit ConnectionRegistry(runtime::ShardPool& pool, std::chrono::milliseconds sweep_interval =
                                                            std::chrono::milliseconds(1'000));

  // Thread contract: add/remove only on the connection's shard thread (or once the shards have
  // stopped).
  void add(ShardId shard, ConnectionBase* connection);
  void remove(ShardId shard, ConnectionBase* connection);

  // Any thread: tells every session the server stops (each says goodbye and closes, on its own
  // shard); connections without a session yet (handshakes) are cut.
  void close_all();
  // Any thread: cuts every connection at once.
  void abort_all();
  // Any thread, before the shards stop: no sweep runs any more (each shard's timer is cancelled
  // on its shard), so the shards can run out of work.
  void stop_sweeps();
  // Any thread: waits until no connection is left or the timeout passes; true when none is left.
  bool wait_empty(std::chrono::milliseconds timeout);
  std::size_t size() const;

  // Unauthenticated connections, any thread. A mutex, not per-shard counts: the caps are global
  // and per address across shards, and it is taken per connection (accept, login, logout,
  // close), never per message.
  // Counts one more from `address` unless a cap is reached; false when refused.
  bool try_add_unauthenticated(std::string_view address, const TransportLimits& limits);
  // Counts one more whatever the caps (a logout: the connection exists already).
  void add_unauthenticated(std::string_view address);
  void remove_unauthenticated(std::string_view address);
  std::size_t unauthenticated() const;

 private:
  void schedule_sweep(ShardId shard);
  void sweep(ShardId shard);
  template <class F>
  void for_each_on_every_shard(F f);

  runtime::ShardPool& pool_;
  const std::chrono::milliseconds sweep_interval_;
  std::vector<std::unordered_set<ConnectionBase*>> by_shard_;  // each touched by its shard only
  // Each shard's sweep timer, made and destroyed on its shard (by stop_sweeps).
  std::vector<std::unique_ptr<boost::asio::steady_timer>> sweep_timers_;
  std::atomic<bool> sweeps_stopped_{false};
  mutable std::mutex mutex_;  // guards count_ only: taken on connect/disconnect, not per message
  std::condition_variable emptied_;
  std::size_t count_ = 0;
  mutable std::mutex unauthenticated_mutex_;
  std::unordered_map<std::string, std::size_t> unauthenticated_by_address_;  // GUARDED_BY above
  std::size_t unauthenticated_ = 0;                                          // GUARDED_BY above
};

}  // namespace parley::transport
