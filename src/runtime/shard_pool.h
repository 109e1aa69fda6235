// The shared-nothing threading of DESIGN §3: one io_context and thread per shard, and small pools
// for blocking store reads and password hashing. Implements core's Executor. (Store writes run
// on the store backend's own thread.)
#pragma once

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/executor.h"

namespace parley::runtime {

class ShardPool final : public Executor {
 public:
  // Thread contract: construct, start and stop from one controlling thread (main).
  ShardPool(ShardId shards, std::size_t blocking_threads, std::size_t hashing_threads = 1);
  ~ShardPool() override;

  // Starts one thread per shard plus the blocking and hashing threads.
  void start();
  // Lets queued work finish: each shard runs until it has nothing left to do or `drain` has
  // passed (then what is left is dropped, e.g. timers far in the future), then the blocking and
  // hashing threads finish what was queued for them. Joins every thread.
  // Handlers still queued are destroyed with the pool. Idempotent.
  void stop(std::chrono::milliseconds drain = std::chrono::milliseconds(2'000));

  boost::asio::io_context& io(ShardId shard) { return *shards_[shard]->io; }
  // The calling shard's io_context. Only on a shard thread: anywhere else is a bug, and aborts
  // (a silent fallback to shard 0 would race with shard 0's own thread).
  boost::asio::io_context& local_io();
  // Round-robin shard for a new connection. Any thread.
  ShardId next_shard_for_connection();

  ShardId shard_count() const override { return static_cast<ShardId>(shards_.size()); }
  // nullopt off the shard threads; callers must not default it to some shard.
  std::optional<ShardId> current_shard() const override;
  void post(ShardId shard, Task task) override;
  void defer(ShardId shard, Task task) override;
  void post_blocking(Task task) override;
  void post_hashing(Task task) override;
  void post_after(ShardId shard, TimeMs delay_ms, Task task) override;
  boost::asio::any_io_executor shard_executor(ShardId shard) override;
  boost::asio::any_io_executor blocking_executor() override;
  boost::asio::any_io_executor hashing_executor() override;

 private:
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  struct Shard {
    std::unique_ptr<boost::asio::io_context> io;
    std::optional<WorkGuard> guard;
    std::thread thread;
  };

  std::vector<std::unique_ptr<Shard>> shards_;
  std::size_t blocking_threads_;
  std::unique_ptr<boost::asio::thread_pool> blocking_;
  std::unique_ptr<boost::asio::thread_pool> hashing_;
  std::atomic<ShardId> next_connection_shard_{0};
  std::mutex drained_mutex_;
  std::condition_variable drained_;
  std::size_t shards_drained_ = 0;  // GUARDED_BY(drained_mutex_): shards whose run() returned
  bool started_ = false;
};

}  // namespace parley::runtime
