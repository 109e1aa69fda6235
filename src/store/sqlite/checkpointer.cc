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
  // A connection that has never read the file has not opened its WAL, and a checkpoint through
  // it does nothing and says so only by reporting -1 frames: the checkpointer did exactly that
  // until a test measured the WAL's size. One read opens the WAL for the connection's life.
  if (auto read = (*own)->exec("SELECT count(*) FROM sqlite_schema"); !read) {
    return std::unexpected(std::move(read.error()));
  }
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
  const int threshold = checkpointer->threshold_pages_;
  if (wal_pages < threshold) {
    // A WAL this short has started over: what the last background pass copied was of the old one.
    if (checkpointer->backfilled_.load(std::memory_order_relaxed) >= 0) {
      checkpointer->backfilled_.store(-1, std::memory_order_relaxed);
    }
    return SQLITE_OK;
  }
  // A pass is copying: leave it the checkpoint lock (a second checkpoint would only find it
  // busy), unless the WAL has reached the inline limit.
  const bool running = checkpointer->running_.load(std::memory_order_relaxed);
  if (running && wal_pages < 8 * threshold) return SQLITE_OK;
  const int backfilled = checkpointer->backfilled_.load(std::memory_order_relaxed);
  // The WAL starts over from its beginning only at a write transaction that begins when every
  // frame is already copied; a background pass seldom ends in that gap, since the writer commits
  // while it copies. So once a pass has left only a few frames, the writer copies those itself,
  // here, between two of its transactions (cheap: a few pages), and its next commit writes from
  // the start of the file. Without that the WAL ran on to the inline limit below, 8 times the
  // threshold, where SQLite's WAL index (which probes past every earlier frame of a page) makes
  // each commit dearer.
  const bool nearly_copied = !running && backfilled >= 0 && backfilled <= wal_pages &&
                             wal_pages - backfilled <= threshold / 4;
  if (nearly_copied || wal_pages >= 8 * threshold) {
    // Nearly done, or behind: copy here, which lets the checkpoint reach the end of the WAL so
    // that the next commit starts it over from the beginning. Behind, the writer first waits for
    // a pass in progress to end (it holds the checkpoint lock): that keeps the WAL bounded
    // whatever the load, at the price SQLite's own autocheckpoint always pays.
    {
      std::unique_lock lock(checkpointer->mu_);
      checkpointer->done_.wait(lock, [&] { return !checkpointer->running_.load(); });
      checkpointer->writer_copying_ = true;  // no pass starts meanwhile
    }
    (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    checkpointer->backfilled_.store(-1, std::memory_order_relaxed);
    std::lock_guard lock(checkpointer->mu_);
    checkpointer->writer_copying_ = false;
    ++(nearly_copied ? checkpointer->finishing_ : checkpointer->inline_);
    if (checkpointer->wanted_) checkpointer->wake_.notify_one();
    return SQLITE_OK;
  }
  {
    std::lock_guard lock(checkpointer->mu_);
    checkpointer->wanted_ = true;
  }
  checkpointer->wake_.notify_one();
  return SQLITE_OK;
}

// One pass per wake-up: the writer's next commit wakes it again while much is left, or finishes
// the rest itself.
void Checkpointer::run() {
  while (true) {
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return (wanted_ && !writer_copying_) || stopping_; });
      if (stopping_) return;
      wanted_ = false;
      running_.store(true, std::memory_order_relaxed);
    }
    int wal_frames = 0;
    int copied = 0;
    const int rc = sqlite3_wal_checkpoint_v2(own_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                             &wal_frames, &copied);
    if (rc == SQLITE_OK) backfilled_.store(copied, std::memory_order_relaxed);
    std::lock_guard lock(mu_);
    running_.store(false, std::memory_order_relaxed);
    ++background_;
    if (rc == SQLITE_OK && copied > 0) ++copying_;
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

std::uint64_t Checkpointer::copying_checkpoints() const {
  std::lock_guard lock(mu_);
  return copying_;
}

std::uint64_t Checkpointer::finishing_checkpoints() const {
  std::lock_guard lock(mu_);
  return finishing_;
}

bool Checkpointer::wait_for_background_checkpoints(std::uint64_t count,
                                                   std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return done_.wait_for(lock, timeout, [&] { return background_ >= count; });
}

}  // namespace parley::store::sqlite
