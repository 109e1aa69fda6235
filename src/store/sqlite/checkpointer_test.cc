// The WAL checkpointer: commits past the threshold are copied into the database file by its own
// thread, the WAL stays small under a stream of commits, and nothing committed is lost.
#include "store/sqlite/checkpointer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_test_support.h"

namespace parley::store::sqlite {
namespace {

using namespace std::chrono_literals;

// The store again, with checkpoints past `threshold_pages`, and a direct conversation to append to.
class CheckpointerTest : public SqliteStoreTest {
 protected:
  void reopen_with_threshold(int threshold_pages) {
    store_.reset();
    auto opened = SqliteStore::open(SqliteOptions{
        .path = path_, .durability_fsync = false, .checkpoint_pages = threshold_pages});
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
    alice_ = user("alice");
    ab_ = store_->find_or_create_direct(alice_, user("bob"), 1)->id;
  }
  // Each in its own commit, each dirtying several pages.
  void commit_one_by_one(int messages) {
    for (int i = 0; i < messages; ++i) {
      ASSERT_TRUE(append_one(text(ab_, alice_, "m" + std::to_string(i), std::string(200, 'x'))));
    }
  }
  UserId alice_ = 0;
  ConversationId ab_ = 0;
};

TEST_F(CheckpointerTest, TheCheckpointerThreadKeepsTheWalSmallUnderAStreamOfCommits) {
  constexpr int kThresholdPages = 8;
  ASSERT_NO_FATAL_FAILURE(reopen_with_threshold(kThresholdPages));

  // One commit per message, each dirtying several pages: without checkpoints the WAL would hold
  // every one of them (SQLite's own threshold is 1,000 pages, ~4 MB).
  constexpr int kMessages = 400;
  ASSERT_NO_FATAL_FAILURE(commit_one_by_one(kMessages));
  EXPECT_TRUE(store_->checkpointer().wait_for_background_checkpoints(1, 60s));
  // The thread's own checkpoints copy frames: through a connection that had not opened the WAL
  // they did nothing at all, and the WAL was copied only by the writer at the inline limit.
  EXPECT_GT(store_->checkpointer().copying_checkpoints(), 0u);
  const auto wal_bytes = std::filesystem::file_size(path_ + "-wal");
  // Restarted from its start after each complete checkpoint: bounded by the inline limit
  // (8 × threshold) and what one commit adds, far below one page per message.
  EXPECT_LT(wal_bytes, std::uintmax_t{12 * kThresholdPages} * 4096) << wal_bytes;

  reopen();
  EXPECT_EQ(store_->conversation(ab_)->last_seq, kMessages);
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM messages"), kMessages);
}

// Commits as fast as the writer goes, each while a background pass may be copying: the WAL must
// still start over near the threshold (the writer copies the last few frames a pass left), not
// run on to the inline limit of 8 × threshold every time.
TEST_F(CheckpointerTest, TheWalStartsOverNearTheThresholdWhileCommitsKeepComing) {
  constexpr int kThresholdPages = 128;
  ASSERT_NO_FATAL_FAILURE(reopen_with_threshold(kThresholdPages));
  constexpr int kMessages = 3000;  // ~15,000 WAL frames: the WAL fills and starts over many times
  ASSERT_NO_FATAL_FAILURE(commit_one_by_one(kMessages));
  // The writer finished what a background pass left, so the WAL started over near the
  // threshold instead of at the inline limit (how often depends on the two threads' speeds).
  EXPECT_GT(store_->checkpointer().finishing_checkpoints(), 0u)
      << "background " << store_->checkpointer().background_checkpoints() << ", inline "
      << store_->checkpointer().inline_checkpoints();
  reopen();
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM messages"), kMessages);
}

}  // namespace
}  // namespace parley::store::sqlite
