// How layers run work on threads without knowing about thread pools (implemented by runtime/):
// one thread per shard, plus pools for blocking store reads and password hashing (DESIGN §3).
// Store writes run on the store backend's own threads (core/store.h).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <functional>
#include <optional>

#include "common/clock.h"

namespace parley {

using ShardId = std::uint32_t;
using Task = std::move_only_function<void()>;

class Executor {
 public:
  virtual ~Executor() = default;

  // Thread contract: every method may be called from any thread.
  virtual ShardId shard_count() const = 0;
  // The shard whose thread is calling, or nullopt off the shards (pools, store threads, main).
  virtual std::optional<ShardId> current_shard() const = 0;
  // Fire and forget: runs `task` on the shard's thread; inline, before returning, when the caller
  // is already on that shard (so callers must not hold iterators into state the task changes).
  // Otherwise queued, in post order per (caller thread, shard). Must not block.
  virtual void post(ShardId shard, Task task) = 0;
  // Always queued, even from the shard itself: for work that must run after the caller returns.
  virtual void defer(ShardId shard, Task task) = 0;
  // Runs task on the blocking pool (store reads).
  virtual void post_blocking(Task task) = 0;
  // Runs task on the password-hashing pool: argon2id takes tens of milliseconds and 64 MiB, so it
  // has threads of its own and never holds up store reads (history, resume) behind it.
  virtual void post_hashing(Task task) = 0;
  // Runs task on the shard's thread after `delay_ms` (coalescing windows, sweeps).
  virtual void post_after(ShardId shard, TimeMs delay_ms, Task task) = 0;
  virtual TimeMs now() const { return wall_clock_ms(); }

  // The Asio executors behind the shards and pools, for coroutines (common/flow.h).
  virtual boost::asio::any_io_executor shard_executor(ShardId shard) = 0;
  virtual boost::asio::any_io_executor blocking_executor() = 0;
  virtual boost::asio::any_io_executor hashing_executor() = 0;
};

}  // namespace parley
