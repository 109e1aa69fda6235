// Descriptor exhaustion: when accept fails for want of descriptors the listener backs off instead
// of spinning, logs a bounded number of lines, keeps serving the connections it has, and accepts
// again once descriptors are free.
#include <gtest/gtest.h>

#include <thread>

#include "process_stats.h"
#include "raw_client.h"
#include "server_process.h"

namespace parley::testing {
namespace {

TEST(AcceptBackoff, DescriptorExhaustionNeitherSpinsNorStopsService) {
#if defined(__SANITIZE_ADDRESS__)
  // Under ASan the server does not reach descriptor exhaustion within the test's deadlines on a
  // loaded 2-core machine (seen failing both before and at exhaustion); scripts/test runs this
  // test on the non-sanitized dev build instead.
  GTEST_SKIP() << "runs on the dev build (scripts/test)";
#endif
  TempDir dir;
  const std::string log = dir.path() + "/parleyd.log";
  constexpr int kOpenFiles = 64;
  ServerProcess server(dir.path() + "/data",
                       "[connections]\nmax_unauthenticated = 100000\n"
                       "max_unauthenticated_per_address = 100000\n",
                       {}, {.open_files = kOpenFiles, .log_file = log});
  ASSERT_TRUE(server.ready()) << server.error();
  auto member = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(member && member->hello());
  ASSERT_TRUE(member->register_account("alice", "password-alice")->has_auth_ok());

  // More connections than the server has descriptors left: the kernel completes them all (the
  // listen backlog), the server accepts until it runs out.
  std::vector<std::unique_ptr<RawClient>> flood;
  for (int i = 0; i < 2 * kOpenFiles; ++i) {
    flood.push_back(RawClient::connect(server.ports().native_tcp));
    ASSERT_TRUE(flood.back()) << i;
  }
  ASSERT_TRUE(eventually([&] { return open_fds(server.pid()) >= kOpenFiles; }, 10s))
      << "the server never ran out of descriptors: " << open_fds(server.pid());
  // A window of two seconds out of descriptors: a spinning accept loop logs thousands of lines
  // in it; backing off to at most one attempt a second logs a handful.
  const int lines_at_exhaustion = count_lines(log, "accept");
  std::this_thread::sleep_for(2s);
  const int lines = count_lines(log, "accept");
  EXPECT_LE(lines, 6) << lines - lines_at_exhaustion << " accept lines in 2 s";

  // Existing connections are served meanwhile.
  v1::ClientFrame ping;
  ping.mutable_ping();
  auto pong = member->request(ping, 5s);
  ASSERT_TRUE(pong && pong->has_pong());

  // Descriptors come back: new connections are accepted again.
  flood.clear();
  EXPECT_TRUE(eventually(
      [&] {
        auto c = RawClient::connect(server.ports().native_tcp);
        auto h = c ? c->hello() : std::nullopt;
        return h && h->has_hello_ok();
      },
      15s));
}

}  // namespace
}  // namespace parley::testing
