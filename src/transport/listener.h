// A listening socket of one kind. Accepts on its own io_context and hands each new socket to the
// next shard, where the connection lives from then on (DESIGN §3).
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
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

  // Binds and listens on `io` (any io_context; accepting is cheap). Returns the bound port.
  Result<std::uint16_t> open(boost::asio::io_context& io, const std::string& endpoint);
  void start();
  // Thread contract: call on the accept io_context's thread, or after it stopped.
  void stop();
  ListenerKind kind() const { return kind_; }

 private:
  void accept();
  void hand_over(boost::asio::ip::tcp::socket socket, ShardId shard);

  ListenerKind kind_;
  runtime::ShardPool& pool_;
  ConnectionRegistry& registry_;
  const TransportLimits& limits_;
  SessionFactory factory_;
  boost::asio::ssl::context* tls_;
  std::unique_ptr<boost::asio::ip::tcp::acceptor> acceptor_;
  std::vector<std::unique_ptr<ShardContext>> shard_contexts_;
  ShardId target_ = 0;
};

}  // namespace parley::transport
