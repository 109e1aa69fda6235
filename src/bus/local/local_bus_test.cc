// The in-process bus: routing to the right sessions on the right shards, kicks by filter, the
// presence listener counting devices, and the directory.
#include "bus/local/local_bus.h"

#include <gtest/gtest.h>

#include "testing/manual_executor.h"

namespace parley::bus {
namespace {

using testing::ManualExecutor;

struct Sink final : SessionSink {
  std::vector<std::shared_ptr<const Event>> events;
  std::vector<Errc> kicks;
  void on_event(std::shared_ptr<const Event> e) override { events.push_back(std::move(e)); }
  void on_kicked(Errc reason) override { kicks.push_back(reason); }
};

struct Listener final : PresenceListener {
  std::vector<std::pair<UserId, bool>> changes;
  void first_device_online(UserId user, const std::string&) override {
    changes.emplace_back(user, true);
  }
  void last_device_offline(UserId user) override { changes.emplace_back(user, false); }
};

class LocalBusTest : public ::testing::Test {
 protected:
  LocalBusTest() { bus_.set_presence_listener(&listener_); }
  // Opens and attaches a session of `user` (device `device`) on `shard`.
  SessionIdentity online(Sink& sink, UserId user, DeviceId device, ShardId shard) {
    SessionIdentity who{user, "u" + std::to_string(user), device, {}};
    ex_.on_shard(shard, [&] {
      who.handle = bus_.open_session(sink);
      bus_.attach(who);
    });
    ex_.run_until_idle();
    return who;
  }
  void deliver(std::vector<UserId> users, SessionHandle except = {}) {
    ex_.on_shard(0, [&] {
      bus_.deliver(std::move(users), std::make_shared<const Event>(TypingEvent{1, 9, "x"}), except);
    });
    ex_.run_until_idle();
  }

  ManualExecutor ex_{3};
  LocalBus bus_{ex_, 7};
  Listener listener_;
};

TEST_F(LocalBusTest, AnEventReachesEveryDeviceOfItsUsersOnTheirShardsButTheOneLeftOut) {
  Sink a1, a2, b1, c1;
  const auto alice1 = online(a1, 1, 10, 0);
  online(a2, 1, 11, 2);
  online(b1, 2, 20, 1);
  online(c1, 3, 30, 1);
  EXPECT_EQ(alice1.handle.node, 7u);
  deliver({1, 2}, alice1.handle);
  EXPECT_EQ(a1.events.size(), 0u);
  EXPECT_EQ(a2.events.size(), 1u);
  EXPECT_EQ(b1.events.size(), 1u);
  EXPECT_EQ(c1.events.size(), 0u);
  EXPECT_EQ(a2.events[0], b1.events[0]) << "one event object shared by every recipient";
}

TEST_F(LocalBusTest, ADetachedOrClosedSessionGetsNothingMore) {
  Sink s1, s2;
  const auto first = online(s1, 1, 10, 0);
  const auto second = online(s2, 1, 11, 1);
  ex_.on_shard(0, [&] { bus_.detach(first); });
  ex_.on_shard(1, [&] { bus_.close_session(second.handle); });
  ex_.run_until_idle();
  deliver({1});
  EXPECT_TRUE(s1.events.empty());
  EXPECT_TRUE(s2.events.empty());
}

TEST_F(LocalBusTest, KicksFollowTheirFilter) {
  Sink d1, d1b, d2;
  const auto asking = online(d1, 1, 10, 0);
  online(d1b, 1, 10, 1);
  online(d2, 1, 11, 2);
  ex_.on_shard(0, [&] {
    bus_.kick(1, Errc::token_invalid, KickFilter{KickFilter::Kind::device, 10, asking.handle});
  });
  ex_.run_until_idle();
  EXPECT_TRUE(d1.kicks.empty()) << "the session that asked is spared";
  EXPECT_EQ(d1b.kicks, std::vector<Errc>{Errc::token_invalid});
  EXPECT_TRUE(d2.kicks.empty());
  ex_.on_shard(0, [&] {
    bus_.kick(1, Errc::token_invalid,
              KickFilter{KickFilter::Kind::all_but_device, 10, asking.handle});
  });
  ex_.run_until_idle();
  EXPECT_EQ(d2.kicks, std::vector<Errc>{Errc::token_invalid});
  EXPECT_EQ(d1b.kicks.size(), 1u);
}

TEST_F(LocalBusTest, TheListenerHearsOfTheFirstAndLastDeviceOnly) {
  Sink a, b;
  const auto one = online(a, 5, 1, 0);
  const auto two = online(b, 5, 2, 1);
  ex_.on_shard(0, [&] { bus_.detach(one); });
  ex_.run_until_idle();
  EXPECT_EQ(listener_.changes, (std::vector<std::pair<UserId, bool>>{{5, true}}));
  ex_.on_shard(1, [&] { bus_.detach(two); });
  ex_.run_until_idle();
  EXPECT_EQ(listener_.changes, (std::vector<std::pair<UserId, bool>>{{5, true}, {5, false}}));
}

TEST_F(LocalBusTest, TheDirectoryKeepsWhatWasAnnounced) {
  EXPECT_FALSE(bus_.is_online(4));
  bus_.set_announced(4, true);
  EXPECT_TRUE(bus_.is_online(4));
  bus_.set_announced(4, false);
  EXPECT_FALSE(bus_.is_online(4));
}

}  // namespace
}  // namespace parley::bus
