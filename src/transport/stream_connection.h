// Native-protocol connections over a byte stream: plain TCP or TLS.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "transport/connection.h"
#include "transport/connection_registry.h"
#include "transport/limits.h"

namespace parley::transport {

class StaticSite;

struct ShardContext {
  boost::asio::io_context& io;
  ShardId shard;
  ConnectionRegistry& registry;
  const TransportLimits& limits;
  const StaticSite* site = nullptr;  // HTTP(S): the web client's files; null = none served
};

// Thread contract: call on the socket's shard thread (the socket belongs to that io_context).
void start_tcp_connection(boost::asio::ip::tcp::socket socket, const ShardContext& shard,
                          const SessionFactory& factory);
// Performs the TLS handshake (bounded by limits.handshake_timeout), then starts the session.
void start_tls_connection(boost::asio::ip::tcp::socket socket, const ShardContext& shard,
                          boost::asio::ssl::context& tls, const SessionFactory& factory);

}  // namespace parley::transport
