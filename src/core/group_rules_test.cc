// The group rules alone: rights by role, sizes, newcomers' history and the heir.
#include "core/group_rules.h"

#include <gtest/gtest.h>

namespace parley {
namespace {

Errc authorize(GroupAction action, std::optional<MemberRole> role, std::vector<UserId> users = {2},
               std::string title = "t", MemberRole new_role = MemberRole::admin,
               ConversationKind kind = ConversationKind::group) {
  GroupChange change{.conversation_id = 1,
                     .actor = 1,
                     .action = action,
                     .users = users,
                     .title = title,
                     .role = new_role};
  auto result = authorize_group_change(change, kind, role, users);
  return result ? Errc::internal : result.error().code;  // internal: allowed
}

constexpr Errc kAllowed = Errc::internal;

TEST(GroupRules, RightsByRole) {
  using enum GroupAction;
  using enum MemberRole;
  EXPECT_EQ(authorize(add, std::nullopt), Errc::not_found);  // a non-member cannot probe it
  EXPECT_EQ(authorize(add, owner, {2}, "t", admin, ConversationKind::direct),
            Errc::invalid_argument);
  EXPECT_EQ(authorize(add, member), Errc::forbidden);
  EXPECT_EQ(authorize(add, admin), kAllowed);
  EXPECT_EQ(authorize(add, admin, {}), Errc::invalid_argument);
  EXPECT_EQ(authorize(remove, member), Errc::forbidden);
  EXPECT_EQ(authorize(leave, member, {}), kAllowed);
  EXPECT_EQ(authorize(rename, member), Errc::forbidden);
  EXPECT_EQ(authorize(rename, admin, {}, ""), Errc::invalid_argument);
  EXPECT_EQ(authorize(set_role, admin), Errc::forbidden);
  EXPECT_EQ(authorize(set_role, owner), kAllowed);
  EXPECT_EQ(authorize(set_role, owner, {2}, "t", owner), Errc::invalid_argument);
}

TEST(GroupRules, WhoMayBeRemovedAndWhoseRoleChanges) {
  using enum MemberRole;
  EXPECT_EQ(check_removed_user(1, admin, 2, std::nullopt).error().code, Errc::not_found);
  EXPECT_EQ(check_removed_user(1, admin, 2, owner).error().code, Errc::forbidden);
  EXPECT_EQ(check_removed_user(1, admin, 2, admin).error().code, Errc::forbidden);
  EXPECT_TRUE(check_removed_user(1, owner, 2, admin).has_value());
  EXPECT_TRUE(check_removed_user(2, admin, 2, admin).has_value());  // an admin removes themself
  EXPECT_TRUE(check_removed_user(1, admin, 2, member).has_value());
  EXPECT_EQ(check_role_target(2, owner).error().code, Errc::invalid_argument);
  EXPECT_EQ(check_role_target(2, std::nullopt).error().code, Errc::not_found);
}

TEST(GroupRules, SizesCountTheCreatorAndEveryoneAlreadyIn) {
  EXPECT_TRUE(check_group_size(9'999, 1, 10'000).has_value());
  EXPECT_FALSE(check_group_size(9'999, 2, 10'000).has_value());
  NewGroup group{.creator = 1, .title = "t", .max_members = 3};
  std::vector<UserId> two = {2, 3};
  std::vector<UserId> three = {2, 3, 4};
  EXPECT_TRUE(check_new_group(group, two).has_value());
  EXPECT_FALSE(check_new_group(group, three).has_value());
  group.title.clear();
  EXPECT_FALSE(check_new_group(group, two).has_value());
  EXPECT_FALSE(check_added_user("bob", true).has_value());
}

TEST(GroupRules, ANewcomerSeesHistoryOnlyWhenTheGroupSharesIt) {
  EXPECT_EQ(newcomer_joined_seq(false, 41), 41);
  EXPECT_EQ(newcomer_joined_seq(true, 41), 0);
}

TEST(GroupRules, TheHeirIsTheLongestStandingAdminElseMember) {
  using enum MemberRole;
  std::vector<Heir> members = {{.user_id = 2, .role = member, .joined_at = 1},
                               {.user_id = 3, .role = admin, .joined_at = 5},
                               {.user_id = 4, .role = admin, .joined_at = 3},
                               {.user_id = 5, .role = admin, .joined_at = 3}};
  EXPECT_EQ(pick_heir(members), 4);  // the earlier of two equal admins: first listed
  members.erase(members.begin() + 1, members.end());
  EXPECT_EQ(pick_heir(members), 2);
  EXPECT_EQ(pick_heir({}), std::nullopt);
}

TEST(GroupRules, DistinctUsersKeepFirstMentionsAndDropOne) {
  std::vector<UserId> users = {3, 1, 3, 2, 1};
  EXPECT_EQ(distinct_users(users, 1), (std::vector<UserId>{3, 2}));
  EXPECT_EQ(distinct_users(users, 0), (std::vector<UserId>{3, 1, 2}));
  EXPECT_EQ(event_name(GroupAction::leave), "left");
}

}  // namespace
}  // namespace parley
