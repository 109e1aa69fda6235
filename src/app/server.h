// One parleyd: the shard pool, the store, core, the registered gateways and the listener table,
// started and stopped in the right order. main() only parses flags, handles signals and calls this.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/config.h"
#include "common/errors.h"
#include "gateway/registry/gateway_registry.h"

namespace parley::app {

// Each listener's bound port by its name: the four [listen] shorthands always (0: disabled),
// then every [[listener]] entry, in table order.
struct BoundPorts {
  std::vector<std::pair<std::string, std::uint16_t>> by_name;
  std::uint16_t port(std::string_view name) const;  // 0 when absent or disabled
  // {"native_tcp":7010,...}: the --ready-fd line, without its newline.
  std::string json() const;
};

class Server {
 public:
  // Opens the data dir and the store (applying migrations), binds every listener and starts
  // the threads. Any failure is returned before a single connection is accepted.
  static Result<std::unique_ptr<Server>> start(const ServerConfig& config);
  // With the given gateways instead of the built-in ones (tests add their own).
  static Result<std::unique_ptr<Server>> start(const ServerConfig& config,
                                               gateway::GatewayRegistry gateways);
  ~Server();

  const BoundPorts& ports() const;
  // Graceful: stop accepting, close every connection (bounded wait), let queued store work
  // finish, close the store. Idempotent; also run by the destructor.
  void stop();

 private:
  struct Parts;
  explicit Server(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace parley::app
