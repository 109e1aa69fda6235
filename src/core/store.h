// The storage interface in core's terms (DESIGN §2: core never writes SQL). Implemented by
// store/sqlite (embedded) and later store/postgres.
//
// Thread contract: the backend owns its write threads and its group commit (DESIGN §3). Core
// appends with submit_append (completion-style) and runs every other write as a task given to
// post_write; methods marked [writer] are called only inside such a task (or, by the conformance
// suite, from one thread while nothing else writes). The other methods may be called from any
// blocking-pool thread concurrently with the writes, so an implementation gives each thread its
// own connection.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.h"
#include "core/model.h"

namespace parley {

struct NewDevice {
  UserId user_id = 0;
  std::string name;
  std::string token_hash;  // raw 32-byte SHA-256 of the token; the token itself is never stored
  TimeMs token_expires_at = 0;
  TimeMs now = 0;
  // The client's stable id for this installation; "" = always a new device. A key the user
  // already has names the same device: its row is reused with the new token (the old one stops
  // working) and it is no longer revoked.
  std::string device_key;
};

struct DeviceAuth {
  UserId user_id = 0;
  std::string username;
  DeviceId device_id = 0;
  TimeMs token_expires_at = 0;
  bool revoked = false;
};

// One message to append. The store assigns seq and message id inside the same transaction that
// checks (sender_id, client_msg_id) for a duplicate, so seq stays gap-free and dedupe survives a
// crash.
struct AppendRequest {
  ConversationId conversation_id = 0;
  UserId sender_id = 0;
  DeviceId sender_device_id = 0;
  std::string client_msg_id;
  MessageKind kind = MessageKind::text;
  std::string text;
  Seq target_seq = 0;  // edit, deletion, reaction kinds
  TimeMs now = 0;
};

// A group created with its first members; the creator becomes owner. The store appends the
// "created" system entry (seq 1) in the same transaction.
struct NewGroup {
  UserId creator = 0;
  std::string title;
  std::vector<UserId> members;  // besides the creator
  bool shared_history = false;
  std::size_t max_members = 10'000;
  TimeMs now = 0;
};

enum class GroupAction : std::uint8_t { add, remove, leave, rename, set_role };

struct GroupChange {
  ConversationId conversation_id = 0;
  UserId actor = 0;
  GroupAction action = GroupAction::add;
  std::vector<UserId> users;             // add, remove, set_role
  std::string title;                     // rename
  MemberRole role = MemberRole::member;  // set_role (member or admin)
  std::size_t max_members = 10'000;
  TimeMs now = 0;
};

struct GroupOutcome {
  Conversation conversation;           // after the change, with current members
  Message system_message;              // the system entry that records the change
  std::vector<UserId> added_members;   // added by this change (creation: none)
  std::vector<UserId> former_members;  // removed or left by this change
  std::vector<UserUpdate> updates;     // user-log entries written (e.g. left)
};

enum class ContactAction : std::uint8_t { request, accept, decline, remove, block, unblock };

// For history reads as one member sees them.
struct Viewer {
  UserId user_id = 0;
  Seq joined_seq = 0;  // entries at or below are not visible
};

struct AppendOutcome {
  Message message;         // the stored message (the original one for a duplicate)
  bool duplicate = false;  // (sender, client_msg_id) was already stored
};

// Microseconds; percentiles may round up by a few percent (the backend's histogram buckets).
struct LatencySummary {
  std::uint64_t count = 0;
  std::uint64_t p50_us = 0;
  std::uint64_t p99_us = 0;
  std::uint64_t p999_us = 0;
  std::uint64_t max_us = 0;
};

// Where an append's time goes inside the store since it opened: the latency decomposition of
// docs/benchmarks.md, and later the metrics endpoint.
struct StoreStats {
  std::uint64_t batches = 0;        // append transactions
  std::uint64_t appends = 0;        // requests they held
  std::uint64_t largest_batch = 0;  // requests in the largest one
  LatencySummary queued;            // per append: submitted until its batch started
  LatencySummary statements;        // per batch: its statements, before the commit
  LatencySummary commit;            // per batch: the commit itself (the fsync, when durable)
};

// Work for the store's write context, and the completion of one append.
using StoreTask = std::move_only_function<void()>;
using AppendDone = std::move_only_function<void(Result<AppendOutcome>)>;

class Store {
 public:
  virtual ~Store() = default;

  // ---- the write context
  // Any thread. Runs `task` on the store's write context, in post order; [writer] methods are
  // called from inside it. Must not block the caller.
  virtual void post_write(StoreTask task) = 0;
  // Any thread. Queues one append; the backend commits it with whatever else is queued (group
  // commit, the semantics of append() below) and calls `done` on its write context once the
  // request is durable or has failed. Appends commit in submission order.
  virtual void submit_append(AppendRequest request, AppendDone done) = 0;
  // Returns once every task posted and every append submitted before the call has run and
  // completed (shutdown: nothing core queued is dropped). Any thread but the write context.
  virtual void finish_writes() = 0;
  // Any thread. Each figure is exact; together they are not one snapshot.
  virtual StoreStats stats() const = 0;

  // ---- accounts
  // [writer] Errc::username_taken when username_key exists.
  virtual Result<UserId> create_user(std::string_view username, std::string_view username_key,
                                     std::string_view password_hash, TimeMs now) = 0;
  // Errc::not_found when no such user.
  virtual Result<Credentials> credentials_by_username(std::string_view username_key) = 0;
  virtual Result<Credentials> credentials_by_id(UserId user) = 0;
  virtual Result<User> user_by_username(std::string_view username_key) = 0;
  // [writer] Also revokes the tokens of every other device of the user.
  virtual Result<void> set_password_hash(UserId user, std::string_view password_hash,
                                         DeviceId keep_device) = 0;

  // ---- devices and tokens
  // [writer] Creates the device, or with a known device_key gives that device the new token.
  virtual Result<DeviceId> create_device(const NewDevice& device) = 0;
  // Errc::not_found for an unknown hash; expiry and revocation are reported, not filtered.
  virtual Result<DeviceAuth> device_by_token_hash(std::string_view token_hash) = 0;
  // [writer]
  virtual Result<void> revoke_device(DeviceId device) = 0;
  // [writer] Moves delivery cursors forward (never back): each device holds these entries. One
  // transaction for the whole batch (a shard's acknowledgements of one flush interval).
  virtual Result<void> advance_cursors(std::span<const DeviceCursor> batch) = 0;
  // The entries of the user's conversations that `device` has not acknowledged, as the user sees
  // them (above the joined point, not sent by this device), by conversation then seq, at most
  // `limit`. A new device has acknowledged everything before its creation.
  virtual Result<std::vector<Message>> undelivered(UserId user, DeviceId device,
                                                   std::size_t limit) = 0;
  // [writer]
  virtual Result<void> touch_device(DeviceId device, TimeMs last_seen) = 0;

  // ---- conversations
  // [writer] The unique direct conversation of two users, created on first use.
  virtual Result<Conversation> find_or_create_direct(UserId a, UserId b, TimeMs now) = 0;
  // Errc::not_found when it does not exist.
  virtual Result<Conversation> conversation(ConversationId id) = 0;
  // Who receives which entries live, from one snapshot: every current member, and every former
  // member whose window ends at or after `since` (their leaving entry has seq >= since).
  // Errc::not_found when the conversation does not exist.
  virtual Result<std::vector<MemberWindow>> member_windows(ConversationId id, Seq since) = 0;

  // ---- messages
  // [writer] Appends all requests in ONE durable transaction: the batch that submit_append's
  // group commit runs, public for the conformance suite. outcomes[i] answers
  // requests[i]; a failure of one request (e.g. unknown conversation) does not fail the others.
  // Every kind: not_found for an unknown conversation, forbidden unless the sender is a current
  // member, user_not_found in a direct conversation whose other member blocked the sender.
  // text: also moves the sender's read_seq to the new seq.
  // edit, deletion: target_seq must be a text entry visible to the sender, sent by the sender,
  //   not deleted (else not_found / forbidden). deletion erases the body of the target and of
  //   every edit of it, and removes its reactions.
  // reaction, reaction_removed: target_seq must be a visible, not deleted text entry;
  //   invalid_argument when the reaction already exists / does not exist.
  virtual std::vector<Result<AppendOutcome>> append(std::span<const AppendRequest> requests) = 0;
  // Oldest first: entries with seq > after (view_after) or the newest with seq < before
  // (view_before; before = 0: from the end), at most limit, as `viewer` sees them (Viewer{}:
  // everything, as stored): entries at or below the viewer's joined_seq
  // are left out, text hidden by the viewer comes back with hidden=true and no text, and text
  // entries carry their reactions.
  virtual Result<std::vector<Message>> view_after(const Viewer& viewer, ConversationId id,
                                                  Seq after, std::size_t limit) = 0;
  virtual Result<std::vector<Message>> view_before(const Viewer& viewer, ConversationId id,
                                                   Seq before, std::size_t limit) = 0;

  // ---- groups. [writer] Authorization is checked inside the transaction:
  // forbidden when the actor is not a member or lacks the role, user_not_found for a user who
  // blocked the actor, invalid_argument for a member added twice or a size over max_members.
  virtual Result<GroupOutcome> create_group(const NewGroup& group) = 0;
  virtual Result<GroupOutcome> change_group(const GroupChange& change) = 0;

  // ---- per-user state. [writer] Each writes one user-log entry and returns it; nullopt when
  // nothing changed (then nothing is written: a repeated request costs no log entry or event).
  // not_found when the user is not a current member.
  // mark_read: read_seq never moves back; not_found for a seq above the conversation's last.
  virtual Result<std::optional<UserUpdate>> mark_read(UserId user, ConversationId id, Seq seq,
                                                      TimeMs now) = 0;
  virtual Result<std::optional<UserUpdate>> set_muted(UserId user, ConversationId id, bool muted,
                                                      TimeMs now) = 0;
  virtual Result<std::optional<UserUpdate>> set_nickname(UserId user, ConversationId id,
                                                         std::string_view nickname, TimeMs now) = 0;
  // not_found unless seq is a visible text entry of the conversation.
  virtual Result<std::optional<UserUpdate>> hide_message(UserId user, ConversationId id, Seq seq,
                                                         TimeMs now) = 0;
  // Oldest first, user_seq > after, at most limit.
  virtual Result<std::vector<UserUpdate>> user_updates_after(UserId user, std::int64_t after,
                                                             std::size_t limit) = 0;
  virtual Result<std::int64_t> last_user_seq(UserId user) = 0;
  // The user's conversation list, most recent activity first. Members are filled for
  // conversations of at most member_detail_limit members.
  virtual Result<std::vector<ConversationSummary>> conversation_list(
      UserId user, std::size_t member_detail_limit) = 0;

  // ---- contacts. [writer] Returns the user-log entries written (for actor and peer).
  // user_not_found when the peer blocked the actor (as if the peer did not exist);
  // invalid_argument when the action does not fit the current state (accept without a request).
  virtual Result<std::vector<UserUpdate>> contact_action(UserId actor, UserId peer,
                                                         ContactAction action, TimeMs now) = 0;
  // Every contact row of the user (requests, accepted, blocked), with last_seen for accepted.
  virtual Result<std::vector<Contact>> contacts_of(UserId user) = 0;
  // Users who see `user`'s presence: accepted contacts.
  virtual Result<std::vector<UserId>> presence_watchers(UserId user) = 0;
  virtual Result<bool> is_blocked(UserId by, UserId who) = 0;
  // The users who blocked `user`: ephemeral events of `user` (typing, read) never reach them.
  virtual Result<std::vector<UserId>> blocked_by(UserId user) = 0;
  // [writer]
  virtual Result<void> set_last_seen(UserId user, TimeMs at) = 0;
};

}  // namespace parley
