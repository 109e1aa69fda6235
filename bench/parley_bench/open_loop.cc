#include "parley_bench/open_loop.h"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <thread>

namespace parley::bench {

Totals sum(const std::vector<std::unique_ptr<Counters>>& counters) {
  Totals t;
  for (const auto& c : counters) {
    t.sent += c->sent.load(std::memory_order_relaxed);
    t.acked += c->acked.load(std::memory_order_relaxed);
    t.delivered += c->delivered.load(std::memory_order_relaxed);
    t.duplicates += c->duplicates.load(std::memory_order_relaxed);
    t.redelivered += c->redelivered.load(std::memory_order_relaxed);
    t.out_of_order += c->out_of_order.load(std::memory_order_relaxed);
    t.errors += c->errors.load(std::memory_order_relaxed);
    t.last_event_ns = std::max(t.last_event_ns, c->last_event_ns.load(std::memory_order_relaxed));
  }
  return t;
}

std::vector<std::int64_t> gather(const std::vector<std::unique_ptr<Counters>>& counters,
                                 std::vector<std::int64_t> Counters::*field) {
  std::vector<std::int64_t> all;
  for (const auto& c : counters) all.insert(all.end(), ((*c).*field).begin(), ((*c).*field).end());
  return all;
}

bool await_until(const std::function<bool()>& done, double seconds) {
  const std::int64_t deadline = now_ns() + static_cast<std::int64_t>(seconds * 1e9);
  while (!done()) {
    if (now_ns() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void wait_until_done(const std::vector<std::unique_ptr<Counters>>& counters,
                     std::int64_t send_end_ns, std::int64_t deadline_ns, std::int64_t expected_acks,
                     std::int64_t expected_deliveries) {
  // Progress is read off atomic counters from this (non-worker) thread.
  while (now_ns() < deadline_ns) {
    const Totals t = sum(counters);
    if (now_ns() > send_end_ns && t.acked >= expected_acks && t.delivered >= expected_deliveries) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void OpenLoop::run_on(std::size_t worker, std::function<bool(std::int64_t)> tick,
                      std::chrono::milliseconds period) {
  auto timer = std::make_shared<boost::asio::steady_timer>(workers_.io(worker));
  auto step = std::make_shared<std::function<void()>>();
  ticks_.push_back(step);
  *step = [timer, step, period, tick = std::move(tick)] {
    if (!tick(now_ns())) return;
    timer->expires_after(period);
    timer->async_wait([step](const boost::system::error_code& ec) {
      if (!ec && *step) (*step)();
    });
  };
  boost::asio::post(workers_.io(worker), [step] { (*step)(); });
}

void OpenLoop::clear() {
  for (auto& t : ticks_) *t = nullptr;
  ticks_.clear();
}

void print_losses(std::int64_t lost, std::int64_t duplicates, std::int64_t out_of_order,
                  std::int64_t errors, std::int64_t redelivered) {
  std::printf(
      "  lost %lld  duplicates %lld  out-of-order %lld  errors %lld  (resent, dropped by seq: "
      "%lld)\n",
      static_cast<long long>(lost), static_cast<long long>(duplicates),
      static_cast<long long>(out_of_order), static_cast<long long>(errors),
      static_cast<long long>(redelivered));
}

void print_latency_header() {
  std::printf("  %-16s %8s %8s %8s %8s (ms)\n", "", "p50", "p99", "p99.9", "max");
}

void print_latency(const char* what, const Percentiles& p) {
  std::printf("  %-16s %8.2f %8.2f %8.2f %8.2f\n", what, p.p50_ms, p.p99_ms, p.p999_ms, p.max_ms);
}

void print_cpu(const CpuUse& cpu, double messages) {
  std::printf("  cpu: server %.2f s (%.2f us per message), generator %.2f s\n", cpu.server_s,
              messages > 0 ? cpu.server_s * 1e6 / messages : 0.0, cpu.generator_s);
}

}  // namespace parley::bench
