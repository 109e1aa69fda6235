// The profile directory as the CLI sees it: where it is by default, the server URL it remembers
// (cli.json), and the session a command resumes from it.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tools/cli/cli.h"

namespace parley::cli {

using namespace std::chrono_literals;

std::string default_profile() {
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr && *home != '\0' ? home : ".") + "/.parley";
}

std::optional<std::string> load_server(const std::string& profile) {
  std::ifstream in(profile + "/cli.json");
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  auto v = json::parse(text.str(), ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto* s = v.as_object().if_contains("server");
  if (s == nullptr || !s->is_string()) return std::nullopt;
  return std::string(s->as_string());
}

bool save_server(const std::string& profile, const std::string& server) {
  json::object o;
  o["server"] = server;
  const std::string path = profile + "/cli.json";
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << json::serialize(o) << "\n";
    if (!out) return false;
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  return !ec;
}

std::optional<ClientError> Session::resume() {
  if (!client_.identity() || client_.identity()->token.empty()) {
    return ClientError{v1::NOT_AUTHENTICATED, "not logged in (use register or login)"};
  }
  auto r = client_.resume();
  if (!r) return r.error();
  return std::nullopt;
}

void Session::settle_outbox() {
  if (client_.outbox_size() > 0)
    client_.wait_outbox_empty(
        std::min<std::chrono::milliseconds>(options_.request_timeout, 5000ms));
}

int Session::done_ok(const client::ClientResult<void>& result, const json::object& line) {
  if (!result) return report(result.error());
  print(line);
  settle_outbox();
  return 0;
}

}  // namespace parley::cli
