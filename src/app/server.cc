#include "app/server.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <filesystem>
#include <future>
#include <thread>
#include <vector>

#include "bus/local/local_bus.h"
#include "core/core.h"
#include "gateway/native/native_session.h"
#include "runtime/shard_pool.h"
#include "store/sqlite/sqlite_store.h"
#include "transport/connection_registry.h"
#include "transport/listener.h"
#include "transport/static_files.h"
#include "transport/tls_context.h"

namespace parley::app {
namespace {

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

std::shared_ptr<native::NativeConfig> native_config(const ServerConfig& c) {
  auto n = std::make_shared<native::NativeConfig>();
  n->max_frame_bytes = c.limits.max_frame_bytes;
  n->heartbeat_default = std::chrono::milliseconds(c.heartbeat.interval_ms);
  n->heartbeat_min = std::chrono::milliseconds(c.heartbeat.min_interval_ms);
  n->heartbeat_max = std::chrono::milliseconds(c.heartbeat.max_interval_ms);
  n->hello_timeout = std::chrono::milliseconds(c.connections.hello_timeout_ms);
  n->login_timeout = std::chrono::milliseconds(c.connections.login_timeout_ms);
  n->resend_timeout = std::chrono::milliseconds(c.delivery.resend_timeout_ms);
  n->max_resends = static_cast<int>(c.delivery.max_resends);
  n->max_unacked = c.delivery.max_unacked;
  n->max_unacked_bytes = c.delivery.max_unacked_bytes;
  n->max_requests_in_flight = c.connections.max_requests_in_flight;
  n->server_name = c.server_name;
  return n;
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

}  // namespace

struct Server::Parts {
  std::unique_ptr<store::SqliteStore> store;
  std::unique_ptr<runtime::ShardPool> pool;
  std::unique_ptr<bus::LocalBus> bus;
  std::unique_ptr<Core> core;
  std::shared_ptr<const native::NativeConfig> native;
  transport::TransportLimits limits;
  std::unique_ptr<transport::ConnectionRegistry> registry;
  std::unique_ptr<boost::asio::ssl::context> tls;
  std::shared_ptr<const transport::StaticSite> site;  // outlives the listeners
  std::vector<std::unique_ptr<transport::Listener>> listeners;
  BoundPorts ports;
  bool stopped = false;
};

Server::Server(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Server::~Server() { stop(); }

const BoundPorts& Server::ports() const { return parts_->ports; }

Result<std::unique_ptr<Server>> Server::start(const ServerConfig& config) {
  raise_file_limit();
  std::error_code ec;
  std::filesystem::create_directories(config.data_dir, ec);
  if (ec)
    return fail(Errc::invalid_argument,
                "cannot create data dir " + config.data_dir + ": " + ec.message());
  std::filesystem::permissions(config.data_dir, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, ec);

  auto parts = std::make_unique<Parts>();
  auto store =
      store::SqliteStore::open({.path = config.data_dir + "/parley.db",
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
  parts->native = native_config(config);
  parts->limits = transport_limits(config);
  parts->registry = std::make_unique<transport::ConnectionRegistry>(*parts->pool);

  const bool need_tls = !config.listen.native_tls.empty() || !config.listen.https.empty();
  if (need_tls) {
    transport::CertificatePaths paths{config.tls.cert_file, config.tls.key_file};
    if (paths.cert_file.empty() || paths.key_file.empty()) {
      auto generated = transport::ensure_self_signed_certificate(config.data_dir);
      if (!generated) return std::unexpected(generated.error());
      paths = *generated;
      spdlog::info("TLS: self-signed certificate {}", paths.cert_file);
    }
    auto tls = transport::make_server_tls_context(paths);
    if (!tls) return std::unexpected(tls.error());
    parts->tls = std::move(*tls);
  }

  const bool serves_http = !config.listen.http.empty() || !config.listen.https.empty();
  if (config.web.enabled && serves_http) {
    parts->site = transport::StaticSite::load(
        config.web.root.empty() ? transport::find_default_web_root() : config.web.root);
  }

  runtime::ShardPool& pool = *parts->pool;
  auto factory = native::make_native_session_factory(
      *parts->core, [&pool]() -> boost::asio::io_context& { return pool.local_io(); },
      parts->native);
  struct Wanted {
    transport::ListenerKind kind;
    const std::string& endpoint;
    std::uint16_t& port;
  };
  const Wanted wanted[] = {
      {transport::ListenerKind::native_tcp, config.listen.native_tcp, parts->ports.native_tcp},
      {transport::ListenerKind::native_tls, config.listen.native_tls, parts->ports.native_tls},
      {transport::ListenerKind::http, config.listen.http, parts->ports.http},
      {transport::ListenerKind::https, config.listen.https, parts->ports.https},
  };
  for (const auto& w : wanted) {
    if (w.endpoint.empty()) continue;
    const bool http =
        w.kind == transport::ListenerKind::http || w.kind == transport::ListenerKind::https;
    auto listener = std::make_unique<transport::Listener>(w.kind, pool, *parts->registry,
                                                          parts->limits, factory, parts->tls.get(),
                                                          http ? parts->site.get() : nullptr);
    listener->set_refusal(native::stream_goodbye(
        Errc::rate_limited, "too many connections not logged in; try again later"));
    // Accepting is cheap: shard 0 accepts and hands each socket to the next shard.
    auto port = listener->open(pool.io(0), w.endpoint);
    if (!port) return std::unexpected(port.error());
    w.port = *port;
    parts->listeners.push_back(std::move(listener));
  }

  pool.start();
  for (auto& l : parts->listeners) {
    boost::asio::post(pool.io(0), [l = l.get()] { l->start(); });
  }
  spdlog::info("parleyd ready: native tcp {}, native tls {}, http {}, https {}, {} shards, data {}",
               parts->ports.native_tcp, parts->ports.native_tls, parts->ports.http,
               parts->ports.https, shards, config.data_dir);
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
  // Lets queued work (store appends already accepted) finish before the threads join.
  p.pool->stop(2s);
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
