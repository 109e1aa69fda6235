// A thin RAII layer over one sqlite3 connection: cached prepared statements, typed bind/column
// helpers and scoped transactions, all reporting failures as Result instead of return codes.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/errors.h"

namespace parley::store::sqlite {

// Errc::internal carrying sqlite's own description of `rc`, prefixed with what we were doing; or,
// for a storage fault that may pass (disk full, I/O error, read-only, busy), Errc::unavailable
// with a message free of SQL, the detail going to the log.
Error sqlite_error(sqlite3* db, int rc, std::string_view what);

// A cached prepared statement borrowed from its Connection for one use. Bind errors are kept and
// reported by the next step(), so call sites can bind without checking each call. Destruction
// resets the statement and clears its bindings, returning it to the cache ready for reuse.
// Thread: the owning connection's thread.
class Statement {
 public:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  Statement(const Statement&) = delete;
  ~Statement();

  // Parameters are 1-based, as in sqlite.
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, std::string_view text);
  Statement& bind_blob(int index, std::string_view bytes);
  Statement& bind_null(int index);

  // true: a row is available; false: done.
  Result<bool> step();
  // Steps a statement that yields no rows to completion.
  Result<void> run();
  // Makes the statement ready for new bindings (sqlite refuses a bind after a step until the
  // statement is reset): for running one statement once per row of a batch.
  void reset();
  // The extended result code of the last failed bind/step, e.g. SQLITE_CONSTRAINT_UNIQUE.
  int last_error_code() const { return rc_; }

  // Columns are 0-based, as in sqlite.
  std::int64_t int64(int column) const;
  std::string text(int column) const;
  bool is_null(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int rc_ = SQLITE_OK;
};

class Connection {
 public:
  // flags: SQLITE_OPEN_* (NOMUTEX is added: a connection is never shared between threads at once).
  static Result<std::unique_ptr<Connection>> open(const std::string& path, int flags,
                                                  int busy_timeout_ms);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one or more statements without results (pragmas, DDL, BEGIN/COMMIT).
  Result<void> exec(const std::string& sql);
  // The cached statement for `sql`, prepared once for the life of the connection. A given SQL text
  // must not be in use twice at the same time.
  Result<Statement> prepare(const std::string& sql);

  std::int64_t last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  // True when no transaction is open (sqlite rolls back on its own after some errors).
  bool autocommit() const { return sqlite3_get_autocommit(db_) != 0; }
  sqlite3* handle() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// A transaction (or savepoint) that rolls back unless commit() succeeded.
class Transaction {
 public:
  // begin_sql: "BEGIN", "BEGIN IMMEDIATE", ...
  static Result<Transaction> begin(Connection& db, const char* begin_sql);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Result<void> commit();

 private:
  explicit Transaction(Connection& db) : db_(&db) {}

  Connection* db_;
};

}  // namespace parley::store::sqlite
