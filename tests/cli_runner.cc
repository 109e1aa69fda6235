#include "cli_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <sstream>

#include "server_process.h"

namespace parley::testing {
std::string slurp(const std::string& path) {
  std::string text;
  if (FILE* f = std::fopen(path.c_str(), "r")) {
    std::array<char, 4096> buf;
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), f)) > 0) text.append(buf.data(), n);
    std::fclose(f);
  }
  return text;
}

pid_t spawn_cli(const std::string& prefix, const std::vector<std::string>& args) {
  const std::string out_path = prefix + ".out";
  const std::string err_path = prefix + ".err";
  pid_t pid = fork();
  if (pid == 0) {
    if (!std::freopen(out_path.c_str(), "w", stdout) ||
        !std::freopen(err_path.c_str(), "w", stderr)) {
      _exit(126);
    }
    std::vector<std::string> all = {parley_cli_path()};
    all.insert(all.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : all) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

CliRun finish_cli(pid_t pid, const std::string& prefix) {
  int status = 0;
  waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(prefix + ".out"),
          slurp(prefix + ".err")};
}

CliRun run_cli(const std::string& dir, const std::vector<std::string>& args) {
  const std::string prefix = dir + "/cli";
  return finish_cli(spawn_cli(prefix, args), prefix);
}

std::vector<boost::json::object> json_lines(const std::string& text) {
  std::vector<boost::json::object> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) lines.push_back(boost::json::parse(line).as_object());
  }
  return lines;
}

}  // namespace parley::testing
