// Connection::start_tls over real loopback sockets: a plain exchange, the upgrade in place, then an
// exchange over TLS, with a line protocol that stands in for XMPP's <starttls/> and <proceed/>.
#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <future>
#include <memory>

#include "temp_dir.h"
#include "transport/listener.h"
#include "transport/tls_context.h"

namespace parley::transport {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Lines in, lines out. "PING" -> "PONG plain|tls"; "STARTTLS" -> "PROCEED", then TLS; bytes held
// after a STARTTLS line are the peer's error (RFC 6120 §5.4.3.3): "ERROR extra bytes", close. A
// refused start_tls answers "ERROR <why>" and stays plain.
class LineSession final : public ProtocolSession {
 public:
  LineSession(Connection& c, std::shared_ptr<std::atomic<int>> closed)
      : c_(c), closed_(std::move(closed)) {}
  void on_bytes(std::string_view bytes) override {
    held_ += bytes;
    for (auto end = held_.find('\n'); end != std::string::npos; end = held_.find('\n')) {
      const std::string line = held_.substr(0, end);
      held_.erase(0, end + 1);
      if (line == "PING") send(tls_ ? "PONG tls" : "PONG plain");
      if (line != "STARTTLS") continue;
      if (!held_.empty()) {
        send("ERROR extra bytes");
        return c_.close(CloseReason::policy);
      }
      send("PROCEED");
      auto started = c_.start_tls();
      if (!started) {
        send("ERROR " + started.error().message);
        continue;
      }
      tls_ = true;
      return;
    }
  }
  void on_message(std::string_view, MessageType) override {}
  void on_timeout(Timeout) override {}
  void on_shutdown() override { c_.close(CloseReason::going_away); }
  void on_closed() override {
    closed_->fetch_add(1);
    closed_->notify_all();
  }

 private:
  void send(std::string line) {
    auto owner = std::make_shared<std::string>(std::move(line) + "\n");
    c_.send(Outbound{owner, *owner, MessageType::binary, {}});
  }
  Connection& c_;
  std::shared_ptr<std::atomic<int>> closed_;
  std::string held_;
  bool tls_ = false;
};

class StartTls : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    pool_.start();
    auto paths = ensure_self_signed_certificate(dir_.path());
    ASSERT_TRUE(paths) << paths.error().message;
    auto ctx = make_server_tls_context(*paths);
    ASSERT_TRUE(ctx);
    tls_ = std::move(*ctx);
  }
  void TearDown() override {
    std::promise<void> stopped;
    asio::post(pool_.io(0), [&] {
      for (auto& l : listeners_) l->stop();
      stopped.set_value();
    });
    stopped.get_future().wait();
    registry_.close_all();
    EXPECT_TRUE(registry_.wait_empty(5s));
    registry_.stop_sweeps();
    pool_.stop();
    listeners_.clear();
  }

  std::uint16_t listen(TlsMode mode) {
    ListenerSpec spec{
        .wire = ListenerWire::stream, .tls = mode, .factory = [closed = closed_](Connection& c) {
          return std::make_unique<LineSession>(c, closed);
        }};
    auto l = std::make_unique<Listener>(std::move(spec), pool_, registry_, limits_, tls_.get());
    auto port = l->open(pool_.io(0), "127.0.0.1:0");
    EXPECT_TRUE(port) << port.error().message;
    l->start();
    listeners_.push_back(std::move(l));
    return *port;
  }

  void wait_closed(int count) {
    for (int seen = closed_->load(); seen < count; seen = closed_->load()) closed_->wait(seen);
  }

  parley::testing::TempDir dir_;
  runtime::ShardPool pool_{2, 1};
  ConnectionRegistry registry_{pool_};
  TransportLimits limits_;
  std::unique_ptr<asio::ssl::context> tls_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::shared_ptr<std::atomic<int>> closed_ = std::make_shared<std::atomic<int>>(0);
  asio::io_context client_io_;
};

template <class Stream>
std::string read_line(Stream& s, asio::streambuf& buffer) {
  boost::system::error_code ec;
  asio::read_until(s, buffer, '\n', ec);
  if (ec) return "<" + ec.message() + ">";
  std::istream in(&buffer);
  std::string line;
  std::getline(in, line);
  return line;
}

TEST_F(StartTls, PlainThenHandshakeInPlaceThenTls) {
  const auto port = listen(TlsMode::starttls);
  tcp::socket socket(client_io_);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::streambuf plain;
  asio::write(socket, asio::buffer(std::string("PING\n")));
  EXPECT_EQ(read_line(socket, plain), "PONG plain");
  asio::write(socket, asio::buffer(std::string("STARTTLS\n")));
  EXPECT_EQ(read_line(socket, plain), "PROCEED");
  ASSERT_EQ(plain.size(), 0u);  // nothing but the reply came in plain

  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.load_verify_file(dir_.path() + "/tls-cert.pem");  // self-signed: its own CA
  ctx.set_verify_mode(asio::ssl::verify_peer);
  asio::ssl::stream<tcp::socket&> tls(socket, ctx);
  tls.handshake(asio::ssl::stream_base::client);
  asio::streambuf secure;
  asio::write(tls, asio::buffer(std::string("PING\n")));
  EXPECT_EQ(read_line(tls, secure), "PONG tls");
}

TEST_F(StartTls, ASecondRequestOverTlsIsRefused) {
  const auto port = listen(TlsMode::starttls);
  tcp::socket socket(client_io_);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::streambuf plain;
  asio::write(socket, asio::buffer(std::string("STARTTLS\n")));
  EXPECT_EQ(read_line(socket, plain), "PROCEED");
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  asio::ssl::stream<tcp::socket&> tls(socket, ctx);
  tls.handshake(asio::ssl::stream_base::client);
  asio::streambuf secure;
  asio::write(tls, asio::buffer(std::string("STARTTLS\n")));
  EXPECT_EQ(read_line(tls, secure), "PROCEED");
  EXPECT_EQ(read_line(tls, secure), "ERROR TLS is already on");
  asio::write(tls, asio::buffer(std::string("PING\n")));
  EXPECT_EQ(read_line(tls, secure), "PONG tls");
}

// RFC 6120 §5.4.3.3: nothing may follow the request; the session refuses in plain and closes.
TEST_F(StartTls, BytesAfterTheRequestAreAProtocolError) {
  const auto port = listen(TlsMode::starttls);
  tcp::socket socket(client_io_);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::write(socket, asio::buffer(std::string("STARTTLS\nPING\n")));  // one segment on loopback
  asio::streambuf plain;
  EXPECT_EQ(read_line(socket, plain), "ERROR extra bytes");
  EXPECT_EQ(read_line(socket, plain), "<End of file>");
  wait_closed(1);
}

TEST_F(StartTls, RefusedOnAListenerNotConfiguredForIt) {
  const auto port = listen(TlsMode::none);
  tcp::socket socket(client_io_);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::streambuf plain;
  asio::write(socket, asio::buffer(std::string("STARTTLS\n")));
  EXPECT_EQ(read_line(socket, plain), "PROCEED");
  EXPECT_EQ(read_line(socket, plain), "ERROR STARTTLS is not offered on this listener");
  asio::write(socket, asio::buffer(std::string("PING\n")));
  EXPECT_EQ(read_line(socket, plain), "PONG plain");
}

// A peer told to proceed that never starts the handshake is cut after the handshake timeout.
TEST_F(StartTls, AHandshakeNeverBegunIsCut) {
  limits_.handshake_timeout = 200ms;
  const auto port = listen(TlsMode::starttls);
  tcp::socket socket(client_io_);
  socket.connect({asio::ip::make_address("127.0.0.1"), port});
  asio::streambuf plain;
  asio::write(socket, asio::buffer(std::string("STARTTLS\n")));
  EXPECT_EQ(read_line(socket, plain), "PROCEED");
  wait_closed(1);
  EXPECT_TRUE(registry_.wait_empty(5s));
}

}  // namespace
}  // namespace parley::transport
