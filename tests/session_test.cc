// Session lifecycle over real sockets: heartbeat, token expiry, resume, health check.
#include <gtest/gtest.h>

#include <thread>

#include "raw_client.h"
#include "server_process.h"

namespace parley::testing {
namespace {

TEST(Session, HeartbeatTimeoutClosesASilentSession) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.ready()) << server.error();
  auto c = RawClient::connect(server.ports().native_tcp);
  auto ok = c->hello(1000);  // the smallest interval the default config allows
  ASSERT_TRUE(ok && ok->has_hello_ok());
  EXPECT_EQ(ok->hello_ok().heartbeat_interval_ms(), 1000u);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(c->wait_closed(20s));
  const auto silent = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(c->last_goodbye());
  EXPECT_EQ(c->last_goodbye()->reason(), v1::HEARTBEAT_TIMEOUT);
  // 2.5 intervals, not sooner.
  EXPECT_GE(silent, 2400ms);
}

TEST(Session, PingsKeepASessionAlive) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.ready()) << server.error();
  auto c = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(c->hello(1000)->has_hello_ok());
  // 5 s of pings every 500 ms: more than 2.5 intervals in all, never silent for one.
  for (int i = 0; i < 10; ++i) {
    v1::ClientFrame ping;
    ping.mutable_ping();
    auto pong = c->request(ping);
    ASSERT_TRUE(pong && pong->has_pong()) << i;
    std::this_thread::sleep_for(500ms);  // pacing the client, not synchronising
  }
}

TEST(Session, ExpiredTokenIsRefused) {
  TempDir dir;
  ServerProcess server(dir.path(),
                       "[security]\ntoken_ttl_seconds = 1\nargon2_ops = 1\n"
                       "argon2_mem_kib = 8192\nregistrations_per_address = 100000000\n");
  ASSERT_TRUE(server.ready()) << server.error();
  auto c = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(c->hello()->has_hello_ok());
  auto reg = c->register_account("erin", "password-erin");
  ASSERT_TRUE(reg && reg->has_auth_ok());
  std::this_thread::sleep_for(1100ms);  // let the 1 s token lifetime pass
  auto again = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(again->hello()->has_hello_ok());
  v1::ClientFrame resume;
  resume.mutable_resume()->set_token(reg->auth_ok().token());
  auto r = again->request(resume);
  ASSERT_TRUE(r && r->has_error());
  EXPECT_EQ(r->error().code(), v1::TOKEN_INVALID);
}

TEST(Session, ResumeWithAValidTokenKeepsTheDevice) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.ready()) << server.error();
  auto c = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(c->hello()->has_hello_ok());
  auto reg = c->register_account("frank", "password-frank");
  ASSERT_TRUE(reg && reg->has_auth_ok());
  auto again = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(again->hello()->has_hello_ok());
  v1::ClientFrame resume;
  resume.mutable_resume()->set_token(reg->auth_ok().token());
  auto r = again->request(resume);
  ASSERT_TRUE(r && r->has_auth_ok());
  EXPECT_EQ(r->auth_ok().device_id(), reg->auth_ok().device_id());
  EXPECT_EQ(r->auth_ok().username(), "frank");
}

TEST(Session, UsernamesAreCaseInsensitivelyUnique) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.ready()) << server.error();
  auto c = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(c->hello()->has_hello_ok());
  ASSERT_TRUE(c->register_account("Grace", "password-grace")->has_auth_ok());
  auto d = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(d->hello()->has_hello_ok());
  auto taken = d->register_account("grace", "password-other");
  ASSERT_TRUE(taken && taken->has_error());
  EXPECT_EQ(taken->error().code(), v1::USERNAME_TAKEN);
  auto bad = d->register_account("no spaces", "password-other");
  ASSERT_TRUE(bad && bad->has_error());
  EXPECT_EQ(bad->error().code(), v1::INVALID_USERNAME);
  auto weak = d->register_account("henry", "short");
  ASSERT_TRUE(weak && weak->has_error());
  EXPECT_EQ(weak->error().code(), v1::WEAK_PASSWORD);
  // Login is case-insensitive on the name.
  ASSERT_TRUE(d->login("GRACE", "password-grace")->has_auth_ok());
}

TEST(Session, ClosedRegistrationRefusesNewAccounts) {
  TempDir dir;
  ServerProcess server(dir.path(), "registration = \"closed\"\n");
  ASSERT_TRUE(server.ready()) << server.error();
  auto c = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(c->hello()->has_hello_ok());
  auto r = c->register_account("ivan", "password-ivan");
  ASSERT_TRUE(r && r->has_error());
  EXPECT_EQ(r->error().code(), v1::REGISTRATION_CLOSED);
}

TEST(Session, SigtermShutsDownCleanly) {
  TempDir dir;
  ServerProcess server(dir.path());
  ASSERT_TRUE(server.ready()) << server.error();
  auto c = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(c->hello()->has_hello_ok());
  EXPECT_EQ(server.terminate(), 0);
  EXPECT_TRUE(c->wait_closed(5s));
}

}  // namespace
}  // namespace parley::testing
