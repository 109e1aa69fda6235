// Core's bounded queues (issue 8, item 8 and item 7): past its bound each queue refuses at once
// with UNAVAILABLE and a retry hint, costs nothing already queued, and takes work again once it
// drains. Run under the deterministic executor, so "full" is a queue the test has not drained.
#include <gtest/gtest.h>

#include <optional>
#include <utility>

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
  // Alice attached, and her direct conversation with bob.
  std::pair<TestSession*, ConversationId> alice_with_bob() {
    TestSession& a = attach(register_user("alice"));
    register_user("bob");
    auto direct = open_direct(a, "bob");
    EXPECT_TRUE(direct) << direct.error().message;
    return {&a, direct ? direct->id : 0};
  }
  // The shape both queue refusals share: UNAVAILABLE, with a hint of when to retry.
  template <class T>
  static void expect_busy(const std::optional<Result<T>>& answer) {
    ASSERT_TRUE(answer.has_value()) << "refused at once, before the queue drains";
    ASSERT_FALSE(*answer);
    EXPECT_EQ(answer->error().code, Errc::unavailable);
    EXPECT_GT(answer->error().retry_after_ms, 0u);
  }
};

TEST_F(Limits, AFullWriterQueueAnswersUnavailableWithAHintAndKeepsWhatItQueued) {
  config_.max_pending_appends = 1;
  restart();
  auto [a, id] = alice_with_bob();
  ASSERT_NE(id, 0);

  std::optional<Result<SendAck>> first, second;
  ex_.on_shard(a->handle.shard, [&] {
    core_->messaging().send(a->who, SendCommand{{}, id, "m-1", "one"},
                            [&](Result<SendAck> r) { first.emplace(std::move(r)); });
    core_->messaging().send(a->who, SendCommand{{}, id, "m-2", "two"},
                            [&](Result<SendAck> r) { second.emplace(std::move(r)); });
  });
  expect_busy(second);
  EXPECT_FALSE(first.has_value());

  ex_.run_until_idle();
  ASSERT_TRUE(first.has_value());
  ASSERT_TRUE(*first) << first->error().message;  // what was queued is committed and acked
  auto again = send(*a, id, "two", "m-2");
  ASSERT_TRUE(again) << static_cast<int>(again.error().code) << " "
                     << again.error().message;  // the retry the hint asks for succeeds
  EXPECT_EQ(again->seq, (*first)->seq + 1);
}

TEST_F(Limits, AFullReadQueueAnswersUnavailableWithAHint) {
  config_.max_blocking_queue = 1;
  restart();
  auto [a, id] = alice_with_bob();
  ASSERT_NE(id, 0);

  std::optional<Result<HistoryPage>> first, second;
  ex_.on_shard(a->handle.shard, [&] {
    core_->messaging().history(a->who, HistoryQuery{id},
                               [&](Result<HistoryPage> r) { first.emplace(std::move(r)); });
    core_->messaging().history(a->who, HistoryQuery{id},
                               [&](Result<HistoryPage> r) { second.emplace(std::move(r)); });
  });
  ex_.run_without_blocking();
  expect_busy(second);
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
  expect_busy(second);
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

// Memory bounds (issue 8, item 8): a shard keeps at most max_cached_conversations membership
// caches, and one evicted is reloaded when needed: its next message still reaches its members.
TEST_F(Limits, ConversationCachesAreBoundedAndAnEvictedOneStillDelivers) {
  config_.chat.max_cached_conversations = 2;
  restart();
  const AuthGrant alice = register_user("alice");
  TestSession& a = attach(alice, 0);
  std::vector<TestSession*> peers;
  std::vector<ConversationId> ids;
  for (int i = 0; i < 6; ++i) {
    const std::string name = "peer" + std::to_string(i);
    peers.push_back(&attach(register_user(name), static_cast<ShardId>(i % 2)));
    auto direct = open_direct(a, name);
    ASSERT_TRUE(direct) << direct.error().message;
    ids.push_back(direct->id);
    ASSERT_TRUE(send(a, direct->id, "hello " + name, "first-" + name));
  }
  for (ShardId shard : {0u, 1u}) {
    ex_.on_shard(shard, [&] { EXPECT_LE(core_->footprint().cached_conversations, 2u); });
  }
  auto again = send(a, ids[0], "again", "second-peer0");  // long evicted by now
  ASSERT_TRUE(again) << again.error().message;
  const auto got = peers[0]->sink->messages();
  ASSERT_FALSE(got.empty());
  EXPECT_EQ(got.back().seq, again->seq);
  EXPECT_EQ(got.back().text, "again");
}

// Typing throttles are pruned once there are more than 64 in a conversation: entries older than
// the typing interval go, so a big group's typists do not accumulate without end.
TEST_F(Limits, TypingThrottlesOfAGroupArePruned) {
  constexpr int kTypists = 70;
  const AuthGrant owner = register_user("owner");
  TestSession& o = attach(owner, 0);
  std::vector<std::string> names;
  std::vector<TestSession*> typists;
  for (int i = 0; i < kTypists; ++i) {
    names.push_back("typist" + std::to_string(i));
    typists.push_back(&attach(register_user(names.back()), 0));
  }
  auto group = create_group(o, "busy", names);
  ASSERT_TRUE(group) << group.error().message;
  auto type = [&](TestSession& s) {
    return sync_call<void>(s.handle.shard, [&](Core& core, Callback<void> done) {
      core.chat().typing(s.who, group->id, std::move(done));
    });
  };
  auto typing_entries = [&] {
    std::size_t total = 0;
    for (ShardId shard : {0u, 1u}) {
      ex_.on_shard(shard, [&] { total += core_->footprint().typing_entries; });
    }
    return total;
  };
  for (TestSession* t : typists) ASSERT_TRUE(type(*t));
  EXPECT_EQ(typing_entries(), static_cast<std::size_t>(kTypists));
  ex_.advance(config_.chat.typing_interval_ms);
  ASSERT_TRUE(type(o));
  EXPECT_EQ(typing_entries(), 1u) << "only the owner typed within the interval";
}

}  // namespace
}  // namespace parley::testing
