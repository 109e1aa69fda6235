// parley-bench: load generator for Parley (and for parley-ceiling, which speaks the same framing).
//   parley-bench direct --server 127.0.0.1:7010 --pairs 50 --rate 5000 --seconds 5 [--json]
//   parley-bench connections --server 127.0.0.1:7010 --count 10000 --server-pid PID [--json]
#include <CLI/CLI.hpp>

#include "parley_bench/scenarios.h"

int main(int argc, char** argv) {
  using namespace parley::bench;
  CLI::App app{"parley-bench: load generator for the Parley native protocol"};
  app.require_subcommand(1);
  Target target;
  std::string server = "127.0.0.1:7010";
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--server", server, "HOST:PORT of the native TCP listener");
    sub->add_option("--threads", target.threads, "generator threads")->check(CLI::Range(1, 64));
    sub->add_flag("--json", target.json, "one JSON object instead of a table");
  };
  DirectOptions direct;
  auto* d = app.add_subcommand("direct", "one-to-one traffic, open loop");
  add_common(d);
  d->add_option("--pairs", direct.pairs)->check(CLI::Range(1, 100'000));
  d->add_option("--rate", direct.rate, "messages/s offered in total")->check(CLI::Range(1.0, 1e8));
  d->add_option("--seconds", direct.seconds)->check(CLI::Range(0.1, 3600.0));
  d->add_option("--drain", direct.drain_seconds, "seconds to wait for stragglers");
  ConnectionsOptions connections;
  auto* c = app.add_subcommand("connections", "many idle authenticated connections");
  add_common(c);
  c->add_option("--count", connections.count)->check(CLI::Range(1, 1'000'000));
  c->add_option("--server-pid", connections.server_pid, "measure this process's RSS");
  c->add_option("--hold", connections.hold_seconds);
  c->add_option("--sources", connections.source_addresses, "127.0.0.1..N source addresses")
      ->check(CLI::Range(1, 254));
  CLI11_PARSE(app, argc, argv);

  const auto colon = server.rfind(':');
  if (colon == std::string::npos) {
    std::fprintf(stderr, "parley-bench: --server must be HOST:PORT\n");
    return 2;
  }
  target.host = server.substr(0, colon);
  target.port = static_cast<std::uint16_t>(std::stoi(server.substr(colon + 1)));
  if (d->parsed()) return run_direct(target, direct);
  return run_connections(target, connections);
}
