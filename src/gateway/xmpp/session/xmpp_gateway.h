// The XMPP gateway's entry in the gateway registry: c2s streams (plain with STARTTLS, or direct
// TLS, XEP-0368).
#pragma once

#include "gateway/registry/gateway_registry.h"

namespace parley::xmpp {

gateway::GatewayInfo xmpp_gateway();

}  // namespace parley::xmpp
