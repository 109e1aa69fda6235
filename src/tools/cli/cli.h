// Shared by the parley CLI's files: output (one JSON object per line, one error line on stderr),
// the profile's cli.json, and how a sub-command family registers its commands.
#pragma once

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/client.h"

namespace parley::cli {

namespace json = boost::json;
namespace v1 = ::parley::v1;
using client::Client;
using client::ClientError;
using client::ClientOptions;

inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;

// output.cc
// Exactly one line on stderr, whatever the message holds; returns kExitFailure.
int report(std::string_view code, std::string message);
int report(const ClientError& e);
void print(const json::object& o);
json::object message_json(const v1::Message& m);
json::object conversation_json(const v1::ConversationInfo& c);
json::object event_json(const v1::ServerFrame& f);  // `event` names its kind
json::object ack_json(const client::SendResult& ack);
std::string join(const std::vector<std::string>& words);

// profile.cc: profile/cli.json holds settings of the CLI itself (the client library owns
// state.json).
std::string default_profile();
std::optional<std::string> load_server(const std::string& profile);
bool save_server(const std::string& profile, const std::string& server);

// What a command runs with: the client on the profile's state. Main thread only.
class Session {
 public:
  Session(Client& client, const ClientOptions& options) : client_(client), options_(options) {}
  Client& client() { return client_; }
  // The profile's stored session; the error when there is none or it cannot be resumed.
  std::optional<ClientError> resume();
  // Unsent messages of earlier runs went out on resume; give their acks a moment.
  void settle_outbox();
  // Prints a successful result with `on_success`, else reports its error; the exit code.
  template <class Result, class OnSuccess>
  int done(Result&& result, OnSuccess&& on_success) {
    if (!result) return report(result.error());
    on_success(*result);
    settle_outbox();
    return 0;
  }
  int done_ok(const client::ClientResult<void>& result, const json::object& line);

 private:
  Client& client_;
  const ClientOptions& options_;
};

struct Command {
  CLI::App* app = nullptr;  // the sub-command that selects it
  std::function<int(Session&)> run;
  bool resume_first = true;     // main resumes the stored session before run
  bool auto_reconnect = false;  // waits for the server to come back (tail); one-shots fail fast
};
using Commands = std::vector<Command>;

// One function per sub-command family: adds its sub-commands to `app` and their runs to `out`.
void add_account_commands(CLI::App& app, Commands& out);    // register login logout passwd
void add_messaging_commands(CLI::App& app, Commands& out);  // send tail history edit delete react
void add_contact_commands(CLI::App& app, Commands& out);    // contacts contact
void add_group_commands(CLI::App& app, Commands& out);      // group create|add|remove|...
void add_chat_commands(CLI::App& app, Commands& out);       // chats read mute nick typing members

}  // namespace parley::cli
