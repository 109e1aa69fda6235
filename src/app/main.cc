// parleyd: the Parley server. Parses configuration, starts the server, waits for SIGTERM/SIGINT.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "app/config.h"
#include "app/server.h"

namespace {

// Tells a supervisor (or a test) the bound ports, as one JSON line, once accepting.
void report_ready(int fd, const parley::app::BoundPorts& ports) {
  if (fd < 0) return;
  const std::string line = ports.json() + "\n";
  const char* data = line.data();
  std::size_t left = line.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n <= 0) break;
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  ::close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  auto loaded = parley::app::load_config(argc, argv);
  if (!loaded) {
    std::fprintf(stderr, "parleyd: %s\n", loaded.error().message.c_str());
    return 2;
  }
  const std::optional<parley::app::ServerConfig>& config = *loaded;
  if (!config) return 0;  // --help was printed: nothing to run
  spdlog::set_level(spdlog::level::from_str(config->log_level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l [%t] %v");

  // Signals are blocked in every thread (threads inherit the mask) and taken here with
  // sigwait, so shutdown runs on the main thread, never inside a signal handler.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  auto server = parley::app::Server::start(*config);
  if (!server) {
    spdlog::critical("cannot start: {}", server.error().message);
    return 1;
  }
  report_ready(config->ready_fd, (*server)->ports());

  int received = 0;
  sigwait(&signals, &received);
  spdlog::info("received {}, stopping", received == SIGTERM ? "SIGTERM" : "SIGINT");
  (*server)->stop();
  return 0;
}
