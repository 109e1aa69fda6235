#include "core/system_event.h"

namespace parley {
namespace {
constexpr std::size_t kFieldOverhead = 16;  // a key, its quotes and separators
constexpr std::size_t kUserOverhead = 3;    // quotes and a comma
}  // namespace

std::size_t content_bytes(const SystemEvent& e) {
  std::size_t bytes = 6 * kFieldOverhead + e.event.size() + e.actor.size() + e.title.size() +
                      e.role.size() + e.new_owner.size();
  for (const std::string& user : e.users) bytes += user.size() + kUserOverhead;
  return bytes;
}

}  // namespace parley
