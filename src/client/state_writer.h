// Writes state.json off the caller's thread: changes within a short window share one write, and
// flush() makes everything changed before it durable before it returns.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <expected>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "client/state_file.h"

namespace parley::client {

class StateWriter {
 public:
  // Called on the writer thread for each write; returns the state to write. It may lock what
  // the owner holds while it calls changed(), never what it holds while it calls flush().
  using Snapshot = std::function<PersistedState()>;

  StateWriter(std::string dir, std::chrono::milliseconds delay, Snapshot snapshot);
  // Writes what changed since the last write, then stops the writer thread.
  ~StateWriter();
  StateWriter(const StateWriter&) = delete;
  StateWriter& operator=(const StateWriter&) = delete;

  // Any thread, never waits for I/O: the state will be written within `delay`.
  void changed();
  // Any thread: blocks until a write whose snapshot was taken after this call is durable; its
  // error, if it failed.
  std::expected<void, std::string> flush();
  // Writes done so far (tests and diagnostics). Any thread.
  std::uint64_t writes() const;

 private:
  void run();

  const std::string dir_;
  const std::chrono::milliseconds delay_;
  const Snapshot snapshot_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;                                  // GUARDED_BY(mu_)
  bool dirty_ = false;                                 // GUARDED_BY(mu_)
  std::chrono::steady_clock::time_point dirty_since_;  // GUARDED_BY(mu_)
  std::uint64_t requested_ = 0;                        // GUARDED_BY(mu_): flush tickets handed out
  std::uint64_t completed_ = 0;  // GUARDED_BY(mu_): tickets covered by a write
  std::uint64_t writes_ = 0;     // GUARDED_BY(mu_)
  std::string last_error_;       // GUARDED_BY(mu_): of the latest write; "" = ok
  std::thread thread_;           // last: starts after everything above exists
};

}  // namespace parley::client
