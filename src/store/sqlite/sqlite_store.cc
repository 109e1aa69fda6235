// Store on SQLite: accounts, devices, conversations and the message log (DESIGN §4).
#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "store/sqlite/connection.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_internal.h"

namespace parley::store {
namespace {

using detail::forward;
using detail::kSelectMessage;
using detail::load_conversation;
using detail::load_members;
using detail::read_message;
using detail::read_messages;
using detail::sql_limit;

// Long enough to ride out a checkpoint or a second process's write, short enough that a wedged
// database surfaces as an error instead of a hung writer thread.
constexpr int kBusyTimeoutMs = 5000;

Result<Credentials> load_credentials(Statement& stmt) {
  auto row = stmt.step();
  if (!row) return forward(row);
  if (!*row) return fail(Errc::not_found, "no such user");
  return Credentials{stmt.int64(0), stmt.text(1), stmt.text(2)};
}

// Runs an UPDATE that must hit exactly one existing row.
Result<void> update_one(Connection& db, Statement& stmt, std::string_view what) {
  auto done = stmt.run();
  if (!done) return done;
  if (db.changes() == 0) return fail(Errc::not_found, std::string(what));
  return {};
}

}  // namespace

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(SqliteOptions options) {
  auto writer =
      Connection::open(options.path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, kBusyTimeoutMs);
  if (!writer) return forward(writer);
  Connection& db = **writer;

  // WAL lets the per-thread readers proceed while the writer commits; sqlite answers with the mode
  // it actually uses (e.g. "memory" for :memory:, which cannot be shared between connections).
  {
    auto mode = db.prepare("PRAGMA journal_mode=WAL");
    if (!mode) return forward(mode);
    auto row = mode->step();
    if (!row) return forward(row);
    if (!*row || mode->text(0) != "wal") {
      return fail(Errc::internal, "cannot use WAL journal mode on " + options.path);
    }
  }
  // In WAL mode NORMAL fsyncs only at checkpoints: a power loss may drop the last commits but
  // never corrupts the file.
  auto pragmas = db.exec(std::string("PRAGMA foreign_keys=ON; PRAGMA synchronous=") +
                         (options.durability_fsync ? "FULL" : "NORMAL"));
  if (!pragmas) return forward(pragmas);

  if (options.max_bytes != 0) {
    auto page = db.prepare("PRAGMA page_size");
    if (!page) return forward(page);
    auto row = page->step();
    if (!row) return forward(row);
    const std::int64_t page_size = *row ? page->int64(0) : 4096;
    const auto pages = std::max<std::int64_t>(
        1, static_cast<std::int64_t>(options.max_bytes) / std::max<std::int64_t>(page_size, 512));
    auto capped = db.exec("PRAGMA max_page_count=" + std::to_string(pages));
    if (!capped) return forward(capped);
  }
  auto version = migrate(db, wall_clock_ms());
  if (!version) return forward(version);
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(std::move(options), std::move(*writer), *version));
}

SqliteStore::SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer,
                         int schema_version)
    : options_(std::move(options)), schema_version_(schema_version), writer_(std::move(writer)) {}

SqliteStore::~SqliteStore() = default;

Result<Connection*> SqliteStore::reader() {
  std::lock_guard lock(readers_mu_);
  auto [it, inserted] = readers_.try_emplace(std::this_thread::get_id());
  if (inserted) {
    // Read-only is enough: the writer has already created the file and switched it to WAL.
    auto opened = Connection::open(options_.path, SQLITE_OPEN_READONLY, kBusyTimeoutMs);
    if (!opened) {
      readers_.erase(it);
      return forward(opened);
    }
    it->second = std::move(*opened);
  }
  return it->second.get();
}

// ---- accounts

Result<UserId> SqliteStore::create_user(std::string_view username, std::string_view username_key,
                                        std::string_view password_hash, TimeMs now) {
  auto stmt = writer_->prepare(
      "INSERT INTO users (username, username_key, password_hash, created_at) VALUES (?, ?, ?, ?)");
  if (!stmt) return forward(stmt);
  auto done =
      stmt->bind(1, username).bind(2, username_key).bind(3, password_hash).bind(4, now).run();
  if (!done) {
    // username_key is the table's only UNIQUE column besides the rowid.
    if (stmt->last_error_code() == SQLITE_CONSTRAINT_UNIQUE) {
      return fail(Errc::username_taken, std::string(username_key));
    }
    return forward(done);
  }
  return writer_->last_insert_rowid();
}

Result<Credentials> SqliteStore::credentials_by_username(std::string_view username_key) {
  auto db = reader();
  if (!db) return forward(db);
  auto stmt =
      (*db)->prepare("SELECT id, username, password_hash FROM users WHERE username_key = ?");
  if (!stmt) return forward(stmt);
  stmt->bind(1, username_key);
  return load_credentials(*stmt);
}

Result<Credentials> SqliteStore::credentials_by_id(UserId user) {
  auto db = reader();
  if (!db) return forward(db);
  auto stmt = (*db)->prepare("SELECT id, username, password_hash FROM users WHERE id = ?");
  if (!stmt) return forward(stmt);
  stmt->bind(1, user);
  return load_credentials(*stmt);
}

Result<User> SqliteStore::user_by_username(std::string_view username_key) {
  auto db = reader();
  if (!db) return forward(db);
  auto stmt = (*db)->prepare("SELECT id, username FROM users WHERE username_key = ?");
  if (!stmt) return forward(stmt);
  auto row = stmt->bind(1, username_key).step();
  if (!row) return forward(row);
  if (!*row) return fail(Errc::not_found, "no such user");
  return User{stmt->int64(0), stmt->text(1)};
}

Result<void> SqliteStore::set_password_hash(UserId user, std::string_view password_hash,
                                            DeviceId keep_device) {
  // One transaction: a crash must not leave the new password with the old sessions still valid.
  auto txn = Transaction::begin(*writer_, "BEGIN IMMEDIATE");
  if (!txn) return forward(txn);
  {
    auto stmt = writer_->prepare("UPDATE users SET password_hash = ? WHERE id = ?");
    if (!stmt) return forward(stmt);
    auto updated = update_one(*writer_, stmt->bind(1, password_hash).bind(2, user), "no such user");
    if (!updated) return updated;
  }
  {
    auto stmt = writer_->prepare("UPDATE devices SET revoked = 1 WHERE user_id = ? AND id <> ?");
    if (!stmt) return forward(stmt);
    auto revoked = stmt->bind(1, user).bind(2, keep_device).run();
    if (!revoked) return revoked;
  }
  return txn->commit();
}

// ---- devices and tokens

Result<DeviceId> SqliteStore::create_device(const NewDevice& device) {
  // With a key, one row per (user, key): a new login of the same installation replaces its token.
  auto stmt = writer_->prepare(
      "INSERT INTO devices (user_id, name, token_hash, token_expires_at, revoked, created_at, "
      "last_seen_at, device_key) VALUES (?1, ?2, ?3, ?4, 0, ?5, ?5, NULLIF(?6, '')) "
      "ON CONFLICT (user_id, device_key) WHERE device_key IS NOT NULL DO UPDATE SET "
      "name = excluded.name, token_hash = excluded.token_hash, "
      "token_expires_at = excluded.token_expires_at, revoked = 0, "
      "last_seen_at = excluded.last_seen_at RETURNING id, created_at = ?5");
  if (!stmt) return forward(stmt);
  auto row = stmt->bind(1, device.user_id)
                 .bind(2, device.name)
                 .bind_blob(3, device.token_hash)
                 .bind(4, device.token_expires_at)
                 .bind(5, device.now)
                 .bind(6, device.device_key)
                 .step();
  if (!row) {
    if (stmt->last_error_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return fail(Errc::not_found, "no user " + std::to_string(device.user_id));
    }
    return forward(row);
  }
  if (!*row) return fail(Errc::internal, "device insert returned no id");
  const DeviceId id = stmt->int64(0);
  const bool created = stmt->int64(1) != 0;
  auto done = stmt->run();  // steps to the end so the statement is reset cleanly
  if (!done) return forward(done);
  if (created) {
    // A new device holds nothing yet and owes nothing from before it existed: its cursors start
    // at the end of every conversation its user is in.
    auto base = writer_->prepare(
        "INSERT OR IGNORE INTO device_cursors (device_id, conversation_id, acked_seq) "
        "SELECT ?1, c.id, c.last_seq FROM members m JOIN conversations c ON c.id = "
        "m.conversation_id WHERE m.user_id = ?2 AND m.left_at IS NULL");
    if (!base) return forward(base);
    auto based = base->bind(1, id).bind(2, device.user_id).run();
    if (!based) return forward(based);
  }
  return id;
}

Result<DeviceAuth> SqliteStore::device_by_token_hash(std::string_view token_hash) {
  auto db = reader();
  if (!db) return forward(db);
  auto stmt = (*db)->prepare(
      "SELECT d.user_id, u.username, d.id, d.token_expires_at, d.revoked "
      "FROM devices d JOIN users u ON u.id = d.user_id WHERE d.token_hash = ?");
  if (!stmt) return forward(stmt);
  auto row = stmt->bind_blob(1, token_hash).step();
  if (!row) return forward(row);
  if (!*row) return fail(Errc::not_found, "unknown token");
  return DeviceAuth{stmt->int64(0), stmt->text(1), stmt->int64(2), stmt->int64(3),
                    stmt->int64(4) != 0};
}

Result<void> SqliteStore::revoke_device(DeviceId device) {
  auto stmt = writer_->prepare("UPDATE devices SET revoked = 1 WHERE id = ?");
  if (!stmt) return forward(stmt);
  return update_one(*writer_, stmt->bind(1, device), "no such device");
}

Result<void> SqliteStore::touch_device(DeviceId device, TimeMs last_seen) {
  auto stmt = writer_->prepare("UPDATE devices SET last_seen_at = ? WHERE id = ?");
  if (!stmt) return forward(stmt);
  return update_one(*writer_, stmt->bind(1, last_seen).bind(2, device), "no such device");
}

// ---- conversations

Result<Conversation> SqliteStore::find_or_create_direct(UserId a, UserId b, TimeMs now) {
  if (a == b) return fail(Errc::invalid_argument, "a direct conversation needs two users");
  // The ordered pair makes the key independent of who starts the conversation.
  const std::string key = std::to_string(std::min(a, b)) + ":" + std::to_string(std::max(a, b));

  auto txn = Transaction::begin(*writer_, "BEGIN IMMEDIATE");
  if (!txn) return forward(txn);
  ConversationId id = 0;
  {
    auto stmt = writer_->prepare("SELECT id FROM conversations WHERE direct_key = ?");
    if (!stmt) return forward(stmt);
    auto row = stmt->bind(1, key).step();
    if (!row) return forward(row);
    if (*row) id = stmt->int64(0);
  }
  if (id == 0) {
    auto stmt = writer_->prepare(
        "INSERT INTO conversations (kind, title, direct_key, last_seq, last_activity_at, "
        "created_at) VALUES (?, '', ?, 0, ?, ?)");
    if (!stmt) return forward(stmt);
    auto done = stmt->bind(1, static_cast<std::int64_t>(ConversationKind::direct))
                    .bind(2, key)
                    .bind(3, now)
                    .bind(4, now)
                    .run();
    if (!done) return forward(done);
    id = writer_->last_insert_rowid();
    for (UserId user : {a, b}) {
      auto member = writer_->prepare(
          "INSERT INTO members (conversation_id, user_id, role, joined_seq, joined_at) "
          "VALUES (?, ?, 0, 0, ?)");
      if (!member) return forward(member);
      auto added = member->bind(1, id).bind(2, user).bind(3, now).run();
      if (!added) {
        if (member->last_error_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
          return fail(Errc::not_found, "no user " + std::to_string(user));
        }
        return forward(added);
      }
    }
  }
  auto conversation = load_conversation(*writer_, id);
  if (!conversation) return conversation;
  auto committed = txn->commit();
  if (!committed) return forward(committed);
  return conversation;
}

Result<Conversation> SqliteStore::conversation(ConversationId id) {
  auto db = reader();
  if (!db) return forward(db);
  // A read transaction only pins one snapshot; ending it by rollback is as good as a commit.
  auto txn = Transaction::begin(**db, "BEGIN");
  if (!txn) return forward(txn);
  return load_conversation(**db, id);
}

Result<std::vector<MemberWindow>> SqliteStore::member_windows(ConversationId id, Seq since) {
  auto db = reader();
  if (!db) return forward(db);
  auto txn = Transaction::begin(**db, "BEGIN");
  if (!txn) return forward(txn);
  {
    auto exists = (*db)->prepare("SELECT 1 FROM conversations WHERE id = ?");
    if (!exists) return forward(exists);
    auto row = exists->bind(1, id).step();
    if (!row) return forward(row);
    if (!*row) return fail(Errc::not_found, "no conversation " + std::to_string(id));
  }
  auto stmt = (*db)->prepare(
      "SELECT user_id, added_seq, left_seq FROM members WHERE conversation_id = ? AND "
      "(left_at IS NULL OR left_seq >= ?) ORDER BY user_id");
  if (!stmt) return forward(stmt);
  stmt->bind(1, id).bind(2, since);
  std::vector<MemberWindow> windows;
  while (true) {
    auto row = stmt->step();
    if (!row) return forward(row);
    if (!*row) return windows;
    windows.push_back(MemberWindow{stmt->int64(0), stmt->int64(1),
                                   stmt->is_null(2) ? kOpenWindow : stmt->int64(2)});
  }
}

// ---- messages

std::vector<Result<AppendOutcome>> SqliteStore::append(std::span<const AppendRequest> requests) {
  std::vector<Result<AppendOutcome>> outcomes;
  if (requests.empty()) return outcomes;
  auto fail_all = [&](const Error& error) {
    return std::vector<Result<AppendOutcome>>(requests.size(), std::unexpected(error));
  };

  // The whole batch shares one commit, hence one fsync: this is the group commit.
  auto txn = Transaction::begin(*writer_, "BEGIN IMMEDIATE");
  if (!txn) return fail_all(txn.error());
  outcomes.reserve(requests.size());
  for (const AppendRequest& request : requests) {
    // A savepoint per request undoes a half-applied request without losing its neighbours.
    auto savepoint = writer_->exec("SAVEPOINT append_one");
    if (!savepoint) return fail_all(savepoint.error());
    auto outcome = append_one(request);
    if (!outcome) (void)writer_->exec("ROLLBACK TO append_one");
    auto released = writer_->exec("RELEASE append_one");
    // Some errors (disk full, I/O) make sqlite roll back the whole transaction by itself; the
    // earlier requests are then gone too, and later ones must not run in autocommit mode.
    if (writer_->autocommit()) {
      return fail_all(outcome ? Error{Errc::internal, "append transaction aborted"}
                              : outcome.error());
    }
    if (!released) return fail_all(released.error());
    outcomes.push_back(std::move(outcome));
  }
  auto committed = txn->commit();
  if (!committed) return fail_all(committed.error());
  return outcomes;
}

Result<std::optional<std::string>> SqliteStore::sender_name(UserId user) {
  constexpr std::size_t kMaxCachedNames = 1 << 16;
  if (auto it = sender_names_.find(user); it != sender_names_.end()) return it->second;
  auto name = detail::username_of(*writer_, user);
  if (!name || !*name) return name;
  if (sender_names_.size() >= kMaxCachedNames) sender_names_.clear();
  sender_names_.emplace(user, **name);
  return name;
}

Result<AppendOutcome> SqliteStore::append_one(const AppendRequest& request) {
  Connection& db = *writer_;
  {
    // The dedupe key lives in the same database as the log, so a resend after a crash still
    // finds the original. Checked first: a resend is answered even if the sender has since been
    // blocked or has left.
    static const std::string kDuplicate =
        std::string(kSelectMessage) + "WHERE m.sender_id = ? AND m.client_msg_id = ?";
    auto stmt = db.prepare(kDuplicate);
    if (!stmt) return forward(stmt);
    auto row = stmt->bind(1, request.sender_id).bind(2, request.client_msg_id).step();
    if (!row) return forward(row);
    if (*row) return AppendOutcome{read_message(*stmt), true};
  }

  ConversationKind conversation_kind = ConversationKind::direct;
  Seq last_seq = 0;
  {
    auto stmt = db.prepare("SELECT kind, last_seq FROM conversations WHERE id = ?");
    if (!stmt) return forward(stmt);
    auto row = stmt->bind(1, request.conversation_id).step();
    if (!row) return forward(row);
    if (!*row) {
      return fail(Errc::not_found, "no conversation " + std::to_string(request.conversation_id));
    }
    conversation_kind = static_cast<ConversationKind>(stmt->int64(0));
    last_seq = stmt->int64(1);
  }
  // Checked inside the append transaction, so a member who has just left cannot slip in.
  auto member = detail::current_member(db, request.conversation_id, request.sender_id);
  if (!member) return forward(member);
  // Not a member: as if the conversation did not exist, so its id cannot be probed.
  if (!*member) return fail(Errc::not_found, "no such conversation");
  if (conversation_kind == ConversationKind::direct) {
    auto stmt = db.prepare(
        "SELECT 1 FROM members m JOIN blocks b ON b.user_id = m.user_id AND b.peer_id = ?1 "
        "WHERE m.conversation_id = ?2 AND m.user_id <> ?1");
    if (!stmt) return forward(stmt);
    auto row = stmt->bind(1, request.sender_id).bind(2, request.conversation_id).step();
    if (!row) return forward(row);
    // As if the other user did not exist: the sender must not learn of the block.
    if (*row) return fail(Errc::user_not_found, "no such user");
  }

  Message message;
  message.conversation_id = request.conversation_id;
  message.sender_id = request.sender_id;
  message.sender_device_id = request.sender_device_id;
  message.client_msg_id = request.client_msg_id;
  message.kind = request.kind;
  message.text = request.text;
  message.sent_at = request.now;
  {
    auto name = sender_name(request.sender_id);
    if (!name) return forward(name);
    if (!*name) return fail(Errc::internal, "no sender " + std::to_string(request.sender_id));
    message.sender_username = std::move(**name);
  }

  const bool changes_target =
      request.kind == MessageKind::edit || request.kind == MessageKind::deletion ||
      request.kind == MessageKind::reaction || request.kind == MessageKind::reaction_removed;
  if (!changes_target && request.kind != MessageKind::text && request.kind != MessageKind::system) {
    return fail(Errc::invalid_argument, "unknown message kind");
  }
  if (changes_target) {
    message.target_seq = request.target_seq;
    // Entries at or below joined_seq are invisible to the sender: as if they did not exist.
    if (request.target_seq <= (*member)->joined_seq || request.target_seq > last_seq) {
      return fail(Errc::not_found, "no such message");
    }
    auto stmt = db.prepare(
        "SELECT kind, sender_id, deleted FROM messages WHERE conversation_id = ? AND seq = ?");
    if (!stmt) return forward(stmt);
    auto row = stmt->bind(1, request.conversation_id).bind(2, request.target_seq).step();
    if (!row) return forward(row);
    if (!*row || static_cast<MessageKind>(stmt->int64(0)) != MessageKind::text) {
      return fail(Errc::not_found, "no such message");
    }
    const bool own = stmt->int64(1) == request.sender_id;
    const bool deleted = stmt->int64(2) != 0;
    const bool authored_only =
        request.kind == MessageKind::edit || request.kind == MessageKind::deletion;
    if (authored_only && !own) return fail(Errc::forbidden, "not your message");
    if (deleted) return fail(Errc::not_found, "message deleted");
  }

  auto changed = [&]() -> Result<void> {
    const ConversationId id = request.conversation_id;
    const Seq target = request.target_seq;
    switch (request.kind) {
      case MessageKind::edit: {
        auto stmt = db.prepare(
            "UPDATE messages SET body = ?, edited_at = ? WHERE conversation_id = ? AND seq = ?");
        if (!stmt) return forward(stmt);
        return stmt->bind(1, request.text).bind(2, request.now).bind(3, id).bind(4, target).run();
      }
      case MessageKind::deletion: {
        message.text.clear();
        auto erase = db.prepare(
            "UPDATE messages SET deleted = 1, body = '' WHERE conversation_id = ? AND seq = ?");
        if (!erase) return forward(erase);
        auto erased = erase->bind(1, id).bind(2, target).run();
        if (!erased) return erased;
        // Edits carry earlier versions of the text: erase them too.
        auto edits = db.prepare(
            "UPDATE messages SET body = '' WHERE conversation_id = ? AND target_seq = ? "
            "AND kind = ?");
        if (!edits) return forward(edits);
        auto cleared = edits->bind(1, id)
                           .bind(2, target)
                           .bind(3, static_cast<std::int64_t>(MessageKind::edit))
                           .run();
        if (!cleared) return cleared;
        auto reactions = db.prepare("DELETE FROM reactions WHERE conversation_id = ? AND seq = ?");
        if (!reactions) return forward(reactions);
        return reactions->bind(1, id).bind(2, target).run();
      }
      case MessageKind::reaction: {
        if (request.text.empty()) return fail(Errc::invalid_argument, "empty reaction");
        auto stmt = db.prepare(
            "INSERT OR IGNORE INTO reactions (conversation_id, seq, user_id, emoji, created_at) "
            "VALUES (?, ?, ?, ?, ?)");
        if (!stmt) return forward(stmt);
        auto done = stmt->bind(1, id)
                        .bind(2, target)
                        .bind(3, request.sender_id)
                        .bind(4, request.text)
                        .bind(5, request.now)
                        .run();
        if (!done) return done;
        if (db.changes() == 0) return fail(Errc::invalid_argument, "reaction already there");
        return {};
      }
      case MessageKind::reaction_removed: {
        auto stmt = db.prepare(
            "DELETE FROM reactions WHERE conversation_id = ? AND seq = ? AND user_id = ? "
            "AND emoji = ?");
        if (!stmt) return forward(stmt);
        auto done = stmt->bind(1, id)
                        .bind(2, target)
                        .bind(3, request.sender_id)
                        .bind(4, request.text)
                        .run();
        if (!done) return done;
        if (db.changes() == 0) return fail(Errc::invalid_argument, "no such reaction");
        return {};
      }
      case MessageKind::text:
      case MessageKind::system:
        return {};
    }
    return {};
  }();
  if (!changed) return forward(changed);

  // Reactions come and go often and say little: they do not lift a chat to the top of the list.
  const bool touch_activity =
      request.kind != MessageKind::reaction && request.kind != MessageKind::reaction_removed;
  auto inserted = detail::insert_entry(db, message, touch_activity, last_seq);
  if (!inserted) return forward(inserted);

  if (request.kind == MessageKind::text) {
    // What one writes one has read.
    auto stmt = db.prepare(
        "UPDATE members SET read_seq = MAX(read_seq, ?) WHERE conversation_id = ? AND user_id = ?");
    if (!stmt) return forward(stmt);
    auto done = stmt->bind(1, message.seq)
                    .bind(2, message.conversation_id)
                    .bind(3, message.sender_id)
                    .run();
    if (!done) return forward(done);
  }
  return AppendOutcome{std::move(message), false};
}

}  // namespace parley::store
