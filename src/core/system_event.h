// The body of a system entry (membership changes, renames): a small JSON object, so every client
// can render it in its own language. Built here, stored as the entry's text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parley {

struct SystemEvent {
  std::string event;               // created, added, removed, left, renamed, role
  std::string actor;               // username of who did it
  std::vector<std::string> users;  // added/removed users, or the user whose role changed
  std::string title;               // created, renamed
  std::string role;                // role: "admin" or "member"
  std::string new_owner;           // left: when ownership passed on
};

// {"event":"added","actor":"alice","users":["bob"]}; empty fields are left out.
std::string system_event_json(const SystemEvent& event);

// JSON string literal (with quotes) for any UTF-8 text.
std::string json_quote(std::string_view text);

}  // namespace parley
