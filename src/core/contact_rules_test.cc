// The contact rules alone: every action against the states the store can read.
#include "core/contact_rules.h"

#include <gtest/gtest.h>

namespace parley {
namespace {

using enum ContactState;

ContactPlan plan(ContactAction action, ContactFacts facts) {
  auto result = plan_contact_action(action, facts);
  EXPECT_TRUE(result.has_value()) << result.error().message;
  return result.value_or(ContactPlan{});
}

Errc error_of(ContactAction action, ContactFacts facts) {
  auto result = plan_contact_action(action, facts);
  EXPECT_FALSE(result.has_value());
  return result ? Errc::internal : result.error().code;
}

TEST(ContactRules, ARequestAsksTheOtherSideAndAResendTellsNobody) {
  ContactPlan first = plan(ContactAction::request, {});
  ASSERT_EQ(first.writes.size(), 2u);
  EXPECT_TRUE(first.writes[0].actor_side);
  EXPECT_EQ(first.writes[0].state, request_sent);
  EXPECT_FALSE(first.writes[1].actor_side);
  EXPECT_EQ(first.writes[1].state, request_received);
  EXPECT_TRUE(plan(ContactAction::request, {.mine = request_sent, .theirs = request_received})
                  .writes.empty());
}

TEST(ContactRules, AskingBackIsAccepting) {
  ContactPlan plan_ =
      plan(ContactAction::request, {.mine = request_received, .theirs = request_sent});
  ASSERT_EQ(plan_.writes.size(), 2u);
  EXPECT_EQ(plan_.writes[0].state, accepted);
  EXPECT_EQ(plan_.writes[1].state, accepted);
}

TEST(ContactRules, ABlockHidesTheActorAndRequestsToABlockedUserAreRefused) {
  EXPECT_EQ(error_of(ContactAction::request, {.peer_blocks_actor = true}), Errc::user_not_found);
  EXPECT_EQ(error_of(ContactAction::request, {.actor_blocks_peer = true}), Errc::invalid_argument);
  EXPECT_EQ(error_of(ContactAction::request, {.mine = accepted, .theirs = accepted}),
            Errc::invalid_argument);
}

TEST(ContactRules, AcceptAndDeclineNeedARequest) {
  EXPECT_EQ(error_of(ContactAction::accept, {}), Errc::invalid_argument);
  EXPECT_EQ(error_of(ContactAction::decline, {.mine = request_sent}), Errc::invalid_argument);
  ContactPlan declined =
      plan(ContactAction::decline, {.mine = request_received, .theirs = request_sent});
  ASSERT_EQ(declined.writes.size(), 2u);
  EXPECT_EQ(declined.writes[0].state, none);
  EXPECT_EQ(declined.writes[1].state, none);
}

TEST(ContactRules, RemovingLeavesTheOtherSideAloneWhenItHasNothing) {
  EXPECT_EQ(error_of(ContactAction::remove, {}), Errc::invalid_argument);
  ContactPlan withdrawn = plan(ContactAction::remove, {.mine = request_sent, .theirs = none});
  ASSERT_EQ(withdrawn.writes.size(), 1u);
  EXPECT_TRUE(withdrawn.writes[0].actor_side);
  EXPECT_EQ(plan(ContactAction::remove, {.mine = accepted, .theirs = accepted}).writes.size(), 2u);
}

TEST(ContactRules, TheBlockedSideOnlySeesTheContactGo) {
  ContactPlan block = plan(ContactAction::block, {.mine = accepted, .theirs = accepted});
  EXPECT_EQ(block.block, BlockChange::add);
  ASSERT_EQ(block.writes.size(), 2u);
  EXPECT_EQ(block.writes[0].state, blocked);
  EXPECT_EQ(block.writes[1].state, none);  // not "blocked": the peer must not learn of it
  EXPECT_EQ(plan(ContactAction::block, {}).writes.size(), 1u);
}

TEST(ContactRules, UnblockNeedsABlockAndTellsOnlyTheActor) {
  EXPECT_EQ(error_of(ContactAction::unblock, {}), Errc::invalid_argument);
  ContactPlan unblock = plan(ContactAction::unblock, {.mine = blocked, .actor_blocks_peer = true});
  EXPECT_EQ(unblock.block, BlockChange::remove);
  ASSERT_EQ(unblock.writes.size(), 1u);
  EXPECT_TRUE(unblock.writes[0].actor_side);
  EXPECT_FALSE(unblock.writes[0].write_row);
}

TEST(ContactRules, OneselfIsNoContact) {
  EXPECT_FALSE(check_contact_pair(7, 7).has_value());
  EXPECT_TRUE(check_contact_pair(7, 8).has_value());
}

}  // namespace
}  // namespace parley
