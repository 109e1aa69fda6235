// state.json alone: a round trip keeps every field; a torn or failed write never replaces a good
// state; a damaged file is an error, a missing one an empty state.
#include "client/state_file.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace parley::client {
namespace {

PersistedState sample() {
  PersistedState s;
  s.user_id = 42;
  s.username = "alice";
  s.device_id = 7;
  s.device_key = "3f2a9c0d11e24b7f8a6b5c4d3e2f1a0b";
  s.token = "token-abc";
  s.token_expires_at_ms = 1'763'800'000'123;
  s.user_seq = 19;
  s.cursors = {{1, 20}, {9'000'000'000, 3}};
  s.outbox.push_back({"id-1", "bob", 0, "hello \"bob\"\nsecond line é 👍"});
  s.outbox.push_back({"id-2", "", 9'000'000'000, std::string(1000, 'x')});
  return s;
}

void expect_same(const PersistedState& a, const PersistedState& b) {
  EXPECT_EQ(a.user_id, b.user_id);
  EXPECT_EQ(a.username, b.username);
  EXPECT_EQ(a.device_id, b.device_id);
  EXPECT_EQ(a.device_key, b.device_key);
  EXPECT_EQ(a.token, b.token);
  EXPECT_EQ(a.token_expires_at_ms, b.token_expires_at_ms);
  EXPECT_EQ(a.user_seq, b.user_seq);
  EXPECT_EQ(a.cursors, b.cursors);
  ASSERT_EQ(a.outbox.size(), b.outbox.size());
  for (std::size_t i = 0; i < a.outbox.size(); ++i) {
    EXPECT_EQ(a.outbox[i].client_msg_id, b.outbox[i].client_msg_id);
    EXPECT_EQ(a.outbox[i].to_user, b.outbox[i].to_user);
    EXPECT_EQ(a.outbox[i].conversation_id, b.outbox[i].conversation_id);
    EXPECT_EQ(a.outbox[i].text, b.outbox[i].text);
  }
}

PersistedState load(const std::string& dir) {
  PersistedState s;
  std::string error;
  EXPECT_TRUE(load_state(dir, s, error)) << error;
  return s;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

TEST(StateFile, RoundTripKeepsEveryField) {
  testing::TempDir dir;
  std::string error;
  ASSERT_TRUE(save_state(dir.path(), sample(), error)) << error;
  expect_same(load(dir.path()), sample());
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/state.json.tmp"));
}

TEST(StateFile, MissingFileIsAnEmptyState) {
  testing::TempDir dir;
  PersistedState s = sample();
  std::string error;
  ASSERT_TRUE(load_state(dir.path() + "/not-there", s, error)) << error;
  expect_same(s, PersistedState{});
}

TEST(StateFile, DamagedFileIsAnError) {
  testing::TempDir dir;
  write_file(dir.path() + "/state.json", "{\"user_id\": 4");
  PersistedState s;
  std::string error;
  EXPECT_FALSE(load_state(dir.path(), s, error));
  EXPECT_NE(error.find("state.json"), std::string::npos) << error;
}

TEST(StateFile, TornTempFileNeverReplacesAGoodState) {
  testing::TempDir dir;
  std::string error;
  ASSERT_TRUE(save_state(dir.path(), sample(), error)) << error;
  // A crash in the middle of the next write leaves half a temp file behind.
  write_file(dir.path() + "/state.json.tmp", "{\"user_id\": 99, \"outbox\": [{\"client_msg");
  expect_same(load(dir.path()), sample());
  // The next write replaces the torn temp file and then the state.
  PersistedState next = sample();
  next.user_seq = 20;
  next.outbox.clear();
  ASSERT_TRUE(save_state(dir.path(), next, error)) << error;
  expect_same(load(dir.path()), next);
}

TEST(StateFile, FailedWriteLeavesTheGoodState) {
  testing::TempDir dir;
  std::string error;
  ASSERT_TRUE(save_state(dir.path(), sample(), error)) << error;
  PersistedState bigger = sample();
  bigger.outbox.push_back({"id-3", "bob", 0, std::string(64 * 1024, 'y')});
  // The disk fills up in the middle of the temp file: the write stops short, nothing is renamed.
  struct rlimit old_limit {};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto* old_handler = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  const bool saved = save_state(dir.path(), bigger, error);
  setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_FALSE(saved);
  EXPECT_NE(error.find("state.json"), std::string::npos) << error;
  expect_same(load(dir.path()), sample());
}

TEST(StateFile, UnwritableTempFileLeavesTheGoodState) {
  testing::TempDir dir;
  std::string error;
  ASSERT_TRUE(save_state(dir.path(), sample(), error)) << error;
  std::filesystem::create_directory(dir.path() +
                                    "/state.json.tmp");  // cannot be opened for writing
  PersistedState next = sample();
  next.user_seq = 99;
  EXPECT_FALSE(save_state(dir.path(), next, error));
  expect_same(load(dir.path()), sample());
}

}  // namespace
}  // namespace parley::client
