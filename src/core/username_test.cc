#include "core/username.h"

#include <gtest/gtest.h>

namespace parley {
namespace {

TEST(Username, FoldsCaseForTheKey) {
  EXPECT_EQ(username_key("Alice"), "alice");
  EXPECT_EQ(username_key("bob.smith_2-x"), "bob.smith_2-x");
  EXPECT_EQ(username_key("ALICE"), username_key("alice"));
}

TEST(Username, RejectsBadNames) {
  EXPECT_FALSE(username_key("ab"));                  // too short
  EXPECT_FALSE(username_key(std::string(33, 'a')));  // too long
  EXPECT_TRUE(username_key(std::string(32, 'a')));
  EXPECT_FALSE(username_key("_alice"));  // must start alphanumeric
  EXPECT_FALSE(username_key("al ice"));
  EXPECT_FALSE(username_key("al@ice"));
  EXPECT_FALSE(username_key("\xC3\xA9lise"));  // non-ASCII
  EXPECT_FALSE(username_key(std::string_view("ali\0ce", 6)));
}

}  // namespace
}  // namespace parley
