// Moves the WAL's pages into the database file on its own thread and connection, so that no
// commit waits for a checkpoint. SQLite's own autocheckpoint runs it inside the COMMIT that
// crosses its threshold: with fsync on, one append in every ~1,000 WAL pages waited for the
// copy and the database file's fsync.
//
// Thread: made and destroyed on any one thread, before and after the writer is used; the hook
// runs on the writer's thread, the checkpoints on the checkpointer's own.
#pragma once

#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/errors.h"

namespace parley::store::sqlite {

class Connection;

class Checkpointer {
 public:
  // Hooks into `writer`'s commits: past `threshold_pages` in the WAL the checkpointer copies what
  // it can (PASSIVE: it never blocks the writer or a reader). Once a pass has left at most
  // threshold_pages / 8 frames, the writer copies those itself at its next commit, so that the
  // WAL starts over. Should the thread fall behind until the WAL holds 8 × threshold_pages, the
  // writer checkpoints inline, as SQLite would have, so the WAL stays bounded whatever the load.
  // `writer` must outlive the checkpointer.
  static Result<std::unique_ptr<Checkpointer>> start(const std::string& path, Connection& writer,
                                                     int threshold_pages);
  // Unhooks the writer and joins the thread. Call before the writer is closed.
  ~Checkpointer();
  Checkpointer(const Checkpointer&) = delete;
  Checkpointer& operator=(const Checkpointer&) = delete;

  // Checkpoints run so far: by the thread, and inline by the writer. Any thread.
  std::uint64_t background_checkpoints() const;
  std::uint64_t inline_checkpoints() const;
  // The writer's copies of the last few frames a background pass left (see start()).
  std::uint64_t finishing_checkpoints() const;
  // Background checkpoints that copied at least one frame.
  std::uint64_t copying_checkpoints() const;
  // Blocks until `count` background checkpoints have run, or `timeout` passed: false (tests).
  // Any thread.
  bool wait_for_background_checkpoints(std::uint64_t count, std::chrono::milliseconds timeout);

 private:
  Checkpointer(Connection& writer, std::unique_ptr<Connection> own, int threshold_pages);
  static int on_commit(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run();

  Connection& writer_;
  std::unique_ptr<Connection> own_;  // the checkpointer thread's only
  const int threshold_pages_;
  mutable std::mutex mu_;
  std::condition_variable wake_;  // work wanted, or stopping
  std::condition_variable done_;  // a background checkpoint finished (running_ went false)
  bool wanted_ = false;           // GUARDED_BY(mu_)
  bool stopping_ = false;         // GUARDED_BY(mu_)
  std::uint64_t background_ = 0;  // GUARDED_BY(mu_)
  std::uint64_t inline_ = 0;      // GUARDED_BY(mu_)
  std::uint64_t finishing_ = 0;   // GUARDED_BY(mu_)
  std::uint64_t copying_ = 0;     // GUARDED_BY(mu_)
  bool writer_copying_ = false;   // GUARDED_BY(mu_): the writer checkpoints; no pass starts
  // Frames of the current WAL the last background pass had copied; -1: none, or of an older WAL.
  std::atomic<int> backfilled_{-1};
  std::atomic<bool> running_{false};  // a background pass is copying
  std::thread thread_;
};

}  // namespace parley::store::sqlite
