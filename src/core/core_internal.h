// Core's private state, split by the thread that owns it. Included only by core's .cc files.
#pragma once

#include <atomic>
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
#include "core/rate_limit.h"

namespace parley {

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
  bool devices_online = false;  // the bus's count of the user's devices is above zero
  bool announced_online = false;
  bool flush_scheduled = false;  // a coalescing window is open
  // One announcement at a time per user, so contacts see them in the order they were decided
  // (an "offline" that stores last-seen first must not overtake the "online" after it).
  bool announcing = false;
  bool flush_again = false;  // the state changed while an announcement was on its way
};

// Everything one shard owns. Touched only on that shard's thread.
struct Core::ShardState {
  ShardId id = 0;

  // Authenticated sessions living on this shard (the bus holds their sinks).
  struct Attached {
    SessionIdentity who;
    TimeMs token_expires_at = 0;  // the session ends then (the expiry sweep)
  };
  std::unordered_map<std::uint64_t, Attached> attached;
  bool expiry_sweep_armed = false;

  // Delivery cursors acknowledged by this shard's sessions, not yet written (device ->
  // conversation -> highest acked seq).
  std::unordered_map<DeviceId, std::unordered_map<ConversationId, Seq>> acked_cursors;
  bool cursor_flush_armed = false;

  // Home role: presence of the users homed on this shard, as the bus reports it.
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

// Failed-login counters by account and by address, kept on shard 0 only.
// Rate limits on what an attacker repeats: failed logins (by account and address),
// registrations (by address), contact requests (by pair and by sender). On shard 0 only.
struct Core::AbuseGuard {
  AbuseGuard(const LoginLimits& limits, const ChatLimits& chat)
      : failures_by_account(static_cast<std::size_t>(limits.max_failures_per_account),
                            limits.window_ms),
        failures_by_address(static_cast<std::size_t>(limits.max_failures_per_address),
                            limits.window_ms),
        registrations_by_address(limits.registrations_per_address, limits.registration_window_ms),
        contact_requests_by_pair(chat.contact_requests_per_peer, chat.contact_request_window_ms),
        contact_requests_by_user(chat.contact_requests_per_user, chat.contact_request_window_ms) {}
  SlidingWindowLimit failures_by_account;
  SlidingWindowLimit failures_by_address;
  SlidingWindowLimit registrations_by_address;
  SlidingWindowLimit contact_requests_by_pair;
  SlidingWindowLimit contact_requests_by_user;
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
  // Home shard of the user, once a session is registered online: reads its token again and ends
  // the session if it was revoked or replaced meanwhile (a logout racing a resume).
  void recheck_token(SessionHandle session, std::string token_hash);

 private:
  // Issues a device token for an authenticated user (writer thread). `verified_hash`: the
  // password hash the password was checked against; a change since then refuses the login.
  Result<AuthGrant> issue_device(const Credentials& user, const std::string& device_name,
                                 const std::string& device_key, const std::string* verified_hash);
  Result<void> validate_password(std::string_view password) const;
  Result<std::string> validate_device_name(std::string device_name) const;
  Result<void> validate_device_key(std::string_view device_key) const;
  // Runs `work` on the hashing pool when a slot is free (else `refused` runs, on the caller).
  bool admit_hashing(Task work);
  // Ends every other session of the user on `device` (or of every device but `device`).
  void kick_devices(UserId user, SessionHandle except, DeviceId device, bool all_but_device);

  Core& core_;
  std::string dummy_hash_;  // verified against for unknown users, so timing does not tell
  std::atomic<std::size_t> hashing_in_flight_{0};
};

class Core::Messaging {
 public:
  explicit Messaging(Core& core);
  void open_direct(const SessionIdentity& who, std::string username, Callback<Conversation> done);
  void send(const SessionIdentity& who, SendCommand command, Callback<SendAck> done);
  void sync(const SessionIdentity& who, std::int64_t user_seq, ConversationId after_conversation,
            Callback<SyncResult> done);
  void history(const SessionIdentity& who, HistoryQuery query, Callback<HistoryPage> done);
  void acknowledge(const SessionIdentity& who, std::vector<ConversationCursor> acked);
  void undelivered(const SessionIdentity& who, std::size_t limit,
                   Callback<std::vector<Message>> done);
  // Session's shard: writes the acknowledged cursors of `device` (every device if 0) now.
  void flush_cursors(DeviceId device = 0);
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
  // Owner shard: reads the windows of a loading state, retrying while the pool is full.
  void load_windows(ConversationId id, Seq since, int attempt);
  static constexpr int kMaxWindowLoadAttempts = 50;
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
  void list_conversations(const SessionIdentity& who, ListCursor cursor,
                          Callback<ConversationPage> done);
  void read_positions(const SessionIdentity& who, ConversationId id, Callback<Conversation> done);
  void typing(const SessionIdentity& who, ConversationId id, Callback<void> done);
  void create_group(const SessionIdentity& who, std::string title, std::vector<std::string> members,
                    bool shared_history, Callback<Conversation> done);
  void change_group(const SessionIdentity& who, GroupCommand command, Callback<Conversation> done);

 private:
  // Runs a user-state change on the writer, then pushes the user-log entry to the user's devices.
  // Nothing is delivered when the store reports no change.
  void user_change(std::move_only_function<Result<std::optional<UserUpdate>>()> work,
                   Callback<void> done, std::move_only_function<void(const UserUpdate&)> also = {});
  // Delivers an ephemeral event of `actor` (typing, read) to `members`, leaving out those who
  // blocked the actor: a block must look exactly like the blocked user not existing.
  void relay_to_members(std::vector<UserId> members, UserId actor,
                        std::shared_ptr<const Event> event);
  // Writer thread, after a group change: fans it out (owner shard) and answers (origin shard).
  void finish_group(Result<GroupOutcome> outcome, ShardId origin, Callback<Conversation> done);
  // The conversation as answered to a client: without members past member_detail_limit.
  Conversation summary_of(const Conversation& conversation) const;
  // Resolves usernames to ids on the calling (blocking) thread; user_not_found for any unknown.
  Result<std::vector<UserId>> resolve_users(const std::vector<std::string>& usernames);
  Core& core_;
};

class Core::Contacts final : public PresenceListener {
 public:
  explicit Contacts(Core& core);
  void contact(const SessionIdentity& who, std::string username, ContactAction action,
               Callback<void> done);
  void list_contacts(const SessionIdentity& who, Callback<std::vector<Contact>> done);
  // PresenceListener (home shard of the user): a device came online / the last went offline.
  void first_device_online(UserId user, const std::string& username) override;
  void last_device_offline(UserId user) override;

 private:
  // Stores the action (origin shard; `key`: the peer's username key) and tells both sides.
  void apply(const SessionIdentity& who, std::string key, ContactAction action,
             Callback<void> done);
  void schedule_flush(UserId user);
  void flush(UserId user);  // home shard, after the coalescing window
  // Home shard: tells the user's accepted contacts, then flushes again if asked meanwhile.
  void announce(UserId user, const std::string& username, bool online, TimeMs last_seen);
  void announced(UserId user);  // home shard, once the announcement is handed to deliver
  Core& core_;
};

}  // namespace parley

namespace parley {

template <class T, class Work>
void Core::blocking(Work work, Callback<T> done) {
  const ShardId origin = local().id;  // callers are on a shard (local() checks)
  // Bounded: past max_blocking_queue the work is refused at once instead of queueing without end.
  if (blocking_queued_.fetch_add(1) >= config_.max_blocking_queue) {
    blocking_queued_.fetch_sub(1);
    return done(fail(Errc::unavailable, "the server is busy; retry", kBusyRetryMs));
  }
  executor_.post_blocking([this, origin, work = std::move(work), done = std::move(done)]() mutable {
    blocking_queued_.fetch_sub(1);
    Result<T> result = work();
    executor_.post(origin, [result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  });
}

template <class T, class Work>
void Core::on_writer(Work work, Callback<T> done) {
  const ShardId origin = local().id;  // callers are on a shard (local() checks)
  executor_.post_writer([this, origin, work = std::move(work), done = std::move(done)]() mutable {
    Result<T> result = work();
    executor_.post(origin, [result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  });
}

}  // namespace parley
