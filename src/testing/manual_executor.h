// A deterministic Executor for core unit tests: every shard, the pools and the store's write
// context (SqliteOptions::write_context = post_store_write) are queues that the test drains by
// hand on its own thread, one task at a time, so a race between them is replayed in exactly the
// order the test chooses. Coroutine flows (common/flow.h) run on them
// too, through an Asio executor over each queue. Time is a manual clock moved by advance().
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/execution_context.hpp>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "common/executor.h"

namespace parley::testing {

class ManualExecutor final : public Executor {
 public:
  explicit ManualExecutor(ShardId shards = 2) {
    for (ShardId i = 0; i < (shards == 0 ? 1 : shards); ++i) {
      shards_.push_back(std::make_unique<Queue>());
    }
  }

  ShardId shard_count() const override { return static_cast<ShardId>(shards_.size()); }
  std::optional<ShardId> current_shard() const override { return current_; }
  void post(ShardId shard, Task task) override {
    if (current_ == shard) return task();
    defer(shard, std::move(task));
  }
  void defer(ShardId shard, Task task) override {
    shards_[shard % shards_.size()]->add(std::move(task));
  }
  void post_blocking(Task task) override { blocking_.add(std::move(task)); }
  void post_hashing(Task task) override { hashing_.add(std::move(task)); }
  void post_after(ShardId shard, TimeMs delay_ms, Task task) override {
    timers_.emplace(now_ + delay_ms, Timer{shard % shard_count(), std::move(task)});
  }
  TimeMs now() const override { return now_; }
  boost::asio::any_io_executor shard_executor(ShardId shard) override {
    return boost::asio::any_io_executor{QueueExecutor(shards_[shard % shards_.size()].get())};
  }
  boost::asio::any_io_executor blocking_executor() override {
    return boost::asio::any_io_executor{QueueExecutor(&blocking_)};
  }
  boost::asio::any_io_executor hashing_executor() override {
    return boost::asio::any_io_executor{QueueExecutor(&hashing_)};
  }
  // Not part of Executor: the store's write context in tests (the store owns it in the server).
  void post_store_write(Task task) { writer_.add(std::move(task)); }

  // Runs `fn` as if on `shard`'s thread (core's entry points must be called on a shard).
  template <class F>
  void on_shard(ShardId shard, F&& fn) {
    const auto saved = current_;
    current_ = shard;
    fn();
    current_ = saved;
  }

  // Each runs one queued handler; false when that queue was empty.
  bool run_shard_one(ShardId shard) {
    const auto saved = current_;
    current_ = shard;
    const bool ran = shards_[shard]->run_one();
    current_ = saved;
    return ran;
  }
  bool run_writer_one() { return off_shard(writer_); }
  bool run_blocking_one() { return off_shard(blocking_); }
  bool run_hashing_one() { return off_shard(hashing_); }
  // Runs the i-th queued hashing task out of turn (two logins racing on a bigger pool).
  bool run_hashing_at(std::size_t i) {
    if (!hashing_.move_to_front(i)) return false;
    return run_hashing_one();
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
      defer(node.mapped().shard, std::move(node.mapped().task));
      run_until_idle();
    }
  }
  // Moves the clock and queues the timers that came due on their shards, running nothing.
  void fire_timers(TimeMs ms) {
    now_ += ms;
    while (!timers_.empty() && timers_.begin()->first <= now_) {
      auto node = timers_.extract(timers_.begin());
      defer(node.mapped().shard, std::move(node.mapped().task));
    }
  }

  std::size_t blocking_queued() const { return blocking_.size(); }
  std::size_t writer_queued() const { return writer_.size(); }
  std::size_t hashing_queued() const { return hashing_.size(); }

 private:
  // One thread's queue: plain tasks and Asio handlers (coroutine steps) in one FIFO that the test
  // drains by hand. QueueExecutor turns every Asio handler into a task of this queue.
  struct Queue {
    boost::asio::execution_context context;
    std::deque<Task> tasks;
    void add(Task task) { tasks.push_back(std::move(task)); }
    bool run_one() {
      if (tasks.empty()) return false;
      Task task = std::move(tasks.front());
      tasks.pop_front();
      task();
      return true;
    }
    std::size_t size() const { return tasks.size(); }
    bool move_to_front(std::size_t i) {
      if (i >= tasks.size()) return false;
      Task task = std::move(tasks[i]);
      tasks.erase(tasks.begin() + static_cast<std::ptrdiff_t>(i));
      tasks.push_front(std::move(task));
      return true;
    }
  };
  // An Asio executor over a Queue: never blocking, never inline.
  class QueueExecutor {
   public:
    explicit QueueExecutor(Queue* queue) : queue_(queue) {}
    template <class F>
    void execute(F f) const {
      queue_->add(Task(std::move(f)));
    }
    boost::asio::execution_context& query(boost::asio::execution::context_t) const noexcept {
      return queue_->context;
    }
    static constexpr boost::asio::execution::blocking_t query(
        boost::asio::execution::blocking_t) noexcept {
      return boost::asio::execution::blocking.never;
    }
    QueueExecutor require(boost::asio::execution::blocking_t::never_t) const { return *this; }
    friend bool operator==(const QueueExecutor& a, const QueueExecutor& b) noexcept {
      return a.queue_ == b.queue_;
    }
    friend bool operator!=(const QueueExecutor& a, const QueueExecutor& b) noexcept {
      return a.queue_ != b.queue_;
    }

   private:
    Queue* queue_;
  };
  struct Timer {
    ShardId shard = 0;
    Task task;
  };
  bool off_shard(Queue& queue) {
    const auto saved = current_;
    current_.reset();  // writer, blocking and hashing threads are not shards
    const bool ran = queue.run_one();
    current_ = saved;
    return ran;
  }

  std::vector<std::unique_ptr<Queue>> shards_;
  Queue writer_;
  Queue blocking_;
  Queue hashing_;
  std::multimap<TimeMs, Timer> timers_;
  std::optional<ShardId> current_;
  TimeMs now_ = 1'000'000;
};

}  // namespace parley::testing
