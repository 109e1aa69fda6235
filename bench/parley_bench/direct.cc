// `direct`: P sender/receiver pairs, open loop. Message k of a pair is due at a fixed time; that
// time (not the time it was actually written) starts its latency, so a stalled server shows up as
// latency instead of quietly lowering the offered load.
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <random>
#include <sstream>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "parley_bench/connection.h"
#include "parley_bench/scenarios.h"
#include "parley_bench/stats.h"

namespace parley::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr std::uint64_t kFirstSendId = 10;

struct PerThread {
  std::vector<std::int64_t> ack_ns;
  std::vector<std::int64_t> deliver_ns;
  std::atomic<std::int64_t> sent{0}, acked{0}, delivered{0}, duplicates{0}, out_of_order{0},
      errors{0};
  std::atomic<std::int64_t> last_event_ns{0};
};

struct Pair {
  int index = 0;
  std::size_t thread = 0;
  std::string sender_name, receiver_name;
  std::shared_ptr<BenchConnection> sender, receiver;
  std::int64_t start_ns = 0;
  std::int64_t interval_ns = 0;
  std::int64_t planned = 0;
  std::int64_t sent = 0;
  std::int64_t last_seq = 0;
  std::vector<bool> delivered;
};

std::int64_t scheduled(const Pair& p, std::int64_t k) { return p.start_ns + k * p.interval_ns; }

v1::ClientFrame hello_frame() {
  v1::ClientFrame f;
  f.set_id(1);
  f.mutable_hello()->set_min_version(1);
  f.mutable_hello()->set_max_version(1);
  f.mutable_hello()->set_client_name("parley-bench");
  f.mutable_hello()->set_heartbeat_interval_ms(300'000);  // short runs: no pings needed
  return f;
}

v1::ClientFrame register_frame(const std::string& name) {
  v1::ClientFrame f;
  f.set_id(2);
  f.mutable_register_account()->set_username(name);
  f.mutable_register_account()->set_password("bench-password-" + name);
  return f;
}

}  // namespace

std::string run_tag() {
  std::random_device rd;
  char buf[8];
  std::snprintf(buf, sizeof buf, "%06x", static_cast<unsigned>(rd()) & 0xffffffu);
  return buf;
}

int run_direct(const Target& target, const DirectOptions& o) {
  Workers workers(target.threads);
  std::vector<std::unique_ptr<PerThread>> stats;
  for (std::size_t i = 0; i < workers.size(); ++i) stats.push_back(std::make_unique<PerThread>());
  const tcp::endpoint server(asio::ip::make_address(target.host), target.port);
  const std::string tag = run_tag();
  const double per_pair_rate = o.rate / o.pairs;
  const auto interval_ns = static_cast<std::int64_t>(1e9 / per_pair_rate);
  const auto planned = static_cast<std::int64_t>(std::llround(per_pair_rate * o.seconds));

  std::mutex mutex;
  std::condition_variable cv;
  int ready = 0, failed = 0;
  auto report_ready = [&](bool ok) {
    std::lock_guard lock(mutex);
    (ok ? ready : failed)++;
    cv.notify_all();
  };

  std::vector<std::unique_ptr<Pair>> pairs;
  for (int i = 0; i < o.pairs; ++i) {
    auto p = std::make_unique<Pair>();
    p->index = i;
    p->thread = static_cast<std::size_t>(i) % workers.size();
    p->sender_name = "b" + tag + "s" + std::to_string(i);
    p->receiver_name = "b" + tag + "r" + std::to_string(i);
    p->interval_ns = interval_ns;
    p->planned = planned;
    p->delivered.assign(static_cast<std::size_t>(planned), false);
    PerThread& t = *stats[p->thread];
    Pair* pair = p.get();
    p->sender = std::make_shared<BenchConnection>(
        workers.io(p->thread), [&, pair, &t = t](const v1::ServerFrame& f) {
          if (f.has_auth_ok()) return report_ready(true);
          if (f.has_error() && f.id() < kFirstSendId) return report_ready(false);
          if (f.has_error()) return void(t.errors.fetch_add(1, std::memory_order_relaxed));
          if (!f.has_send_ack()) return;
          const auto k = static_cast<std::int64_t>(f.id() - kFirstSendId);
          const std::int64_t now = now_ns();
          t.ack_ns.push_back(now - scheduled(*pair, k));
          t.acked.fetch_add(1, std::memory_order_relaxed);
          t.last_event_ns.store(now, std::memory_order_relaxed);
        });
    p->receiver = std::make_shared<BenchConnection>(
        workers.io(p->thread), [&, pair, &t = t](const v1::ServerFrame& f) {
          if (f.has_auth_ok()) return report_ready(true);
          if (f.has_error()) return report_ready(false);
          if (!f.has_message()) return;
          const auto& m = f.message().message();
          v1::ClientFrame ack;
          auto* ref = ack.mutable_delivery_ack()->add_messages();
          ref->set_conversation_id(m.conversation_id());
          ref->set_seq(m.seq());
          pair->receiver->queue(ack);
          if (m.seq() != pair->last_seq + 1) t.out_of_order.fetch_add(1, std::memory_order_relaxed);
          pair->last_seq = std::max(pair->last_seq, m.seq());
          const std::int64_t k = std::strtoll(m.text().c_str(), nullptr, 10);
          if (k < 0 || k >= pair->planned) return;
          if (pair->delivered[static_cast<std::size_t>(k)]) {
            t.duplicates.fetch_add(1, std::memory_order_relaxed);
            return;
          }
          pair->delivered[static_cast<std::size_t>(k)] = true;
          const std::int64_t now = now_ns();
          t.deliver_ns.push_back(now - scheduled(*pair, k));
          t.delivered.fetch_add(1, std::memory_order_relaxed);
          t.last_event_ns.store(now, std::memory_order_relaxed);
        });
    for (auto* c : {p->sender.get(), p->receiver.get()}) {
      const std::string name = c == p->sender.get() ? p->sender_name : p->receiver_name;
      asio::post(workers.io(p->thread), [c, server, name, &report_ready] {
        c->connect(server, "", [c, name, &report_ready](bool ok) {
          if (!ok) return report_ready(false);
          c->queue(hello_frame());
          c->queue(register_frame(name));
          c->flush();
        });
      });
    }
    pairs.push_back(std::move(p));
  }
  {
    std::unique_lock lock(mutex);
    cv.wait(lock, [&] { return ready + failed == 2 * o.pairs; });
  }
  if (failed > 0) {
    std::cerr << "parley-bench: " << failed << " connections failed to register\n";
    return 2;
  }

  // Pairs are staggered over one interval so the offered load is smooth, not bursts.
  const std::int64_t start = now_ns() + 50'000'000;
  for (auto& p : pairs) p->start_ns = start + interval_ns * p->index / o.pairs;
  std::vector<std::shared_ptr<asio::steady_timer>> tickers;
  // Each tick function holds itself to re-arm; cleared after the run to free them.
  std::vector<std::shared_ptr<std::function<void()>>> ticks;
  for (std::size_t w = 0; w < workers.size(); ++w) {
    auto timer = std::make_shared<asio::steady_timer>(workers.io(w));
    tickers.push_back(timer);
    std::vector<Pair*> mine;
    for (auto& p : pairs) {
      if (p->thread == w) mine.push_back(p.get());
    }
    // Every millisecond, each pair sends what is due by now: one write per pair per tick.
    auto tick = std::make_shared<std::function<void()>>();
    ticks.push_back(tick);
    *tick = [timer, mine, tick, &stats, w]() {
      const std::int64_t now = now_ns();
      bool more = false;
      for (Pair* p : mine) {
        const std::int64_t due =
            now < p->start_ns ? 0 : std::min(p->planned, (now - p->start_ns) / p->interval_ns + 1);
        for (; p->sent < due; ++p->sent) {
          v1::ClientFrame f;
          f.set_id(kFirstSendId + static_cast<std::uint64_t>(p->sent));
          auto* s = f.mutable_send();
          s->set_to_user(p->receiver_name);
          const std::string k = std::to_string(p->sent);
          s->set_client_msg_id(k);
          s->set_text(k);
          p->sender->queue(f);
          stats[w]->sent.fetch_add(1, std::memory_order_relaxed);
        }
        p->sender->flush();
        more = more || p->sent < p->planned;
      }
      if (!more) return;
      timer->expires_after(std::chrono::milliseconds(1));
      timer->async_wait([tick](const boost::system::error_code& ec) {
        if (!ec) (*tick)();
      });
    };
    asio::post(workers.io(w), [tick] { (*tick)(); });
  }

  const std::int64_t total = planned * o.pairs;
  auto sum = [&](auto field) {
    std::int64_t s = 0;
    for (auto& t : stats) s += ((*t).*field).load(std::memory_order_relaxed);
    return s;
  };
  const std::int64_t send_end = start + static_cast<std::int64_t>(o.seconds * 1e9);
  const std::int64_t deadline = send_end + static_cast<std::int64_t>(o.drain_seconds * 1e9);
  // Progress is read off atomic counters; the run ends when everything is in or at the deadline.
  while (now_ns() < deadline) {
    if (now_ns() > send_end && sum(&PerThread::acked) >= total &&
        sum(&PerThread::delivered) >= total) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  workers.stop();
  for (auto& t : ticks) *t = nullptr;

  std::vector<std::int64_t> acks, deliveries;
  std::int64_t last = start;
  for (auto& t : stats) {
    acks.insert(acks.end(), t->ack_ns.begin(), t->ack_ns.end());
    deliveries.insert(deliveries.end(), t->deliver_ns.begin(), t->deliver_ns.end());
    last = std::max(last, t->last_event_ns.load());
  }
  const std::int64_t sent = sum(&PerThread::sent);
  const std::int64_t acked = sum(&PerThread::acked);
  const std::int64_t delivered = sum(&PerThread::delivered);
  const std::int64_t duplicates = sum(&PerThread::duplicates);
  const std::int64_t out_of_order = sum(&PerThread::out_of_order);
  const std::int64_t errors = sum(&PerThread::errors);
  const std::int64_t lost = sent - delivered;
  const double window_s = std::max(o.seconds, static_cast<double>(last - start) / 1e9);
  const Percentiles ack_p = percentiles(acks);
  const Percentiles del_p = percentiles(deliveries);

  if (target.json) {
    std::ostringstream out;
    out << "{\"scenario\":\"direct\",\"pairs\":" << o.pairs << ",\"offered_per_s\":" << o.rate
        << ",\"seconds\":" << o.seconds << ",\"sent\":" << sent << ",\"acked\":" << acked
        << ",\"delivered\":" << delivered << ",\"acked_per_s\":" << acked / window_s
        << ",\"delivered_per_s\":" << delivered / window_s << ",\"lost\":" << lost
        << ",\"duplicates\":" << duplicates << ",\"out_of_order\":" << out_of_order
        << ",\"errors\":" << errors << ",\"send_to_ack\":" << to_json(ack_p)
        << ",\"send_to_deliver\":" << to_json(del_p) << "}";
    std::cout << out.str() << "\n";
  } else {
    std::printf("direct: %d pairs, offered %.0f msg/s for %.1f s\n", o.pairs, o.rate, o.seconds);
    std::printf("  sent %lld  acked %lld (%.0f/s)  delivered %lld (%.0f/s)\n",
                static_cast<long long>(sent), static_cast<long long>(acked), acked / window_s,
                static_cast<long long>(delivered), delivered / window_s);
    std::printf("  lost %lld  duplicates %lld  out-of-order %lld  errors %lld\n",
                static_cast<long long>(lost), static_cast<long long>(duplicates),
                static_cast<long long>(out_of_order), static_cast<long long>(errors));
    std::printf("  %-16s %8s %8s %8s %8s (ms)\n", "", "p50", "p99", "p99.9", "max");
    std::printf("  %-16s %8.2f %8.2f %8.2f %8.2f\n", "send->ack", ack_p.p50_ms, ack_p.p99_ms,
                ack_p.p999_ms, ack_p.max_ms);
    std::printf("  %-16s %8.2f %8.2f %8.2f %8.2f\n", "send->deliver", del_p.p50_ms, del_p.p99_ms,
                del_p.p999_ms, del_p.max_ms);
  }
  return lost == 0 && duplicates == 0 && out_of_order == 0 && errors == 0 ? 0 : 1;
}

}  // namespace parley::bench
