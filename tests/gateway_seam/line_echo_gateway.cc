#include "tests/gateway_seam/line_echo_gateway.h"

#include <memory>
#include <string>

namespace parley::testing {
namespace {

using transport::Connection;

class LineEchoSession final : public transport::ProtocolSession {
 public:
  LineEchoSession(Connection& c, std::string name) : c_(c), name_(std::move(name)) {}

  void on_bytes(std::string_view bytes) override {
    held_ += bytes;
    if (held_.size() > 4096) return c_.close(transport::CloseReason::policy);  // bounded
    for (auto end = held_.find('\n'); end != std::string::npos; end = held_.find('\n')) {
      const std::string line = held_.substr(0, end);
      held_.erase(0, end + 1);
      if (line != "STARTTLS") {
        send(name_ + ": " + line + "\n", transport::MessageType::binary);
        continue;
      }
      if (!held_.empty()) {  // RFC 6120 §5.4.3.3: nothing may follow the request
        send("ERROR extra bytes\n", transport::MessageType::binary);
        return c_.close(transport::CloseReason::policy);
      }
      send("PROCEED\n", transport::MessageType::binary);
      if (auto started = c_.start_tls(); !started) {
        send("ERROR " + started.error().message + "\n", transport::MessageType::binary);
      }
      return;
    }
  }
  void on_message(std::string_view payload, transport::MessageType type) override {
    send(name_ + ": " + std::string(payload), type);
  }
  void on_timeout(transport::Timeout) override {}
  void on_shutdown() override { c_.close(transport::CloseReason::going_away); }
  void on_closed() override {}

 private:
  void send(std::string text, transport::MessageType type) {
    auto owner = std::make_shared<std::string>(std::move(text));
    c_.send(transport::Outbound{owner, *owner, type, {}});
  }
  Connection& c_;
  std::string name_;
  std::string held_;
};

}  // namespace

gateway::GatewayInfo line_echo_gateway() {
  gateway::GatewayInfo info;
  info.name = "line_echo";
  info.stream = true;
  info.starttls = true;
  info.websocket = {{.path = "/echo", .subprotocol = "echo"}};
  info.start = [](const gateway::GatewayContext& context) -> Result<gateway::StartedGateway> {
    return gateway::StartedGateway{
        .factory = [name = context.config.server_name](
                       Connection& c) { return std::make_unique<LineEchoSession>(c, name); },
        .stream_refusal = "busy\n",
    };
  };
  return info;
}

}  // namespace parley::testing
