// Store on SQLite, contacts: directed contact rows (one per side), blocks, presence watchers and
// last-seen. Every change is recorded in the user log of each side that can see it.
#include <utility>

#include "core/contact_rules.h"
#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_store.h"

namespace parley::store::sqlite {
namespace {

using detail::forward;

// The state of user's row about peer; none when there is no row.
Result<ContactState> contact_state(Connection& db, UserId user, UserId peer) {
  auto stmt = db.prepare("SELECT state FROM contacts WHERE user_id = ? AND peer_id = ?");
  if (!stmt) return forward(stmt);
  auto row = stmt->bind(1, user).bind(2, peer).step();
  if (!row) return forward(row);
  return *row ? static_cast<ContactState>(stmt->int64(0)) : ContactState::none;
}

Result<bool> blocked(Connection& db, UserId by, UserId who) {
  auto stmt = db.prepare("SELECT 1 FROM blocks WHERE user_id = ? AND peer_id = ?");
  if (!stmt) return forward(stmt);
  return stmt->bind(1, by).bind(2, who).step();
}

// Sets user's row about peer (none deletes it) and records it in user's log.
Result<void> put_contact(Connection& db, UserId user, UserId peer, ContactState state, TimeMs now,
                         std::vector<UserUpdate>& updates, bool write_row = true) {
  if (write_row) {
    if (state == ContactState::none || state == ContactState::blocked) {
      auto stmt = db.prepare("DELETE FROM contacts WHERE user_id = ? AND peer_id = ?");
      if (!stmt) return forward(stmt);
      auto done = stmt->bind(1, user).bind(2, peer).run();
      if (!done) return done;
    } else {
      auto stmt = db.prepare(
          "INSERT INTO contacts (user_id, peer_id, state, updated_at) VALUES (?, ?, ?, ?) "
          "ON CONFLICT (user_id, peer_id) DO UPDATE SET state = excluded.state, "
          "updated_at = excluded.updated_at");
      if (!stmt) return forward(stmt);
      auto done = stmt->bind(1, user)
                      .bind(2, peer)
                      .bind(3, static_cast<std::int64_t>(state))
                      .bind(4, now)
                      .run();
      if (!done) return done;
    }
  }
  UserUpdate update;
  update.user_id = user;
  update.kind = UserUpdateKind::contact;
  update.peer_id = peer;
  update.contact_state = state;
  update.at = now;
  auto written = detail::write_user_update(db, std::move(update));
  if (!written) return forward(written);
  updates.push_back(std::move(*written));
  return {};
}

}  // namespace

Result<std::vector<UserUpdate>> SqliteStore::contact_action(UserId actor, UserId peer,
                                                            ContactAction action, TimeMs now) {
  auto pair = check_contact_pair(actor, peer);
  if (!pair) return forward(pair);
  Connection& db = *writer_;
  // Membership, roles, blocks and last_seq may change: what appends learned must be read again.
  append_facts_.forget_all();
  auto txn = Transaction::begin(db, "BEGIN IMMEDIATE");
  if (!txn) return forward(txn);
  auto peer_name = detail::username_of(db, peer);
  if (!peer_name) return forward(peer_name);
  if (!*peer_name) return fail(Errc::user_not_found, "no such user");
  ContactFacts facts;
  {
    auto mine = contact_state(db, actor, peer);
    if (!mine) return forward(mine);
    auto theirs = contact_state(db, peer, actor);
    if (!theirs) return forward(theirs);
    auto actor_blocks = blocked(db, actor, peer);
    if (!actor_blocks) return forward(actor_blocks);
    auto peer_blocks = blocked(db, peer, actor);
    if (!peer_blocks) return forward(peer_blocks);
    facts = {.mine = *mine,
             .theirs = *theirs,
             .actor_blocks_peer = *actor_blocks,
             .peer_blocks_actor = *peer_blocks};
  }
  // The rules are core's (core/contact_rules.h); this only writes what they decided.
  auto plan = plan_contact_action(action, facts);
  if (!plan) return forward(plan);
  if (plan->block != BlockChange::none) {
    auto stmt = db.prepare(plan->block == BlockChange::add
                               ? "INSERT OR IGNORE INTO blocks (user_id, peer_id, created_at) "
                                 "VALUES (?1, ?2, ?3)"
                               : "DELETE FROM blocks WHERE user_id = ?1 AND peer_id = ?2");
    if (!stmt) return forward(stmt);
    stmt->bind(1, actor).bind(2, peer);
    if (plan->block == BlockChange::add) stmt->bind(3, now);
    auto done = stmt->run();
    if (!done) return forward(done);
  }
  std::vector<UserUpdate> updates;
  for (const ContactWrite& write : plan->writes) {
    const UserId owner = write.actor_side ? actor : peer;
    const UserId other = write.actor_side ? peer : actor;
    auto done = put_contact(db, owner, other, write.state, now, updates, write.write_row);
    if (!done) return forward(done);
  }
  auto committed = txn->commit();
  if (!committed) return forward(committed);
  return updates;
}

Result<std::vector<Contact>> SqliteStore::contacts_of(UserId user) {
  auto db = reader();
  if (!db) return forward(db);
  auto stmt = (*db)->prepare(
      "SELECT c.peer_id, u.username, c.state, "
      "CASE WHEN c.state = ?2 THEN u.last_seen_at ELSE 0 END "
      "FROM contacts c JOIN users u ON u.id = c.peer_id WHERE c.user_id = ?1 "
      "UNION ALL SELECT b.peer_id, u.username, ?3, 0 "
      "FROM blocks b JOIN users u ON u.id = b.peer_id WHERE b.user_id = ?1 "
      "ORDER BY 2, 1");
  if (!stmt) return forward(stmt);
  stmt->bind(1, user)
      .bind(2, static_cast<std::int64_t>(ContactState::accepted))
      .bind(3, static_cast<std::int64_t>(ContactState::blocked));
  std::vector<Contact> contacts;
  while (true) {
    auto row = stmt->step();
    if (!row) return forward(row);
    if (!*row) return contacts;
    Contact& c = contacts.emplace_back();
    c.user_id = stmt->int64(0);
    c.username = stmt->text(1);
    c.state = static_cast<ContactState>(stmt->int64(2));
    c.last_seen = stmt->int64(3);
  }
}

Result<std::vector<UserId>> SqliteStore::presence_watchers(UserId user) {
  auto db = reader();
  if (!db) return forward(db);
  // Acceptance is symmetric (both rows accepted), so the user's own rows name the watchers.
  auto stmt = (*db)->prepare("SELECT peer_id FROM contacts WHERE user_id = ? AND state = ?");
  if (!stmt) return forward(stmt);
  stmt->bind(1, user).bind(2, static_cast<std::int64_t>(ContactState::accepted));
  std::vector<UserId> watchers;
  while (true) {
    auto row = stmt->step();
    if (!row) return forward(row);
    if (!*row) return watchers;
    watchers.push_back(stmt->int64(0));
  }
}

Result<bool> SqliteStore::is_blocked(UserId by, UserId who) {
  auto db = reader();
  if (!db) return forward(db);
  return blocked(**db, by, who);
}

Result<std::vector<UserId>> SqliteStore::blocked_by(UserId user) {
  auto db = reader();
  if (!db) return forward(db);
  auto stmt = (*db)->prepare("SELECT user_id FROM blocks WHERE peer_id = ?");  // blocks_peer
  if (!stmt) return forward(stmt);
  stmt->bind(1, user);
  std::vector<UserId> blockers;
  while (true) {
    auto row = stmt->step();
    if (!row) return forward(row);
    if (!*row) return blockers;
    blockers.push_back(stmt->int64(0));
  }
}

Result<void> SqliteStore::set_last_seen(UserId user, TimeMs at) {
  auto stmt = writer_->prepare("UPDATE users SET last_seen_at = MAX(last_seen_at, ?) WHERE id = ?");
  if (!stmt) return forward(stmt);
  auto done = stmt->bind(1, at).bind(2, user).run();
  if (!done) return done;
  if (writer_->changes() == 0) return fail(Errc::not_found, "no such user");
  return {};
}

}  // namespace parley::store::sqlite
