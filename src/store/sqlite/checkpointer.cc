// The WAL checkpointer (see checkpointer.h).
#include "store/sqlite/checkpointer.h"

#include <utility>

#include "store/sqlite/connection.h"

namespace parley::store::sqlite {

Result<std::unique_ptr<Checkpointer>> Checkpointer::start(const std::string& path,
                                                          Connection& writer, int threshold_pages) {
  // A busy timeout of 0: a PASSIVE checkpoint that finds the file busy just tries again later.
  auto own = Connection::open(path, SQLITE_OPEN_READWRITE, /*busy_timeout_ms=*/0);
  if (!own) return std::unexpected(std::move(own.error()));
  std::unique_ptr<Checkpointer> checkpointer(
      new Checkpointer(writer, std::move(*own), threshold_pages));
  // Replaces the autocheckpoint hook (sqlite3_wal_autocheckpoint is itself a wal_hook).
  sqlite3_wal_hook(writer.handle(), &Checkpointer::on_commit, checkpointer.get());
  return checkpointer;
}

Checkpointer::Checkpointer(Connection& writer, std::unique_ptr<Connection> own, int threshold_pages)
    : writer_(writer),
      own_(std::move(own)),
      threshold_pages_(threshold_pages),
      thread_([this] { run(); }) {}

Checkpointer::~Checkpointer() {
  sqlite3_wal_hook(writer_.handle(), nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

int Checkpointer::on_commit(void* self, sqlite3* db, const char* schema, int wal_pages) {
  auto* checkpointer = static_cast<Checkpointer*>(self);
  if (wal_pages < checkpointer->threshold_pages_) return SQLITE_OK;
  if (wal_pages >= 8 * checkpointer->threshold_pages_) {
    // Behind: copy here, between two of the writer's transactions, which lets the checkpoint
    // reach the end of the WAL so that the next commit starts it over from the beginning.
    (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    std::lock_guard lock(checkpointer->mu_);
    ++checkpointer->inline_;
    return SQLITE_OK;
  }
  {
    std::lock_guard lock(checkpointer->mu_);
    checkpointer->wanted_ = true;
  }
  checkpointer->wake_.notify_one();
  return SQLITE_OK;
}

void Checkpointer::run() {
  int copied_before = -1;
  while (true) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return wanted_ || stopping_; });
      if (stopping_) return;
      wanted_ = false;
    }
    int wal_frames = 0;
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(own_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                             &wal_frames, &copied);
    std::lock_guard lock(mu_);
    ++background_;
    // Not all copied because the writer kept appending: go again while that makes progress, so
    // a steady load does not leave the WAL growing until the writer has to checkpoint inline. A
    // reader holding an old snapshot stops the progress; then the next commit wakes us, and the
    // thread never spins.
    if (rc == SQLITE_OK && copied < wal_frames && copied > copied_before) {
      wanted_ = true;
      copied_before = copied;
    } else {
      copied_before = -1;
    }
    done_.notify_all();
  }
}

std::uint64_t Checkpointer::background_checkpoints() const {
  std::lock_guard lock(mu_);
  return background_;
}

std::uint64_t Checkpointer::inline_checkpoints() const {
  std::lock_guard lock(mu_);
  return inline_;
}

bool Checkpointer::wait_for_background_checkpoints(std::uint64_t count,
                                                   std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return done_.wait_for(lock, timeout, [&] { return background_ >= count; });
}

}  // namespace parley::store::sqlite
