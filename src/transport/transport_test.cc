// Transports driven over real loopback sockets with a trivial echo protocol.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <filesystem>
#include <future>
#include <memory>
#include <thread>

#include "transport/transport_test_support.h"

namespace parley::transport {
namespace {

using namespace test_support;
namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

TEST(ParseEndpoint, AcceptsAddressesAndRejectsGarbage) {
  EXPECT_EQ(parse_endpoint("127.0.0.1:7010")->port(), 7010);
  EXPECT_TRUE(parse_endpoint("[::1]:0"));
  EXPECT_TRUE(parse_endpoint("localhost:1"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:99999"));
  EXPECT_FALSE(parse_endpoint("not-an-address:1"));
  EXPECT_FALSE(parse_endpoint("127.0.0.1:12x"));
}

TEST_F(Transports, TcpEchoesAndClosesCleanly) {
  const auto port = listen(ListenerWire::stream);
  tcp::socket s(client_io_);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(std::string("hello")));
  EXPECT_EQ(read_exactly(s, 5), "hello");
  s.close();
  wait_closed(1);
  EXPECT_TRUE(registry_.wait_empty(5s));
}

// More than the kernel's socket buffers hold, to a reader with a tiny receive window: writes stay
// in flight while the echoes of later reads queue up behind them (the queue grows under the
// in-flight buffers), and reading stops whenever the queue passes the soft mark (256 KiB here)
// until it drains. Every byte must come back, in order, and nobody is cut.
TEST_F(Transports, TcpEchoOfMoreThanTheReaderTakesAtOnceArrivesWhole) {
  const auto port = listen(ListenerWire::stream);
  tcp::socket s(client_io_);
  s.open(tcp::v4());
  s.set_option(asio::socket_base::receive_buffer_size(4096));
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  std::string sent;
  for (int i = 0; sent.size() < 8 * 1024 * 1024; ++i) sent += std::to_string(i) + ",";
  std::thread writer([&] {
    for (std::size_t at = 0; at < sent.size(); at += 4000) {
      asio::write(s, asio::buffer(sent.data() + at, std::min<std::size_t>(4000, sent.size() - at)));
    }
  });
  const std::string back = read_exactly(s, sent.size());
  writer.join();
  EXPECT_TRUE(back == sent);
}

TEST_F(Transports, IdleTimeoutReachesTheSession) {
  const auto port = listen(ListenerWire::stream);
  tcp::socket s(client_io_);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(std::string("idle:50")));
  EXPECT_EQ(read_exactly(s, 4), "idle");
  // Then the server closes after the queued bytes: EOF.
  char c;
  boost::system::error_code ec;
  s.read_some(asio::buffer(&c, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
  s.close();
  wait_closed(1);
}

// A queue above the soft mark stays so for as long as the reader does not read: cut after the
// grace period (checked once a second), not at once.
TEST_F(Transports, AReaderThatDoesNotDrainIsCutAfterTheGrace) {
  limits_.slow_consumer_grace = 300ms;
  limits_.max_outbound_hard_bytes = 64 * 1024 * 1024;
  const auto port = listen(ListenerWire::stream);
  tcp::socket slow(client_io_);
  slow.open(tcp::v4());
  slow.set_option(asio::socket_base::receive_buffer_size(4096));
  slow.connect({asio::ip::make_address("127.0.0.1"), port});
  const auto start = std::chrono::steady_clock::now();
  asio::write(slow, asio::buffer(std::string("burst")));  // never reads
  wait_closed(1);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
}

// The same burst to a reader that reads arrives whole: one answer above the soft mark is fine.
TEST_F(Transports, ABurstAboveTheSoftMarkReachesAReader) {
  limits_.slow_consumer_grace = 2s;  // reading 8 MiB through a 4 KB window takes a moment
  limits_.max_outbound_hard_bytes = 64 * 1024 * 1024;
  const auto port = listen(ListenerWire::stream);
  tcp::socket s(client_io_);
  s.open(tcp::v4());
  s.set_option(asio::socket_base::receive_buffer_size(4096));
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(std::string("burst")));
  EXPECT_EQ(read_exactly(s, 128 * 64 * 1024), std::string(128 * 64 * 1024, 'x'));
  asio::write(s, asio::buffer(std::string("ok")));
  EXPECT_EQ(read_exactly(s, 2), "ok");
}

TEST_F(Transports, ShutdownLetsTheSessionSayGoodbye) {
  const auto port = listen(ListenerWire::stream);
  tcp::socket s(client_io_);
  s.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(s, asio::buffer(std::string("x")));
  EXPECT_EQ(read_exactly(s, 1), "x");
  registry_.close_all();
  EXPECT_EQ(read_exactly(s, 3), "bye");
  char c;
  boost::system::error_code ec;
  s.read_some(asio::buffer(&c, 1), ec);
  EXPECT_EQ(ec, asio::error::eof);
}

TEST_F(Transports, SlowConsumerIsClosedAndOthersAreUnaffected) {
  const auto port = listen(ListenerWire::stream);
  tcp::socket slow(client_io_);
  slow.connect({asio::ip::make_address("127.0.0.1"), port});
  tcp::socket fine(client_io_);
  fine.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(slow, asio::buffer(std::string("flood")));  // never reads
  wait_closed(1);
  asio::write(fine, asio::buffer(std::string("still here")));
  EXPECT_EQ(read_exactly(fine, 10), "still here");
  EXPECT_EQ(registry_.size(), 1u);
}

TEST_F(Transports, TlsEchoesWithTheGeneratedCertificate) {
  const auto port = listen(ListenerWire::stream, TlsMode::direct);
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(dir_.path() +
                       "/tls-cert.pem");  // the self-signed cert verifies as its own CA
  ctx.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<tcp::socket> s(client_io_, ctx);
  s.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  s.handshake(asio::ssl::stream_base::client);
  asio::write(s, asio::buffer(std::string("secret")));
  std::string out(6, '\0');
  asio::read(s, asio::buffer(out));
  EXPECT_EQ(out, "secret");
}

// TLS records of 16 KB come out of the connection's small read chunk in several pieces.
TEST_F(Transports, TlsEchoesALargePayloadWhole) {
  const auto port = listen(ListenerWire::stream, TlsMode::direct);
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<tcp::socket> s(client_io_, ctx);
  s.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  s.handshake(asio::ssl::stream_base::client);
  std::string sent;
  for (int i = 0; sent.size() < 100 * 1024; ++i) sent += std::to_string(i) + ";";
  asio::write(s, asio::buffer(sent));
  std::string back(sent.size(), '\0');
  asio::read(s, asio::buffer(back));
  EXPECT_TRUE(back == sent);
}

TEST_F(Transports, CertificateIsKeptAcrossStarts) {
  auto again = ensure_self_signed_certificate(dir_.path());
  ASSERT_TRUE(again);
  EXPECT_EQ(
      std::filesystem::status(again->key_file).permissions() & std::filesystem::perms::others_read,
      std::filesystem::perms::none);
}

TEST_F(Transports, HttpHealthAndNotFound) {
  const auto port = listen(ListenerWire::http);
  beast::tcp_stream s(client_io_);
  s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  for (const char* target : {"/healthz", "/nope"}) {
    beast::http::request<beast::http::empty_body> req{beast::http::verb::get, target, 11};
    req.set(beast::http::field::host, "127.0.0.1");
    beast::http::write(s, req);
    beast::flat_buffer buffer;
    beast::http::response<beast::http::string_body> res;
    beast::http::read(s, buffer, res);
    EXPECT_EQ(res.result_int(), std::string(target) == "/healthz" ? 200 : 404) << target;
  }
}

TEST_F(Transports, WebSocketCarriesTextAndBinaryMessages) {
  const auto port = listen(ListenerWire::http);
  beast::websocket::stream<tcp::socket> ws(client_io_);
  ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  ws.handshake("127.0.0.1", "/ws");
  for (bool text : {true, false}) {
    ws.text(text);
    ws.write(asio::buffer(std::string(text ? "{\"a\":1}" : "bin")));
    beast::flat_buffer buffer;
    ws.read(buffer);
    EXPECT_EQ(ws.got_text(), text);
    EXPECT_EQ(beast::buffers_to_string(buffer.data()), text ? "{\"a\":1}" : "bin");
  }
  ws.close(beast::websocket::close_code::normal);
  wait_closed(1);
}

TEST_F(Transports, WebSocketOnAnotherPathIsRefused) {
  const auto port = listen(ListenerWire::http);
  beast::websocket::stream<tcp::socket> ws(client_io_);
  ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  boost::system::error_code ec;
  ws.handshake("127.0.0.1", "/other", ec);
  EXPECT_TRUE(ec);
}

TEST(WebSocketRoutes, PathAndSubprotocolChooseTheRoute) {
  const std::vector<WebSocketRoute> routes = {
      {"/ws", "", nullptr}, {"/xmpp-websocket", "xmpp", nullptr}, {"/mqtt", "mqtt", nullptr}};
  using Offers = std::vector<std::string_view>;
  EXPECT_EQ(choose_websocket_route(routes, "/ws", {}).route, &routes[0]);
  EXPECT_EQ(choose_websocket_route(routes, "/ws", Offers{"chat, superchat"}).route, &routes[0]);
  EXPECT_EQ(choose_websocket_route(routes, "/ws?v=1", {}).status, 404u);
  EXPECT_EQ(choose_websocket_route(routes, "/xmpp-websocket", Offers{"foo ,\txmpp"}).route,
            &routes[1]);
  EXPECT_EQ(choose_websocket_route(routes, "/mqtt", Offers{"x", "mqtt"}).route, &routes[2]);
  EXPECT_EQ(choose_websocket_route(routes, "/xmpp-websocket", {}).status, 400u);
  EXPECT_EQ(choose_websocket_route(routes, "/mqtt", Offers{"mqttv3.1"}).status, 400u);
  EXPECT_EQ(choose_websocket_route(routes, "/xmpp", Offers{"xmpp"}).status, 404u);
  EXPECT_EQ(choose_websocket_route(routes, "/", {}).status, 404u);
}

// The upgrade of a route with a subprotocol names it in the 101 (RFC 6455 §4.2.2) and reaches that
// route's session; a path needing one the client did not offer is 400, an unknown path 404.
TEST_F(Transports, WebSocketUpgradesAreRoutedByPathAndSubprotocol) {
  const auto port =
      listen(ListenerWire::http, TlsMode::none, {{"/xmpp-websocket", "xmpp", echo("xmpp:")}});
  beast::websocket::stream<tcp::socket> ws(client_io_);
  ws.set_option(beast::websocket::stream_base::decorator([](beast::websocket::request_type& req) {
    req.set(beast::http::field::sec_websocket_protocol, "other, xmpp");
  }));
  ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  beast::websocket::response_type response;
  ws.handshake(response, "127.0.0.1", "/xmpp-websocket");
  EXPECT_EQ(response[beast::http::field::sec_websocket_protocol], "xmpp");
  ws.text(true);
  ws.write(asio::buffer(std::string("<open/>")));
  beast::flat_buffer buffer;
  ws.read(buffer);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "xmpp:<open/>");

  beast::websocket::stream<tcp::socket> native(client_io_);
  native.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  beast::websocket::response_type native_response;
  native.handshake(native_response, "127.0.0.1", "/ws");
  EXPECT_EQ(native_response.count(beast::http::field::sec_websocket_protocol), 0u);

  for (const auto& [path, status] : {std::pair{"/xmpp-websocket", 400}, std::pair{"/nope", 404}}) {
    beast::websocket::stream<tcp::socket> refused(client_io_);
    refused.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    beast::websocket::response_type refusal;
    boost::system::error_code ec;
    refused.handshake(refusal, "127.0.0.1", path, ec);
    EXPECT_TRUE(ec) << path;
    EXPECT_EQ(refusal.result_int(), status) << path;
  }
}

// The session sees the message cut short (longer than the limit, so it can refuse it in its own
// protocol; the echo sends it back), then the transport closes with 1009.
TEST_F(Transports, OversizedWebSocketMessageClosesOnlyThatConnection) {
  limits_.max_message_bytes = 1024;
  const auto port = listen(ListenerWire::http);
  beast::websocket::stream<tcp::socket> fine(client_io_);
  fine.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  fine.handshake("127.0.0.1", "/ws");
  beast::websocket::stream<tcp::socket> big(client_io_);
  big.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  big.handshake("127.0.0.1", "/ws");
  big.write(asio::buffer(std::string(4096, 'x')));
  beast::flat_buffer buffer;
  big.read(buffer);
  EXPECT_GT(buffer.size(), 1024u);
  EXPECT_LT(buffer.size(), 4096u);
  boost::system::error_code ec;
  buffer.clear();
  big.read(buffer, ec);
  EXPECT_EQ(ec, beast::websocket::error::closed);
  EXPECT_EQ(big.reason().code, beast::websocket::close_code::too_big);
  wait_closed(1);
  fine.write(asio::buffer(std::string("still here")));
  buffer.clear();
  fine.read(buffer);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "still here");
}

// A WebSocket client that pipelines far more than the soft mark and reads late gets every echo.
TEST_F(Transports, WebSocketInputPausesAboveTheSoftMarkAndResumes) {
  const auto port = listen(ListenerWire::http);
  beast::websocket::stream<tcp::socket> ws(client_io_);
  ws.next_layer().open(tcp::v4());
  ws.next_layer().set_option(asio::socket_base::receive_buffer_size(4096));
  ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  ws.handshake("127.0.0.1", "/ws");
  constexpr int kMessages = 64;
  const std::string payload(32 * 1024, 'w');  // 2 MiB in all, 8 times the soft mark
  // Raw masked binary frames (mask key 0) written beside Beast, which only reads here.
  std::string frame = "\x82\xFE";
  frame += static_cast<char>(payload.size() >> 8);
  frame += static_cast<char>(payload.size() & 0xFF);
  frame += std::string(4, '\0') + payload;
  std::thread writer([&, fd = ws.next_layer().native_handle()] {
    for (int i = 0; i < kMessages; ++i) {
      for (std::size_t at = 0; at < frame.size();) {
        const ssize_t n = ::send(fd, frame.data() + at, frame.size() - at, MSG_NOSIGNAL);
        if (n <= 0) return;
        at += static_cast<std::size_t>(n);
      }
    }
  });
  for (int i = 0; i < kMessages; ++i) {
    beast::flat_buffer buffer;
    ws.read(buffer);
    ASSERT_EQ(buffer.size(), payload.size()) << i;
  }
  writer.join();
}

}  // namespace
}  // namespace parley::transport
