// Core's bounded queues (issue 8, item 8 and item 7): past its bound each queue refuses at once
// with UNAVAILABLE and a retry hint, costs nothing already queued, and takes work again once it
// drains. Run under the deterministic executor, so "full" is a queue the test has not drained.
#include <gtest/gtest.h>

#include <optional>

#include "testing/core_harness.h"

namespace parley::testing {
namespace {

class Limits : public CoreHarness {
 protected:
  Result<Conversation> open_direct(TestSession& s, const std::string& peer) {
    return sync_call<Conversation>(s.handle.shard, [&](Core& core, Callback<Conversation> done) {
      core.messaging().open_direct(s.who, peer, std::move(done));
    });
  }
};

TEST_F(Limits, AFullWriterQueueAnswersUnavailableWithAHintAndKeepsWhatItQueued) {
  config_.max_pending_appends = 1;
  restart();
  const AuthGrant alice = register_user("alice");
  register_user("bob");
  TestSession& a = attach(alice);
  auto direct = open_direct(a, "bob");
  ASSERT_TRUE(direct) << direct.error().message;

  std::optional<Result<SendAck>> first, second;
  ex_.on_shard(a.handle.shard, [&] {
    core_->messaging().send(a.who, SendCommand{{}, direct->id, "m-1", "one"},
                            [&](Result<SendAck> r) { first.emplace(std::move(r)); });
    core_->messaging().send(a.who, SendCommand{{}, direct->id, "m-2", "two"},
                            [&](Result<SendAck> r) { second.emplace(std::move(r)); });
  });
  ASSERT_TRUE(second.has_value()) << "refused at once, before the writer runs";
  ASSERT_FALSE(*second);
  EXPECT_EQ(second->error().code, Errc::unavailable);
  EXPECT_GT(second->error().retry_after_ms, 0u);
  EXPECT_FALSE(first.has_value());

  ex_.run_until_idle();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(*first) << first->error().message;  // what was queued is committed and acked
  auto again = send(a, direct->id, "two", "m-2");
  ASSERT_TRUE(again) << static_cast<int>(again.error().code) << " "
                     << again.error().message;  // the retry the hint asks for succeeds
  EXPECT_EQ(again->seq, (*first)->seq + 1);
}

TEST_F(Limits, AFullReadQueueAnswersUnavailableWithAHint) {
  config_.max_blocking_queue = 1;
  restart();
  const AuthGrant alice = register_user("alice");
  register_user("bob");
  TestSession& a = attach(alice);
  auto direct = open_direct(a, "bob");
  ASSERT_TRUE(direct) << direct.error().message;

  std::optional<Result<HistoryPage>> first, second;
  ex_.on_shard(a.handle.shard, [&] {
    core_->messaging().history(a.who, HistoryQuery{direct->id},
                               [&](Result<HistoryPage> r) { first.emplace(std::move(r)); });
    core_->messaging().history(a.who, HistoryQuery{direct->id},
                               [&](Result<HistoryPage> r) { second.emplace(std::move(r)); });
  });
  ex_.run_without_blocking();
  ASSERT_TRUE(second.has_value());
  ASSERT_FALSE(*second);
  EXPECT_EQ(second->error().code, Errc::unavailable);
  EXPECT_GT(second->error().retry_after_ms, 0u);
  ex_.run_until_idle();
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(*first) << first->error().message;
}

TEST_F(Limits, AFullHashingQueueAnswersUnavailableWithAHint) {
  config_.login_limits.max_hashing_queue = 1;
  restart();
  std::optional<Result<AuthGrant>> first, second;
  ex_.on_shard(0, [&] {
    core_->accounts().register_account({"alice", "password-alice", "test", "10.0.0.1", ""},
                                       [&](Result<AuthGrant> r) { first.emplace(std::move(r)); });
    core_->accounts().register_account({"bob", "password-bob", "test", "10.0.0.2", ""},
                                       [&](Result<AuthGrant> r) { second.emplace(std::move(r)); });
  });
  // Everything runs but the hashing pool: both reach it, one is admitted.
  while (ex_.run_shards() > 0 || ex_.run_writer_one() || ex_.run_blocking_one()) {
  }
  ASSERT_TRUE(second.has_value());
  ASSERT_FALSE(*second);
  EXPECT_EQ(second->error().code, Errc::unavailable);
  EXPECT_GT(second->error().retry_after_ms, 0u);
  ex_.run_until_idle();
  ASSERT_TRUE(first.has_value());
  EXPECT_TRUE(*first) << first->error().message;
  register_user("bob");  // once the queue drained, the retry goes through
}

// Amplification (issue 8, item 10): a settings change that changes nothing is not written to the
// user's log and not sent to their other devices; a real change still is.
TEST_F(Limits, ARepeatedChatSettingChangesNothingAndTellsNobody) {
  const AuthGrant alice = register_user("alice");
  register_user("bob");
  TestSession& laptop = attach(alice, 0);
  TestSession& phone = attach(alice, 1);
  auto direct = open_direct(laptop, "bob");
  ASSERT_TRUE(direct) << direct.error().message;
  auto set = [&](ChatSettings settings) {
    return sync_call<void>(0, [&](Core& core, Callback<void> done) {
      core.chat().chat_settings(laptop.who, direct->id, settings, std::move(done));
    });
  };
  const std::size_t before = phone.sink->of<UserUpdateEvent>().size();
  ASSERT_TRUE(set({.muted = true}));
  ASSERT_EQ(phone.sink->of<UserUpdateEvent>().size(), before + 1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(set({.muted = true}));
  ASSERT_TRUE(set({.nickname = ""}));  // no nickname was set: also no change
  EXPECT_EQ(phone.sink->of<UserUpdateEvent>().size(), before + 1);
  ASSERT_TRUE(set({.muted = false}));
  EXPECT_EQ(phone.sink->of<UserUpdateEvent>().size(), before + 2);
}

}  // namespace
}  // namespace parley::testing
