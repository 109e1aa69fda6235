// What the open-loop scenarios share: when each message is due, per-thread counters and latency
// samples, the ticking sender, the wait for stragglers, and the printed lines.
#pragma once

#include <algorithm>
#include <atomic>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "parley_bench/connection.h"
#include "parley_bench/scenarios.h"
#include "parley_bench/stats.h"

namespace parley::bench {

// Message k of one sender is due at start + k * interval, whether or not the server keeps up.
struct Schedule {
  std::int64_t start_ns = 0;
  std::int64_t interval_ns = 0;
  std::int64_t sent = 0;  // messages 0..sent-1 have been queued

  std::int64_t due(std::int64_t k) const { return start_ns + k * interval_ns; }
  // The indexes due by `now` and not yet sent (at most `planned` in all); marks them sent.
  struct Range {
    std::int64_t from, to;
    struct It {
      std::int64_t k;
      std::int64_t operator*() const { return k; }
      It& operator++() { return ++k, *this; }
      bool operator!=(const It& o) const { return k != o.k; }
    };
    It begin() const { return {from}; }
    It end() const { return {to}; }
  };
  Range take_due(std::int64_t now, std::int64_t planned) {
    const std::int64_t due_count =
        now < start_ns ? 0 : std::min(planned, (now - start_ns) / interval_ns + 1);
    const Range r{sent, std::max(sent, due_count)};
    sent = r.to;
    return r;
  }
};

// One per generator thread: the vectors are touched only by that thread; the atomics are read by
// the main thread to see progress.
struct Counters {
  std::vector<std::int64_t> ack_ns, deliver_ns;
  // duplicates: one message shown twice (two seqs with the same content), which the server must
  // never do. redelivered: the same seq again, which the protocol allows (an event not
  // acknowledged in time is resent) and a client drops by seq.
  std::atomic<std::int64_t> sent{0}, acked{0}, delivered{0}, duplicates{0}, redelivered{0},
      out_of_order{0}, errors{0}, last_event_ns{0};

  void record_ack(std::int64_t latency_ns) {
    ack_ns.push_back(latency_ns);
    acked.fetch_add(1, std::memory_order_relaxed);
    last_event_ns.store(now_ns(), std::memory_order_relaxed);
  }
  void record_delivery(std::int64_t latency_ns) {
    deliver_ns.push_back(latency_ns);
    delivered.fetch_add(1, std::memory_order_relaxed);
    last_event_ns.store(now_ns(), std::memory_order_relaxed);
  }
};

struct Totals {
  std::int64_t sent = 0, acked = 0, delivered = 0, duplicates = 0, redelivered = 0,
               out_of_order = 0, errors = 0, last_event_ns = 0;
};

// The seqs one device has received: tells a protocol resend (same seq) from a real duplicate.
class SeenSeqs {
 public:
  // False when `seq` was seen before.
  bool insert(std::int64_t seq) {
    const auto i = static_cast<std::size_t>(seq);
    if (i >= seen_.size()) seen_.resize(std::max(i + 1, seen_.size() * 2), false);
    if (seen_[i]) return false;
    seen_[i] = true;
    return true;
  }

 private:
  std::vector<bool> seen_;
};
Totals sum(const std::vector<std::unique_ptr<Counters>>& counters);
std::vector<std::int64_t> gather(const std::vector<std::unique_ptr<Counters>>& counters,
                                 std::vector<std::int64_t> Counters::*field);

// Polls `done` every 5 ms from this (non-worker) thread until it holds or `seconds` pass; false
// on timeout. Every wait of the generator is bounded, so a server that dies fails the run
// instead of hanging it.
bool await_until(const std::function<bool()>& done, double seconds);

// Returns once sending has ended and every expected ack and delivery is in, or at the deadline.
void wait_until_done(const std::vector<std::unique_ptr<Counters>>& counters,
                     std::int64_t send_end_ns, std::int64_t deadline_ns, std::int64_t expected_acks,
                     std::int64_t expected_deliveries);

// A ticker per worker thread calling `tick(now)` every `period` until it returns false.
class OpenLoop {
 public:
  explicit OpenLoop(Workers& workers) : workers_(workers) {}
  void run_on(std::size_t worker, std::function<bool(std::int64_t now)> tick,
              std::chrono::milliseconds period = std::chrono::milliseconds(1));
  // After the workers stopped: frees the tickers (each holds itself to re-arm).
  void clear();

 private:
  Workers& workers_;
  std::vector<std::shared_ptr<std::function<void()>>> ticks_;
};

// What a receiving device does with each message event, as a real client would: keeps its seq (a
// second copy is a protocol resend: counted and dropped) and acknowledges it, every message of
// one read in one delivery_ack frame. Touched only on its connection's thread.
class Receiver {
 public:
  // Acknowledges `m`; false when its seq was seen before.
  bool take(const v1::Message& m, Counters& counters) {
    auto* ref = pending_ack_.mutable_delivery_ack()->add_messages();
    ref->set_conversation_id(m.conversation_id());
    ref->set_seq(m.seq());
    if (seqs_.insert(m.seq())) return true;
    counters.redelivered.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  // Sends the acks once per read; call on the connection's thread. The connection owns the
  // callback, which holds only raw pointers.
  void ack_after_each_read(BenchConnection* connection) {
    connection->set_after_read([this, connection] {
      if (pending_ack_.delivery_ack().messages_size() == 0) return;
      connection->queue(pending_ack_);
      pending_ack_.Clear();
    });
  }

 private:
  SeenSeqs seqs_;
  v1::ClientFrame pending_ack_;
};

// Pair i of a pairs scenario starts i/P of one interval after `start`, so the offered load is
// smooth, not bursts. Pair: has `schedule`.
template <class Pair>
void stagger(std::vector<Pair>& pairs, std::int64_t start, std::int64_t interval_ns) {
  const auto count = static_cast<std::int64_t>(pairs.size());
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    pairs[i].schedule.start_ns = start + interval_ns * static_cast<std::int64_t>(i) / count;
  }
}

// One ticker per worker for the pairs whose sender runs there (Pair: has `thread` and
// `schedule`): send(pair, k) queues each message when it is due, counted as sent, then
// flush(pair) writes them in one go.
template <class Pair, class Send, class Flush>
void tick_pairs(OpenLoop& loop, std::size_t workers, std::vector<Pair>& pairs, std::int64_t planned,
                std::vector<std::unique_ptr<Counters>>& counters, Send send, Flush flush) {
  for (std::size_t w = 0; w < workers; ++w) {
    std::vector<Pair*> mine;
    for (auto& p : pairs) {
      if (p.thread == w) mine.push_back(&p);
    }
    loop.run_on(w, [mine, planned, &counters, w, send, flush](std::int64_t now) {
      bool more = false;
      for (Pair* p : mine) {
        for (const std::int64_t k : p->schedule.take_due(now, planned)) {
          send(*p, k);
          counters[w]->sent.fetch_add(1, std::memory_order_relaxed);
        }
        flush(*p);
        more = more || p->schedule.sent < planned;
      }
      return more;
    });
  }
}

struct DirectResult;
// After a direct-shaped run: the totals, rates over the run's window and latency percentiles.
void fill_direct_result(DirectResult& r, const std::vector<std::unique_ptr<Counters>>& counters,
                        std::int64_t start_ns, double seconds);
// Prints (or writes as JSON) a direct-shaped result; the exit status of run_direct.
int report_direct(const DirectResult& r, const Target& target);

void print_losses(std::int64_t lost, std::int64_t duplicates, std::int64_t out_of_order,
                  std::int64_t errors, std::int64_t redelivered = 0);
void print_latency_header();
void print_latency(const char* what, const Percentiles& p);
void print_cpu(const CpuUse& cpu, double messages);

}  // namespace parley::bench
