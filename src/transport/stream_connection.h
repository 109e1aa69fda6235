// Connections over a byte stream: plain TCP, TLS from the start, or plain upgraded to TLS in place
// when the session asks (STARTTLS).
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
  // Plain streams: the context Connection::start_tls uses; null = STARTTLS not offered.
  boost::asio::ssl::context* starttls = nullptr;
};

// Thread contract: call on the socket's shard thread (the socket belongs to that io_context).
// `slot`: the connection's place among the unauthenticated ones, taken at accept.
void start_tcp_connection(boost::asio::ip::tcp::socket socket, const ShardContext& shard,
                          const SessionFactory& factory, UnauthenticatedSlot slot);
// Performs the TLS handshake (bounded by limits.handshake_timeout), then starts the session.
void start_tls_connection(boost::asio::ip::tcp::socket socket, const ShardContext& shard,
                          boost::asio::ssl::context& tls, const SessionFactory& factory,
                          UnauthenticatedSlot slot);

// The peer's "ip:port" ("unknown" when the socket has none).
std::string peer_of(const boost::asio::ip::tcp::socket& socket);
// Makes close() discard unsent data and send a reset: for a peer that is being cut off.
void set_reset_on_close(boost::asio::ip::tcp::socket& socket);

}  // namespace parley::transport
