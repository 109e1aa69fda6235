#include "store/sqlite/group_commit.h"

#include <iterator>
#include <utility>

namespace parley::store::sqlite {

GroupCommit::GroupCommit(Post post, Commit commit)
    : post_(std::move(post)), commit_(std::move(commit)) {}

void GroupCommit::submit(AppendRequest request, AppendDone done) {
  const auto submitted = std::chrono::steady_clock::now();  // read before the lock, not under it
  bool post_flush = false;
  {
    std::lock_guard lock(mu_);
    pending_.push_back({std::move(request), std::move(done), submitted});
    // One flush queued at a time: appends that arrive while it waits join it, so a submit costs
    // a lock and a push, not a task of its own.
    post_flush = !std::exchange(flush_posted_, true);
  }
  if (post_flush) post_([this] { flush(); });
}

void GroupCommit::flush() {
  std::vector<Pending> batch;
  bool more = false;
  {
    std::lock_guard lock(mu_);
    if (pending_.size() <= kMaxBatch) {
      batch.swap(pending_);
      flush_posted_ = false;
    } else {
      auto split = pending_.begin() + kMaxBatch;
      batch.assign(std::make_move_iterator(pending_.begin()), std::make_move_iterator(split));
      pending_.erase(pending_.begin(), split);
      more = true;  // flush_posted_ stays set: the next flush is posted below
    }
  }
  if (more) post_([this] { flush(); });
  if (batch.empty()) return;

  const auto started = std::chrono::steady_clock::now();
  std::vector<AppendRequest> requests;
  requests.reserve(batch.size());
  for (auto& pending : batch) {
    queued_.record(static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(started - pending.submitted)
            .count()));
    requests.push_back(std::move(pending.request));
  }
  std::vector<Result<AppendOutcome>> outcomes = commit_(requests);

  batches_.fetch_add(1, std::memory_order_relaxed);
  appends_.fetch_add(batch.size(), std::memory_order_relaxed);
  if (batch.size() > largest_batch_.load(std::memory_order_relaxed)) {
    largest_batch_.store(batch.size(), std::memory_order_relaxed);  // written on one thread only
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    batch[i].done(i < outcomes.size()
                      ? std::move(outcomes[i])
                      : Result<AppendOutcome>(fail(Errc::internal, "store lost a result")));
  }
}

GroupCommit::Stats GroupCommit::stats() const {
  return {batches_.load(std::memory_order_relaxed), appends_.load(std::memory_order_relaxed),
          largest_batch_.load(std::memory_order_relaxed), queued_.summary()};
}

}  // namespace parley::store::sqlite
