// A listening socket of one kind. Accepts on its own io_context and hands each new socket to the
// next shard, where the connection lives from then on (DESIGN §3).
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
#include "transport/limits.h"
#include "transport/stream_connection.h"

namespace parley::transport {

enum class ListenerKind : std::uint8_t { native_tcp, native_tls, http, https };

// "host:port", "[v6]:port"; host may be an address or "localhost". Port 0 picks a free port.
Result<boost::asio::ip::tcp::endpoint> parse_endpoint(const std::string& text);

class Listener {
 public:
  // `tls` is required for native_tls and https; it, the factory, the registry and `site` (files
  // served at / by http and https; may be null) must outlive the listener and its connections.
  Listener(ListenerKind kind, runtime::ShardPool& pool, ConnectionRegistry& registry,
           const TransportLimits& limits, SessionFactory factory, boost::asio::ssl::context* tls,
           const StaticSite* site = nullptr);
  ~Listener();

  // Bytes written to a connection refused for being over a cap on unauthenticated connections,
  // just before it is closed: the protocol's goodbye on a native stream listener. HTTP listeners
  // answer 503 themselves; TLS listeners close without a word (a handshake is not cheap). Call
  // before start().
  void set_refusal(std::string bytes) { refusal_ = std::move(bytes); }
  // Binds and listens on `io` (any io_context; accepting is cheap). Returns the bound port.
  Result<std::uint16_t> open(boost::asio::io_context& io, const std::string& endpoint);
  void start();
  // Thread contract: call on the accept io_context's thread, or after it stopped.
  void stop();
  ListenerKind kind() const { return kind_; }

 private:
  void accept();
  void on_accept_error(const boost::system::error_code& ec);
  void refuse(boost::asio::ip::tcp::socket& socket);
  void hand_over(boost::asio::ip::tcp::socket socket, ShardId shard, UnauthenticatedSlot slot);

  ListenerKind kind_;
  runtime::ShardPool& pool_;
  ConnectionRegistry& registry_;
  const TransportLimits& limits_;
  SessionFactory factory_;
  boost::asio::ssl::context* tls_;
  std::string refusal_;
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
