// Crash durability: kill -9 parleyd while a client streams messages; after a restart every
// message that was acked is stored exactly once, seq has no gaps, and the client's persisted
// outbox delivers the rest without duplicates. Also how the client writes its state file.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include "client/client.h"
#include "client/state_file.h"
#include "server_process.h"

namespace parley::testing {
namespace {

using client::Client;
using client::ClientOptions;
using namespace std::chrono_literals;

ClientOptions options_for(const ServerProcess& server, const std::string& state_dir) {
  ClientOptions o;
  o.server_url = server.url("tcp");
  o.state_dir = state_dir;
  o.request_timeout = 5s;
  return o;
}

// Reads the whole log of `conversation`: seq must run 1, 2, 3… with no gap, and each text entry's
// client id must appear once. Returns client id -> seq.
std::map<std::string, std::int64_t> read_text_log(Client& reader, std::int64_t conversation) {
  std::map<std::string, std::int64_t> stored;
  std::int64_t expected_seq = 1;
  std::int64_t after = 0;
  while (true) {
    auto page = reader.history_after(conversation, after, 200);
    EXPECT_TRUE(page) << page.error().message;
    if (!page) return stored;
    for (const auto& m : page->messages) {
      EXPECT_EQ(m.seq(), expected_seq++) << "gap or reorder in seq";
      if (m.kind() == v1::TEXT) {
        EXPECT_TRUE(stored.emplace(m.client_msg_id(), m.seq()).second)
            << "stored twice: " << m.client_msg_id();
      }
      after = m.seq();
    }
    if (!page->has_more) return stored;
  }
}

void expect_every_ack_stored(const std::map<std::string, std::int64_t>& acked,
                             const std::map<std::string, std::int64_t>& stored) {
  for (const auto& [id, seq] : acked) {
    auto it = stored.find(id);
    ASSERT_NE(it, stored.end()) << "acked but lost: " << id;
    EXPECT_EQ(it->second, seq) << "acked seq changed: " << id;
  }
}

TEST(Durability, KillNineLosesNoAckedMessage) {
  TempDir data;
  TempDir alice_state;
  auto server = std::make_unique<ServerProcess>(data.path());
  ASSERT_TRUE(server->ready()) << server->error();
  {
    Client bob(options_for(*server, {}));
    ASSERT_TRUE(bob.register_account("bob", "password-bob"));
  }

  std::mutex mutex;
  std::map<std::string, std::int64_t> acked;  // client_msg_id -> seq
  std::atomic<int> ack_count{0};
  std::atomic<bool> stop{false};
  {
    Client alice(options_for(*server, alice_state.path()));
    ASSERT_TRUE(alice.register_account("alice", "password-alice"));
    std::vector<std::thread> senders;
    for (int t = 0; t < 4; ++t) {
      senders.emplace_back([&, t] {
        for (int i = 0; !stop; ++i) {
          const std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
          auto ack = alice.send_to_user("bob", "message " + id, id);
          if (!ack) break;  // the server is gone; the message stays in the outbox
          std::lock_guard lock(mutex);
          acked[id] = ack->seq;
          ++ack_count;
          ack_count.notify_all();
        }
      });
    }
    // Crash in the middle of the stream, once a good number of acks is in.
    int seen = ack_count.load();
    while (seen < 300) {
      ack_count.wait(seen);
      seen = ack_count.load();
    }
    server->kill9();
    stop = true;
    for (auto& s : senders) s.join();
  }
  ASSERT_GE(acked.size(), 300u);

  server = std::make_unique<ServerProcess>(data.path());
  ASSERT_TRUE(server->ready()) << server->error();

  // Alice's next start flushes what was never acked (same ids: deduplicated if stored).
  Client alice(options_for(*server, alice_state.path()));
  ASSERT_TRUE(alice.resume());
  ASSERT_TRUE(alice.wait_outbox_empty(30s));

  Client bob(options_for(*server, {}));
  ASSERT_TRUE(bob.login("bob", "password-bob"));
  auto conversation = bob.open_direct("alice");
  ASSERT_TRUE(conversation);
  const auto stored = read_text_log(bob, conversation->id);
  expect_every_ack_stored(acked, stored);
  EXPECT_EQ(conversation->last_seq, static_cast<std::int64_t>(stored.size()));
}

// Fifty senders into one group, each on its own connection, so appends share commit batches and
// one conversation's seq; kill -9 lands in the middle of a batch. After the restart every acked
// message is stored exactly once at the seq its ack named, and the group's seq has no gap.
TEST(Durability, KillNineAmongFiftyConcurrentSendersLosesNoAckedMessage) {
  constexpr int kSenders = 50;
  TempDir data;
  std::vector<std::unique_ptr<TempDir>> states;
  for (int i = 0; i < kSenders; ++i) states.push_back(std::make_unique<TempDir>());
  auto server = std::make_unique<ServerProcess>(data.path());
  ASSERT_TRUE(server->ready()) << server->error();
  auto name = [](int i) { return "sender" + std::to_string(i); };

  std::int64_t group = 0;
  std::mutex mutex;
  std::map<std::string, std::int64_t> acked;  // client_msg_id -> seq
  std::atomic<int> ack_count{0};
  std::atomic<bool> stop{false};
  {
    std::vector<std::unique_ptr<Client>> senders;
    std::vector<std::string> members;
    for (int i = 0; i < kSenders; ++i) {
      senders.push_back(std::make_unique<Client>(options_for(*server, states[i]->path())));
      ASSERT_TRUE(senders.back()->register_account(name(i), "password-" + name(i)));
      if (i > 0) members.push_back(name(i));
    }
    auto created = senders[0]->create_group("crash", members);
    ASSERT_TRUE(created) << created.error().message;
    group = created->conversation_id();
    std::vector<std::thread> threads;
    for (int t = 0; t < kSenders; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0; !stop; ++i) {
          const std::string id = name(t) + "-" + std::to_string(i);
          auto ack = senders[t]->send_to_conversation(group, "message " + id, id);
          if (!ack) break;  // the server is gone; the message stays in this sender's outbox
          std::lock_guard lock(mutex);
          acked[id] = ack->seq;
          ++ack_count;
          ack_count.notify_all();
        }
      });
    }
    int seen = ack_count.load();
    while (seen < 1000) {
      ack_count.wait(seen);
      seen = ack_count.load();
    }
    server->kill9();
    stop = true;
    for (auto& t : threads) t.join();
  }
  ASSERT_GE(acked.size(), 1000u);

  server = std::make_unique<ServerProcess>(data.path());
  ASSERT_TRUE(server->ready()) << server->error();
  for (int i = 0; i < kSenders; ++i) {  // each sender's outbox: the same ids again
    Client sender(options_for(*server, states[i]->path()));
    ASSERT_TRUE(sender.resume());
    ASSERT_TRUE(sender.wait_outbox_empty(30s)) << name(i);
  }

  Client reader(options_for(*server, {}));
  ASSERT_TRUE(reader.login(name(0), "password-" + name(0)));
  expect_every_ack_stored(acked, read_text_log(reader, group));
}

client::PersistedState stored_state(const std::string& dir) {
  client::PersistedState s;
  std::string error;
  EXPECT_TRUE(client::load_state(dir, s, error)) << error;
  return s;
}

// A window no test waits out: every write the test sees is one the client had to make at once.
constexpr auto kNoDebounceDuringTheTest = std::chrono::hours(1);

TEST(Durability, ManyAcksShareStateWrites) {
  TempDir data;
  TempDir alice_state;
  TempDir bob_state;
  ServerProcess server(data.path());
  ASSERT_TRUE(server.ready()) << server.error();
  constexpr int kMessages = 200;
  std::int64_t conversation = 0;
  {
    ClientOptions bob_options = options_for(server, bob_state.path());
    bob_options.state_write_delay = kNoDebounceDuringTheTest;
    Client bob(bob_options);
    ASSERT_TRUE(bob.register_account("bob", "password-bob"));
    ASSERT_TRUE(bob.wait_connected(10s));
    ClientOptions alice_options = options_for(server, alice_state.path());
    alice_options.state_write_delay = kNoDebounceDuringTheTest;
    Client alice(alice_options);
    ASSERT_TRUE(alice.register_account("alice", "password-alice"));
    const auto alice_before = alice.state_writes();
    for (int i = 1; i <= kMessages; ++i) {
      auto ack = alice.send_to_user("bob", "m" + std::to_string(i));
      ASSERT_TRUE(ack) << ack.error().message;
      conversation = ack->conversation_id;
    }
    // One write per send (its outbox entry, before it goes out); the acks add none.
    EXPECT_LE(alice.state_writes() - alice_before, static_cast<std::uint64_t>(kMessages));
    const auto bob_before = bob.state_writes();
    for (int i = 1; i <= kMessages; ++i) {
      auto m = bob.next_message(10s);
      ASSERT_TRUE(m) << i;
      EXPECT_EQ(m->seq(), i);
    }
    // Receiving, acknowledging and handing out 200 messages wrote nothing yet.
    EXPECT_EQ(bob.state_writes(), bob_before);
  }
  // Stopping wrote the rest: bob's cursor and alice's empty outbox.
  EXPECT_EQ(stored_state(bob_state.path()).cursors[conversation], kMessages);
  EXPECT_TRUE(stored_state(alice_state.path()).outbox.empty());
  // Nothing is delivered again on the next start.
  Client bob(options_for(server, bob_state.path()));
  ASSERT_TRUE(bob.resume());
  ASSERT_TRUE(bob.wait_connected(10s));
  EXPECT_FALSE(bob.next_message(0ms));
}

TEST(Durability, ASendIsInTheStateFileBeforeItGoesOut) {
  TempDir data;
  TempDir alice_state;
  ServerProcess server(data.path());
  ASSERT_TRUE(server.ready()) << server.error();
  {
    Client bob(options_for(server, {}));
    ASSERT_TRUE(bob.register_account("bob", "password-bob"));
  }
  ClientOptions o = options_for(server, alice_state.path());
  o.state_write_delay = kNoDebounceDuringTheTest;
  auto alice = std::make_unique<Client>(o);
  ASSERT_TRUE(alice->register_account("alice", "password-alice"));
  auto ack = alice->send_to_user("bob", "kept until acked", "early-1");
  ASSERT_TRUE(ack) << ack.error().message;
  // The entry was made durable before the send was written; its removal on the ack waits for
  // the next write (a crash before it only resends: the server answers "duplicate").
  auto on_disk = stored_state(alice_state.path());
  ASSERT_EQ(on_disk.outbox.size(), 1u);
  EXPECT_EQ(on_disk.outbox[0].client_msg_id, "early-1");
  EXPECT_EQ(on_disk.outbox[0].text, "kept until acked");
  alice.reset();
  on_disk = stored_state(alice_state.path());
  EXPECT_TRUE(on_disk.outbox.empty());
  EXPECT_EQ(on_disk.cursors[ack->conversation_id], ack->seq);
}

}  // namespace
}  // namespace parley::testing
