// Account commands: register, login, logout, passwd.
#include <memory>

#include "tools/cli/cli.h"

namespace parley::cli {

void add_account_commands(CLI::App& app, Commands& out) {
  struct Args {
    std::string user;
    std::string password;
    std::string new_password;
  };
  auto a = std::make_shared<Args>();

  auto* reg = app.add_subcommand("register", "create an account and log this profile in");
  reg->add_option("user", a->user)->required();
  reg->add_option("password", a->password)->required();
  auto* login =
      app.add_subcommand("login", "log this profile in (the profile keeps its device key)");
  login->add_option("user", a->user)->required();
  login->add_option("password", a->password)->required();
  const auto authenticate = [a](bool registering) {
    return [a, registering](Session& s) {
      auto r = registering ? s.client().register_account(a->user, a->password)
                           : s.client().login(a->user, a->password);
      if (!r) return report(r.error());
      json::object o;
      o["user"] = r->username;
      o["user_id"] = r->user_id;
      o["device_id"] = r->device_id;
      print(o);
      s.settle_outbox();
      return 0;
    };
  };
  out.push_back({.app = reg, .run = authenticate(true), .resume_first = false});
  out.push_back({.app = login, .run = authenticate(false), .resume_first = false});

  auto* logout = app.add_subcommand("logout", "revoke this profile's token");
  out.push_back({.app = logout, .run = [](Session& s) {
                   s.settle_outbox();
                   if (auto r = s.client().logout(); !r) return report(r.error());
                   print(json::object{{"logged_out", true}});
                   return 0;
                 }});

  auto* passwd = app.add_subcommand("passwd", "change the password");
  passwd->add_option("old", a->password)->required();
  passwd->add_option("new", a->new_password)->required();
  out.push_back({.app = passwd, .run = [a](Session& s) {
                   if (auto r = s.client().change_password(a->password, a->new_password); !r)
                     return report(r.error());
                   print(json::object{{"password_changed", true}});
                   s.settle_outbox();
                   return 0;
                 }});
}

}  // namespace parley::cli
