// The versioned schema of the SQLite store. A database is brought up to date at open by applying,
// in order, each migration it has not recorded in schema_migrations yet.
#pragma once

#include <span>
#include <string_view>

#include "common/clock.h"
#include "common/errors.h"

namespace parley::store::sqlite {

class Connection;

struct Migration {
  int version;
  std::string_view sql;
};

// Ordered by version, ascending. Append only: a released migration is never edited.
std::span<const Migration> migrations();

// Applies every pending migration, each in its own transaction, and returns the resulting schema
// version. Fails on a database whose schema is newer than this binary knows.
// Thread: the writer connection, before any other use.
Result<int> migrate(Connection& db, TimeMs now);

}  // namespace parley::store::sqlite
