// Contact commands: contacts (list with requests), contact add|accept|decline|remove|block|unblock.
#include <map>
#include <memory>

#include "tools/cli/cli.h"

namespace parley::cli {

void add_contact_commands(CLI::App& app, Commands& out) {
  struct Args {
    std::string action;
    std::string user;
  };
  auto a = std::make_shared<Args>();

  auto* contacts = app.add_subcommand("contacts", "list contacts and requests");
  out.push_back({.app = contacts, .run = [](Session& s) {
                   return s.done(s.client().list_contacts(), [](const v1::ContactList& list) {
                     for (const auto& c : list.contacts()) {
                       json::object o;
                       o["user"] = c.username();
                       o["state"] = v1::ContactState_Name(c.state());
                       o["online"] = c.online();
                       o["last_seen"] = c.last_seen_ms();
                       print(o);
                     }
                   });
                 }});

  auto* contact =
      app.add_subcommand("contact", "contact add|accept|decline|remove|block|unblock USER");
  contact->add_option("action", a->action)
      ->required()
      ->check(CLI::IsMember({"add", "accept", "decline", "remove", "block", "unblock"}));
  contact->add_option("user", a->user)->required();
  out.push_back({.app = contact, .run = [a](Session& s) {
                   static const std::map<std::string, v1::ContactAction> kActions = {
                       {"add", v1::REQUEST},   {"accept", v1::ACCEPT}, {"decline", v1::DECLINE},
                       {"remove", v1::REMOVE}, {"block", v1::BLOCK},   {"unblock", v1::UNBLOCK}};
                   return s.done_ok(s.client().contact(a->user, kActions.at(a->action)),
                                    json::object{{"user", a->user}, {"action", a->action}});
                 }});
}

}  // namespace parley::cli
