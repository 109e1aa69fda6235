// A test-only gateway, "line_echo": what a new protocol adds, and nothing else. Lines in, lines
// out ("<server_name>: <line>"); "STARTTLS" answers "PROCEED" and upgrades in place; over
// WebSocket (path /echo, subprotocol "echo") each message is echoed the same way.
#pragma once

#include "gateway/registry/gateway_registry.h"

namespace parley::testing {

gateway::GatewayInfo line_echo_gateway();

}  // namespace parley::testing
