#include "server_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace parley::testing {
namespace {

// A server that is not ready in this time has failed: the wait is for an event (the ready line),
// this bound only keeps a broken build from hanging the suite.
constexpr int kReadyTimeoutMs = 30'000;

// Fast (but real) argon2id parameters and no registration limit (tests register many users from
// 127.0.0.1), unless the test sets its own [security] table.
const char* kTestSecurity = R"(
[security]
argon2_ops = 1
argon2_mem_kib = 8192
registrations_per_address = 100000000
)";

}  // namespace

std::string parleyd_path() { return PARLEYD_PATH; }
std::string parley_cli_path() { return PARLEY_CLI_PATH; }

ServerProcess::ServerProcess(std::string data_dir, std::string config_toml,
                             std::vector<std::string> extra_args, ChildOptions child) {
  start(data_dir, config_toml, extra_args, child);
}

ServerProcess::~ServerProcess() {
  if (pid_ <= 0) return;
  // A server that does not stop cleanly fails the test that ran it: this is where a sanitizer's
  // report at exit (a leak, a data race under TSan) or a crash during shutdown shows up.
  const int code = terminate();
  EXPECT_EQ(code, 0) << "parleyd did not exit cleanly on SIGTERM (status " << code
                     << "); its stderr above says why";
}

void ServerProcess::start(const std::string& data_dir, const std::string& config_toml,
                          const std::vector<std::string>& extra_args, const ChildOptions& child) {
  std::filesystem::create_directories(data_dir);
  const std::string config_path = data_dir + "/test-config.toml";
  {
    std::ofstream out(config_path);
    out << config_toml << "\n";
    if (config_toml.find("[security]") == std::string::npos) out << kTestSecurity;
  }
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
    error_ = "pipe failed";
    return;
  }
  std::vector<std::string> args = {parleyd_path(),
                                   "--config",
                                   config_path,
                                   "--data-dir",
                                   data_dir,
                                   "--ready-fd",
                                   "3",
                                   "--log-level",
                                   child.log_level,
                                   "--listen-tcp",
                                   "127.0.0.1:0",
                                   "--listen-tls",
                                   "127.0.0.1:0",
                                   "--listen-http",
                                   "127.0.0.1:0",
                                   "--listen-https",
                                   "127.0.0.1:0",
                                   "--listen-xmpp",
                                   "",
                                   "--listen-xmpps",
                                   ""};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  int log_fd = -1;
  if (!child.log_file.empty()) {
    log_fd = ::open(child.log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log_fd < 0) {
      error_ = "cannot open " + child.log_file;
      return;
    }
  }
  pid_ = fork();
  if (pid_ == 0) {
    // Only async-signal-safe calls between fork and exec.
    if (child.open_files != 0) {
      const rlimit files{child.open_files, child.open_files};
      if (setrlimit(RLIMIT_NOFILE, &files) != 0) _exit(126);
    }
    if (log_fd >= 0) {
      dup2(log_fd, 1);
      dup2(log_fd, 2);
    }
    dup2(pipe_fds[1], 3);  // dup2 clears CLOEXEC on the new descriptor
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  if (log_fd >= 0) close(log_fd);
  std::string line;
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kReadyTimeoutMs);
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    pollfd p{pipe_fds[0], POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[512];
    const ssize_t n = read(pipe_fds[0], buf, sizeof buf);
    if (n <= 0) break;  // parleyd exited before it was ready
    line.append(buf, static_cast<std::size_t>(n));
  }
  // parleyd closes its end right after the line: waiting for that EOF means the descriptors a
  // test sees the server hold (/proc/PID/fd) are its steady ones.
  while (line.find('\n') != std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{pipe_fds[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
    char buf[64];
    if (read(pipe_fds[0], buf, sizeof buf) <= 0) break;
  }
  close(pipe_fds[0]);
  if (line.find('\n') == std::string::npos) {
    error_ = "parleyd did not report ready: '" + line + "'";
    return;
  }
  boost::system::error_code ec;
  auto value = boost::json::parse(line, ec);
  if (ec || !value.is_object()) {
    error_ = "bad ready line: " + line;
    return;
  }
  const auto& o = value.as_object();
  auto port = [&](const char* key) -> std::uint16_t {
    auto* v = o.if_contains(key);
    return v && v->is_int64() ? static_cast<std::uint16_t>(v->as_int64()) : 0;
  };
  ports_ = {port("native_tcp"), port("native_tls"), port("http"), port("https")};
  ready_ = true;
}

std::string ServerProcess::url(const std::string& scheme) const {
  std::uint16_t port = 0;
  if (scheme == "tcp") port = ports_.native_tcp;
  if (scheme == "tls") port = ports_.native_tls;
  if (scheme == "ws") port = ports_.http;
  if (scheme == "wss") port = ports_.https;
  return scheme + "://127.0.0.1:" + std::to_string(port);
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void ServerProcess::send_sigterm() {
  if (pid_ > 0) ::kill(pid_, SIGTERM);
}

int ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int status = 0;
  while (true) {
    const pid_t done = waitpid(pid_, &status, WNOHANG);
    if (done == pid_) break;
    if (done < 0 || std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
      return -1;
    }
    // Polls for the exit with a deadline: waitpid has no timeout of its own.
    poll(nullptr, 0, 10);
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int ServerProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace parley::testing
