// parleyd: the Parley server. Parses configuration, starts the server, waits for SIGTERM/SIGINT.
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>

#include "app/config.h"
#include "app/server.h"

#ifdef PARLEY_WITH_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#ifdef PARLEY_WITH_JEMALLOC
// jemalloc gives freed pages back to the kernel as they age (dirty_decay_ms, 10 s by default), but
// only when some thread calls into it: with its background thread, a server gone quiet after a
// burst (a reconnect storm's TLS handshakes) returns that memory too.
extern "C" {
const char* malloc_conf = "background_thread:true";  // read by jemalloc at its start
}
#endif

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

// Which allocator serves the heap: operators comparing memory figures need to know.
std::string allocator_name() {
#ifdef PARLEY_WITH_JEMALLOC
  const char* version = nullptr;
  std::size_t size = sizeof(version);
  std::string name("jemalloc");
  if (mallctl("version", &version, &size, nullptr, 0) == 0 && version) {
    name.append(" ").append(version);
  }
  bool background = false;
  size = sizeof(background);
  if (mallctl("background_thread", &background, &size, nullptr, 0) == 0 && background) {
    name.append(", purging in the background");
  }
  return name;
#else
  return "the C library's malloc";
#endif
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

  spdlog::info("heap allocator: {}", allocator_name());
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
