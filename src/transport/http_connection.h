// HTTP and WebSocket on one port: GET /healthz answers 200, a WebSocket upgrade goes to the
// session of the route its path and Sec-WebSocket-Protocol select, anything else is a static
// file (when a site is served) or 404.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "transport/stream_connection.h"

namespace parley::transport {

inline constexpr std::string_view kHealthPath = "/healthz";

// Where a WebSocket upgrade goes. Several routes may share a path (one per subprotocol).
struct WebSocketRoute {
  std::string path;  // the exact request target ("/ws"; with a query string it is another)
  // Empty: any offered subprotocols, or none, are accepted and none is selected (the 101 has no
  // Sec-WebSocket-Protocol). Otherwise the client must offer it and the 101 names it (RFC 6455
  // §4.2.2), as RFC 7395 ("xmpp") and MQTT ("mqtt") require.
  std::string subprotocol;
  SessionFactory factory;
};

// The route an upgrade request takes, or the status that refuses it: 404 when no route has the
// path, 400 when every route of the path requires a subprotocol the client did not offer.
// `offered`: the values of every Sec-WebSocket-Protocol header, each a comma-separated list.
struct RouteChoice {
  const WebSocketRoute* route = nullptr;
  unsigned status = 0;  // when route is null
};
RouteChoice choose_websocket_route(const std::vector<WebSocketRoute>& routes,
                                   std::string_view target,
                                   const std::vector<std::string_view>& offered);

// Thread contract: call on the socket's shard thread. `tls` null: plain HTTP. `routes` must
// outlive the connection (the listener keeps them). `slot`: the connection's place among the
// unauthenticated ones; an upgraded WebSocket keeps it.
void start_http_connection(boost::asio::ip::tcp::socket socket, const ShardContext& shard,
                           boost::asio::ssl::context* tls,
                           const std::vector<WebSocketRoute>& routes, UnauthenticatedSlot slot);

}  // namespace parley::transport
