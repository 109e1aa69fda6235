// What a system entry (group created, members added/removed/left, renamed, role changed) says,
// typed. Core and the store pass it as data; each gateway renders it in its own format (native:
// a JSON object in the entry's text, docs/protocol-reference.md "SYSTEM entries") and each store
// backend keeps it in its own.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace parley {

struct SystemEvent {
  std::string event;               // created, added, removed, left, renamed, role
  std::string actor;               // username of who did it
  std::vector<std::string> users;  // added/removed users, or the users whose role changed
  std::string title;               // created, renamed
  std::string role;                // role: "admin" or "member"
  std::string new_owner;           // left: when ownership passed on
  bool operator==(const SystemEvent&) const = default;
};

// The bytes of text its fields hold plus a few per field and per user for keys and quoting: an
// estimate of an encoding's size before escapes.
std::size_t content_bytes(const SystemEvent& event);

}  // namespace parley
