// `sync`: the reconnect storm. N clients are registered and go offline; each then misses X
// direct messages. All N reconnect at once (resume with their token), sync, and fetch what they
// missed page by page, as a real client does after being away. Reports the time until every
// client holds all of its messages, and checks each one got exactly its X messages, in order.
#include <atomic>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>
#include <vector>

#include "parley_bench/enroll.h"
#include "parley_bench/frames.h"
#include "parley_bench/open_loop.h"
#include "parley_bench/scenarios.h"

namespace parley::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr std::uint64_t kSyncId = 3;
constexpr std::uint64_t kHistoryId = 4;
constexpr std::uint64_t kFirstSendId = 10;
constexpr int kSendWindow = 256;   // sends in flight per setup connection
constexpr int kHistoryPage = 200;  // the server's largest page
constexpr int kMaxRetries = 100;   // per client: UNAVAILABLE answers retried after their hint

// A setup connection sending the missed messages: its receivers, X each, `kSendWindow` in flight.
struct Feeder {
  std::vector<std::size_t> receivers;
  std::int64_t next = 0, acked = 0, total = 0;
};

// A reconnecting client, touched only on its connection's thread.
struct Client {
  std::shared_ptr<BenchConnection> connection;
  std::int64_t conversation = 0;
  std::int64_t last_seq = 0;  // what sync said the conversation holds
  std::int64_t held = 0;      // every seq up to here is in
  std::vector<bool> seen;     // texts "0".."X-1"
  int retries = 0;
  bool done = false;
};

}  // namespace

int run_sync(const Target& target, const SyncOptions& o) {
  raise_file_limit();
  Workers workers(target.threads);
  const tcp::endpoint server(asio::ip::make_address(target.host), target.port);
  const std::string tag = run_tag();
  const auto n = static_cast<std::size_t>(o.clients);
  const int feeders = std::max(1, std::min(o.senders, o.clients));

  // Users 0..N-1 are the clients, N..N+F-1 the feeders that send while they are away.
  std::vector<std::string> names;
  for (std::size_t i = 0; i < n; ++i) names.push_back("y" + tag + "c" + std::to_string(i));
  for (int f = 0; f < feeders; ++f) names.push_back("y" + tag + "f" + std::to_string(f));
  std::vector<Feeder> feed(static_cast<std::size_t>(feeders));
  for (std::size_t i = 0; i < n; ++i) feed[i % feed.size()].receivers.push_back(i);
  for (auto& f : feed) f.total = static_cast<std::int64_t>(f.receivers.size()) * o.missed;
  std::atomic<std::int64_t> setup_acked{0}, setup_errors{0};
  const std::int64_t setup_total = static_cast<std::int64_t>(n) * o.missed;

  EnrollResult* users = nullptr;
  // Queues the feeder's next sends up to the window: message k goes to receivers[k % R].
  auto pump = [&](std::size_t f) {
    Feeder& me = feed[f];
    auto& connection = *users->users[n + f].connection;
    while (me.next < me.total && me.next - me.acked < kSendWindow) {
      const std::int64_t k = me.next++;
      const std::size_t receiver = me.receivers[static_cast<std::size_t>(k) % me.receivers.size()];
      const std::int64_t text = k / static_cast<std::int64_t>(me.receivers.size());
      v1::ClientFrame frame;
      frame.set_id(kFirstSendId + static_cast<std::uint64_t>(k));
      frame.mutable_send()->set_to_user(names[receiver]);
      frame.mutable_send()->set_client_msg_id(std::to_string(k));
      frame.mutable_send()->set_text(std::to_string(text));
      connection.queue(frame);
    }
    connection.flush();
  };
  auto on_setup_frame = [&](std::size_t user, const v1::ServerFrame& f) {
    if (user < n) return;
    if (f.has_error()) setup_errors.fetch_add(1);
    if (!f.has_send_ack() && !f.has_error()) return;
    ++feed[user - n].acked;
    setup_acked.fetch_add(1, std::memory_order_relaxed);
    pump(user - n);
  };
  EnrollResult enrolled = enroll(workers, server, names, 8, on_setup_frame);
  users = &enrolled;
  if (enrolled.failed > 0) {
    std::cerr << "parley-bench: " << enrolled.failed << " connections failed to register\n";
    workers.stop();  // the handlers use this function's locals
    return 2;
  }
  // The clients go away before anything is sent to them.
  std::atomic<std::size_t> offline{0};
  for (std::size_t i = 0; i < n; ++i) {
    asio::post(workers.io(i), [c = enrolled.users[i].connection, &offline] {
      c->close();
      offline.fetch_add(1);
    });
  }
  await_until([&] { return offline.load() == n; }, o.deadline_seconds);
  const std::int64_t setup_start = now_ns();
  for (std::size_t f = 0; f < feed.size(); ++f)
    asio::post(workers.io(n + f), [&pump, f] { pump(f); });
  const bool sent =
      await_until([&] { return setup_acked.load() == setup_total; }, o.deadline_seconds);
  const double setup_s = static_cast<double>(now_ns() - setup_start) / 1e9;
  if (!sent || setup_errors.load() > 0) {
    std::cerr << "parley-bench: the missed messages were not all sent (" << setup_errors.load()
              << " refused, " << setup_total - setup_acked.load() << " unanswered)\n";
    workers.stop();
    return 2;
  }

  // The storm: every client reconnects at once.
  std::vector<Client> clients(n);
  std::atomic<std::int64_t> received{0}, duplicates{0}, out_of_order{0}, errors{0}, retried{0};
  std::vector<std::int64_t> complete_ns(n, 0);
  std::atomic<std::size_t> finished{0};
  const std::int64_t storm_start = now_ns();
  auto fetch = [](Client& c) {
    v1::ClientFrame h;
    h.set_id(kHistoryId);
    h.mutable_history()->set_conversation_id(c.conversation);
    h.mutable_history()->set_after_seq(c.held);
    h.mutable_history()->set_limit(kHistoryPage);
    c.connection->queue(h);
  };
  auto finish = [&](std::size_t i) {
    Client& c = clients[i];
    if (c.done) return;
    c.done = true;
    complete_ns[i] = now_ns() - storm_start;
    finished.fetch_add(1);
  };
  const CpuMeter cpu(target.server_pid);
  for (std::size_t i = 0; i < n; ++i) {
    Client& c = clients[i];
    c.seen.assign(static_cast<std::size_t>(o.missed), false);
    c.connection =
        std::make_shared<BenchConnection>(workers.io(i), [&, i](const v1::ServerFrame& f) {
          Client& me = clients[i];
          if (me.done) return;
          // A full server queue answers UNAVAILABLE with a hint: a real client waits that long
          // and asks again, and so does this one (counted as retried, not as an error).
          if (f.has_error() && f.error().code() == v1::UNAVAILABLE &&
              f.error().retry_after_ms() > 0 && me.retries < kMaxRetries) {
            ++me.retries;
            retried.fetch_add(1, std::memory_order_relaxed);
            auto timer = std::make_shared<asio::steady_timer>(
                workers.io(i), std::chrono::milliseconds(f.error().retry_after_ms()));
            timer->async_wait([&, i, timer, id = f.id()](const boost::system::error_code& e) {
              if (e) return;
              Client& again = clients[i];
              if (id == kSyncId) {
                v1::ClientFrame s;
                s.set_id(kSyncId);
                s.mutable_sync()->set_user_seq(0);
                again.connection->queue(s);
              } else if (id == kHistoryId) {
                fetch(again);
              } else {
                again.connection->queue(resume_frame(enrolled.users[i].token));
              }
              again.connection->flush();
            });
            return;
          }
          if (f.has_error() || f.has_goodbye()) {
            errors.fetch_add(1);
            return finish(i);
          }
          if (f.has_auth_ok()) {
            v1::ClientFrame s;
            s.set_id(kSyncId);
            s.mutable_sync()->set_user_seq(0);
            return me.connection->queue(s);
          }
          if (f.has_sync()) {
            // One direct conversation each; anything else is an error of the server.
            if (f.sync().conversations_size() != 1) {
              errors.fetch_add(1);
              return finish(i);
            }
            me.conversation = f.sync().conversations(0).conversation_id();
            me.last_seq = f.sync().conversations(0).last_seq();
            return fetch(me);
          }
          if (!f.has_history()) return;
          for (const auto& m : f.history().messages()) {
            if (m.seq() != me.held + 1) out_of_order.fetch_add(1, std::memory_order_relaxed);
            me.held = std::max(me.held, m.seq());
            const long k = std::strtol(m.text().c_str(), nullptr, 10);
            if (k < 0 || k >= o.missed) {
              errors.fetch_add(1, std::memory_order_relaxed);
              continue;
            }
            if (me.seen[static_cast<std::size_t>(k)]) {
              duplicates.fetch_add(1, std::memory_order_relaxed);
              continue;
            }
            me.seen[static_cast<std::size_t>(k)] = true;
            received.fetch_add(1, std::memory_order_relaxed);
          }
          if (f.history().has_more() && me.held < me.last_seq) return fetch(me);
          finish(i);
        });
    const std::string source = "127.0.0." + std::to_string(1 + i % 8);
    asio::post(workers.io(i), [c = c.connection, server, source, token = enrolled.users[i].token,
                               &errors, &finish, i] {
      c->connect(server, source, [c, token, &errors, &finish, i](bool ok) {
        if (!ok) {
          errors.fetch_add(1);
          return finish(i);
        }
        c->queue(hello_frame(kQuietHeartbeatMs));
        c->queue(resume_frame(token));
        c->flush();
      });
    });
  }
  const std::int64_t deadline = storm_start + static_cast<std::int64_t>(o.deadline_seconds * 1e9);
  while (finished.load() < n && now_ns() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  const bool in_time = finished.load() == n;
  const double storm_s = static_cast<double>(now_ns() - storm_start) / 1e9;
  const CpuUse used = cpu.elapsed();
  workers.stop();

  std::int64_t completed = 0;
  for (std::size_t i = 0; i < n; ++i) completed += clients[i].done ? 1 : 0;
  std::vector<std::int64_t> times;
  for (std::size_t i = 0; i < n; ++i) {
    if (clients[i].done) times.push_back(complete_ns[i]);
  }
  const Percentiles p = percentiles(times);
  const std::int64_t lost = setup_total - received.load();
  if (target.json) {
    std::ostringstream out;
    out << "{\"scenario\":\"sync\",\"clients\":" << o.clients << ",\"missed\":" << o.missed
        << ",\"setup_s\":" << setup_s << ",\"completed\":" << completed
        << ",\"all_complete_s\":" << storm_s << ",\"in_time\":" << (in_time ? "true" : "false")
        << ",\"expected\":" << setup_total << ",\"received\":" << received.load()
        << ",\"lost\":" << lost << ",\"duplicates\":" << duplicates.load()
        << ",\"out_of_order\":" << out_of_order.load() << ",\"errors\":" << errors.load()
        << ",\"retried\":" << retried.load() << ",\"client_complete\":" << to_json(p)
        << ",\"cpu\":" << to_json(used, static_cast<double>(received.load())) << "}";
    std::cout << out.str() << "\n";
  } else {
    std::printf(
        "sync: %d clients x %d missed (sent in %.2f s); all reconnected and complete in %.2f s%s\n",
        o.clients, o.missed, setup_s, storm_s, in_time ? "" : " (deadline hit)");
    std::printf("  received %lld of %lld\n", static_cast<long long>(received.load()),
                static_cast<long long>(setup_total));
    print_losses(lost, duplicates.load(), out_of_order.load(), errors.load());
    print_latency_header();
    print_latency("client complete", p);
    print_cpu(used, static_cast<double>(received.load()));
  }
  const bool clean = in_time && lost == 0 && duplicates.load() == 0 && out_of_order.load() == 0 &&
                     errors.load() == 0;
  return clean ? 0 : 1;
}

}  // namespace parley::bench
