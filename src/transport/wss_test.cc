// HTTPS and WSS through TlsSocketStream (OpenSSL on the socket, no ssl_stream buffers): large
// messages both ways to a reader with a tiny window, the WebSocket close handshake ending with
// close_notify, a server-side close, the HTTP deadline cutting a client that sends nothing after
// the TLS handshake, a slow WSS reader cut while others go on, and the health check over HTTPS.
#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "transport/transport_test_support.h"

namespace parley::transport {
namespace {

using namespace test_support;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ssl = asio::ssl;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Wss = websocket::stream<ssl::stream<tcp::socket>>;
using namespace std::chrono_literals;

class WssConnections : public Transports {
 protected:
  void SetUp() override {
    Transports::SetUp();
    limits_.max_message_bytes = 1024 * 1024;
    port_ = listen(ListenerWire::http, TlsMode::direct);
    client_.set_verify_mode(ssl::verify_none);  // the generated certificate is self-signed
  }
  std::unique_ptr<ssl::stream<tcp::socket>> tls(int receive_buffer = 0) {
    return connect_tls(client_io_, client_, port_, receive_buffer);
  }
  std::unique_ptr<Wss> wss(int receive_buffer = 0) {
    auto s = tls(receive_buffer);
    auto ws = std::make_unique<Wss>(std::move(*s));
    ws->handshake("127.0.0.1", "/ws");
    ws->binary(true);
    return ws;
  }
  std::string round_trip(Wss& ws, const std::string& payload) {
    ws.write(asio::buffer(payload));
    beast::flat_buffer buffer;
    ws.read(buffer);
    return beast::buffers_to_string(buffer.data());
  }

  ssl::context client_{ssl::context::tls_client};
  std::uint16_t port_ = 0;
};

// 512 KB each way is 32 TLS records; with a 4 KB receive window the server's writes meet a full
// socket over and over, each retried from the thread's staging buffer.
TEST_F(WssConnections, ALargeMessageEchoesWholeToAReaderWithATinyWindow) {
  auto ws = wss(4096);
  std::string payload;
  for (int i = 0; payload.size() < 512 * 1024; ++i) payload += std::to_string(i) + ",";
  EXPECT_TRUE(round_trip(*ws, payload) == payload);
  EXPECT_EQ(round_trip(*ws, "small after large"), "small after large");
}

TEST_F(WssConnections, TheClientsCloseHandshakeEndsWithCloseNotify) {
  auto ws = wss();
  EXPECT_EQ(round_trip(*ws, "hello"), "hello");
  ws->close(websocket::close_code::normal);
  wait_closed(1);
  // After the close frames the server tore TLS down with close_notify: a clean EOF, not a
  // truncation.
  std::array<char, 16> rest;
  boost::system::error_code ec;
  ws->next_layer().read_some(asio::buffer(rest), ec);
  EXPECT_EQ(ec, asio::error::eof) << ec.message();
}

TEST_F(WssConnections, TheServersCloseReachesTheClientAsACloseFrame) {
  auto ws = wss();
  ws->write(asio::buffer(std::string("idle:50")));
  beast::flat_buffer buffer;
  ws->read(buffer);
  EXPECT_EQ(beast::buffers_to_string(buffer.data()), "idle");
  boost::system::error_code ec;
  buffer.clear();
  ws->read(buffer, ec);
  EXPECT_EQ(ec, websocket::error::closed) << ec.message();
  EXPECT_EQ(ws->reason().code, websocket::close_code::normal);
  wait_closed(1);
}

// A client that finishes the TLS handshake and then sends no request is closed at the HTTP
// deadline (the stream's expiry closes the socket under the pending read).
TEST_F(WssConnections, AClientThatSendsNoRequestIsClosedAtTheDeadline) {
  limits_.handshake_timeout = 200ms;
  auto s = tls();
  // Bounded, so that an expiry that never fires fails here instead of hanging: the read then
  // ends with EAGAIN, which is none of the closes below.
  const timeval bound{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(s->next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &bound, sizeof bound);
  std::array<char, 16> rest;
  boost::system::error_code ec;
  s->read_some(asio::buffer(rest), ec);  // returns when the server closes
  EXPECT_TRUE(ec == ssl::error::stream_truncated || ec == asio::error::eof ||
              ec == asio::error::connection_reset)
      << ec.message();
}

TEST_F(WssConnections, AFloodedReaderIsCutAndOthersGoOn) {
  auto slow = wss();
  auto fine = wss();
  slow->write(asio::buffer(std::string("flood")));  // never reads
  EXPECT_EQ(round_trip(*fine, "still here"), "still here");
  fine->close(websocket::close_code::normal);
  EXPECT_TRUE(registry_.wait_empty(10s)) << registry_.size() << " connections left";
  EXPECT_EQ(closed_->load(), 2);
}

TEST_F(WssConnections, HealthIsServedOverHttps) {
  auto s = tls();
  beast::http::request<beast::http::empty_body> req{beast::http::verb::get, "/healthz", 11};
  req.set(beast::http::field::host, "127.0.0.1");
  beast::http::write(*s, req);
  beast::flat_buffer buffer;
  beast::http::response<beast::http::string_body> res;
  beast::http::read(*s, buffer, res);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), "ok\n");
}

}  // namespace
}  // namespace parley::transport
