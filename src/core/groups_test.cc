// Group changes: only the fields an action uses are read.
#include <gtest/gtest.h>

#include "testing/core_harness.h"

namespace parley::testing {
namespace {

class Groups : public CoreHarness {};

TEST_F(Groups, ALeaveOrRenameWithStrayNamesIgnoresThem) {
  const AuthGrant alice = register_user("alice");
  register_user("bob");
  TestSession& a = attach(alice, 0);
  auto group = create_group(a, "trip", {"bob"});
  ASSERT_TRUE(group);
  auto change = [&](GroupAction action, std::string title) {
    return sync_call<Conversation>(0, [&](Core& core, Callback<Conversation> done) {
      GroupCommand command;
      command.conversation_id = group->id;
      command.action = action;
      command.usernames = {"nobody-by-this-name"};
      command.title = std::move(title);
      core.chat().change_group(a.who, std::move(command), std::move(done));
    });
  };
  auto renamed = change(GroupAction::rename, "holiday");
  ASSERT_TRUE(renamed) << renamed.error().message;
  EXPECT_EQ(renamed->title, "holiday");
  auto left = change(GroupAction::leave, "");
  ASSERT_TRUE(left) << left.error().message;
}

}  // namespace
}  // namespace parley::testing
