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

namespace parley::store {

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

  UserId user(const std::string& name) {
    auto id = store_->create_user(name, name, "hash-" + name, 1000);
    EXPECT_TRUE(id) << id.error().message;
    return id.value_or(0);
  }

  DeviceId device(UserId owner, const std::string& token_hash) {
    auto id = store_->create_device(NewDevice{owner, "phone", token_hash, 9000, 1000});
    EXPECT_TRUE(id) << id.error().message;
    return id.value_or(0);
  }

  static AppendRequest text(ConversationId conversation, UserId sender, std::string client_id,
                            std::string body = "hi") {
    return AppendRequest{.conversation_id = conversation,
                         .sender_id = sender,
                         .sender_device_id = 1,
                         .client_msg_id = std::move(client_id),
                         .kind = MessageKind::text,
                         .text = std::move(body),
                         .now = 5000};
  }

  Result<AppendOutcome> append_one(const AppendRequest& request) {
    auto outcomes = store_->append(std::span(&request, 1));
    EXPECT_EQ(outcomes.size(), 1u);
    return outcomes.at(0);
  }

  parley::testing::TempDir dir_;  // declared before store_: removed after the store is closed
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

inline std::vector<Seq> seqs(const std::vector<Message>& messages) {
  std::vector<Seq> out;
  for (const Message& m : messages) out.push_back(m.seq);
  return out;
}

}  // namespace parley::store
