// The rules of contact actions, as pure functions over the state a store backend reads inside
// the action's transaction: which rows change and which error an action gets. Every backend
// applies the same plan, so requests, accepts and blocks behave alike on SQLite and PostgreSQL.
#pragma once

#include <vector>

#include "common/errors.h"
#include "core/contact_store.h"
#include "core/model.h"

namespace parley {

// What the backend read about the two users, in the action's transaction.
struct ContactFacts {
  ContactState mine = ContactState::none;    // the actor's row about the peer
  ContactState theirs = ContactState::none;  // the peer's row about the actor
  bool actor_blocks_peer = false;
  bool peer_blocks_actor = false;
};

// One side's row to set (none: delete it) and record in that side's user log.
struct ContactWrite {
  bool actor_side = true;  // the actor's row about the peer, else the peer's about the actor
  ContactState state = ContactState::none;
  bool write_row = true;  // false: only the user-log entry (the row is already right)
};

enum class BlockChange : std::uint8_t { none, add, remove };

struct ContactPlan {
  BlockChange block = BlockChange::none;
  std::vector<ContactWrite> writes;  // in order; empty: nothing changes, nobody is told
};

// invalid_argument when actor and peer are the same user. Before any read.
Result<void> check_contact_pair(UserId actor, UserId peer);

// The plan for `action`, or its error: user_not_found when the peer blocked the actor (as if the
// peer did not exist), invalid_argument when the action does not fit the current state.
Result<ContactPlan> plan_contact_action(ContactAction action, const ContactFacts& facts);

}  // namespace parley
