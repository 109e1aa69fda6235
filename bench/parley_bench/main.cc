// parley-bench: load generator for Parley (and for parley-ceiling, which speaks the same framing).
//   parley-bench direct --server 127.0.0.1:7010 --pairs 50 --rate 5000 --seconds 5 [--json]
//   parley-bench mqtt-direct --server 127.0.0.1:1883 --pairs 100 --rate 10000 (any MQTT broker)
//   parley-bench connections --server 127.0.0.1:7010 --count 10000 --server-pid PID
//   parley-bench group --members 10000 --online 10000 --senders 10 --rate 100 --seconds 10
//   parley-bench sync --clients 10000 --missed 100
//   parley-bench ramp --pairs 100 --from 5000 --factor 1.5 --bound-ms 50
#include <CLI/CLI.hpp>

#include "parley_bench/scenarios.h"

int main(int argc, char** argv) {
  using namespace parley::bench;
  CLI::App app{"parley-bench: load generator for the Parley native protocol"};
  app.require_subcommand(1);
  Target target;
  std::string server = "127.0.0.1:7010";
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--server", server,
                    "HOST:PORT of the native TCP listener (mqtt-direct: the broker)");
    sub->add_option("--threads", target.threads, "generator threads")->check(CLI::Range(1, 64));
    sub->add_option("--server-pid", target.server_pid, "measure this process's CPU time and RSS");
    sub->add_flag("--json", target.json, "one JSON object instead of a table");
  };

  DirectOptions direct;
  auto* d = app.add_subcommand("direct", "one-to-one traffic, open loop");
  add_common(d);
  d->add_option("--pairs", direct.pairs)->check(CLI::Range(1, 100'000));
  d->add_option("--rate", direct.rate, "messages/s offered in total")->check(CLI::Range(1.0, 1e8));
  d->add_option("--seconds", direct.seconds)->check(CLI::Range(0.1, 3600.0));
  d->add_option("--drain", direct.drain_seconds, "seconds to wait for stragglers");

  DirectOptions mqtt_direct;
  auto* m = app.add_subcommand("mqtt-direct",
                               "one-to-one traffic over MQTT 3.1.1 QoS 1 to a broker, open loop");
  add_common(m);
  m->add_option("--pairs", mqtt_direct.pairs)->check(CLI::Range(1, 30'000));
  m->add_option("--rate", mqtt_direct.rate, "messages/s offered in total")
      ->check(CLI::Range(1.0, 1e8));
  m->add_option("--seconds", mqtt_direct.seconds)->check(CLI::Range(0.1, 3600.0));
  m->add_option("--drain", mqtt_direct.drain_seconds, "seconds to wait for stragglers");

  ConnectionsOptions connections;
  auto* c = app.add_subcommand("connections", "many idle authenticated connections");
  add_common(c);
  c->add_option("--count", connections.count)->check(CLI::Range(1, 1'000'000));
  c->add_option("--hold", connections.hold_seconds);
  c->add_option("--sources", connections.source_addresses, "127.0.0.1..N source addresses")
      ->check(CLI::Range(1, 254));
  c->add_option("--tls-port", connections.tls_port,
                "hold the connections over TLS to this port (accounts are made over --server)");
  c->add_option("--tls-window", connections.tls_window,
                "TLS connections being opened at once (default 256)");
  c->add_flag("--wss", connections.wss,
              "--tls-port is an HTTPS port: hold the connections over WSS (/ws)");
  c->add_flag("--tls-resume", connections.tls_resume,
              "resume TLS sessions: every connection offers the first one's ticket");

  GroupOptions group;
  auto* g = app.add_subcommand("group", "fan-out to one large group, open loop");
  add_common(g);
  g->add_option("--members", group.members)->check(CLI::Range(2, 1'000'000));
  g->add_option("--online", group.online)->check(CLI::Range(2, 1'000'000));
  g->add_option("--senders", group.senders)->check(CLI::Range(1, 10'000));
  g->add_option("--rate", group.rate, "messages/s sent to the group")->check(CLI::Range(0.1, 1e7));
  g->add_option("--seconds", group.seconds)->check(CLI::Range(0.1, 3600.0));
  g->add_option("--drain", group.drain_seconds, "seconds to wait for stragglers");

  SyncOptions sync;
  auto* s = app.add_subcommand("sync", "reconnect-and-sync storm");
  add_common(s);
  s->add_option("--clients", sync.clients)->check(CLI::Range(1, 1'000'000));
  s->add_option("--missed", sync.missed)->check(CLI::Range(1, 100'000));
  s->add_option("--senders", sync.senders, "connections sending the missed messages")
      ->check(CLI::Range(1, 10'000));
  s->add_option("--deadline", sync.deadline_seconds)->check(CLI::Range(1.0, 3600.0));

  RampOptions ramp;
  auto* r = app.add_subcommand("ramp", "direct at rising rates: the highest that holds the bound");
  add_common(r);
  r->add_option("--pairs", ramp.pairs)->check(CLI::Range(1, 100'000));
  r->add_option("--from", ramp.from)->check(CLI::Range(1.0, 1e8));
  r->add_option("--step", ramp.step)->check(CLI::Range(1.0, 1e8));
  r->add_option("--factor", ramp.factor,
                "multiply the rate by this at each step (instead of --step)")
      ->check(CLI::Range(0.0, 100.0));
  r->add_option("--max", ramp.max)->check(CLI::Range(1.0, 1e8));
  r->add_option("--seconds", ramp.seconds)->check(CLI::Range(0.1, 3600.0));
  r->add_option("--bound-ms", ramp.bound_ms)->check(CLI::Range(0.01, 1e6));
  CLI11_PARSE(app, argc, argv);

  const auto colon = server.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "parley-bench: --server must be HOST:PORT\n");
    return 2;
  }
  target.host = server.substr(0, colon);
  target.port = static_cast<std::uint16_t>(std::stoi(server.substr(colon + 1)));
  if (d->parsed()) return run_direct(target, direct);
  if (m->parsed()) return run_mqtt_direct(target, mqtt_direct);
  if (c->parsed()) return run_connections(target, connections);
  if (g->parsed()) return run_group(target, group);
  if (s->parsed()) return run_sync(target, sync);
  return run_ramp(target, ramp);
}
