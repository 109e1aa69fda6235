// Crash durability: kill -9 parleyd while a client streams messages; after a restart every
// message that was acked is stored exactly once, seq has no gaps, and the client's persisted
// outbox delivers the rest without duplicates.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "client/client.h"
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
  std::map<std::string, std::int64_t> stored;
  std::int64_t expected_seq = 1;
  std::int64_t after = 0;
  while (true) {
    auto page = bob.history_after(conversation->id, after, 200);
    ASSERT_TRUE(page) << page.error().message;
    for (const auto& m : page->messages) {
      EXPECT_EQ(m.seq(), expected_seq++) << "gap or reorder in seq";
      EXPECT_TRUE(stored.emplace(m.client_msg_id(), m.seq()).second)
          << "stored twice: " << m.client_msg_id();
      after = m.seq();
    }
    if (!page->has_more) break;
  }
  for (const auto& [id, seq] : acked) {
    auto it = stored.find(id);
    ASSERT_NE(it, stored.end()) << "acked but lost: " << id;
    EXPECT_EQ(it->second, seq) << "acked seq changed: " << id;
  }
  EXPECT_EQ(conversation->last_seq, static_cast<std::int64_t>(stored.size()));
}

}  // namespace
}  // namespace parley::testing
