// The test fixture of the SQLite store: a fresh database file per test and small helpers.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "store/sqlite/sqlite_store.h"
#include "temp_dir.h"
#include "testing/store_rows.h"

namespace parley::store::sqlite {

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(dir_.path().empty());
    path_ = dir_.path() + "/parley.db";
    reopen();
  }

  void TearDown() override { store_.reset(); }

  void reopen(bool fsync = true) {
    store_.reset();
    auto opened = SqliteStore::open(SqliteOptions{path_, fsync});
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  // Reads one integer straight from the file, bypassing the store.
  std::int64_t query_int(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sql;
    std::int64_t value = -1;
    if (sqlite3_step(stmt) == SQLITE_ROW) value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
  }

  UserId user(const std::string& name) { return testing::make_user(*store_, name); }
  DeviceId device(UserId owner, const std::string& token_hash) {
    return testing::make_device(*store_, owner, token_hash);
  }
  static AppendRequest text(ConversationId conversation, UserId sender, std::string client_id,
                            std::string body = "hi") {
    return testing::text_request(conversation, sender, std::move(client_id), std::move(body));
  }
  Result<AppendOutcome> append_one(const AppendRequest& request) {
    return testing::append_one(*store_, request);
  }

  parley::testing::TempDir dir_;  // declared before store_: removed after the store is closed
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

using testing::seqs;

}  // namespace parley::store::sqlite
