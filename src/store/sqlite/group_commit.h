// Group commit for the embedded store: appends submitted from any thread wait in one queue, and
// each commit on the write context takes everything that queued while the one before it ran, so
// the batch (one transaction, one fsync) grows with the load. LevelDB's BuildBatchGroup does the
// same inside its engine; the batching belongs to the backend that profits from it (STYLE).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

#include "core/store.h"
#include "store/sqlite/latency_histogram.h"

namespace parley::store::sqlite {

class GroupCommit {
 public:
  // Where commits run: the store's write context (WriteThread::post, or a test's queue).
  using Post = std::function<void(StoreTask)>;
  // One transaction for the whole batch; outcomes[i] answers requests[i].
  using Commit = std::function<std::vector<Result<AppendOutcome>>(std::span<const AppendRequest>)>;

  // The most appends one transaction takes; the rest go in the next.
  static constexpr std::size_t kMaxBatch = 4096;

  GroupCommit(Post post, Commit commit);

  // Any thread. `done` runs on the write context once the batch holding the request has
  // committed (durable) or failed. Appends commit in the order they were submitted; tasks posted
  // to the write context meanwhile may run between two batches.
  void submit(AppendRequest request, AppendDone done);

  struct Stats {
    std::uint64_t batches = 0;        // transactions committed (or failed)
    std::uint64_t appends = 0;        // requests they held
    std::uint64_t largest_batch = 0;  // requests in the largest one
    LatencySummary queued;            // per append: submitted until its batch started
  };
  // Any thread; each figure is exact, together they are not one snapshot.
  Stats stats() const;

 private:
  struct Pending {
    AppendRequest request;
    AppendDone done;
    std::chrono::steady_clock::time_point submitted;
  };
  // On the write context: commits one batch and answers each request of it.
  void flush();

  const Post post_;
  const Commit commit_;
  std::mutex mu_;
  std::vector<Pending> pending_;  // GUARDED_BY(mu_)
  bool flush_posted_ = false;     // GUARDED_BY(mu_): a flush is queued on the write context
  std::atomic<std::uint64_t> batches_{0};
  std::atomic<std::uint64_t> appends_{0};
  std::atomic<std::uint64_t> largest_batch_{0};
  LatencyHistogram queued_;  // recorded by flush, on the write context
};

}  // namespace parley::store::sqlite
