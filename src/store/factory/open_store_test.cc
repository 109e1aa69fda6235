// The backend factory: a known name opens a working store, an unknown one says what is known.
#include "store/factory/open_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "temp_dir.h"

namespace parley::store {
namespace {

TEST(OpenStore, SqliteIsTheEmbeddedDefaultAndKeepsItsFileInTheDataDir) {
  testing::TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  StoreOptions options;
  options.data_dir = dir.path();
  EXPECT_EQ(options.backend, "sqlite");
  auto store = open_store(options);
  ASSERT_TRUE(store) << store.error().message;
  auto user = (*store)->create_user("Alice", "alice", "hash", 1);
  ASSERT_TRUE(user) << user.error().message;
  auto found = (*store)->user_by_username("alice");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->id, *user);
  EXPECT_TRUE(std::filesystem::exists(dir.path() + "/parley.db"));
}

TEST(OpenStore, AnUnknownBackendIsRefusedWithTheKnownOnes) {
  testing::TempDir dir;
  StoreOptions options;
  options.data_dir = dir.path();
  options.backend = "postgress";
  auto store = open_store(options);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, Errc::invalid_argument);
  EXPECT_EQ(store.error().message, "unknown store backend \"postgress\" (known: sqlite)");
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/parley.db"));
}

}  // namespace
}  // namespace parley::store
