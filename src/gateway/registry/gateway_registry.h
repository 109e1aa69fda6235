// The plug-in point for protocols: each gateway registers, by name, what it serves (its own byte
// stream listeners, WebSocket paths on every HTTP listener) and how it starts. The app builds its
// listeners from the config's listener table and these entries; core and transport know none.
#pragma once

#include <boost/asio/io_context.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "app/config.h"
#include "common/errors.h"
#include "transport/connection.h"

namespace parley {
class Core;
}

namespace parley::gateway {

// What a gateway gets once, at start-up, before any listener opens. Everything in it outlives
// every session the gateway makes.
struct GatewayContext {
  Core& core;
  // The io_context of the shard calling (for a session's timers).
  std::function<boost::asio::io_context&()> io_for_current_shard;
  const app::ServerConfig& config;  // shared settings: limits, heartbeat, delivery, server_name
};

// A started gateway: what its listeners and routes use.
struct StartedGateway {
  // One session per connection, on the connection's shard, whatever transport carries it
  // (the session asks Connection::framing()).
  transport::SessionFactory factory;
  // Written to a plain stream connection refused over the caps on unauthenticated connections
  // (the protocol's goodbye); empty: closed without a word.
  std::string stream_refusal;
};

// An upgrade path the gateway takes on every HTTP listener (transport::WebSocketRoute).
struct WebSocketPath {
  std::string path;         // "/ws"
  std::string subprotocol;  // empty: any or none; else required and echoed in the 101
};

struct GatewayInfo {
  std::string name;       // a listener's `protocol`; "http" is reserved
  bool stream = true;     // may have stream listeners of its own (tls none or direct)
  bool starttls = false;  // also tls = "starttls": its sessions call Connection::start_tls
  std::vector<WebSocketPath> websocket;
  // The ALPN name (RFC 7301) its TLS listeners select when a client offers it; "" none.
  std::string alpn;
  // Called once at start-up; an error stops the server before it accepts anything.
  std::function<Result<StartedGateway>(const GatewayContext&)> start;
};

// Thread contract: filled and read at start-up only, on one thread.
class GatewayRegistry {
 public:
  // Fails (invalid_argument) on an empty, reserved or taken name, a missing start function, or a
  // WebSocket path and subprotocol another gateway already serves.
  Result<void> add(GatewayInfo gateway);
  const GatewayInfo* find(std::string_view name) const;
  const std::vector<GatewayInfo>& all() const { return gateways_; }
  // "native, http, ..." for error messages.
  std::string names() const;

 private:
  std::vector<GatewayInfo> gateways_;
};

// The name of the HTTP listener protocol (health check, web client, WebSocket paths).
inline constexpr std::string_view kHttpProtocol = "http";

}  // namespace parley::gateway
