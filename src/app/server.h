// One parleyd: the shard pool, the store, core, the native gateway and every listener, started
// and stopped in the right order. main() only parses flags, handles signals and calls this.
#pragma once

#include <cstdint>
#include <memory>

#include "app/config.h"
#include "common/errors.h"

namespace parley::app {

struct BoundPorts {
  std::uint16_t native_tcp = 0;  // 0: listener disabled
  std::uint16_t native_tls = 0;
  std::uint16_t http = 0;
  std::uint16_t https = 0;
};

class Server {
 public:
  // Opens the data dir and the store (applying migrations), binds every listener and starts
  // the threads. Any failure is returned before a single connection is accepted.
  static Result<std::unique_ptr<Server>> start(const ServerConfig& config);
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
