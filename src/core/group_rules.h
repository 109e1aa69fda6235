// The rules of groups, as pure functions over the rows a store backend reads inside the change's
// transaction: who may create, add, remove, rename and set roles, how large a group may grow,
// where a newcomer's history starts, who inherits a group its owner leaves, and what the system
// entry says. A backend reads and writes rows; every decision is made here.
#pragma once

#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "common/errors.h"
#include "core/conversation_store.h"
#include "core/model.h"

namespace parley {

// The users in order of first mention, without `drop` (0: keep everyone).
std::vector<UserId> distinct_users(std::span<const UserId> users, UserId drop);

// Admins and the owner manage members and the title.
bool manages(MemberRole role);

// Before any read: invalid_argument for an empty title or more than max_members with the
// creator (`members`: distinct, without the creator).
Result<void> check_new_group(const NewGroup& group, std::span<const UserId> members);

// The actor's right to make `change`, from the conversation's kind and the actor's role
// (nullopt: not a current member). not_found for a non-member (a group one is not in cannot be
// probed), invalid_argument for a direct conversation, no users named where the action needs
// them, an empty title or a role other than member/admin; forbidden when the role does not allow
// the action. `users`: distinct_users(change.users, 0).
Result<void> authorize_group_change(const GroupChange& change, ConversationKind kind,
                                    std::optional<MemberRole> actor_role,
                                    std::span<const UserId> users);

// add: invalid_argument for a user who is already a member (`name`: theirs, for the message).
Result<void> check_added_user(std::string_view name, bool already_member);
// add: invalid_argument when the group would grow over max_members.
Result<void> check_group_size(std::size_t current_members, std::size_t adding,
                              std::size_t max_members);
// add: the joined_seq of a newcomer. The "added" entry takes last_seq + 1: without shared
// history a newcomer sees from there.
Seq newcomer_joined_seq(bool shared_history, Seq last_seq);

// remove: not_found for a non-member (role nullopt); forbidden for the owner, and for an admin
// unless the actor is the owner or removes themself.
Result<void> check_removed_user(UserId actor, MemberRole actor_role, UserId user,
                                std::optional<MemberRole> role);
// set_role: not_found for a non-member, invalid_argument for the owner (whose role never
// changes this way).
Result<void> check_role_target(UserId user, std::optional<MemberRole> role);

// A current member as a candidate to inherit the group, in the backend's order of joining.
struct Heir {
  UserId user_id = 0;
  MemberRole role = MemberRole::member;
  TimeMs joined_at = 0;
  Seq joined_seq = 0;
};
// Who inherits a group its owner leaves: the longest-standing admin, else the longest-standing
// member; ties go to the first in `candidates`. nullopt when nobody is left.
std::optional<UserId> pick_heir(std::span<const Heir> candidates);

// The system entry's event name for an action: added, removed, left, renamed, role.
std::string_view event_name(GroupAction action);

}  // namespace parley
