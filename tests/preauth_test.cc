// Connections that have not logged in: deadlines that received bytes do not extend (hello, login,
// a frame begun), and caps on how many may exist per address and in all.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <thread>

#include "gateway/native/frame_codec.h"
#include "process_stats.h"
#include "raw_client.h"
#include "server_process.h"

namespace parley::testing {
namespace {

namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

// Sends `bytes` one byte every 200 ms until the server closes the connection or `limit` passes;
// returns how long the connection lasted, or nullopt when it outlived `limit`. The pacing is the
// attack itself (a dribble), not a synchronisation.
std::optional<std::chrono::milliseconds> dribble_until_closed(int fd, const std::string& bytes,
                                                              std::chrono::milliseconds limit) {
  const auto start = std::chrono::steady_clock::now();
  std::size_t at = 0;
  while (std::chrono::steady_clock::now() - start < limit) {
    if (at < bytes.size()) {
      if (::send(fd, bytes.data() + at, 1, MSG_NOSIGNAL) != 1) break;
      ++at;
    }
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 200) == 1) break;  // the server wrote (its goodbye) or closed
  }
  const auto lasted = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - start);
  if (lasted >= limit) return std::nullopt;
  return lasted;
}

TEST(Deadlines, DribbledBytesDoNotExtendTheHelloDeadline) {
  TempDir dir;
  ServerProcess server(dir.path(), "[connections]\nhello_timeout_ms = 1000\n");
  ASSERT_TRUE(server.ready()) << server.error();
  auto c = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(c);
  // The start of a 200 KB frame, never finished.
  const std::string bytes = native::length_prefix(200'000) + std::string(200, 'x');
  auto lasted = dribble_until_closed(c->fd(), bytes, 8s);
  ASSERT_TRUE(lasted) << "still open after 8 s of dribbling";
  EXPECT_TRUE(c->wait_closed(5s));
  ASSERT_TRUE(c->last_goodbye());
  EXPECT_EQ(c->last_goodbye()->reason(), v1::HELLO_REQUIRED);
}

TEST(Deadlines, AConnectionThatNeverLogsInIsEndedWhateverItSends) {
  TempDir dir;
  ServerProcess server(dir.path(), "[connections]\nlogin_timeout_ms = 1500\n");
  ASSERT_TRUE(server.ready()) << server.error();
  auto member = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(member && member->hello());
  ASSERT_TRUE(member->register_account("alice", "password-alice")->has_auth_ok());
  auto c = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(c && c->hello());
  // Pings keep the heartbeat happy but do not log in.
  const auto start = std::chrono::steady_clock::now();
  bool open = true;
  while (open && std::chrono::steady_clock::now() - start < 8s) {
    v1::ClientFrame ping;
    ping.mutable_ping();
    auto pong = c->request(ping, 300ms);
    open = pong && pong->has_pong();
    if (open) std::this_thread::sleep_for(200ms);  // a ping now and then, as a client would
  }
  EXPECT_FALSE(open) << "still open after 8 s without logging in";
  EXPECT_TRUE(c->wait_closed(5s));
  ASSERT_TRUE(c->last_goodbye());
  EXPECT_EQ(c->last_goodbye()->reason(), v1::NOT_AUTHENTICATED);
  // The logged-in connection outlived the login deadline.
  v1::ClientFrame ping;
  ping.mutable_ping();
  auto pong = member->request(ping);
  ASSERT_TRUE(pong && pong->has_pong());
}

TEST(Deadlines, AFrameBegunMustBeFinishedInTimeAfterLoginToo) {
  TempDir dir;
  ServerProcess server(dir.path(), "[connections]\npartial_frame_timeout_ms = 1500\n");
  ASSERT_TRUE(server.ready()) << server.error();
  auto c = RawClient::connect(server.ports().native_tcp);
  ASSERT_TRUE(c && c->hello());
  ASSERT_TRUE(c->register_account("alice", "password-alice")->has_auth_ok());
  const std::string bytes = native::length_prefix(1'000) + std::string(999, 'x');
  auto lasted = dribble_until_closed(c->fd(), bytes, 8s);
  ASSERT_TRUE(lasted) << "still open after 8 s of dribbling";
  EXPECT_TRUE(c->wait_closed(5s));
  ASSERT_TRUE(c->last_goodbye());
  EXPECT_EQ(c->last_goodbye()->reason(), v1::BAD_FRAME);
}

// The same dribble inside one WebSocket message (raw frame bytes after the upgrade).
TEST(Deadlines, AWebSocketMessageBegunMustBeFinishedInTime) {
  TempDir dir;
  ServerProcess server(dir.path(), "[connections]\npartial_frame_timeout_ms = 1500\n");
  ASSERT_TRUE(server.ready()) << server.error();
  boost::asio::io_context io;
  beast::websocket::stream<tcp::socket> ws(io);
  tcp::resolver resolver(io);
  boost::asio::connect(ws.next_layer(),
                       resolver.resolve("127.0.0.1", std::to_string(server.ports().http)));
  ws.handshake("127.0.0.1", "/ws");
  ws.text(true);
  ws.write(boost::asio::buffer(std::string(R"({"id":"1","hello":{"min_version":1}})")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  // A masked text frame announcing 1,000 payload bytes (mask key 0: the payload goes as is).
  std::string frame = "\x81\xFE";
  frame += static_cast<char>(1'000 >> 8);
  frame += static_cast<char>(1'000 & 0xFF);
  frame += std::string(4, '\0');
  frame += std::string(999, ' ');
  const int fd = ws.next_layer().native_handle();
  auto lasted = dribble_until_closed(fd, frame, 8s);
  ASSERT_TRUE(lasted) << "still open after 8 s of dribbling";
  buffer.clear();
  boost::system::error_code ec;
  ws.read(buffer, ec);
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_NE(beast::buffers_to_string(buffer.data()).find("BAD_FRAME"), std::string::npos);
}

TEST(PreAuthCaps, PerAddressCapRefusesAndLoggingInFreesASlot) {
  TempDir dir;
  ServerProcess server(dir.path(), "[connections]\nmax_unauthenticated_per_address = 4\n");
  ASSERT_TRUE(server.ready()) << server.error();
  const auto port = server.ports().native_tcp;
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(RawClient::connect(port));
    ASSERT_TRUE(held.back());
  }
  ASSERT_TRUE(held[0]->hello());  // all four are accepted (accepts are handled in order)
  auto refused = RawClient::connect(port);
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->wait_closed(5s));
  ASSERT_TRUE(refused->last_goodbye()) << "refused without a goodbye";
  EXPECT_EQ(refused->last_goodbye()->reason(), v1::RATE_LIMITED);

  // Logging in frees the slot at once.
  ASSERT_TRUE(held[0]->register_account("alice", "password-alice")->has_auth_ok());
  auto next = RawClient::connect(port);
  ASSERT_TRUE(next);
  auto hello = next->hello();
  ASSERT_TRUE(hello && hello->has_hello_ok());

  // Logging out counts the connection again: four unauthenticated plus it is over the cap.
  v1::ClientFrame logout;
  logout.mutable_logout();
  ASSERT_TRUE(held[0]->request(logout)->has_ok());
  auto again = RawClient::connect(port);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->wait_closed(5s));
  ASSERT_TRUE(again->last_goodbye());
  EXPECT_EQ(again->last_goodbye()->reason(), v1::RATE_LIMITED);

  // Connections that leave free their slots (once the server has seen them go).
  held.clear();
  next.reset();
  EXPECT_TRUE(eventually(
      [&] {
        auto c = RawClient::connect(port);
        auto h = c ? c->hello() : std::nullopt;
        return h && h->has_hello_ok();
      },
      10s));
}

TEST(PreAuthCaps, TheGlobalCapCountsEveryAddressAndTlsHandshakes) {
  TempDir dir;
  ServerProcess server(dir.path(),
                       "[connections]\nmax_unauthenticated = 3\n"
                       "max_unauthenticated_per_address = 100\n");
  ASSERT_TRUE(server.ready()) << server.error();
  const int fds_before = open_fds(server.pid());
  // Two TLS connections that never start their handshake.
  auto tls1 = RawClient::connect(server.ports().native_tls);
  auto tls2 = RawClient::connect(server.ports().native_tls);
  ASSERT_TRUE(tls1 && tls2);
  ASSERT_TRUE(eventually([&] { return open_fds(server.pid()) >= fds_before + 2; }, 10s));
  auto second = RawClient::connect(server.ports().native_tcp, {.source_address = "127.0.0.2"});
  ASSERT_TRUE(second);
  auto hello = second->hello();
  ASSERT_TRUE(hello && hello->has_hello_ok());
  auto refused = RawClient::connect(server.ports().native_tcp, {.source_address = "127.0.0.3"});
  ASSERT_TRUE(refused);
  EXPECT_TRUE(refused->wait_closed(5s));
  ASSERT_TRUE(refused->last_goodbye());
  EXPECT_EQ(refused->last_goodbye()->reason(), v1::RATE_LIMITED);
}

}  // namespace
}  // namespace parley::testing
