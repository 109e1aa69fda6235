// Row helpers shared by the SQLite store's files (see sqlite_internal.h).
#include "store/sqlite/sqlite_internal.h"

#include <utility>

#include "codec/system_event_json.h"

namespace parley::store::sqlite::detail {

Message read_message(const Statement& row) {
  Message message;
  message.conversation_id = row.int64(0);
  message.seq = row.int64(1);
  message.id = row.int64(2);
  message.sender_id = row.int64(3);
  message.sender_username = row.text(4);
  message.sender_device_id = row.int64(5);
  message.client_msg_id = row.text(6);
  message.kind = static_cast<MessageKind>(row.int64(7));
  if (message.kind == MessageKind::system) {
    // A row no codec reads (written by hand, or by a newer version) still shows as an event.
    auto event = codec::parse_system_event_json(row.text(8));
    message.system = std::make_shared<const SystemEvent>(event ? std::move(*event)
                                                               : SystemEvent{.event = "unknown"});
  } else {
    message.text = row.text(8);
  }
  message.sent_at = row.int64(9);
  message.target_seq = row.int64(10);
  message.edited_at = row.int64(11);
  message.deleted = row.int64(12) != 0;
  return message;
}

Result<std::vector<Message>> read_messages(Statement& stmt) {
  std::vector<Message> messages;
  while (true) {
    auto row = stmt.step();
    if (!row) return forward(row);
    if (!*row) return messages;
    messages.push_back(read_message(stmt));
  }
}

Result<std::vector<Member>> load_members(Connection& db, ConversationId id) {
  auto stmt = db.prepare(
      "SELECT m.user_id, u.username, m.role, m.joined_seq, m.read_seq "
      "FROM members m JOIN users u ON u.id = m.user_id "
      "WHERE m.conversation_id = ? AND m.left_at IS NULL ORDER BY m.user_id");
  if (!stmt) return forward(stmt);
  stmt->bind(1, id);
  std::vector<Member> members;
  while (true) {
    auto row = stmt->step();
    if (!row) return forward(row);
    if (!*row) return members;
    members.push_back(Member{stmt->int64(0), stmt->text(1), static_cast<MemberRole>(stmt->int64(2)),
                             stmt->int64(3), stmt->int64(4)});
  }
}

Result<Conversation> load_conversation(Connection& db, ConversationId id, bool with_members) {
  Conversation conversation;
  {
    auto stmt = db.prepare(
        "SELECT kind, title, last_seq, last_activity_at, shared_history FROM conversations "
        "WHERE id = ?");
    if (!stmt) return forward(stmt);
    auto row = stmt->bind(1, id).step();
    if (!row) return forward(row);
    if (!*row) return fail(Errc::not_found, "no conversation " + std::to_string(id));
    conversation.id = id;
    conversation.kind = static_cast<ConversationKind>(stmt->int64(0));
    conversation.title = stmt->text(1);
    conversation.last_seq = stmt->int64(2);
    conversation.last_activity_at = stmt->int64(3);
    conversation.shared_history = stmt->int64(4) != 0;
  }
  if (!with_members) return conversation;
  auto members = load_members(db, id);
  if (!members) return forward(members);
  conversation.members = std::move(*members);
  return conversation;
}

Result<std::optional<MemberRow>> current_member(Connection& db, ConversationId id, UserId user) {
  auto stmt = db.prepare(
      "SELECT role, joined_seq, read_seq FROM members "
      "WHERE conversation_id = ? AND user_id = ? AND left_at IS NULL");
  if (!stmt) return forward(stmt);
  auto row = stmt->bind(1, id).bind(2, user).step();
  if (!row) return forward(row);
  if (!*row) return std::optional<MemberRow>();
  return MemberRow{static_cast<MemberRole>(stmt->int64(0)), stmt->int64(1), stmt->int64(2)};
}

Result<std::optional<std::string>> username_of(Connection& db, UserId user) {
  auto stmt = db.prepare("SELECT username FROM users WHERE id = ?");
  if (!stmt) return forward(stmt);
  auto row = stmt->bind(1, user).step();
  if (!row) return forward(row);
  if (!*row) return std::optional<std::string>();
  return stmt->text(0);
}

Result<bool> insert_row(Connection& db, Message& message) {
  const std::string system_body =
      message.system ? codec::system_event_json(*message.system) : std::string();
  // The unique (sender_id, client_msg_id) index is the dedupe: a resend costs no lookup first.
  auto stmt = db.prepare(
      "INSERT INTO messages (conversation_id, seq, sender_id, sender_device_id, client_msg_id, "
      "kind, body, sent_at, target_seq) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT (sender_id, client_msg_id) DO NOTHING");
  if (!stmt) return forward(stmt);
  auto done = stmt->bind(1, message.conversation_id)
                  .bind(2, message.seq)
                  .bind(3, message.sender_id)
                  .bind(4, message.sender_device_id)
                  .bind(5, message.client_msg_id)
                  .bind(6, static_cast<std::int64_t>(message.kind))
                  .bind(7, message.system ? std::string_view(system_body) : message.text)
                  .bind(8, message.sent_at)
                  .bind(9, message.target_seq)
                  .run();
  if (!done) return forward(done);
  if (db.changes() == 0) return false;
  message.id = db.last_insert_rowid();
  return true;
}

Result<void> insert_entry(Connection& db, Message& message, bool touch_activity, Seq last_seq) {
  // Only the single writer assigns seqs, inside its transaction, so last_seq + 1 is gap-free.
  message.seq = last_seq + 1;
  auto inserted = insert_row(db, message);
  if (!inserted) return forward(inserted);
  if (!*inserted) return fail(Errc::internal, "entry " + message.client_msg_id + " exists");
  return advance_conversation(db, message.conversation_id, message.seq, touch_activity,
                              message.sent_at);
}

Result<void> advance_conversation(Connection& db, ConversationId id, Seq last_seq,
                                  bool touch_activity, TimeMs activity_at) {
  // MAX: a wall clock stepping back must not make the conversation look older.
  auto stmt = db.prepare(
      "UPDATE conversations SET last_seq = ?, "
      "last_activity_at = CASE WHEN ? THEN MAX(last_activity_at, ?) ELSE last_activity_at END "
      "WHERE id = ?");
  if (!stmt) return forward(stmt);
  return stmt->bind(1, last_seq)
      .bind(2, std::int64_t{touch_activity ? 1 : 0})
      .bind(3, activity_at)
      .bind(4, id)
      .run();
}

Result<Message> append_system(Connection& db, ConversationId id, UserId actor,
                              const std::string& actor_name, SystemEvent event, TimeMs now) {
  Message message;
  message.conversation_id = id;
  message.sender_id = actor;
  message.sender_username = actor_name;
  message.kind = MessageKind::system;
  message.system = std::make_shared<const SystemEvent>(std::move(event));
  message.sent_at = now;
  auto inserted = [&]() -> Result<void> {
    // The id must be unique per sender; conversation and seq make it so.
    auto conversation = load_conversation(db, id, /*with_members=*/false);
    if (!conversation) return forward(conversation);
    message.client_msg_id =
        "sys:" + std::to_string(id) + ":" + std::to_string(conversation->last_seq + 1);
    return insert_entry(db, message, /*touch_activity=*/true, conversation->last_seq);
  }();
  if (!inserted) return forward(inserted);
  return message;
}

Result<UserUpdate> write_user_update(Connection& db, UserUpdate update) {
  {
    auto stmt = db.prepare("UPDATE users SET last_user_seq = last_user_seq + 1 WHERE id = ?");
    if (!stmt) return forward(stmt);
    auto done = stmt->bind(1, update.user_id).run();
    if (!done) return forward(done);
    if (db.changes() == 0)
      return fail(Errc::not_found, "no user " + std::to_string(update.user_id));
  }
  {
    auto stmt = db.prepare("SELECT last_user_seq FROM users WHERE id = ?");
    if (!stmt) return forward(stmt);
    auto row = stmt->bind(1, update.user_id).step();
    if (!row) return forward(row);
    if (!*row) return fail(Errc::internal, "user vanished");
    update.user_seq = stmt->int64(0);
  }
  if (update.peer_id != 0 && update.peer.empty()) {
    auto name = username_of(db, update.peer_id);
    if (!name) return forward(name);
    if (*name) update.peer = std::move(**name);
  }
  auto stmt = db.prepare(
      "INSERT INTO user_updates (user_id, user_seq, kind, conversation_id, seq, flag, text, "
      "peer_id, contact_state, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!stmt) return forward(stmt);
  auto done = stmt->bind(1, update.user_id)
                  .bind(2, update.user_seq)
                  .bind(3, static_cast<std::int64_t>(update.kind))
                  .bind(4, update.conversation_id)
                  .bind(5, update.seq)
                  .bind(6, std::int64_t{update.flag ? 1 : 0})
                  .bind(7, update.text)
                  .bind(8, update.peer_id)
                  .bind(9, static_cast<std::int64_t>(update.contact_state))
                  .bind(10, update.at)
                  .run();
  if (!done) return forward(done);
  return update;
}

}  // namespace parley::store::sqlite::detail
