// Store on SQLite, groups: creation and membership changes, each recorded as one system entry in
// the same transaction that checks the actor's role.
#include <string>
#include <utility>

#include "core/group_rules.h"
#include "core/system_event.h"
#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_store.h"

namespace parley::store::sqlite {
namespace {

using detail::forward;

// The username of a user `actor` may put into a group: one who exists and has not blocked the
// actor (a blocker looks like no user at all).
Result<std::string> joinable_user(Connection& db, UserId user, UserId actor) {
  auto stmt = db.prepare(
      "SELECT u.username, EXISTS (SELECT 1 FROM blocks b WHERE b.user_id = u.id AND "
      "b.peer_id = ?) FROM users u WHERE u.id = ?");
  if (!stmt) return forward(stmt);
  auto row = stmt->bind(1, actor).bind(2, user).step();
  if (!row) return forward(row);
  if (!*row || stmt->int64(1) != 0) {
    return fail(Errc::user_not_found, "no user " + std::to_string(user));
  }
  return stmt->text(0);
}

// Adds a member, or brings a former member back with a fresh role and joined_seq. Nothing before
// joined_seq is visible, so read_seq starts there; it never moves back for a returning member.
// added_seq is the entry that adds them (0 at creation): live delivery starts there.
Result<void> put_member(Connection& db, ConversationId id, UserId user, MemberRole role,
                        Seq joined_seq, Seq added_seq, TimeMs now) {
  auto stmt = db.prepare(
      "INSERT INTO members (conversation_id, user_id, role, joined_seq, joined_at, read_seq, "
      "added_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?4, ?6) ON CONFLICT (conversation_id, user_id) DO "
      "UPDATE SET role = excluded.role, joined_seq = excluded.joined_seq, "
      "joined_at = excluded.joined_at, left_at = NULL, left_seq = NULL, "
      "added_seq = excluded.added_seq, read_seq = MAX(read_seq, excluded.read_seq)");
  if (!stmt) return forward(stmt);
  return stmt->bind(1, id)
      .bind(2, user)
      .bind(3, static_cast<std::int64_t>(role))
      .bind(4, joined_seq)
      .bind(5, now)
      .bind(6, added_seq)
      .run();
}

Result<std::int64_t> member_count(Connection& db, ConversationId id) {
  auto stmt =
      db.prepare("SELECT COUNT(*) FROM members WHERE conversation_id = ? AND left_at IS NULL");
  if (!stmt) return forward(stmt);
  auto row = stmt->bind(1, id).step();
  if (!row) return forward(row);
  return stmt->int64(0);
}

Result<void> set_role(Connection& db, ConversationId id, UserId user, MemberRole role) {
  auto stmt = db.prepare("UPDATE members SET role = ? WHERE conversation_id = ? AND user_id = ?");
  if (!stmt) return forward(stmt);
  return stmt->bind(1, static_cast<std::int64_t>(role)).bind(2, id).bind(3, user).run();
}

// Marks a member as gone and tells their devices through the user log. left_seq is the entry that
// records it: the last one they receive.
Result<void> drop_member(Connection& db, ConversationId id, UserId user, Seq left_seq, TimeMs now,
                         GroupOutcome& outcome) {
  auto stmt = db.prepare(
      "UPDATE members SET left_at = ?, left_seq = ?, role = 0 WHERE conversation_id = ? AND "
      "user_id = ?");
  if (!stmt) return forward(stmt);
  auto done = stmt->bind(1, now).bind(2, left_seq).bind(3, id).bind(4, user).run();
  if (!done) return done;
  UserUpdate update;
  update.user_id = user;
  update.kind = UserUpdateKind::left;
  update.conversation_id = id;
  update.at = now;
  auto written = detail::write_user_update(db, std::move(update));
  if (!written) return forward(written);
  outcome.updates.push_back(std::move(*written));
  outcome.former_members.push_back(user);
  return {};
}

// The current members but `owner`, in the order they joined, for the rules to pick an heir from.
Result<std::vector<Heir>> heirs(Connection& db, ConversationId id, UserId owner) {
  auto stmt = db.prepare(
      "SELECT user_id, role, joined_at, joined_seq FROM members "
      "WHERE conversation_id = ? AND left_at IS NULL AND user_id <> ? ORDER BY rowid");
  if (!stmt) return forward(stmt);
  stmt->bind(1, id).bind(2, owner);
  std::vector<Heir> out;
  while (true) {
    auto row = stmt->step();
    if (!row) return forward(row);
    if (!*row) break;
    out.push_back(Heir{.user_id = stmt->int64(0),
                       .role = static_cast<MemberRole>(stmt->int64(1)),
                       .joined_at = stmt->int64(2),
                       .joined_seq = stmt->int64(3)});
  }
  return out;
}

}  // namespace

Result<GroupOutcome> SqliteStore::create_group(const NewGroup& group) {
  const std::vector<UserId> members = distinct_users(group.members, group.creator);
  auto allowed = check_new_group(group, members);
  if (!allowed) return forward(allowed);
  Connection& db = *writer_;
  // Membership, roles, blocks and last_seq may change: what appends learned must be read again.
  append_facts_.forget_all();
  auto txn = Transaction::begin(db, "BEGIN IMMEDIATE");
  if (!txn) return forward(txn);
  auto creator = detail::username_of(db, group.creator);
  if (!creator) return forward(creator);
  if (!*creator) return fail(Errc::user_not_found, "no user " + std::to_string(group.creator));

  SystemEvent event{.event = "created", .actor = **creator, .title = group.title};
  event.users.reserve(members.size());
  for (UserId user : members) {
    auto name = joinable_user(db, user, group.creator);
    if (!name) return forward(name);
    event.users.push_back(std::move(*name));
  }
  ConversationId id = 0;
  {
    auto stmt = db.prepare(
        "INSERT INTO conversations (kind, title, direct_key, last_seq, last_activity_at, "
        "created_at, shared_history) VALUES (?, ?, NULL, 0, ?, ?, ?)");
    if (!stmt) return forward(stmt);
    auto done = stmt->bind(1, static_cast<std::int64_t>(ConversationKind::group))
                    .bind(2, group.title)
                    .bind(3, group.now)
                    .bind(4, group.now)
                    .bind(5, std::int64_t{group.shared_history ? 1 : 0})
                    .run();
    if (!done) return forward(done);
    id = db.last_insert_rowid();
  }
  auto owner = put_member(db, id, group.creator, MemberRole::owner, 0, 0, group.now);
  if (!owner) return forward(owner);
  for (UserId user : members) {
    auto added = put_member(db, id, user, MemberRole::member, 0, 0, group.now);
    if (!added) return forward(added);
  }

  GroupOutcome outcome;
  auto system =
      detail::append_system(db, id, group.creator, **creator, std::move(event), group.now);
  if (!system) return forward(system);
  outcome.system_message = std::move(*system);
  auto conversation = detail::load_conversation(db, id);
  if (!conversation) return forward(conversation);
  outcome.conversation = std::move(*conversation);
  auto committed = txn->commit();
  if (!committed) return forward(committed);
  return outcome;
}

Result<GroupOutcome> SqliteStore::change_group(const GroupChange& change) {
  Connection& db = *writer_;
  const ConversationId id = change.conversation_id;
  // Membership, roles, blocks and last_seq may change: what appends learned must be read again.
  append_facts_.forget_all();
  auto txn = Transaction::begin(db, "BEGIN IMMEDIATE");
  if (!txn) return forward(txn);
  auto before = detail::load_conversation(db, id, /*with_members=*/false);
  if (!before) return forward(before);
  auto actor = detail::current_member(db, id, change.actor);
  if (!actor) return forward(actor);
  const std::vector<UserId> users = distinct_users(change.users, 0);
  // The rules are core's (core/group_rules.h); this reads their rows and writes what they allow.
  auto allowed = authorize_group_change(
      change, before->kind, *actor ? std::optional<MemberRole>((*actor)->role) : std::nullopt,
      users);
  if (!allowed) return forward(allowed);
  auto actor_name = detail::username_of(db, change.actor);
  if (!actor_name) return forward(actor_name);
  if (!*actor_name) return fail(Errc::internal, "no user " + std::to_string(change.actor));
  const MemberRole actor_role = (*actor)->role;
  auto role_of = [&](UserId user) -> Result<std::optional<MemberRole>> {
    auto member = detail::current_member(db, id, user);
    if (!member) return forward(member);
    if (!*member) return std::optional<MemberRole>();
    return std::optional<MemberRole>((*member)->role);
  };

  GroupOutcome outcome;
  SystemEvent event{.event = std::string(event_name(change.action)), .actor = **actor_name};
  switch (change.action) {
    case GroupAction::add: {
      for (UserId user : users) {
        auto name = joinable_user(db, user, change.actor);
        if (!name) return forward(name);
        auto role = role_of(user);
        if (!role) return forward(role);
        auto fresh = check_added_user(*name, role->has_value());
        if (!fresh) return forward(fresh);
        event.users.push_back(std::move(*name));
      }
      auto count = member_count(db, id);
      if (!count) return forward(count);
      auto fits =
          check_group_size(static_cast<std::size_t>(*count), users.size(), change.max_members);
      if (!fits) return forward(fits);
      const Seq joined_seq = newcomer_joined_seq(before->shared_history, before->last_seq);
      for (UserId user : users) {
        auto added = put_member(db, id, user, MemberRole::member, joined_seq, before->last_seq + 1,
                                change.now);
        if (!added) return forward(added);
        outcome.added_members.push_back(user);
      }
      break;
    }
    case GroupAction::remove: {
      for (UserId user : users) {
        auto role = role_of(user);
        if (!role) return forward(role);
        auto removable = check_removed_user(change.actor, actor_role, user, *role);
        if (!removable) return forward(removable);
        auto name = detail::username_of(db, user);
        if (!name) return forward(name);
        event.users.push_back(name->value_or(""));
        auto dropped = drop_member(db, id, user, before->last_seq + 1, change.now, outcome);
        if (!dropped) return forward(dropped);
      }
      break;
    }
    case GroupAction::leave: {
      if (actor_role == MemberRole::owner) {
        auto candidates = heirs(db, id, change.actor);
        if (!candidates) return forward(candidates);
        if (auto heir = pick_heir(*candidates)) {
          auto promoted = set_role(db, id, *heir, MemberRole::owner);
          if (!promoted) return forward(promoted);
          auto name = detail::username_of(db, *heir);
          if (!name) return forward(name);
          event.new_owner = name->value_or("");
        }
      }
      auto dropped = drop_member(db, id, change.actor, before->last_seq + 1, change.now, outcome);
      if (!dropped) return forward(dropped);
      break;
    }
    case GroupAction::rename: {
      event.title = change.title;
      auto stmt = db.prepare("UPDATE conversations SET title = ? WHERE id = ?");
      if (!stmt) return forward(stmt);
      auto done = stmt->bind(1, change.title).bind(2, id).run();
      if (!done) return forward(done);
      break;
    }
    case GroupAction::set_role: {
      event.role = change.role == MemberRole::admin ? "admin" : "member";
      for (UserId user : users) {
        auto role = role_of(user);
        if (!role) return forward(role);
        auto changeable = check_role_target(user, *role);
        if (!changeable) return forward(changeable);
        auto name = detail::username_of(db, user);
        if (!name) return forward(name);
        event.users.push_back(name->value_or(""));
        auto changed = set_role(db, id, user, change.role);
        if (!changed) return forward(changed);
      }
      break;
    }
  }

  auto system =
      detail::append_system(db, id, change.actor, **actor_name, std::move(event), change.now);
  if (!system) return forward(system);
  outcome.system_message = std::move(*system);
  auto conversation = detail::load_conversation(db, id);
  if (!conversation) return forward(conversation);
  outcome.conversation = std::move(*conversation);
  auto committed = txn->commit();
  if (!committed) return forward(committed);
  return outcome;
}

}  // namespace parley::store::sqlite
