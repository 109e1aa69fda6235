// Client transports: length-prefixed frames over TCP/TLS, binary WebSocket messages over WS/WSS.
#include "client/transport.h"

#include <openssl/ssl.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <exception>
#include <utility>

#include "gateway/native/frame_codec.h"
#include "gateway/native/json_mapping.h"
#include "parley_proto/parley.pb.h"

namespace parley::client {
namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using boost::system::error_code;

constexpr auto kTuple = asio::as_tuple(asio::use_awaitable);
// The server bounds its frames; this only protects the client from a broken peer.
constexpr std::size_t kMaxInboundFrameBytes = 64 * 1024 * 1024;

using TlsStream = ssl::stream<tcp::socket>;

// State shared by both framings: the outbound queue with one write in flight, and closing.
template <class Derived>
class TransportBase : public Transport, public std::enable_shared_from_this<Derived> {
 public:
  void start(FrameHandler on_frame, CloseHandler on_close) override {
    on_frame_ = std::move(on_frame);
    on_close_ = std::move(on_close);
    static_cast<Derived*>(this)->read_next();
  }

  void send(std::string payload) override {
    if (closed_) return;
    queue_.push_back(static_cast<Derived*>(this)->encode(std::move(payload)));
    if (queue_.size() == 1) static_cast<Derived*>(this)->write_front();
  }

  void close() override {
    closed_ = true;
    on_close_ = nullptr;
    on_frame_ = nullptr;
    error_code ignored;
    static_cast<Derived*>(this)->lowest().close(ignored);
  }

 protected:
  void fail(const std::string& reason) {
    if (closed_) return;
    auto on_close = std::move(on_close_);
    close();
    if (on_close) on_close(reason);
  }

  void deliver(std::string payload) {
    if (on_frame_) on_frame_(std::move(payload));
  }

  void on_written(error_code ec) {
    if (closed_) return;
    if (ec) return fail(ec.message());
    queue_.pop_front();
    if (!queue_.empty()) static_cast<Derived*>(this)->write_front();
  }

  bool closed_ = false;
  std::deque<std::string> queue_;

 private:
  FrameHandler on_frame_;
  CloseHandler on_close_;
};

// TCP or TLS: 4-byte big-endian length, then the protobuf bytes (gateway/native/frame_codec.h).
template <class Stream>
class FramedTransport final : public TransportBase<FramedTransport<Stream>> {
  using Base = TransportBase<FramedTransport<Stream>>;
  friend Base;

 public:
  static constexpr bool kWebSocket = false;

  template <class... Args>
  explicit FramedTransport(std::shared_ptr<ssl::context> tls, Args&&... args)
      : tls_(std::move(tls)), stream_(std::forward<Args>(args)...) {}

  Stream& stream() { return stream_; }
  tcp::socket& lowest() { return beast::get_lowest_layer(stream_); }
  TlsStream& tls_layer() requires std::is_same_v<Stream, TlsStream> { return stream_; }

 private:
  std::string encode(std::string payload) {
    return native::length_prefix(payload.size()) + payload;
  }

  void read_next() {
    stream_.async_read_some(
        asio::buffer(chunk_),
        [self = this->shared_from_this()](error_code ec, std::size_t n) { self->on_read(ec, n); });
  }

  void on_read(error_code ec, std::size_t n) {
    if (this->closed_) return;
    if (ec)
      return this->fail(ec == asio::error::eof ? "connection closed by server" : ec.message());
    buffer_.append(chunk_.data(), n);
    std::size_t offset = 0;
    while (true) {
      auto parsed =
          native::parse_frame(std::string_view(buffer_).substr(offset), kMaxInboundFrameBytes);
      if (parsed.status == native::ParseStatus::need_more) break;
      if (parsed.status == native::ParseStatus::too_large) return this->fail("frame too large");
      std::string payload(parsed.payload);
      offset += parsed.consumed;
      this->deliver(std::move(payload));
      if (this->closed_) return;
    }
    buffer_.erase(0, offset);
    read_next();
  }

  void write_front() {
    asio::async_write(
        stream_, asio::buffer(this->queue_.front()),
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_written(ec); });
  }

  std::shared_ptr<ssl::context> tls_;  // outlives stream_
  Stream stream_;
  std::array<char, 16 * 1024> chunk_{};
  std::string buffer_;
};

// WS or WSS: one binary WebSocket message per frame.
template <class Next>
class WsTransport final : public TransportBase<WsTransport<Next>> {
  using Base = TransportBase<WsTransport<Next>>;
  friend Base;

 public:
  static constexpr bool kWebSocket = true;

  template <class... Args>
  explicit WsTransport(std::shared_ptr<ssl::context> tls, Args&&... args)
      : tls_(std::move(tls)), ws_(std::forward<Args>(args)...) {
    ws_.read_message_max(kMaxInboundFrameBytes);
  }

  websocket::stream<Next>& ws() { return ws_; }
  tcp::socket& lowest() { return beast::get_lowest_layer(ws_); }
  TlsStream& tls_layer() requires std::is_same_v<Next, TlsStream> { return ws_.next_layer(); }

 private:
  std::string encode(std::string payload) { return payload; }

  void read_next() {
    ws_.async_read(buffer_, [self = this->shared_from_this()](error_code ec, std::size_t) {
      self->on_read(ec);
    });
  }

  void on_read(error_code ec) {
    if (this->closed_) return;
    if (ec) {
      return this->fail(ec == websocket::error::closed ? "connection closed by server"
                                                       : ec.message());
    }
    std::string payload = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (!ws_.got_binary()) {
      // A server that answers in JSON anyway: translate to protobuf bytes.
      v1::ServerFrame frame;
      std::string error;
      if (!native::json_to_message(payload, frame, &error))
        return this->fail("bad JSON frame: " + error);
      payload = frame.SerializeAsString();
    }
    this->deliver(std::move(payload));
    if (this->closed_) return;
    read_next();
  }

  void write_front() {
    ws_.binary(true);
    ws_.async_write(
        asio::buffer(this->queue_.front()),
        [self = this->shared_from_this()](error_code ec, std::size_t) { self->on_written(ec); });
  }

  std::shared_ptr<ssl::context> tls_;  // outlives ws_
  websocket::stream<Next> ws_;
  beast::flat_buffer buffer_;
};

std::shared_ptr<ssl::context> make_tls_context(bool insecure) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                   ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  if (insecure) {
    ctx->set_verify_mode(ssl::verify_none);
  } else {
    error_code ignored;
    ctx->set_default_verify_paths(ignored);
    ctx->set_verify_mode(ssl::verify_peer);
  }
  return ctx;
}

template <class T>
asio::awaitable<void> open_coro(std::shared_ptr<T> transport, ServerUrl url, bool insecure,
                                std::chrono::milliseconds timeout, OpenHandler done) {
  auto executor = co_await asio::this_coro::executor;
  auto resolver = std::make_shared<tcp::resolver>(executor);
  // One deadline for the whole opening: on expiry the socket closes and the pending step fails.
  auto timed_out = std::make_shared<bool>(false);
  asio::steady_timer timer(executor, timeout);
  timer.async_wait([weak = std::weak_ptr<T>(transport), resolver, timed_out](error_code ec) {
    if (ec) return;
    *timed_out = true;
    resolver->cancel();
    if (auto t = weak.lock()) {
      error_code ignored;
      t->lowest().close(ignored);
    }
  });
  auto result = [&](const std::string& step, error_code ec) {
    return *timed_out ? std::string("timeout connecting to ") + url.host + ":" + url.port
                      : step + " " + url.host + ":" + url.port + ": " + ec.message();
  };

  auto [resolve_ec, endpoints] = co_await resolver->async_resolve(url.host, url.port, kTuple);
  if (resolve_ec || *timed_out) {
    done(nullptr, result("resolve", resolve_ec));
    co_return;
  }
  auto [connect_ec, endpoint] =
      co_await asio::async_connect(transport->lowest(), endpoints, kTuple);
  if (connect_ec || *timed_out) {
    done(nullptr, result("connect", connect_ec));
    co_return;
  }
  error_code ignored;
  transport->lowest().set_option(tcp::no_delay(true), ignored);
  transport->lowest().set_option(asio::socket_base::keep_alive(true), ignored);

  if constexpr (requires { transport->tls_layer(); }) {
    auto& tls = transport->tls_layer();
    error_code not_ip;
    asio::ip::make_address(url.host, not_ip);
    if (not_ip) SSL_set_tlsext_host_name(tls.native_handle(), url.host.c_str());
    if (!insecure) tls.set_verify_callback(ssl::host_name_verification(url.host));
    auto [tls_ec] = co_await tls.async_handshake(ssl::stream_base::client, kTuple);
    if (tls_ec || *timed_out) {
      done(nullptr, result("TLS handshake with", tls_ec));
      co_return;
    }
  }
  if constexpr (T::kWebSocket) {
    auto& ws = transport->ws();
    ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "parley-client");
    }));
    auto [ws_ec] = co_await ws.async_handshake(url.host + ":" + url.port, url.path, kTuple);
    if (ws_ec || *timed_out) {
      done(nullptr, result("WebSocket handshake with", ws_ec));
      co_return;
    }
    ws.binary(true);
  }
  timer.cancel();
  done(transport, {});
}

template <class T, class... Args>
void spawn_open(asio::io_context& io, const ServerUrl& url, bool insecure,
                std::chrono::milliseconds timeout, OpenHandler done,
                std::shared_ptr<ssl::context> tls, Args&&... args) {
  auto transport = std::make_shared<T>(std::move(tls), std::forward<Args>(args)...);
  asio::co_spawn(io, open_coro<T>(std::move(transport), url, insecure, timeout, done),
                 [done](std::exception_ptr e) {
                   if (!e) return;
                   try {
                     std::rethrow_exception(e);
                   } catch (const std::exception& ex) {
                     done(nullptr, ex.what());
                   }
                 });
}

}  // namespace

bool parse_server_url(const std::string& url, ServerUrl& out, std::string& error) {
  const auto sep = url.find("://");
  if (sep == std::string::npos) {
    error = "server URL needs a scheme (tcp://, tls://, ws://, wss://): " + url;
    return false;
  }
  ServerUrl u;
  u.scheme = url.substr(0, sep);
  std::string rest = url.substr(sep + 3);
  std::string default_port;
  if (u.scheme == "tcp")
    default_port = "7010";
  else if (u.scheme == "tls")
    default_port = "7011";
  else if (u.scheme == "ws")
    default_port = "7080";
  else if (u.scheme == "wss")
    default_port = "7443";
  else {
    error = "unknown scheme '" + u.scheme + "' (use tcp, tls, ws or wss)";
    return false;
  }
  const auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  u.path = slash == std::string::npos ? std::string() : rest.substr(slash);
  if (u.path.empty() || u.path == "/") u.path = "/ws";
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string::npos) {
      error = "bad IPv6 address in " + url;
      return false;
    }
    u.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':')
      u.port = authority.substr(close + 2);
  } else {
    const auto colon = authority.rfind(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) u.port = authority.substr(colon + 1);
  }
  if (u.port.empty()) u.port = default_port;
  if (u.host.empty()) {
    error = "server URL has no host: " + url;
    return false;
  }
  out = std::move(u);
  return true;
}

void open_transport(asio::io_context& io, const ServerUrl& url, bool insecure_tls,
                    std::chrono::milliseconds timeout, OpenHandler done) {
  if (url.scheme == "tcp") {
    spawn_open<FramedTransport<tcp::socket>>(io, url, insecure_tls, timeout, std::move(done),
                                             nullptr, io.get_executor());
  } else if (url.scheme == "tls") {
    auto ctx = make_tls_context(insecure_tls);
    spawn_open<FramedTransport<TlsStream>>(io, url, insecure_tls, timeout, std::move(done), ctx,
                                           io.get_executor(), *ctx);
  } else if (url.scheme == "ws") {
    spawn_open<WsTransport<tcp::socket>>(io, url, insecure_tls, timeout, std::move(done), nullptr,
                                         io.get_executor());
  } else {
    auto ctx = make_tls_context(insecure_tls);
    spawn_open<WsTransport<TlsStream>>(io, url, insecure_tls, timeout, std::move(done), ctx,
                                       io.get_executor(), *ctx);
  }
}

}  // namespace parley::client
