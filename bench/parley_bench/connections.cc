// `connections`: N authenticated, idle connections held open with heartbeats; reports the connect
// rate and, given the server's pid, its RSS growth per connection.
#include <sys/resource.h>

#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <sstream>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "parley_bench/connection.h"
#include "parley_bench/scenarios.h"
#include "parley_bench/stats.h"

namespace parley::bench {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr std::uint32_t kHeartbeatMs = 20'000;

void raise_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
}

}  // namespace

int run_connections(const Target& target, const ConnectionsOptions& o) {
  raise_file_limit();
  Workers workers(target.threads);
  const tcp::endpoint server(asio::ip::make_address(target.host), target.port);
  const std::string tag = run_tag();
  const std::int64_t rss_before = o.server_pid ? rss_kib(o.server_pid) : 0;

  std::mutex mutex;
  std::condition_variable cv;
  int ready = 0, failed = 0;
  auto report = [&](bool ok) {
    std::lock_guard lock(mutex);
    (ok ? ready : failed)++;
    cv.notify_all();
  };

  std::vector<std::shared_ptr<BenchConnection>> connections;
  connections.reserve(static_cast<std::size_t>(o.count));
  const std::int64_t start = now_ns();
  for (int i = 0; i < o.count; ++i) {
    auto& io = workers.io(static_cast<std::size_t>(i));
    auto c = std::make_shared<BenchConnection>(io, [&report](const v1::ServerFrame& f) {
      if (f.has_auth_ok()) report(true);
      if (f.has_error()) report(false);
    });
    connections.push_back(c);
    const std::string source = "127.0.0." + std::to_string(1 + i % std::max(1, o.source_addresses));
    const std::string name = "c" + tag + "n" + std::to_string(i);
    asio::post(io, [c, server, source, name, &report] {
      c->connect(server, source, [c, name, &report](bool ok) {
        if (!ok) return report(false);
        v1::ClientFrame hello;
        hello.set_id(1);
        hello.mutable_hello()->set_min_version(1);
        hello.mutable_hello()->set_max_version(1);
        hello.mutable_hello()->set_heartbeat_interval_ms(kHeartbeatMs);
        c->queue(hello);
        v1::ClientFrame reg;
        reg.set_id(2);
        reg.mutable_register_account()->set_username(name);
        reg.mutable_register_account()->set_password("bench-password-" + name);
        c->queue(reg);
        c->flush();
      });
    });
  }
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return ready + failed == o.count; });
  }
  const double connect_s = static_cast<double>(now_ns() - start) / 1e9;

  // Heartbeats while holding: one ping per connection per interval, from each worker. Each
  // tick function holds itself to re-arm; cleared after the run to free them.
  std::vector<std::shared_ptr<std::function<void()>>> ticks;
  for (std::size_t w = 0; w < workers.size(); ++w) {
    auto timer = std::make_shared<asio::steady_timer>(workers.io(w));
    auto tick = std::make_shared<std::function<void()>>();
    ticks.push_back(tick);
    *tick = [timer, tick, w, &connections, &workers] {
      for (std::size_t i = w; i < connections.size(); i += workers.size()) {
        v1::ClientFrame ping;
        ping.set_id(3);
        ping.mutable_ping();
        connections[i]->queue(ping);
        connections[i]->flush();
      }
      timer->expires_after(std::chrono::milliseconds(kHeartbeatMs));
      timer->async_wait([tick](const boost::system::error_code& ec) {
        if (!ec) (*tick)();
      });
    };
    timer->expires_after(std::chrono::milliseconds(kHeartbeatMs));
    timer->async_wait([tick](const boost::system::error_code& ec) {
      if (!ec) (*tick)();
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(o.hold_seconds * 1000)));
  const std::int64_t rss_after = o.server_pid ? rss_kib(o.server_pid) : 0;
  std::size_t still_open = 0;
  for (auto& c : connections) still_open += c->open() ? 1 : 0;
  workers.stop();
  for (auto& t : ticks) *t = nullptr;

  const double per_connection_bytes =
      ready > 0 && o.server_pid ? static_cast<double>(rss_after - rss_before) * 1024.0 / ready : 0;
  if (target.json) {
    std::ostringstream out;
    out << "{\"scenario\":\"connections\",\"requested\":" << o.count << ",\"authenticated\":" << ready
        << ",\"failed\":" << failed << ",\"still_open\":" << still_open
        << ",\"connect_per_s\":" << ready / connect_s << ",\"server_rss_before_kib\":" << rss_before
        << ",\"server_rss_after_kib\":" << rss_after
        << ",\"server_bytes_per_connection\":" << per_connection_bytes << "}";
    std::cout << out.str() << "\n";
  } else {
    std::printf("connections: %d authenticated (%d failed) in %.2f s = %.0f/s; %zu still open\n",
                ready, failed, connect_s, ready / connect_s, still_open);
    if (o.server_pid) {
      std::printf("  server RSS %lld -> %lld KiB: %.0f bytes per connection\n",
                  static_cast<long long>(rss_before), static_cast<long long>(rss_after),
                  per_connection_bytes);
    }
  }
  return failed == 0 && static_cast<int>(still_open) == ready ? 0 : 1;
}

}  // namespace parley::bench
