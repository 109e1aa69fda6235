// The embedded Store: one SQLite file in WAL mode, written by a single writer connection and read
// through one connection per calling thread, so reads never wait for the writer.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/store.h"
#include "store/sqlite/append_facts.h"
#include "store/sqlite/checkpointer.h"
#include "store/sqlite/group_commit.h"
#include "store/sqlite/latency_histogram.h"
#include "store/sqlite/write_thread.h"

namespace parley::store::sqlite {

class Connection;

struct SqliteOptions {
  std::string path;              // database file; created if missing
  bool durability_fsync = true;  // true: synchronous=FULL (fsync at every commit); false: NORMAL
  // A cap on the database file (0: none). Writes past it fail with Errc::unavailable ("storage
  // full") while reads go on, exactly as when the disk itself is full.
  std::uint64_t max_bytes = 0;
  // WAL pages after which the checkpointer thread copies them into the database file
  // (checkpointer.h); SQLite's default autocheckpoint threshold.
  int checkpoint_pages = 1000;
  // Where writes run. Empty (the server): the store's own WriteThread. Core's unit tests pass a
  // queue they drain by hand, so that a race is replayed in the order the test chooses; then
  // finish_writes() cannot wait for it and returns at once.
  std::function<void(StoreTask)> write_context;
};

// Thread contract: that of Store. [writer] methods use the writer connection and must never run
// on two threads at once (the write context runs them one at a time); every other method may run
// on any thread, concurrently with the writer and with each other. The store must outlive every
// call into it; its destructor runs what is still queued on its own write thread first.
class SqliteStore final : public Store {
 public:
  // Opens (creating if missing) the file, sets the pragmas and applies pending migrations.
  // Any thread; once, before any other use.
  static Result<std::unique_ptr<SqliteStore>> open(SqliteOptions options);
  ~SqliteStore() override;

  // The highest migration applied to the file. Any thread.
  int schema_version() const { return schema_version_; }
  // Any thread.
  Checkpointer& checkpointer() { return *checkpointer_; }

  void post_write(StoreTask task) override;
  void submit_append(AppendRequest request, AppendDone done) override;
  void finish_writes() override;
  StoreStats stats() const override;

  Result<UserId> create_user(std::string_view username, std::string_view username_key,
                             std::string_view password_hash, TimeMs now) override;
  Result<Credentials> credentials_by_username(std::string_view username_key) override;
  Result<Credentials> credentials_by_id(UserId user) override;
  Result<User> user_by_username(std::string_view username_key) override;
  Result<void> set_password_hash(UserId user, std::string_view password_hash,
                                 DeviceId keep_device) override;

  Result<DeviceId> create_device(const NewDevice& device) override;
  Result<DeviceAuth> device_by_token_hash(std::string_view token_hash) override;
  Result<void> revoke_device(DeviceId device) override;
  Result<void> advance_cursors(std::span<const DeviceCursor> batch) override;
  Result<std::vector<Message>> undelivered(UserId user, DeviceId device,
                                           std::size_t limit) override;
  Result<void> touch_device(DeviceId device, TimeMs last_seen) override;

  Result<Conversation> find_or_create_direct(UserId a, UserId b, TimeMs now) override;
  Result<Conversation> conversation(ConversationId id) override;
  Result<std::vector<MemberWindow>> member_windows(ConversationId id, Seq since) override;

  std::vector<Result<AppendOutcome>> append(std::span<const AppendRequest> requests) override;
  Result<std::vector<Message>> view_after(const Viewer& viewer, ConversationId id, Seq after,
                                          std::size_t limit) override;
  Result<std::vector<Message>> view_before(const Viewer& viewer, ConversationId id, Seq before,
                                           std::size_t limit) override;

  Result<GroupOutcome> create_group(const NewGroup& group) override;
  Result<GroupOutcome> change_group(const GroupChange& change) override;

  Result<std::optional<UserUpdate>> mark_read(UserId user, ConversationId id, Seq seq,
                                              TimeMs now) override;
  Result<std::optional<UserUpdate>> set_muted(UserId user, ConversationId id, bool muted,
                                              TimeMs now) override;
  Result<std::optional<UserUpdate>> set_nickname(UserId user, ConversationId id,
                                                 std::string_view nickname, TimeMs now) override;
  Result<std::optional<UserUpdate>> hide_message(UserId user, ConversationId id, Seq seq,
                                                 TimeMs now) override;
  Result<std::vector<UserUpdate>> user_updates_after(UserId user, std::int64_t after,
                                                     std::size_t limit) override;
  Result<std::int64_t> last_user_seq(UserId user) override;
  Result<std::vector<ConversationSummary>> conversation_list(
      UserId user, std::size_t member_detail_limit) override;

  Result<std::vector<UserUpdate>> contact_action(UserId actor, UserId peer, ContactAction action,
                                                 TimeMs now) override;
  Result<std::vector<Contact>> contacts_of(UserId user) override;
  Result<std::vector<UserId>> presence_watchers(UserId user) override;
  Result<bool> is_blocked(UserId by, UserId who) override;
  Result<std::vector<UserId>> blocked_by(UserId user) override;
  Result<void> set_last_seen(UserId user, TimeMs at) override;

 private:
  SqliteStore(SqliteOptions options, std::unique_ptr<Connection> writer, int schema_version);

  // The calling thread's read connection, opened on first use.
  Result<Connection*> reader();
  // One request of a batch; what it leaves for the batch's end goes into `end`. Writer thread.
  Result<AppendOutcome> append_one(const AppendRequest& request, BatchEnd& end);
  // That the sender may append to the conversation (it exists, the sender is a current member
  // and, in a direct conversation, not blocked by the other member), from append_facts_ or read
  // and learned. Writer thread, inside the append transaction.
  struct AppendRights {
    AppendFacts::Conversation* conversation = nullptr;  // in append_facts_
    Seq joined_seq = 0;                                 // the sender's
  };
  Result<AppendRights> append_rights(ConversationId id, UserId sender);
  // A sender's username, read once: usernames never change and users are never deleted, and
  // this lookup was one statement in ten of every append. Writer thread only.
  Result<std::optional<std::string>> sender_name(UserId user);

  const SqliteOptions options_;
  const int schema_version_;
  // Declared before readers_ so it is destroyed after them: the last connection to close
  // checkpoints the WAL into the main file and removes it.
  std::unique_ptr<Connection> writer_;
  // Declared after writer_ so it is destroyed before it: it unhooks itself from the writer.
  std::unique_ptr<Checkpointer> checkpointer_;
  std::unordered_map<UserId, std::string> sender_names_;  // writer thread only; bounded
  AppendFacts append_facts_;                              // writer thread only
  LatencyHistogram statements_us_;                        // recorded by append(), writer thread
  LatencyHistogram commit_us_;                            // recorded by append(), writer thread
  std::mutex readers_mu_;
  // Keyed by thread: a connection is only ever used by the thread that opened it.
  // GUARDED_BY(readers_mu_)
  std::unordered_map<std::thread::id, std::unique_ptr<Connection>> readers_;
  GroupCommit group_commit_;
  // Last, so it is destroyed first: the tasks still queued run while everything they use exists.
  std::unique_ptr<WriteThread> write_thread_;  // null when options_.write_context is given
};

}  // namespace parley::store::sqlite
