// The load scenarios of parley-bench. Each prints a table, or one JSON object with --json.
#pragma once

#include <cstdint>
#include <string>

namespace parley::bench {

struct Target {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7010;
  unsigned threads = 2;
  bool json = false;
};

struct DirectOptions {
  int pairs = 50;
  double rate = 5'000;   // messages per second offered, all pairs together
  double seconds = 5;
  double drain_seconds = 5;  // after the last send, how long to wait for acks and deliveries
};

struct ConnectionsOptions {
  int count = 1'000;
  int server_pid = 0;     // 0: RSS not measured
  double hold_seconds = 5;
  int source_addresses = 8;  // 127.0.0.1 .. 127.0.0.N
};

// Exit status: 0 when nothing was lost, duplicated or reordered; 1 otherwise.
int run_direct(const Target& target, const DirectOptions& options);
int run_connections(const Target& target, const ConnectionsOptions& options);

// A short random tag so repeated runs against one server register fresh users.
std::string run_tag();

}  // namespace parley::bench
