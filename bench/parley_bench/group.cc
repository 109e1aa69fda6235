// `group`: fan-out to one large group. M members are registered, K of them stay online (the
// creator and the S senders among them); the senders send R msgs/s to the group in total, open
// loop. Every online member but the sending device must get every message exactly once, in seq
// order: deliveries/s counts those, and each is accounted for (lost, duplicated, out of order).
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
constexpr std::uint64_t kCreateId = 5;
constexpr std::uint64_t kFirstSendId = 10;
constexpr double kSetupSeconds = 120;

// State of one online member, touched only on its connection's thread.
struct Member {
  std::int64_t last_seq = 0;
  Receiver receiving;
  std::vector<bool> seen;  // by (sender, k): index sender * planned + k
  bool saw_creation = false;
  Schedule schedule;  // senders only
};

}  // namespace

int run_group(const Target& target, const GroupOptions& o) {
  if (o.online > o.members || o.senders > o.online || o.senders < 1) {
    std::cerr << "parley-bench group: need 1 <= senders <= online <= members\n";
    return 2;
  }
  raise_file_limit();
  Workers workers(target.threads);
  std::vector<std::unique_ptr<Counters>> counters;
  for (std::size_t i = 0; i < workers.size(); ++i) counters.push_back(std::make_unique<Counters>());
  const tcp::endpoint server(asio::ip::make_address(target.host), target.port);
  const std::string tag = run_tag();
  const double per_sender_rate = o.rate / o.senders;
  const auto interval_ns = static_cast<std::int64_t>(1e9 / per_sender_rate);
  const auto planned = static_cast<std::int64_t>(std::llround(per_sender_rate * o.seconds));
  const auto online = static_cast<std::size_t>(o.online);

  // User 0 creates the group; users 0..S-1 send; users 0..K-1 stay online.
  std::vector<std::string> names;
  for (int i = 0; i < o.members; ++i) names.push_back("g" + tag + "m" + std::to_string(i));
  std::vector<Member> members(online);
  for (auto& m : members) m.seen.assign(static_cast<std::size_t>(planned * o.senders), false);
  std::vector<Schedule> schedules(static_cast<std::size_t>(o.senders));
  std::atomic<std::int64_t> conversation_id{0};
  std::atomic<bool> created{false};
  std::atomic<std::size_t> members_in{0};  // online members that have seen the group's first entry

  auto on_frame = [&](std::size_t user, const v1::ServerFrame& f) {
    if (user >= online) return;
    Member& me = members[user];
    Counters& t = *counters[user % counters.size()];
    if (f.id() == kCreateId) {
      if (f.has_conversation()) conversation_id = f.conversation().conversation_id();
      if (!f.has_conversation()) std::cerr << "create_group: " << f.ShortDebugString() << "\n";
      return created.store(true);
    }
    if (f.has_error()) return void(t.errors.fetch_add(1, std::memory_order_relaxed));
    if (f.has_send_ack()) {
      const auto k = static_cast<std::int64_t>(f.id() - kFirstSendId);
      return t.record_ack(now_ns() - schedules[user].due(k));
    }
    if (!f.has_message()) return;
    const auto& m = f.message().message();
    if (!me.receiving.take(m, t)) return;
    // Senders do not get their own messages, so their seqs skip; they must never go back.
    if (m.seq() < me.last_seq) t.out_of_order.fetch_add(1, std::memory_order_relaxed);
    me.last_seq = std::max(me.last_seq, m.seq());
    if (m.kind() == v1::SYSTEM && !me.saw_creation) {
      me.saw_creation = true;
      return void(members_in.fetch_add(1));
    }
    if (m.kind() != v1::TEXT) return;
    // Text "sender:k".
    char* end = nullptr;
    const long sender = std::strtol(m.text().c_str(), &end, 10);
    const std::int64_t k = end && *end == ':' ? std::strtoll(end + 1, nullptr, 10) : -1;
    if (sender < 0 || sender >= o.senders || k < 0 || k >= planned) {
      return void(t.errors.fetch_add(1, std::memory_order_relaxed));
    }
    const auto slot = static_cast<std::size_t>(sender * planned + k);
    if (me.seen[slot]) return void(t.duplicates.fetch_add(1, std::memory_order_relaxed));
    me.seen[slot] = true;
    t.record_delivery(now_ns() - schedules[static_cast<std::size_t>(sender)].due(k));
  };

  EnrollResult enrolled = enroll(workers, server, names, 8, on_frame);
  if (enrolled.failed > 0) {
    std::cerr << "parley-bench: " << enrolled.failed << " connections failed to register\n";
    workers.stop();  // the handlers use this function's locals
    return 2;
  }
  // Members beyond the online ones only had to exist.
  for (std::size_t i = online; i < enrolled.users.size(); ++i) {
    asio::post(workers.io(i), [c = enrolled.users[i].connection] { c->close(); });
  }
  for (std::size_t i = 0; i < online; ++i) {
    asio::post(workers.io(i), [c = enrolled.users[i].connection.get(), me = &members[i]] {
      me->receiving.ack_after_each_read(c);
    });
  }

  const std::int64_t setup_start = now_ns();
  v1::ClientFrame create;
  create.set_id(kCreateId);
  create.mutable_create_group()->set_title("bench " + tag);
  for (std::size_t i = 1; i < names.size(); ++i)
    create.mutable_create_group()->add_members(names[i]);
  asio::post(workers.io(0), [c = enrolled.users[0].connection, create] {
    c->queue(create);
    c->flush();
  });
  // Every online member has seen the group's first entry: the fan-out is live.
  const bool ready = await_until([&] { return created.load(); }, kSetupSeconds) &&
                     conversation_id != 0 &&
                     await_until([&] { return members_in.load() == online; }, kSetupSeconds);
  if (!ready) {
    std::cerr << "parley-bench: the group was not created, or not every member saw it, in time\n";
    workers.stop();
    return 2;
  }
  const double create_s = static_cast<double>(now_ns() - setup_start) / 1e9;

  const std::int64_t start = now_ns() + 50'000'000;
  for (int s = 0; s < o.senders; ++s) {
    schedules[static_cast<std::size_t>(s)] =
        Schedule{start + interval_ns * s / o.senders, interval_ns, 0};
  }
  const CpuMeter cpu(target.server_pid);
  OpenLoop loop(workers);
  const std::int64_t conversation = conversation_id;
  for (std::size_t w = 0; w < workers.size(); ++w) {
    std::vector<std::size_t> mine;
    for (std::size_t s = w; s < schedules.size(); s += workers.size()) mine.push_back(s);
    loop.run_on(
        w, [mine, planned, conversation, &schedules, &enrolled, &counters, w](std::int64_t now) {
          bool more = false;
          for (std::size_t s : mine) {
            auto& connection = *enrolled.users[s].connection;
            for (const std::int64_t k : schedules[s].take_due(now, planned)) {
              v1::ClientFrame f;
              f.set_id(kFirstSendId + static_cast<std::uint64_t>(k));
              auto* send = f.mutable_send();
              send->set_conversation_id(conversation);
              const std::string text = std::to_string(s) + ":" + std::to_string(k);
              send->set_client_msg_id(text);
              send->set_text(text);
              connection.queue(f);
              counters[w]->sent.fetch_add(1, std::memory_order_relaxed);
            }
            connection.flush();
            more = more || schedules[s].sent < planned;
          }
          return more;
        });
  }
  const std::int64_t total = planned * o.senders;
  const std::int64_t expected = total * (o.online - 1);  // every online device but the sender's
  const std::int64_t send_end = start + static_cast<std::int64_t>(o.seconds * 1e9);
  wait_until_done(counters, send_end, send_end + static_cast<std::int64_t>(o.drain_seconds * 1e9),
                  total, expected);
  const CpuUse used = cpu.elapsed();
  workers.stop();
  loop.clear();

  const Totals totals = sum(counters);
  const std::int64_t lost = expected - totals.delivered;
  const double window_s =
      std::max(o.seconds, static_cast<double>(totals.last_event_ns - start) / 1e9);
  std::vector<std::int64_t> acks = gather(counters, &Counters::ack_ns);
  std::vector<std::int64_t> deliveries = gather(counters, &Counters::deliver_ns);
  const Percentiles ack_p = percentiles(acks);
  const Percentiles del_p = percentiles(deliveries);
  const double per_s = static_cast<double>(totals.delivered) / window_s;
  if (target.json) {
    std::ostringstream out;
    out << "{\"scenario\":\"group\",\"members\":" << o.members << ",\"online\":" << o.online
        << ",\"senders\":" << o.senders << ",\"offered_per_s\":" << o.rate
        << ",\"seconds\":" << o.seconds << ",\"create_s\":" << create_s
        << ",\"sent\":" << totals.sent << ",\"acked\":" << totals.acked
        << ",\"expected_deliveries\":" << expected << ",\"delivered\":" << totals.delivered
        << ",\"deliveries_per_s\":" << per_s << ",\"lost\":" << lost
        << ",\"duplicates\":" << totals.duplicates << ",\"redelivered\":" << totals.redelivered
        << ",\"out_of_order\":" << totals.out_of_order << ",\"errors\":" << totals.errors
        << ",\"send_to_ack\":" << to_json(ack_p) << ",\"send_to_deliver\":" << to_json(del_p)
        << ",\"cpu\":" << to_json(used, static_cast<double>(totals.delivered)) << "}";
    std::cout << out.str() << "\n";
  } else {
    std::printf(
        "group: %d members, %d online, %d senders, %.0f msg/s for %.1f s (created in %.2f s)\n",
        o.members, o.online, o.senders, o.rate, o.seconds, create_s);
    std::printf("  sent %lld  acked %lld  delivered %lld of %lld (%.0f deliveries/s)\n",
                static_cast<long long>(totals.sent), static_cast<long long>(totals.acked),
                static_cast<long long>(totals.delivered), static_cast<long long>(expected), per_s);
    print_losses(lost, totals.duplicates, totals.out_of_order, totals.errors, totals.redelivered);
    print_latency_header();
    print_latency("send->ack", ack_p);
    print_latency("send->deliver", del_p);
    print_cpu(used, static_cast<double>(totals.delivered));
  }
  const bool clean = lost == 0 && totals.duplicates == 0 && totals.out_of_order == 0 &&
                     totals.errors == 0 && totals.acked == total;
  return clean ? 0 : 1;
}

}  // namespace parley::bench
