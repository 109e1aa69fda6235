// Sync's answer is a position a device can continue from: a truncated list of user-log updates
// ends at the last update sent, so the next sync picks up exactly there.
#include <gtest/gtest.h>

#include "testing/core_harness.h"

namespace parley::testing {
namespace {

class Sync : public CoreHarness {};

TEST_F(Sync, ATruncatedAnswerContinuesFromItsLastUpdate) {
  config_.chat.max_user_updates_per_sync = 2;
  restart();
  const AuthGrant alice = register_user("alice");
  const AuthGrant bob = register_user("bob");
  TestSession& a = attach(alice, 0);
  TestSession& b = attach(bob, 1);
  ConversationId direct = 0;
  for (int i = 1; i <= 5; ++i) {
    auto ack = sync_call<SendAck>(1, [&](Core& core, Callback<SendAck> done) {
      core.messaging().send(b.who, SendCommand{"alice", 0, "b" + std::to_string(i), "hi"},
                            std::move(done));
    });
    ASSERT_TRUE(ack);
    direct = ack->conversation_id;
  }
  for (Seq seq = 1; seq <= 5; ++seq) {  // five READ entries in alice's user log
    ASSERT_TRUE(sync_call<void>(0, [&](Core& core, Callback<void> done) {
      core.chat().mark_read(a.who, direct, seq, std::move(done));
    }));
  }
  std::vector<Seq> applied;
  std::int64_t position = 0;
  for (int round = 0; round < 5; ++round) {
    auto answer = sync_call<SyncResult>(0, [&](Core& core, Callback<SyncResult> done) {
      core.messaging().sync(a.who, position, 0, std::move(done));
    });
    ASSERT_TRUE(answer);
    for (const UserUpdate& u : answer->updates) applied.push_back(u.seq);
    ASSERT_GT(answer->user_seq, position - 1);
    position = answer->user_seq;
    if (!answer->updates_truncated) break;
    ASSERT_FALSE(answer->updates.empty());
    EXPECT_EQ(answer->user_seq, answer->updates.back().user_seq)
        << "a truncated answer must say where its updates stopped";
  }
  EXPECT_EQ(applied, (std::vector<Seq>{1, 2, 3, 4, 5})) << "updates were skipped or repeated";
}

}  // namespace
}  // namespace parley::testing
