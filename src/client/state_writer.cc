// The state writer thread: waits for a change, lets the window fill, snapshots, writes durably.
#include "client/state_writer.h"

namespace parley::client {

StateWriter::StateWriter(std::string dir, std::chrono::milliseconds delay, Snapshot snapshot)
    : dir_(std::move(dir)),
      delay_(delay),
      snapshot_(std::move(snapshot)),
      thread_([this] { run(); }) {}

StateWriter::~StateWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void StateWriter::changed() {
  std::lock_guard lock(mu_);
  if (dirty_) return;  // the write already due covers this change too
  dirty_ = true;
  dirty_since_ = std::chrono::steady_clock::now();
  cv_.notify_all();
}

std::expected<void, std::string> StateWriter::flush() {
  std::unique_lock lock(mu_);
  const std::uint64_t ticket = ++requested_;
  cv_.notify_all();
  cv_.wait(lock, [&] { return completed_ >= ticket; });
  if (!last_error_.empty()) return std::unexpected(last_error_);
  return {};
}

std::uint64_t StateWriter::writes() const {
  std::lock_guard lock(mu_);
  return writes_;
}

void StateWriter::run() {
  std::unique_lock lock(mu_);
  while (true) {
    cv_.wait(lock, [&] { return stop_ || dirty_ || requested_ > completed_; });
    // A change waits out its window (later changes join it); a flush or the stop does not wait.
    if (dirty_ && requested_ == completed_ && !stop_) {
      cv_.wait_until(lock, dirty_since_ + delay_, [&] { return stop_ || requested_ > completed_; });
    }
    if (!dirty_ && requested_ == completed_) {
      if (stop_) return;
      continue;
    }
    // Tickets handed out so far are covered: the snapshot below is taken after they were.
    const std::uint64_t covered = requested_;
    dirty_ = false;
    lock.unlock();
    std::string error;
    save_state(dir_, snapshot_(), error);
    lock.lock();
    ++writes_;
    last_error_ = std::move(error);
    completed_ = covered;
    cv_.notify_all();
  }
}

}  // namespace parley::client
