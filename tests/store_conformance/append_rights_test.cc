// Store conformance: an append is judged by the conversation as it is at that moment, however
// recently the same sender wrote to it (a backend may remember what earlier appends proved, as
// the SQLite writer does, but never past a change of members, roles or blocks), and seqs stay
// gap-free when senders interleave inside one batch.
#include <string>
#include <vector>

#include "store_conformance/store_fixture.h"

namespace parley::store {
namespace {

TEST_P(StoreConformance, SendersInterleavedInOneBatchTakeConsecutiveSeqs) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  ASSERT_TRUE(append_one(text(ab, alice, "a1")));  // seq 1; bob has not written yet

  // bob's first append comes after alice's in the same batch, which the conversation's row
  // does not show until the batch ends.
  std::vector<AppendRequest> batch{text(ab, alice, "a2"), text(ab, bob, "b1"), text(ab, bob, "b2"),
                                   text(ab, bob, "b1")};
  auto outcomes = store_->append(batch);
  ASSERT_EQ(outcomes.size(), 4u);
  for (const auto& outcome : outcomes) ASSERT_TRUE(outcome) << outcome.error().message;
  EXPECT_EQ(outcomes[0]->message.seq, 2);
  EXPECT_EQ(outcomes[1]->message.seq, 3);
  EXPECT_EQ(outcomes[2]->message.seq, 4);
  EXPECT_TRUE(outcomes[3]->duplicate);
  EXPECT_EQ(outcomes[3]->message.seq, 3);

  auto conversation = store_->conversation(ab);
  ASSERT_TRUE(conversation);
  EXPECT_EQ(conversation->last_seq, 4);
  // What one writes one has read: each sender's read position is their own last text.
  for (const Member& member : conversation->members) {
    EXPECT_EQ(member.read_seq, member.user_id == alice ? 2 : 4) << member.user_id;
  }
  EXPECT_EQ(seqs(*store_->view_after({}, ab, 0, 10)), (std::vector<Seq>{1, 2, 3, 4}));
  EXPECT_EQ(append_one(text(ab, alice, "a3"))->message.seq, 5);
}

TEST_P(GroupConformance, AMemberWhoLeftCannotAppendThoughTheyWroteJustBefore) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  UserId carol = user("carol");
  UserId dave = user("dave");
  auto group =
      store_->create_group(NewGroup{.creator = alice, .title = "G", .members = {bob, carol}});
  ASSERT_TRUE(group);
  const ConversationId g = group->conversation.id;  // seq 1: created
  ASSERT_TRUE(append_one(text(g, bob, "b1")));      // 2
  ASSERT_TRUE(append_one(text(g, carol, "c1")));    // 3

  ASSERT_TRUE(act(g, bob, GroupAction::leave));  // 4
  auto after_leaving = append_one(text(g, bob, "b2"));
  ASSERT_FALSE(after_leaving);
  EXPECT_EQ(after_leaving.error().code, Errc::not_found);
  // A resend of what was stored before is still answered.
  auto resent = append_one(text(g, bob, "b1"));
  ASSERT_TRUE(resent) << resent.error().message;
  EXPECT_TRUE(resent->duplicate);
  EXPECT_EQ(resent->message.seq, 2);

  ASSERT_TRUE(act(g, alice, GroupAction::remove, {carol}));  // 5
  EXPECT_EQ(append_one(text(g, carol, "c2")).error().code, Errc::not_found);

  // The system entries took seqs: the next append follows them.
  ASSERT_TRUE(act(g, alice, GroupAction::add, {dave}));  // 6
  auto from_dave = append_one(text(g, dave, "d1"));
  ASSERT_TRUE(from_dave) << from_dave.error().message;
  EXPECT_EQ(from_dave->message.seq, 7);
  EXPECT_EQ(append_one(text(g, alice, "a1"))->message.seq, 8);
  EXPECT_EQ(seqs(*store_->view_after({}, g, 0, 20)), (std::vector<Seq>{1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST_P(GroupConformance, ABlockStopsTheNextAppendOfASenderWhoWroteJustBefore) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  ConversationId ab = store_->find_or_create_direct(alice, bob, 1)->id;
  ASSERT_TRUE(append_one(text(ab, alice, "a1")));

  ASSERT_TRUE(store_->contact_action(bob, alice, ContactAction::block, 2));
  EXPECT_EQ(append_one(text(ab, alice, "a2")).error().code, Errc::user_not_found);
  EXPECT_TRUE(append_one(text(ab, alice, "a1"))->duplicate);

  ASSERT_TRUE(store_->contact_action(bob, alice, ContactAction::unblock, 3));
  auto again = append_one(text(ab, alice, "a3"));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_EQ(again->message.seq, 2);
}

}  // namespace
}  // namespace parley::store
