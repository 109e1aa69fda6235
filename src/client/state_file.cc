// Reads and writes state.json with Boost.JSON.
#include "client/state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/durable_file.h"

namespace parley::client {
namespace {

namespace json = boost::json;

std::string state_path(const std::string& dir) { return dir + "/state.json"; }

std::int64_t as_int(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) return 0;
  if (v->is_int64()) return v->as_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->as_uint64());
  if (v->is_string()) return std::stoll(std::string(v->as_string()));
  return 0;
}

std::string as_str(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

}  // namespace

bool load_state(const std::string& dir, PersistedState& out, std::string& error) {
  std::ifstream in(state_path(dir), std::ios::binary);
  if (!in) {
    out = PersistedState{};
    return true;
  }
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  json::value root = json::parse(text.str(), ec);
  if (ec || !root.is_object()) {
    error = state_path(dir) + ": not a JSON object";
    return false;
  }
  try {
    const auto& o = root.as_object();
    PersistedState s;
    s.user_id = as_int(o, "user_id");
    s.username = as_str(o, "username");
    s.device_id = as_int(o, "device_id");
    s.device_key = as_str(o, "device_key");
    s.token = as_str(o, "token");
    s.token_expires_at_ms = as_int(o, "token_expires_at_ms");
    s.user_seq = as_int(o, "user_seq");
    if (const auto* c = o.if_contains("cursors"); c != nullptr && c->is_object()) {
      for (const auto& [key, value] : c->as_object()) {
        s.cursors[std::stoll(std::string(key))] = value.to_number<std::int64_t>();
      }
    }
    if (const auto* b = o.if_contains("outbox"); b != nullptr && b->is_array()) {
      for (const auto& item : b->as_array()) {
        const auto& e = item.as_object();
        OutboxRecord r;
        r.client_msg_id = as_str(e, "client_msg_id");
        r.to_user = as_str(e, "to_user");
        r.conversation_id = as_int(e, "conversation_id");
        r.text = as_str(e, "text");
        if (!r.client_msg_id.empty()) s.outbox.push_back(std::move(r));
      }
    }
    out = std::move(s);
  } catch (const std::exception& e) {
    error = state_path(dir) + ": " + e.what();
    return false;
  }
  return true;
}

bool save_state(const std::string& dir, const PersistedState& state, std::string& error) {
  json::object o;
  o["user_id"] = state.user_id;
  o["username"] = state.username;
  o["device_id"] = state.device_id;
  o["device_key"] = state.device_key;
  o["token"] = state.token;
  o["token_expires_at_ms"] = state.token_expires_at_ms;
  o["user_seq"] = state.user_seq;
  json::object cursors;
  for (const auto& [conversation, seq] : state.cursors) cursors[std::to_string(conversation)] = seq;
  o["cursors"] = std::move(cursors);
  json::array outbox;
  for (const auto& r : state.outbox) {
    json::object e;
    e["client_msg_id"] = r.client_msg_id;
    if (!r.to_user.empty()) e["to_user"] = r.to_user;
    if (r.conversation_id != 0) e["conversation_id"] = r.conversation_id;
    e["text"] = r.text;
    outbox.push_back(std::move(e));
  }
  o["outbox"] = std::move(outbox);
  const std::string text = json::serialize(o) + "\n";

  std::error_code fs_ec;
  std::filesystem::create_directories(dir, fs_ec);
  // After a crash the file is the old state or the new one, never a torn one, and a completed
  // save survives a power loss.
  auto replaced = replace_file_durably(state_path(dir), text, 0600);
  if (!replaced) {
    error = replaced.error().message;
    return false;
  }
  return true;
}

}  // namespace parley::client
