// The storage interface in core's terms (DESIGN §2: core never writes SQL). Implemented by
// store/sqlite (embedded) and later store/postgres.
//
// Thread contract: methods are synchronous and blocking; core calls them only off the I/O shards.
// Methods marked [writer] are called only from the single writer thread (Executor::post_writer);
// the others may be called from any blocking-pool thread concurrently with the writer, so an
// implementation gives each thread its own connection.
#pragma once

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
  TimeMs now = 0;
};

struct AppendOutcome {
  Message message;         // the stored message (the original one for a duplicate)
  bool duplicate = false;  // (sender, client_msg_id) was already stored
};

class Store {
 public:
  virtual ~Store() = default;

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
  // [writer]
  virtual Result<DeviceId> create_device(const NewDevice& device) = 0;
  // Errc::not_found for an unknown hash; expiry and revocation are reported, not filtered.
  virtual Result<DeviceAuth> device_by_token_hash(std::string_view token_hash) = 0;
  // [writer]
  virtual Result<void> revoke_device(DeviceId device) = 0;
  // [writer]
  virtual Result<void> touch_device(DeviceId device, TimeMs last_seen) = 0;

  // ---- conversations
  // [writer] The unique direct conversation of two users, created on first use.
  virtual Result<Conversation> find_or_create_direct(UserId a, UserId b, TimeMs now) = 0;
  // Errc::not_found when it does not exist.
  virtual Result<Conversation> conversation(ConversationId id) = 0;
  // Every conversation the user is a current member of, with members and last_seq.
  virtual Result<std::vector<Conversation>> conversations_of(UserId user) = 0;

  // ---- messages
  // [writer] Appends all requests in ONE durable transaction (group commit). outcomes[i] answers
  // requests[i]; a failure of one request (e.g. unknown conversation) does not fail the others.
  virtual std::vector<Result<AppendOutcome>> append(std::span<const AppendRequest> requests) = 0;
  // Oldest first: messages with seq > after, at most limit.
  virtual Result<std::vector<Message>> messages_after(ConversationId id, Seq after,
                                                      std::size_t limit) = 0;
  // Oldest first: the newest messages with seq < before (before = 0: from the end), at most limit.
  virtual Result<std::vector<Message>> messages_before(ConversationId id, Seq before,
                                                       std::size_t limit) = 0;
};

}  // namespace parley
