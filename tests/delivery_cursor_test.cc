// Per-device delivery cursors end to end: what a native device acknowledges is what the store
// stops owing it, and nothing it did not acknowledge is forgotten.
#include <gtest/gtest.h>

#include "chat_support.h"
#include "store/sqlite/sqlite_store.h"

namespace parley::testing {
namespace {

namespace f = frames;

v1::ClientFrame delivery_ack(std::int64_t conversation, std::vector<std::int64_t> seqs) {
  v1::ClientFrame frame;
  for (std::int64_t seq : seqs) {
    auto* ref = frame.mutable_delivery_ack()->add_messages();
    ref->set_conversation_id(conversation);
    ref->set_seq(seq);
  }
  return frame;
}

std::vector<Seq> owed(const std::string& data_dir, std::int64_t user, std::int64_t device) {
  auto store = store::sqlite::SqliteStore::open({.path = data_dir + "/parley.db"});
  EXPECT_TRUE(store) << store.error().message;
  if (!store) return {};
  auto entries = (*store)->undelivered(user, device, 100);
  EXPECT_TRUE(entries) << entries.error().message;
  std::vector<Seq> seqs;
  for (const Message& m : entries.value_or(std::vector<Message>{})) seqs.push_back(m.seq);
  return seqs;
}

TEST(DeliveryCursor, AStoppedServerOwesADeviceExactlyWhatItDidNotAcknowledge) {
  TempDir dir;
  auto server = std::make_unique<ServerProcess>(dir.path(), kFastSecurity);
  ASSERT_TRUE(server->ready()) << server->error();
  auto alice = connect_device(*server, "alice", true);
  auto bob = connect_device(*server, "bob", true);
  std::int64_t direct = 0;
  for (int i = 1; i <= 4; ++i) {
    auto ack = alice.ok(f::send_to("bob", "m" + std::to_string(i), "a" + std::to_string(i)));
    direct = ack.send_ack().conversation_id();
    EXPECT_EQ(bob.next_message().seq(), i);
  }
  // Seq 2 is not acknowledged, so the cursor stops at 1 although 3 was; 99 was never sent to
  // this session and moves nothing.
  ASSERT_TRUE(bob.client->send_frame(delivery_ack(direct, {1, 3, 99})));
  // The server has read the ack once it answers a request sent after it.
  bob.ok(f::list_conversations());
  const std::int64_t bob_user = bob.user_id;
  const std::int64_t bob_device = bob.device_id;
  bob.client.reset();
  alice.client.reset();
  ASSERT_EQ(server->terminate(), 0);
  server.reset();
  EXPECT_EQ(owed(dir.path(), bob_user, bob_device), (std::vector<Seq>{2, 3, 4}));
}

}  // namespace
}  // namespace parley::testing
