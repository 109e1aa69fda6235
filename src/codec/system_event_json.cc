#include "codec/system_event_json.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace parley::codec {
namespace json = boost::json;

std::string system_event_json(const SystemEvent& e) {
  // boost::json::object keeps insertion order: the keys come out as the reference documents them.
  json::object out;
  out["event"] = e.event;
  if (!e.actor.empty()) out["actor"] = e.actor;
  if (!e.users.empty()) {
    json::array users;
    users.reserve(e.users.size());
    for (const std::string& user : e.users) users.emplace_back(user);
    out["users"] = std::move(users);
  }
  if (!e.title.empty()) out["title"] = e.title;
  if (!e.role.empty()) out["role"] = e.role;
  if (!e.new_owner.empty()) out["new_owner"] = e.new_owner;
  return json::serialize(out);
}

std::optional<SystemEvent> parse_system_event_json(std::string_view text) {
  boost::system::error_code ec;
  const json::value parsed = json::parse(text, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const json::object& in = parsed.get_object();
  SystemEvent e;
  // A key that is present must be a string; absent means empty.
  auto string_at = [&](std::string_view key, std::string& into) {
    const json::value* v = in.if_contains(key);
    if (!v) return true;
    if (!v->is_string()) return false;
    into = v->get_string();
    return true;
  };
  if (!in.contains("event") || !string_at("event", e.event) || !string_at("actor", e.actor) ||
      !string_at("title", e.title) || !string_at("role", e.role) ||
      !string_at("new_owner", e.new_owner)) {
    return std::nullopt;
  }
  if (const json::value* users = in.if_contains("users")) {
    if (!users->is_array()) return std::nullopt;
    for (const json::value& user : users->get_array()) {
      if (!user.is_string()) return std::nullopt;
      e.users.emplace_back(user.get_string());
    }
  }
  return e;
}

}  // namespace parley::codec
