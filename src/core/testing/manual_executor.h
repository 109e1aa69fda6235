// A deterministic Executor for core unit tests: every shard, the writer and the blocking pool are
// queues that the test drains by hand on its own thread, so a race between them is replayed in
// exactly the order the test chooses. Time is a manual clock moved by advance().
#pragma once

#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "core/executor.h"

namespace parley::testing {

class ManualExecutor final : public Executor {
 public:
  explicit ManualExecutor(ShardId shards = 2) : shards_(shards == 0 ? 1 : shards) {}

  ShardId shard_count() const override { return static_cast<ShardId>(shards_.size()); }
  std::optional<ShardId> current_shard() const override { return current_; }
  void post(ShardId shard, Task task) override {
    shards_[shard % shards_.size()].push_back(std::move(task));
  }
  void post_writer(Task task) override { writer_.push_back(std::move(task)); }
  void post_blocking(Task task) override { blocking_.push_back(std::move(task)); }
  void post_hashing(Task task) override { hashing_.push_back(std::move(task)); }
  void post_after(ShardId shard, TimeMs delay_ms, Task task) override {
    timers_.emplace(now_ + delay_ms, Timer{shard % shard_count(), std::move(task)});
  }
  TimeMs now() const override { return now_; }

  // Runs `fn` as if on `shard`'s thread (core's entry points must be called on a shard).
  template <class F>
  void on_shard(ShardId shard, F&& fn) {
    const auto saved = current_;
    current_ = shard;
    fn();
    current_ = saved;
  }

  // Each runs one queued task; false when that queue was empty.
  bool run_shard_one(ShardId shard) {
    auto& queue = shards_[shard];
    if (queue.empty()) return false;
    Task task = std::move(queue.front());
    queue.pop_front();
    on_shard(shard, task);
    return true;
  }
  bool run_writer_one() { return run_one(writer_); }
  bool run_blocking_one() { return run_one(blocking_); }
  bool run_hashing_one() { return run_one(hashing_); }
  // Runs the i-th queued hashing task out of turn (two logins racing on a bigger pool).
  bool run_hashing_at(std::size_t i) {
    if (i >= hashing_.size()) return false;
    Task task = std::move(hashing_[i]);
    hashing_.erase(hashing_.begin() + static_cast<std::ptrdiff_t>(i));
    const auto saved = current_;
    current_.reset();
    task();
    current_ = saved;
    return true;
  }

  // Drains the shards only (writer, blocking and hashing work stays queued).
  std::size_t run_shards() {
    std::size_t ran = 0;
    bool any = true;
    while (any) {
      any = false;
      for (ShardId s = 0; s < shard_count(); ++s) {
        while (run_shard_one(s)) {
          ++ran;
          any = true;
        }
      }
    }
    return ran;
  }
  // Drains the shards and the writer, leaving blocking and hashing work queued.
  void run_without_blocking() {
    while (run_shards() > 0 || run_writer_one()) {
    }
  }
  // Drains every queue (not the timers) until nothing is left to run.
  void run_until_idle() {
    while (run_shards() > 0 || run_writer_one() || run_blocking_one() || run_hashing_one()) {
    }
  }
  // Moves the clock, fires the timers that came due (in due order), then runs until idle.
  void advance(TimeMs ms) {
    now_ += ms;
    run_until_idle();
    while (!timers_.empty() && timers_.begin()->first <= now_) {
      auto node = timers_.extract(timers_.begin());
      Timer& timer = node.mapped();
      post(timer.shard, std::move(timer.task));
      run_until_idle();
    }
  }

  // Moves the clock and queues the timers that came due on their shards, running nothing.
  void fire_timers(TimeMs ms) {
    now_ += ms;
    while (!timers_.empty() && timers_.begin()->first <= now_) {
      auto node = timers_.extract(timers_.begin());
      post(node.mapped().shard, std::move(node.mapped().task));
    }
  }

  std::size_t blocking_queued() const { return blocking_.size(); }
  std::size_t writer_queued() const { return writer_.size(); }
  std::size_t hashing_queued() const { return hashing_.size(); }

 private:
  struct Timer {
    ShardId shard = 0;
    Task task;
  };
  bool run_one(std::deque<Task>& queue) {
    if (queue.empty()) return false;
    Task task = std::move(queue.front());
    queue.pop_front();
    const auto saved = current_;
    current_.reset();  // writer, blocking and hashing threads are not shards
    task();
    current_ = saved;
    return true;
  }

  std::vector<std::deque<Task>> shards_;
  std::deque<Task> writer_;
  std::deque<Task> blocking_;
  std::deque<Task> hashing_;
  std::multimap<TimeMs, Timer> timers_;
  std::optional<ShardId> current_;
  TimeMs now_ = 1'000'000;
};

}  // namespace parley::testing
