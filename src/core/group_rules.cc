#include "core/group_rules.h"

#include <string>
#include <tuple>
#include <unordered_set>

namespace parley {

std::vector<UserId> distinct_users(std::span<const UserId> users, UserId drop) {
  std::vector<UserId> out;
  std::unordered_set<UserId> seen;
  out.reserve(users.size());
  for (UserId user : users) {
    if (user != drop && seen.insert(user).second) out.push_back(user);
  }
  return out;
}

bool manages(MemberRole role) { return role == MemberRole::admin || role == MemberRole::owner; }

Result<void> check_new_group(const NewGroup& group, std::span<const UserId> members) {
  if (group.title.empty()) return fail(Errc::invalid_argument, "a group needs a title");
  return check_group_size(1, members.size(), group.max_members);
}

Result<void> authorize_group_change(const GroupChange& change, ConversationKind kind,
                                    std::optional<MemberRole> actor_role,
                                    std::span<const UserId> users) {
  if (!actor_role) return fail(Errc::not_found, "no such conversation");
  if (kind != ConversationKind::group) {
    return fail(Errc::invalid_argument, "not a group conversation");
  }
  const bool needs_users = change.action == GroupAction::add ||
                           change.action == GroupAction::remove ||
                           change.action == GroupAction::set_role;
  if (needs_users && users.empty()) return fail(Errc::invalid_argument, "no users named");
  switch (change.action) {
    case GroupAction::add:
      if (!manages(*actor_role)) return fail(Errc::forbidden, "only admins add members");
      return {};
    case GroupAction::remove:
      if (!manages(*actor_role)) return fail(Errc::forbidden, "only admins remove members");
      return {};
    case GroupAction::leave:
      return {};
    case GroupAction::rename:
      if (!manages(*actor_role)) return fail(Errc::forbidden, "only admins rename");
      if (change.title.empty()) return fail(Errc::invalid_argument, "a group needs a title");
      return {};
    case GroupAction::set_role:
      if (*actor_role != MemberRole::owner)
        return fail(Errc::forbidden, "only the owner sets roles");
      if (change.role != MemberRole::member && change.role != MemberRole::admin) {
        return fail(Errc::invalid_argument, "the role is member or admin");
      }
      return {};
  }
  return fail(Errc::invalid_argument, "unknown group action");
}

Result<void> check_added_user(std::string_view name, bool already_member) {
  if (already_member)
    return fail(Errc::invalid_argument, std::string(name) + " is already a member");
  return {};
}

Result<void> check_group_size(std::size_t current_members, std::size_t adding,
                              std::size_t max_members) {
  if (current_members + adding > max_members) {
    return fail(Errc::invalid_argument, "over " + std::to_string(max_members) + " members");
  }
  return {};
}

Seq newcomer_joined_seq(bool shared_history, Seq last_seq) { return shared_history ? 0 : last_seq; }

Result<void> check_removed_user(UserId actor, MemberRole actor_role, UserId user,
                                std::optional<MemberRole> role) {
  if (!role) return fail(Errc::not_found, "not a member: " + std::to_string(user));
  if (*role == MemberRole::owner) return fail(Errc::forbidden, "the owner cannot be removed");
  if (*role == MemberRole::admin && actor_role != MemberRole::owner && user != actor) {
    return fail(Errc::forbidden, "only the owner removes admins");
  }
  return {};
}

Result<void> check_role_target(UserId user, std::optional<MemberRole> role) {
  if (!role) return fail(Errc::not_found, "not a member: " + std::to_string(user));
  if (*role == MemberRole::owner) {
    return fail(Errc::invalid_argument, "the owner's role does not change");
  }
  return {};
}

std::optional<UserId> pick_heir(std::span<const Heir> candidates) {
  const Heir* best = nullptr;
  // Higher role first, then the earlier join; strict comparison keeps the first of equals.
  auto rank = [](const Heir& heir) {
    return std::make_tuple(-static_cast<int>(heir.role), heir.joined_at, heir.joined_seq);
  };
  for (const Heir& heir : candidates) {
    if (best == nullptr || rank(heir) < rank(*best)) best = &heir;
  }
  if (best == nullptr) return std::nullopt;
  return best->user_id;
}

std::string_view event_name(GroupAction action) {
  switch (action) {
    case GroupAction::add:
      return "added";
    case GroupAction::remove:
      return "removed";
    case GroupAction::leave:
      return "left";
    case GroupAction::rename:
      return "renamed";
    case GroupAction::set_role:
      return "role";
  }
  return "changed";
}

}  // namespace parley
