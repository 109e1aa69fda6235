// The contacts family of the store port (core/store.h has the thread contract): requests,
// accepted contacts, blocks, and who sees whose presence.
#pragma once

#include <cstdint>
#include <vector>

#include "common/errors.h"
#include "core/model.h"

namespace parley {

enum class ContactAction : std::uint8_t { request, accept, decline, remove, block, unblock };

class ContactStore {
 public:
  virtual ~ContactStore() = default;

  // [writer] Returns the user-log entries written (for actor and peer).
  // user_not_found when the peer blocked the actor (as if the peer did not exist);
  // invalid_argument when the action does not fit the current state (accept without a request).
  virtual Result<std::vector<UserUpdate>> contact_action(UserId actor, UserId peer,
                                                         ContactAction action, TimeMs now) = 0;
  // Every contact row of the user (requests, accepted, blocked), with last_seen for accepted.
  virtual Result<std::vector<Contact>> contacts_of(UserId user) = 0;
  // Users who see `user`'s presence: accepted contacts.
  virtual Result<std::vector<UserId>> presence_watchers(UserId user) = 0;
  virtual Result<bool> is_blocked(UserId by, UserId who) = 0;
  // The users who blocked `user`: ephemeral events of `user` (typing, read) never reach them.
  virtual Result<std::vector<UserId>> blocked_by(UserId user) = 0;
  // [writer]
  virtual Result<void> set_last_seen(UserId user, TimeMs at) = 0;
};

}  // namespace parley
