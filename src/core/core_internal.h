// Core's private state, split by the thread that owns it. Included only by core's .cc files.
#pragma once

#include <deque>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/core.h"

namespace parley {

// A device session that is online, as its user's home shard records it.
struct OnlineDevice {
  SessionHandle handle;
  DeviceId device_id = 0;
};

// What the owner shard of a conversation keeps to fan out its events in seq order.
struct ConversationState {
  bool loaded = false;
  bool loading = false;
  std::vector<UserId> members;
  // Committed messages that arrived while members were loading; fanned out once loaded.
  std::deque<std::pair<Message, SessionHandle>> waiting;
};

// Everything one shard owns. Touched only on that shard's thread.
struct Core::ShardState {
  ShardId id = 0;
  std::uint64_t next_session_id = 1;

  // Sessions living on this shard.
  std::unordered_map<std::uint64_t, SessionSink*> sinks;
  std::unordered_map<std::uint64_t, SessionIdentity> attached;

  // Home role: online devices of the users homed on this shard.
  std::unordered_map<UserId, std::vector<OnlineDevice>> online;

  // Owner role: conversations owned by this shard.
  std::unordered_map<ConversationId, ConversationState> conversations;

  // Sender-side cache: direct conversation of (this user, username key). Entries never go stale
  // (users are not renamed or deleted, direct conversations are permanent); bounded by clearing.
  std::map<std::pair<UserId, std::string>, ConversationId> direct_conversations;
};

// One message waiting for the next group commit.
struct PendingAppend {
  AppendRequest request;
  ShardId origin_shard = 0;
  SessionHandle origin_session;
  Callback<SendAck> done;
};

// Touched only on the writer thread.
struct Core::WriterState {
  std::vector<PendingAppend> pending;
  bool flush_scheduled = false;
};

// Failed-login counters by account and by address, kept on shard 0 only.
struct Core::LoginGuard {
  std::unordered_map<std::string, std::deque<TimeMs>> failures_by_account;
  std::unordered_map<std::string, std::deque<TimeMs>> failures_by_address;
  std::size_t sweeps = 0;
};

class Core::Accounts {
 public:
  explicit Accounts(Core& core);
  void register_account(RegisterCommand command, Callback<AuthGrant> done);
  void login(LoginCommand command, Callback<AuthGrant> done);
  void resume(std::string token, Callback<AuthGrant> done);
  void logout(const SessionIdentity& who, Callback<void> done);
  void change_password(const SessionIdentity& who, std::string old_password,
                       std::string new_password, Callback<void> done);

 private:
  // Issues a new device token for an authenticated user (on the writer thread).
  Result<AuthGrant> issue_device(const Credentials& user, const std::string& device_name);
  Result<void> validate_password(std::string_view password) const;
  Result<std::string> validate_device_name(std::string device_name) const;
  bool login_limited(const std::string& account, const std::string& address, TimeMs now);
  void record_login_failure(const std::string& account, const std::string& address, TimeMs now);
  // Closes every other session of the user on `device` (or of every device but `device`).
  void kick_devices(UserId user, SessionHandle except, DeviceId device, bool all_but_device);

  Core& core_;
  std::string dummy_hash_;  // verified against for unknown users, so timing does not tell
};

class Core::Messaging {
 public:
  explicit Messaging(Core& core);
  void open_direct(const SessionIdentity& who, std::string username,
                   Callback<Conversation> done);
  void send(const SessionIdentity& who, SendCommand command, Callback<SendAck> done);
  void sync(const SessionIdentity& who, std::vector<ConversationCursor> known,
            Callback<std::vector<Conversation>> done);
  void history(const SessionIdentity& who, HistoryQuery query, Callback<HistoryPage> done);

 private:
  void append(const SessionIdentity& who, ConversationId conversation, SendCommand command,
              Callback<SendAck> done);
  void flush_appends();                                    // writer thread
  void on_committed(Message message, SessionHandle origin);  // owner shard
  void fan_out(ConversationState& state, const Message& message, SessionHandle origin);
  // Finds or creates the direct conversation with `username` (resolving on the writer thread).
  void resolve_direct(const SessionIdentity& who, std::string username,
                      Callback<Conversation> done);

  Core& core_;
};

}  // namespace parley

namespace parley {

template <class T, class Work>
void Core::blocking(Work work, Callback<T> done) {
  const ShardId origin = executor_.current_shard().value_or(0);
  executor_.post_blocking(
      [this, origin, work = std::move(work), done = std::move(done)]() mutable {
        Result<T> result = work();
        executor_.post(origin, [result = std::move(result), done = std::move(done)]() mutable {
          done(std::move(result));
        });
      });
}

template <class T, class Work>
void Core::on_writer(Work work, Callback<T> done) {
  const ShardId origin = executor_.current_shard().value_or(0);
  executor_.post_writer([this, origin, work = std::move(work), done = std::move(done)]() mutable {
    Result<T> result = work();
    executor_.post(origin, [result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  });
}

}  // namespace parley
