#include "app/server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <future>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "app/gateways.h"
#include "bus/local/local_bus.h"
#include "core/core.h"
#include "runtime/shard_pool.h"
#include "store/factory/open_store.h"
#include "transport/connection_registry.h"
#include "transport/listener.h"
#include "transport/static_files.h"
#include "transport/tls_context.h"

namespace parley::app {
namespace {

// Where appends spent their time inside the store, once at shutdown: the latency decomposition
// (docs/benchmarks.md) that bench/ab-direct reads from this line.
std::string summary_json(const LatencySummary& s) {
  return fmt::format(R"({{"count":{},"p50_us":{},"p99_us":{},"p999_us":{},"max_us":{}}})", s.count,
                     s.p50_us, s.p99_us, s.p999_us, s.max_us);
}

void log_store_stats(const StoreStats& stats) {
  spdlog::info(
      R"(store stats {{"batches":{},"appends":{},"largest_batch":{},"queued":{},"statements":{},"commit":{}}})",
      stats.batches, stats.appends, stats.largest_batch, summary_json(stats.queued),
      summary_json(stats.statements), summary_json(stats.commit));
}

using namespace std::chrono_literals;

CoreConfig core_config(const ServerConfig& c) {
  CoreConfig core;
  core.open_registration = c.open_registration;
  core.max_message_bytes = c.limits.max_message_bytes;
  core.token_ttl_ms = static_cast<TimeMs>(c.security.token_ttl_seconds) * 1000;
  core.password_hash.ops_limit = c.security.argon2_ops;
  core.password_hash.mem_limit_bytes = static_cast<std::size_t>(c.security.argon2_mem_kib) * 1024;
  core.login_limits.max_failures_per_account =
      static_cast<int>(c.security.login_failures_per_account);
  core.login_limits.max_failures_per_address =
      static_cast<int>(c.security.login_failures_per_address);
  core.login_limits.window_ms = static_cast<TimeMs>(c.security.login_failure_window_s) * 1000;
  core.login_limits.registrations_per_address = c.security.registrations_per_address;
  core.login_limits.registration_window_ms =
      static_cast<TimeMs>(c.security.registration_window_s) * 1000;
  core.login_limits.max_hashing_queue = c.security.max_hashing_queue;
  core.chat.max_group_members = c.limits.max_group_members;
  core.chat.presence_coalesce_ms = c.chat.presence_coalesce_ms;
  core.chat.typing_interval_ms = c.chat.typing_interval_ms;
  return core;
}

transport::TransportLimits transport_limits(const ServerConfig& c) {
  transport::TransportLimits t;
  t.max_outbound_bytes = c.limits.max_outbound_bytes;
  t.max_outbound_hard_bytes = c.limits.max_outbound_hard_bytes;
  t.slow_consumer_grace = std::chrono::milliseconds(c.limits.slow_consumer_grace_ms);
  t.max_message_bytes = c.limits.max_frame_bytes;
  t.partial_frame_timeout = std::chrono::milliseconds(c.connections.partial_frame_timeout_ms);
  t.max_unauthenticated = c.connections.max_unauthenticated;
  t.max_unauthenticated_per_address = c.connections.max_unauthenticated_per_address;
  return t;
}

// A server holding many idle connections needs many descriptors; the soft limit is often 1024.
void raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  spdlog::info("open files limit: {} (connections are capped below this)", limit.rlim_cur);
}

// Every row names a registered protocol in a mode it offers; checked before anything opens.
Result<void> check_listener_table(const std::vector<ListenerConfig>& table,
                                  const gateway::GatewayRegistry& gateways) {
  for (const ListenerConfig& row : table) {
    const std::string where = "listener " + row.name + " (" + row.address + "): ";
    if (row.protocol == gateway::kHttpProtocol) {
      if (row.tls == ListenerTls::starttls) {
        return fail(Errc::invalid_argument,
                    where + "http has no STARTTLS; use tls = \"direct\" for https");
      }
      continue;
    }
    const gateway::GatewayInfo* g = gateways.find(row.protocol);
    if (!g) {
      return fail(Errc::invalid_argument, where + "unknown protocol \"" + row.protocol +
                                              "\" (known: " + gateways.names() + ")");
    }
    if (!g->stream) {
      return fail(Errc::invalid_argument, where + "protocol " + row.protocol +
                                              " has no listener of its own; it is reached over "
                                              "WebSocket on an http listener");
    }
    if (row.tls == ListenerTls::starttls && !g->starttls) {
      return fail(Errc::invalid_argument,
                  where + "protocol " + row.protocol + " does not offer STARTTLS");
    }
  }
  return {};
}

// The ALPN name a TLS listener selects: HTTP's, or its gateway's (rows are checked by then).
std::string alpn_for(const ListenerConfig& row, const gateway::GatewayRegistry& gateways) {
  if (row.protocol == gateway::kHttpProtocol) return "http/1.1";
  const gateway::GatewayInfo* g = gateways.find(row.protocol);
  return g ? g->alpn : std::string();
}

transport::TlsMode tls_mode(ListenerTls tls) {
  switch (tls) {
    case ListenerTls::none:
      return transport::TlsMode::none;
    case ListenerTls::starttls:
      return transport::TlsMode::starttls;
    case ListenerTls::direct:
      return transport::TlsMode::direct;
  }
  return transport::TlsMode::none;
}

}  // namespace

std::uint16_t BoundPorts::port(std::string_view name) const {
  for (const auto& [n, p] : by_name) {
    if (n == name) return p;
  }
  return 0;
}

std::string BoundPorts::json() const {
  std::string out = "{";
  for (const auto& [name, port] : by_name) {
    if (out.size() > 1) out += ',';
    out += '"' + name + "\":" + std::to_string(port);  // names are [A-Za-z0-9_] (config.cc)
  }
  return out + "}";
}

struct Server::Parts {
  std::unique_ptr<Store> store;
  std::unique_ptr<runtime::ShardPool> pool;
  std::unique_ptr<bus::LocalBus> bus;
  std::unique_ptr<Core> core;
  ServerConfig config;  // what the gateways were started with
  gateway::GatewayRegistry gateways;
  std::vector<gateway::StartedGateway> started;  // parallel to gateways.all(); outlive listeners
  transport::TransportLimits limits;
  std::unique_ptr<transport::ConnectionRegistry> registry;
  std::map<std::string, std::unique_ptr<boost::asio::ssl::context>> tls;  // by ALPN name
  std::shared_ptr<const transport::StaticSite> site;                      // outlives the listeners
  std::vector<std::unique_ptr<transport::Listener>> listeners;
  BoundPorts ports;
  bool stopped = false;
};

Server::Server(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Server::~Server() { stop(); }

const BoundPorts& Server::ports() const { return parts_->ports; }

Result<std::unique_ptr<Server>> Server::start(const ServerConfig& config) {
  return start(config, builtin_gateways());
}

Result<std::unique_ptr<Server>> Server::start(const ServerConfig& config,
                                              gateway::GatewayRegistry gateways) {
  const std::vector<ListenerConfig> table = listener_table(config);
  if (auto checked = check_listener_table(table, gateways); !checked) {
    return std::unexpected(checked.error());
  }
  raise_file_limit();
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec)
    return fail(Errc::invalid_argument,
                "cannot create data dir " + config.data_dir + ": " + ec.message());
  std::filesystem::permissions(config.data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);

  auto parts = std::make_unique<Parts>();
  auto store = store::open_store({.backend = config.store.backend,
                                  .data_dir = config.data_dir,
                                  .durability_fsync = config.durability_fsync,
                                  .max_bytes = std::uint64_t{config.store.max_size_mb} << 20});
  if (!store) return std::unexpected(store.error());
  parts->store = std::move(*store);

  const unsigned shards =
      config.shards != 0 ? config.shards : std::max(1u, std::thread::hardware_concurrency());
  // Blocking threads do store reads (at least two); argon2id hashing has threads of its own so a
  // burst of logins never holds up history reads and resumes.
  parts->pool = std::make_unique<runtime::ShardPool>(shards, std::max(2u, shards),
                                                     config.security.hashing_threads);
  parts->bus = std::make_unique<bus::LocalBus>(*parts->pool);
  parts->core =
      std::make_unique<Core>(*parts->pool, *parts->store, *parts->bus, core_config(config));
  parts->limits = transport_limits(config);
  parts->registry = std::make_unique<transport::ConnectionRegistry>(*parts->pool);
  parts->config = config;
  parts->gateways = std::move(gateways);

  const bool need_tls = std::ranges::any_of(
      table, [](const ListenerConfig& row) { return row.tls != ListenerTls::none; });
  if (need_tls) {
    transport::CertificatePaths paths{config.tls.cert_file, config.tls.key_file};
    if (paths.cert_file.empty() || paths.key_file.empty()) {
      auto generated = transport::ensure_self_signed_certificate(config.data_dir);
      if (!generated) return std::unexpected(generated.error());
      paths = *generated;
      spdlog::info("TLS: self-signed certificate {}", paths.cert_file);
    }
    // One context per application protocol, each selecting its own ALPN name (RFC 7301).
    for (const ListenerConfig& row : table) {
      if (row.tls == ListenerTls::none) continue;
      const std::string alpn = alpn_for(row, parts->gateways);
      if (parts->tls.contains(alpn)) continue;
      auto tls = transport::make_server_tls_context(paths, alpn);
      if (!tls) return std::unexpected(tls.error());
      parts->tls.emplace(alpn, std::move(*tls));
    }
  }

  const bool serves_http = std::ranges::any_of(
      table, [](const ListenerConfig& row) { return row.protocol == gateway::kHttpProtocol; });
  if (config.web.enabled && serves_http) {
    parts->site = transport::StaticSite::load(
        config.web.root.empty() ? transport::find_default_web_root() : config.web.root);
  }

  runtime::ShardPool& pool = *parts->pool;
  // Every gateway starts once, before any listener opens.
  const gateway::GatewayContext context{
      *parts->core, [&pool]() -> boost::asio::io_context& { return pool.local_io(); },
      parts->config};
  std::vector<transport::WebSocketRoute> routes;  // every HTTP listener serves them all
  for (const gateway::GatewayInfo& g : parts->gateways.all()) {
    auto started = g.start(context);
    if (!started) {
      return fail(started.error().code, "gateway " + g.name + ": " + started.error().message);
    }
    for (const gateway::WebSocketPath& path : g.websocket) {
      routes.push_back({path.path, path.subprotocol, started->factory});
    }
    parts->started.push_back(std::move(*started));
  }

  for (const char* shorthand : {"native_tcp", "native_tls", "http", "https", "xmpp", "xmpp_tls"}) {
    parts->ports.by_name.emplace_back(shorthand, 0);
  }
  for (const ListenerConfig& row : table) {
    transport::ListenerSpec spec;
    spec.tls = tls_mode(row.tls);
    if (row.protocol == gateway::kHttpProtocol) {
      spec.wire = transport::ListenerWire::http;
      spec.routes = routes;
      spec.site = parts->site.get();
    } else {
      const auto& all = parts->gateways.all();
      const auto index = static_cast<std::size_t>(
          std::ranges::find(all, row.protocol, &gateway::GatewayInfo::name) - all.begin());
      spec.wire = transport::ListenerWire::stream;
      spec.factory = parts->started[index].factory;
      spec.refusal = parts->started[index].stream_refusal;
    }
    boost::asio::ssl::context* tls = nullptr;
    if (row.tls != ListenerTls::none) tls = parts->tls.at(alpn_for(row, parts->gateways)).get();
    auto listener = std::make_unique<transport::Listener>(std::move(spec), pool, *parts->registry,
                                                          parts->limits, tls);
    // Accepting is cheap: shard 0 accepts and hands each socket to the next shard.
    auto port = listener->open(pool.io(0), row.address);
    if (!port) {
      return fail(port.error().code, "listener " + row.name + ": " + port.error().message);
    }
    auto& ports = parts->ports.by_name;
    auto slot = std::ranges::find(ports, row.name, &std::pair<std::string, std::uint16_t>::first);
    if (slot == ports.end()) {
      ports.emplace_back(row.name, *port);
    } else {
      slot->second = *port;
    }
    spdlog::info("listening: {} {} on {} (tls {})", row.name, row.protocol, row.address,
                 tls_mode_name(row.tls));
    parts->listeners.push_back(std::move(listener));
  }

  pool.start();
  for (auto& l : parts->listeners) {
    boost::asio::post(pool.io(0), [l = l.get()] { l->start(); });
  }
  spdlog::info("parleyd ready: ports {}, {} shards, data {}", parts->ports.json(), shards,
               config.data_dir);
  return std::unique_ptr<Server>(new Server(std::move(parts)));
}

void Server::stop() {
  if (!parts_ || parts_->stopped) return;
  parts_->stopped = true;
  auto& p = *parts_;
  spdlog::info("shutting down: closing {} connections", p.registry->size());
  std::promise<void> closed;
  boost::asio::post(p.pool->io(0), [&] {
    for (auto& l : p.listeners) l->stop();
    closed.set_value();
  });
  closed.get_future().wait();
  // Every session says goodbye (SHUTTING_DOWN) and its connection closes after what is queued;
  // a peer that does not read its goodbye is cut after the close grace.
  p.registry->close_all();
  bool all_closed = p.registry->wait_empty(5s);
  if (!all_closed) {
    spdlog::warn("{} connections still open after 5 s; cutting them", p.registry->size());
    p.registry->abort_all();
    all_closed = p.registry->wait_empty(2s);
  }
  p.registry->stop_sweeps();
  // Lets queued work finish before the threads join; then the store commits what is still queued
  // (stored even when its ack can no longer reach anyone: the client's resend is a duplicate).
  p.pool->stop(2s);
  p.store->finish_writes();
  log_store_stats(p.store->stats());
  p.listeners.clear();  // acceptors and their timers belong to shard 0's io_context
  if (!all_closed) {
    // A session left in a handler would be destroyed off its shard, calling into core from the
    // wrong thread: leave it, and everything it may touch, to the process's exit.
    spdlog::error("connections did not close; leaving their memory to the exit");
    (void)p.pool.release();
    (void)p.core.release();
    (void)p.registry.release();
  }
  // Destroys the handlers still queued (connections without a session, posted completions)
  // while core and the registry, which they may touch, still exist.
  p.pool.reset();
  p.core.reset();
  p.registry.reset();
  p.store.reset();  // closes the database; WAL is checkpointed on the last close
  spdlog::info("stopped");
}

}  // namespace parley::app
