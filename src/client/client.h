// The Parley C++ client library: a blocking, thread-safe API over one internal io thread, with
// automatic reconnect, a persisted resend queue (outbox), in-order deduplicated delivery and sync.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "parley_proto/parley.pb.h"

namespace parley::client {

namespace v1 = ::parley::v1;

struct ClientError {
  v1::ErrorCode code = v1::UNAVAILABLE;
  std::string message;
};

template <class T>
using ClientResult = std::expected<T, ClientError>;

struct ClientOptions {
  std::string
      server_url;  // tcp://host:port, tls://host:port, ws://host:port/ws, wss://host:port/ws
  bool insecure_tls = false;  // accept self-signed / unverifiable certificates
  std::string client_name = "parley-client";
  std::string device_name = "device";
  // This installation's stable id (1..128 bytes), sent on register and login so the server keeps
  // one device for it across logins. Empty: a random one, generated once and kept in
  // state_dir/state.json (without state_dir: one per Client).
  std::string device_key;
  std::chrono::milliseconds heartbeat{
      30'000};  // asked for in Hello; the server answers the real one
  std::chrono::milliseconds request_timeout{10'000};
  bool auto_reconnect = true;  // reconnect with backoff, resume with the token, sync, flush outbox
  // When set: token/identity, per-conversation cursors and the outbox live in state_dir/state.json,
  // written on a writer thread (temp file, fsync, rename, fsync of the directory). The rule: a new
  // send's outbox entry is on disk before the send is written to the connection, and a login or
  // logout before the call returns; every other change (acks, cursors, the user-log position)
  // waits up to state_write_delay to share one write, and the rest is written when the Client is
  // destroyed. So after a crash of this process an acked send may go out again (the server
  // answers it as a duplicate) and the messages handed out in the last state_write_delay may be
  // handed out again; nothing is lost.
  std::string state_dir;
  std::chrono::milliseconds state_write_delay{100};
  // Memory bounds (messages are up to 64 KiB of text each). max_inbox_messages: delivered
  // messages waiting for next_message or the callback. When the inbox is full, newer entries are
  // not taken in (live events are still acknowledged, so the server does not resend them): the
  // conversation's cursor stays below them, and once the application has taken half the inbox
  // they are fetched again from history, in order, each once. max_held_messages: entries held
  // back ahead of a gap, over all conversations (at most max_inbox_messages - 1); beyond it an
  // entry is dropped the same way and the gap fill fetches it.
  std::size_t max_inbox_messages = 10'000;
  std::size_t max_held_messages = 1'000;
};

struct AuthInfo {
  std::int64_t user_id = 0;
  std::string username;
  std::int64_t device_id = 0;
  std::string device_key;  // see ClientOptions::device_key
  std::string token;
  std::int64_t token_expires_at_ms = 0;
};

struct SendResult {
  std::int64_t conversation_id = 0;
  std::int64_t seq = 0;
  std::int64_t message_id = 0;
  std::int64_t sent_at_ms = 0;
  bool duplicate = false;
};

struct ConversationView {
  std::int64_t id = 0;
  int kind = 0;  // v1::ConversationKind
  std::string title;
  std::int64_t last_seq = 0;
  std::int64_t last_activity_ms = 0;
  std::vector<std::string> members;  // usernames
};

struct HistoryResult {
  std::vector<v1::Message> messages;  // oldest first
  bool has_more = false;
};

// Thread contract: every method may be called from any thread except from inside the message
// callback (which runs on an internal thread and must not call blocking methods). Blocking methods
// return within request_timeout (sends: within request_timeout of the call).
class Client {
 public:
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Authentication. register/login open a new connection if needed; resume uses the stored token.
  ClientResult<AuthInfo> register_account(const std::string& username, const std::string& password);
  ClientResult<AuthInfo> login(const std::string& username, const std::string& password);
  ClientResult<AuthInfo> resume();
  ClientResult<void> logout();
  ClientResult<void> change_password(const std::string& old_password,
                                     const std::string& new_password);

  ClientResult<ConversationView> open_direct(const std::string& username);

  // The message enters the outbox before it is written and leaves it on its ack (or a definitive
  // rejection). An empty client_msg_id gets a random one.
  ClientResult<SendResult> send_to_user(const std::string& username, const std::string& text,
                                        const std::string& client_msg_id = "");
  ClientResult<SendResult> send_to_conversation(std::int64_t conversation_id,
                                                const std::string& text,
                                                const std::string& client_msg_id = "");

  ClientResult<HistoryResult> history(std::int64_t conversation_id, std::int64_t before_seq,
                                      std::uint32_t limit);
  ClientResult<HistoryResult> history_after(std::int64_t conversation_id, std::int64_t after_seq,
                                            std::uint32_t limit);
  ClientResult<void> sync_now();

  // Generic request: sets a fresh id, sends (needs a logged-in session), waits up to
  // request_timeout for the answer. An `error` answer becomes ClientError. A `send_ack` answer
  // (edit, react, delete for everyone) counts its seq as this device's own entry.
  ClientResult<v1::ServerFrame> request(v1::ClientFrame frame);

  // Chat features (docs/protocol.md "Chat features"): thin wrappers over request().
  ClientResult<v1::ConversationInfo> create_group(const std::string& title,
                                                  const std::vector<std::string>& members,
                                                  bool shared_history = false);
  // For LEAVE the answer is the conversation without the caller among its members.
  ClientResult<v1::ConversationInfo> group_change(std::int64_t conversation_id,
                                                  v1::GroupAction action,
                                                  const std::vector<std::string>& usernames = {},
                                                  const std::string& title = "",
                                                  v1::MemberRole role = v1::MEMBER);
  ClientResult<SendResult> edit(std::int64_t conversation_id, std::int64_t seq,
                                const std::string& text);
  // For everyone: the deletion entry's ack; for me only: nullopt.
  ClientResult<std::optional<SendResult>> delete_message(std::int64_t conversation_id,
                                                         std::int64_t seq, bool for_everyone);
  ClientResult<SendResult> react(std::int64_t conversation_id, std::int64_t seq,
                                 const std::string& emoji = "", bool remove = false);
  ClientResult<void> mark_read(std::int64_t conversation_id, std::int64_t seq);
  // Only the fields given change; nickname "" clears it.
  ClientResult<void> chat_settings(std::int64_t conversation_id, std::optional<bool> muted,
                                   std::optional<std::string> nickname);
  ClientResult<v1::ConversationList> list_conversations();
  ClientResult<v1::ContactList> list_contacts();
  ClientResult<void> contact(const std::string& username, v1::ContactAction action);
  ClientResult<void> typing(std::int64_t conversation_id);
  ClientResult<v1::ConversationInfo> read_positions(std::int64_t conversation_id);

  // Pushed events other than messages (user_update, presence, typing, read), in arrival order.
  // Live only: what happened while this device was offline is caught up by sync (the user log
  // position is kept) and not replayed here. Bounded queue (10,000): the oldest is dropped.
  std::optional<v1::ServerFrame> next_event(std::chrono::milliseconds timeout);

  // Incoming conversation-log entries of other devices (every kind: TEXT, SYSTEM, EDIT, DELETION,
  // REACTION, REACTION_REMOVED), per conversation in seq order, each exactly once (across a crash
  // of this process see state_dir). At most max_inbox_messages wait here.
  std::optional<v1::Message> next_message(std::chrono::milliseconds timeout);
  // When set, messages go to the callback instead of the next_message queue.
  void set_message_callback(std::function<void(const v1::Message&)> callback);

  // Test helper: closes the socket abruptly; with auto_reconnect the client comes back by itself.
  void drop_connection();
  // Connected, authenticated and the initial sync done.
  bool wait_connected(std::chrono::milliseconds timeout);
  bool wait_outbox_empty(std::chrono::milliseconds timeout);
  std::size_t outbox_size() const;
  std::int64_t highest_seq(std::int64_t conversation_id) const;
  std::int64_t user_seq() const;  // highest user-log entry applied (persisted with the state)
  std::optional<v1::Goodbye> last_goodbye() const;
  std::optional<AuthInfo> identity() const;  // the stored identity, if any (token may be stale)
  std::uint64_t state_writes() const;        // writes of state.json so far (tests, diagnostics)
  std::size_t inbox_size() const;            // messages waiting for next_message

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace parley::client
