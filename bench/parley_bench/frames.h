// Client frames every scenario sends, built one way.
#pragma once

#include <cstdint>
#include <string>

#include "parley_proto/parley.pb.h"

namespace parley::bench {

inline v1::ClientFrame hello_frame(std::uint32_t heartbeat_ms) {
  v1::ClientFrame f;
  f.set_id(1);
  f.mutable_hello()->set_min_version(1);
  f.mutable_hello()->set_max_version(1);
  f.mutable_hello()->set_client_name("parley-bench");
  f.mutable_hello()->set_heartbeat_interval_ms(heartbeat_ms);
  return f;
}

inline v1::ClientFrame register_frame(const std::string& name) {
  v1::ClientFrame f;
  f.set_id(2);
  f.mutable_register_account()->set_username(name);
  f.mutable_register_account()->set_password("bench-password-" + name);
  return f;
}

inline v1::ClientFrame resume_frame(const std::string& token) {
  v1::ClientFrame f;
  f.set_id(2);
  f.mutable_resume()->set_token(token);
  return f;
}

// Short runs need no pings: the longest interval the server allows.
constexpr std::uint32_t kQuietHeartbeatMs = 300'000;

}  // namespace parley::bench
