// Group commit inside the embedded store: appends that queue while a commit waits share one
// transaction, a batch is bounded, and each completion comes after its commit is in the file.
// (Appends from many threads on the store's own thread: tests/store_conformance.)
#include "store/sqlite/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_test_support.h"

namespace parley::store::sqlite {
namespace {

class GroupCommitTest : public SqliteStoreTest {
 protected:
  // A store whose write context is a queue this test drains by hand.
  void open_with_manual_writes() {
    store_.reset();
    auto opened = SqliteStore::open(
        {.path = path_, .durability_fsync = false, .write_context = [this](StoreTask task) {
           writes_.push_back(std::move(task));
         }});
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }
  // Runs the queued writes (and what they queue) until none is left; returns how many ran.
  int run_writes() {
    int ran = 0;
    while (!writes_.empty()) {
      StoreTask task = std::move(writes_.front());
      writes_.pop_front();
      task();
      ++ran;
    }
    return ran;
  }
  ConversationId direct_conversation() {
    alice_ = user("alice");
    const UserId bob = user("bob");
    auto conversation = store_->find_or_create_direct(alice_, bob, 1);
    EXPECT_TRUE(conversation) << conversation.error().message;
    return conversation ? conversation->id : 0;
  }

  std::deque<StoreTask> writes_;
  UserId alice_ = 0;
};

TEST_F(GroupCommitTest, AppendsQueuedWhileACommitWaitsShareOneTransaction) {
  open_with_manual_writes();
  const ConversationId ab = direct_conversation();
  std::vector<Seq> acked;
  for (int i = 0; i < 3; ++i) {
    store_->submit_append(text(ab, alice_, "m" + std::to_string(i)),
                          [&acked](Result<AppendOutcome> outcome) {
                            ASSERT_TRUE(outcome) << outcome.error().message;
                            acked.push_back(outcome->message.seq);
                          });
  }
  EXPECT_TRUE(acked.empty()) << "answered before anything ran on the write context";
  EXPECT_EQ(run_writes(), 1);  // one flush for the three
  EXPECT_EQ(acked, (std::vector<Seq>{1, 2, 3}));
  const StoreStats stats = store_->stats();
  EXPECT_EQ(stats.batches, 1u);
  EXPECT_EQ(stats.appends, 3u);
  EXPECT_EQ(stats.largest_batch, 3u);
  // The decomposition counts each append's wait once and each batch's two phases once.
  EXPECT_EQ(stats.queued.count, 3u);
  EXPECT_EQ(stats.statements.count, 1u);
  EXPECT_EQ(stats.commit.count, 1u);
}

TEST_F(GroupCommitTest, ABatchNeverHoldsMoreThanTheLimit) {
  open_with_manual_writes();
  const ConversationId ab = direct_conversation();
  constexpr std::size_t kAppends = GroupCommit::kMaxBatch + 5;
  std::vector<Seq> acked;
  for (std::size_t i = 0; i < kAppends; ++i) {
    store_->submit_append(text(ab, alice_, "m" + std::to_string(i)),
                          [&acked](Result<AppendOutcome> outcome) {
                            acked.push_back(outcome ? outcome->message.seq : -1);
                          });
  }
  EXPECT_EQ(run_writes(), 2);
  const StoreStats stats = store_->stats();
  EXPECT_EQ(stats.batches, 2u);
  EXPECT_EQ(stats.appends, kAppends);
  EXPECT_EQ(stats.largest_batch, GroupCommit::kMaxBatch);
  ASSERT_EQ(acked.size(), kAppends);
  for (std::size_t i = 0; i < kAppends; ++i) ASSERT_EQ(acked[i], static_cast<Seq>(i + 1)) << i;
}

TEST_F(GroupCommitTest, AnAppendIsAnsweredOnlyOnceItsCommitIsInTheFile) {
  const ConversationId ab = direct_conversation();
  std::atomic<std::int64_t> rows_seen_at_ack{-1};
  store_->submit_append(text(ab, alice_, "m-1"), [&](Result<AppendOutcome> outcome) {
    ASSERT_TRUE(outcome) << outcome.error().message;
    // A connection of its own, outside the store: it sees only what was committed.
    rows_seen_at_ack = query_int("SELECT COUNT(*) FROM messages WHERE client_msg_id = 'm-1'");
  });
  store_->finish_writes();
  EXPECT_EQ(rows_seen_at_ack.load(), 1);
  store_.reset();  // should finish_writes return early, the answer runs while its state exists
}

}  // namespace
}  // namespace parley::store::sqlite
