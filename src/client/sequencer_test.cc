// The sequencer alone: order, dedupe, gaps held back and filled, own entries, sync's start point.
#include "client/sequencer.h"

#include <gtest/gtest.h>

namespace parley::client {
namespace {

v1::Message text(std::int64_t conversation, std::int64_t seq) {
  v1::Message m;
  m.set_conversation_id(conversation);
  m.set_seq(seq);
  m.set_text("m" + std::to_string(seq));
  return m;
}

std::vector<std::int64_t> seqs(const Sequencer::Placed& placed) {
  std::vector<std::int64_t> out;
  for (const auto& m : placed.ready) out.push_back(m.seq());
  return out;
}

TEST(Sequencer, InOrderEntriesAreDeliveredAtOnce) {
  Sequencer s;
  for (std::int64_t seq = 1; seq <= 3; ++seq) {
    auto placed = s.place(7, seq, text(7, seq));
    EXPECT_EQ(seqs(placed), std::vector<std::int64_t>{seq});
    EXPECT_FALSE(placed.duplicate);
    EXPECT_FALSE(s.has_gap(7));
  }
  EXPECT_EQ(s.contiguous(7), 3);
  EXPECT_EQ(s.held(), 0u);
}

TEST(Sequencer, DuplicatesAreDeliveredOnce) {
  Sequencer s;
  s.place(7, 1, text(7, 1));
  auto again = s.place(7, 1, text(7, 1));
  EXPECT_TRUE(again.duplicate);
  EXPECT_TRUE(again.ready.empty());
  // A duplicate of an entry held ahead of a gap.
  s.place(7, 3, text(7, 3));
  auto held_again = s.place(7, 3, text(7, 3));
  EXPECT_TRUE(held_again.duplicate);
  EXPECT_EQ(s.held(7), 1u);
  EXPECT_EQ(seqs(s.place(7, 2, text(7, 2))), (std::vector<std::int64_t>{2, 3}));
  EXPECT_TRUE(s.place(7, 2, text(7, 2)).duplicate);
}

TEST(Sequencer, GapIsHeldBackThenFilledInOrder) {
  Sequencer s;
  s.place(7, 1, text(7, 1));
  EXPECT_TRUE(s.place(7, 4, text(7, 4)).ready.empty());
  EXPECT_TRUE(s.place(7, 3, text(7, 3)).ready.empty());
  EXPECT_TRUE(s.has_gap(7));
  EXPECT_EQ(s.contiguous(7), 1);
  EXPECT_EQ(s.held(7), 2u);
  EXPECT_EQ(seqs(s.place(7, 2, text(7, 2))), (std::vector<std::int64_t>{2, 3, 4}));
  EXPECT_FALSE(s.has_gap(7));
  EXPECT_EQ(s.contiguous(7), 4);
  EXPECT_EQ(s.held(), 0u);
}

TEST(Sequencer, OwnEntriesCountForTheOrderButAreNotDelivered) {
  Sequencer s;
  EXPECT_TRUE(s.place(7, 1, std::nullopt).ready.empty());
  EXPECT_EQ(s.contiguous(7), 1);
  s.place(7, 3, text(7, 3));
  s.place(7, 4, std::nullopt);
  s.place(7, 5, text(7, 5));
  EXPECT_EQ(seqs(s.place(7, 2, text(7, 2))), (std::vector<std::int64_t>{2, 3, 5}));
  EXPECT_EQ(s.contiguous(7), 5);
}

TEST(Sequencer, ConversationsAreIndependent) {
  Sequencer s;
  s.place(1, 2, text(1, 2));
  EXPECT_EQ(seqs(s.place(2, 1, text(2, 1))), std::vector<std::int64_t>{1});
  EXPECT_TRUE(s.has_gap(1));
  EXPECT_FALSE(s.has_gap(2));
  EXPECT_EQ(s.cursors(), (std::map<std::int64_t, std::int64_t>{{2, 1}}));
}

TEST(Sequencer, SyncStartsANewConversationWhereTheUserJoined) {
  Sequencer s;
  s.start_at(7, 10);  // joined at 10: entries 1..10 are not this user's
  EXPECT_EQ(s.contiguous(7), 10);
  EXPECT_TRUE(s.place(7, 9, text(7, 9)).duplicate);
  EXPECT_EQ(seqs(s.place(7, 11, text(7, 11))), std::vector<std::int64_t>{11});
  s.start_at(7, 5);  // never backwards
  EXPECT_EQ(s.contiguous(7), 11);
  // With entries held the start point is left alone: the gap fill decides.
  s.place(8, 3, text(8, 3));
  s.start_at(8, 10);
  EXPECT_EQ(s.contiguous(8), 0);
  EXPECT_EQ(s.held(8), 1u);
}

TEST(Sequencer, RestoredCursorsAndClear) {
  Sequencer s;
  s.restore(7, 20);
  s.restore(9, 3);
  EXPECT_EQ(s.contiguous(7), 20);
  EXPECT_TRUE(s.place(7, 20, text(7, 20)).duplicate);
  EXPECT_EQ(seqs(s.place(7, 21, text(7, 21))), std::vector<std::int64_t>{21});
  EXPECT_EQ(s.cursors(), (std::map<std::int64_t, std::int64_t>{{7, 21}, {9, 3}}));
  s.place(9, 5, text(9, 5));
  s.clear();  // another account on this profile
  EXPECT_EQ(s.contiguous(7), 0);
  EXPECT_EQ(s.held(), 0u);
  EXPECT_TRUE(s.cursors().empty());
  EXPECT_FALSE(s.has_gap(9));
}

TEST(Sequencer, HoldsAtMostMaxHeldAndReportsWhatItDrops) {
  Sequencer s(/*max_held=*/4);
  s.place(7, 1, text(7, 1));
  // Seq 2 is missing; 3..100 arrive. Only four are held, the rest are left to the gap fill.
  int dropped = 0;
  for (std::int64_t seq = 3; seq <= 100; ++seq) {
    auto placed = s.place(7, seq, text(7, seq));
    EXPECT_TRUE(placed.ready.empty());
    if (placed.dropped) ++dropped;
  }
  EXPECT_EQ(s.held(), 4u);
  EXPECT_EQ(dropped, 94);
  // The bound is over all conversations.
  EXPECT_TRUE(s.place(8, 5, text(8, 5)).dropped);
  // Seq 2 releases what is held; the gap stays open for what was dropped.
  EXPECT_EQ(seqs(s.place(7, 2, text(7, 2))), (std::vector<std::int64_t>{2, 3, 4, 5, 6}));
  EXPECT_EQ(s.contiguous(7), 6);
  EXPECT_TRUE(s.has_gap(7));
  EXPECT_EQ(s.held(), 0u);
  // What the gap fill brings then goes through in order.
  for (std::int64_t seq = 7; seq <= 100; ++seq) {
    EXPECT_EQ(seqs(s.place(7, seq, text(7, seq))), std::vector<std::int64_t>{seq});
  }
  EXPECT_FALSE(s.has_gap(7));
}

}  // namespace
}  // namespace parley::client
