// parley: the command-line client. One profile directory per identity (token, cursors, outbox,
// server URL); output is one JSON object per line, errors one line on stderr and a non-zero exit.
// Each sub-command family lives in its own file (accounts, messaging, contacts, groups, chat
// settings); this file parses, opens the profile and runs the chosen command.
#include <CLI/CLI.hpp>
#include <chrono>
#include <filesystem>

#include "tools/cli/cli.h"

namespace {

constexpr const char* kDefaultServer = "tcp://127.0.0.1:7010";

}  // namespace

int main(int argc, char** argv) {
  using namespace parley::cli;
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

  Commands commands;
  add_account_commands(app, commands);
  add_messaging_commands(app, commands);
  add_contact_commands(app, commands);
  add_chat_commands(app, commands);
  add_group_commands(app, commands);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);  // --help
    report("INVALID_ARGUMENT", e.what());
    return kExitUsage;
  }
  const Command* command = nullptr;
  for (const auto& c : commands) {
    if (c.app->parsed()) command = &c;
  }

  std::error_code fs_ec;
  std::filesystem::create_directories(profile, fs_ec);
  if (fs_ec) return report("INVALID_ARGUMENT", "profile " + profile + ": " + fs_ec.message());
  std::filesystem::permissions(profile, std::filesystem::perms::owner_all,
                               std::filesystem::perm_options::replace, fs_ec);
  if (!server.empty()) {
    if (!save_server(profile, server))
      return report("INTERNAL", "cannot write " + profile + "/cli.json");
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
  options.auto_reconnect = command != nullptr && command->auto_reconnect;
  Client client(options);
  Session session(client, options);

  if (command == nullptr) return report("INVALID_ARGUMENT", "no command given");
  if (command->resume_first) {
    if (auto e = session.resume()) return report(*e);
  }
  return command->run(session);
}
