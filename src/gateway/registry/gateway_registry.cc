#include "gateway/registry/gateway_registry.h"

namespace parley::gateway {

Result<void> GatewayRegistry::add(GatewayInfo gateway) {
  if (gateway.name.empty()) return fail(Errc::invalid_argument, "a gateway needs a name");
  if (gateway.name == kHttpProtocol || find(gateway.name)) {
    return fail(Errc::invalid_argument, "gateway name \"" + gateway.name + "\" is taken");
  }
  if (!gateway.start) {
    return fail(Errc::invalid_argument, "gateway " + gateway.name + " has no start function");
  }
  for (const WebSocketPath& mine : gateway.websocket) {
    for (const GatewayInfo& other : gateways_) {
      for (const WebSocketPath& theirs : other.websocket) {
        if (mine.path == theirs.path && mine.subprotocol == theirs.subprotocol) {
          return fail(Errc::invalid_argument, "gateway " + gateway.name + ": WebSocket path " +
                                                  mine.path + " is served by " + other.name);
        }
      }
    }
  }
  gateways_.push_back(std::move(gateway));
  return {};
}

const GatewayInfo* GatewayRegistry::find(std::string_view name) const {
  for (const GatewayInfo& g : gateways_) {
    if (g.name == name) return &g;
  }
  return nullptr;
}

std::string GatewayRegistry::names() const {
  std::string out;
  for (const GatewayInfo& g : gateways_) out += g.name + ", ";
  return out + std::string(kHttpProtocol);
}

}  // namespace parley::gateway
