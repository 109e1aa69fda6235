// Row helpers shared by the files of the SQLite store: reading messages, members and
// conversations, writing log entries and user-log entries. Not part of the store's interface.
// Thread: that of the Connection passed in.
#pragma once

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/store.h"
#include "store/sqlite/connection.h"

namespace parley::store::sqlite::detail {

template <class T>
std::unexpected<Error> forward(Result<T>& failed) {
  return std::unexpected(std::move(failed.error()));
}

inline std::int64_t sql_limit(std::size_t limit) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(std::min(limit, kMax));
}

// Every message query selects these columns, in this order, for read_message; the table alias
// is m and the sender's users row is u.
inline constexpr std::string_view kSelectMessage =
    "SELECT m.conversation_id, m.seq, m.id, m.sender_id, u.username, m.sender_device_id, "
    "m.client_msg_id, m.kind, m.body, m.sent_at, m.target_seq, m.edited_at, m.deleted "
    "FROM messages m JOIN users u ON u.id = m.sender_id ";

Message read_message(const Statement& row);
Result<std::vector<Message>> read_messages(Statement& stmt);

// Current members with role, joined_seq and read_seq, by user id.
Result<std::vector<Member>> load_members(Connection& db, ConversationId id);
// Call inside a transaction so the row and its members come from one snapshot.
// with_members = false leaves members empty.
Result<Conversation> load_conversation(Connection& db, ConversationId id, bool with_members = true);

// One members row of a current member.
struct MemberRow {
  MemberRole role = MemberRole::member;
  Seq joined_seq = 0;
  Seq read_seq = 0;
};
// nullopt when the user is not a current member.
Result<std::optional<MemberRow>> current_member(Connection& db, ConversationId id, UserId user);

// nullopt for an unknown user.
Result<std::optional<std::string>> username_of(Connection& db, UserId user);

// Inserts `message` as a row at message.seq (message.id is assigned). false, with nothing
// written, when (sender_id, client_msg_id) is already stored. [writer], inside a transaction.
Result<bool> insert_row(Connection& db, Message& message);

// Inserts a new entry at last_seq + 1 (message.seq is assigned, message.id too) and advances the
// conversation's last_seq; last_activity_at too when touch_activity. message.sender_username
// must already be set; `last_seq` is the conversation's, read in this transaction. [writer],
// inside a transaction.
Result<void> insert_entry(Connection& db, Message& message, bool touch_activity, Seq last_seq);

// Sets the conversation's last_seq, and moves last_activity_at up to activity_at when
// touch_activity. [writer], inside a transaction.
Result<void> advance_conversation(Connection& db, ConversationId id, Seq last_seq,
                                  bool touch_activity, TimeMs activity_at);

// Appends a system entry saying `event` by `actor` at the conversation's next seq, with
// client_msg_id "sys:<conversation>:<seq>". The `text` column keeps the event as
// codec::system_event_json; read_message types it again.
Result<Message> append_system(Connection& db, ConversationId id, UserId actor,
                              const std::string& actor_name, SystemEvent event, TimeMs now);

// Appends `update` to update.user_id's log at last_user_seq + 1 (user_seq and peer filled in).
// [writer], inside a transaction.
Result<UserUpdate> write_user_update(Connection& db, UserUpdate update);

}  // namespace parley::store::sqlite::detail
