// What an attacker found (issue 8) that a client sees over the native protocol: big answers
// that used to lock a reader out, amplification, blocking leaks, probeable conversation ids,
// reserved ids, a full disk, and the protocol answers the document promises.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "chat_support.h"

namespace parley::testing {
namespace {

namespace f = frames;

class Abuse : public ChatServerTest {
 protected:
  static std::string big_text(char fill) { return std::string(64 * 1024 - 16, fill); }
};

// 20 × 64 KiB messages used to make the conversation unreadable: the history answer was over
// the 1 MiB outbound bound and the reader was cut every time. Pages are bounded by bytes now.
TEST_F(Abuse, HistoryOfManyLargeMessagesComesInPagesAndTheReaderStays) {
  auto mallory = user("mallory");
  auto victim = user("victim");
  std::int64_t conversation = 0;
  for (int i = 0; i < 20; ++i) {
    auto ack = mallory.ok(f::send_to("victim", big_text('a' + i % 26), "big-" + std::to_string(i)));
    conversation = ack.send_ack().conversation_id();
  }
  std::int64_t after = 0;
  int pages = 0, messages = 0;
  while (true) {
    auto page = victim.ok(f::history(conversation, after, 200)).history();
    ASSERT_GT(page.messages_size(), 0);
    ++pages;
    messages += page.messages_size();
    after = page.messages(page.messages_size() - 1).seq();
    if (!page.has_more()) break;
  }
  EXPECT_EQ(messages, 20);
  EXPECT_GT(pages, 1) << "one page of 1.3 MB";
  // The same backwards, from the end.
  auto newest = victim.ok(f::history(conversation, 0, 200));
  v1::ClientFrame back;
  back.mutable_history()->set_conversation_id(conversation);
  back.mutable_history()->set_limit(200);
  auto tail = victim.ok(back).history();
  ASSERT_GT(tail.messages_size(), 0);
  EXPECT_TRUE(tail.has_more());
  EXPECT_EQ(tail.messages(tail.messages_size() - 1).seq(), 20);
}

// 18 groups with one 64 KiB message each used to break sync and the conversation list.
TEST_F(Abuse, ConversationListsCarryPreviewsNotWholeMessages) {
  auto mallory = user("mallory");
  auto victim = user("victim");
  for (int i = 0; i < 18; ++i) {
    auto group = mallory.ok(f::create_group("g" + std::to_string(i), {"victim"}));
    mallory.ok(
        f::send(group.conversation().conversation_id(), big_text('x'), "g-" + std::to_string(i)));
  }
  auto list = victim.ok(f::list_conversations()).conversations();
  ASSERT_EQ(list.conversations_size(), 18);
  for (const auto& c : list.conversations()) {
    EXPECT_TRUE(c.last_message().truncated());
    EXPECT_LE(c.last_message().text().size(), 1024u);
  }
  auto sync = victim.ok(f::sync(0)).sync();
  EXPECT_EQ(sync.conversations_size(), 18);
}

TEST_F(Abuse, ARepeatedReadMarkerChangesNothingAndTellsNobody) {
  auto alice = user("alice");
  auto bob = user("bob");
  auto ack = alice.ok(f::send_to("bob", "hi", "m1")).send_ack();
  for (int i = 0; i < 300; ++i) bob.ok(f::mark_read(ack.conversation_id(), ack.seq()));
  // One read event reached alice; a typing event afterwards proves the rest were never sent.
  alice.ok(f::send(ack.conversation_id(), "still there?", "m2"));
  bob.ok(f::typing(ack.conversation_id()));
  int reads = 0;
  while (true) {
    auto event = alice.client->next_event();
    ASSERT_TRUE(event) << "no typing event";
    if (event->has_read()) ++reads;
    if (event->has_typing()) break;
  }
  EXPECT_EQ(reads, 1);
  // And bob's own log holds one READ entry.
  auto sync = bob.ok(f::sync(0)).sync();
  int read_updates = 0;
  for (const auto& u : sync.updates()) read_updates += u.kind() == v1::READ;
  EXPECT_EQ(read_updates, 1);
}

TEST_F(Abuse, RepeatedContactRequestsAreRateLimited) {
  auto spammer = user("spammer");
  auto victim = user("victim");
  int limited = 0;
  for (int i = 0; i < 6; ++i) {
    auto answer = spammer.client->request(f::contact("victim", v1::REQUEST));
    ASSERT_TRUE(answer);
    if (answer->has_error()) {
      EXPECT_EQ(answer->error().code(), v1::RATE_LIMITED);
      ++limited;
      continue;
    }
    spammer.ok(f::contact("victim", v1::REMOVE));
  }
  EXPECT_EQ(limited, 3);
}

TEST_F(Abuse, ABlockLooksExactlyLikeANonexistentUser) {
  auto alice = user("alice");
  auto bob = user("bob");
  auto ack = bob.ok(f::send_to("alice", "hello", "b1")).send_ack();
  alice.ok(f::contact("bob", v1::BLOCK));
  EXPECT_EQ(bob.error(f::open_direct("alice")), bob.error(f::open_direct("nobody-at-all")));
  EXPECT_EQ(bob.error(f::open_direct("alice")), v1::USER_NOT_FOUND);
  // Typing and read markers of the blocked user never reach the blocker.
  bob.ok(f::typing(ack.conversation_id()));
  bob.ok(f::mark_read(ack.conversation_id(), ack.seq()));
  auto marker = user("marker");
  marker.ok(f::contact("alice", v1::REQUEST));  // an event alice does get, to know when to stop
  while (true) {
    auto event = alice.client->next_event();
    ASSERT_TRUE(event);
    EXPECT_FALSE(event->has_typing()) << "the blocked user's typing reached the blocker";
    EXPECT_FALSE(event->has_read()) << "the blocked user's read marker reached the blocker";
    if (event->has_user_update() && event->user_update().update().peer() == "marker") break;
  }
}

TEST_F(Abuse, AForeignConversationAnswersLikeAMissingOne) {
  auto alice = user("alice");
  auto bob = user("bob");
  auto mallory = user("mallory");
  const auto id = alice.ok(f::send_to("bob", "private", "p1")).send_ack().conversation_id();
  const std::int64_t missing = id + 1000;
  EXPECT_EQ(mallory.error(f::send(id, "x", "x1")), mallory.error(f::send(missing, "x", "x2")));
  EXPECT_EQ(mallory.error(f::edit(id, 1, "x")), mallory.error(f::edit(missing, 1, "x")));
  EXPECT_EQ(mallory.error(f::react(id, 1, "")), mallory.error(f::react(missing, 1, "")));
  EXPECT_EQ(mallory.error(f::remove(id, 1, true)), mallory.error(f::remove(missing, 1, true)));
  EXPECT_EQ(mallory.error(f::group(id, v1::RENAME, {}, "t")),
            mallory.error(f::group(missing, v1::RENAME, {}, "t")));
  EXPECT_EQ(mallory.error(f::send(id, "x", "x3")), v1::NOT_FOUND);
}

// A client id shaped like a system entry's used to collide with the next rename of the group,
// which then failed with INTERNAL carrying raw SQL.
TEST_F(Abuse, ClientIdsCannotTakeTheServersIdSpace) {
  auto alice = user("alice");
  auto group = alice.ok(f::create_group("team", {})).conversation();
  const auto id = group.conversation_id();
  const std::string next_system_id =
      "sys:" + std::to_string(id) + ":" + std::to_string(group.last_seq() + 1);
  EXPECT_EQ(alice.error(f::send(id, "sneaky", next_system_id)), v1::INVALID_ARGUMENT);
  EXPECT_EQ(alice.error(f::send(id, "sneaky", "~generated")), v1::INVALID_ARGUMENT);
  alice.ok(f::group(id, v1::RENAME, {}, "renamed"));
}

TEST_F(Abuse, ReadMarkersAndHistoryLimitsAnswerAsDocumented) {
  auto alice = user("alice");
  auto bob = user("bob");
  const auto id = alice.ok(f::send_to("bob", "one", "o1")).send_ack().conversation_id();
  EXPECT_EQ(bob.error(f::mark_read(id, 99)), v1::NOT_FOUND);
  EXPECT_EQ(bob.error(f::history(id, 0, 201)), v1::INVALID_ARGUMENT);
  EXPECT_EQ(bob.ok(f::history(id, 0, 200)).history().messages_size(), 1);
}

TEST_F(Abuse, TheSameDeviceKeyLogsIntoTheSameDevice) {
  auto first = RawClient::connect(server_->ports().native_tcp);
  ASSERT_TRUE(first->hello());
  v1::ClientFrame reg;
  reg.mutable_register_account()->set_username("dana");
  reg.mutable_register_account()->set_password("password-dana");
  reg.mutable_register_account()->set_device_key("dana-laptop");
  auto registered = first->request(reg);
  ASSERT_TRUE(registered && registered->has_auth_ok());
  auto second = RawClient::connect(server_->ports().native_tcp);
  ASSERT_TRUE(second->hello());
  v1::ClientFrame login;
  login.mutable_login()->set_username("dana");
  login.mutable_login()->set_password("password-dana");
  login.mutable_login()->set_device_key("dana-laptop");
  auto again = second->request(login);
  ASSERT_TRUE(again && again->has_auth_ok());
  EXPECT_EQ(again->auth_ok().device_id(), registered->auth_ok().device_id());
  // The first connection held the replaced token: it is ended.
  EXPECT_TRUE(first->wait_closed());
  ASSERT_TRUE(first->last_goodbye());
  EXPECT_EQ(first->last_goodbye()->reason(), v1::TOKEN_INVALID);
}

// A full disk: sends fail with UNAVAILABLE and no SQL in the text; reads go on; nothing acked is
// lost. [store] max_size_mb caps the database the same way a full file system does.
TEST(AbuseDisk, AFullStoreRefusesWritesCleanlyAndKeepsServingReads) {
  TempDir dir;
  const std::string log = dir.path() + "/parleyd.log";
  ServerProcess server(dir.path() + "/server",
                       std::string(kFastSecurity) + "[store]\nmax_size_mb = 1\n", {},
                       {.log_file = log});
  ASSERT_TRUE(server.ready()) << server.error();
  Device alice = connect_device(server, "alice", true);
  Device bob = connect_device(server, "bob", true);
  const Fill fill = send_until_refused(alice, "bob", 200);
  const int acked = fill.acked;
  const v1::Error& refusal = fill.refusal;
  ASSERT_GT(acked, 0);
  EXPECT_EQ(refusal.code(), v1::UNAVAILABLE) << refusal.message();
  EXPECT_EQ(refusal.message().find("INSERT"), std::string::npos) << refusal.message();
  EXPECT_EQ(refusal.message().find("SQL"), std::string::npos) << refusal.message();
  EXPECT_EQ(count_stored(bob, fill.conversation), acked);
  // The operator is told why, with the detail the client is not given.
  std::ifstream in(log);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(text.find("storage unavailable"), std::string::npos) << text;
}

}  // namespace
}  // namespace parley::testing
