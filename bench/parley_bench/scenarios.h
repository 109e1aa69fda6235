// The load scenarios of parley-bench. Each prints a table, or one JSON object with --json.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "parley_bench/stats.h"

namespace parley::bench {

struct Target {
  std::string host = "127.0.0.1";
  std::uint16_t port = 7010;
  unsigned threads = 2;
  bool json = false;
  int server_pid = 0;  // when set: the server's CPU time and RSS are measured
};

struct DirectOptions {
  int pairs = 50;
  double rate = 5'000;  // messages per second offered, all pairs together
  double seconds = 5;
  double drain_seconds = 5;  // after the last send, how long to wait for acks and deliveries
};

struct DirectResult {
  std::string scenario = "direct";  // or mqtt-direct
  DirectOptions options;
  std::int64_t sent = 0, acked = 0, delivered = 0, lost = 0, duplicates = 0, redelivered = 0,
               out_of_order = 0, errors = 0;
  double acked_per_s = 0, delivered_per_s = 0;
  Percentiles send_to_ack, send_to_deliver;
  CpuUse cpu;
  bool registration_failed = false;
  bool clean() const {
    return !registration_failed && lost == 0 && duplicates == 0 && out_of_order == 0 && errors == 0;
  }
  std::string json() const;
  void print() const;
};

struct ConnectionsOptions {
  int count = 1'000;
  double hold_seconds = 5;
  int source_addresses = 8;    // 127.0.0.1 .. 127.0.0.N
  std::uint16_t tls_port = 0;  // nonzero: the connections use TLS to this port of the same host
  int tls_window = 256;        // TLS connections being opened at once
  bool tls_resume = false;     // offer the first connection's TLS session ticket on all others
  bool wss = false;            // tls_port is an HTTPS port: the native protocol over WSS on /ws
};

struct GroupOptions {
  int members = 1'000;  // the group's size, the creator included
  int online = 1'000;   // members connected during the run (the creator and senders among them)
  int senders = 1;
  double rate = 50;  // messages per second sent to the group, all senders together
  double seconds = 5;
  double drain_seconds = 10;
};

struct SyncOptions {
  int clients = 1'000;
  int missed = 100;  // messages each client missed while offline
  int senders = 20;  // connections that send the missed messages during setup
  double deadline_seconds = 120;
};

struct RampOptions {
  int pairs = 100;
  double from = 10'000;
  double step = 10'000;
  double factor = 0;  // above 1: each step multiplies the rate by this instead of adding `step`
  double max = 200'000;
  double seconds = 10;
  double bound_ms = 50;  // p99 send->deliver must stay under this, with zero loss
};

// Exit status: 0 when nothing was lost, duplicated or reordered; 1 otherwise; 2 on setup failure.
int run_direct(const Target& target, const DirectOptions& options);
DirectResult measure_direct(const Target& target, const DirectOptions& options);
// The direct scenario over MQTT 3.1.1 QoS 1 to a broker (bench/mosquitto-side-by-side).
int run_mqtt_direct(const Target& target, const DirectOptions& options);
DirectResult measure_mqtt_direct(const Target& target, const DirectOptions& options);
int run_connections(const Target& target, const ConnectionsOptions& options);
int run_group(const Target& target, const GroupOptions& options);
int run_sync(const Target& target, const SyncOptions& options);
int run_ramp(const Target& target, const RampOptions& options);

// A short random tag so repeated runs against one server register fresh users.
std::string run_tag();

}  // namespace parley::bench
