// The native protocol's entry in the gateway registry: streams (TCP, TLS) and WebSocket "/ws".
#pragma once

#include "gateway/registry/gateway_registry.h"

namespace parley::native {

gateway::GatewayInfo native_gateway();

}  // namespace parley::native
