// The conversation log's rules alone: who may append, what a change may target, how markers
// move.
#include "core/log_rules.h"

#include <gtest/gtest.h>

namespace parley {
namespace {

Errc code(const Error& error) { return error.code; }

AppendRequest change(MessageKind kind, UserId sender, Seq target, std::string text = "x") {
  AppendRequest request;
  request.conversation_id = 1;
  request.sender_id = sender;
  request.kind = kind;
  request.target_seq = target;
  request.text = std::move(text);
  return request;
}

TEST(LogRules, OnlyACurrentMemberAppendsAndABlockLooksLikeNoUser) {
  EXPECT_EQ(code(check_sender({}).error()), Errc::not_found);
  EXPECT_EQ(
      code(check_sender({.conversation_exists = true, .kind = ConversationKind::group}).error()),
      Errc::not_found);
  EXPECT_TRUE(check_sender({.conversation_exists = true,
                            .kind = ConversationKind::group,
                            .joined_seq = 0,
                            .blocked_by_peer = true})
                  .has_value());  // blocks matter in direct conversations only
  EXPECT_EQ(
      code(check_sender({.conversation_exists = true, .joined_seq = 0, .blocked_by_peer = true})
               .error()),
      Errc::user_not_found);
}

TEST(LogRules, AChangeTargetsOnlyAVisibleLiveTextEntry) {
  const TargetRow text{.kind = MessageKind::text, .sender_id = 5};
  const auto edit = change(MessageKind::edit, 5, 3);
  EXPECT_EQ(plan_target_change(edit, 0, 10, text).value(), TargetEffect::edit);
  // At or below the sender's joined_seq, or past the end: as if it did not exist.
  EXPECT_EQ(code(plan_target_change(edit, 3, 10, text).error()), Errc::not_found);
  EXPECT_EQ(code(plan_target_change(change(MessageKind::edit, 5, 11), 0, 10, text).error()),
            Errc::not_found);
  EXPECT_EQ(code(plan_target_change(edit, 0, 10, std::nullopt).error()), Errc::not_found);
  EXPECT_EQ(code(plan_target_change(edit, 0, 10, TargetRow{.kind = MessageKind::system}).error()),
            Errc::not_found);
  EXPECT_EQ(
      code(plan_target_change(edit, 0, 10, TargetRow{.sender_id = 5, .deleted = true}).error()),
      Errc::not_found);
}

TEST(LogRules, OnlyTheAuthorEditsOrDeletesButAnyoneReacts) {
  const TargetRow theirs{.kind = MessageKind::text, .sender_id = 9};
  EXPECT_EQ(code(plan_target_change(change(MessageKind::edit, 5, 3), 0, 10, theirs).error()),
            Errc::forbidden);
  EXPECT_EQ(code(plan_target_change(change(MessageKind::deletion, 5, 3), 0, 10, theirs).error()),
            Errc::forbidden);
  EXPECT_EQ(plan_target_change(change(MessageKind::reaction, 5, 3), 0, 10, theirs).value(),
            TargetEffect::add_reaction);
  EXPECT_EQ(plan_target_change(change(MessageKind::reaction_removed, 5, 3), 0, 10, theirs).value(),
            TargetEffect::remove_reaction);
  EXPECT_EQ(plan_target_change(change(MessageKind::deletion, 9, 3), 0, 10, theirs).value(),
            TargetEffect::erase);
  EXPECT_EQ(
      code(plan_target_change(change(MessageKind::reaction, 5, 3, ""), 0, 10, theirs).error()),
      Errc::invalid_argument);
}

TEST(LogRules, AReactionIsAddedOnceAndRemovedOnce) {
  EXPECT_TRUE(check_reaction_applied(TargetEffect::add_reaction, false).has_value());
  EXPECT_FALSE(check_reaction_applied(TargetEffect::add_reaction, true).has_value());
  EXPECT_TRUE(check_reaction_applied(TargetEffect::remove_reaction, true).has_value());
  EXPECT_FALSE(check_reaction_applied(TargetEffect::remove_reaction, false).has_value());
}

TEST(LogRules, WhatAnEntryMoves) {
  EXPECT_TRUE(moves_sender_read_seq(MessageKind::text));
  EXPECT_FALSE(moves_sender_read_seq(MessageKind::reaction));
  EXPECT_TRUE(moves_activity(MessageKind::edit));
  EXPECT_FALSE(moves_activity(MessageKind::reaction));
  EXPECT_FALSE(moves_activity(MessageKind::reaction_removed));
  EXPECT_FALSE(check_append_kind(static_cast<MessageKind>(99)).has_value());
  EXPECT_TRUE(check_append_kind(MessageKind::system).has_value());
}

TEST(LogRules, AReadMarkerOnlyMovesForwardWithinTheLog) {
  EXPECT_EQ(read_marker_moves(5, 3, 10).value(), true);
  EXPECT_EQ(read_marker_moves(3, 3, 10).value(), false);
  EXPECT_EQ(read_marker_moves(2, 3, 10).value(), false);
  EXPECT_EQ(code(read_marker_moves(11, 3, 10).error()), Errc::not_found);
  EXPECT_EQ(code(read_marker_moves(-1, 0, 10).error()), Errc::invalid_argument);
}

TEST(LogRules, OnlyAVisibleTextEntryIsHidden) {
  EXPECT_TRUE(check_hide(4, 3, MessageKind::text).has_value());
  EXPECT_FALSE(check_hide(3, 3, MessageKind::text).has_value());
  EXPECT_FALSE(check_hide(4, 3, MessageKind::system).has_value());
  EXPECT_FALSE(check_hide(4, 3, std::nullopt).has_value());
}

}  // namespace
}  // namespace parley
