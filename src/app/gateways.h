// The protocols parleyd speaks: the gateway registry the server starts with.
#pragma once

#include "gateway/registry/gateway_registry.h"

namespace parley::app {

// Every built-in gateway, registered (docs/architecture.md, "How to add a gateway").
gateway::GatewayRegistry builtin_gateways();

}  // namespace parley::app
