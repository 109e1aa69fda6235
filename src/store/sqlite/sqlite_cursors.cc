// SQLite store, per-device delivery cursors: what each device has acknowledged (table
// device_cursors, migration v4) and what it is therefore still owed.
#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_store.h"

namespace parley::store::sqlite {

using detail::forward;
using detail::kSelectMessage;
using detail::read_messages;
using detail::sql_limit;

Result<void> SqliteStore::advance_cursors(std::span<const DeviceCursor> batch) {
  if (batch.empty()) return {};
  // One commit (one fsync) for every device of the batch: cursors come in thousands per second
  // in a big group, and a transaction each would hold the writer from the messages.
  auto txn = Transaction::begin(*writer_, "BEGIN IMMEDIATE");
  if (!txn) return forward(txn);
  auto stmt = writer_->prepare(
      "INSERT INTO device_cursors (device_id, conversation_id, acked_seq) VALUES (?, ?, ?) "
      "ON CONFLICT (device_id, conversation_id) DO UPDATE SET "
      "acked_seq = MAX(acked_seq, excluded.acked_seq)");
  if (!stmt) return forward(stmt);
  for (const DeviceCursor& c : batch) {
    auto done = stmt->bind(1, c.device).bind(2, c.conversation_id).bind(3, c.seq).run();
    if (!done) return forward(done);
    stmt->reset();
  }
  return txn->commit();
}

Result<std::vector<Message>> SqliteStore::undelivered(UserId user, DeviceId device,
                                                      std::size_t limit) {
  auto db = reader();
  if (!db) return forward(db);
  static const std::string kSql =
      std::string(kSelectMessage) +
      "JOIN members mb ON mb.conversation_id = m.conversation_id AND mb.user_id = ?1 "
      "AND mb.left_at IS NULL "
      "LEFT JOIN device_cursors dc ON dc.device_id = ?2 AND dc.conversation_id = m.conversation_id "
      "WHERE m.seq > MAX(mb.joined_seq, COALESCE(dc.acked_seq, 0)) AND m.sender_device_id <> ?2 "
      "ORDER BY m.conversation_id, m.seq LIMIT ?3";
  auto stmt = (*db)->prepare(kSql);
  if (!stmt) return forward(stmt);
  stmt->bind(1, user).bind(2, device).bind(3, sql_limit(limit));
  return read_messages(*stmt);
}

}  // namespace parley::store::sqlite
