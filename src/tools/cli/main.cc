// parley: the command-line client. One profile directory per identity (token, cursors, outbox,
// server URL); output is one JSON object per line, errors one line on stderr and a non-zero exit.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/json.hpp>

#include "client/client.h"

namespace {

namespace json = boost::json;
using parley::client::Client;
using parley::client::ClientError;
using parley::client::ClientOptions;
namespace v1 = parley::v1;
using namespace std::chrono_literals;

constexpr const char* kDefaultServer = "tcp://127.0.0.1:7010";
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// Exactly one line on stderr, whatever the message holds.
int report(std::string_view code, std::string message) {
  std::replace(message.begin(), message.end(), '\n', ' ');
  std::fprintf(stderr, "parley: %.*s: %s\n", static_cast<int>(code.size()), code.data(),
               message.c_str());
  return kExitFailure;
}

int report(const ClientError& e) { return report(v1::ErrorCode_Name(e.code), e.message); }

void print(const json::object& o) {
  const std::string line = json::serialize(o) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fflush(stdout);
}

json::object message_json(const v1::Message& m) {
  json::object o;
  o["conversation"] = m.conversation_id();
  o["seq"] = m.seq();
  o["id"] = m.message_id();
  o["from"] = m.sender();
  o["text"] = m.text();
  o["sent_at"] = m.sent_at_ms();
  o["client_msg_id"] = m.client_msg_id();
  if (m.kind() != v1::TEXT) o["kind"] = v1::MessageKind_Name(m.kind());
  if (m.target_seq() != 0) o["target_seq"] = m.target_seq();
  if (m.deleted()) o["deleted"] = true;
  return o;
}

std::string default_profile() {
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr && *home != '\0' ? home : ".") + "/.parley";
}

// profile/cli.json: settings of the CLI itself (the client library owns state.json).
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"parley: command-line client for a Parley server"};
  app.require_subcommand(1);
  app.fallthrough();

  std::string profile = default_profile();
  std::string server;
  bool insecure = false;
  double timeout_s = 10;
  app.add_option("--profile", profile, "profile directory (identity, outbox, cursors)");
  app.add_option("--server", server,
                 "server URL: tcp://host:7010, tls://host:7011, ws://host:7080/ws, "
                 "wss://host:7443/ws (remembered in the profile)");
  app.add_flag("--insecure", insecure, "accept self-signed or unverifiable TLS certificates");
  app.add_option("--timeout", timeout_s, "request timeout in seconds")->check(CLI::PositiveNumber);

  std::string user;
  std::string password;
  auto* reg = app.add_subcommand("register", "create an account and log this profile in");
  reg->add_option("user", user)->required();
  reg->add_option("password", password)->required();

  auto* login = app.add_subcommand("login", "log this profile in (a new device)");
  login->add_option("user", user)->required();
  login->add_option("password", password)->required();

  auto* logout = app.add_subcommand("logout", "revoke this profile's token");

  std::string new_password;
  auto* passwd = app.add_subcommand("passwd", "change the password");
  passwd->add_option("old", password)->required();
  passwd->add_option("new", new_password)->required();

  std::vector<std::string> words;
  auto* send = app.add_subcommand("send", "send a message to a user");
  send->add_option("user", user)->required();
  send->add_option("text", words, "the words of the message (joined with spaces)")->required();

  int count = 0;
  double tail_timeout_s = 0;
  auto* tail = app.add_subcommand("tail", "print incoming messages, one JSON object per line");
  tail->add_option("--count", count, "exit after this many messages (0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  tail->add_option("--timeout", tail_timeout_s, "exit after this many seconds (0 = never)")
      ->check(CLI::NonNegativeNumber);

  std::uint32_t limit = 50;
  std::int64_t before = 0;
  auto* history = app.add_subcommand("history", "print the conversation with a user, oldest first");
  history->add_option("user", user)->required();
  history->add_option("--limit", limit, "at most this many messages (1..200)")
      ->check(CLI::Range(1, 200));
  history->add_option("--before", before, "only messages below this seq (0 = up to the newest)")
      ->check(CLI::NonNegativeNumber);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    report("INVALID_ARGUMENT", e.what());
    return kExitUsage;
  }

  std::error_code fs_ec;
  std::filesystem::create_directories(profile, fs_ec);
  if (fs_ec) return report("INVALID_ARGUMENT", "profile " + profile + ": " + fs_ec.message());
  std::filesystem::permissions(profile, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, fs_ec);
  if (!server.empty()) {
    if (!save_server(profile, server)) return report("INTERNAL", "cannot write " + profile + "/cli.json");
  } else {
    server = load_server(profile).value_or(kDefaultServer);
  }

  ClientOptions options;
  options.server_url = server;
  options.insecure_tls = insecure;
  options.client_name = "parley-cli/0.1";
  options.device_name = "parley-cli";
  options.state_dir = profile;
  options.request_timeout = std::chrono::milliseconds(static_cast<std::int64_t>(timeout_s * 1000));
  // One-shot commands fail fast when the server is away; only tail waits for it to come back.
  options.auto_reconnect = tail->parsed();
  Client client(options);

  // Every command but register/login works on the profile's stored session.
  const auto resume = [&]() -> std::optional<ClientError> {
    if (!client.identity() || client.identity()->token.empty()) {
      return ClientError{v1::NOT_AUTHENTICATED, "not logged in (use register or login)"};
    }
    auto r = client.resume();
    if (!r) return r.error();
    return std::nullopt;
  };
  // Unsent messages of earlier runs went out on resume; give their acks a moment.
  const auto settle_outbox = [&] {
    if (client.outbox_size() > 0) client.wait_outbox_empty(std::min(options.request_timeout, 5000ms));
  };

  if (reg->parsed() || login->parsed()) {
    auto r = reg->parsed() ? client.register_account(user, password) : client.login(user, password);
    if (!r) return report(r.error());
    json::object o;
    o["user"] = r->username;
    o["user_id"] = r->user_id;
    o["device_id"] = r->device_id;
    print(o);
    settle_outbox();
    return 0;
  }

  if (logout->parsed()) {
    if (auto e = resume()) return report(*e);
    settle_outbox();
    if (auto r = client.logout(); !r) return report(r.error());
    print(json::object{{"logged_out", true}});
    return 0;
  }

  if (passwd->parsed()) {
    if (auto e = resume()) return report(*e);
    if (auto r = client.change_password(password, new_password); !r) return report(r.error());
    print(json::object{{"password_changed", true}});
    settle_outbox();
    return 0;
  }

  if (send->parsed()) {
    std::string text;
    for (const auto& w : words) {
      if (!text.empty()) text += ' ';
      text += w;
    }
    auto resumed = resume();
    if (resumed && resumed->code != v1::UNAVAILABLE) return report(*resumed);
    auto ack = client.send_to_user(user, text);
    if (!ack) {
      if (resumed) return report(v1::ErrorCode_Name(resumed->code), resumed->message + " (the message stays in the outbox)");
      return report(ack.error());
    }
    json::object o;
    o["conversation"] = ack->conversation_id;
    o["seq"] = ack->seq;
    o["id"] = ack->message_id;
    o["sent_at"] = ack->sent_at_ms;
    o["duplicate"] = ack->duplicate;
    print(o);
    settle_outbox();
    return 0;
  }

  if (tail->parsed()) {
    if (auto e = resume()) return report(*e);
    using Clock = std::chrono::steady_clock;
    const auto deadline =
        tail_timeout_s > 0
            ? Clock::now() + std::chrono::milliseconds(static_cast<std::int64_t>(tail_timeout_s * 1000))
            : Clock::time_point::max();
    int printed = 0;
    while (count == 0 || printed < count) {
      const auto now = Clock::now();
      if (now >= deadline) break;
      const auto wait = deadline == Clock::time_point::max()
                            ? std::chrono::milliseconds(1000)
                            : std::min<std::chrono::milliseconds>(
                                  1000ms, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + 1ms);
      if (auto m = client.next_message(wait)) {
        print(message_json(*m));
        ++printed;
      }
    }
    return 0;
  }

  if (history->parsed()) {
    if (auto e = resume()) return report(*e);
    auto conversation = client.open_direct(user);
    if (!conversation) return report(conversation.error());
    auto page = client.history(conversation->id, before, limit);
    if (!page) return report(page.error());
    for (const auto& m : page->messages) print(message_json(m));
    settle_outbox();
    return 0;
  }
  return report("INVALID_ARGUMENT", "no command given");
}
