// What is the SQLite backend's own in groups: system entries kept as JSON in the file, a
// 10,000-member group in one transaction, and the migration of a version-1 file. The
// backend-neutral behaviour is in tests/store_conformance/.
#include <chrono>
#include <string>
#include <vector>

#include "store/sqlite/migrations.h"
#include "store/sqlite/sqlite_test_support.h"

namespace parley::store::sqlite {
namespace {

class SqliteGroupTest : public SqliteStoreTest {
 protected:
  Errc error_of(const Result<GroupOutcome>& outcome) {
    EXPECT_FALSE(outcome);
    return outcome ? Errc::internal : outcome.error().code;
  }
  // Runs raw SQL behind the store's back.
  void exec(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(
        sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
        SQLITE_OK);
    char* error = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error), SQLITE_OK)
        << (error ? error : "");
    sqlite3_free(error);
    sqlite3_close(db);
  }
};

// The file keeps the event as its JSON (what databases of earlier versions hold too), and reading
// types it again; a body no codec reads still comes back as an event, never as raw text.
TEST_F(SqliteGroupTest, SystemEntriesAreStoredAsJsonAndReadBackTyped) {
  UserId alice = user("alice");
  UserId bob = user("bob");
  auto group = store_->create_group(NewGroup{.creator = alice, .title = "G", .members = {bob}});
  ASSERT_TRUE(group) << group.error().message;
  const ConversationId g = group->conversation.id;
  const std::string where = " WHERE conversation_id = " + std::to_string(g);
  EXPECT_EQ(query_int("SELECT body = '{\"event\":\"created\",\"actor\":\"alice\","
                      "\"users\":[\"bob\"],\"title\":\"G\"}' FROM messages" +
                      where + " AND seq = 1"),
            1);
  auto log = store_->view_after({}, g, 0, 10);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->size(), 1u);
  EXPECT_EQ(*log->front().system, *group->system_message.system);
  EXPECT_EQ(log->front().text, "");

  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
  const std::string sql = "UPDATE messages SET body = 'not json'" + where;  // seq 1 only
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  reopen();
  log = store_->view_after({}, g, 0, 10);
  ASSERT_TRUE(log);
  ASSERT_EQ(log->size(), 1u);
  ASSERT_TRUE(log->front().system);
  EXPECT_EQ(log->front().system->event, "unknown");
  EXPECT_EQ(log->front().text, "");
}

TEST_F(SqliteGroupTest, CreatesTenThousandMembersInOneTransaction) {
  UserId alice = user("alice");
  std::string sql = "BEGIN;";
  for (int i = 0; i < 10'000; ++i) {
    sql += "INSERT INTO users (username, username_key, password_hash, created_at) VALUES ('u" +
           std::to_string(i) + "', 'u" + std::to_string(i) + "', 'h', 1);";
  }
  exec(sql + "COMMIT;");
  std::vector<UserId> members;
  for (UserId id = alice + 1; id <= alice + 10'000; ++id) members.push_back(id);
  members.push_back(alice + 10'001);  // unknown: the whole creation is undone
  NewGroup group{.creator = alice, .title = "Big", .members = members, .max_members = 10'002};
  EXPECT_EQ(error_of(store_->create_group(group)), Errc::user_not_found);
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM members"), 0);
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM conversations"), 0);

  group.members.pop_back();
  group.max_members = 10'001;
  const auto start = std::chrono::steady_clock::now();
  auto created = store_->create_group(group);
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(created) << created.error().message;
  EXPECT_LT(took, std::chrono::seconds(5));
  EXPECT_EQ(created->conversation.members.size(), 10'001u);
  EXPECT_EQ(created->conversation.last_seq, 1);
  EXPECT_EQ(query_int("SELECT COUNT(*) FROM members"), 10'001);
  auto list = store_->conversation_list(alice + 5, 100);
  ASSERT_TRUE(list);
  EXPECT_TRUE(list->front().conversation.members.empty());
}

TEST_F(SqliteGroupTest, MigratesAVersionOneDatabase) {
  store_.reset();
  std::filesystem::remove(path_);
  const Migration& v1 = migrations()[0];
  ASSERT_EQ(v1.version, 1);
  exec("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER);" +
       std::string(v1.sql) +
       "INSERT INTO schema_migrations VALUES (1, 0);"
       "INSERT INTO users VALUES (1, 'alice', 'alice', 'h', 1), (2, 'bob', 'bob', 'h', 1);"
       "INSERT INTO conversations VALUES (1, 1, '', '1:2', 1, 50, 1);"
       "INSERT INTO members VALUES (1, 1, 0, 0, 1, NULL), (1, 2, 0, 0, 1, NULL);"
       "INSERT INTO messages VALUES (1, 1, 1, 1, 1, 'c1', 1, 'old text', 50);");
  reopen();
  EXPECT_EQ(store_->schema_version(), 4);
  auto list = store_->conversation_list(2, 10);
  ASSERT_TRUE(list) << list.error().message;
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ(list->front().title, "alice");
  EXPECT_EQ(list->front().unread, 1);
  EXPECT_EQ(list->front().last_message->text, "old text");
  auto next = append_one(text(1, 2, "c2", "new"));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(next->message.seq, 2);
  EXPECT_TRUE(append_one(text(1, 1, "c1"))->duplicate);
  ASSERT_TRUE(store_->mark_read(1, 1, 2, 60));
  EXPECT_EQ(*store_->last_user_seq(1), 1);
}

}  // namespace
}  // namespace parley::store::sqlite
