// What the transport tests share: a trivial echo protocol and a fixture with a shard pool,
// listeners on loopback and the generated certificate.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl.hpp>
#include <future>
#include <memory>

#include "temp_dir.h"
#include "transport/listener.h"
#include "transport/tls_context.h"

namespace parley::transport::test_support {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Echoes every byte/message; "flood" makes it queue far more than any bound; "burst" queues
// 8 MiB at once (more than the kernel's buffers take, above the tests' soft mark and below the
// hard cap the burst tests set); "idle:N" sets an idle timeout
// of N ms and answers the idle event with "idle" then closes; at shutdown it says "bye".
class EchoSession final : public ProtocolSession {
 public:
  // `tag` starts every echo (which route's session answered).
  EchoSession(Connection& c, std::shared_ptr<std::atomic<int>> closed, std::string tag = {})
      : c_(c), closed_(std::move(closed)), tag_(std::move(tag)) {}
  void on_bytes(std::string_view bytes) override {
    handle(std::string(bytes), MessageType::binary);
  }
  void on_message(std::string_view payload, MessageType type) override {
    handle(std::string(payload), type);
  }
  void on_timeout(Timeout which) override {
    if (which != Timeout::idle) return;
    send("idle", MessageType::binary);
    c_.close(CloseReason::normal);
  }
  void on_shutdown() override {
    send("bye", MessageType::binary);
    c_.close(CloseReason::going_away);
  }
  void on_closed() override {
    closed_->fetch_add(1);
    closed_->notify_all();
  }

 private:
  void handle(std::string text, MessageType type) {
    if (text.starts_with("idle:")) {
      c_.set_idle_timeout(std::chrono::milliseconds(std::stoi(text.substr(5))));
      return;
    }
    if (text == "flood" || text == "burst") {
      auto chunk = std::make_shared<std::string>(64 * 1024, 'x');
      for (int i = 0; i < (text == "flood" ? 1000 : 128); ++i) {
        if (!c_.send(Outbound{chunk, *chunk, type, {}})) return;
      }
      return;
    }
    send(tag_ + text, type);
  }
  // On streams the first byte goes out as the frame's prefix (as the native length prefix does),
  // so every echo also checks that a prefix and its bytes are written together and in order.
  void send(std::string text, MessageType type) {
    auto owner = std::make_shared<std::string>(std::move(text));
    if (c_.framing() == Framing::stream && !owner->empty()) {
      c_.send(Outbound{owner, std::string_view(*owner).substr(1), type, owner->substr(0, 1)});
      return;
    }
    c_.send(Outbound{owner, *owner, type, {}});
  }
  Connection& c_;
  std::shared_ptr<std::atomic<int>> closed_;
  std::string tag_;
};

class Transports : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    pool_.start();
    limits_.max_outbound_bytes = 256 * 1024;
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

  SessionFactory echo(std::string tag = {}) {
    return [closed = closed_, tag = std::move(tag)](Connection& c) {
      return std::make_unique<EchoSession>(c, closed, tag);
    };
  }

  // An HTTP listener routes "/ws" (any subprotocol) to the plain echo, plus `routes`.
  std::uint16_t listen(ListenerWire wire, TlsMode tls = TlsMode::none,
                       std::vector<WebSocketRoute> routes = {}) {
    ListenerSpec spec{.wire = wire, .tls = tls, .factory = echo(), .routes = std::move(routes)};
    spec.routes.push_back({"/ws", "", echo()});
    auto l = std::make_unique<Listener>(std::move(spec), pool_, registry_, limits_, tls_.get());
    auto port = l->open(pool_.io(0), "127.0.0.1:0");
    EXPECT_TRUE(port);
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

// A TLS client connection to 127.0.0.1:port, handshake done; receive_buffer > 0 shrinks the
// client's receive window (so that the server's writes meet a full socket).
inline std::unique_ptr<asio::ssl::stream<asio::ip::tcp::socket>> connect_tls(
    asio::io_context& io, asio::ssl::context& ctx, std::uint16_t port, int receive_buffer = 0) {
  auto s = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket>>(io, ctx);
  s->next_layer().open(asio::ip::tcp::v4());
  if (receive_buffer > 0) {
    s->next_layer().set_option(asio::socket_base::receive_buffer_size(receive_buffer));
  }
  s->next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
  s->handshake(asio::ssl::stream_base::client);
  return s;
}

// Exactly n bytes from a TCP socket or a TLS stream.
template <class Stream>
std::string read_exactly(Stream& s, std::size_t n) {
  std::string out(n, '\0');
  asio::read(s, asio::buffer(out));
  return out;
}

}  // namespace parley::transport::test_support
