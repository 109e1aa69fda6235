// Store on SQLite: accounts, devices, conversations and the message log (DESIGN §4).
#include "store/sqlite/sqlite_store.h"

#include <algorithm>
#include <utility>

#include "store/sqlite/connection.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_internal.h"

namespace parley::store::sqlite {
namespace {

using detail::forward;
using detail::load_conversation;

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
  auto checkpointer = Checkpointer::start(options.path, db, options.checkpoint_pages);
  if (!checkpointer) return forward(checkpointer);
  std::unique_ptr<SqliteStore> store(
      new SqliteStore(std::move(options), std::move(*writer), *version));
  store->checkpointer_ = std::move(*checkpointer);
  return store;
}

SqliteStore::SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer,
                         int schema_version)
    : options_(std::move(options)),
      schema_version_(schema_version),
      writer_(std::move(writer)),
      group_commit_([this](StoreTask task) { post_write(std::move(task)); },
                    [this](std::span<const AppendRequest> requests) { return append(requests); }) {
  if (!options_.write_context) write_thread_ = std::make_unique<WriteThread>();
}

SqliteStore::~SqliteStore() = default;

void SqliteStore::post_write(StoreTask task) {
  if (write_thread_) return write_thread_->post(std::move(task));
  options_.write_context(std::move(task));
}

void SqliteStore::submit_append(AppendRequest request, AppendDone done) {
  group_commit_.submit(std::move(request), std::move(done));
}

void SqliteStore::finish_writes() {
  if (write_thread_) write_thread_->drain();
}

StoreStats SqliteStore::stats() const {
  const GroupCommit::Stats commits = group_commit_.stats();
  return {.batches = commits.batches,
          .appends = commits.appends,
          .largest_batch = commits.largest_batch,
          .queued = commits.queued,
          .statements = statements_us_.summary(),
          .commit = commit_us_.summary()};
}

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

}  // namespace parley::store::sqlite
