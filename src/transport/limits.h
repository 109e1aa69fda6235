// Bounds every transport enforces, whatever protocol runs on top.
#pragma once

#include <chrono>
#include <cstddef>

namespace parley::transport {

struct TransportLimits {
  // Soft mark of one connection's outbound queue: above it the transport stops reading from the
  // peer, and a queue that stays above it for slow_consumer_grace closes the connection (slow
  // consumer). One answer larger than the mark still goes out to a reader that reads.
  std::size_t max_outbound_bytes = 1024 * 1024;
  // The queue never grows past this once above the soft mark: memory is bounded outright.
  std::size_t max_outbound_hard_bytes = 8 * 1024 * 1024;
  std::chrono::milliseconds slow_consumer_grace{10'000};
  // Largest WebSocket message accepted (the native frame limit).
  std::size_t max_message_bytes = 256 * 1024;
  // A frame (or WebSocket message) begun must be complete within this, in every phase: bytes
  // dribbled into a large frame must not hold the connection and its buffer for long.
  std::chrono::milliseconds partial_frame_timeout{30'000};
  // Connections not yet authenticated (TLS and HTTP handshakes included), from one address and
  // in all. Over either cap a new connection is closed at once.
  std::size_t max_unauthenticated = 4'096;
  std::size_t max_unauthenticated_per_address = 64;
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
