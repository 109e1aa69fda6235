// JID parsing, bounds and normalisation (RFC 7622 and the documented subset).
#include "gateway/xmpp/jid.h"

#include <gtest/gtest.h>

namespace parley::xmpp {
namespace {

TEST(Jid, ParsesTheThreeParts) {
  auto j = parse_jid("juliet@example.com/balcony");
  ASSERT_TRUE(j) << j.error();
  EXPECT_EQ(j->local, "juliet");
  EXPECT_EQ(j->domain, "example.com");
  EXPECT_EQ(j->resource, "balcony");
  EXPECT_FALSE(j->is_bare());
  EXPECT_EQ(j->bare_str(), "juliet@example.com");
  EXPECT_EQ(j->str(), "juliet@example.com/balcony");
  EXPECT_EQ(j->bare(), parse_jid("juliet@example.com").value());
  EXPECT_EQ(parse_jid("example.com")->str(), "example.com");
  EXPECT_EQ(parse_jid("example.com/res")->local, "");
}

TEST(Jid, TheResourceStartsAtTheFirstSlashAndMayHoldAtAndSlash) {
  auto j = parse_jid("room@conference.example.com/nick@home/2");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->local, "room");
  EXPECT_EQ(j->resource, "nick@home/2");
  auto k = parse_jid("example.com/user@host");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->local, "");
  EXPECT_EQ(k->domain, "example.com");
}

TEST(Jid, LowercasesAsciiInLocalAndDomainButNotTheResource) {
  auto j = parse_jid("Juliet@Example.COM/Balcony");
  ASSERT_TRUE(j);
  EXPECT_EQ(j->str(), "juliet@example.com/Balcony");
  auto u = parse_jid("\xC3\x89lise@example.com/\xF0\x9F\x93\xB1 phone");  // Élise, emoji + space
  ASSERT_TRUE(u) << u.error();
  EXPECT_EQ(u->local, "\xC3\x89lise") << "non-ASCII is kept as sent (no PRECIS case mapping)";
  EXPECT_EQ(u->resource, "\xF0\x9F\x93\xB1 phone");
}

TEST(Jid, Domains) {
  EXPECT_EQ(parse_jid("a@example.com.")->domain, "example.com") << "one trailing dot removed";
  EXPECT_EQ(parse_jid("a@[::1]")->domain, "[::1]");
  EXPECT_EQ(parse_jid("a@127.0.0.1")->domain, "127.0.0.1");
  EXPECT_EQ(parse_jid("a@localhost")->domain, "localhost");
  EXPECT_EQ(parse_jid("a@b\xC3\xBC"
                      "cher.example")
                ->domain,
            "b\xC3\xBC"
            "cher.example");
  EXPECT_FALSE(parse_jid("a@example..com"));
  EXPECT_FALSE(parse_jid("a@.example.com"));
  EXPECT_FALSE(parse_jid("a@-example.com"));
  EXPECT_FALSE(parse_jid("a@exa_mple.com"));
  EXPECT_FALSE(parse_jid("a@exa mple.com"));
  EXPECT_FALSE(parse_jid("a@b@example.com"));
  EXPECT_FALSE(parse_jid("a@[::g]"));
  EXPECT_FALSE(parse_jid("a@" + std::string(64, 'x') + ".com")) << "label over 63 bytes";
}

TEST(Jid, EmptyPartsAreMalformed) {
  EXPECT_FALSE(parse_jid(""));
  EXPECT_FALSE(parse_jid("@example.com"));
  EXPECT_FALSE(parse_jid("juliet@"));
  EXPECT_FALSE(parse_jid("juliet@example.com/"));
  EXPECT_FALSE(parse_jid("/resource"));
  EXPECT_FALSE(parse_jid("."));
}

TEST(Jid, ForbiddenCharacters) {
  for (const char* local : {"a b", "a\"b", "a&b", "a'b", "a:b", "a<b", "a>b"}) {
    EXPECT_FALSE(parse_jid(std::string(local) + "@example.com")) << local;
  }
  EXPECT_FALSE(parse_jid("a\x01@example.com"));
  EXPECT_FALSE(parse_jid("a@example.com/x\x7Fy"));
  EXPECT_FALSE(parse_jid("a\xFF@example.com")) << "not UTF-8";
  EXPECT_FALSE(parse_jid("a@example.com/\xC0\xAF")) << "overlong UTF-8";
}

TEST(Jid, EachPartIsBoundedTo1023Bytes) {
  const std::string l1023(1023, 'l'), r1023(1023, 'r');
  std::string d1023;
  while (d1023.size() < 1023)
    d1023 += d1023.empty() ? std::string(63, 'd') : "." + std::string(63, 'd');
  d1023.resize(1023);
  if (d1023.back() == '.') d1023.back() = 'd';
  auto max = parse_jid(l1023 + "@" + d1023 + "/" + r1023);
  ASSERT_TRUE(max) << max.error();
  EXPECT_EQ(max->local.size(), 1023u);
  EXPECT_EQ(max->domain.size(), 1023u);
  EXPECT_EQ(max->resource.size(), 1023u);
  EXPECT_FALSE(parse_jid(l1023 + "l@example.com"));
  EXPECT_FALSE(parse_jid("a@example.com/" + r1023 + "r"));
  EXPECT_FALSE(parse_jid("a@" + d1023 + "d"));
}

TEST(Jid, PartsOnTheirOwn) {
  EXPECT_EQ(normalize_localpart("Alice").value(), "alice");
  EXPECT_EQ(normalize_domainpart("LocalHost").value(), "localhost");
  EXPECT_EQ(check_resourcepart("Device-Key 1").value(), "Device-Key 1");
  EXPECT_FALSE(normalize_localpart("a@b"));
}

}  // namespace
}  // namespace parley::xmpp
