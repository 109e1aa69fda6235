#include "core/member_windows.h"

#include <gtest/gtest.h>

namespace parley {
namespace {

TEST(MemberWindows, AnEntryReachesExactlyTheWindowsCoveringIt) {
  const std::vector<MemberWindow> windows{{1, 0, kOpenWindow}, {2, 5, kOpenWindow}, {3, 0, 7}};
  EXPECT_EQ(recipients_of(windows, 4), (std::vector<UserId>{1, 3}));
  EXPECT_EQ(recipients_of(windows, 5), (std::vector<UserId>{1, 2, 3}));
  EXPECT_EQ(recipients_of(windows, 8), (std::vector<UserId>{1, 2}));
  EXPECT_EQ(current_members(windows), (std::vector<UserId>{1, 2}));
}

TEST(MemberWindows, AGroupChangeOpensAndClosesWindowsAndIsIdempotent) {
  std::vector<MemberWindow> windows{{1, 0, kOpenWindow}, {2, 0, kOpenWindow}};
  // seq 9 adds 3 and removes 2.
  apply_group_change(windows, 9, {1, 3}, {2});
  EXPECT_EQ(recipients_of(windows, 8), (std::vector<UserId>{1, 2}));
  EXPECT_EQ(recipients_of(windows, 9), (std::vector<UserId>{1, 2, 3}));
  EXPECT_EQ(recipients_of(windows, 10), (std::vector<UserId>{1, 3}));
  const auto once = windows;
  apply_group_change(windows, 9, {1, 3}, {2});
  EXPECT_EQ(windows.size(), once.size());
  EXPECT_EQ(recipients_of(windows, 10), (std::vector<UserId>{1, 3}));
}

TEST(MemberWindows, AFormerMemberComingBackGetsANewWindow) {
  std::vector<MemberWindow> windows{{1, 0, kOpenWindow}, {2, 0, 4}};
  apply_group_change(windows, 6, {1, 2}, {});
  EXPECT_EQ(recipients_of(windows, 5), (std::vector<UserId>{1}));
  EXPECT_EQ(recipients_of(windows, 6), (std::vector<UserId>{1, 2}));
  prune_windows_before(windows, 6);
  EXPECT_EQ(windows.size(), 2u);  // the closed window ended at 4
}

TEST(MemberWindows, WindowsAfterAChangeCoverTheChangeAndEverythingLater) {
  const auto windows = windows_after_change(9, {1, 3}, {3}, {2});
  EXPECT_EQ(recipients_of(windows, 9), (std::vector<UserId>{1, 3, 2}));
  EXPECT_EQ(recipients_of(windows, 10), (std::vector<UserId>{1, 3}));
}

}  // namespace
}  // namespace parley
