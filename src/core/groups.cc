// Chat family, groups: create, add, remove, leave, rename, roles. One writer transaction each,
// which also appends the system entry; the owner shard then adopts the new member list and fans
// the entry out to current and just-removed members.
#include "core/core_internal.h"
#include "core/username.h"

namespace parley {

void Core::Chat::finish_group(Result<GroupOutcome> outcome, ShardId origin,
                              Callback<Conversation> done) {
  Result<Conversation> answer = outcome ? Result<Conversation>(summary_of(outcome->conversation))
                                        : std::unexpected(outcome.error());
  // Posted from the writer, like committed messages: the owner shard sees it in seq order.
  if (outcome) {
    core_.executor_.post(core_.owner_shard(outcome->conversation.id),
                         [this, outcome = std::move(*outcome)]() mutable {
                           core_.messaging_->on_group_changed(std::move(outcome));
                         });
  }
  core_.executor_.post(origin, [answer = std::move(answer), done = std::move(done)]() mutable {
    done(std::move(answer));
  });
}

Result<std::vector<UserId>> Core::Chat::resolve_users(const std::vector<std::string>& usernames) {
  std::vector<UserId> ids;
  ids.reserve(usernames.size());
  for (const std::string& name : usernames) {
    auto key = username_key(name);
    if (!key) return fail(Errc::user_not_found, "no such user: " + name);
    auto user = core_.store_.user_by_username(*key);
    if (!user) {
      if (user.error().code == Errc::not_found)
        return fail(Errc::user_not_found, "no such user: " + name);
      return std::unexpected(user.error());
    }
    ids.push_back(user->id);
  }
  return ids;
}

void Core::Chat::create_group(const SessionIdentity& who, std::string title,
                              std::vector<std::string> members, bool shared_history,
                              Callback<Conversation> done) {
  const ChatLimits& limits = core_.config_.chat;
  if (title.empty()) return done(fail(Errc::invalid_argument, "a group needs a title"));
  if (auto ok = check_text(title, limits.max_title_bytes, "title"); !ok) {
    return done(std::unexpected(ok.error()));
  }
  if (members.size() + 1 > limits.max_group_members) {
    return done(
        fail(Errc::invalid_argument,
             "a group has at most " + std::to_string(limits.max_group_members) + " members"));
  }
  NewGroup group{who.user_id,    std::move(title),         {},
                 shared_history, limits.max_group_members, core_.executor_.now()};
  const ShardId origin = core_.local().id;
  core_.store_.post_write([this, group = std::move(group), members = std::move(members), origin,
                           done = std::move(done)]() mutable {
    Result<GroupOutcome> outcome = [&]() -> Result<GroupOutcome> {
      auto ids = resolve_users(members);
      if (!ids) return std::unexpected(ids.error());
      group.members = std::move(*ids);
      return core_.store_.create_group(group);
    }();
    finish_group(std::move(outcome), origin, std::move(done));
  });
}

void Core::Chat::change_group(const SessionIdentity& who, GroupCommand command,
                              Callback<Conversation> done) {
  const ChatLimits& limits = core_.config_.chat;
  if (command.conversation_id <= 0)
    return done(fail(Errc::invalid_argument, "conversation required"));
  const bool needs_users = command.action == GroupAction::add ||
                           command.action == GroupAction::remove ||
                           command.action == GroupAction::set_role;
  if (needs_users && command.usernames.empty()) {
    return done(fail(Errc::invalid_argument, "name at least one user"));
  }
  if (command.usernames.size() > limits.max_group_members) {
    return done(fail(Errc::invalid_argument, "too many users"));
  }
  if (command.action == GroupAction::rename) {
    if (command.title.empty()) return done(fail(Errc::invalid_argument, "a group needs a title"));
    if (auto ok = check_text(command.title, limits.max_title_bytes, "title"); !ok) {
      return done(std::unexpected(ok.error()));
    }
  }
  if (command.action == GroupAction::set_role && command.role == MemberRole::owner) {
    return done(fail(Errc::invalid_argument, "the role is member or admin"));
  }
  GroupChange change{
      command.conversation_id,  who.user_id,  command.action,           {},
      std::move(command.title), command.role, limits.max_group_members, core_.executor_.now()};
  // Names matter to add, remove and set-role only: stray ones on a leave or rename are ignored.
  if (!needs_users) command.usernames.clear();
  const ShardId origin = core_.local().id;
  core_.store_.post_write([this, change = std::move(change),
                           usernames = std::move(command.usernames), origin,
                           done = std::move(done)]() mutable {
    Result<GroupOutcome> outcome = [&]() -> Result<GroupOutcome> {
      auto ids = resolve_users(usernames);
      if (!ids) return std::unexpected(ids.error());
      change.users = std::move(*ids);
      return core_.store_.change_group(change);
    }();
    finish_group(std::move(outcome), origin, std::move(done));
  });
}

}  // namespace parley
