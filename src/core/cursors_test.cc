// Per-device delivery cursors (issue 9, item 3): a device that comes back is owed exactly what it
// has not acknowledged.
#include <gtest/gtest.h>

#include "testing/core_harness.h"

namespace parley::testing {
namespace {

class Cursors : public CoreHarness {
 protected:
  std::vector<Seq> owed(TestSession& s, std::size_t limit = 100) {
    auto entries = sync_call<std::vector<Message>>(s.handle.shard, [&](Core& core, auto done) {
      core.messaging().undelivered(s.who, limit, std::move(done));
    });
    EXPECT_TRUE(entries) << entries.error().message;
    std::vector<Seq> seqs;
    for (const Message& m : entries.value_or(std::vector<Message>{})) seqs.push_back(m.seq);
    return seqs;
  }
  Result<Conversation> open_direct(TestSession& s, const std::string& peer) {
    return sync_call<Conversation>(s.handle.shard, [&](Core& core, Callback<Conversation> done) {
      core.messaging().open_direct(s.who, peer, std::move(done));
    });
  }
  void ack(ShardId shard, TestSession& s, ConversationId conversation, Seq seq) {
    const ConversationCursor cursor{conversation, seq};
    ex_.on_shard(shard, [&] { core_->messaging().acknowledge(s.who, std::span(&cursor, 1)); });
  }
};

TEST_F(Cursors, AReturningDeviceIsOwedExactlyWhatItDidNotAcknowledge) {
  const AuthGrant alice = register_user("alice");
  const AuthGrant bob = register_user("bob");
  TestSession& a = attach(alice, 0);
  auto direct = open_direct(a, "bob");
  ASSERT_TRUE(direct);
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(send(a, direct->id, "m", "m" + std::to_string(i)));
  TestSession& b = attach(bob, 1);
  ack(1, b, direct->id, 2);
  close(b);
  for (int i = 4; i <= 5; ++i) ASSERT_TRUE(send(a, direct->id, "m", "m" + std::to_string(i)));

  TestSession& again = attach(bob, 0);  // the same device, resumed elsewhere
  EXPECT_EQ(owed(again), (std::vector<Seq>{3, 4, 5}));
  EXPECT_EQ(owed(again, 2), (std::vector<Seq>{3, 4}));
  ack(0, again, direct->id, 5);
  EXPECT_TRUE(owed(again).empty());
  // What alice's own device sent is never owed to it.
  EXPECT_TRUE(owed(a).empty());
}

// Acks of one flush interval come in any order and several times; the highest counts, per
// device and conversation, and another device's acks do not move this one.
TEST_F(Cursors, TheHighestAckOfAFlushIntervalCountsPerDeviceAndConversation) {
  const AuthGrant alice = register_user("alice");
  const AuthGrant bob = register_user("bob");
  auto bob_tablet_grant = sync_call<AuthGrant>(0, [&](Core& core, Callback<AuthGrant> done) {
    core.accounts().login({"bob", "password-bob", "tablet", "127.0.0.1", "tablet-key"},
                          std::move(done));
  });
  ASSERT_TRUE(bob_tablet_grant) << bob_tablet_grant.error().message;
  const AuthGrant bob_tablet = *bob_tablet_grant;
  TestSession& a = attach(alice, 0);
  auto direct = open_direct(a, "bob");
  ASSERT_TRUE(direct);
  for (int i = 1; i <= 6; ++i) ASSERT_TRUE(send(a, direct->id, "m", "m" + std::to_string(i)));
  TestSession& phone = attach(bob, 1);
  TestSession& tablet = attach(bob_tablet, 1);
  ack(1, phone, direct->id, 4);
  ack(1, tablet, direct->id, 1);
  ack(1, phone, direct->id, 2);
  ack(1, phone, direct->id, 4);
  ack(1, tablet, direct->id, 2);
  close(phone);
  close(tablet);
  EXPECT_EQ(owed(attach(bob, 0)), (std::vector<Seq>{5, 6}));
  EXPECT_EQ(owed(attach(bob_tablet, 0)), (std::vector<Seq>{3, 4, 5, 6}));
}

// The periodic flush writes every device's cursors of the interval in one batch; sessions that
// stay open are owed only what they did not acknowledge.
TEST_F(Cursors, OneFlushStoresTheCursorsOfEveryDeviceAndConversation) {
  const AuthGrant alice = register_user("alice");
  const AuthGrant bob = register_user("bob");
  const AuthGrant carol = register_user("carol");
  TestSession& a = attach(alice, 0);
  auto with_bob = open_direct(a, "bob");
  auto with_carol = open_direct(a, "carol");
  ASSERT_TRUE(with_bob && with_carol);
  for (int i = 1; i <= 3; ++i) {
    ASSERT_TRUE(send(a, with_bob->id, "m", "b" + std::to_string(i)));
    ASSERT_TRUE(send(a, with_carol->id, "m", "c" + std::to_string(i)));
  }
  TestSession& b = attach(bob, 1);
  TestSession& c = attach(carol, 1);
  ack(1, b, with_bob->id, 2);
  ack(1, c, with_carol->id, 3);
  ex_.advance(config_.cursor_flush_ms);  // the shard's flush timer: one batch of two
  EXPECT_EQ(owed(b), (std::vector<Seq>{3}));
  EXPECT_TRUE(owed(c).empty());
}

TEST_F(Cursors, ANewDeviceOwesNothingFromBeforeItExisted) {
  const AuthGrant alice = register_user("alice");
  register_user("bob");
  TestSession& a = attach(alice, 0);
  auto direct = open_direct(a, "bob");
  ASSERT_TRUE(direct);
  ASSERT_TRUE(send(a, direct->id, "old", "o1"));
  auto phone = sync_call<AuthGrant>(1, [&](Core& core, Callback<AuthGrant> done) {
    core.accounts().login({"bob", "password-bob", "phone", "10.1.1.1", "phone-key"},
                          std::move(done));
  });
  ASSERT_TRUE(phone);
  TestSession& p = attach(*phone, 1);
  EXPECT_TRUE(owed(p).empty());
  ASSERT_TRUE(send(a, direct->id, "new", "n1"));
  EXPECT_EQ(owed(p), (std::vector<Seq>{2}));
}

}  // namespace
}  // namespace parley::testing
