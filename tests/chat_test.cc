// Groups, order, reactions, read markers, delete for me / for everyone, edit, conversation list
// and unread counts, end to end over the native protocol.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "chat_support.h"

namespace parley::testing {
namespace {

namespace f = frames;

using Chat = ChatServerTest;

TEST_F(Chat, GroupLifecycleWithRolesAndSystemEntries) {
  auto alice = user("alice");
  auto bob = user("bob");
  auto carol = user("carol");
  auto dave = user("dave");
  auto created = alice.ok(f::create_group("Team", {"bob", "carol"}));
  ASSERT_TRUE(created.has_conversation());
  const auto id = created.conversation().conversation_id();
  EXPECT_EQ(created.conversation().members_size(), 3);
  auto system = bob.next_message();
  EXPECT_EQ(system.kind(), v1::SYSTEM);
  EXPECT_EQ(system.seq(), 1);
  EXPECT_NE(system.text().find("\"created\""), std::string::npos);

  // A plain member may not add or rename.
  EXPECT_EQ(bob.error(f::group(id, v1::ADD_MEMBERS, {"dave"})), v1::FORBIDDEN);
  EXPECT_EQ(bob.error(f::group(id, v1::RENAME, {}, "Mine")), v1::FORBIDDEN);
  // The owner makes bob admin; an admin adds, but cannot remove another admin.
  alice.ok(f::group(id, v1::SET_ROLE, {"bob"}, {}, v1::ADMIN));
  bob.ok(f::group(id, v1::ADD_MEMBERS, {"dave"}));
  EXPECT_EQ(bob.error(f::group(id, v1::ADD_MEMBERS, {"dave"})), v1::INVALID_ARGUMENT);
  alice.ok(f::group(id, v1::SET_ROLE, {"carol"}, {}, v1::ADMIN));
  EXPECT_EQ(bob.error(f::group(id, v1::REMOVE_MEMBERS, {"carol"})), v1::FORBIDDEN);
  EXPECT_EQ(bob.error(f::group(id, v1::REMOVE_MEMBERS, {"alice"})), v1::FORBIDDEN);
  alice.ok(f::group(id, v1::RENAME, {}, "Team 2"));

  // Dave was removed: he gets the entry recording it, then his reads fail.
  bob.ok(f::group(id, v1::REMOVE_MEMBERS, {"dave"}));
  bool saw_removal = false;
  for (v1::Message m = dave.next_message(); m.seq() != 0 && !saw_removal;) {
    saw_removal = m.text().find("\"removed\"") != std::string::npos;
    if (!saw_removal) m = dave.next_message();
  }
  EXPECT_TRUE(saw_removal);
  EXPECT_EQ(dave.error(f::history(id, 0)), v1::NOT_FOUND);
  EXPECT_EQ(dave.error(f::send(id, "let me in", "d1")), v1::NOT_FOUND);
  auto left = dave.next(v1::ServerFrame::kUserUpdate);
  ASSERT_TRUE(left);
  EXPECT_EQ(left->user_update().update().kind(), v1::LEFT);

  // The owner leaves: the longest-standing admin (bob) becomes owner.
  alice.ok(f::group(id, v1::LEAVE));
  auto page = bob.ok(f::history(id, 0));
  const auto& entries = page.history().messages();
  ASSERT_GT(entries.size(), 0);
  EXPECT_NE(entries.rbegin()->text().find("\"new_owner\":\"bob\""), std::string::npos)
      << entries.rbegin()->text();
  // Seq is gap-free across every kind of entry.
  for (int i = 0; i < entries.size(); ++i) EXPECT_EQ(entries[i].seq(), i + 1);
  EXPECT_EQ(alice.error(f::history(id, 0)), v1::NOT_FOUND);
}

TEST_F(Chat, NewMembersSeeFromTheirJoinPointUnlessHistoryIsShared) {
  auto alice = user("alice");
  auto bob = user("bob");
  auto carol = user("carol");
  for (bool shared : {false, true}) {
    auto g = alice.ok(f::create_group(shared ? "shared" : "private", {"bob"}, shared));
    const auto id = g.conversation().conversation_id();
    alice.ok(f::send(id, "before carol", shared ? "s1" : "p1"));
    alice.ok(f::group(id, v1::ADD_MEMBERS, {"carol"}));
    alice.ok(f::send(id, "after carol", shared ? "s2" : "p2"));
    auto page = carol.ok(f::history(id, 0));
    std::vector<std::string> texts;
    for (const auto& m : page.history().messages()) {
      if (m.kind() == v1::TEXT) texts.push_back(m.text());
    }
    if (shared) {
      EXPECT_EQ(texts, (std::vector<std::string>{"before carol", "after carol"}));
    } else {
      EXPECT_EQ(texts, (std::vector<std::string>{"after carol"}));
      // Her first visible entry is the one announcing her.
      EXPECT_NE(page.history().messages(0).text().find("\"added\""), std::string::npos);
    }
  }
}

TEST_F(Chat, ConcurrentSendersProduceOneOrderForEveryone) {
  std::vector<Device> members;
  const std::vector<std::string> names = {"ann", "ben", "cat", "dan"};
  for (const auto& n : names) members.push_back(user(n));
  auto g = members[0].ok(f::create_group("race", {"ben", "cat", "dan"}));
  const auto id = g.conversation().conversation_id();
  constexpr int kPerSender = 40;
  // Three senders on their own connections, at once.
  std::vector<Device> senders;
  for (int i = 0; i < 3; ++i) senders.push_back(device(names[i]));
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i) {
    threads.emplace_back([&, i] {
      for (int k = 0; k < kPerSender; ++k) {
        const std::string cid = names[i] + "-" + std::to_string(k);
        auto a = senders[i].client->request(f::send(id, cid, cid));
        ASSERT_TRUE(a && a->has_send_ack());
      }
    });
  }
  for (auto& t : threads) t.join();
  // Every member (including each sender's other device) sees the same seq -> message map.
  std::map<std::int64_t, std::string> reference;
  for (auto& m : members) {
    std::map<std::int64_t, std::string> seen;
    while (seen.size() < 3 * kPerSender) {
      auto msg = m.next_message();
      if (msg.seq() == 0) break;
      if (msg.kind() == v1::TEXT) seen[msg.seq()] = msg.client_msg_id();
    }
    ASSERT_EQ(seen.size(), 3u * kPerSender) << m.username;
    if (reference.empty()) reference = seen;
    EXPECT_EQ(seen, reference) << m.username;
  }
  // And history says the same.
  auto page = members[3].ok(f::history(id, 1));
  std::map<std::int64_t, std::string> stored;
  for (const auto& m : page.history().messages()) stored[m.seq()] = m.client_msg_id();
  EXPECT_EQ(stored, reference);
}

TEST_F(Chat, ReactionsAreVisibleToEveryoneAndChecked) {
  auto alice = user("alice");
  auto bob = user("bob");
  auto ack = alice.ok(f::send_to("bob", "like me", "m1"));
  const auto id = ack.send_ack().conversation_id();
  const auto seq = ack.send_ack().seq();
  ASSERT_EQ(bob.next_message().seq(), seq);
  bob.ok(f::react(id, seq, ""));  // default 👍
  bob.ok(f::react(id, seq, "🎉"));
  EXPECT_EQ(bob.error(f::react(id, seq, "🎉")), v1::INVALID_ARGUMENT);
  auto entry = alice.next_message();
  EXPECT_EQ(entry.kind(), v1::REACTION);
  EXPECT_EQ(entry.target_seq(), seq);
  EXPECT_EQ(entry.text(), "👍");
  bob.ok(f::react(id, seq, "👍", /*remove=*/true));
  EXPECT_EQ(bob.error(f::react(id, seq, "👍", true)), v1::INVALID_ARGUMENT);
  EXPECT_EQ(bob.error(f::react(id, 999, "👍")), v1::NOT_FOUND);
  auto page = alice.ok(f::history(id, 0));
  const auto& m = page.history().messages(0);
  ASSERT_EQ(m.reactions_size(), 1);
  EXPECT_EQ(m.reactions(0).emoji(), "🎉");
  EXPECT_EQ(m.reactions(0).username(), "bob");
}

TEST_F(Chat, ReadMarkersAndUnreadCounts) {
  auto alice = user("alice");
  auto bob = user("bob");
  std::int64_t id = 0;
  for (int i = 1; i <= 5; ++i) {
    id = alice.ok(f::send_to("bob", "m" + std::to_string(i), "m" + std::to_string(i)))
             .send_ack()
             .conversation_id();
  }
  auto list = bob.ok(f::list_conversations());
  ASSERT_EQ(list.conversations().conversations_size(), 1);
  EXPECT_EQ(list.conversations().conversations(0).unread(), 5);
  EXPECT_EQ(list.conversations().total_unread(), 5);
  EXPECT_EQ(list.conversations().conversations(0).title(), "alice");
  EXPECT_EQ(list.conversations().conversations(0).last_message().text(), "m5");
  // Own messages never count as unread.
  EXPECT_EQ(alice.ok(f::list_conversations()).conversations().conversations(0).unread(), 0);

  bob.ok(f::mark_read(id, 3));
  auto read = alice.next(v1::ServerFrame::kRead);
  ASSERT_TRUE(read);
  EXPECT_EQ(read->read().username(), "bob");
  EXPECT_EQ(read->read().read_seq(), 3);
  EXPECT_EQ(bob.ok(f::list_conversations()).conversations().conversations(0).unread(), 2);
  // Never moves back; beyond the end is an error.
  bob.ok(f::mark_read(id, 1));
  EXPECT_EQ(bob.ok(f::list_conversations()).conversations().conversations(0).read_seq(), 3);
  EXPECT_EQ(bob.error(f::mark_read(id, 99)), v1::NOT_FOUND);  // no such entry
  // Each member sees the other's position (avatars after the last read message).
  auto sync = alice.ok(f::sync(0));
  ASSERT_EQ(sync.sync().conversations_size(), 1);
  for (const auto& m : sync.sync().conversations(0).members()) {
    if (m.username() == "bob") {
      EXPECT_EQ(m.read_seq(), 3);
    }
    if (m.username() == "alice") {
      EXPECT_EQ(m.read_seq(), 5);  // sending marks own position
    }
  }
  // Hidden and deleted messages are not unread.
  bob.ok(f::remove(id, 4, /*for_everyone=*/false));
  alice.ok(f::remove(id, 5, /*for_everyone=*/true));
  EXPECT_EQ(bob.ok(f::list_conversations()).conversations().conversations(0).unread(), 0);
}

TEST_F(Chat, DeleteForMeHidesOnlyForThatUser) {
  auto alice = user("alice");
  auto bob = user("bob");
  auto bob2 = device("bob");
  auto ack = alice.ok(f::send_to("bob", "embarrassing", "m1")).send_ack();
  bob.ok(f::remove(ack.conversation_id(), ack.seq(), false));
  // Bob's other device learns it from his user log.
  auto update = bob2.next(v1::ServerFrame::kUserUpdate);
  ASSERT_TRUE(update);
  EXPECT_EQ(update->user_update().update().kind(), v1::HIDDEN);
  EXPECT_EQ(update->user_update().update().seq(), ack.seq());
  auto bobs = bob2.ok(f::history(ack.conversation_id(), 0)).history().messages(0);
  EXPECT_TRUE(bobs.hidden());
  EXPECT_EQ(bobs.text(), "");
  auto alices = alice.ok(f::history(ack.conversation_id(), 0)).history().messages(0);
  EXPECT_FALSE(alices.hidden());
  EXPECT_EQ(alices.text(), "embarrassing");
  EXPECT_EQ(bob.error(f::remove(ack.conversation_id(), 42, false)), v1::NOT_FOUND);
}

TEST_F(Chat, DeleteForEveryoneLeavesATombstoneAndOnlyTheSenderMay) {
  auto alice = user("alice");
  auto bob = user("bob");
  auto ack = alice.ok(f::send_to("bob", "oops", "m1")).send_ack();
  const auto id = ack.conversation_id();
  alice.ok(f::edit(id, ack.seq(), "oops, edited"));
  bob.ok(f::react(id, ack.seq(), "😮"));
  EXPECT_EQ(bob.error(f::remove(id, ack.seq(), true)), v1::FORBIDDEN);
  alice.ok(f::remove(id, ack.seq(), true));
  for (const Device* d : {&alice, &bob}) {
    auto page = d->client->request(f::history(id, 0));
    ASSERT_TRUE(page && page->has_history());
    const auto& entries = page->history().messages();
    const auto& original = entries[0];
    EXPECT_TRUE(original.deleted());
    EXPECT_EQ(original.text(), "");
    EXPECT_EQ(original.reactions_size(), 0);
    for (const auto& e : entries) {
      // The body is erased everywhere, edits included.
      if (e.kind() == v1::EDIT) {
        EXPECT_EQ(e.text(), "");
      }
    }
    EXPECT_EQ(entries.rbegin()->kind(), v1::DELETION);
  }
  EXPECT_EQ(alice.error(f::edit(id, ack.seq(), "again")), v1::NOT_FOUND);
}

TEST_F(Chat, OnlyTheSenderEdits) {
  auto alice = user("alice");
  auto bob = user("bob");
  auto ack = alice.ok(f::send_to("bob", "teh", "m1")).send_ack();
  EXPECT_EQ(bob.error(f::edit(ack.conversation_id(), ack.seq(), "mine now")), v1::FORBIDDEN);
  alice.ok(f::edit(ack.conversation_id(), ack.seq(), "the"));
  bob.next_message();  // the original
  auto edit = bob.next_message();
  EXPECT_EQ(edit.kind(), v1::EDIT);
  EXPECT_EQ(edit.text(), "the");
  auto m = bob.ok(f::history(ack.conversation_id(), 0)).history().messages(0);
  EXPECT_EQ(m.text(), "the");
  EXPECT_GT(m.edited_at_ms(), 0);
}

TEST_F(Chat, ConversationListOrderMuteAndNickname) {
  auto alice = user("alice");
  auto alice2 = device("alice");
  auto bob = user("bob");
  auto carol = user("carol");
  const auto with_bob = alice.ok(f::send_to("bob", "hi bob", "a1")).send_ack().conversation_id();
  const auto with_carol =
      alice.ok(f::send_to("carol", "hi carol", "a2")).send_ack().conversation_id();
  auto list = alice.ok(f::list_conversations()).conversations();
  ASSERT_EQ(list.conversations_size(), 2);
  EXPECT_EQ(list.conversations(0).conversation_id(), with_carol);  // most recent first
  bob.ok(f::send_to("alice", "back", "b1"));
  list = alice.ok(f::list_conversations()).conversations();
  EXPECT_EQ(list.conversations(0).conversation_id(), with_bob);

  alice.ok(f::settings(with_bob, true, "Bobby"));
  // Alice's other device follows.
  int seen = 0;
  while (seen < 2) {
    auto u = alice2.next(v1::ServerFrame::kUserUpdate);
    ASSERT_TRUE(u);
    const auto& update = u->user_update().update();
    if (update.kind() == v1::MUTED) {
      EXPECT_TRUE(update.flag());
      ++seen;
    }
    if (update.kind() == v1::NICKNAME) {
      EXPECT_EQ(update.text(), "Bobby");
      ++seen;
    }
  }
  auto mine = alice2.ok(f::list_conversations()).conversations();
  for (const auto& c : mine.conversations()) {
    if (c.conversation_id() == with_bob) {
      EXPECT_TRUE(c.muted());
      EXPECT_EQ(c.nickname(), "Bobby");
    }
  }
  // Per user: bob's view is untouched.
  auto bobs = bob.ok(f::list_conversations()).conversations().conversations(0);
  EXPECT_FALSE(bobs.muted());
  EXPECT_EQ(bobs.nickname(), "");
}

TEST_F(Chat, OnlyMembersActOnAConversation) {
  auto alice = user("alice");
  auto bob = user("bob");
  auto mallory = user("mallory");
  auto ack = alice.ok(f::send_to("bob", "private", "m1")).send_ack();
  const auto id = ack.conversation_id();
  EXPECT_EQ(mallory.error(f::react(id, ack.seq(), "👍")), v1::NOT_FOUND);
  EXPECT_EQ(mallory.error(f::mark_read(id, 1)), v1::NOT_FOUND);
  EXPECT_EQ(mallory.error(f::remove(id, 1, false)), v1::NOT_FOUND);
  EXPECT_EQ(mallory.error(f::remove(id, 1, true)), v1::NOT_FOUND);
  EXPECT_EQ(mallory.error(f::settings(id, true, std::nullopt)), v1::NOT_FOUND);
  EXPECT_EQ(mallory.error(f::typing(id)), v1::NOT_FOUND);
  const auto add = mallory.error(f::group(id, v1::ADD_MEMBERS, {"mallory"}));
  EXPECT_EQ(add, v1::NOT_FOUND);
  // Nothing of theirs changed.
  auto page = bob.ok(f::history(id, 0)).history();
  ASSERT_EQ(page.messages_size(), 1);
  EXPECT_EQ(page.messages(0).reactions_size(), 0);
}

}  // namespace
}  // namespace parley::testing

namespace parley::testing {
namespace {

namespace f = frames;

TEST_F(Chat, BadChatInputGetsAClearErrorAndChangesNothing) {
  auto alice = user("alice");
  auto bob = user("bob");
  const auto ack = alice.ok(f::send_to("bob", "hi", "a1")).send_ack();
  const auto id = ack.conversation_id();
  EXPECT_EQ(alice.error(f::create_group("", {"bob"})), v1::INVALID_ARGUMENT);
  EXPECT_EQ(alice.error(f::create_group(std::string(300, 't'), {"bob"})), v1::INVALID_ARGUMENT);
  EXPECT_EQ(alice.error(f::create_group("ghosts", {"nobody-here"})), v1::USER_NOT_FOUND);
  EXPECT_EQ(alice.error(f::edit(id, ack.seq(), "")), v1::INVALID_ARGUMENT);
  EXPECT_EQ(alice.error(f::edit(id, ack.seq(), std::string(70 * 1024, 'x'))),
            v1::MESSAGE_TOO_LARGE);
  EXPECT_EQ(alice.error(f::edit(id, ack.seq(), "bad \xC3\x28 utf8")), v1::INVALID_UTF8);
  EXPECT_EQ(bob.error(f::react(id, ack.seq(), std::string(100, 'e'))), v1::INVALID_ARGUMENT);
  EXPECT_EQ(alice.error(f::settings(id, std::nullopt, std::string(200, 'n'))),
            v1::INVALID_ARGUMENT);
  EXPECT_EQ(alice.error(f::settings(id, std::nullopt, std::nullopt)), v1::INVALID_ARGUMENT);
  EXPECT_EQ(alice.error(f::mark_read(0, 1)), v1::INVALID_ARGUMENT);
  EXPECT_EQ(alice.error(f::typing(0)), v1::INVALID_ARGUMENT);
  EXPECT_EQ(alice.error(f::group(id, v1::GROUP_ACTION_UNSPECIFIED)), v1::INVALID_ARGUMENT);
  EXPECT_EQ(alice.error(f::contact("bob", v1::CONTACT_ACTION_UNSPECIFIED)), v1::INVALID_ARGUMENT);
  // Nothing changed: the message is as sent, and nobody has a group.
  auto page = bob.ok(f::history(id, 0)).history();
  ASSERT_EQ(page.messages_size(), 1);
  EXPECT_EQ(page.messages(0).text(), "hi");
  EXPECT_EQ(page.messages(0).reactions_size(), 0);
  EXPECT_EQ(alice.ok(f::list_conversations()).conversations().conversations_size(), 1);
  // The session is still usable.
  alice.ok(f::send_to("bob", "still here", "a2"));
}

TEST(ChatLimits, GroupSizeLimitIsConfigurable) {
  TempDir dir;
  ServerProcess server(dir.path(),
                       std::string(kFastSecurity) + "[limits]\nmax_group_members = 3\n");
  ASSERT_TRUE(server.ready()) << server.error();
  auto alice = connect_device(server, "alice", true);
  for (const char* name : {"bob", "carol", "dave"}) connect_device(server, name, true);
  EXPECT_EQ(alice.error(f::create_group("four", {"bob", "carol", "dave"})), v1::INVALID_ARGUMENT);
  const auto id =
      alice.ok(f::create_group("three", {"bob", "carol"})).conversation().conversation_id();
  EXPECT_EQ(alice.error(f::group(id, v1::ADD_MEMBERS, {"dave"})), v1::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace parley::testing
