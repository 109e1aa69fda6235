#include "runtime/shard_pool.h"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdio>
#include <cstdlib>

namespace parley::runtime {
namespace {

// Which shard the current thread runs, so core can take the local fast path.
thread_local std::optional<ShardId> t_current_shard;

// Asio handlers must be copy-constructible in some paths; wrap the move-only task.
struct TaskHandler {
  std::shared_ptr<Task> task;
  void operator()() const { (*task)(); }
};

}  // namespace

ShardPool::ShardPool(ShardId shards, std::size_t blocking_threads, std::size_t hashing_threads)
    : blocking_threads_(blocking_threads == 0 ? 1 : blocking_threads) {
  if (shards == 0) shards = 1;
  for (ShardId i = 0; i < shards; ++i) {
    auto shard = std::make_unique<Shard>();
    shard->io = std::make_unique<boost::asio::io_context>(1);
    shards_.push_back(std::move(shard));
  }
  blocking_ = std::make_unique<boost::asio::thread_pool>(blocking_threads_);
  hashing_ = std::make_unique<boost::asio::thread_pool>(hashing_threads == 0 ? 1 : hashing_threads);
}

ShardPool::~ShardPool() { stop(); }

void ShardPool::start() {
  if (started_) return;
  started_ = true;
  shards_drained_ = 0;
  for (ShardId i = 0; i < shards_.size(); ++i) {
    Shard& shard = *shards_[i];
    shard.guard.emplace(shard.io->get_executor());
    shard.thread = std::thread([this, i] {
      t_current_shard = i;
      shards_[i]->io->run();
      t_current_shard.reset();
      std::lock_guard lock(drained_mutex_);
      ++shards_drained_;
      drained_.notify_all();
    });
  }
}

void ShardPool::stop(std::chrono::milliseconds drain) {
  if (!started_) return;
  started_ = false;
  // Shards first (they stop producing blocking work), then the pools drain what they queued.
  // Without their work guards a shard's run() returns once nothing is queued or pending; what
  // is still pending at the deadline (a timer far off) is dropped.
  for (auto& shard : shards_) shard->guard.reset();
  {
    std::unique_lock lock(drained_mutex_);
    drained_.wait_for(lock, drain, [this] { return shards_drained_ == shards_.size(); });
  }
  for (auto& shard : shards_) {
    shard->io->stop();
    if (shard->thread.joinable()) shard->thread.join();
  }
  blocking_->join();
  hashing_->join();
}

boost::asio::io_context& ShardPool::local_io() {
  if (!t_current_shard) {
    std::fputs("parleyd: ShardPool::local_io called off the shard threads\n", stderr);
    std::abort();
  }
  return *shards_[*t_current_shard]->io;
}

ShardId ShardPool::next_shard_for_connection() {
  return next_connection_shard_.fetch_add(1, std::memory_order_relaxed) % shard_count();
}

std::optional<ShardId> ShardPool::current_shard() const { return t_current_shard; }

void ShardPool::post(ShardId shard, Task task) {
  // The fast path of STYLE's post(shard, f): already there, so no queueing and no allocation.
  if (t_current_shard == shard % shards_.size()) return task();
  defer(shard, std::move(task));
}

void ShardPool::defer(ShardId shard, Task task) {
  boost::asio::post(*shards_[shard % shards_.size()]->io,
                    TaskHandler{std::make_shared<Task>(std::move(task))});
}

boost::asio::any_io_executor ShardPool::shard_executor(ShardId shard) {
  return shards_[shard % shards_.size()]->io->get_executor();
}
boost::asio::any_io_executor ShardPool::blocking_executor() { return blocking_->get_executor(); }
boost::asio::any_io_executor ShardPool::hashing_executor() { return hashing_->get_executor(); }

void ShardPool::post_blocking(Task task) {
  boost::asio::post(*blocking_, TaskHandler{std::make_shared<Task>(std::move(task))});
}

void ShardPool::post_hashing(Task task) {
  boost::asio::post(*hashing_, TaskHandler{std::make_shared<Task>(std::move(task))});
}

void ShardPool::post_after(ShardId shard, TimeMs delay_ms, Task task) {
  auto& io = *shards_[shard % shards_.size()]->io;
  auto timer = std::make_shared<boost::asio::steady_timer>(io, std::chrono::milliseconds(delay_ms));
  timer->async_wait(
      [timer, task = std::make_shared<Task>(std::move(task))](const boost::system::error_code& ec) {
        if (!ec) (*task)();
      });
}

}  // namespace parley::runtime
