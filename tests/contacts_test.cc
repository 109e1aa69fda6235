// Contacts, blocking, presence and typing, end to end over the native protocol.
#include <gtest/gtest.h>

#include <map>

#include "chat_support.h"

namespace parley::testing {
namespace {

namespace f = frames;

class Contacts : public ChatServerTest {
 protected:
  static std::map<std::string, v1::ContactInfo> contacts(Device& d) {
    std::map<std::string, v1::ContactInfo> out;
    const v1::ServerFrame answer = d.ok(f::list_contacts());  // outlives the loop below
    for (const auto& c : answer.contacts().contacts()) out[c.username()] = c;
    return out;
  }
};

TEST_F(Contacts, RequestAcceptDeclineRemove) {
  auto alice = user("alice");
  auto bob = user("bob");
  auto carol = user("carol");
  alice.ok(f::contact("bob", v1::REQUEST));
  auto incoming = bob.next(v1::ServerFrame::kUserUpdate);
  ASSERT_TRUE(incoming);
  EXPECT_EQ(incoming->user_update().update().kind(), v1::CONTACT);
  EXPECT_EQ(incoming->user_update().update().peer(), "alice");
  EXPECT_EQ(incoming->user_update().update().contact_state(), v1::REQUEST_RECEIVED);
  EXPECT_EQ(contacts(alice)["bob"].state(), v1::REQUEST_SENT);
  EXPECT_EQ(alice.error(f::contact("bob", v1::ACCEPT)), v1::INVALID_ARGUMENT);
  bob.ok(f::contact("alice", v1::ACCEPT));
  EXPECT_EQ(contacts(alice)["bob"].state(), v1::ACCEPTED);
  EXPECT_EQ(contacts(bob)["alice"].state(), v1::ACCEPTED);

  carol.ok(f::contact("alice", v1::REQUEST));
  alice.ok(f::contact("carol", v1::DECLINE));
  EXPECT_EQ(contacts(carol).count("alice"), 0u);
  alice.ok(f::contact("bob", v1::REMOVE));
  EXPECT_EQ(contacts(bob).count("alice"), 0u);
  EXPECT_EQ(alice.error(f::contact("nobody-here", v1::REQUEST)), v1::USER_NOT_FOUND);
}

TEST_F(Contacts, PresenceReachesContactsOnlyAndCarriesLastSeen) {
  auto alice = user("alice");
  auto mallory = user("mallory");
  {
    auto bob = user("bob");
    alice.ok(f::contact("bob", v1::REQUEST));
    bob.ok(f::contact("alice", v1::ACCEPT));
    // Bob is announced online once (at the accept, or when his login's window closes).
    auto online = alice.next(v1::ServerFrame::kPresence);
    ASSERT_TRUE(online);
    EXPECT_TRUE(online->presence().online());
    EXPECT_TRUE(contacts(alice)["bob"].online());
  }
  // Bob's only device went away: alice hears it once the coalescing window closes.
  auto offline = alice.next(v1::ServerFrame::kPresence);
  ASSERT_TRUE(offline);
  EXPECT_FALSE(offline->presence().online());
  EXPECT_EQ(offline->presence().username(), "bob");
  EXPECT_GT(offline->presence().last_seen_ms(), 0);
  auto list = contacts(alice);
  EXPECT_FALSE(list["bob"].online());
  EXPECT_GT(list["bob"].last_seen_ms(), 0);
  // Back online.
  auto bob = device("bob");
  auto online = alice.next(v1::ServerFrame::kPresence);
  ASSERT_TRUE(online);
  EXPECT_TRUE(online->presence().online());
  // A non-contact hears nothing and sees nothing.
  EXPECT_FALSE(mallory.next(v1::ServerFrame::kPresence, 1500ms));
  EXPECT_EQ(contacts(mallory).count("bob"), 0u);
}

TEST_F(Contacts, BlockedUserIsTreatedAsNonexistent) {
  auto alice = user("alice");
  auto bob = user("bob");
  alice.ok(f::contact("bob", v1::REQUEST));
  bob.ok(f::contact("alice", v1::ACCEPT));
  const auto id = bob.ok(f::send_to("alice", "hi", "b1")).send_ack().conversation_id();
  alice.ok(f::contact("bob", v1::BLOCK));
  EXPECT_EQ(contacts(alice)["bob"].state(), v1::BLOCKED);
  EXPECT_EQ(contacts(bob).count("alice"), 0u);
  // Bob gets the same answers as for a user who does not exist.
  EXPECT_EQ(bob.error(f::send_to("alice", "still there?", "b2")), v1::USER_NOT_FOUND);
  EXPECT_EQ(bob.error(f::send(id, "still there?", "b3")), v1::USER_NOT_FOUND);
  EXPECT_EQ(bob.error(f::contact("alice", v1::REQUEST)), v1::USER_NOT_FOUND);
  EXPECT_EQ(bob.error(f::create_group("trap", {"alice"})), v1::USER_NOT_FOUND);
  // Alice can still write; after unblocking bob can too.
  alice.ok(f::contact("bob", v1::UNBLOCK));
  bob.ok(f::send_to("alice", "thanks", "b4"));
}

TEST_F(Contacts, TypingReachesTheOtherMembersAndIsRateLimited) {
  auto alice = user("alice");
  auto bob = user("bob");
  const auto id = alice.ok(f::send_to("bob", "hi", "a1")).send_ack().conversation_id();
  alice.ok(f::typing(id));
  auto typing = bob.next(v1::ServerFrame::kTyping);
  ASSERT_TRUE(typing);
  EXPECT_EQ(typing->typing().username(), "alice");
  EXPECT_EQ(typing->typing().conversation_id(), id);
  // A burst within the interval relays nothing more (the answer is still ok).
  for (int i = 0; i < 5; ++i) alice.ok(f::typing(id));
  EXPECT_FALSE(bob.next(v1::ServerFrame::kTyping, 300ms));
  // Typing is never stored.
  EXPECT_EQ(bob.ok(f::history(id, 0)).history().messages_size(), 1);
}

}  // namespace
}  // namespace parley::testing
