// Store conformance: the write context a backend owns. Appends submitted from many threads are
// each answered once, on the backend's thread, with gap-free seqs and duplicates recognised;
// posted writes run one at a time; finish_writes() returns only once all of it is done (what
// the server's shutdown relies on to drop nothing it accepted).
#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store_conformance/store_fixture.h"

namespace parley::store {
namespace {

TEST_P(StoreConformance, AppendsSubmittedFromManyThreadsAreEachAnsweredOnceWithoutAGap) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  const ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  constexpr int kThreads = 2;
  constexpr int kPerThread = 400;
  std::mutex mu;
  std::set<Seq> seqs_acked;
  int duplicates = 0;
  std::atomic<int> answered{0};
  std::atomic<bool> answered_on_caller{false};
  // The write context is held until the test calls finish_writes, so everything is still to do
  // when it is called.
  std::atomic<bool> finishing{false};
  store_->post_write([&finishing] { finishing.wait(false); });
  std::vector<std::thread> senders;
  for (int t = 0; t < kThreads; ++t) {
    senders.emplace_back([&, t] {
      const auto caller = std::this_thread::get_id();
      for (int i = 0; i < kPerThread; ++i) {
        // Every id twice: the second is a resend, answered with the first one's seq.
        const std::string id = std::to_string(t) + "-" + std::to_string(i / 2);
        store_->submit_append(text(ab, t == 0 ? alice : bob, id),
                              [&, caller](Result<AppendOutcome> outcome) {
                                if (std::this_thread::get_id() == caller) answered_on_caller = true;
                                if (outcome) {
                                  std::lock_guard lock(mu);
                                  seqs_acked.insert(outcome->message.seq);
                                  if (outcome->duplicate) ++duplicates;
                                }
                                answered.fetch_add(1);
                              });
      }
    });
  }
  for (auto& sender : senders) sender.join();
  EXPECT_EQ(answered.load(), 0);
  finishing = true;
  finishing.notify_one();
  store_->finish_writes();  // no clock: it returns once every submitted append is answered
  EXPECT_EQ(answered.load(), kThreads * kPerThread);
  EXPECT_FALSE(answered_on_caller.load()) << "answers come from the backend's own thread";
  constexpr int kStored = kThreads * kPerThread / 2;
  EXPECT_EQ(store_->conversation(ab)->last_seq, kStored);
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(duplicates, kThreads * kPerThread / 2);
    EXPECT_EQ(seqs_acked.size(), std::size_t{kStored});
    if (!seqs_acked.empty()) {
      EXPECT_EQ(*seqs_acked.begin(), 1);
      EXPECT_EQ(*seqs_acked.rbegin(), kStored);
    }
  }
  store_.reset();  // should finish_writes return early, what is left runs while its state exists
}

TEST_P(StoreConformance, PostedWritesRunOneAtATimeAndFinishWritesWaitsForThem) {
  constexpr int kThreads = 2;
  constexpr int kPerThread = 2000;
  std::atomic<int> running{0};
  std::atomic<bool> overlapped{false};
  int count = 0;  // touched only inside the tasks: one at a time, so no lock
  std::atomic<bool> finishing{false};
  store_->post_write([&finishing] { finishing.wait(false); });
  std::vector<std::thread> posters;
  for (int t = 0; t < kThreads; ++t) {
    posters.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        store_->post_write([&] {
          if (running.fetch_add(1) != 0) overlapped = true;
          ++count;
          running.fetch_sub(1);
        });
      }
    });
  }
  for (auto& poster : posters) poster.join();
  finishing = true;
  finishing.notify_one();
  store_->finish_writes();
  EXPECT_FALSE(overlapped.load());
  EXPECT_EQ(count, kThreads * kPerThread);
  store_.reset();  // should finish_writes return early, what is left runs while its state exists
}

}  // namespace
}  // namespace parley::store
