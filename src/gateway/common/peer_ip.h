// The peer's IP address from a transport's "ip:port", as core's rate limits want it.
#pragma once

#include <string>

namespace parley::gateway {

// "1.2.3.4:5" -> "1.2.3.4", "[::1]:5" -> "::1"; an address without a port is returned as is.
inline std::string peer_ip(const std::string& address) {
  if (!address.empty() && address.front() == '[') {
    auto close = address.find(']');
    return close == std::string::npos ? address : address.substr(1, close - 1);
  }
  auto colon = address.rfind(':');
  return colon == std::string::npos ? address : address.substr(0, colon);
}

}  // namespace parley::gateway
