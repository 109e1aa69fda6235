// `connections`: N authenticated, idle connections held open with heartbeats; reports the connect
// rate (resume with a token) and, given the server's pid, its RSS growth per connection.
#include <atomic>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <thread>
#include <vector>

#include "parley_bench/enroll.h"
#include "parley_bench/open_loop.h"
#include "parley_bench/scenarios.h"
#include "parley_bench/tls_idle.h"

namespace parley::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {
constexpr std::int64_t kHeartbeatNs = 20'000'000'000;  // well inside the server's 30 s default
}  // namespace

int run_connections(const Target& target, const ConnectionsOptions& o) {
  raise_file_limit();
  Workers workers(target.threads);
  const tcp::endpoint server(asio::ip::make_address(target.host), target.port);
  const std::string tag = run_tag();

  // The accounts first, over a few connections at a time, so that the measurement below sees
  // what connections cost, not what creating accounts left in the database cache.
  std::vector<std::string> names;
  for (int i = 0; i < o.count; ++i) names.push_back("c" + tag + "n" + std::to_string(i));
  const std::int64_t rss_start = target.server_pid ? rss_kib(target.server_pid) : 0;
  const std::vector<std::string> tokens = register_accounts(workers, server, names, 32);
  const std::int64_t rss_before = target.server_pid ? rss_kib(target.server_pid) : 0;
  EnrollResult enrolled;
  std::vector<std::shared_ptr<TlsIdleConnection>> tls_connections;
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  tls.set_verify_mode(boost::asio::ssl::verify_none);  // the server's certificate is self-signed
  if (o.tls_port == 0) {
    enrolled = resume_all(workers, server, tokens, o.source_addresses,
                          [](std::size_t, const v1::ServerFrame&) {});
  } else {
    const tcp::endpoint tls_server(server.address(), o.tls_port);
    auto remaining = std::make_shared<std::atomic<int>>(o.count);
    auto failed = std::make_shared<std::atomic<int>>(0);
    const std::int64_t start = now_ns();
    for (int i = 0; i < o.count; ++i) {
      auto& io = workers.io(static_cast<std::size_t>(i));
      auto c = std::make_shared<TlsIdleConnection>(io, tls);
      tls_connections.push_back(c);
      const std::string source =
          "127.0.0." + std::to_string(1 + i % std::max(1, o.source_addresses));
      boost::asio::post(io, [c, tls_server, source, token = tokens[static_cast<std::size_t>(i)],
                             remaining, failed] {
        c->start(tls_server, source, token, [remaining, failed](bool ok) {
          if (!ok) failed->fetch_add(1);
          remaining->fetch_sub(1);
        });
      });
    }
    if (!await_until([&] { return remaining->load() == 0; }, 120)) {
      failed->fetch_add(remaining->load());
    }
    enrolled.failed = failed->load();
    enrolled.seconds = static_cast<double>(now_ns() - start) / 1e9;
  }
  const int ready = o.count - enrolled.failed;

  // Heartbeats while holding: one ping per connection per interval, from each worker (whose
  // ticker's first call comes at once and only sets the clock).
  OpenLoop loop(workers);
  for (std::size_t w = 0; w < workers.size(); ++w) {
    auto next_ping = std::make_shared<std::int64_t>(now_ns() + kHeartbeatNs);
    loop.run_on(
        w,
        [w, next_ping, &enrolled, &tls_connections, &workers](std::int64_t now) {
          if (now < *next_ping) return true;
          *next_ping = now + kHeartbeatNs;
          for (std::size_t i = w; i < enrolled.users.size(); i += workers.size()) {
            v1::ClientFrame ping;
            ping.set_id(3);
            ping.mutable_ping();
            enrolled.users[i].connection->queue(ping);
            enrolled.users[i].connection->flush();
          }
          for (std::size_t i = w; i < tls_connections.size(); i += workers.size()) {
            tls_connections[i]->ping();
          }
          return true;
        },
        std::chrono::milliseconds(kHeartbeatNs / 4'000'000));  // a wake-up every 5 s, not every ms
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(o.hold_seconds * 1000)));
  const std::int64_t rss_after = target.server_pid ? rss_kib(target.server_pid) : 0;
  workers.stop();
  loop.clear();
  std::size_t still_open = 0;  // read once the workers have stopped
  for (auto& u : enrolled.users) still_open += u.connection->open() ? 1 : 0;
  for (auto& c : tls_connections) still_open += c->open() ? 1 : 0;

  const double per_connection_bytes =
      ready > 0 && target.server_pid ? static_cast<double>(rss_after - rss_before) * 1024.0 / ready
                                     : 0;
  const double connect_per_s = ready / enrolled.seconds;
  if (target.json) {
    std::ostringstream out;
    out << "{\"scenario\":\"connections\",\"tls\":" << (o.tls_port ? "true" : "false")
        << ",\"requested\":" << o.count << ",\"authenticated\":" << ready
        << ",\"failed\":" << enrolled.failed << ",\"still_open\":" << still_open
        << ",\"connect_per_s\":" << connect_per_s << ",\"server_rss_before_kib\":" << rss_before
        << ",\"server_rss_after_kib\":" << rss_after
        << ",\"server_bytes_per_connection\":" << per_connection_bytes
        << ",\"server_rss_accounts_kib\":" << rss_before - rss_start << "}";
    std::cout << out.str() << "\n";
  } else {
    std::printf("connections%s: %d authenticated (%d failed) in %.2f s = %.0f/s; %zu still open\n",
                o.tls_port ? " (TLS)" : "", ready, enrolled.failed, enrolled.seconds, connect_per_s,
                still_open);
    if (target.server_pid) {
      std::printf(
          "  server RSS %lld -> %lld KiB: %.0f bytes per connection"
          " (creating the accounts before added %lld KiB)\n",
          static_cast<long long>(rss_before), static_cast<long long>(rss_after),
          per_connection_bytes, static_cast<long long>(rss_before - rss_start));
    }
  }
  return enrolled.failed == 0 && static_cast<int>(still_open) == ready ? 0 : 1;
}

}  // namespace parley::bench
