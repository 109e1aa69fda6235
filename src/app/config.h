// parleyd's configuration: defaults, the TOML file, then command-line overrides.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.h"

namespace parley::app {

// When a listener begins TLS: never, when the protocol asks (STARTTLS), or at accept.
enum class ListenerTls : std::uint8_t { none, starttls, direct };

// One row of the listener table: a protocol (a registered gateway's name, or "http": health
// check, web client and every gateway's WebSocket paths) on an endpoint. Whether the protocol
// exists is checked when the server starts (the gateway registry knows).
struct ListenerConfig {
  std::string name;      // its key in the --ready-fd ports object; unique
  std::string protocol;  // "native", "http", ...
  std::string address;   // "host:port"; port 0 picks a free port
  ListenerTls tls = ListenerTls::none;
};

struct ServerConfig {
  std::string data_dir = "./parley-data";
  unsigned shards = 0;  // 0 = one per core
  std::string server_name = "parleyd";
  bool open_registration = true;
  bool durability_fsync = true;  // durability = "fsync" | "os"
  std::string log_level = "info";
  int ready_fd = -1;  // --ready-fd: write the bound ports as one JSON line when ready

  struct Listen {
    // "host:port"; port 0 picks a free port; an empty string disables the listener. Shorthands
    // for the first six rows of the listener table (listener_table below).
    std::string native_tcp = "127.0.0.1:7010";
    std::string native_tls = "127.0.0.1:7011";
    std::string http = "127.0.0.1:7080";
    std::string https = "127.0.0.1:7443";
    std::string xmpp = "127.0.0.1:5222";      // XMPP c2s, STARTTLS (RFC 6120)
    std::string xmpp_tls = "127.0.0.1:5223";  // XMPP c2s, TLS from the first byte (XEP-0368)
  } listen;

  // [[listener]] entries: one row of the listener table each, after the [listen] shorthands.
  std::vector<ListenerConfig> listeners;

  struct Store {
    std::string backend = "sqlite";  // a name store::open_store knows; checked at start
    std::uint32_t max_size_mb = 0;   // 0: no cap; past it writes answer UNAVAILABLE (storage full)
  } store;

  struct Tls {
    std::string cert_file;  // empty: a self-signed certificate in data_dir, made on first start
    std::string key_file;
  } tls;

  struct Xmpp {
    std::string domain = "localhost";         // the JID domain: users are username@domain
    bool require_tls = true;                  // no SASL on a stream that is not encrypted
    std::uint32_t idle_timeout_ms = 300'000;  // nothing received (whitespace pings count)
  } xmpp;

  struct Web {
    bool enabled = true;  // serve the web client at / on the HTTP(S) listeners
    // The built web client (web/dist); empty: found next to the working directory or above the
    // parleyd binary (transport::find_default_web_root).
    std::string root;
  } web;

  struct Limits {
    std::uint32_t max_frame_bytes = 256 * 1024;
    std::uint32_t max_message_bytes = 64 * 1024;
    // Outbound queue per connection: above the soft mark reading stops, and a connection that
    // stays above it for slow_consumer_grace_ms is cut; the hard cap is never exceeded.
    std::uint32_t max_outbound_bytes = 1024 * 1024;
    std::uint32_t max_outbound_hard_bytes = 8 * 1024 * 1024;
    std::uint32_t slow_consumer_grace_ms = 10'000;
    std::uint32_t max_group_members = 10'000;
  } limits;

  struct Connections {
    std::uint32_t hello_timeout_ms = 10'000;          // from the start, to send hello
    std::uint32_t login_timeout_ms = 30'000;          // from the start, to be logged in
    std::uint32_t partial_frame_timeout_ms = 30'000;  // for a frame begun to be completed
    std::uint32_t max_unauthenticated = 4'096;        // connections not logged in, in all
    std::uint32_t max_unauthenticated_per_address = 64;
    std::uint32_t max_requests_in_flight = 128;  // per session; more are read as answers go out
  } connections;

  struct Chat {
    std::uint32_t presence_coalesce_ms = 500;
    std::uint32_t typing_interval_ms = 1'000;
  } chat;

  struct Heartbeat {
    std::uint32_t interval_ms = 30'000;
    std::uint32_t min_interval_ms = 1'000;
    std::uint32_t max_interval_ms = 300'000;
  } heartbeat;

  struct Delivery {
    std::uint32_t resend_timeout_ms = 10'000;
    std::uint32_t max_resends = 3;
    std::uint32_t max_unacked = 8'192;
    std::uint32_t max_unacked_bytes = 16 * 1024 * 1024;
  } delivery;

  struct Security {
    std::uint32_t token_ttl_seconds = 30 * 24 * 3600;
    std::uint32_t argon2_ops = 2;           // libsodium OPSLIMIT_INTERACTIVE
    std::uint32_t argon2_mem_kib = 65'536;  // libsodium MEMLIMIT_INTERACTIVE (64 MiB)
    std::uint32_t login_failures_per_account = 5;
    std::uint32_t login_failures_per_address = 20;
    std::uint32_t login_failure_window_s = 60;
    std::uint32_t registrations_per_address = 10;  // within registration_window_s
    std::uint32_t registration_window_s = 3600;
    std::uint32_t hashing_threads = 1;     // argon2id runs on these, never on store readers
    std::uint32_t max_hashing_queue = 64;  // hashes waiting or running; more get UNAVAILABLE
  } security;
};

// Every listener to open: the enabled [listen] shorthands (native_tcp: native, no TLS;
// native_tls: native, direct TLS; http: http; https: http, direct TLS), then config.listeners.
std::vector<ListenerConfig> listener_table(const ServerConfig& config);

// "none" | "starttls" | "direct".
std::string_view tls_mode_name(ListenerTls tls);

// Parses argv (--config FILE and overrides); start-up only, so failures are plain messages.
// Returns an Error with code invalid_argument for bad input. --help is no error: it prints the
// help and returns std::nullopt (nothing to run; parleyd exits 0).
Result<std::optional<ServerConfig>> load_config(int argc, char** argv);

// Reads one TOML document into `config` (exposed for tests).
Result<void> apply_toml(std::string_view toml_text, ServerConfig& config);

}  // namespace parley::app
