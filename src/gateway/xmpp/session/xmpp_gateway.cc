#include "gateway/xmpp/session/xmpp_gateway.h"

#include <memory>

#include "gateway/xmpp/session/xmpp_session.h"
#include "gateway/xmpp/stream_header.h"
#include "gateway/xmpp/xml_writer.h"

namespace parley::xmpp {
namespace {

std::shared_ptr<XmppConfig> xmpp_config(const app::ServerConfig& c) {
  auto x = std::make_shared<XmppConfig>();
  x->domain = c.xmpp.domain;
  x->require_tls = c.xmpp.require_tls;
  x->login_timeout = std::chrono::milliseconds(c.connections.login_timeout_ms);
  x->idle_timeout = std::chrono::milliseconds(c.xmpp.idle_timeout_ms);
  x->max_requests_in_flight = c.connections.max_requests_in_flight;
  x->limits.max_stanza_bytes = c.limits.max_frame_bytes;
  x->server_name = c.server_name;
  return x;
}

}  // namespace

transport::SessionFactory make_xmpp_session_factory(Core& core,
                                                    std::shared_ptr<const XmppConfig> config) {
  return [&core, config = std::move(config)](transport::Connection& connection) {
    // The config outlives every session: the factory (holding it) outlives the listeners.
    return std::make_unique<XmppSession>(connection, core, *config);
  };
}

std::string xmpp_stream_refusal(std::string_view domain) {
  // RFC 6120 §4.9.1.1: the header, the error, the end.
  return stream_opening_xml(StreamOpening{.from = std::string(domain),
                                          .to = {},
                                          .id = "refused",
                                          .lang = "en",
                                          .websocket = false}) +
         to_xml(stream_error(StreamCondition::policy_violation,
                             "too many connections not logged in; try again later")) +
         stream_closing_xml(false);
}

gateway::GatewayInfo xmpp_gateway() {
  gateway::GatewayInfo info;
  info.name = "xmpp";
  info.stream = true;
  info.starttls = true;
  info.alpn = "xmpp-client";  // XEP-0368
  // RFC 7395 WebSocket ("/xmpp-websocket", subprotocol "xmpp") is routed once it has its test
  // with a real client; the session already parses and writes its framing.
  info.start = [](const gateway::GatewayContext& context) -> Result<gateway::StartedGateway> {
    auto config = xmpp_config(context.config);
    std::string refusal = xmpp_stream_refusal(config->domain);
    return gateway::StartedGateway{
        .factory = make_xmpp_session_factory(context.core, std::move(config)),
        .stream_refusal = std::move(refusal),
    };
  };
  return info;
}

}  // namespace parley::xmpp
