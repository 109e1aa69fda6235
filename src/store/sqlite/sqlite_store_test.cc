// Behaviour of the SQLite store against the Store contract, on a real file per test.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite/sqlite_test_support.h"

namespace parley::store {
namespace {

TEST_F(SqliteStoreTest, CreatesAndFindsUsers) {
  auto id = store_->create_user("Alice", "alice", "argon-hash", 1000);
  ASSERT_TRUE(id) << id.error().message;

  auto by_name = store_->credentials_by_username("alice");
  ASSERT_TRUE(by_name) << by_name.error().message;
  EXPECT_EQ(by_name->id, *id);
  EXPECT_EQ(by_name->username, "Alice");
  EXPECT_EQ(by_name->password_hash, "argon-hash");

  auto by_id = store_->credentials_by_id(*id);
  ASSERT_TRUE(by_id);
  EXPECT_EQ(by_id->username, "Alice");

  auto found = store_->user_by_username("alice");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, *id);
  EXPECT_EQ(found->username, "Alice");
}

TEST_F(SqliteStoreTest, UsernameKeyIsUnique) {
  ASSERT_TRUE(store_->create_user("Alice", "alice", "h", 1000));
  auto again = store_->create_user("ALICE", "alice", "h", 1000);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::username_taken);
  EXPECT_TRUE(store_->create_user("Bob", "bob", "h", 1000));
}

TEST_F(SqliteStoreTest, MissingUsersAreNotFound) {
  EXPECT_EQ(store_->credentials_by_username("nobody").error().code, Errc::not_found);
  EXPECT_EQ(store_->credentials_by_id(42).error().code, Errc::not_found);
  EXPECT_EQ(store_->user_by_username("nobody").error().code, Errc::not_found);
  EXPECT_EQ(store_->set_password_hash(42, "h", 0).error().code, Errc::not_found);
}

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

TEST_F(SqliteStoreTest, PasswordChangeRevokesOtherDevices) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  device(alice, "token-1");
  DeviceId d2 = device(alice, "token-2");
  device(alice, "token-3");
  device(bob, "token-bob");

  ASSERT_TRUE(store_->set_password_hash(alice, "new-hash", d2));
  EXPECT_EQ(store_->credentials_by_id(alice)->password_hash, "new-hash");
  EXPECT_TRUE(store_->device_by_token_hash("token-1")->revoked);
  EXPECT_FALSE(store_->device_by_token_hash("token-2")->revoked);
  EXPECT_TRUE(store_->device_by_token_hash("token-3")->revoked);
  EXPECT_FALSE(store_->device_by_token_hash("token-bob")->revoked);
}

TEST_F(SqliteStoreTest, DirectConversationIsUniquePerPair) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  UserId carol = user("carol");

  auto ab = store_->find_or_create_direct(alice, bob, 2000);
  ASSERT_TRUE(ab) << ab.error().message;
  EXPECT_EQ(ab->kind, ConversationKind::direct);
  EXPECT_EQ(ab->last_seq, 0);
  EXPECT_EQ(ab->last_activity_at, 2000);
  ASSERT_EQ(ab->members.size(), 2u);
  EXPECT_EQ(ab->members[0].user_id, alice);
  EXPECT_EQ(ab->members[0].username, "alice");
  EXPECT_EQ(ab->members[1].username, "bob");

  auto ba = store_->find_or_create_direct(bob, alice, 3000);
  ASSERT_TRUE(ba);
  EXPECT_EQ(ba->id, ab->id);
  EXPECT_EQ(store_->find_or_create_direct(alice, bob, 4000)->id, ab->id);
  auto ac = store_->find_or_create_direct(carol, alice, 2000);
  ASSERT_TRUE(ac);
  EXPECT_NE(ac->id, ab->id);

  EXPECT_EQ(store_->find_or_create_direct(alice, alice, 1).error().code, Errc::invalid_argument);
  EXPECT_EQ(store_->find_or_create_direct(alice, 999, 1).error().code, Errc::not_found);

  auto fetched = store_->conversation(ab->id);
  ASSERT_TRUE(fetched) << fetched.error().message;
  EXPECT_EQ(fetched->members.size(), 2u);
  EXPECT_EQ(store_->conversation(12345).error().code, Errc::not_found);

  auto of_alice = store_->conversation_list(alice, 256);
  ASSERT_TRUE(of_alice);
  EXPECT_EQ(of_alice->size(), 2u);
  auto of_bob = store_->conversation_list(bob, 256);
  ASSERT_TRUE(of_bob);
  ASSERT_EQ(of_bob->size(), 1u);
  EXPECT_EQ(of_bob->front().conversation.id, ab->id);
  EXPECT_EQ(of_bob->front().conversation.members.size(), 2u);
}

TEST_F(SqliteStoreTest, AppendAssignsGapFreeSeqPerConversation) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  UserId carol = user("carol");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  ConversationId ac = store_->find_or_create_direct(alice, carol, 1)->id;

  std::vector<AppendRequest> batch;
  for (int i = 0; i < 6; ++i) {
    batch.push_back(
        text(i % 2 == 0 ? ab : ac, alice, "m" + std::to_string(i), "body " + std::to_string(i)));
  }
  auto outcomes = store_->append(batch);
  ASSERT_EQ(outcomes.size(), batch.size());
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    ASSERT_TRUE(outcomes[i]) << outcomes[i].error().message;
    const Message& m = outcomes[i]->message;
    EXPECT_FALSE(outcomes[i]->duplicate);
    EXPECT_EQ(m.seq, static_cast<Seq>(i / 2 + 1));
    EXPECT_EQ(m.conversation_id, batch[i].conversation_id);
    EXPECT_EQ(m.sender_username, "alice");
    EXPECT_EQ(m.text, batch[i].text);
    EXPECT_EQ(m.client_msg_id, batch[i].client_msg_id);
    EXPECT_EQ(m.sent_at, 5000);
    EXPECT_GT(m.id, 0);
  }
  auto more = append_one(text(ab, bob, "b1"));
  ASSERT_TRUE(more);
  EXPECT_EQ(more->message.seq, 4);
  EXPECT_EQ(more->message.sender_username, "bob");
  EXPECT_EQ(store_->conversation(ab)->last_seq, 4);
  EXPECT_EQ(store_->conversation(ac)->last_seq, 3);
  EXPECT_EQ(store_->conversation(ab)->last_activity_at, 5000);
}

TEST_F(SqliteStoreTest, DuplicateReturnsOriginalWithoutTakingSeq) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;

  auto first = append_one(text(ab, alice, "c1", "original"));
  ASSERT_TRUE(first);
  // Same batch: a resend right behind the original is also caught.
  std::vector<AppendRequest> batch{text(ab, alice, "c1", "resent"), text(ab, alice, "c2"),
                                   text(ab, alice, "c2")};
  auto outcomes = store_->append(batch);
  ASSERT_TRUE(outcomes[0] && outcomes[1] && outcomes[2]);
  EXPECT_TRUE(outcomes[0]->duplicate);
  EXPECT_EQ(outcomes[0]->message.seq, 1);
  EXPECT_EQ(outcomes[0]->message.id, first->message.id);
  EXPECT_EQ(outcomes[0]->message.text, "original");
  EXPECT_FALSE(outcomes[1]->duplicate);
  EXPECT_EQ(outcomes[1]->message.seq, 2);
  EXPECT_TRUE(outcomes[2]->duplicate);
  EXPECT_EQ(outcomes[2]->message.seq, 2);
  EXPECT_EQ(store_->conversation(ab)->last_seq, 2);
  EXPECT_EQ(append_one(text(ab, alice, "c3"))->message.seq, 3);
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
  auto log = store_->messages_after(ab, 0, 100);
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

TEST_F(SqliteStoreTest, OneBadRequestDoesNotFailTheBatch) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;

  UserId carol = user("carol");  // exists, but is not a member
  std::vector<AppendRequest> batch{text(ab, alice, "a"), text(ab + 100, alice, "b"),
                                   text(ab, 999, "c"), text(ab, alice, "d"), text(ab, carol, "e")};
  auto outcomes = store_->append(batch);
  ASSERT_EQ(outcomes.size(), 5u);
  ASSERT_TRUE(outcomes[0]);
  EXPECT_EQ(outcomes[0]->message.seq, 1);
  ASSERT_FALSE(outcomes[1]);
  EXPECT_EQ(outcomes[1].error().code, Errc::not_found);
  ASSERT_FALSE(outcomes[2]);
  EXPECT_EQ(outcomes[2].error().code, Errc::not_found);  // unknown sender: not a member either
  ASSERT_TRUE(outcomes[3]);
  EXPECT_EQ(outcomes[3]->message.seq, 2);
  ASSERT_FALSE(outcomes[4]);
  EXPECT_EQ(outcomes[4].error().code, Errc::not_found);

  EXPECT_EQ(seqs(*store_->messages_after(ab, 0, 10)), (std::vector<Seq>{1, 2}));
  EXPECT_TRUE(store_->append({}).empty());
}

TEST_F(SqliteStoreTest, PagesForwardAndBackward) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  std::vector<AppendRequest> batch;
  for (int i = 1; i <= 10; ++i) batch.push_back(text(ab, alice, "m" + std::to_string(i)));
  for (const auto& outcome : store_->append(batch)) ASSERT_TRUE(outcome);

  using V = std::vector<Seq>;
  EXPECT_EQ(seqs(*store_->messages_after(ab, 0, 3)), (V{1, 2, 3}));
  EXPECT_EQ(seqs(*store_->messages_after(ab, 8, 10)), (V{9, 10}));
  EXPECT_EQ(seqs(*store_->messages_after(ab, 10, 10)), V{});
  EXPECT_EQ(seqs(*store_->messages_after(ab, 0, 0)), V{});
  EXPECT_EQ(seqs(*store_->messages_before(ab, 0, 3)), (V{8, 9, 10}));
  EXPECT_EQ(seqs(*store_->messages_before(ab, 5, 2)), (V{3, 4}));
  EXPECT_EQ(seqs(*store_->messages_before(ab, 2, 10)), (V{1}));
  EXPECT_EQ(seqs(*store_->messages_before(ab, 1, 10)), V{});
  EXPECT_EQ(store_->messages_before(ab, 0, SIZE_MAX)->size(), 10u);
  EXPECT_EQ(seqs(*store_->messages_after(ab + 100, 0, 10)), V{});
}

TEST_F(SqliteStoreTest, ReadersRunConcurrentlyWithTheWriter) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  constexpr int kBatches = 60;
  constexpr int kBatchSize = 5;

  std::atomic<bool> done{false};
  std::atomic<int> errors{0};
  std::thread writer([&] {
    for (int b = 0; b < kBatches; ++b) {
      std::vector<AppendRequest> batch;
      for (int i = 0; i < kBatchSize; ++i) {
        batch.push_back(text(ab, alice, std::to_string(b) + "-" + std::to_string(i)));
      }
      for (const auto& outcome : store_->append(batch)) {
        if (!outcome) errors++;
      }
    }
    done = true;
  });
  auto read_loop = [&] {
    int rounds = 0;
    while (!done || rounds < 3) {
      ++rounds;
      auto log = store_->messages_after(ab, 0, 10000);
      auto conversation = store_->conversation(ab);
      auto mine = store_->conversation_list(bob, 256);
      if (!log || !conversation || !mine) {
        errors++;
        continue;
      }
      // Each read sees a committed prefix of the log: 1..n without gaps.
      for (std::size_t i = 0; i < log->size(); ++i) {
        if ((*log)[i].seq != static_cast<Seq>(i + 1)) errors++;
      }
      if (conversation->members.size() != 2) errors++;
    }
  };
  std::thread reader1(read_loop);
  std::thread reader2(read_loop);
  writer.join();
  reader1.join();
  reader2.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(store_->conversation(ab)->last_seq, kBatches * kBatchSize);
}

TEST(SqliteStoreOpen, ReportsUnopenableFile) {
  auto opened = SqliteStore::open(SqliteOptions{"/nonexistent-dir/x/parley.db", true});
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().code, Errc::unavailable);
}

}  // namespace
}  // namespace parley::store
