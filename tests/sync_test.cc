// Multi-device and offline sync: a device that was away catches up on every kind of change —
// messages, edits, deletions, reactions, membership, others' read positions, and its own user's
// read/mute/nickname/hide/contact actions from other devices — without re-fetching what it holds.
#include <gtest/gtest.h>

#include <map>

#include "chat_support.h"

namespace parley::testing {
namespace {

namespace f = frames;

TEST(Sync, AnOfflineDeviceCatchesUpOnEveryKindOfChange) {
  TempDir dir;
  ServerProcess server(dir.path(), kFastSecurity);
  ASSERT_TRUE(server.ready()) << server.error();
  auto alice = connect_device(server, "alice", true);
  auto carol = connect_device(server, "carol", true);
  auto dave = connect_device(server, "dave", true);
  std::int64_t group = 0;
  std::int64_t direct = 0;
  std::int64_t held_user_seq = 0;
  std::map<std::int64_t, std::int64_t> held;  // conversation -> highest seq held
  {
    auto bob_phone = connect_device(server, "bob", true);
    group =
        bob_phone.ok(f::create_group("trip", {"alice", "carol"})).conversation().conversation_id();
    direct = alice.ok(f::send_to("bob", "first", "a1")).send_ack().conversation_id();
    // The phone holds everything so far, then goes offline.
    auto s = bob_phone.ok(f::sync(0)).sync();
    held_user_seq = s.user_seq();
    for (const auto& c : s.conversations()) held[c.conversation_id()] = c.last_seq();
  }
  auto bob_laptop = connect_device(server, "bob", false);

  // While the phone is away:
  const auto m2 = alice.ok(f::send_to("bob", "second", "a2")).send_ack().seq();
  alice.ok(f::edit(direct, m2, "second (edited)"));
  const auto m3 = alice.ok(f::send_to("bob", "third", "a3")).send_ack().seq();
  alice.ok(f::remove(direct, m3, true));
  const auto g1 = carol.ok(f::send(group, "group hello", "c1")).send_ack().seq();
  alice.ok(f::react(group, g1, "❤️"));
  bob_laptop.ok(f::group(group, v1::ADD_MEMBERS, {"dave"}));
  alice.ok(f::mark_read(group, g1));        // another member's read position
  bob_laptop.ok(f::mark_read(direct, m2));  // own actions on another device
  bob_laptop.ok(f::settings(group, true, "Holiday"));
  bob_laptop.ok(f::remove(direct, 1, false));
  dave.ok(f::contact("bob", v1::REQUEST));

  // The phone comes back and syncs from its cursors.
  auto phone = connect_device(server, "bob", false);
  auto s = phone.ok(f::sync(held_user_seq)).sync();
  std::map<v1::UserUpdateKind, int> kinds;
  for (const auto& u : s.updates()) {
    EXPECT_GT(u.user_seq(), held_user_seq);  // nothing it already had
    ++kinds[u.kind()];
  }
  EXPECT_EQ(kinds[v1::READ], 1);
  EXPECT_EQ(kinds[v1::MUTED], 1);
  EXPECT_EQ(kinds[v1::NICKNAME], 1);
  EXPECT_EQ(kinds[v1::HIDDEN], 1);
  EXPECT_EQ(kinds[v1::CONTACT], 1);
  EXPECT_EQ(s.user_seq(), s.updates().rbegin()->user_seq());

  std::map<v1::MessageKind, int> entries;
  for (const auto& c : s.conversations()) {
    if (c.conversation_id() == group) {
      EXPECT_TRUE(c.muted());
      EXPECT_EQ(c.nickname(), "Holiday");
      for (const auto& m : c.members()) {
        if (m.username() == "alice") {
          EXPECT_EQ(m.read_seq(), g1);
        }
        if (m.username() == "dave") {
          EXPECT_GT(m.joined_seq(), 0);
        }
      }
    }
    if (c.conversation_id() == direct) {
      EXPECT_EQ(c.read_seq(), m2);
    }
    // Only what is missing is fetched: entries above the held seq.
    auto page = phone.ok(f::history(c.conversation_id(), held[c.conversation_id()])).history();
    ASSERT_EQ(page.messages_size(), c.last_seq() - held[c.conversation_id()]);
    for (const auto& m : page.messages()) {
      EXPECT_GT(m.seq(), held[c.conversation_id()]);
      ++entries[m.kind()];
    }
  }
  EXPECT_EQ(entries[v1::TEXT], 3);  // second, third (now a tombstone), group hello
  EXPECT_EQ(entries[v1::EDIT], 1);
  EXPECT_EQ(entries[v1::DELETION], 1);
  EXPECT_EQ(entries[v1::REACTION], 1);
  EXPECT_EQ(entries[v1::SYSTEM], 1);  // dave added
}

TEST(Sync, TwoDevicesSeeEachOthersReadMuteHideAndDelete) {
  TempDir dir;
  ServerProcess server(dir.path(), kFastSecurity);
  ASSERT_TRUE(server.ready()) << server.error();
  auto alice = connect_device(server, "alice", true);
  auto bob1 = connect_device(server, "bob", true);
  auto bob2 = connect_device(server, "bob", false);
  auto ack = alice.ok(f::send_to("bob", "hello", "a1")).send_ack();
  const auto id = ack.conversation_id();
  auto mine = bob1.ok(f::send_to("alice", "mine", "b1")).send_ack();
  EXPECT_EQ(bob2.next_message().text(), "hello");
  EXPECT_EQ(bob2.next_message().text(), "mine");  // the sender's other device gets it too

  // Each device also receives the updates it caused itself; look for the other device's.
  auto expect_update = [&](Device& d, v1::UserUpdateKind kind) {
    for (auto u = d.next(v1::ServerFrame::kUserUpdate); u;
         u = d.next(v1::ServerFrame::kUserUpdate)) {
      if (u->user_update().update().kind() == kind) return;
    }
    ADD_FAILURE() << d.username << ": no update of kind " << kind;
  };
  // Sending moved bob's read position past "hello" already; a newer entry to mark:
  auto later = alice.ok(f::send_to("bob", "again", "a2")).send_ack();
  bob1.ok(f::mark_read(id, later.seq()));
  expect_update(bob2, v1::READ);
  bob2.ok(f::settings(id, true, std::nullopt));
  expect_update(bob1, v1::MUTED);
  bob1.ok(f::remove(id, ack.seq(), false));
  expect_update(bob2, v1::HIDDEN);
  bob2.ok(f::remove(id, mine.seq(), true));
  auto deletion = bob1.next_message();
  EXPECT_EQ(deletion.kind(), v1::DELETION);
  EXPECT_EQ(deletion.target_seq(), mine.seq());
}

}  // namespace
}  // namespace parley::testing
