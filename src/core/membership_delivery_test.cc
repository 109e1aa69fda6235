// Live delivery follows the membership that covers each entry's seq, whatever order the owner
// shard learns about messages, member loads and group changes in (issue 8, item 3).
#include <gtest/gtest.h>

#include <algorithm>

#include "testing/core_harness.h"

namespace parley::testing {
namespace {

class MembershipDelivery : public CoreHarness {
 protected:
  static bool has_seq(const std::vector<Message>& messages, Seq seq) {
    return std::any_of(messages.begin(), messages.end(),
                       [&](const Message& m) { return m.seq == seq; });
  }
};

// After a restart the owner shard loads a group's members on the blocking pool while committed
// entries wait. A message committed before "add carol" must not reach carol even when the add is
// applied before the load returns.
TEST_F(MembershipDelivery, AMessageSentBeforeAMemberJoinedNeverReachesThem) {
  const AuthGrant alice = register_user("alice");
  const AuthGrant bob = register_user("bob");
  const AuthGrant carol = register_user("carol");
  TestSession& a0 = attach(alice);
  auto group = create_group(a0, "team", {"bob"});
  ASSERT_TRUE(group) << group.error().message;
  const ConversationId id = group->id;

  restart();  // nothing about the group is cached now
  TestSession& a = attach(alice, 0);
  TestSession& b = attach(bob, 1);
  TestSession& c = attach(carol, 1);

  // The message commits; its fan-out waits for the members, whose load stays queued.
  ex_.on_shard(a.handle.shard, [&] {
    core_->messaging().send(a.who, SendCommand{{}, id, "m-secret", "before carol"},
                            [](Result<SendAck> r) { EXPECT_TRUE(r) << r.error().message; });
  });
  ex_.run_without_blocking();
  ASSERT_GT(ex_.blocking_queued(), 0u) << "the member load should be waiting";
  // carol is added and the change reaches the owner shard before the load completes.
  ex_.on_shard(a.handle.shard, [&] {
    core_->chat().change_group(a.who, GroupCommand{id, GroupAction::add, {"carol"}, {}, {}},
                               [](Result<Conversation> r) { EXPECT_TRUE(r) << r.error().message; });
  });
  ex_.run_without_blocking();
  ex_.run_until_idle();

  const Seq secret = 2, added = 3;
  EXPECT_TRUE(has_seq(b.sink->messages(), secret));
  EXPECT_TRUE(has_seq(b.sink->messages(), added));
  EXPECT_FALSE(has_seq(c.sink->messages(), secret)) << "carol received a message from before she "
                                                       "joined";
  EXPECT_TRUE(has_seq(c.sink->messages(), added));
}

// The other direction: a member removed after a message was committed still gets that message
// live, and nothing after the entry recording the removal.
TEST_F(MembershipDelivery, AMemberRemovedLaterStillGetsWhatCameBefore) {
  const AuthGrant alice = register_user("alice");
  const AuthGrant bob = register_user("bob");
  TestSession& a0 = attach(alice);
  auto group = create_group(a0, "team", {"bob"});
  ASSERT_TRUE(group);
  const ConversationId id = group->id;

  restart();
  TestSession& a = attach(alice, 0);
  TestSession& b = attach(bob, 1);
  ex_.on_shard(a.handle.shard, [&] {
    core_->messaging().send(a.who, SendCommand{{}, id, "m-1", "for bob"}, [](Result<SendAck>) {});
  });
  ex_.run_without_blocking();
  ex_.on_shard(a.handle.shard, [&] {
    core_->chat().change_group(a.who, GroupCommand{id, GroupAction::remove, {"bob"}, {}, {}},
                               [](Result<Conversation> r) { EXPECT_TRUE(r) << r.error().message; });
  });
  ex_.run_without_blocking();
  ex_.run_until_idle();
  ASSERT_TRUE(send(a, id, "after bob", "m-2"));

  EXPECT_TRUE(has_seq(b.sink->messages(), 2)) << "sent while bob was a member";
  EXPECT_TRUE(has_seq(b.sink->messages(), 3)) << "the entry recording his removal";
  EXPECT_FALSE(has_seq(b.sink->messages(), 4)) << "sent after he was removed";
}

// Overload must not cost a live delivery: while the read pool's queue is full the member load
// is refused, and the fan-out tries again shortly instead of leaving the entry to the next sync.
TEST_F(MembershipDelivery, ALiveMessageIsNotSkippedWhileTheReadPoolIsFull) {
  config_.max_blocking_queue = 1;
  restart();
  const AuthGrant alice = register_user("alice");
  const AuthGrant bob = register_user("bob");
  TestSession& a0 = attach(alice);
  auto group = create_group(a0, "pair", {"bob"});
  ASSERT_TRUE(group) << group.error().message;
  const ConversationId id = group->id;

  restart();  // nothing about the group is cached now
  TestSession& a = attach(alice, 0);
  TestSession& b = attach(bob, 1);
  // Someone's history read holds the only place in the queue.
  ex_.on_shard(b.handle.shard, [&] {
    core_->messaging().history(b.who, HistoryQuery{id, 0, {}, 10}, [](Result<HistoryPage>) {});
  });
  std::optional<Result<SendAck>> ack;
  ex_.on_shard(a.handle.shard, [&] {
    core_->messaging().send(a.who, SendCommand{{}, id, "m-busy", "while busy"},
                            [&ack](Result<SendAck> r) { ack.emplace(std::move(r)); });
  });
  ex_.run_without_blocking();
  ex_.run_until_idle();  // the history read runs; the refused load waits for its retry
  ex_.advance(kBusyRetryMs);
  ASSERT_TRUE(ack.has_value());
  ASSERT_TRUE(*ack) << ack->error().message;
  EXPECT_TRUE(has_seq(b.sink->messages(), (*ack)->seq)) << "the live delivery was skipped";
}

}  // namespace
}  // namespace parley::testing
