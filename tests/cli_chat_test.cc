// The chat-feature sub-commands of the `parley` CLI (issue 3): contacts, groups, reactions, edits,
// deletions, read positions, per-conversation settings and `tail` printing every event kind.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

#include "cli_runner.h"
#include "server_process.h"

namespace parley::testing {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

class CliChat : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.ready()) << server_.error(); }

  std::string profile(const std::string& name) const { return home_.path() + "/" + name; }

  // `parley --profile home/NAME ARGS...`
  CliRun cli(const std::string& name, std::vector<std::string> args) {
    args.insert(args.begin(), {"--profile", profile(name)});
    const std::string prefix = home_.path() + "/run";
    return finish_cli(spawn_cli(prefix, args), prefix);
  }

  // Runs a command that must succeed; returns its JSON lines.
  std::vector<json::object> ok(const std::string& name, std::vector<std::string> args) {
    auto r = cli(name, args);
    EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
    return json_lines(r.out);
  }

  void register_user(const std::string& name) {
    auto r = cli(name, {"--server", server_.url("tcp"), "register", name, "password-" + name});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

  static std::optional<json::object> find(const std::vector<json::object>& lines, const char* key,
                                          std::int64_t value) {
    for (const auto& l : lines) {
      if (l.contains(key) && l.at(key).is_int64() && l.at(key).as_int64() == value) return l;
    }
    return std::nullopt;
  }

  // The history of a group as seen by `name`: one JSON object per entry.
  std::vector<json::object> group_history(const std::string& name, std::int64_t group) {
    return ok(name, {"history", "--group", std::to_string(group), "--limit", "200"});
  }

  TempDir data_;
  TempDir home_;
  ServerProcess server_{data_.path()};
};

TEST_F(CliChat, ContactsRequestAcceptAndList) {
  register_user("alice");
  register_user("bob");
  ok("alice", {"contact", "add", "bob"});
  auto lines = ok("bob", {"contacts"});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["user"].as_string(), "alice");
  EXPECT_EQ(lines[0]["state"].as_string(), "REQUEST_RECEIVED");
  lines = ok("alice", {"contacts"});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["state"].as_string(), "REQUEST_SENT");

  ok("bob", {"contact", "accept", "alice"});
  lines = ok("alice", {"contacts"});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["user"].as_string(), "bob");
  EXPECT_EQ(lines[0]["state"].as_string(), "ACCEPTED");
  for (const char* field : {"online", "last_seen"}) EXPECT_TRUE(lines[0].contains(field)) << field;

  ok("alice", {"contact", "remove", "bob"});
  EXPECT_TRUE(ok("alice", {"contacts"}).empty());

  auto r = cli("alice", {"contact", "befriend", "bob"});
  EXPECT_NE(r.exit_code, 0);
  r = cli("alice", {"contact", "add", "nobody-at-all"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("parley: USER_NOT_FOUND:"), std::string::npos) << r.err;
}

TEST_F(CliChat, GroupMessagesActionsAndSettings) {
  register_user("alice");
  register_user("bob");
  register_user("carol");

  auto lines = ok("alice", {"group", "create", "Team", "bob", "carol"});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["kind"].as_string(), "GROUP");
  EXPECT_EQ(lines[0]["title"].as_string(), "Team");
  const std::int64_t group = lines[0]["conversation"].as_int64();
  const std::string g = std::to_string(group);

  lines = ok("alice", {"send", "--group", g, "hello", "team"});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["conversation"].as_int64(), group);
  const std::int64_t hello_seq = lines[0]["seq"].as_int64();

  // Carol (nobody's contact, so no presence events) sees the SYSTEM entry, then the message.
  auto r = cli("carol", {"tail", "--count", "2", "--timeout", "20"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(lines[0]["event"].as_string(), "message");
  EXPECT_EQ(lines[0]["kind"].as_string(), "SYSTEM");
  EXPECT_EQ(lines[0]["conversation"].as_int64(), group);
  EXPECT_EQ(lines[1]["event"].as_string(), "message");
  EXPECT_EQ(lines[1]["text"].as_string(), "hello team");
  EXPECT_EQ(lines[1]["from"].as_string(), "alice");
  EXPECT_EQ(lines[1]["seq"].as_int64(), hello_seq);

  // Unread before reading, none after; the last line is the total.
  lines = ok("carol", {"chats"});
  ASSERT_GE(lines.size(), 2u);
  auto chat = find(lines, "conversation", group);
  ASSERT_TRUE(chat) << r.out;
  EXPECT_GE((*chat)["unread"].as_int64(), 1);
  EXPECT_EQ((*chat)["last_message"].as_object().at("text").as_string(), "hello team");
  ASSERT_TRUE(lines.back().contains("total_unread"));
  EXPECT_GE(lines.back()["total_unread"].as_int64(), 1);

  ok("carol", {"read", g, std::to_string(hello_seq)});
  lines = ok("carol", {"chats"});
  chat = find(lines, "conversation", group);
  ASSERT_TRUE(chat);
  EXPECT_EQ((*chat)["unread"].as_int64(), 0);
  EXPECT_EQ(lines.back()["total_unread"].as_int64(), 0);
  lines = ok("alice", {"members", g});
  ASSERT_EQ(lines.size(), 3u);
  auto carol = std::find_if(lines.begin(), lines.end(),
                            [](const auto& l) { return l.at("user").as_string() == "carol"; });
  ASSERT_NE(carol, lines.end());
  EXPECT_EQ(carol->at("read_seq").as_int64(), hello_seq);
  EXPECT_EQ(carol->at("role").as_string(), "MEMBER");

  // React, edit, delete for everyone: reflected in history.
  lines = ok("bob", {"react", g, std::to_string(hello_seq), "🎉"});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_GT(lines[0]["seq"].as_int64(), hello_seq);
  ok("alice", {"edit", g, std::to_string(hello_seq), "hello", "edited"});
  r = cli("bob", {"edit", g, std::to_string(hello_seq), "not", "mine"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("parley: FORBIDDEN:"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;

  lines = ok("alice", {"send", "--group", g, "oops"});
  const std::int64_t oops_seq = lines.at(0)["seq"].as_int64();
  ok("alice", {"delete", g, std::to_string(oops_seq), "--everyone"});

  auto history = group_history("carol", group);
  auto hello = find(history, "seq", hello_seq);
  ASSERT_TRUE(hello);
  EXPECT_EQ((*hello)["text"].as_string(), "hello edited");
  EXPECT_TRUE(hello->contains("edited_at"));
  ASSERT_TRUE(hello->contains("reactions"));
  ASSERT_EQ((*hello)["reactions"].as_array().size(), 1u);
  EXPECT_EQ((*hello)["reactions"].as_array()[0].as_object().at("emoji").as_string(), "🎉");
  EXPECT_EQ((*hello)["reactions"].as_array()[0].as_object().at("user").as_string(), "bob");
  auto oops = find(history, "seq", oops_seq);
  ASSERT_TRUE(oops);
  EXPECT_TRUE(oops->contains("deleted"));
  EXPECT_EQ((*oops)["text"].as_string(), "");

  // Take the reaction back.
  ok("bob", {"react", g, std::to_string(hello_seq), "🎉", "--remove"});
  hello = find(group_history("carol", group), "seq", hello_seq);
  ASSERT_TRUE(hello);
  EXPECT_FALSE(hello->contains("reactions"));

  // Carol's tail gets the EDIT, REACTION, DELETION entries in seq order.
  r = cli("carol", {"tail", "--timeout", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  lines = json_lines(r.out);
  std::vector<std::string> kinds;
  std::int64_t last = 0;
  for (const auto& l : lines) {
    if (l.at("event").as_string() != "message") continue;
    EXPECT_GT(l.at("seq").as_int64(), last);
    last = l.at("seq").as_int64();
    kinds.emplace_back(l.contains("kind") ? l.at("kind").as_string() : "TEXT");
  }
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"REACTION", "EDIT", "TEXT", "DELETION", "REACTION_REMOVED"}))
      << r.out;

  // Mute and nickname are carol's own settings.
  ok("carol", {"mute", g});
  ok("carol", {"nick", g, "the", "team"});
  chat = find(ok("carol", {"chats"}), "conversation", group);
  ASSERT_TRUE(chat);
  EXPECT_TRUE((*chat)["muted"].as_bool());
  EXPECT_EQ((*chat)["nickname"].as_string(), "the team");
  chat = find(ok("alice", {"chats"}), "conversation", group);
  ASSERT_TRUE(chat);
  EXPECT_FALSE((*chat)["muted"].as_bool());
  ok("carol", {"mute", g, "--off"});
  ok("carol", {"nick", g});
  chat = find(ok("carol", {"chats"}), "conversation", group);
  ASSERT_TRUE(chat);
  EXPECT_FALSE((*chat)["muted"].as_bool());
  EXPECT_EQ((*chat)["nickname"].as_string(), "");

  // Delete for me hides the entry for carol only.
  lines = ok("carol", {"delete", g, std::to_string(hello_seq)});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(lines[0]["hidden"].as_bool());
  hello = find(group_history("carol", group), "seq", hello_seq);
  ASSERT_TRUE(hello);
  EXPECT_TRUE(hello->contains("hidden"));
  hello = find(group_history("bob", group), "seq", hello_seq);
  ASSERT_TRUE(hello);
  EXPECT_EQ((*hello)["text"].as_string(), "hello edited");
}

TEST_F(CliChat, GroupMembershipChanges) {
  register_user("alice");
  register_user("bob");
  register_user("carol");
  register_user("dave");
  auto lines = ok("alice", {"group", "create", "Team", "bob"});
  ASSERT_EQ(lines.size(), 1u);
  const std::int64_t group = lines[0]["conversation"].as_int64();
  const std::string g = std::to_string(group);

  lines = ok("alice", {"group", "add", g, "carol", "dave"});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["members"].as_array().size(), 4u);

  // A plain member may not rename; an admin may.
  auto r = cli("bob", {"group", "rename", g, "Bob's"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("parley: FORBIDDEN:"), std::string::npos) << r.err;
  ok("alice", {"group", "admin", g, "bob"});
  lines = ok("bob", {"group", "rename", g, "New", "Team"});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["title"].as_string(), "New Team");
  auto chat = find(ok("carol", {"chats"}), "conversation", group);
  ASSERT_TRUE(chat);
  EXPECT_EQ((*chat)["title"].as_string(), "New Team");

  ok("bob", {"group", "remove", g, "dave"});
  r = cli("dave", {"history", "--group", g});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("parley: NOT_FOUND:"), std::string::npos) << r.err;
  ok("alice", {"group", "member", g, "bob"});
  lines = ok("carol", {"group", "leave", g});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0]["left"].as_int64(), group);
  lines = ok("alice", {"members", g});
  ASSERT_EQ(lines.size(), 2u);
  for (const auto& l : lines) {
    if (l.at("user").as_string() == "bob") {
      EXPECT_EQ(l.at("role").as_string(), "MEMBER");
    } else {
      EXPECT_EQ(l.at("role").as_string(), "OWNER");
    }
  }

  // Bob's history shows the SYSTEM entries of every change.
  auto history = group_history("bob", group);
  int system = 0;
  for (const auto& l : history) {
    if (l.contains("kind") && l.at("kind").as_string() == "SYSTEM") ++system;
  }
  EXPECT_GE(system, 6) << history.size();  // created, added, role, renamed, removed, role, left
}

TEST_F(CliChat, TailPrintsEveryEventKind) {
  register_user("alice");
  register_user("bob");
  register_user("carol");
  ok("alice", {"contact", "add", "bob"});
  ok("bob", {"contact", "accept", "alice"});
  auto lines = ok("alice", {"group", "create", "Team", "bob", "carol"});
  const std::string g = std::to_string(lines.at(0)["conversation"].as_int64());
  // Bob's second device: its changes reach the first one as user_update events.
  auto r = cli("bob2", {"--server", server_.url("tcp"), "login", "bob", "password-bob"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  // Bob's first device catches up, so the live tail below starts with nothing to replay.
  ok("bob", {"tail", "--count", "1", "--timeout", "20"});

  const std::string prefix = home_.path() + "/tail";
  const pid_t tail = spawn_cli(prefix, {"--profile", profile("bob"), "tail", "--timeout", "6"});
  // Wait until the tail is connected: alice sees her contact bob online (bob2 never connects).
  bool bob_online = false;
  for (int attempt = 0; attempt < 200 && !bob_online; ++attempt) {
    for (const auto& c : ok("alice", {"contacts"})) {
      if (c.at("user").as_string() == "bob" && c.at("online").as_bool()) bob_online = true;
    }
  }
  ASSERT_TRUE(bob_online);
  ok("alice", {"typing", g});
  lines = ok("alice", {"send", "--group", g, "live"});
  const std::string live_seq = std::to_string(lines.at(0)["seq"].as_int64());
  ok("carol", {"read", g, live_seq});
  ok("bob2", {"mute", g});
  r = finish_cli(tail, prefix);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  lines = json_lines(r.out);

  bool typing = false, message = false, read = false, muted = false;
  for (const auto& l : lines) {
    ASSERT_TRUE(l.contains("event")) << r.out;
    const auto event = l.at("event").as_string();
    if (event == "typing") {
      typing = l.at("user").as_string() == "alice" &&
               std::to_string(l.at("conversation").as_int64()) == g;
    } else if (event == "message") {
      if (l.at("text").as_string() == "live") message = true;
    } else if (event == "read") {
      if (l.at("user").as_string() == "carol") {
        read = true;
        EXPECT_EQ(std::to_string(l.at("read_seq").as_int64()), live_seq);
      }
    } else if (event == "user_update") {
      if (l.at("kind").as_string() == "MUTED") muted = l.at("muted").as_bool();
    } else {
      EXPECT_EQ(event, "presence") << r.out;
      EXPECT_EQ(l.at("user").as_string(), "alice");
    }
  }
  EXPECT_TRUE(typing) << r.out;
  EXPECT_TRUE(message) << r.out;
  EXPECT_TRUE(read) << r.out;
  EXPECT_TRUE(muted) << r.out;

  // The user log position is kept in the profile.
  const std::string state = slurp(profile("bob") + "/state.json");
  auto parsed = json::parse(state).as_object();
  EXPECT_GE(parsed["user_seq"].as_int64(), 1) << state;
}

}  // namespace
}  // namespace parley::testing
