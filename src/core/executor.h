// How core runs work on threads without knowing about io_contexts (implemented by runtime/).
#pragma once

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
  // The shard whose thread is calling, or nullopt off the shards (writer, blocking pool, main).
  virtual std::optional<ShardId> current_shard() const = 0;
  // Runs task on the shard's thread, in post order per (caller thread, shard). Must not block.
  virtual void post(ShardId shard, Task task) = 0;
  // Runs task on the single store writer thread, in post order.
  virtual void post_writer(Task task) = 0;
  // Runs task on the blocking pool (store reads).
  virtual void post_blocking(Task task) = 0;
  // Runs task on the password-hashing pool: argon2id takes tens of milliseconds and 64 MiB, so it
  // has threads of its own and never holds up store reads (history, resume) behind it.
  virtual void post_hashing(Task task) = 0;
  // Runs task on the shard's thread after `delay_ms` (coalescing windows, not timeouts of I/O).
  virtual void post_after(ShardId shard, TimeMs delay_ms, Task task) = 0;
  virtual TimeMs now() const { return wall_clock_ms(); }
};

}  // namespace parley
