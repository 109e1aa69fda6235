// Core's private state, split by the thread that owns it. Included only by core's .cc files.
#pragma once

#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/core.h"
#include "core/member_windows.h"

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
  // Current members (open windows) and former members whose window may still cover an entry on
  // its way here (member_windows.h).
  std::vector<MemberWindow> windows;
  // Work that needs the windows, queued in arrival order while they load (committed entries and
  // group changes among it keep their seq order; seq 0: work about no entry, e.g. typing).
  // Called with nullptr when the conversation is gone.
  struct Waiting {
    Seq seq = 0;
    std::move_only_function<void(ConversationState*)> work;
  };
  std::vector<Waiting> pending;
  // Typing: when each member last had a typing event relayed (rate limit).
  std::unordered_map<UserId, TimeMs> last_typing;
  std::list<ConversationId>::iterator lru_position;  // in ShardState::conversation_lru
};

// Presence of a user homed on this shard, as announced to their contacts.
struct PresenceState {
  std::string username;
  bool announced_online = false;
  bool flush_scheduled = false;  // a coalescing window is open
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
  std::unordered_map<UserId, PresenceState> presence;

  // Owner role: conversations owned by this shard, cached and evicted least recently used first
  // (front = most recent).
  std::unordered_map<ConversationId, ConversationState> conversations;
  std::list<ConversationId> conversation_lru;

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

// Who is online as announced (after coalescing), readable from any thread for contact lists.
// Written only when an announcement changes, so the mutex is off the message path.
struct Core::PresenceDirectory {
  std::mutex mutex;
  std::unordered_map<UserId, bool> online;  // GUARDED_BY(mutex)
  bool is_online(UserId user) {
    std::lock_guard lock(mutex);
    auto it = online.find(user);
    return it != online.end() && it->second;
  }
  void set(UserId user, bool value) {
    std::lock_guard lock(mutex);
    if (value) {
      online[user] = true;
    } else {
      online.erase(user);
    }
  }
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
  void open_direct(const SessionIdentity& who, std::string username, Callback<Conversation> done);
  void send(const SessionIdentity& who, SendCommand command, Callback<SendAck> done);
  void sync(const SessionIdentity& who, std::int64_t user_seq, Callback<SyncResult> done);
  void history(const SessionIdentity& who, HistoryQuery query, Callback<HistoryPage> done);
  // Queues one log entry for the next group commit; acks after the commit, then fans out.
  void append(const SessionIdentity& who, AppendRequest request, Callback<SendAck> done);
  // Owner shard of the conversation: moves the membership windows by a group change and fans
  // the system entry out to those it covers (the members after it and those who just left).
  void on_group_changed(GroupOutcome outcome);
  // Owner shard: runs `fn` with the conversation's windows, loading them first if needed. `seq`:
  // the entry the work delivers (0: none); work runs in arrival order, which for entries is seq
  // order, so windows that end before `seq` are dropped after it.
  void with_members(ConversationId id, Seq seq,
                    std::move_only_function<void(ConversationState*)> fn);

 private:
  void append(const SessionIdentity& who, ConversationId conversation, SendCommand command,
              Callback<SendAck> done);
  void flush_appends();                                      // writer thread
  void on_committed(Message message, SessionHandle origin);  // owner shard
  // Owner shard: the state of `id`, created if needed, marked most recently used; evicts the
  // least recently used idle state when the cache is over its bound.
  ConversationState& touch_conversation(ConversationId id);
  void run_waiting(ConversationState& state);
  // Finds or creates the direct conversation with `username` (resolving on the writer thread).
  void resolve_direct(const SessionIdentity& who, std::string username,
                      Callback<Conversation> done);

  Core& core_;
};

class Core::Chat {
 public:
  explicit Chat(Core& core);
  void append_entry(const SessionIdentity& who, EntryCommand command, Callback<SendAck> done);
  void hide_message(const SessionIdentity& who, ConversationId id, Seq seq, Callback<void> done);
  void mark_read(const SessionIdentity& who, ConversationId id, Seq seq, Callback<void> done);
  void chat_settings(const SessionIdentity& who, ConversationId id, ChatSettings settings,
                     Callback<void> done);
  void list_conversations(const SessionIdentity& who,
                          Callback<std::vector<ConversationSummary>> done);
  void read_positions(const SessionIdentity& who, ConversationId id, Callback<Conversation> done);
  void typing(const SessionIdentity& who, ConversationId id, Callback<void> done);
  void create_group(const SessionIdentity& who, std::string title, std::vector<std::string> members,
                    bool shared_history, Callback<Conversation> done);
  void change_group(const SessionIdentity& who, GroupCommand command, Callback<Conversation> done);

 private:
  // Runs a user-state change on the writer, then pushes the user-log entry to the user's devices.
  void user_change(std::move_only_function<Result<UserUpdate>()> work, Callback<void> done,
                   std::move_only_function<void(const UserUpdate&)> also = {});
  // Owner shard: relays a typing event once members are known.
  void relay_typing(ConversationId id, UserId user, std::string username);
  // Writer thread, after a group change: fans it out (owner shard) and answers (origin shard).
  void finish_group(Result<GroupOutcome> outcome, ShardId origin, Callback<Conversation> done);
  // The conversation as answered to a client: without members past member_detail_limit.
  Conversation summary_of(const Conversation& conversation) const;
  // Resolves usernames to ids on the calling (blocking) thread; user_not_found for any unknown.
  Result<std::vector<UserId>> resolve_users(const std::vector<std::string>& usernames);
  Core& core_;
};

class Core::Contacts {
 public:
  explicit Contacts(Core& core);
  void contact(const SessionIdentity& who, std::string username, ContactAction action,
               Callback<void> done);
  void list_contacts(const SessionIdentity& who, Callback<std::vector<Contact>> done);
  // Home shard of the user: a device came online / the last one went offline.
  void device_online(UserId user, const std::string& username);
  void last_device_offline(UserId user);

 private:
  void schedule_flush(UserId user);
  void flush(UserId user);  // home shard, after the coalescing window
  // Any shard: tells the user's accepted contacts.
  void announce(UserId user, const std::string& username, bool online, TimeMs last_seen);
  Core& core_;
};

}  // namespace parley

namespace parley {

template <class T, class Work>
void Core::blocking(Work work, Callback<T> done) {
  const ShardId origin = executor_.current_shard().value_or(0);
  executor_.post_blocking([this, origin, work = std::move(work), done = std::move(done)]() mutable {
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
