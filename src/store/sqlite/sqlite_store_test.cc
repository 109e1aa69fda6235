// What is the SQLite backend's own: the device row behind the port, reopening the file, durability
// off, an unopenable path. The backend-neutral behaviour is in tests/store_conformance/.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_test_support.h"

namespace parley::store::sqlite {
namespace {

TEST_F(SqliteStoreTest, DevicesAndTokens) {
  UserId alice = user("alice");
  // Raw hashes contain NUL bytes; they must round-trip as blobs.
  std::string hash(32, '\0');
  hash[5] = 'x';
  hash[31] = '\xff';
  DeviceId d = device(alice, hash);

  auto auth = store_->device_by_token_hash(hash);
  ASSERT_TRUE(auth) << auth.error().message;
  EXPECT_EQ(auth->user_id, alice);
  EXPECT_EQ(auth->username, "alice");
  EXPECT_EQ(auth->device_id, d);
  EXPECT_EQ(auth->token_expires_at, 9000);
  EXPECT_FALSE(auth->revoked);

  std::string other(32, '\0');
  EXPECT_EQ(store_->device_by_token_hash(other).error().code, Errc::not_found);

  ASSERT_TRUE(store_->touch_device(d, 7777));
  EXPECT_EQ(query_int("SELECT last_seen_at FROM devices WHERE id = " + std::to_string(d)), 7777);

  ASSERT_TRUE(store_->revoke_device(d));
  auth = store_->device_by_token_hash(hash);
  ASSERT_TRUE(auth);
  EXPECT_TRUE(auth->revoked);  // reported, not filtered

  EXPECT_EQ(store_->revoke_device(999).error().code, Errc::not_found);
  EXPECT_EQ(store_->create_device(NewDevice{999, "x", "zz", 1, 1}).error().code, Errc::not_found);
}

TEST_F(SqliteStoreTest, DataAndDedupeSurviveReopen) {
  EXPECT_EQ(store_->schema_version(), 4);
  UserId alice = user("alice");
  UserId bob = user("bob");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  auto first = append_one(text(ab, alice, "c1", "before restart"));
  ASSERT_TRUE(first);

  reopen();
  reopen();
  EXPECT_EQ(store_->schema_version(), 4);
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM schema_migrations"), 4);

  auto resent = append_one(text(ab, alice, "c1", "resent"));
  ASSERT_TRUE(resent);
  EXPECT_TRUE(resent->duplicate);
  EXPECT_EQ(resent->message.id, first->message.id);
  EXPECT_EQ(resent->message.text, "before restart");
  EXPECT_EQ(append_one(text(ab, alice, "c2"))->message.seq, 2);
  EXPECT_EQ(store_->user_by_username("bob")->id, bob);
  auto log = store_->view_after({}, ab, 0, 100);
  ASSERT_TRUE(log);
  EXPECT_EQ(seqs(*log), (std::vector<Seq>{1, 2}));
}

TEST_F(SqliteStoreTest, WorksWithoutFsyncPerCommit) {
  reopen(/*fsync=*/false);
  UserId alice = user("alice");
  UserId bob = user("bob");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  ASSERT_TRUE(append_one(text(ab, alice, "c1")));
  reopen(/*fsync=*/true);
  EXPECT_EQ(store_->conversation(ab)->last_seq, 1);
}

// The writer remembers each conversation's last_seq across batches (append_facts.h). A batch the
// file cannot hold is rolled back whole, and with it the seqs its appends took: the next append
// must take the first of them again, or the log would have a gap.
TEST_F(SqliteStoreTest, ABatchTheFileCannotHoldLeavesNoGapInTheSeqs) {
  store_.reset();
  auto opened = SqliteStore::open(SqliteOptions{path_, true, /*max_bytes=*/256 << 10});
  ASSERT_TRUE(opened) << opened.error().message;
  store_ = std::move(*opened);
  UserId alice = user("alice");
  UserId bob = user("bob");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  ASSERT_TRUE(append_one(text(ab, alice, "c1")));

  std::vector<AppendRequest> batch{text(ab, alice, "c2"),
                                   text(ab, alice, "c3", std::string(512 << 10, 'x'))};
  auto outcomes = store_->append(batch);
  ASSERT_EQ(outcomes.size(), 2u);
  ASSERT_FALSE(outcomes[1]);
  EXPECT_EQ(outcomes[1].error().code, Errc::unavailable);

  auto next = append_one(text(ab, alice, "c4"));
  ASSERT_TRUE(next) << next.error().message;
  auto log = store_->view_after({}, ab, 0, 100);
  ASSERT_TRUE(log);
  std::vector<Seq> expected;
  for (Seq seq = 1; seq <= next->message.seq; ++seq) expected.push_back(seq);
  EXPECT_EQ(seqs(*log), expected);
  EXPECT_EQ(store_->conversation(ab)->last_seq, next->message.seq);
}

TEST(SqliteStoreOpen, ReportsUnopenableFile) {
  auto opened = SqliteStore::open(SqliteOptions{"/nonexistent-dir/x/parley.db", true});
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, Errc::unavailable);
}

}  // namespace
}  // namespace parley::store::sqlite
