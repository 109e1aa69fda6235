// TLS through TlsSession (OpenSSL on the connection's own socket, no per-connection buffers):
// large echoes to a reader with a tiny window, close_notify both ways, renegotiation refused,
// session tickets resumed, and a thousand TLS connections opened and closed (ASan checks that
// nothing leaks).
#include <openssl/ssl.h>

#include <boost/asio/write.hpp>
#include <functional>

#include "transport/transport_test_support.h"

namespace parley::transport {
namespace {

using namespace test_support;
namespace asio = boost::asio;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class TlsSessions : public Transports {
 protected:
  void SetUp() override {
    Transports::SetUp();
    limits_.max_unauthenticated_per_address = 2'000;  // the echo sessions never log in
    port_ = listen(ListenerWire::stream, TlsMode::direct);
  }
  std::unique_ptr<ssl::stream<tcp::socket>> connect(ssl::context& ctx, int receive_buffer = 0) {
    return connect_tls(client_io_, ctx, port_, receive_buffer);
  }
  std::string echo(ssl::stream<tcp::socket>& s, const std::string& text) {
    asio::write(s, asio::buffer(text));
    std::string back(text.size(), '\0');
    asio::read(s, asio::buffer(back));
    return back;
  }

  ssl::context client_{ssl::context::tls_client};
  std::uint16_t port_ = 0;
};

// The server's writes run into a full socket over and over (want_write), each retried from the
// shard's staging buffer: every byte must come back, in order, across records split anywhere.
TEST_F(TlsSessions, AnEchoLargerThanTheReadersWindowArrivesWholeAndInOrder) {
  auto s = connect(client_, 4096);
  std::string sent;
  for (int i = 0; sent.size() < 200 * 1024; ++i) sent += std::to_string(i) + ",";
  // One thread drives both directions (an ssl::stream takes one read and one write at a time,
  // but not from two threads): the write of everything and the reads in small pieces.
  boost::system::error_code write_error, read_error;
  asio::async_write(*s, asio::buffer(sent),
                    [&](const boost::system::error_code& ec, std::size_t) { write_error = ec; });
  std::string back;
  std::array<char, 700> chunk;  // smaller than a record: the client's reads split them too
  std::function<void()> read_more = [&] {
    s->async_read_some(asio::buffer(chunk),
                       [&](const boost::system::error_code& ec, std::size_t n) {
                         back.append(chunk.data(), n);
                         if (ec) read_error = ec;
                         if (!ec && back.size() < sent.size()) read_more();
                       });
  };
  read_more();
  client_io_.run();
  EXPECT_FALSE(write_error) << write_error.message();
  EXPECT_FALSE(read_error) << read_error.message() << " after " << back.size() << " bytes";
  EXPECT_TRUE(back == sent);
}

TEST_F(TlsSessions, AClientsCloseNotifyEndsTheConnection) {
  auto s = connect(client_);
  EXPECT_EQ(echo(*s, "hello"), "hello");
  boost::system::error_code ec;
  s->shutdown(ec);  // sends close_notify, waits for the server's
  EXPECT_FALSE(ec) << ec.message();
  wait_closed(1);
  EXPECT_TRUE(registry_.wait_empty(5s));
}

// The server closing (here: its idle timeout) sends close_notify before the TCP FIN, so the
// client reads a clean end of stream, not a truncation.
TEST_F(TlsSessions, TheServersCloseSendsCloseNotify) {
  auto s = connect(client_);
  asio::write(*s, asio::buffer(std::string("idle:50")));
  EXPECT_EQ(read_exactly(*s, 4), "idle");
  std::array<char, 16> rest;
  boost::system::error_code ec;
  s->read_some(asio::buffer(rest), ec);
  EXPECT_EQ(ec, asio::error::eof) << ec.message();  // stream_truncated without close_notify
}

// The server cuts a reader that never drains (its queue passes the hard cap): the connection
// must still end for the session and leave the registry, although TLS waits were pending on the
// socket the cut closed (they end the read and write chains as a failed Asio operation would).
TEST_F(TlsSessions, ACutSlowReaderEndsForItsSessionAndOthersGoOn) {
  auto slow = connect(client_);
  auto fine = connect(client_);
  asio::write(*slow, asio::buffer(std::string("flood")));  // never reads
  EXPECT_EQ(echo(*fine, "still here"), "still here");
  boost::system::error_code ec;
  fine->shutdown(ec);
  // Bounded: a cut connection whose session never heard of it would stay here for good.
  EXPECT_TRUE(registry_.wait_empty(10s)) << registry_.size() << " connections left";
  EXPECT_EQ(closed_->load(), 2);
}

// The server closes (its idle timeout) and the client neither reads nor closes: after the close
// grace the server cuts the socket under its pending TLS read, which must still end the
// connection for the session.
TEST_F(TlsSessions, APeerThatIgnoresTheServersCloseIsCutAfterTheGrace) {
  auto s = connect(client_);
  asio::write(*s, asio::buffer(std::string("idle:20")));
  EXPECT_EQ(read_exactly(*s, 4), "idle");
  // s stays open and silent.
  EXPECT_TRUE(registry_.wait_empty(limits_.close_grace + 5s)) << registry_.size() << " left";
  EXPECT_EQ(closed_->load(), 1);
}

TEST_F(TlsSessions, RenegotiationIsRefused) {
  SSL_CTX_set_max_proto_version(client_.native_handle(), TLS1_2_VERSION);
  auto s = connect(client_);
  EXPECT_EQ(echo(*s, "before"), "before");
  ASSERT_EQ(SSL_renegotiate(s->native_handle()), 1);
  // The next write starts the second handshake; the server answers it with a no_renegotiation
  // alert, which ends the connection on both sides.
  boost::system::error_code ec;
  asio::write(*s, asio::buffer(std::string("after")), ec);
  std::array<char, 16> rest;
  std::string back;
  while (!ec && back.size() < 5) {
    const std::size_t n = s->read_some(asio::buffer(rest), ec);
    back.append(rest.data(), n);
  }
  EXPECT_TRUE(ec) << "the renegotiation went through";
  EXPECT_EQ(back, "") << "the server answered after a renegotiation";
  wait_closed(1);
}

TEST_F(TlsSessions, ASecondConnectionResumesWithTheTicketOfTheFirst) {
  SSL_SESSION* saved = nullptr;
  {
    auto s = connect(client_);
    EXPECT_EQ(echo(*s, "first"), "first");  // TLS 1.3 tickets come after the handshake
    saved = SSL_get1_session(s->native_handle());
    ASSERT_NE(saved, nullptr);
    EXPECT_FALSE(SSL_session_reused(s->native_handle()));
    // A clean close: OpenSSL does not resume a session whose connection was cut.
    boost::system::error_code ec;
    s->shutdown(ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  auto s = std::make_unique<ssl::stream<tcp::socket>>(client_io_, client_);
  SSL_set_session(s->native_handle(), saved);
  SSL_SESSION_free(saved);
  s->next_layer().connect({asio::ip::make_address("127.0.0.1"), port_});
  s->handshake(ssl::stream_base::client);
  EXPECT_EQ(SSL_session_reused(s->native_handle()), 1) << "a full handshake instead";
  EXPECT_EQ(echo(*s, "again"), "again");
}

TEST_F(TlsSessions, AThousandConnectionsOpenEchoAndCloseWithNothingLeft) {
  constexpr int kConnections = 1000;
  std::vector<std::unique_ptr<ssl::stream<tcp::socket>>> open;
  for (int i = 0; i < kConnections; ++i) {
    open.push_back(connect(client_));
    ASSERT_EQ(echo(*open.back(), "x"), "x") << i;
  }
  EXPECT_EQ(registry_.size(), static_cast<std::size_t>(kConnections));
  open.clear();  // closes the sockets without close_notify: the server sees EOF or a reset
  wait_closed(kConnections);
  EXPECT_TRUE(registry_.wait_empty(10s));
}

}  // namespace
}  // namespace parley::transport
