// Runs the `parley` CLI binary as a real process for end-to-end tests.
#pragma once

#include <sys/types.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace parley::testing {

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Starts the CLI with a shell-free argv; stdout and stderr go to `prefix`.out / `prefix`.err.
pid_t spawn_cli(const std::string& prefix, const std::vector<std::string>& args);
// Waits for a spawned CLI and collects its exit code and output.
CliRun finish_cli(pid_t pid, const std::string& prefix);
// spawn_cli + finish_cli, with the output files in `dir`.
CliRun run_cli(const std::string& dir, const std::vector<std::string>& args);
// The whole content of a file ("" when it cannot be read).
std::string slurp(const std::string& path);
// One JSON object per non-empty line.
std::vector<boost::json::object> json_lines(const std::string& text);

}  // namespace parley::testing
