#include "app/config.h"

#include <gtest/gtest.h>

namespace parley::app {
namespace {

TEST(Config, DefaultsAreTheEmbeddedSetup) {
  ServerConfig c;
  EXPECT_EQ(c.data_dir, "./parley-data");
  EXPECT_EQ(c.listen.native_tcp, "127.0.0.1:7010");
  EXPECT_EQ(c.listen.native_tls, "127.0.0.1:7011");
  EXPECT_EQ(c.listen.http, "127.0.0.1:7080");
  EXPECT_EQ(c.listen.https, "127.0.0.1:7443");
  EXPECT_TRUE(c.durability_fsync);
  EXPECT_TRUE(c.open_registration);
  EXPECT_EQ(c.store.backend, "sqlite");
}

TEST(Config, ReadsEverySection) {
  ServerConfig c;
  auto r = apply_toml(R"(
data_dir = "/var/lib/parley"
shards = 4
registration = "closed"
durability = "os"
[listen]
native_tcp = "0.0.0.0:7010"
https = ""
[tls]
cert_file = "/etc/parley/cert.pem"
key_file = "/etc/parley/key.pem"
[limits]
max_message_bytes = 1000
max_group_members = 500
max_outbound_hard_bytes = 2097152
slow_consumer_grace_ms = 5000
[connections]
hello_timeout_ms = 5000
login_timeout_ms = 20000
partial_frame_timeout_ms = 15000
max_unauthenticated = 100
max_unauthenticated_per_address = 10
max_requests_in_flight = 32
[chat]
presence_coalesce_ms = 250
typing_interval_ms = 3000
[heartbeat]
interval_ms = 15000
[delivery]
resend_timeout_ms = 2000
max_unacked_bytes = 1048576
[security]
argon2_mem_kib = 16384
[store]
backend = "postgres"
max_size_mb = 64
[log]
level = "debug"
)",
                      c);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(c.data_dir, "/var/lib/parley");
  EXPECT_EQ(c.shards, 4u);
  EXPECT_FALSE(c.open_registration);
  EXPECT_FALSE(c.durability_fsync);
  EXPECT_EQ(c.listen.native_tcp, "0.0.0.0:7010");
  EXPECT_EQ(c.listen.https, "");
  EXPECT_EQ(c.listen.http, "127.0.0.1:7080");
  EXPECT_EQ(c.tls.cert_file, "/etc/parley/cert.pem");
  EXPECT_EQ(c.limits.max_message_bytes, 1000u);
  EXPECT_EQ(c.limits.max_group_members, 500u);
  EXPECT_EQ(c.chat.presence_coalesce_ms, 250u);
  EXPECT_EQ(c.chat.typing_interval_ms, 3000u);
  EXPECT_EQ(c.heartbeat.interval_ms, 15000u);
  EXPECT_EQ(c.delivery.resend_timeout_ms, 2000u);
  EXPECT_EQ(c.delivery.max_unacked_bytes, 1048576u);
  EXPECT_EQ(c.limits.max_outbound_hard_bytes, 2097152u);
  EXPECT_EQ(c.limits.slow_consumer_grace_ms, 5000u);
  EXPECT_EQ(c.connections.hello_timeout_ms, 5000u);
  EXPECT_EQ(c.connections.login_timeout_ms, 20000u);
  EXPECT_EQ(c.connections.partial_frame_timeout_ms, 15000u);
  EXPECT_EQ(c.connections.max_unauthenticated, 100u);
  EXPECT_EQ(c.connections.max_unauthenticated_per_address, 10u);
  EXPECT_EQ(c.connections.max_requests_in_flight, 32u);
  EXPECT_EQ(c.security.argon2_mem_kib, 16384u);
  EXPECT_EQ(c.store.backend, "postgres");  // a name only: the server checks it at start
  EXPECT_EQ(c.store.max_size_mb, 64u);
  EXPECT_EQ(c.log_level, "debug");
}

TEST(Config, RejectsTyposBadTypesAndRanges) {
  ServerConfig c;
  EXPECT_FALSE(apply_toml("data_dri = \"x\"", c));
  EXPECT_FALSE(apply_toml("[listen]\nnative_tpc = \"x\"", c));
  EXPECT_FALSE(apply_toml("shards = \"two\"", c));
  EXPECT_FALSE(apply_toml("durability = \"sometimes\"", c));
  EXPECT_FALSE(apply_toml("[limits]\nmax_frame_bytes = 1", c));
  EXPECT_FALSE(apply_toml("listen = 5", c));
  EXPECT_FALSE(apply_toml("[connections]\nmax_requests_in_flight = 0", c));
  EXPECT_FALSE(apply_toml("[connections]\nhello_timout_ms = 5", c));
  EXPECT_FALSE(apply_toml("[store]\nbackend = 1", c));
  ServerConfig soft_above_hard;
  EXPECT_FALSE(
      apply_toml("[limits]\nmax_outbound_bytes = 4194304\nmax_outbound_hard_bytes = 1048576",
                 soft_above_hard));
  auto broken = apply_toml("data_dir = ", c);
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("line"), std::string::npos);
}

TEST(Config, WebSection) {
  ServerConfig c;
  EXPECT_TRUE(c.web.enabled);
  EXPECT_EQ(c.web.root, "");  // found beside the working directory or the binary
  ASSERT_TRUE(apply_toml("[web]\nenabled = false\nroot = \"/srv/parley-web\"", c));
  EXPECT_FALSE(c.web.enabled);
  EXPECT_EQ(c.web.root, "/srv/parley-web");
  EXPECT_FALSE(apply_toml("[web]\nenabled = \"yes\"", c));
  EXPECT_FALSE(apply_toml("[web]\nroots = \"x\"", c));
  const char* argv[] = {"parleyd", "--web-root", "/tmp/web"};
  auto flagged = load_config(3, const_cast<char**>(argv));
  ASSERT_TRUE(flagged) << flagged.error().message;
  ASSERT_TRUE(*flagged);
  EXPECT_EQ((*flagged)->web.root, "/tmp/web");
}

TEST(Config, FlagsOverrideTheFile) {
  const char* argv[] = {"parleyd",     "--data-dir",     "/tmp/x", "--listen-tcp",
                        "127.0.0.1:0", "--listen-https", "",       "--durability",
                        "os",          "--ready-fd",     "7"};
  auto loaded = load_config(11, const_cast<char**>(argv));
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_TRUE(*loaded);
  const ServerConfig& c = **loaded;
  EXPECT_EQ(c.data_dir, "/tmp/x");
  EXPECT_EQ(c.listen.native_tcp, "127.0.0.1:0");
  EXPECT_EQ(c.listen.https, "");
  EXPECT_FALSE(c.durability_fsync);
  EXPECT_EQ(c.ready_fd, 7);
  const char* bad[] = {"parleyd", "--no-such-flag"};
  EXPECT_FALSE(load_config(2, const_cast<char**>(bad)));
}

TEST(Config, ListenShorthandsAreTheFirstRowsOfTheListenerTable) {
  ServerConfig c;
  ASSERT_TRUE(apply_toml("[listen]\nnative_tls = \"\"\n", c));
  const auto table = listener_table(c);
  ASSERT_EQ(table.size(), 5u);
  EXPECT_EQ(table[0].name, "native_tcp");
  EXPECT_EQ(table[0].protocol, "native");
  EXPECT_EQ(table[0].tls, ListenerTls::none);
  EXPECT_EQ(table[1].name, "http");
  EXPECT_EQ(table[1].protocol, "http");
  EXPECT_EQ(table[2].name, "https");
  EXPECT_EQ(table[2].tls, ListenerTls::direct);
  EXPECT_EQ(table[3].name, "xmpp");
  EXPECT_EQ(table[3].protocol, "xmpp");
  EXPECT_EQ(table[3].tls, ListenerTls::starttls);
  EXPECT_EQ(table[3].address, "127.0.0.1:5222");
  EXPECT_EQ(table[4].name, "xmpp_tls");
  EXPECT_EQ(table[4].tls, ListenerTls::direct);
  EXPECT_EQ(table[4].address, "127.0.0.1:5223");
}

TEST(Config, ListenerEntriesFollowTheShorthands) {
  ServerConfig c;
  auto r = apply_toml(R"(
[listen]
native_tcp = ""
native_tls = ""
http = ""
https = ""
xmpp = ""
xmpp_tls = ""
[[listener]]
protocol = "xmpp"
address = "0.0.0.0:5222"
tls = "starttls"
[[listener]]
name = "xmpp_lan_tls"  # "xmpp_tls", its default, is the [listen] key's
protocol = "xmpp"
address = "0.0.0.0:5223"
tls = "direct"
[[listener]]
name = "native_lan"
protocol = "native"
address = "10.0.0.1:7010"
)",
                      c);
  ASSERT_TRUE(r) << r.error().message;
  const auto table = listener_table(c);
  ASSERT_EQ(table.size(), 3u);
  EXPECT_EQ(table[0].name, "xmpp_starttls");
  EXPECT_EQ(table[0].tls, ListenerTls::starttls);
  EXPECT_EQ(table[1].name, "xmpp_lan_tls");
  EXPECT_EQ(table[1].address, "0.0.0.0:5223");
  EXPECT_EQ(table[2].name, "native_lan");
  EXPECT_EQ(table[2].tls, ListenerTls::none);
}

TEST(Config, BadListenerEntriesAreNamed) {
  const std::pair<const char*, const char*> cases[] = {
      {"[[listener]]\nprotocol = \"x\"\naddress = \"a:1\"\ntls = \"yes\"\n",
       "listener[0].tls must be \"none\", \"starttls\" or \"direct\", not \"yes\""},
      {"[[listener]]\naddress = \"a:1\"\n", "listener[0].protocol is required"},
      {"[[listener]]\nprotocol = \"x\"\n", "listener[0].address is required"},
      {"[[listener]]\nprotocol = \"x\"\naddress = \"a:1\"\nport = 1\n",
       "unknown setting listener[0].port"},
      {"[[listener]]\nprotocol = \"x\"\naddress = \"a:1\"\n"
       "[[listener]]\nprotocol = \"x\"\naddress = \"a:2\"\n",
       "listener[1].name \"x\" is used by another listener"},
      {"[[listener]]\nprotocol = \"http\"\naddress = \"a:1\"\n",
       "listener[0].name \"http\" is taken by the [listen] key"},
      {"[[listener]]\nprotocol = \"xmpp\"\naddress = \"a:1\"\ntls = \"direct\"\n",
       "listener[0].name \"xmpp_tls\" is taken by the [listen] key"},
      {"[[listener]]\nname = \"a b\"\nprotocol = \"x\"\naddress = \"a:1\"\n",
       "listener[0].name may hold only letters, digits and _"},
      {"listener = 3\n", "listener must be an array of tables"},
  };
  for (const auto& [toml, message] : cases) {
    ServerConfig c;
    auto r = apply_toml(toml, c);
    ASSERT_FALSE(r) << toml;
    EXPECT_NE(r.error().message.find(message), std::string::npos) << r.error().message;
  }
}

// --help is an ordinary outcome (the help is printed, there is nothing to run), not an error.
TEST(Config, HelpIsNotAnError) {
  const char* argv[] = {"parleyd", "--help"};
  auto loaded = load_config(2, const_cast<char**>(argv));
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_FALSE(loaded->has_value());
}

}  // namespace
}  // namespace parley::app
