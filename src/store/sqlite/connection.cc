// RAII helpers over the sqlite3 C API.
#include "store/sqlite/connection.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <cassert>
#include <chrono>
#include <limits>
#include <utility>

namespace parley::store::sqlite {

Error sqlite_error(sqlite3* db, int rc, std::string_view what) {
  std::string message(what);
  message += ": ";
  // errmsg describes the most recent call on db; errstr(rc) is the fallback when db is unusable.
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_READONLY:
    case SQLITE_CANTOPEN:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_NOMEM: {
      // The storage, not the request, is at fault and it may recover (space freed, the disk
      // remounted): callers answer "unavailable, retry". The detail is for the operator's log
      // only, at most once a second so a full disk does not fill the log as well.
      static std::atomic<std::int64_t> last_logged{0};
      const auto now = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::steady_clock::now().time_since_epoch())
                           .count();
      auto before = last_logged.load();
      if (now - before >= 1000 && last_logged.compare_exchange_strong(before, now)) {
        spdlog::error("storage unavailable: {}", message);
      }
      return Error{Errc::unavailable, (rc & 0xff) == SQLITE_FULL
                                          ? "storage full; retry later"
                                          : "storage unavailable; retry later"};
    }
    default:
      return Error{Errc::internal, std::move(message)};
  }
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), rc_(other.rc_) {}

Statement::~Statement() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

namespace {

// Keeps the first bind failure; later ones are usually consequences of it.
void keep_first(int& kept, int rc) {
  if (kept == SQLITE_OK && rc != SQLITE_OK) kept = rc;
}

int checked_length(std::string_view s) {
  // sqlite takes int lengths; anything longer is rejected by SQLITE_MAX_LENGTH anyway.
  return s.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())
             ? std::numeric_limits<int>::max()
             : static_cast<int>(s.size());
}

}  // namespace

Statement& Statement::bind(int index, std::int64_t value) {
  keep_first(rc_, sqlite3_bind_int64(stmt_, index, value));
  return *this;
}

Statement& Statement::bind(int index, std::string_view text) {
  // The data pointer is only valid for the call, so sqlite copies it.
  keep_first(rc_,
             sqlite3_bind_text(stmt_, index, text.data(), checked_length(text), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view bytes) {
  keep_first(
      rc_, sqlite3_bind_blob(stmt_, index, bytes.data(), checked_length(bytes), SQLITE_TRANSIENT));
  return *this;
}

Statement& Statement::bind_null(int index) {
  keep_first(rc_, sqlite3_bind_null(stmt_, index));
  return *this;
}

Result<bool> Statement::step() {
  if (rc_ != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc_, "bind"));
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  rc_ = sqlite3_extended_errcode(db_);
  return std::unexpected(sqlite_error(db_, rc, sqlite3_sql(stmt_)));
}

Result<void> Statement::run() {
  while (true) {
    auto row = step();
    if (!row) return std::unexpected(std::move(row.error()));
    if (!*row) return {};
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  rc_ = SQLITE_OK;
}

std::int64_t Statement::int64(int column) const { return sqlite3_column_int64(stmt_, column); }

std::string Statement::text(int column) const {
  // column_text before column_bytes, so the length is that of the text conversion.
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (data == nullptr) return {};
  return std::string(data, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

bool Statement::is_null(int column) const {
  return sqlite3_column_type(stmt_, column) == SQLITE_NULL;
}

Result<std::unique_ptr<Connection>> Connection::open(const std::string& path, int flags,
                                                     int busy_timeout_ms) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error error = sqlite_error(db, rc, "open " + path);
    sqlite3_close_v2(db);  // a handle is returned even on failure, and must be closed
    return std::unexpected(std::move(error));
  }
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, busy_timeout_ms);
  return std::unique_ptr<Connection>(new Connection(db));
}

Connection::~Connection() {
  for (auto& [sql, stmt] : statements_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Result<void> Connection::exec(const std::string& sql) {
  // A single statement is prepared once and reused: BEGIN, SAVEPOINT, RELEASE and COMMIT run
  // for every append, and parsing them each time cost ~6 % of the server's instructions per
  // message (callgrind, docs/benchmarks.md).
  if (sql.find(';') == std::string::npos) {
    auto stmt = prepare(sql);
    if (!stmt) return std::unexpected(std::move(stmt.error()));
    return stmt->run();
  }
  char* message = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return {};
  std::string detail = sql + ": " + (message != nullptr ? message : sqlite3_errstr(rc));
  sqlite3_free(message);
  return fail(Errc::internal, std::move(detail));
}

Result<Statement> Connection::prepare(const std::string& sql) {
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), checked_length(sql), SQLITE_PREPARE_PERSISTENT,
                                &stmt, nullptr);
    if (rc != SQLITE_OK) return std::unexpected(sqlite_error(db_, rc, "prepare " + sql));
    it = statements_.emplace(sql, stmt).first;
  }
  // A statement still stepping here means a caller holds it twice; its reset would break the
  // other user.
  assert(!sqlite3_stmt_busy(it->second));
  return Statement(db_, it->second);
}

Result<Transaction> Transaction::begin(Connection& db, const char* begin_sql) {
  auto begun = db.exec(begin_sql);
  if (!begun) return std::unexpected(std::move(begun.error()));
  return Transaction(db);
}

Transaction::~Transaction() {
  // sqlite may already have rolled back on its own (e.g. SQLITE_FULL); then there is nothing to do.
  if (db_ != nullptr && !db_->autocommit()) (void)db_->exec("ROLLBACK");
}

Result<void> Transaction::commit() {
  auto committed = db_->exec("COMMIT");
  if (committed) db_ = nullptr;
  return committed;
}

}  // namespace parley::store::sqlite
