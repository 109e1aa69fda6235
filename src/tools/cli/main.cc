// parley: the command-line client. One profile directory per identity (token, cursors, outbox,
// server URL); output is one JSON object per line, errors one line on stderr and a non-zero exit.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

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
  if (m.hidden()) o["hidden"] = true;
  if (m.edited_at_ms() != 0) o["edited_at"] = m.edited_at_ms();
  if (m.reactions_size() > 0) {
    json::array reactions;
    for (const auto& r : m.reactions()) {
      reactions.push_back(json::object{{"user", r.username()}, {"emoji", r.emoji()}});
    }
    o["reactions"] = std::move(reactions);
  }
  return o;
}

json::object conversation_json(const v1::ConversationInfo& c) {
  json::object o;
  o["conversation"] = c.conversation_id();
  o["kind"] = v1::ConversationKind_Name(c.kind());
  o["title"] = c.title();
  o["last_seq"] = c.last_seq();
  o["last_activity"] = c.last_activity_ms();
  o["unread"] = c.unread();
  o["muted"] = c.muted();
  o["nickname"] = c.nickname();
  o["role"] = v1::MemberRole_Name(c.role());
  o["read_seq"] = c.read_seq();
  if (c.shared_history()) o["shared_history"] = true;
  if (c.members_size() > 0) {
    json::array members;
    for (const auto& m : c.members()) members.push_back(json::value(m.username()));
    o["members"] = std::move(members);
  }
  if (c.has_last_message()) {
    const auto& m = c.last_message();
    json::object last;
    last["seq"] = m.seq();
    last["from"] = m.sender();
    last["text"] = m.text();
    last["sent_at"] = m.sent_at_ms();
    if (m.kind() != v1::TEXT) last["kind"] = v1::MessageKind_Name(m.kind());
    if (m.deleted()) last["deleted"] = true;
    o["last_message"] = std::move(last);
  }
  return o;
}

// A pushed non-message event as one line; `event` names its kind.
json::object event_json(const v1::ServerFrame& f) {
  json::object o;
  if (f.has_user_update()) {
    const auto& u = f.user_update().update();
    o["event"] = "user_update";
    o["kind"] = v1::UserUpdateKind_Name(u.kind());
    o["user_seq"] = u.user_seq();
    if (u.conversation_id() != 0) o["conversation"] = u.conversation_id();
    switch (u.kind()) {
      case v1::READ:
      case v1::HIDDEN:
        o["seq"] = u.seq();
        break;
      case v1::MUTED:
        o["muted"] = u.flag();
        break;
      case v1::NICKNAME:
        o["nickname"] = u.text();
        break;
      case v1::CONTACT:
        o["peer"] = u.peer();
        o["state"] = v1::ContactState_Name(u.contact_state());
        break;
      default:
        break;
    }
    if (u.at_ms() != 0) o["at"] = u.at_ms();
  } else if (f.has_presence()) {
    o["event"] = "presence";
    o["user"] = f.presence().username();
    o["online"] = f.presence().online();
    if (f.presence().last_seen_ms() != 0) o["last_seen"] = f.presence().last_seen_ms();
  } else if (f.has_typing()) {
    o["event"] = "typing";
    o["conversation"] = f.typing().conversation_id();
    o["user"] = f.typing().username();
  } else if (f.has_read()) {
    o["event"] = "read";
    o["conversation"] = f.read().conversation_id();
    o["user"] = f.read().username();
    o["read_seq"] = f.read().read_seq();
  } else {
    o["event"] = "unknown";
  }
  return o;
}

json::object ack_json(const parley::client::SendResult& ack) {
  json::object o;
  o["conversation"] = ack.conversation_id;
  o["seq"] = ack.seq;
  o["id"] = ack.message_id;
  o["sent_at"] = ack.sent_at_ms;
  o["duplicate"] = ack.duplicate;
  return o;
}

std::string join(const std::vector<std::string>& words) {
  std::string text;
  for (const auto& w : words) {
    if (!text.empty()) text += ' ';
    text += w;
  }
  return text;
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
  std::int64_t group_id = 0;
  auto* send =
      app.add_subcommand("send", "send a message: send USER TEXT... | send --group ID TEXT...");
  send->add_option("--group", group_id, "a conversation id (group or direct) instead of a user")
      ->check(CLI::PositiveNumber);
  send->add_option("text", words, "USER then the words of the message (joined with spaces)")
      ->required();

  int count = 0;
  double tail_timeout_s = 0;
  auto* tail =
      app.add_subcommand("tail", "print incoming messages and events, one JSON object per line");
  tail->add_option("--count", count, "exit after this many lines (0 = no limit)")
      ->check(CLI::NonNegativeNumber);
  tail->add_option("--timeout", tail_timeout_s, "exit after this many seconds (0 = never)")
      ->check(CLI::NonNegativeNumber);

  std::uint32_t limit = 50;
  std::int64_t before = 0;
  auto* history = app.add_subcommand(
      "history", "print a conversation, oldest first: history USER | history --group ID");
  history->add_option("user", user);
  history->add_option("--group", group_id, "a conversation id instead of a user")
      ->check(CLI::PositiveNumber);
  history->add_option("--limit", limit, "at most this many messages (1..200)")
      ->check(CLI::Range(1, 200));
  history->add_option("--before", before, "only messages below this seq (0 = up to the newest)")
      ->check(CLI::NonNegativeNumber);

  // Contacts.
  auto* contacts = app.add_subcommand("contacts", "list contacts and requests");
  std::string contact_action;
  auto* contact =
      app.add_subcommand("contact", "contact add|accept|decline|remove|block|unblock USER");
  contact->add_option("action", contact_action)
      ->required()
      ->check(CLI::IsMember({"add", "accept", "decline", "remove", "block", "unblock"}));
  contact->add_option("user", user)->required();

  // Conversations.
  auto* chats = app.add_subcommand("chats", "list conversations (last line: total unread)");

  std::string group_name;
  std::vector<std::string> group_users;
  bool shared_history = false;
  auto* group = app.add_subcommand("group", "create and change groups");
  group->require_subcommand(1);
  auto* group_create =
      group->add_subcommand("create", "group create NAME USER... [--shared-history]");
  group_create->add_option("name", group_name)->required();
  group_create->add_option("users", group_users);
  group_create->add_flag("--shared-history", shared_history,
                         "new members see the messages from before they joined");
  auto* group_add = group->add_subcommand("add", "group add GROUP USER...");
  group_add->add_option("group", group_id)->required();
  group_add->add_option("users", group_users)->required();
  auto* group_remove = group->add_subcommand("remove", "group remove GROUP USER...");
  group_remove->add_option("group", group_id)->required();
  group_remove->add_option("users", group_users)->required();
  auto* group_leave = group->add_subcommand("leave", "group leave GROUP");
  group_leave->add_option("group", group_id)->required();
  auto* group_rename = group->add_subcommand("rename", "group rename GROUP NAME...");
  group_rename->add_option("group", group_id)->required();
  group_rename->add_option("name", words, "the new title (words joined with spaces)")->required();
  auto* group_admin = group->add_subcommand("admin", "group admin GROUP USER: make USER an admin");
  group_admin->add_option("group", group_id)->required();
  group_admin->add_option("user", user)->required();
  auto* group_member =
      group->add_subcommand("member", "group member GROUP USER: make USER a plain member");
  group_member->add_option("group", group_id)->required();
  group_member->add_option("user", user)->required();

  // Messages and per-conversation settings. CONV is a conversation id (see `chats`).
  std::int64_t conv = 0;
  std::int64_t seq = 0;
  std::string emoji;
  bool remove_reaction = false;
  auto* react = app.add_subcommand("react", "react CONV SEQ [EMOJI] [--remove] (default emoji 👍)");
  react->add_option("conversation", conv)->required();
  react->add_option("seq", seq)->required();
  react->add_option("emoji", emoji);
  react->add_flag("--remove", remove_reaction, "take the reaction back");

  auto* read = app.add_subcommand("read", "read CONV SEQ: mark read up to SEQ");
  read->add_option("conversation", conv)->required();
  read->add_option("seq", seq)->required();

  bool everyone = false;
  auto* del = app.add_subcommand("delete", "delete CONV SEQ [--everyone]: for me, or for everyone");
  del->add_option("conversation", conv)->required();
  del->add_option("seq", seq)->required();
  del->add_flag("--everyone", everyone, "delete for every member (own messages only)");

  auto* edit =
      app.add_subcommand("edit", "edit CONV SEQ TEXT...: replace the text of your message");
  edit->add_option("conversation", conv)->required();
  edit->add_option("seq", seq)->required();
  edit->add_option("text", words)->required();

  bool mute_off = false;
  auto* mute = app.add_subcommand("mute", "mute CONV [--off]");
  mute->add_option("conversation", conv)->required();
  mute->add_flag("--off", mute_off, "unmute");

  auto* nick = app.add_subcommand(
      "nick", "nick CONV [NAME...]: your name for a conversation (none clears it)");
  nick->add_option("conversation", conv)->required();
  nick->add_option("name", words);

  auto* typing = app.add_subcommand("typing", "typing CONV: tell the other members you are typing");
  typing->add_option("conversation", conv)->required();

  auto* members = app.add_subcommand("members", "members CONV: members, roles and read positions");
  members->add_option("conversation", conv)->required();

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
    if (client.outbox_size() > 0)
      client.wait_outbox_empty(std::min(options.request_timeout, 5000ms));
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
    if (group_id == 0 && words.size() < 2) {
      report("INVALID_ARGUMENT", "send USER TEXT... or send --group ID TEXT...");
      return kExitUsage;
    }
    if (group_id == 0) {
      user = words.front();
      words.erase(words.begin());
    }
    const std::string text = join(words);
    auto resumed = resume();
    if (resumed && resumed->code != v1::UNAVAILABLE) return report(*resumed);
    auto ack = group_id != 0 ? client.send_to_conversation(group_id, text)
                             : client.send_to_user(user, text);
    if (!ack) {
      if (resumed)
        return report(v1::ErrorCode_Name(resumed->code),
                      resumed->message + " (the message stays in the outbox)");
      return report(ack.error());
    }
    print(ack_json(*ack));
    settle_outbox();
    return 0;
  }

  if (tail->parsed()) {
    if (auto e = resume()) return report(*e);
    using Clock = std::chrono::steady_clock;
    const auto deadline = tail_timeout_s > 0
                              ? Clock::now() + std::chrono::milliseconds(
                                                   static_cast<std::int64_t>(tail_timeout_s * 1000))
                              : Clock::time_point::max();
    int printed = 0;
    while (count == 0 || printed < count) {
      const auto now = Clock::now();
      if (now >= deadline) break;
      // Messages and events wait in two queues: take whatever is there, else wait briefly.
      if (auto e = client.next_event(0ms)) {
        print(event_json(*e));
        ++printed;
        continue;
      }
      const auto wait =
          deadline == Clock::time_point::max()
              ? std::chrono::milliseconds(50)
              : std::min<std::chrono::milliseconds>(
                    50ms,
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) + 1ms);
      if (auto m = client.next_message(wait)) {
        auto line = message_json(*m);
        line["event"] = "message";
        print(line);
        ++printed;
      }
    }
    return 0;
  }

  if (history->parsed()) {
    if ((group_id == 0) == user.empty()) {
      report("INVALID_ARGUMENT", "history USER or history --group ID");
      return kExitUsage;
    }
    if (auto e = resume()) return report(*e);
    std::int64_t id = group_id;
    if (id == 0) {
      auto conversation = client.open_direct(user);
      if (!conversation) return report(conversation.error());
      id = conversation->id;
    }
    auto page = client.history(id, before, limit);
    if (!page) return report(page.error());
    for (const auto& m : page->messages) print(message_json(m));
    settle_outbox();
    return 0;
  }

  // Every command below works on the stored session and prints its result.
  if (auto e = resume()) return report(*e);
  const auto done = [&](auto&& result, auto&& on_success) -> int {
    if (!result) return report(result.error());
    on_success(*result);
    settle_outbox();
    return 0;
  };
  const auto done_ok = [&](const parley::client::ClientResult<void>& result, json::object line) {
    if (!result) return report(result.error());
    print(line);
    settle_outbox();
    return 0;
  };
  const auto print_conversation = [](const v1::ConversationInfo& c) {
    print(conversation_json(c));
  };

  if (contacts->parsed()) {
    return done(client.list_contacts(), [](const v1::ContactList& list) {
      for (const auto& c : list.contacts()) {
        json::object o;
        o["user"] = c.username();
        o["state"] = v1::ContactState_Name(c.state());
        o["online"] = c.online();
        o["last_seen"] = c.last_seen_ms();
        print(o);
      }
    });
  }
  if (contact->parsed()) {
    static const std::map<std::string, v1::ContactAction> kActions = {
        {"add", v1::REQUEST},   {"accept", v1::ACCEPT}, {"decline", v1::DECLINE},
        {"remove", v1::REMOVE}, {"block", v1::BLOCK},   {"unblock", v1::UNBLOCK}};
    return done_ok(client.contact(user, kActions.at(contact_action)),
                   json::object{{"user", user}, {"action", contact_action}});
  }
  if (chats->parsed()) {
    return done(client.list_conversations(), [](const v1::ConversationList& list) {
      for (const auto& c : list.conversations()) print(conversation_json(c));
      print(json::object{{"total_unread", list.total_unread()}});
    });
  }
  if (group_create->parsed()) {
    return done(client.create_group(group_name, group_users, shared_history), print_conversation);
  }
  if (group_add->parsed()) {
    return done(client.group_change(group_id, v1::ADD_MEMBERS, group_users), print_conversation);
  }
  if (group_remove->parsed()) {
    return done(client.group_change(group_id, v1::REMOVE_MEMBERS, group_users), print_conversation);
  }
  if (group_leave->parsed()) {
    return done(client.group_change(group_id, v1::LEAVE), [&](const v1::ConversationInfo&) {
      print(json::object{{"left", group_id}});
    });
  }
  if (group_rename->parsed()) {
    return done(client.group_change(group_id, v1::RENAME, {}, join(words)), print_conversation);
  }
  if (group_admin->parsed() || group_member->parsed()) {
    const auto role = group_admin->parsed() ? v1::ADMIN : v1::MEMBER;
    return done(client.group_change(group_id, v1::SET_ROLE, {user}, "", role), print_conversation);
  }
  if (react->parsed()) {
    return done(client.react(conv, seq, emoji, remove_reaction),
                [](const parley::client::SendResult& ack) { print(ack_json(ack)); });
  }
  if (read->parsed()) {
    return done_ok(client.mark_read(conv, seq),
                   json::object{{"conversation", conv}, {"read_seq", seq}});
  }
  if (del->parsed()) {
    return done(client.delete_message(conv, seq, everyone),
                [&](const std::optional<parley::client::SendResult>& ack) {
                  if (ack) {
                    print(ack_json(*ack));
                  } else {
                    print(json::object{{"conversation", conv}, {"seq", seq}, {"hidden", true}});
                  }
                });
  }
  if (edit->parsed()) {
    return done(client.edit(conv, seq, join(words)),
                [](const parley::client::SendResult& ack) { print(ack_json(ack)); });
  }
  if (mute->parsed()) {
    return done_ok(client.chat_settings(conv, !mute_off, std::nullopt),
                   json::object{{"conversation", conv}, {"muted", !mute_off}});
  }
  if (nick->parsed()) {
    const std::string name = join(words);
    return done_ok(client.chat_settings(conv, std::nullopt, name),
                   json::object{{"conversation", conv}, {"nickname", name}});
  }
  if (typing->parsed()) {
    return done_ok(client.typing(conv), json::object{{"conversation", conv}, {"typing", true}});
  }
  if (members->parsed()) {
    return done(client.read_positions(conv), [](const v1::ConversationInfo& c) {
      for (const auto& m : c.members()) {
        json::object o;
        o["user"] = m.username();
        o["role"] = v1::MemberRole_Name(m.role());
        o["read_seq"] = m.read_seq();
        o["joined_seq"] = m.joined_seq();
        print(o);
      }
    });
  }
  return report("INVALID_ARGUMENT", "no command given");
}
