#include "core/username.h"

namespace parley {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

}  // namespace

std::optional<std::string> username_key(std::string_view username) {
  if (username.size() < kMinUsernameBytes || username.size() > kMaxUsernameBytes) return {};
  if (!is_alnum(username.front())) return {};
  std::string key;
  key.reserve(username.size());
  for (char c : username) {
    if (!is_alnum(c) && c != '.' && c != '_' && c != '-') return {};
    key.push_back((c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return key;
}

}  // namespace parley
