// Reliable one-to-one messaging end to end, through the client library over real sockets.
#include <gtest/gtest.h>

#include <set>

#include "client/client.h"
#include "client/state_file.h"
#include "server_process.h"

namespace parley::testing {
namespace {

using client::Client;
using client::ClientOptions;
using namespace std::chrono_literals;

class Messaging : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(dir_.path());
    ASSERT_TRUE(server_->ready()) << server_->error();
  }

  ClientOptions options(const std::string& scheme = "tcp") {
    ClientOptions o;
    o.server_url = server_->url(scheme);
    o.insecure_tls = true;
    o.request_timeout = 10s;
    return o;
  }

  // A client registered (first call for a name) or logged in as `name`.
  std::unique_ptr<Client> device(const std::string& name, ClientOptions o) {
    auto c = std::make_unique<Client>(std::move(o));
    if (registered_.insert(name).second) {
      auto r = c->register_account(name, "password-" + name);
      EXPECT_TRUE(r) << r.error().message;
    } else {
      auto r = c->login(name, "password-" + name);
      EXPECT_TRUE(r) << r.error().message;
    }
    return c;
  }
  std::unique_ptr<Client> device(const std::string& name) { return device(name, options()); }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
  std::set<std::string> registered_;
};

TEST_F(Messaging, OnlineDelivery) {
  auto alice = device("alice");
  auto bob = device("bob");
  ASSERT_TRUE(bob->wait_connected(10s));
  auto ack = alice->send_to_user("bob", "hello bob");
  ASSERT_TRUE(ack) << ack.error().message;
  EXPECT_EQ(ack->seq, 1);
  EXPECT_FALSE(ack->duplicate);
  auto m = bob->next_message(10s);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->text(), "hello bob");
  EXPECT_EQ(m->sender(), "alice");
  EXPECT_EQ(m->seq(), 1);
  EXPECT_EQ(m->conversation_id(), ack->conversation_id);
  EXPECT_EQ(m->message_id(), ack->message_id);
}

TEST_F(Messaging, OfflineDeliveryInOrder) {
  auto alice = device("alice");
  device("bob").reset();  // bob exists but is offline
  for (int i = 1; i <= 5; ++i) {
    ASSERT_TRUE(alice->send_to_user("bob", "msg " + std::to_string(i)));
  }
  auto bob = device("bob");
  for (int i = 1; i <= 5; ++i) {
    auto m = bob->next_message(10s);
    ASSERT_TRUE(m) << i;
    EXPECT_EQ(m->seq(), i);
    EXPECT_EQ(m->text(), "msg " + std::to_string(i));
  }
}

TEST_F(Messaging, EveryDeviceOfBothUsersReceives) {
  auto alice1 = device("alice");
  auto alice2 = device("alice");
  auto bob1 = device("bob");
  auto bob2 = device("bob");
  auto bob3 = device("bob");
  for (auto* c : {alice2.get(), bob1.get(), bob2.get(), bob3.get()}) {
    ASSERT_TRUE(c->wait_connected(10s));
  }
  auto ack = alice1->send_to_user("bob", "to all devices");
  ASSERT_TRUE(ack);
  for (auto* c : {alice2.get(), bob1.get(), bob2.get(), bob3.get()}) {
    auto m = c->next_message(10s);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->text(), "to all devices");
    EXPECT_EQ(m->seq(), ack->seq);
  }
  // The sending device got the ack instead of an echo: its next message is the reply.
  ASSERT_TRUE(bob2->send_to_user("alice", "reply"));
  auto next = alice1->next_message(10s);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->text(), "reply");
}

TEST_F(Messaging, ResendIsDeduplicated) {
  auto alice = device("alice");
  auto bob = device("bob");
  auto first = alice->send_to_user("bob", "once", "fixed-id-1");
  ASSERT_TRUE(first);
  auto again = alice->send_to_user("bob", "once", "fixed-id-1");
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->duplicate);
  EXPECT_EQ(again->seq, first->seq);
  EXPECT_EQ(again->message_id, first->message_id);
  auto after = alice->send_to_user("bob", "after");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->seq, first->seq + 1);  // the resend took no seq
  auto m1 = bob->next_message(10s);
  auto m2 = bob->next_message(10s);
  ASSERT_TRUE(m1 && m2);
  EXPECT_EQ(m1->text(), "once");
  EXPECT_EQ(m2->text(), "after");  // delivered once, then the next one
}

TEST_F(Messaging, GapFillAfterADroppedConnection) {
  auto alice = device("alice");
  ClientOptions o = options();
  o.auto_reconnect = false;
  auto bob = device("bob", o);
  ASSERT_TRUE(alice->send_to_user("bob", "before"));
  ASSERT_EQ(bob->next_message(10s)->text(), "before");
  bob->drop_connection();
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(alice->send_to_user("bob", "missed " + std::to_string(i)));
  ASSERT_TRUE(bob->resume());
  for (int i = 0; i < 20; ++i) {
    auto m = bob->next_message(10s);
    ASSERT_TRUE(m) << i;
    EXPECT_EQ(m->seq(), i + 2);
    EXPECT_EQ(m->text(), "missed " + std::to_string(i));
  }
  EXPECT_FALSE(bob->next_message(0ms));  // nothing delivered twice
}

TEST_F(Messaging, AutoReconnectResumesAndFlushesTheOutbox) {
  auto bob = device("bob");
  auto alice = device("alice");
  ASSERT_TRUE(alice->send_to_user("bob", "one"));
  alice->drop_connection();
  // Sent while the connection is down: kept in the outbox, delivered after the reconnect.
  auto ack = alice->send_to_user("bob", "two");
  ASSERT_TRUE(ack) << ack.error().message;
  EXPECT_EQ(ack->seq, 2);
  EXPECT_EQ(alice->outbox_size(), 0u);
  EXPECT_EQ(bob->next_message(10s)->text(), "one");
  EXPECT_EQ(bob->next_message(10s)->text(), "two");
}

TEST_F(Messaging, AFullInboxTakesNoMoreAndLosesNothing) {
  auto alice = device("alice");
  ClientOptions o = options();
  o.max_inbox_messages = 20;
  auto bob = device("bob", o);
  ASSERT_TRUE(bob->wait_connected(10s));
  constexpr int kSent = 100;
  std::int64_t conversation = 0;
  for (int i = 1; i <= kSent; ++i) {
    auto ack = alice->send_to_user("bob", "m" + std::to_string(i));
    ASSERT_TRUE(ack) << ack.error().message;
    conversation = ack->conversation_id;
  }
  // Typing is relayed by the conversation's owner shard after the messages it has fanned out:
  // once bob has the typing event, every message event has reached him.
  ASSERT_TRUE(alice->typing(conversation));
  auto typing = bob->next_event(10s);
  ASSERT_TRUE(typing);
  EXPECT_TRUE(typing->has_typing());
  EXPECT_EQ(bob->inbox_size(), 20u);
  // Taking messages makes room; the rest comes from history, in order, each once.
  for (int i = 1; i <= kSent; ++i) {
    auto m = bob->next_message(10s);
    ASSERT_TRUE(m) << i;
    EXPECT_EQ(m->seq(), i);
    EXPECT_EQ(m->text(), "m" + std::to_string(i));
    EXPECT_LE(bob->inbox_size(), 20u);
  }
  EXPECT_FALSE(bob->next_message(0ms));
  EXPECT_EQ(bob->highest_seq(conversation), kSent);
}

TEST_F(Messaging, AProfileKeepsItsDeviceKeyAcrossLogins) {
  TempDir profile;
  ClientOptions o = options();
  o.state_dir = profile.path();
  std::string key;
  {
    Client first(o);
    ASSERT_TRUE(first.register_account("alice", "password-alice"));
    key = first.identity()->device_key;
  }
  EXPECT_EQ(key.size(), 32u);  // 128 random bits in hex
  client::PersistedState stored;
  std::string error;
  ASSERT_TRUE(client::load_state(profile.path(), stored, error)) << error;
  EXPECT_EQ(stored.device_key, key);
  {
    Client second(o);
    ASSERT_TRUE(second.login("alice", "password-alice"));
    EXPECT_EQ(second.identity()->device_key, key);
  }
  ASSERT_TRUE(client::load_state(profile.path(), stored, error)) << error;
  EXPECT_EQ(stored.device_key, key);
  // Another installation gets another key; a caller may choose its own.
  Client elsewhere(options());
  ASSERT_TRUE(elsewhere.login("alice", "password-alice"));
  EXPECT_NE(elsewhere.identity()->device_key, key);
  EXPECT_FALSE(elsewhere.identity()->device_key.empty());
  ClientOptions chosen = options();
  chosen.device_key = "build-agent-7";
  Client agent(chosen);
  ASSERT_TRUE(agent.login("alice", "password-alice"));
  EXPECT_EQ(agent.identity()->device_key, "build-agent-7");
}

// Sync lists conversations in pages (500 each): a device that was away catches up on a
// conversation past the first page too.
TEST_F(Messaging, ADeviceCatchesUpOnConversationsPastTheFirstSyncPage) {
  auto alice = device("alice");
  device("bob").reset();  // offline while alice writes
  constexpr int kGroups = 501;
  std::set<std::int64_t> groups;
  for (int i = 0; i < kGroups; ++i) {
    auto group = alice->create_group("g" + std::to_string(i), {"bob"});
    ASSERT_TRUE(group) << i << ": " << group.error().message;
    groups.insert(group->conversation_id());
    ASSERT_TRUE(alice->send_to_conversation(group->conversation_id(), "in g" + std::to_string(i)));
  }
  auto bob = device("bob");
  std::set<std::int64_t> heard;
  while (heard.size() < groups.size()) {
    auto m = bob->next_message(30s);
    ASSERT_TRUE(m) << "heard from " << heard.size() << " of " << groups.size() << " groups";
    if (m->kind() == v1::TEXT) heard.insert(m->conversation_id());
  }
  EXPECT_EQ(heard, groups);
}

TEST_F(Messaging, HistoryPagesOldestFirst) {
  auto alice = device("alice");
  device("bob").reset();
  for (int i = 1; i <= 30; ++i) ASSERT_TRUE(alice->send_to_user("bob", std::to_string(i)));
  auto conversation = alice->open_direct("bob");
  ASSERT_TRUE(conversation);
  EXPECT_EQ(conversation->last_seq, 30);
  auto newest = alice->history(conversation->id, 0, 10);
  ASSERT_TRUE(newest);
  ASSERT_EQ(newest->messages.size(), 10u);
  EXPECT_EQ(newest->messages.front().seq(), 21);
  EXPECT_EQ(newest->messages.back().seq(), 30);
  EXPECT_TRUE(newest->has_more);
  auto older = alice->history(conversation->id, 21, 100);
  ASSERT_TRUE(older);
  ASSERT_EQ(older->messages.size(), 20u);
  EXPECT_EQ(older->messages.front().seq(), 1);
  EXPECT_FALSE(older->has_more);
  auto after = alice->history_after(conversation->id, 25, 100);
  ASSERT_TRUE(after);
  ASSERT_EQ(after->messages.size(), 5u);
  EXPECT_EQ(after->messages.front().seq(), 26);
}

TEST_F(Messaging, OnlyMembersReadAConversation) {
  auto alice = device("alice");
  device("bob").reset();
  auto mallory = device("mallory");
  auto ack = alice->send_to_user("bob", "private");
  ASSERT_TRUE(ack);
  auto peek = mallory->history(ack->conversation_id, 0, 10);
  ASSERT_FALSE(peek);
  EXPECT_EQ(peek.error().code, v1::NOT_FOUND);
  auto write = mallory->send_to_conversation(ack->conversation_id, "intrusion");
  ASSERT_FALSE(write);
  EXPECT_EQ(write.error().code, v1::NOT_FOUND);  // as if it did not exist
}

TEST_F(Messaging, JsonWebSocketAndTlsTransportsCarryTheSameConversation) {
  auto alice = device("alice", options("tls"));
  auto bob = device("bob", options("wss"));
  auto carol = device("carol", options("ws"));
  ASSERT_TRUE(bob->wait_connected(10s));
  ASSERT_TRUE(carol->wait_connected(10s));
  ASSERT_TRUE(alice->send_to_user("bob", "over tls"));
  EXPECT_EQ(bob->next_message(10s)->text(), "over tls");
  ASSERT_TRUE(bob->send_to_user("carol", "over wss"));
  EXPECT_EQ(carol->next_message(10s)->text(), "over wss");
}

}  // namespace
}  // namespace parley::testing
