#include "codec/system_event_json.h"

#include <gtest/gtest.h>

namespace parley::codec {
namespace {

TEST(SystemEventJson, WritesTheDocumentedKeysInOrderAndLeavesEmptyOnesOut) {
  EXPECT_EQ(system_event_json(
                {.event = "created", .actor = "alice", .users = {"bob", "carol"}, .title = "Team"}),
            R"({"event":"created","actor":"alice","users":["bob","carol"],"title":"Team"})");
  EXPECT_EQ(system_event_json({.event = "left", .actor = "alice", .new_owner = "bob"}),
            R"({"event":"left","actor":"alice","new_owner":"bob"})");
  EXPECT_EQ(system_event_json({.event = "role", .actor = "a", .users = {"c"}, .role = "admin"}),
            R"({"event":"role","actor":"a","users":["c"],"role":"admin"})");
}

TEST(SystemEventJson, EscapesWhatJsonRequiresAndKeepsUtf8) {
  const SystemEvent renamed{.event = "renamed", .actor = "al", .title = "a\"b\\c\nd\x01 é🙂"};
  EXPECT_EQ(system_event_json(renamed),
            "{\"event\":\"renamed\",\"actor\":\"al\",\"title\":\"a\\\"b\\\\c\\nd\\u0001 é🙂\"}");
  EXPECT_EQ(parse_system_event_json(system_event_json(renamed)), renamed);
}

TEST(SystemEventJson, ReadsBackWhatItWrote) {
  const SystemEvent events[] = {
      {.event = "created", .actor = "alice", .users = {"bob"}, .title = "G"},
      {.event = "added", .actor = "alice", .users = {"dave", "erin"}},
      {.event = "removed", .actor = "bob", .users = {"bob"}},
      {.event = "left", .actor = "alice", .new_owner = "dave"},
      {.event = "role", .actor = "alice", .users = {"carol"}, .role = "member"},
      {.event = "created", .actor = "alice", .title = "alone"},
  };
  for (const SystemEvent& e : events) EXPECT_EQ(parse_system_event_json(system_event_json(e)), e);
}

TEST(SystemEventJson, IgnoresUnknownKeys) {
  auto e = parse_system_event_json(R"({"event":"pinned","actor":"a","seq":7,"extra":{"x":[1]}})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "pinned");
  EXPECT_EQ(e->actor, "a");
}

TEST(SystemEventJson, RefusesWhatIsNotASystemEvent) {
  for (const char* bad : {"", "not json", "[]", "\"event\"", "{}", R"({"event":1})",
                          R"({"event":"added","users":"bob"})", R"({"event":"added","users":[1]})",
                          R"({"event":"renamed","title":null})", R"({"event":"x")"}) {
    EXPECT_FALSE(parse_system_event_json(bad)) << bad;
  }
}

}  // namespace
}  // namespace parley::codec
