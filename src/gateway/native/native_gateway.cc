#include "gateway/native/native_gateway.h"

#include <memory>

#include "gateway/native/native_session.h"

namespace parley::native {
namespace {

std::shared_ptr<NativeConfig> native_config(const app::ServerConfig& c) {
  auto n = std::make_shared<NativeConfig>();
  n->max_frame_bytes = c.limits.max_frame_bytes;
  n->heartbeat_default = std::chrono::milliseconds(c.heartbeat.interval_ms);
  n->heartbeat_min = std::chrono::milliseconds(c.heartbeat.min_interval_ms);
  n->heartbeat_max = std::chrono::milliseconds(c.heartbeat.max_interval_ms);
  n->hello_timeout = std::chrono::milliseconds(c.connections.hello_timeout_ms);
  n->login_timeout = std::chrono::milliseconds(c.connections.login_timeout_ms);
  n->resend_timeout = std::chrono::milliseconds(c.delivery.resend_timeout_ms);
  n->max_resends = static_cast<int>(c.delivery.max_resends);
  n->max_unacked = c.delivery.max_unacked;
  n->max_unacked_bytes = c.delivery.max_unacked_bytes;
  n->max_requests_in_flight = c.connections.max_requests_in_flight;
  n->server_name = c.server_name;
  return n;
}

}  // namespace

gateway::GatewayInfo native_gateway() {
  gateway::GatewayInfo info;
  info.name = "native";
  info.stream = true;
  info.alpn = "parley/1";  // not registered with IANA: the native protocol's own name
  // Any subprotocol offer or none: the web client and SDKs never sent one (docs/protocol.md).
  info.websocket = {{.path = "/ws", .subprotocol = ""}};
  info.start = [](const gateway::GatewayContext& context) -> Result<gateway::StartedGateway> {
    return gateway::StartedGateway{
        .factory = make_native_session_factory(context.core, context.io_for_current_shard,
                                               native_config(context.config)),
        .stream_refusal = stream_goodbye(Errc::rate_limited,
                                         "too many connections not logged in; try again later"),
    };
  };
  return info;
}

}  // namespace parley::native
