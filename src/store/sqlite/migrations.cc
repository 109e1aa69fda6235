// Schema history of the SQLite store (DESIGN §4).
#include "store/sqlite/migrations.h"

#include <array>
#include <string>

#include "store/sqlite/connection.h"

namespace parley::store::sqlite {
namespace {

// v1: accounts, devices, direct conversations and the message log. Keys and columns follow
// DESIGN §4 (kind, role, joined_seq, left_at) so groups, receipts, reactions and contacts can be
// added by later migrations without rewriting these tables.
constexpr std::string_view kSchemaV1 = R"sql(
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL,
  username_key TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE devices (
  id INTEGER PRIMARY KEY,
  user_id INTEGER NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  token_hash BLOB NOT NULL UNIQUE,
  token_expires_at INTEGER NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL,
  last_seen_at INTEGER NOT NULL
);
CREATE INDEX devices_user ON devices(user_id);
CREATE TABLE conversations (
  id INTEGER PRIMARY KEY,
  kind INTEGER NOT NULL,
  title TEXT NOT NULL DEFAULT '',
  direct_key TEXT UNIQUE, -- 'minuser:maxuser' for direct conversations, NULL for groups
  last_seq INTEGER NOT NULL DEFAULT 0,
  last_activity_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE TABLE members (
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  user_id INTEGER NOT NULL REFERENCES users(id),
  role INTEGER NOT NULL DEFAULT 0,
  joined_seq INTEGER NOT NULL DEFAULT 0,
  joined_at INTEGER NOT NULL,
  left_at INTEGER, -- NULL while the user is a current member
  PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX members_user ON members(user_id);
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  conversation_id INTEGER NOT NULL REFERENCES conversations(id),
  seq INTEGER NOT NULL,
  sender_id INTEGER NOT NULL REFERENCES users(id),
  sender_device_id INTEGER NOT NULL,
  client_msg_id TEXT NOT NULL,
  kind INTEGER NOT NULL,
  body TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  UNIQUE (conversation_id, seq),
  UNIQUE (sender_id, client_msg_id)
);
)sql";

// v2: groups (roles, history visibility), per-member read position, mute and nickname, edits,
// deletions, reactions, delete-for-me, contacts and blocks, and the per-user update log.
constexpr std::string_view kSchemaV2 = R"sql(
ALTER TABLE members ADD COLUMN read_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN nickname TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN shared_history INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN target_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN edited_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_target ON messages(conversation_id, target_seq) WHERE target_seq > 0;
ALTER TABLE users ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN last_user_seq INTEGER NOT NULL DEFAULT 0;
CREATE TABLE reactions (
  conversation_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  user_id INTEGER NOT NULL REFERENCES users(id),
  emoji TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (conversation_id, seq, user_id, emoji)
) WITHOUT ROWID;
CREATE TABLE hidden (
  user_id INTEGER NOT NULL REFERENCES users(id),
  conversation_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  PRIMARY KEY (user_id, conversation_id, seq)
) WITHOUT ROWID;
-- Directed: one row per side. state: 1 request_sent, 2 request_received, 3 accepted.
CREATE TABLE contacts (
  user_id INTEGER NOT NULL REFERENCES users(id),
  peer_id INTEGER NOT NULL REFERENCES users(id),
  state INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, peer_id)
) WITHOUT ROWID;
-- user_id blocked peer_id.
CREATE TABLE blocks (
  user_id INTEGER NOT NULL REFERENCES users(id),
  peer_id INTEGER NOT NULL REFERENCES users(id),
  created_at INTEGER NOT NULL,
  PRIMARY KEY (user_id, peer_id)
) WITHOUT ROWID;
-- Per-user log; user_seq is users.last_user_seq + 1, assigned in the writing transaction.
CREATE TABLE user_updates (
  user_id INTEGER NOT NULL REFERENCES users(id),
  user_seq INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  conversation_id INTEGER NOT NULL DEFAULT 0,
  seq INTEGER NOT NULL DEFAULT 0,
  flag INTEGER NOT NULL DEFAULT 0,
  text TEXT NOT NULL DEFAULT '',
  peer_id INTEGER NOT NULL DEFAULT 0,
  contact_state INTEGER NOT NULL DEFAULT 0,
  at INTEGER NOT NULL,
  PRIMARY KEY (user_id, user_seq)
) WITHOUT ROWID;
)sql";

// v3: live delivery by membership windows (added_seq: the entry that added the member; left_seq:
// the entry that recorded their leaving), one device row per client installation (device_key),
// and "who blocked this user" by index.
constexpr std::string_view kSchemaV3 = R"sql(
ALTER TABLE members ADD COLUMN added_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE members ADD COLUMN left_seq INTEGER;
UPDATE members SET added_seq = joined_seq + 1 WHERE joined_seq > 0;
UPDATE members SET left_seq = (SELECT c.last_seq FROM conversations c
                               WHERE c.id = members.conversation_id)
  WHERE left_at IS NOT NULL;
ALTER TABLE devices ADD COLUMN device_key TEXT;
CREATE UNIQUE INDEX devices_key ON devices(user_id, device_key) WHERE device_key IS NOT NULL;
CREATE INDEX blocks_peer ON blocks(peer_id);
)sql";

// v4: per-device delivery cursors: what each device has acknowledged in each conversation, so
// a session resumed later (stream management, a persistent MQTT session, a native resume) is
// sent exactly what it has not. A new device starts with its user's conversations at their
// last_seq; one without a row for a conversation (joined later) has acknowledged nothing there.
constexpr std::string_view kSchemaV4 = R"sql(
CREATE TABLE device_cursors (
  device_id INTEGER NOT NULL REFERENCES devices(id),
  conversation_id INTEGER NOT NULL,
  acked_seq INTEGER NOT NULL,
  PRIMARY KEY (device_id, conversation_id)
) WITHOUT ROWID;
)sql";

constexpr std::array kMigrations{
    Migration{1, kSchemaV1},
    Migration{2, kSchemaV2},
    Migration{3, kSchemaV3},
    Migration{4, kSchemaV4},
};

Result<int> newest_applied(Connection& db) {
  auto stmt = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  if (!stmt) return std::unexpected(std::move(stmt.error()));
  auto row = stmt->step();
  if (!row) return std::unexpected(std::move(row.error()));
  return static_cast<int>(stmt->int64(0));
}

// Checked inside the migration's write transaction, so two processes opening the same file
// cannot both apply it.
Result<bool> is_applied(Connection& db, int version) {
  auto stmt = db.prepare("SELECT 1 FROM schema_migrations WHERE version = ?");
  if (!stmt) return std::unexpected(std::move(stmt.error()));
  stmt->bind(1, std::int64_t{version});
  return stmt->step();
}

Result<void> apply(Connection& db, const Migration& migration, TimeMs now) {
  auto txn = Transaction::begin(db, "BEGIN IMMEDIATE");
  if (!txn) return std::unexpected(std::move(txn.error()));
  auto applied = is_applied(db, migration.version);
  if (!applied) return std::unexpected(std::move(applied.error()));
  if (*applied) return {};
  auto ran = db.exec(std::string(migration.sql));
  if (!ran) {
    return fail(Errc::internal,
                "migration " + std::to_string(migration.version) + ": " + ran.error().message);
  }
  auto record = db.prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)");
  if (!record) return std::unexpected(std::move(record.error()));
  auto recorded = record->bind(1, std::int64_t{migration.version}).bind(2, now).run();
  if (!recorded) return recorded;
  return txn->commit();
}

}  // namespace

std::span<const Migration> migrations() { return kMigrations; }

Result<int> migrate(Connection& db, TimeMs now) {
  auto created = db.exec(
      "CREATE TABLE IF NOT EXISTS schema_migrations ("
      "version INTEGER PRIMARY KEY, applied_at INTEGER)");
  if (!created) return std::unexpected(std::move(created.error()));
  auto current = newest_applied(db);
  if (!current) return current;
  const int known = kMigrations.back().version;
  if (*current > known) {
    return fail(Errc::internal, "database schema v" + std::to_string(*current) +
                                    " is newer than this server's v" + std::to_string(known));
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= *current) continue;
    auto applied = apply(db, migration, now);
    if (!applied) return std::unexpected(std::move(applied.error()));
  }
  return newest_applied(db);
}

}  // namespace parley::store::sqlite
