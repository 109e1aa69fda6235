// Group commands: group create|add|remove|leave|rename|admin|member.
#include <memory>

#include "tools/cli/cli.h"

namespace parley::cli {

void add_group_commands(CLI::App& app, Commands& out) {
  struct Args {
    std::string name;
    std::vector<std::string> users;
    std::vector<std::string> words;
    std::string user;
    std::int64_t group_id = 0;
    bool shared_history = false;
  };
  auto a = std::make_shared<Args>();
  const auto print_conversation = [](const v1::ConversationInfo& c) {
    print(conversation_json(c));
  };

  auto* group = app.add_subcommand("group", "create and change groups");
  group->require_subcommand(1);

  auto* create = group->add_subcommand("create", "group create NAME USER... [--shared-history]");
  create->add_option("name", a->name)->required();
  create->add_option("users", a->users);
  create->add_flag("--shared-history", a->shared_history,
                   "new members see the messages from before they joined");
  out.push_back({.app = create, .run = [a, print_conversation](Session& s) {
                   return s.done(s.client().create_group(a->name, a->users, a->shared_history),
                                 print_conversation);
                 }});

  auto* add = group->add_subcommand("add", "group add GROUP USER...");
  add->add_option("group", a->group_id)->required();
  add->add_option("users", a->users)->required();
  out.push_back({.app = add, .run = [a, print_conversation](Session& s) {
                   return s.done(s.client().group_change(a->group_id, v1::ADD_MEMBERS, a->users),
                                 print_conversation);
                 }});

  auto* remove = group->add_subcommand("remove", "group remove GROUP USER...");
  remove->add_option("group", a->group_id)->required();
  remove->add_option("users", a->users)->required();
  out.push_back({.app = remove, .run = [a, print_conversation](Session& s) {
                   return s.done(s.client().group_change(a->group_id, v1::REMOVE_MEMBERS, a->users),
                                 print_conversation);
                 }});

  auto* leave = group->add_subcommand("leave", "group leave GROUP");
  leave->add_option("group", a->group_id)->required();
  out.push_back({.app = leave, .run = [a](Session& s) {
                   return s.done(s.client().group_change(a->group_id, v1::LEAVE),
                                 [&](const v1::ConversationInfo&) {
                                   print(json::object{{"left", a->group_id}});
                                 });
                 }});

  auto* rename = group->add_subcommand("rename", "group rename GROUP NAME...");
  rename->add_option("group", a->group_id)->required();
  rename->add_option("name", a->words, "the new title (words joined with spaces)")->required();
  out.push_back({.app = rename, .run = [a, print_conversation](Session& s) {
                   return s.done(
                       s.client().group_change(a->group_id, v1::RENAME, {}, join(a->words)),
                       print_conversation);
                 }});

  const auto set_role = [a, print_conversation](v1::MemberRole role) {
    return [a, print_conversation, role](Session& s) {
      return s.done(s.client().group_change(a->group_id, v1::SET_ROLE, {a->user}, "", role),
                    print_conversation);
    };
  };
  auto* admin = group->add_subcommand("admin", "group admin GROUP USER: make USER an admin");
  admin->add_option("group", a->group_id)->required();
  admin->add_option("user", a->user)->required();
  out.push_back({.app = admin, .run = set_role(v1::ADMIN)});
  auto* member =
      group->add_subcommand("member", "group member GROUP USER: make USER a plain member");
  member->add_option("group", a->group_id)->required();
  member->add_option("user", a->user)->required();
  out.push_back({.app = member, .run = set_role(v1::MEMBER)});
}

}  // namespace parley::cli
