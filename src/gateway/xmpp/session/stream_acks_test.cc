#include "gateway/xmpp/session/stream_acks.h"

#include <gtest/gtest.h>

namespace parley::xmpp {
namespace {

TEST(StreamAcks, AStanzaCountsAsHandledOnlyWhenEveryOperationOfItIsDone) {
  StreamAcks acks;
  const auto first = acks.received();  // a message being stored
  acks.begin(first);
  acks.received();  // a ping, answered at once
  EXPECT_EQ(acks.handled(), 0u);
  EXPECT_FALSE(acks.all_handled());
  acks.done(first);
  EXPECT_EQ(acks.handled(), 2u);
  EXPECT_TRUE(acks.all_handled());
}

TEST(StreamAcks, HandledStopsBeforeTheOldestStanzaStillBeingHandled) {
  StreamAcks acks;
  const auto a = acks.received();
  const auto b = acks.received();
  acks.begin(a);
  acks.begin(b);
  acks.begin(b);  // two operations for one stanza
  acks.received();
  acks.done(a);
  EXPECT_EQ(acks.handled(), 1u);
  acks.done(b);
  EXPECT_EQ(acks.handled(), 1u);
  acks.done(b);
  EXPECT_EQ(acks.handled(), 3u);
  acks.done(b);  // once too often: nothing changes
  EXPECT_EQ(acks.handled(), 3u);
}

TEST(StreamAcks, AnAckDeliversTheEntriesOfTheStanzasItCovers) {
  StreamAcks acks;
  acks.sent(ConversationCursor{7, 1});
  acks.sent(std::nullopt);  // an iq result
  acks.sent(ConversationCursor{7, 2});
  acks.sent(ConversationCursor{9, 1});
  EXPECT_EQ(acks.unacknowledged(), 4u);
  auto first = acks.acknowledge(2);
  ASSERT_TRUE(first);
  ASSERT_EQ(first->size(), 1u);
  EXPECT_EQ((*first)[0].conversation_id, 7);
  EXPECT_EQ((*first)[0].seq, 1);
  auto again = acks.acknowledge(2);  // the same h again: nothing new
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->empty());
  auto rest = acks.acknowledge(4);
  ASSERT_TRUE(rest);
  EXPECT_EQ(rest->size(), 2u);
  EXPECT_EQ(acks.unacknowledged(), 0u);
}

TEST(StreamAcks, AnAckOfMoreThanWasSentIsRefused) {
  StreamAcks acks;
  acks.sent(std::nullopt);
  EXPECT_FALSE(acks.acknowledge(2));
  EXPECT_TRUE(acks.acknowledge(1));
}

TEST(StreamAcks, CountsWrapAtTwoToTheThirtyTwo) {
  StreamAcks acks((1ull << 32) - 1);
  acks.received();
  EXPECT_EQ(acks.handled(), 0u);  // 2^32 on the wire
  acks.sent(ConversationCursor{1, 1});
  acks.sent(ConversationCursor{1, 2});
  auto delivered = acks.acknowledge(1);  // 2^32 + 1
  ASSERT_TRUE(delivered);
  EXPECT_EQ(delivered->size(), 2u);
  EXPECT_EQ(acks.unacknowledged(), 0u);
  EXPECT_FALSE(acks.acknowledge(2));
}

}  // namespace
}  // namespace parley::xmpp
