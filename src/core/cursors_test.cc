// Per-device delivery cursors (issue 9, item 3): a device that comes back is owed exactly what it
// has not acknowledged.
#include <gtest/gtest.h>

#include "testing/core_harness.h"

namespace parley::testing {
namespace {

class Cursors : public CoreHarness {
 protected:
  std::vector<Seq> owed(TestSession& s, std::size_t limit = 100) {
    auto entries = sync_call<std::vector<Message>>(s.handle.shard, [&](Core& core, auto done) {
      core.messaging().undelivered(s.who, limit, std::move(done));
    });
    EXPECT_TRUE(entries) << entries.error().message;
    std::vector<Seq> seqs;
    for (const Message& m : entries.value_or(std::vector<Message>{})) seqs.push_back(m.seq);
    return seqs;
  }
};

TEST_F(Cursors, AReturningDeviceIsOwedExactlyWhatItDidNotAcknowledge) {
  const AuthGrant alice = register_user("alice");
  const AuthGrant bob = register_user("bob");
  TestSession& a = attach(alice, 0);
  auto direct = sync_call<Conversation>(0, [&](Core& core, Callback<Conversation> done) {
    core.messaging().open_direct(a.who, "bob", std::move(done));
  });
  ASSERT_TRUE(direct);
  for (int i = 1; i <= 3; ++i) ASSERT_TRUE(send(a, direct->id, "m", "m" + std::to_string(i)));
  TestSession& b = attach(bob, 1);
  ex_.on_shard(1, [&] { core_->messaging().acknowledge(b.who, {{direct->id, 2}}); });
  close(b);
  for (int i = 4; i <= 5; ++i) ASSERT_TRUE(send(a, direct->id, "m", "m" + std::to_string(i)));

  TestSession& again = attach(bob, 0);  // the same device, resumed elsewhere
  EXPECT_EQ(owed(again), (std::vector<Seq>{3, 4, 5}));
  EXPECT_EQ(owed(again, 2), (std::vector<Seq>{3, 4}));
  ex_.on_shard(0, [&] { core_->messaging().acknowledge(again.who, {{direct->id, 5}}); });
  EXPECT_TRUE(owed(again).empty());
  // What alice's own device sent is never owed to it.
  EXPECT_TRUE(owed(a).empty());
}

TEST_F(Cursors, ANewDeviceOwesNothingFromBeforeItExisted) {
  const AuthGrant alice = register_user("alice");
  register_user("bob");
  TestSession& a = attach(alice, 0);
  auto direct = sync_call<Conversation>(0, [&](Core& core, Callback<Conversation> done) {
    core.messaging().open_direct(a.who, "bob", std::move(done));
  });
  ASSERT_TRUE(direct);
  ASSERT_TRUE(send(a, direct->id, "old", "o1"));
  auto phone = sync_call<AuthGrant>(1, [&](Core& core, Callback<AuthGrant> done) {
    core.accounts().login({"bob", "password-bob", "phone", "10.1.1.1", "phone-key"},
                          std::move(done));
  });
  ASSERT_TRUE(phone);
  TestSession& p = attach(*phone, 1);
  EXPECT_TRUE(owed(p).empty());
  ASSERT_TRUE(send(a, direct->id, "new", "n1"));
  EXPECT_EQ(owed(p), (std::vector<Seq>{2}));
}

}  // namespace
}  // namespace parley::testing
