// The protocol-neutral core: accounts, sessions, conversations and reliable messaging.
// Gateways translate their wire protocol to these calls and SessionSink events back.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/errors.h"
#include "common/executor.h"
#include "common/flow.h"
#include "core/bus.h"
#include "core/model.h"
#include "core/pages.h"
#include "core/session.h"
#include "core/store.h"

namespace parley {

struct PasswordHashParams {
  unsigned long long ops_limit = 2;         // crypto_pwhash_OPSLIMIT_INTERACTIVE
  std::size_t mem_limit_bytes = 64u << 20;  // crypto_pwhash_MEMLIMIT_INTERACTIVE
};

struct LoginLimits {
  // Within window_ms, then rate_limited until it slides. An attempt counts from the moment it
  // starts (parallel guesses are not checked first and counted later) and is taken back when the
  // password was right.
  int max_failures_per_account = 5;
  int max_failures_per_address = 20;
  TimeMs window_ms = 60'000;
  // Registrations started from one address within registration_window_ms, then rate_limited.
  std::size_t registrations_per_address = 10;
  TimeMs registration_window_ms = 3'600'000;
  // Password hashes and checks queued or running at once (each argon2id costs tens of ms and
  // mem_limit_bytes); more answer unavailable.
  std::size_t max_hashing_queue = 64;
};

struct ChatLimits {
  std::size_t max_group_members = 10'000;
  std::size_t max_title_bytes = 256;
  std::size_t max_nickname_bytes = 128;
  std::size_t max_emoji_bytes = 64;
  std::size_t member_detail_limit = 256;  // conversation infos list members up to this size
  std::size_t max_user_updates_per_sync = 1'000;
  TimeMs presence_coalesce_ms = 500;  // flaps shorter than this are never announced
  TimeMs typing_interval_ms = 1'000;  // at most one typing event per user and chat per interval
  std::size_t max_cached_conversations = 50'000;  // per shard: membership caches kept (LRU)
  // Contact requests a user may send to one peer, and to anyone, within the window; more answer
  // rate_limited (a request/remove cycle must not become a way to spam someone).
  std::size_t contact_requests_per_peer = 3;
  std::size_t contact_requests_per_user = 100;
  TimeMs contact_request_window_ms = 3'600'000;
};

struct CoreConfig {
  bool open_registration = true;
  std::size_t max_message_bytes = 64 * 1024;
  std::size_t max_client_msg_id_bytes = 128;
  std::size_t max_device_name_bytes = 128;
  std::size_t max_password_bytes = 1024;
  std::size_t min_password_bytes = 8;
  std::size_t max_history_limit = 200;
  // Bounds on one answer: history pages, sync pages and conversation-list pages stop there and
  // say that more follow.
  PageLimits pages;
  std::size_t max_sync_cursors = 100'000;
  TimeMs token_ttl_ms = 30LL * 24 * 3600 * 1000;
  PasswordHashParams password_hash;
  LoginLimits login_limits;
  // How often each shard looks for sessions whose token expired (they are ended).
  TimeMs session_sweep_ms = 60'000;
  // Acknowledged delivery positions are written at most this late (and at session close).
  TimeMs cursor_flush_ms = 1'000;
  // Bounds on queued work; past them requests answer unavailable (with a retry hint) instead of
  // growing memory. Nothing acknowledged is ever dropped: a refused send was never acked.
  std::size_t max_pending_appends = 65'536;
  std::size_t max_pending_append_bytes = 256u << 20;
  // Reads queued for the blocking pool. A job waiting is a small closure (a few hundred bytes),
  // so 65,536 is ~20 MB at most; it is sized so that a reconnect storm of 10,000 devices, each
  // syncing and paging history, queues rather than retries (bench sync-10k).
  std::size_t max_blocking_queue = 65'536;
  ChatLimits chat;
};

// An entry that changes an earlier message: edit, deletion (for everyone), reaction(_removed).
struct EntryCommand {
  ConversationId conversation_id = 0;
  Seq target_seq = 0;
  MessageKind kind = MessageKind::edit;
  std::string text;           // edit: new text; reactions: emoji ("" = 👍)
  std::string client_msg_id;  // "" = generated (a resend is then not deduplicated)
};

struct ChatSettings {
  std::optional<bool> muted;
  std::optional<std::string> nickname;
};

struct GroupCommand {
  ConversationId conversation_id = 0;
  GroupAction action = GroupAction::add;
  std::vector<std::string> usernames;
  std::string title;
  MemberRole role = MemberRole::member;
};

struct SyncResult {
  std::vector<ConversationSummary> conversations;  // a page of the user's conversations, by id
  bool has_more_conversations = false;             // the next page starts after the last id
  std::vector<UserUpdate> updates;                 // user log above the device's user_seq
  bool updates_truncated = false;
  std::int64_t user_seq = 0;
};

struct RegisterCommand {
  std::string username;
  std::string password;
  std::string device_name;
  std::string remote_address;  // for rate limits and logs
  std::string device_key;      // stable id of the client installation; "" = a new device
};

struct LoginCommand {
  std::string username;
  std::string password;
  std::string device_name;
  std::string remote_address;
  std::string device_key;  // a known key reuses its device (and replaces its token)
};

struct SendCommand {
  std::string to_user;                 // either a username ...
  ConversationId conversation_id = 0;  // ... or a conversation id (exactly one is set)
  std::string client_msg_id;
  std::string text;
};

struct HistoryQuery {
  ConversationId conversation_id = 0;
  Seq before_seq = 0;            // newest below this (0 = end) ...
  std::optional<Seq> after_seq;  // ... or, when set, oldest above this
  std::size_t limit = 50;
};

struct HistoryPage {
  std::vector<Message> messages;  // oldest first
  bool has_more = false;
};

class Core {
 public:
  // Thread contract: construct and destroy while no shard runs core work; every argument
  // outlives the Core.
  Core(Executor& executor, Store& store, Bus& bus, CoreConfig config);
  ~Core();
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  const CoreConfig& config() const { return config_; }

  // Thread contract for every method below: call on a shard thread; `done` runs on that same
  // shard, possibly before the call returns (input errors answer at once). The caller keeps
  // `sink` alive until close_session. remote_address fields carry the peer IP without port.

  // Registers a sink on the current shard and returns its handle.
  SessionHandle open_session(SessionSink& sink);
  // Unregisters the sink; if the session was attached, it goes offline.
  void close_session(SessionHandle handle);

  // Marks an authenticated session online so it receives events. Returns its identity.
  SessionIdentity attach(SessionHandle handle, const AuthGrant& grant);

  // The command families, each declared once in its own header (core/accounts.h,
  // core/messaging.h, core/chat.h, core/contacts.h); gateways include the ones they use.
  class Accounts;
  class Messaging;
  class Chat;
  class Contacts;
  Accounts& accounts() { return *accounts_; }
  Messaging& messaging() { return *messaging_; }
  Chat& chat() { return *chat_; }
  Contacts& contacts() { return *contacts_; }

  // What the current shard holds in memory, for metrics and for tests of its bounds.
  struct ShardFootprint {
    std::size_t cached_conversations = 0;  // membership caches (LRU, max_cached_conversations)
    std::size_t typing_entries = 0;        // per-member typing throttles in those caches
  };
  ShardFootprint footprint();

 private:
  struct ShardState;
  struct AbuseGuard;
  friend class Accounts;
  friend class Messaging;
  friend class Chat;
  friend class Contacts;

  ShardState& local();
  // Ends, once per session_sweep_ms, the sessions of this shard whose token has expired.
  void arm_expiry_sweep(ShardState& shard);
  // Ends a session whose token a check found revoked or expired, on the session's shard; not one
  // that is logging out (its own revocation) or already closed.
  void kick_unless_logging_out(SessionHandle session);
  ShardId home_shard(UserId user) const;
  ShardId owner_shard(ConversationId conversation) const;
  // Runs work on a blocking thread and `done(result)` back on the calling shard.
  template <class T, class Work>
  void blocking(Work work, Callback<T> done);
  template <class T, class Work>
  void on_writer(Work work, Callback<T> done);
  // Any shard: pushes `event` to every online device of `users` except the session `except`.
  void deliver(std::vector<UserId> users, std::shared_ptr<const Event> event, SessionHandle except);
  // Any shard: pushes user-log entries to every online device of their users.
  void deliver_updates(const std::vector<UserUpdate>& updates);

  Executor& executor_;
  Store& store_;
  Bus& bus_;
  CoreConfig config_;
  std::vector<std::unique_ptr<ShardState>> shards_;
  std::unique_ptr<AbuseGuard> abuse_guard_;
  std::unique_ptr<Accounts> accounts_;
  std::unique_ptr<Messaging> messaging_;
  std::unique_ptr<Chat> chat_;
  std::unique_ptr<Contacts> contacts_;
  std::atomic<std::size_t> blocking_queued_{0};
  std::atomic<std::size_t> appends_pending_{0};
  std::atomic<std::size_t> append_bytes_pending_{0};
};

// Retry hint of an answer refused because a queue is full.
inline constexpr std::uint32_t kBusyRetryMs = 100;
// The same when the password-hashing queue is full: a hash takes tens of milliseconds, and the
// queue drains at the hashing threads' pace.
inline constexpr std::uint32_t kHashingRetryMs = 1'000;

}  // namespace parley
