// Store conformance: accounts, devices and tokens, direct conversations, the conversation log
// (gap-free seq, dedupe, batches, pages) and readers beside the writer.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "store_conformance/store_fixture.h"

namespace parley::store {
namespace {

TEST_P(StoreConformance, CreatesAndFindsUsers) {
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

TEST_P(StoreConformance, UsernameKeyIsUnique) {
  ASSERT_TRUE(store_->create_user("Alice", "alice", "h", 1000));
  auto again = store_->create_user("ALICE", "alice", "h", 1000);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::username_taken);
  EXPECT_TRUE(store_->create_user("Bob", "bob", "h", 1000));
}

TEST_P(StoreConformance, MissingUsersAreNotFound) {
  EXPECT_EQ(store_->credentials_by_username("nobody").error().code, Errc::not_found);
  EXPECT_EQ(store_->credentials_by_id(42).error().code, Errc::not_found);
  EXPECT_EQ(store_->user_by_username("nobody").error().code, Errc::not_found);
  EXPECT_EQ(store_->set_password_hash(42, "h", 0).error().code, Errc::not_found);
}

TEST_P(StoreConformance, PasswordChangeRevokesOtherDevices) {
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

TEST_P(StoreConformance, DirectConversationIsUniquePerPair) {
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

TEST_P(StoreConformance, AppendAssignsGapFreeSeqPerConversation) {
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

TEST_P(StoreConformance, DuplicateReturnsOriginalWithoutTakingSeq) {
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

TEST_P(StoreConformance, OneBadRequestDoesNotFailTheBatch) {
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

  EXPECT_EQ(seqs(*store_->view_after({}, ab, 0, 10)), (std::vector<Seq>{1, 2}));
  EXPECT_TRUE(store_->append({}).empty());
}

TEST_P(StoreConformance, PagesForwardAndBackward) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  std::vector<AppendRequest> batch;
  for (int i = 1; i <= 10; ++i) batch.push_back(text(ab, alice, "m" + std::to_string(i)));
  for (const auto& outcome : store_->append(batch)) ASSERT_TRUE(outcome);

  using V = std::vector<Seq>;
  EXPECT_EQ(seqs(*store_->view_after({}, ab, 0, 3)), (V{1, 2, 3}));
  EXPECT_EQ(seqs(*store_->view_after({}, ab, 8, 10)), (V{9, 10}));
  EXPECT_EQ(seqs(*store_->view_after({}, ab, 10, 10)), V{});
  EXPECT_EQ(seqs(*store_->view_after({}, ab, 0, 0)), V{});
  EXPECT_EQ(seqs(*store_->view_before({}, ab, 0, 3)), (V{8, 9, 10}));
  EXPECT_EQ(seqs(*store_->view_before({}, ab, 5, 2)), (V{3, 4}));
  EXPECT_EQ(seqs(*store_->view_before({}, ab, 2, 10)), (V{1}));
  EXPECT_EQ(seqs(*store_->view_before({}, ab, 1, 10)), V{});
  EXPECT_EQ(store_->view_before({}, ab, 0, SIZE_MAX)->size(), 10u);
  EXPECT_EQ(seqs(*store_->view_after({}, ab + 100, 0, 10)), V{});
}

TEST_P(StoreConformance, ReadersRunConcurrentlyWithTheWriter) {
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
      auto log = store_->view_after({}, ab, 0, 10000);
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

// What a device still needs: what it has not acknowledged, cursors that only move forward, its
// own sends left out, and nothing from before the device existed.
TEST_P(StoreConformance, DeviceCursorsSayWhatADeviceIsStillOwed) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  DeviceId alice_phone = device(alice, "token-a");
  DeviceId bob_phone = device(bob, "token-b");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  auto from = [&](UserId sender, DeviceId d, std::string id) {
    AppendRequest r = text(ab, sender, std::move(id));
    r.sender_device_id = d;
    return r;
  };
  ASSERT_TRUE(append_one(from(alice, alice_phone, "a1")));
  ASSERT_TRUE(append_one(from(alice, alice_phone, "a2")));
  ASSERT_TRUE(append_one(from(bob, bob_phone, "b1")));  // bob's own: never owed to this device
  ASSERT_TRUE(append_one(from(alice, alice_phone, "a3")));
  EXPECT_EQ(seqs(*store_->undelivered(bob, bob_phone, 100)), (std::vector<Seq>{1, 2, 4}));
  EXPECT_EQ(seqs(*store_->undelivered(bob, bob_phone, 2)), (std::vector<Seq>{1, 2}));

  const std::vector<DeviceCursor> two{{bob_phone, ab, 2}};
  ASSERT_TRUE(store_->advance_cursors(two));
  EXPECT_EQ(seqs(*store_->undelivered(bob, bob_phone, 100)), std::vector<Seq>{4});
  const std::vector<DeviceCursor> back{{bob_phone, ab, 1}};
  ASSERT_TRUE(store_->advance_cursors(back));  // never back
  EXPECT_EQ(seqs(*store_->undelivered(bob, bob_phone, 100)), std::vector<Seq>{4});
  EXPECT_EQ(seqs(*store_->undelivered(alice, alice_phone, 100)), std::vector<Seq>{3});

  // A device added later owes nothing from before it existed, then what comes after.
  DeviceId bob_laptop = device(bob, "token-b2");
  EXPECT_TRUE(store_->undelivered(bob, bob_laptop, 100)->empty());
  ASSERT_TRUE(append_one(from(alice, alice_phone, "a4")));
  EXPECT_EQ(seqs(*store_->undelivered(bob, bob_laptop, 100)), std::vector<Seq>{5});
  // One batch moves several devices and conversations at once.
  const std::vector<DeviceCursor> batch{{bob_phone, ab, 5}, {bob_laptop, ab, 5}};
  auto advanced = store_->advance_cursors(batch);
  ASSERT_TRUE(advanced) << advanced.error().message;
  EXPECT_TRUE(store_->undelivered(bob, bob_phone, 100)->empty());
  EXPECT_TRUE(store_->undelivered(bob, bob_laptop, 100)->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreConformance, ::testing::ValuesIn(conformance_backends()),
                         backend_name);

}  // namespace
}  // namespace parley::store
