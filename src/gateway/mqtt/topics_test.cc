// Topic name/filter validation and matching, from the examples of 3.1.1 §4.7 and 5.0 §4.7, §4.8.2.
#include "gateway/mqtt/topics.h"

#include <gtest/gtest.h>

#include <string>

namespace parley::mqtt {
namespace {

TEST(TopicFilter, MultiLevelWildcardExamples) {  // §4.7.1.2
  EXPECT_TRUE(matches("sport/tennis/player1/#", "sport/tennis/player1"));
  EXPECT_TRUE(matches("sport/tennis/player1/#", "sport/tennis/player1/ranking"));
  EXPECT_TRUE(matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
  EXPECT_TRUE(matches("sport/#", "sport"));  // the parent level too
  EXPECT_TRUE(is_valid_topic_filter("#"));
  EXPECT_TRUE(is_valid_topic_filter("sport/tennis/#"));
  EXPECT_FALSE(is_valid_topic_filter("sport/tennis#"));
  EXPECT_FALSE(is_valid_topic_filter("sport/tennis/#/ranking"));
  EXPECT_TRUE(matches("#", "sport/tennis/player1"));
  EXPECT_TRUE(matches("#", "/"));
  EXPECT_FALSE(matches("sport/tennis/#", "sport/badminton"));
}

TEST(TopicFilter, SingleLevelWildcardExamples) {  // §4.7.1.3
  EXPECT_TRUE(matches("sport/tennis/+", "sport/tennis/player1"));
  EXPECT_TRUE(matches("sport/tennis/+", "sport/tennis/player2"));
  EXPECT_FALSE(matches("sport/tennis/+", "sport/tennis/player1/ranking"));
  EXPECT_FALSE(matches("sport/+", "sport"));
  EXPECT_TRUE(matches("sport/+", "sport/"));
  EXPECT_TRUE(is_valid_topic_filter("+"));
  EXPECT_TRUE(is_valid_topic_filter("+/tennis/#"));
  EXPECT_FALSE(is_valid_topic_filter("sport+"));
  EXPECT_TRUE(is_valid_topic_filter("sport/+/player1"));
  EXPECT_TRUE(matches("sport/+/player1", "sport/tennis/player1"));
  EXPECT_TRUE(matches("+/+", "/finance"));
  EXPECT_TRUE(matches("/+", "/finance"));
  EXPECT_FALSE(matches("+", "/finance"));
  EXPECT_TRUE(matches("+", "finance"));
  EXPECT_TRUE(matches("+/+/#", "a/b"));
  EXPECT_FALSE(matches("+/+/+", "a/b"));
}

TEST(TopicFilter, DollarTopicsAreNotMatchedByLeadingWildcards) {  // §4.7.2
  EXPECT_FALSE(matches("#", "$SYS/monitor/Clients"));
  EXPECT_FALSE(matches("+/monitor/Clients", "$SYS/monitor/Clients"));
  EXPECT_TRUE(matches("$SYS/#", "$SYS/monitor/Clients"));
  EXPECT_TRUE(matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
  EXPECT_FALSE(matches("+", "$SYS"));
  // Only the first character counts: a '$' further in is an ordinary character.
  EXPECT_TRUE(matches("a/+", "a/$b"));
  EXPECT_TRUE(matches("#", "a$"));
}

TEST(TopicFilter, TopicSemantics) {  // §4.7.3
  EXPECT_FALSE(matches("ACCOUNTS", "Accounts"));
  EXPECT_TRUE(matches("Accounts payable", "Accounts payable"));
  EXPECT_FALSE(matches("/finance", "finance"));
  EXPECT_FALSE(matches("finance", "/finance"));
  EXPECT_TRUE(is_valid_topic_name("/"));
  EXPECT_TRUE(matches("/", "/"));
  EXPECT_TRUE(matches("+/+", "/"));
  EXPECT_FALSE(matches("a/b", "a/b/"));
  EXPECT_TRUE(matches("a/#", "a/"));
  EXPECT_FALSE(matches("a/b/c", "a/b"));
}

TEST(TopicName, Validation) {
  EXPECT_TRUE(is_valid_topic_name("sport/tennis/player1"));
  EXPECT_TRUE(is_valid_topic_name("$SYS/broker"));
  EXPECT_FALSE(is_valid_topic_name(""));  // MQTT-4.7.3-1
  EXPECT_FALSE(is_valid_topic_name("sport/+"));
  EXPECT_FALSE(is_valid_topic_name("sport/#"));
  EXPECT_FALSE(is_valid_topic_name("a+b"));
  EXPECT_FALSE(is_valid_topic_name(std::string_view("a\0b", 3)));  // MQTT-4.7.3-2
  EXPECT_FALSE(is_valid_topic_name("\xC3\x28"));                   // ill-formed UTF-8
  EXPECT_TRUE(is_valid_topic_name("caf\xC3\xA9/\xF0\xAA\x9B\x94"));
  EXPECT_TRUE(is_valid_topic_name(std::string(65535, 'a')));
  EXPECT_FALSE(is_valid_topic_name(std::string(65536, 'a')));
}

TEST(TopicFilter, Validation) {
  EXPECT_FALSE(is_valid_topic_filter(""));
  EXPECT_TRUE(is_valid_topic_filter("/"));
  EXPECT_TRUE(is_valid_topic_filter("//"));
  EXPECT_TRUE(is_valid_topic_filter("+/+"));
  EXPECT_TRUE(is_valid_topic_filter("/#"));
  EXPECT_FALSE(is_valid_topic_filter("##"));
  EXPECT_FALSE(is_valid_topic_filter("+#"));
  EXPECT_FALSE(is_valid_topic_filter("#/"));
  EXPECT_FALSE(is_valid_topic_filter("a/++/b"));
  EXPECT_FALSE(is_valid_topic_filter(std::string_view("a/\0", 3)));
}

TEST(SharedSubscription, ParsesShareNameAndFilter) {  // 5.0 §4.8.2
  auto f = parse_topic_filter("$share/consumer1/sport/tennis/+", Version::v5);
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->shared());
  EXPECT_EQ(f->share_name, "consumer1");
  EXPECT_EQ(f->filter, "sport/tennis/+");

  f = parse_topic_filter("$share/consumer2/sport/tennis/+", Version::v5);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->share_name, "consumer2");

  // "$share/consumer1//finance" shares "/finance"; "$share/consumer1/+/finance" shares "+/finance".
  f = parse_topic_filter("$share/consumer1//finance", Version::v5);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->filter, "/finance");
  f = parse_topic_filter("$share/consumer1/+/finance", Version::v5);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->filter, "+/finance");
  EXPECT_TRUE(matches(f->filter, "/finance"));

  f = parse_topic_filter("$share/g/#", Version::v5);
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->filter, "#");
}

TEST(SharedSubscription, RefusesBadShareNamesAndFilters) {
  EXPECT_FALSE(parse_topic_filter("$share/", Version::v5));
  EXPECT_FALSE(parse_topic_filter("$share/group", Version::v5));   // no filter
  EXPECT_FALSE(parse_topic_filter("$share/group/", Version::v5));  // empty filter
  EXPECT_FALSE(parse_topic_filter("$share//sport", Version::v5));  // empty share name
  EXPECT_FALSE(parse_topic_filter("$share/gr+oup/sport", Version::v5));
  EXPECT_FALSE(parse_topic_filter("$share/+/sport", Version::v5));
  EXPECT_FALSE(parse_topic_filter("$share/#/sport", Version::v5));
  EXPECT_FALSE(parse_topic_filter("$share/g/sport#", Version::v5));
}

TEST(SharedSubscription, OnlyIn5AndOnlyWithThePrefix) {
  // In 3.1.1 "$share/..." is an ordinary filter, matched literally.
  auto f = parse_topic_filter("$share/group", Version::v311);
  ASSERT_TRUE(f.has_value());
  EXPECT_FALSE(f->shared());
  EXPECT_EQ(f->filter, "$share/group");
  // "$shared/..." and "$share" are not shared subscriptions in 5.0 either.
  f = parse_topic_filter("$shared/g/a", Version::v5);
  ASSERT_TRUE(f.has_value());
  EXPECT_FALSE(f->shared());
  f = parse_topic_filter("$share", Version::v5);
  ASSERT_TRUE(f.has_value());
  EXPECT_FALSE(f->shared());
  EXPECT_FALSE(parse_topic_filter("a/#/b", Version::v311));
  f = parse_topic_filter("a/+", Version::v5);
  ASSERT_TRUE(f.has_value());
  EXPECT_FALSE(f->shared());
  EXPECT_EQ(f->filter, "a/+");
}

}  // namespace
}  // namespace parley::mqtt
