// `direct`: P sender/receiver pairs, open loop. Message k of a pair is due at a fixed time; that
// time (not the time it was actually written) starts its latency, so a stalled server shows up as
// latency instead of quietly lowering the offered load.
#include <atomic>
#include <boost/asio/post.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <sstream>
#include <vector>

#include "parley_bench/enroll.h"
#include "parley_bench/open_loop.h"
#include "parley_bench/scenarios.h"

namespace parley::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr std::uint64_t kFirstSendId = 10;

struct Pair {
  std::size_t thread = 0;  // the sender's connection thread (the receiver may be on another)
  Enrolled* sender = nullptr;
  Enrolled* receiver = nullptr;
  Schedule schedule;
  std::int64_t last_seq = 0;
  Receiver receiving;
  std::vector<bool> delivered;
};

}  // namespace

DirectResult measure_direct(const Target& target, const DirectOptions& o) {
  DirectResult r;
  r.options = o;
  Workers workers(target.threads);
  std::vector<std::unique_ptr<Counters>> counters;
  for (std::size_t i = 0; i < workers.size(); ++i) counters.push_back(std::make_unique<Counters>());
  const tcp::endpoint server(asio::ip::make_address(target.host), target.port);
  const std::string tag = run_tag();
  const double per_pair_rate = o.rate / o.pairs;
  const auto interval_ns = static_cast<std::int64_t>(1e9 / per_pair_rate);
  const auto planned = static_cast<std::int64_t>(std::llround(per_pair_rate * o.seconds));

  // Users 2i (sender) and 2i+1 (receiver) form pair i; both on thread (2i % threads).
  std::vector<std::string> names;
  for (int i = 0; i < o.pairs; ++i) {
    names.push_back("b" + tag + "s" + std::to_string(i));
    names.push_back("b" + tag + "r" + std::to_string(i));
  }
  std::vector<Pair> pairs(static_cast<std::size_t>(o.pairs));
  auto on_frame = [&](std::size_t user, const v1::ServerFrame& f) {
    Pair& pair = pairs[user / 2];
    Counters& t = *counters[user % counters.size()];  // this user's connection thread
    if (user % 2 == 0) {                              // sender: acks
      if (f.has_error()) return void(t.errors.fetch_add(1, std::memory_order_relaxed));
      if (!f.has_send_ack()) return;
      const auto k = static_cast<std::int64_t>(f.id() - kFirstSendId);
      t.record_ack(now_ns() - pair.schedule.due(k));
      return;
    }
    if (!f.has_message()) return;
    const auto& m = f.message().message();
    if (!pair.receiving.take(m, t)) return;
    if (m.seq() != pair.last_seq + 1) t.out_of_order.fetch_add(1, std::memory_order_relaxed);
    pair.last_seq = std::max(pair.last_seq, m.seq());
    const std::int64_t k = std::strtoll(m.text().c_str(), nullptr, 10);
    if (k < 0 || k >= planned) return;
    if (pair.delivered[static_cast<std::size_t>(k)]) {
      t.duplicates.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    pair.delivered[static_cast<std::size_t>(k)] = true;
    t.record_delivery(now_ns() - pair.schedule.due(k));
  };
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    pairs[i].thread = (2 * i) % workers.size();
    pairs[i].delivered.assign(static_cast<std::size_t>(planned), false);
    pairs[i].schedule.interval_ns = interval_ns;
  }
  EnrollResult enrolled = enroll(workers, server, names, 1, on_frame);
  if (enrolled.failed > 0) {
    std::cerr << "parley-bench: " << enrolled.failed << " connections failed to register\n";
    r.registration_failed = true;
    workers.stop();  // the handlers use this function's locals
    return r;
  }
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    pairs[i].sender = &enrolled.users[2 * i];
    pairs[i].receiver = &enrolled.users[2 * i + 1];
    Pair* pair = &pairs[i];
    asio::post(workers.io(2 * i + 1),
               [pair] { pair->receiving.ack_after_each_read(pair->receiver->connection.get()); });
  }

  const std::int64_t start = now_ns() + 50'000'000;
  stagger(pairs, start, interval_ns);
  const CpuMeter cpu(target.server_pid);
  OpenLoop loop(workers);
  tick_pairs(
      loop, workers.size(), pairs, planned, counters,
      [](Pair& p, std::int64_t k) {
        v1::ClientFrame f;
        f.set_id(kFirstSendId + static_cast<std::uint64_t>(k));
        auto* s = f.mutable_send();
        s->set_to_user(p.receiver->name);
        const std::string text = std::to_string(k);
        s->set_client_msg_id(text);
        s->set_text(text);
        p.sender->connection->queue(f);
      },
      [](Pair& p) { p.sender->connection->flush(); });

  const std::int64_t total = planned * o.pairs;
  const std::int64_t send_end = start + static_cast<std::int64_t>(o.seconds * 1e9);
  const std::int64_t deadline = send_end + static_cast<std::int64_t>(o.drain_seconds * 1e9);
  wait_until_done(counters, send_end, deadline, total, total);
  r.cpu = cpu.elapsed();
  workers.stop();
  loop.clear();

  fill_direct_result(r, counters, start, o.seconds);
  return r;
}

void fill_direct_result(DirectResult& r, const std::vector<std::unique_ptr<Counters>>& counters,
                        std::int64_t start_ns, double seconds) {
  const Totals totals = sum(counters);
  r.sent = totals.sent;
  r.acked = totals.acked;
  r.delivered = totals.delivered;
  r.duplicates = totals.duplicates;
  r.redelivered = totals.redelivered;
  r.out_of_order = totals.out_of_order;
  r.errors = totals.errors;
  r.lost = r.sent - r.delivered;
  const double window_s =
      std::max(seconds, static_cast<double>(totals.last_event_ns - start_ns) / 1e9);
  r.acked_per_s = static_cast<double>(r.acked) / window_s;
  r.delivered_per_s = static_cast<double>(r.delivered) / window_s;
  std::vector<std::int64_t> acks = gather(counters, &Counters::ack_ns);
  std::vector<std::int64_t> deliveries = gather(counters, &Counters::deliver_ns);
  r.send_to_ack = percentiles(acks);
  r.send_to_deliver = percentiles(deliveries);
}

std::string DirectResult::json() const {
  std::ostringstream out;
  out << "{\"scenario\":\"" << scenario << "\",\"pairs\":" << options.pairs
      << ",\"offered_per_s\":" << options.rate << ",\"seconds\":" << options.seconds
      << ",\"sent\":" << sent << ",\"acked\":" << acked << ",\"delivered\":" << delivered
      << ",\"acked_per_s\":" << acked_per_s << ",\"delivered_per_s\":" << delivered_per_s
      << ",\"lost\":" << lost << ",\"duplicates\":" << duplicates
      << ",\"redelivered\":" << redelivered << ",\"out_of_order\":" << out_of_order
      << ",\"errors\":" << errors << ",\"send_to_ack\":" << to_json(send_to_ack)
      << ",\"send_to_deliver\":" << to_json(send_to_deliver)
      << ",\"cpu\":" << to_json(cpu, static_cast<double>(delivered)) << "}";
  return out.str();
}

void DirectResult::print() const {
  std::printf("%s: %d pairs, offered %.0f msg/s for %.1f s\n", scenario.c_str(), options.pairs,
              options.rate, options.seconds);
  std::printf("  sent %lld  acked %lld (%.0f/s)  delivered %lld (%.0f/s)\n",
              static_cast<long long>(sent), static_cast<long long>(acked), acked_per_s,
              static_cast<long long>(delivered), delivered_per_s);
  print_losses(lost, duplicates, out_of_order, errors, redelivered);
  print_latency_header();
  print_latency("send->ack", send_to_ack);
  print_latency("send->deliver", send_to_deliver);
  print_cpu(cpu, static_cast<double>(delivered));
}

int report_direct(const DirectResult& r, const Target& target) {
  if (r.registration_failed) return 2;
  if (target.json) {
    std::cout << r.json() << "\n";
  } else {
    r.print();
  }
  return r.clean() ? 0 : 1;
}

int run_direct(const Target& target, const DirectOptions& options) {
  return report_direct(measure_direct(target, options), target);
}

}  // namespace parley::bench
