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

struct TlsStormStats {
  int resumed = 0;  // connections whose TLS handshake resumed the offered ticket
};

// Opens the TLS connections at most `o.tls_window` at a time (a connection done, the next
// starts), so that the rate is what handshakes cost and not SYNs dropped by a full listen
// backlog. With o.tls_resume, the first connection's session ticket is offered by all the others.
TlsStormStats connect_over_tls(Workers& workers, asio::ssl::context& tls,
                               const tcp::endpoint& tls_server,
                               const std::vector<std::string>& tokens, const ConnectionsOptions& o,
                               std::vector<std::shared_ptr<TlsIdleConnection>>& connections,
                               EnrollResult& enrolled) {
  struct Storm {
    std::atomic<int> next{0}, remaining{0}, failed{0}, resumed{0};
    SSL_SESSION* ticket = nullptr;  // written before the others start, then only read
    tcp::endpoint server;
  };
  auto storm = std::make_shared<Storm>();
  storm->remaining = o.count;
  storm->server = tls_server;
  for (int i = 0; i < o.count; ++i) {
    connections.push_back(
        std::make_shared<TlsIdleConnection>(workers.io(static_cast<std::size_t>(i)), tls, o.wss));
  }
  // Starts the next connection; each one done starts another. It lives as long as this call:
  // completions hold it weakly, and a late one (after a timeout) launches nothing.
  auto launch = std::make_shared<std::function<void()>>();
  *launch = [&workers, &tokens, &o, &connections, storm, launch_weak = std::weak_ptr(launch)] {
    const int i = storm->next.fetch_add(1);
    if (i >= o.count) return;
    const auto index = static_cast<std::size_t>(i);
    auto c = connections[index];
    const std::string source = "127.0.0." + std::to_string(1 + i % std::max(1, o.source_addresses));
    const std::string& token = tokens[index];
    boost::asio::post(workers.io(index), [c, source, &token, storm, launch_weak] {
      c->start(storm->server, source, token, storm->ticket, [c, storm, launch_weak](bool ok) {
        if (!ok) storm->failed.fetch_add(1);
        if (ok && c->resumed()) storm->resumed.fetch_add(1);
        // The next one is launched before this one counts as done: once the count reaches zero
        // nothing uses the launcher any more.
        if (auto next = launch_weak.lock()) (*next)();
        storm->remaining.fetch_sub(1);
      });
    });
  };
  const std::int64_t start = now_ns();
  int first = 0;
  if (o.tls_resume && o.count > 0) {  // one full handshake for the ticket the others offer
    storm->next = 1;
    auto c = connections[0];
    auto got = std::make_shared<std::atomic<bool>>(false);
    boost::asio::post(workers.io(0), [c, storm, got, &token = tokens[0]] {
      c->start(storm->server, "127.0.0.1", token, nullptr, [c, storm, got](bool ok) {
        if (!ok) storm->failed.fetch_add(1);
        if (ok) storm->ticket = c->session();  // the ticket came before the auth reply
        storm->remaining.fetch_sub(1);
        got->store(true);
      });
    });
    await_until([&] { return got->load(); }, 30);
    first = 1;
  }
  for (int w = first; w < std::min(o.count, first + std::max(1, o.tls_window)); ++w) (*launch)();
  if (!await_until([&] { return storm->remaining.load() == 0; }, 300)) {
    storm->failed.fetch_add(storm->remaining.load());
  }
  enrolled.failed = storm->failed.load();
  enrolled.seconds = static_cast<double>(now_ns() - start) / 1e9;
  if (storm->ticket) SSL_SESSION_free(storm->ticket);
  return TlsStormStats{storm->resumed.load()};
}

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
  TlsStormStats tls_stats;
  const CpuMeter cpu(target.server_pid);
  std::vector<std::shared_ptr<TlsIdleConnection>> tls_connections;
  boost::asio::ssl::context tls(boost::asio::ssl::context::tls_client);
  tls.set_verify_mode(boost::asio::ssl::verify_none);  // the server's certificate is self-signed
  if (o.tls_port == 0) {
    enrolled = resume_all(workers, server, tokens, o.source_addresses,
                          [](std::size_t, const v1::ServerFrame&) {});
  } else {
    tls_stats = connect_over_tls(workers, tls, tcp::endpoint(server.address(), o.tls_port), tokens,
                                 o, tls_connections, enrolled);
  }
  const CpuUse connect_cpu = cpu.elapsed();
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
        << ",\"wss\":" << (o.wss ? "true" : "false") << ",\"requested\":" << o.count
        << ",\"authenticated\":" << ready << ",\"failed\":" << enrolled.failed
        << ",\"still_open\":" << still_open << ",\"connect_per_s\":" << connect_per_s
        << ",\"tls_resumed\":" << tls_stats.resumed
        << ",\"connect_cpu\":" << to_json(connect_cpu, ready)
        << ",\"server_rss_before_kib\":" << rss_before << ",\"server_rss_after_kib\":" << rss_after
        << ",\"server_bytes_per_connection\":" << per_connection_bytes
        << ",\"server_rss_accounts_kib\":" << rss_before - rss_start << "}";
    std::cout << out.str() << "\n";
  } else {
    std::printf("connections%s: %d authenticated (%d failed) in %.2f s = %.0f/s; %zu still open\n",
                o.wss        ? " (WSS)"
                : o.tls_port ? " (TLS)"
                             : "",
                ready, enrolled.failed, enrolled.seconds, connect_per_s, still_open);
    if (target.server_pid) {
      std::printf(
          "  server RSS %lld -> %lld KiB: %.0f bytes per connection"
          " (creating the accounts before added %lld KiB)\n",
          static_cast<long long>(rss_before), static_cast<long long>(rss_after),
          per_connection_bytes, static_cast<long long>(rss_before - rss_start));
      std::printf("  connecting took %.0f us of server CPU per connection (%d TLS resumed)\n",
                  ready > 0 ? connect_cpu.server_s * 1e6 / ready : 0.0, tls_stats.resumed);
    }
  }
  return enrolled.failed == 0 && static_cast<int>(still_open) == ready ? 0 : 1;
}

}  // namespace parley::bench
