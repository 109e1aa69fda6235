// Presence as contacts see it (issue 8, item 9): announcements of one user arrive in the order
// they were decided, so the last one a contact sees is the user's real state.
#include <gtest/gtest.h>

#include "testing/core_harness.h"

namespace parley::testing {
namespace {

class Presence : public CoreHarness {
 protected:
  static std::optional<bool> last_seen_online(const RecordingSink& sink, UserId user) {
    std::optional<bool> last;
    for (const PresenceEvent& e : sink.of<PresenceEvent>()) {
      if (e.user_id == user) last = e.online;
    }
    return last;
  }
};

// "offline" stores last-seen on the writer before it is announced; an "online" decided after it
// goes straight to the blocking pool and used to overtake it, leaving contacts with "offline".
TEST_F(Presence, AnOfflineAnnouncementCannotOvertakeTheOnlineAfterIt) {
  const AuthGrant alice = register_user("alice");
  const AuthGrant bob = register_user("bob");
  TestSession& b = attach(bob, 1);
  TestSession& a = attach(alice, 0);
  befriend(a, b);
  ex_.advance(config_.chat.presence_coalesce_ms + 1);
  ASSERT_EQ(last_seen_online(*b.sink, alice.user_id), std::optional<bool>(true));

  close(a);  // the last device goes: a coalescing window opens
  ex_.fire_timers(config_.chat.presence_coalesce_ms + 1);
  ex_.run_shards();  // "offline" decided; its last-seen write waits on the writer
  ASSERT_GT(ex_.writer_queued(), 0u);
  RecordingSink again;
  SessionHandle handle;
  ex_.on_shard(0, [&] {
    handle = core_->open_session(again);
    core_->attach(handle, alice);
  });
  ex_.run_shards();
  ex_.fire_timers(config_.chat.presence_coalesce_ms + 1);
  ex_.run_shards();                                 // "online" decided
  while (ex_.run_blocking_one()) ex_.run_shards();  // and delivered first...
  ex_.run_until_idle();                             // ...then the writer and the rest
  EXPECT_EQ(last_seen_online(*b.sink, alice.user_id), std::optional<bool>(true))
      << "bob is left believing alice is offline";
  ex_.on_shard(0, [&] { core_->close_session(handle); });
  ex_.run_until_idle();
}

}  // namespace
}  // namespace parley::testing
