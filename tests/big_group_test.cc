// A 10,000-member group on one node: the message is stored once, online members get it live,
// offline members catch up by sync.
#include <gtest/gtest.h>

#include <thread>

#include "chat_support.h"

namespace parley::testing {
namespace {

namespace f = frames;

TEST(BigGroup, TenThousandMembers) {
  constexpr int kMembers = 10'000;
  TempDir dir;
  ServerProcess server(dir.path(), kFastSecurity);
  ASSERT_TRUE(server.ready()) << server.error();
  auto owner = connect_device(server, "owner", true);

  // Bulk registration through the ordinary API, over a few parallel connections.
  constexpr int kThreads = 4;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto c = RawClient::connect(server.ports().native_tcp);
      if (!c) {
        ADD_FAILURE() << "connection " << t << " refused";
        return void(++failures);
      }
      if (auto h = c->hello(); !h || !h->has_hello_ok()) {
        ADD_FAILURE() << "hello on connection " << t << ": "
                      << (h ? h->DebugString() : "no answer");
        return void(++failures);
      }
      for (int i = t; i < kMembers - 1; i += kThreads) {
        v1::ClientFrame r;
        r.mutable_register_account()->set_username("member" + std::to_string(i));
        r.mutable_register_account()->set_password("password-member" + std::to_string(i));
        // A connection holds one identity at a time: log out before the next registration.
        auto a = c->request(r);
        if (!a || !a->has_auth_ok()) {
          ADD_FAILURE() << "register member" << i << ": " << (a ? a->DebugString() : "no answer");
          return void(++failures);
        }
        v1::ClientFrame out;
        out.mutable_logout();
        auto l = c->request(out);
        if (!l || !l->has_ok()) {
          ADD_FAILURE() << "logout member" << i << ": " << (l ? l->DebugString() : "no answer");
          return void(++failures);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);

  std::vector<std::string> names;
  for (int i = 0; i < kMembers - 1; ++i) names.push_back("member" + std::to_string(i));
  auto created = owner.ok(f::create_group("everyone", names));
  ASSERT_TRUE(created.has_conversation());
  const auto id = created.conversation().conversation_id();
  // Big conversations do not ship their member list inline.
  EXPECT_EQ(created.conversation().members_size(), 0);

  // A sample of members online.
  std::vector<Device> online;
  for (int i = 0; i < 20; ++i) online.push_back(connect_device(server, names[i * 97], false));
  auto ack = owner.ok(f::send(id, "hello all", "big-1")).send_ack();
  EXPECT_EQ(ack.seq(), 2);  // stored once: one seq
  for (auto& d : online) {
    v1::Message m;
    do {
      m = d.next_message();
    } while (m.seq() != 0 && m.kind() != v1::TEXT);
    EXPECT_EQ(m.text(), "hello all") << d.username;
    EXPECT_EQ(m.seq(), ack.seq());
  }
  // Offline members catch up by sync.
  for (int i : {1, 4242, kMembers - 2}) {
    auto d = connect_device(server, names[i], false);
    auto s = d.ok(f::sync(0)).sync();
    ASSERT_EQ(s.conversations_size(), 1);
    EXPECT_EQ(s.conversations(0).last_seq(), ack.seq());
    EXPECT_EQ(s.conversations(0).unread(), 1);
    auto page = d.ok(f::history(id, 0)).history();
    ASSERT_EQ(page.messages_size(), 2);
    EXPECT_EQ(page.messages(1).text(), "hello all");
  }
}

}  // namespace
}  // namespace parley::testing
