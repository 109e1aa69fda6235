// Every bad input of the foundation issue, over a real socket to a real parleyd: each gets its
// documented error code or a clean close, and nobody else is affected.
#include <gtest/gtest.h>

#include <thread>

#include "gateway/native/frame_codec.h"
#include "raw_client.h"
#include "server_process.h"

namespace parley::testing {
namespace {

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<ServerProcess>(dir_.path());
    ASSERT_TRUE(server_->ready()) << server_->error();
  }

  // A connected client that has said hello.
  std::unique_ptr<RawClient> greeted() {
    auto c = RawClient::connect(server_->ports().native_tcp);
    EXPECT_TRUE(c);
    auto ok = c->hello();
    EXPECT_TRUE(ok && ok->has_hello_ok());
    return c;
  }

  // A logged-in client for a fresh user.
  std::unique_ptr<RawClient> user(const std::string& name) {
    auto c = greeted();
    auto r = c->register_account(name, "password-" + name);
    EXPECT_TRUE(r && r->has_auth_ok()) << (r ? r->DebugString() : "no reply");
    return c;
  }

  static void expect_ping_works(RawClient& c) {
    v1::ClientFrame ping;
    ping.mutable_ping();
    auto pong = c.request(ping);
    ASSERT_TRUE(pong);
    EXPECT_TRUE(pong->has_pong());
  }

  TempDir dir_;
  std::unique_ptr<ServerProcess> server_;
};

TEST_F(BadInput, MalformedFrameGetsBadFrameAndTheConnectionGoesOn) {
  auto c = greeted();
  const std::string garbage = "\xFF\xFF\xFF\xFF\x0F";
  ASSERT_TRUE(c->send_bytes(native::length_prefix(garbage.size()) + garbage));
  auto reply = c->read_frame();
  ASSERT_TRUE(reply);
  ASSERT_TRUE(reply->has_error());
  EXPECT_EQ(reply->error().code(), v1::BAD_FRAME);
  expect_ping_works(*c);
}

TEST_F(BadInput, GarbageBeforeHelloClosesTheConnection) {
  auto c = RawClient::connect(server_->ports().native_tcp);
  ASSERT_TRUE(c);
  const std::string garbage = "\x0A\xFF";
  ASSERT_TRUE(c->send_bytes(native::length_prefix(garbage.size()) + garbage));
  EXPECT_TRUE(c->wait_closed());
  ASSERT_TRUE(c->last_goodbye());
  EXPECT_EQ(c->last_goodbye()->reason(), v1::BAD_FRAME);
}

TEST_F(BadInput, FirstFrameMustBeHello) {
  auto c = RawClient::connect(server_->ports().native_tcp);
  ASSERT_TRUE(c);
  v1::ClientFrame ping;
  ping.mutable_ping();
  ASSERT_TRUE(c->send_frame(ping));
  EXPECT_TRUE(c->wait_closed());
  ASSERT_TRUE(c->last_goodbye());
  EXPECT_EQ(c->last_goodbye()->reason(), v1::HELLO_REQUIRED);
}

TEST_F(BadInput, UnsupportedVersionIsRefused) {
  auto c = RawClient::connect(server_->ports().native_tcp);
  v1::ClientFrame hello;
  hello.mutable_hello()->set_min_version(7);
  hello.mutable_hello()->set_max_version(9);
  ASSERT_TRUE(c->send_frame(hello));
  EXPECT_TRUE(c->wait_closed());
  ASSERT_TRUE(c->last_goodbye());
  EXPECT_EQ(c->last_goodbye()->reason(), v1::VERSION_UNSUPPORTED);
}

TEST_F(BadInput, TruncatedFrameThenCloseHurtsNobody) {
  auto bystander = user("bystander");
  {
    auto c = greeted();
    ASSERT_TRUE(c->send_bytes(native::length_prefix(100) + "only a part"));
  }  // closes mid-frame
  expect_ping_works(*bystander);
}

// The session parses whole frames straight from what one read brought and keeps only an
// incomplete tail: a frame cut into single bytes, several frames in one write, and a frame whose
// start shares a write with others must all be answered, in order.
TEST_F(BadInput, FramesSplitAcrossWritesOrSharingOneAreAllAnswered) {
  auto c = greeted();
  auto ping = [](std::uint64_t id) {
    v1::ClientFrame f;
    f.set_id(id);
    f.mutable_ping();
    const std::string body = f.SerializeAsString();
    return native::length_prefix(body.size()) + body;
  };
  for (char byte : ping(11)) ASSERT_TRUE(c->send_bytes(std::string_view(&byte, 1)));
  const std::string last = ping(14);
  ASSERT_TRUE(c->send_bytes(ping(12) + ping(13) + last.substr(0, 3)));
  ASSERT_TRUE(c->send_bytes(last.substr(3)));
  for (std::uint64_t id : {11, 12, 13, 14}) {
    auto pong = c->read_frame();
    ASSERT_TRUE(pong);
    EXPECT_TRUE(pong->has_pong()) << pong->DebugString();
    EXPECT_EQ(pong->id(), id);
  }
}

TEST_F(BadInput, UnknownFrameTypeGetsUnknownFrame) {
  auto c = greeted();
  // Field 99 (not in the schema) as a length-delimited empty message, plus id = 5.
  const std::string payload = std::string("\x08\x05", 2) + std::string("\x9A\x06\x00", 3);
  ASSERT_TRUE(c->send_bytes(native::length_prefix(payload.size()) + payload));
  auto reply = c->read_frame();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->id(), 5u);
  ASSERT_TRUE(reply->has_error());
  EXPECT_EQ(reply->error().code(), v1::UNKNOWN_FRAME);
  expect_ping_works(*c);
}

TEST_F(BadInput, OversizeFrameIsRefusedAndClosed) {
  auto bystander = user("bystander2");
  auto c = greeted();
  ASSERT_TRUE(c->send_bytes(native::length_prefix(256 * 1024 + 1)));
  EXPECT_TRUE(c->wait_closed());
  ASSERT_TRUE(c->last_goodbye());
  EXPECT_EQ(c->last_goodbye()->reason(), v1::FRAME_TOO_LARGE);
  expect_ping_works(*bystander);
}

TEST_F(BadInput, OversizeMessageBodyIsRefusedAndNothingIsStored) {
  auto alice = user("alice");
  auto bob = user("bob");
  auto reply = alice->send_text("bob", std::string(64 * 1024 + 1, 'x'), "big-1");
  ASSERT_TRUE(reply);
  ASSERT_TRUE(reply->has_error());
  EXPECT_EQ(reply->error().code(), v1::MESSAGE_TOO_LARGE);
  // Exactly at the limit is fine, and it is seq 1: the refused one took no seq.
  auto ok = alice->send_text("bob", std::string(64 * 1024, 'y'), "big-2");
  ASSERT_TRUE(ok && ok->has_send_ack()) << ok->DebugString();
  EXPECT_EQ(ok->send_ack().seq(), 1);
}

TEST_F(BadInput, InvalidUtf8TextIsRefused) {
  auto alice = user("alice");
  auto bob = user("bob");
  v1::ClientFrame f;
  f.set_id(77);
  f.mutable_send()->set_to_user("bob");
  f.mutable_send()->set_client_msg_id("u1");
  f.mutable_send()->set_text("ok");
  std::string bytes;
  f.SerializeToString(&bytes);
  bytes.replace(bytes.find("ok"), 2, "\xC3\x28");
  ASSERT_TRUE(alice->send_bytes(native::length_prefix(bytes.size()) + bytes));
  auto reply = alice->read_frame();
  ASSERT_TRUE(reply && reply->has_error());
  EXPECT_EQ(reply->error().code(), v1::INVALID_UTF8);
  expect_ping_works(*alice);
}

TEST_F(BadInput, RequestBeforeLoginIsRefused) {
  auto c = greeted();
  auto reply = c->send_text("bob", "hi", "x1");
  ASSERT_TRUE(reply && reply->has_error());
  EXPECT_EQ(reply->error().code(), v1::NOT_AUTHENTICATED);
}

TEST_F(BadInput, SendingToAMissingUserIsUserNotFound) {
  auto alice = user("alice");
  auto reply = alice->send_text("nobody-here", "hi", "x1");
  ASSERT_TRUE(reply && reply->has_error());
  EXPECT_EQ(reply->error().code(), v1::USER_NOT_FOUND);
}

TEST_F(BadInput, WrongPasswordThenRateLimited) {
  user("carol");
  auto c = greeted();
  for (int i = 0; i < 5; ++i) {
    auto r = c->login("carol", "wrong-password");
    ASSERT_TRUE(r && r->has_error());
    EXPECT_EQ(r->error().code(), v1::INVALID_CREDENTIALS);
  }
  // The account is now locked for the window, even with the right password.
  auto limited = c->login("carol", "password-carol");
  ASSERT_TRUE(limited && limited->has_error());
  EXPECT_EQ(limited->error().code(), v1::RATE_LIMITED);
  // A wrong username answers exactly like a wrong password.
  auto unknown = greeted()->login("no-such-user", "whatever-password");
  ASSERT_TRUE(unknown && unknown->has_error());
  EXPECT_EQ(unknown->error().code(), v1::INVALID_CREDENTIALS);
}

TEST_F(BadInput, RevokedTokenIsRefused) {
  auto c = greeted();
  auto reg = c->register_account("dave", "password-dave");
  ASSERT_TRUE(reg && reg->has_auth_ok());
  const std::string token = reg->auth_ok().token();
  v1::ClientFrame logout;
  logout.mutable_logout();
  auto ok = c->request(logout);
  ASSERT_TRUE(ok && ok->has_ok());
  auto again = greeted();
  v1::ClientFrame resume;
  resume.mutable_resume()->set_token(token);
  auto r = again->request(resume);
  ASSERT_TRUE(r && r->has_error());
  EXPECT_EQ(r->error().code(), v1::TOKEN_INVALID);
}

TEST_F(BadInput, SlowReaderIsCutOffAndNobodyElseIsSlowed) {
  auto alice = user("alice");
  auto bob = user("bob");  // never reads again
  auto carol = user("carol");
  const std::string text(60 * 1024, 'z');
  // Far more than bob's outbound bound plus the kernel's socket buffers.
  for (int i = 0; i < 400; ++i) {
    auto ack = alice->send_text("bob", text, "slow-" + std::to_string(i));
    ASSERT_TRUE(ack && ack->has_send_ack()) << i;
  }
  expect_ping_works(*carol);
  EXPECT_TRUE(bob->wait_closed(30s));
  // Nothing was lost: bob's next device catches up from the store.
  auto bob2 = greeted();
  ASSERT_TRUE(bob2->login("bob", "password-bob")->has_auth_ok());
  v1::ClientFrame sync;
  sync.mutable_sync();
  auto s = bob2->request(sync);
  ASSERT_TRUE(s && s->has_sync());
  ASSERT_EQ(s->sync().conversations_size(), 1);
  EXPECT_EQ(s->sync().conversations(0).last_seq(), 400);
}

}  // namespace
}  // namespace parley::testing
