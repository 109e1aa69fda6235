// Bounds every transport enforces, whatever protocol runs on top.
#pragma once

#include <chrono>
#include <cstddef>

namespace parley::transport {

struct TransportLimits {
  // Bytes queued for one connection before it is closed as a slow consumer.
  std::size_t max_outbound_bytes = 1024 * 1024;
  // Largest WebSocket message accepted (the native frame limit).
  std::size_t max_message_bytes = 256 * 1024;
  // Largest HTTP request head accepted before the upgrade.
  std::size_t max_http_header_bytes = 8 * 1024;
  // TLS and HTTP handshakes that take longer are dropped (slowloris).
  std::chrono::milliseconds handshake_timeout{10'000};
  // After close(): how long queued bytes may take to drain before the socket is cut.
  std::chrono::milliseconds close_grace{2'000};
  // Frames gathered into one write syscall at most.
  std::size_t max_gather_frames = 64;
};

}  // namespace parley::transport
