// `mqtt-direct`: the `direct` scenario spoken in MQTT 3.1.1 to any broker (Mosquitto for the
// side-by-side; Parley's MQTT gateway once it exists). P pairs: the sender publishes message k to
// its pair's topic at QoS 1 when it is due, the receiver is subscribed to that topic at QoS 1 and
// PUBACKs each delivery. send->ack is due time to the sender's PUBACK, send->deliver due time to
// the receiver's PUBLISH, as in `direct`; payload k finds lost, duplicated and reordered
// messages.
#include <boost/asio/post.hpp>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <variant>
#include <vector>

#include "gateway/mqtt/decoder.h"
#include "gateway/mqtt/encoder.h"
#include "parley_bench/open_loop.h"
#include "parley_bench/scenarios.h"

namespace parley::bench {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
constexpr auto kVersion = mqtt::Version::v311;

// A QoS 1 packet id for message k (1..65535, never 0); with fewer than 65,535 messages of one
// sender in flight, the next PUBACK's id names the oldest unacknowledged k.
std::uint16_t packet_id(std::int64_t k) { return static_cast<std::uint16_t>(k % 65'535 + 1); }

struct MqttPair {
  std::size_t thread = 0;
  std::shared_ptr<BenchConnection> sender, receiver;
  std::string topic;
  Schedule schedule;
  std::int64_t next_ack = 0;    // the k whose PUBACK comes next
  std::int64_t last_seen = -1;  // highest k delivered
  std::vector<bool> delivered;
};

template <class Packet>
void queue_packet(BenchConnection& connection, const Packet& packet) {
  std::string bytes;
  if (auto done = mqtt::encode(packet, kVersion, bytes); !done) return;
  connection.queue_bytes(bytes);
}

// Calls on_packet for each whole packet at the start of `in`; returns the bytes consumed. A
// packet that cannot be parsed closes nothing here: it counts as an error and ends the read.
template <class OnPacket>
std::size_t each_packet(std::string_view in, Counters& counters, OnPacket on_packet) {
  std::size_t used = 0;
  while (true) {
    mqtt::ParseResult r = mqtt::parse(in.substr(used), {}, kVersion);
    if (r.status == mqtt::ParseStatus::need_more) return used;
    if (r.status == mqtt::ParseStatus::error) {
      counters.errors.fetch_add(1, std::memory_order_relaxed);
      return in.size();
    }
    on_packet(r.packet);
    used += r.consumed;
  }
}

}  // namespace

DirectResult measure_mqtt_direct(const Target& target, const DirectOptions& o) {
  DirectResult r;
  r.scenario = "mqtt-direct";
  r.options = o;
  Workers workers(target.threads);
  std::vector<std::unique_ptr<Counters>> counters;
  for (std::size_t i = 0; i < workers.size(); ++i) counters.push_back(std::make_unique<Counters>());
  const tcp::endpoint server(asio::ip::make_address(target.host), target.port);
  const std::string tag = run_tag();
  const double per_pair_rate = o.rate / o.pairs;
  const auto interval_ns = static_cast<std::int64_t>(1e9 / per_pair_rate);
  const auto planned = static_cast<std::int64_t>(std::llround(per_pair_rate * o.seconds));
  std::vector<MqttPair> pairs(static_cast<std::size_t>(o.pairs));
  std::atomic<int> ready{0}, failed{0};

  for (std::size_t i = 0; i < pairs.size(); ++i) {
    MqttPair& pair = pairs[i];
    pair.thread = (2 * i) % workers.size();
    pair.topic = "bench/" + tag + "/" + std::to_string(i);
    pair.delivered.assign(static_cast<std::size_t>(planned), false);
    pair.schedule.interval_ns = interval_ns;
    Counters& sending = *counters[pair.thread];
    Counters& receiving = *counters[(2 * i + 1) % workers.size()];
    pair.sender = std::make_shared<BenchConnection>(workers.io(2 * i), nullptr);
    pair.receiver = std::make_shared<BenchConnection>(workers.io(2 * i + 1), nullptr);
    BenchConnection* sender = pair.sender.get();
    BenchConnection* receiver = pair.receiver.get();
    sender->set_consumer([&pair, &sending, &ready](std::string_view in) {
      return each_packet(in, sending, [&](const mqtt::Packet& packet) {
        if (std::holds_alternative<mqtt::Connack>(packet)) {
          ready.fetch_add(1);
        } else if (const auto* ack = std::get_if<mqtt::Puback>(&packet)) {
          if (ack->packet_id != packet_id(pair.next_ack)) {
            sending.errors.fetch_add(1, std::memory_order_relaxed);  // acked out of order
            return;
          }
          sending.record_ack(now_ns() - pair.schedule.due(pair.next_ack));
          ++pair.next_ack;
        }
      });
    });
    receiver->set_consumer([&pair, &receiving, &ready, receiver, planned](std::string_view in) {
      return each_packet(in, receiving, [&](const mqtt::Packet& packet) {
        if (std::holds_alternative<mqtt::Connack>(packet)) {
          mqtt::Subscribe subscribe{.packet_id = 1};
          subscribe.subscriptions.push_back({.filter = pair.topic, .qos = 1});
          queue_packet(*receiver, subscribe);
        } else if (std::holds_alternative<mqtt::Suback>(packet)) {
          ready.fetch_add(1);
        } else if (const auto* publish = std::get_if<mqtt::Publish>(&packet)) {
          if (publish->qos > 0)
            queue_packet(*receiver, mqtt::Puback{.packet_id = publish->packet_id});
          const std::int64_t k = std::strtoll(std::string(publish->payload).c_str(), nullptr, 10);
          if (k < 0 || k >= planned) return;
          const auto index = static_cast<std::size_t>(k);
          if (pair.delivered[index]) {
            receiving.duplicates.fetch_add(1, std::memory_order_relaxed);
            return;
          }
          pair.delivered[index] = true;
          if (k < pair.last_seen) receiving.out_of_order.fetch_add(1, std::memory_order_relaxed);
          pair.last_seen = std::max(pair.last_seen, k);
          receiving.record_delivery(now_ns() - pair.schedule.due(k));
        }
      });
    });
    const std::string sender_id = "b" + tag + "s" + std::to_string(i);
    const std::string receiver_id = "b" + tag + "r" + std::to_string(i);
    auto open = [&server, &failed](BenchConnection* connection, std::string client_id) {
      connection->connect(server, "", [connection, client_id, &failed](bool ok) {
        if (!ok) return void(failed.fetch_add(1));
        queue_packet(*connection,
                     mqtt::Connect{.version = kVersion, .keep_alive = 600, .client_id = client_id});
        connection->flush();
      });
    };
    asio::post(workers.io(2 * i), [open, sender, sender_id] { open(sender, sender_id); });
    asio::post(workers.io(2 * i + 1),
               [open, receiver, receiver_id] { open(receiver, receiver_id); });
  }
  const int expected_ready = 2 * o.pairs;
  if (!await_until([&] { return ready.load() >= expected_ready || failed.load() > 0; }, 60) ||
      failed.load() > 0) {
    std::cerr << "parley-bench: " << failed.load() << " MQTT connections failed, " << ready.load()
              << " of " << expected_ready << " ready\n";
    r.registration_failed = true;
    workers.stop();
    return r;
  }

  const std::int64_t start = now_ns() + 50'000'000;
  stagger(pairs, start, interval_ns);
  const CpuMeter cpu(target.server_pid);
  OpenLoop loop(workers);
  tick_pairs(
      loop, workers.size(), pairs, planned, counters,
      [](MqttPair& pair, std::int64_t k) {
        const std::string text = std::to_string(k);
        queue_packet(
            *pair.sender,
            mqtt::Publish{
                .qos = 1, .topic = pair.topic, .packet_id = packet_id(k), .payload = text});
      },
      [](MqttPair& pair) { pair.sender->flush(); });

  const std::int64_t total = planned * o.pairs;
  const std::int64_t send_end = start + static_cast<std::int64_t>(o.seconds * 1e9);
  const std::int64_t deadline = send_end + static_cast<std::int64_t>(o.drain_seconds * 1e9);
  wait_until_done(counters, send_end, deadline, total, total);
  r.cpu = cpu.elapsed();
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    asio::post(workers.io(2 * i), [c = pairs[i].sender] { c->close(); });
    asio::post(workers.io(2 * i + 1), [c = pairs[i].receiver] { c->close(); });
  }
  workers.stop();
  loop.clear();
  fill_direct_result(r, counters, start, o.seconds);
  return r;
}

int run_mqtt_direct(const Target& target, const DirectOptions& options) {
  return report_direct(measure_mqtt_direct(target, options), target);
}

}  // namespace parley::bench
