// Starts a real parleyd on ephemeral loopback ports for end-to-end tests, and stops it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace parley::testing {

struct ServerPorts {
  std::uint16_t native_tcp = 0;
  std::uint16_t native_tls = 0;
  std::uint16_t http = 0;
  std::uint16_t https = 0;
};

// How the child process is set up, beyond its configuration.
struct ChildOptions {
  // Nonzero: RLIMIT_NOFILE, soft and hard (parleyd raises its soft limit to the hard one).
  std::uint64_t open_files = 0;
  // Nonempty: parleyd's stdout and stderr (its log) go to this file instead of the test's.
  std::string log_file;
  std::string log_level = "warn";
};

class ServerProcess {
 public:
  // Starts parleyd with --data-dir data_dir, every listener on 127.0.0.1 port 0, the given TOML
  // (plus fast argon2id parameters unless it has a [security] table; later flags in extra_args
  // override), and waits until it reports ready.
  ServerProcess(std::string data_dir, std::string config_toml = {},
                std::vector<std::string> extra_args = {}, ChildOptions child = {});
  ~ServerProcess();  // SIGTERM, then waits
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool ready() const { return ready_; }
  const std::string& error() const { return error_; }
  const ServerPorts& ports() const { return ports_; }
  pid_t pid() const { return pid_; }
  std::string url(const std::string& scheme) const;  // tcp, tls, ws, wss

  void kill9();     // crash: SIGKILL and reap
  int terminate();  // SIGTERM, wait; returns the exit status (or -1)
  // SIGTERM without waiting, so a test can talk to the server while it stops; then wait_exit.
  void send_sigterm();
  // Reaps the process; its exit status, or -1 when it did not exit normally or within `timeout`
  // (then it is killed).
  int wait_exit(std::chrono::milliseconds timeout);

 private:
  void start(const std::string& data_dir, const std::string& config_toml,
             const std::vector<std::string>& extra_args, const ChildOptions& child);

  pid_t pid_ = -1;
  bool ready_ = false;
  std::string error_;
  ServerPorts ports_;
};

// Path of a built binary, from the compile definitions of the test target.
std::string parleyd_path();
std::string parley_cli_path();

}  // namespace parley::testing
