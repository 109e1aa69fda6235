// The `parley` CLI as a person or a script uses it: real processes, real profiles, real server.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <sstream>

#include "cli_runner.h"
#include "server_process.h"

namespace parley::testing {
namespace {

TEST(Cli, RegisterSendTailHistory) {
  TempDir data;
  TempDir home;
  ServerProcess server(data.path());
  ASSERT_TRUE(server.ready()) << server.error();
  const std::string url = server.url("tcp");
  const std::string alice = home.path() + "/alice";
  const std::string bob = home.path() + "/bob";

  auto r = run_cli(home.path(),
                   {"--profile", alice, "--server", url, "register", "alice", "password-alice"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli(home.path(), {"--profile", bob, "--server", url, "register", "bob", "password-bob"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  // The server URL is remembered in the profile.
  r = run_cli(home.path(), {"--profile", alice, "send", "bob", "hello", "from", "the", "cli"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto ack = json_lines(r.out);
  ASSERT_EQ(ack.size(), 1u) << r.out;
  EXPECT_EQ(ack[0]["seq"].as_int64(), 1);
  EXPECT_FALSE(ack[0]["duplicate"].as_bool());

  r = run_cli(home.path(), {"--profile", alice, "send", "bob", "quote \" and \\ and é"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  r = run_cli(home.path(), {"--profile", bob, "tail", "--count", "2", "--timeout", "20"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto events = json_lines(r.out);
  ASSERT_EQ(events.size(), 2u) << r.out;
  EXPECT_EQ(events[0]["text"].as_string(), "hello from the cli");
  EXPECT_EQ(events[0]["from"].as_string(), "alice");
  EXPECT_EQ(events[0]["seq"].as_int64(), 1);
  EXPECT_EQ(events[1]["text"].as_string(), "quote \" and \\ and é");
  for (const char* field : {"conversation", "seq", "from", "text", "id", "sent_at"}) {
    EXPECT_TRUE(events[0].contains(field)) << field;
  }

  // A second tail does not print what the first one printed.
  r = run_cli(home.path(), {"--profile", alice, "send", "bob", "third"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli(home.path(), {"--profile", bob, "tail", "--count", "1", "--timeout", "20"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  events = json_lines(r.out);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["text"].as_string(), "third");

  r = run_cli(home.path(), {"--profile", bob, "history", "alice", "--limit", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto history = json_lines(r.out);
  ASSERT_EQ(history.size(), 2u);
  EXPECT_EQ(history[0]["seq"].as_int64(), 2);
  EXPECT_EQ(history[1]["seq"].as_int64(), 3);
  r = run_cli(home.path(), {"--profile", bob, "history", "alice", "--before", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  history = json_lines(r.out);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0]["text"].as_string(), "hello from the cli");
}

TEST(Cli, ErrorsExitNonZeroWithOneLine) {
  TempDir data;
  TempDir home;
  ServerProcess server(data.path());
  ASSERT_TRUE(server.ready()) << server.error();
  const std::string url = server.url("tcp");
  const std::string p = home.path() + "/p";
  ASSERT_EQ(
      run_cli(home.path(), {"--profile", p, "--server", url, "register", "zoe", "password-zoe"})
          .exit_code,
      0);
  auto r =
      run_cli(home.path(), {"--profile", p, "--server", url, "login", "zoe", "wrong-password"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("INVALID_CREDENTIALS"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  r = run_cli(home.path(), {"--profile", p, "send", "nobody-at-all", "hi"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("USER_NOT_FOUND"), std::string::npos) << r.err;
  r = run_cli(home.path(), {"--profile", p, "logout"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run_cli(home.path(), {"--profile", p, "send", "zoe", "hi"});
  EXPECT_NE(r.exit_code, 0);
  r = run_cli(home.path(), {"--profile", p, "--server", "tcp://127.0.0.1:1", "login", "zoe", "x"});
  EXPECT_NE(r.exit_code, 0);
}

std::string device_key_of(const std::string& profile) {
  boost::system::error_code ec;
  auto state = boost::json::parse(slurp(profile + "/state.json"), ec);
  if (ec || !state.is_object()) return {};
  const auto* key = state.as_object().if_contains("device_key");
  return key != nullptr && key->is_string() ? std::string(key->as_string()) : std::string();
}

TEST(Cli, ProfileKeepsOneDeviceKeyAcrossLogins) {
  TempDir data;
  TempDir home;
  ServerProcess server(data.path());
  ASSERT_TRUE(server.ready()) << server.error();
  const std::string url = server.url("tcp");
  const std::string laptop = home.path() + "/laptop";
  const std::string phone = home.path() + "/phone";
  auto r = run_cli(home.path(),
                   {"--profile", laptop, "--server", url, "register", "kim", "password-kim"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string key = device_key_of(laptop);
  EXPECT_EQ(key.size(), 32u) << slurp(laptop + "/state.json");
  r = run_cli(home.path(), {"--profile", laptop, "logout"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run_cli(home.path(), {"--profile", laptop, "login", "kim", "password-kim"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(device_key_of(laptop), key);
  r = run_cli(home.path(), {"--profile", phone, "--server", url, "login", "kim", "password-kim"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(device_key_of(phone).empty());
  EXPECT_NE(device_key_of(phone), key);
}

}  // namespace
}  // namespace parley::testing
