// A listening socket described by a ListenerSpec (a byte stream for one protocol, or HTTP with
// WebSocket routes), with or without TLS. Accepts on its own io_context and hands each new socket
// to the next shard, where the connection lives from then on (DESIGN §3). Knows no protocol: the
// app builds specs from the gateways it registered.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/errors.h"
#include "runtime/shard_pool.h"
#include "transport/connection.h"
#include "transport/connection_registry.h"
#include "transport/http_connection.h"
#include "transport/limits.h"
#include "transport/stream_connection.h"

namespace parley::transport {

// What a listener carries: one protocol's byte stream, or HTTP (health check, static files and
// WebSocket upgrades routed to protocol sessions).
enum class ListenerWire : std::uint8_t { stream, http };

// When TLS begins: never; when the session asks (Connection::start_tls, stream listeners only);
// or right after accept.
enum class TlsMode : std::uint8_t { none, starttls, direct };

struct ListenerSpec {
  ListenerWire wire = ListenerWire::stream;
  TlsMode tls = TlsMode::none;
  SessionFactory factory;              // stream: the session of every connection
  std::vector<WebSocketRoute> routes;  // http: where each upgrade goes (http_connection.h)
  // Stream, without direct TLS: bytes written to a connection refused for being over a cap on
  // unauthenticated connections, just before it is closed (the protocol's goodbye). HTTP
  // listeners answer 503 themselves; direct TLS closes without a word (a handshake is not cheap).
  std::string refusal;
  const StaticSite* site = nullptr;  // http: files served at /; may be null
};

// "host:port", "[v6]:port"; host may be an address or "localhost". Port 0 picks a free port.
Result<boost::asio::ip::tcp::endpoint> parse_endpoint(const std::string& text);

class Listener {
 public:
  // `tls` is required unless spec.tls is none; it, the registry and spec.site must outlive the
  // listener and its connections (the listener keeps the spec's factories for its connections).
  Listener(ListenerSpec spec, runtime::ShardPool& pool, ConnectionRegistry& registry,
           const TransportLimits& limits, boost::asio::ssl::context* tls);
  ~Listener();

  // Binds and listens on `io` (any io_context; accepting is cheap). Returns the bound port.
  Result<std::uint16_t> open(boost::asio::io_context& io, const std::string& endpoint);
  void start();
  // Thread contract: call on the accept io_context's thread, or after it stopped.
  void stop();
  const ListenerSpec& spec() const { return spec_; }

 private:
  void accept();
  void on_accept_error(const boost::system::error_code& ec);
  void refuse(boost::asio::ip::tcp::socket& socket);
  void hand_over(boost::asio::ip::tcp::socket socket, ShardId shard, UnauthenticatedSlot slot);

  ListenerSpec spec_;
  runtime::ShardPool& pool_;
  ConnectionRegistry& registry_;
  const TransportLimits& limits_;
  boost::asio::ssl::context* tls_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::unique_ptr<ShardContext>> shard_contexts_;
  ShardId target_ = 0;
  // Accept failures for want of descriptors or memory: the next attempt waits, longer each time
  // (up to a second), and they are logged once per second at most, with a count.
  std::unique_ptr<boost::asio::steady_timer> retry_timer_;
  std::chrono::milliseconds backoff_{0};
  std::chrono::steady_clock::time_point last_error_log_{};
  std::size_t unlogged_errors_ = 0;
  std::size_t unlogged_refusals_ = 0;
  std::chrono::steady_clock::time_point last_refusal_log_{};
};

}  // namespace parley::transport
