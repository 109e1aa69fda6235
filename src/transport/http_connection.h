// HTTP and WebSocket on one port: GET /healthz answers 200, GET /ws upgrades to a WebSocket that
// carries the native protocol (binary = protobuf, text = JSON), anything else gets 404.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include "transport/stream_connection.h"

namespace parley::transport {

inline constexpr std::string_view kWebSocketPath = "/ws";
inline constexpr std::string_view kHealthPath = "/healthz";

// Thread contract: call on the socket's shard thread. `tls` null: plain HTTP. `slot`: the
// connection's place among the unauthenticated ones; an upgraded WebSocket keeps it.
void start_http_connection(boost::asio::ip::tcp::socket socket, const ShardContext& shard,
                           boost::asio::ssl::context* tls, const SessionFactory& websocket_factory,
                           UnauthenticatedSlot slot);

}  // namespace parley::transport
