// Per-conversation commands: chats (the list), read, mute, nick, typing, members.
#include <memory>

#include "tools/cli/cli.h"

namespace parley::cli {

void add_chat_commands(CLI::App& app, Commands& out) {
  struct Args {
    std::int64_t conv = 0;  // a conversation id (see `chats`)
    std::int64_t seq = 0;
    bool mute_off = false;
    std::vector<std::string> words;
  };
  auto a = std::make_shared<Args>();

  auto* chats = app.add_subcommand("chats", "list conversations (last line: total unread)");
  out.push_back({.app = chats, .run = [](Session& s) {
                   return s.done(s.client().list_conversations(),
                                 [](const v1::ConversationList& list) {
                                   for (const auto& c : list.conversations())
                                     print(conversation_json(c));
                                   print(json::object{{"total_unread", list.total_unread()}});
                                 });
                 }});

  auto* read = app.add_subcommand("read", "read CONV SEQ: mark read up to SEQ");
  read->add_option("conversation", a->conv)->required();
  read->add_option("seq", a->seq)->required();
  out.push_back({.app = read, .run = [a](Session& s) {
                   return s.done_ok(s.client().mark_read(a->conv, a->seq),
                                    json::object{{"conversation", a->conv}, {"read_seq", a->seq}});
                 }});

  auto* mute = app.add_subcommand("mute", "mute CONV [--off]");
  mute->add_option("conversation", a->conv)->required();
  mute->add_flag("--off", a->mute_off, "unmute");
  out.push_back({.app = mute, .run = [a](Session& s) {
                   return s.done_ok(
                       s.client().chat_settings(a->conv, !a->mute_off, std::nullopt),
                       json::object{{"conversation", a->conv}, {"muted", !a->mute_off}});
                 }});

  auto* nick = app.add_subcommand(
      "nick", "nick CONV [NAME...]: your name for a conversation (none clears it)");
  nick->add_option("conversation", a->conv)->required();
  nick->add_option("name", a->words);
  out.push_back({.app = nick, .run = [a](Session& s) {
                   const std::string name = join(a->words);
                   return s.done_ok(s.client().chat_settings(a->conv, std::nullopt, name),
                                    json::object{{"conversation", a->conv}, {"nickname", name}});
                 }});

  auto* typing = app.add_subcommand("typing", "typing CONV: tell the other members you are typing");
  typing->add_option("conversation", a->conv)->required();
  out.push_back({.app = typing, .run = [a](Session& s) {
                   return s.done_ok(s.client().typing(a->conv),
                                    json::object{{"conversation", a->conv}, {"typing", true}});
                 }});

  auto* members = app.add_subcommand("members", "members CONV: members, roles and read positions");
  members->add_option("conversation", a->conv)->required();
  out.push_back({.app = members, .run = [a](Session& s) {
                   return s.done(s.client().read_positions(a->conv),
                                 [](const v1::ConversationInfo& c) {
                                   for (const auto& m : c.members()) {
                                     json::object o;
                                     o["user"] = m.username();
                                     o["role"] = v1::MemberRole_Name(m.role());
                                     o["read_seq"] = m.read_seq();
                                     o["joined_seq"] = m.joined_seq();
                                     print(o);
                                   }
                                 });
                 }});
}

}  // namespace parley::cli
