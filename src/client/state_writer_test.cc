// The state writer alone: changes share writes, flush() is durable before it returns, the last
// change is written at shutdown, and a failed write is reported to flush().
#include "client/state_writer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "temp_dir.h"

namespace parley::client {
namespace {

using namespace std::chrono_literals;
constexpr auto kNever = std::chrono::hours(1);  // a window no test waits out

// The snapshot: user_seq carries a value the test changes; counts the snapshots taken.
struct Source {
  std::atomic<std::int64_t> value{0};
  std::atomic<int> snapshots{0};
  StateWriter::Snapshot snapshot() {
    return [this] {
      ++snapshots;
      PersistedState s;
      s.user_seq = value;
      return s;
    };
  }
};

std::int64_t stored(const std::string& dir) {
  PersistedState s;
  std::string error;
  EXPECT_TRUE(load_state(dir, s, error)) << error;
  return s.user_seq;
}

TEST(StateWriter, ChangesInOneWindowShareOneWrite) {
  testing::TempDir dir;
  Source source;
  StateWriter writer(dir.path(), kNever, source.snapshot());
  for (int i = 1; i <= 1000; ++i) {
    source.value = i;
    writer.changed();
  }
  ASSERT_TRUE(writer.flush());
  EXPECT_EQ(writer.writes(), 1u);
  EXPECT_EQ(stored(dir.path()), 1000);
}

TEST(StateWriter, AChangeIsWrittenWithinTheWindowWithoutFlush) {
  testing::TempDir dir;
  Source source;
  StateWriter writer(dir.path(), 20ms, source.snapshot());
  source.value = 5;
  writer.changed();
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (writer.writes() == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(1ms);
  ASSERT_EQ(writer.writes(), 1u);
  EXPECT_EQ(stored(dir.path()), 5);
}

TEST(StateWriter, FlushCoversEveryChangeMadeBeforeIt) {
  testing::TempDir dir;
  Source source;
  StateWriter writer(dir.path(), kNever, source.snapshot());
  for (int i = 1; i <= 20; ++i) {
    source.value = i;
    ASSERT_TRUE(writer.flush());
    EXPECT_EQ(stored(dir.path()), i);  // durable when flush returns, not later
  }
}

TEST(StateWriter, ShutdownWritesWhatIsPendingAndNothingElse) {
  testing::TempDir dir;
  Source source;
  {
    StateWriter writer(dir.path(), kNever, source.snapshot());
    source.value = 7;
    writer.changed();
  }
  EXPECT_EQ(stored(dir.path()), 7);
  EXPECT_EQ(source.snapshots, 1);
  { StateWriter idle(dir.path(), kNever, source.snapshot()); }
  EXPECT_EQ(source.snapshots, 1);  // nothing changed: no write
}

TEST(StateWriter, ConcurrentFlushesAllReturnDurable) {
  testing::TempDir dir;
  Source source;
  StateWriter writer(dir.path(), kNever, source.snapshot());
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 25; ++i) {
        const auto mine = ++source.value;
        EXPECT_TRUE(writer.flush());
        EXPECT_GE(stored(dir.path()), mine);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(writer.writes(), 200u);
  EXPECT_EQ(stored(dir.path()), 200);
}

TEST(StateWriter, AFailedWriteIsReportedToFlush) {
  testing::TempDir dir;
  const std::string blocked = dir.path() + "/file";
  std::ofstream(blocked) << "not a directory";
  Source source;
  StateWriter writer(blocked + "/profile", kNever, source.snapshot());
  auto r = writer.flush();
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().find("state.json"), std::string::npos) << r.error();
}

}  // namespace
}  // namespace parley::client
