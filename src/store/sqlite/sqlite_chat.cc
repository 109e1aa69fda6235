// Store on SQLite, the per-member view of a conversation: history as one member sees it
// (visibility, delete-for-me, reactions), read positions and settings, the user log, and the
// conversation list with unread counts derived from the log.
#include <algorithm>
#include <limits>
#include <unordered_set>
#include <utility>

#include "core/log_rules.h"
#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_store.h"

namespace parley::store::sqlite {
namespace {

using detail::forward;
using detail::kSelectMessage;

// Marks the viewer's hidden entries and attaches reactions to the page, with one query each over
// the page's seq range (not one per message).
Result<std::vector<Message>> decorate(Connection& db, const Viewer& viewer, ConversationId id,
                                      std::vector<Message> page) {
  if (page.empty()) return page;
  const Seq low = page.front().seq;
  const Seq high = page.back().seq;
  std::unordered_set<Seq> hidden;
  {
    auto stmt = db.prepare(
        "SELECT seq FROM hidden WHERE user_id = ? AND conversation_id = ? AND seq BETWEEN ? AND ?");
    if (!stmt) return forward(stmt);
    stmt->bind(1, viewer.user_id).bind(2, id).bind(3, low).bind(4, high);
    while (true) {
      auto row = stmt->step();
      if (!row) return forward(row);
      if (!*row) break;
      hidden.insert(stmt->int64(0));
    }
  }
  // The page is in seq order; so are the reactions: walk both together.
  auto stmt = db.prepare(
      "SELECT r.seq, r.user_id, u.username, r.emoji FROM reactions r "
      "JOIN users u ON u.id = r.user_id WHERE r.conversation_id = ? AND r.seq BETWEEN ? AND ? "
      "ORDER BY r.seq, r.created_at, r.user_id, r.emoji");
  if (!stmt) return forward(stmt);
  stmt->bind(1, id).bind(2, low).bind(3, high);
  auto message = page.begin();
  while (true) {
    auto row = stmt->step();
    if (!row) return forward(row);
    if (!*row) break;
    const Seq seq = stmt->int64(0);
    while (message != page.end() && message->seq < seq) ++message;
    if (message == page.end()) break;
    if (message->seq != seq || message->kind != MessageKind::text) continue;
    message->reactions.push_back(Reaction{stmt->int64(1), stmt->text(2), stmt->text(3)});
  }
  for (Message& m : page) {
    if (m.kind == MessageKind::text && hidden.contains(m.seq)) {
      // Deleted for this viewer: the entry stays (seq order has no holes) but shows nothing.
      m.hidden = true;
      m.text.clear();
      m.reactions.clear();
    }
  }
  return page;
}

Result<UserUpdate> log_update(Connection& db, UserId user, UserUpdateKind kind, ConversationId id,
                              TimeMs now, Seq seq = 0, bool flag = false, std::string text = {}) {
  UserUpdate update;
  update.user_id = user;
  update.kind = kind;
  update.conversation_id = id;
  update.seq = seq;
  update.flag = flag;
  update.text = std::move(text);
  update.at = now;
  return detail::write_user_update(db, std::move(update));
}

// One of a current member's own settings (a members column) and its user-log entry, in one
// transaction; not_found when the user is not a current member, nullopt when it already had
// that value.
template <class Value, class Log>
Result<std::optional<UserUpdate>> set_own_setting(Connection& db, std::string_view column,
                                                  Value value, UserId user, ConversationId id,
                                                  Log log) {
  auto txn = Transaction::begin(db, "BEGIN IMMEDIATE");
  if (!txn) return forward(txn);
  {
    auto member = db.prepare("SELECT " + std::string(column) +
                             " = ? FROM members WHERE conversation_id = ? AND user_id = ? AND "
                             "left_at IS NULL");
    if (!member) return forward(member);
    auto row = member->bind(1, value).bind(2, id).bind(3, user).step();
    if (!row) return forward(row);
    if (!*row) return fail(Errc::not_found, "no such conversation");
    if (member->int64(0) != 0) return std::optional<UserUpdate>();
  }
  auto stmt = db.prepare("UPDATE members SET " + std::string(column) +
                         " = ? WHERE conversation_id = ? AND user_id = ?");
  if (!stmt) return forward(stmt);
  auto done = stmt->bind(1, value).bind(2, id).bind(3, user).run();
  if (!done) return forward(done);
  auto update = log(db);
  if (!update) return forward(update);
  auto committed = txn->commit();
  if (!committed) return forward(committed);
  return std::optional<UserUpdate>(std::move(*update));
}

Result<std::int64_t> single_int(Statement& stmt) {
  auto row = stmt.step();
  if (!row) return forward(row);
  return *row ? stmt.int64(0) : 0;
}

}  // namespace

// ---- history as a member sees it

Result<std::vector<Message>> SqliteStore::view_after(const Viewer& viewer, ConversationId id,
                                                     Seq after, std::size_t limit) {
  auto db = reader();
  if (!db) return forward(db);
  auto txn = Transaction::begin(**db, "BEGIN");  // one snapshot for the page and its decorations
  if (!txn) return forward(txn);
  static const std::string kSql =
      std::string(kSelectMessage) +
      "WHERE m.conversation_id = ? AND m.seq > ? ORDER BY m.seq LIMIT ?";
  std::vector<Message> page;
  {
    auto stmt = (*db)->prepare(kSql);
    if (!stmt) return forward(stmt);
    stmt->bind(1, id).bind(2, std::max(after, viewer.joined_seq)).bind(3, detail::sql_limit(limit));
    auto read = detail::read_messages(*stmt);
    if (!read) return read;
    page = std::move(*read);
  }
  return decorate(**db, viewer, id, std::move(page));
}

Result<std::vector<Message>> SqliteStore::view_before(const Viewer& viewer, ConversationId id,
                                                      Seq before, std::size_t limit) {
  auto db = reader();
  if (!db) return forward(db);
  auto txn = Transaction::begin(**db, "BEGIN");
  if (!txn) return forward(txn);
  static const std::string kSql =
      std::string(kSelectMessage) +
      "WHERE m.conversation_id = ? AND m.seq < ? AND m.seq > ? ORDER BY m.seq DESC LIMIT ?";
  std::vector<Message> page;
  {
    auto stmt = (*db)->prepare(kSql);
    if (!stmt) return forward(stmt);
    const Seq upper = before == 0 ? std::numeric_limits<Seq>::max() : before;
    stmt->bind(1, id).bind(2, upper).bind(3, viewer.joined_seq).bind(4, detail::sql_limit(limit));
    auto read = detail::read_messages(*stmt);
    if (!read) return read;
    page = std::move(*read);
  }
  std::reverse(page.begin(), page.end());
  return decorate(**db, viewer, id, std::move(page));
}

// ---- per-user state

Result<std::optional<UserUpdate>> SqliteStore::mark_read(UserId user, ConversationId id, Seq seq,
                                                         TimeMs now) {
  Connection& db = *writer_;
  auto txn = Transaction::begin(db, "BEGIN IMMEDIATE");
  if (!txn) return forward(txn);
  auto member = detail::current_member(db, id, user);
  if (!member) return forward(member);
  if (!*member) return fail(Errc::not_found, "no such conversation");
  auto conversation = detail::load_conversation(db, id, /*with_members=*/false);
  if (!conversation) return forward(conversation);
  auto moves = read_marker_moves(seq, (*member)->read_seq, conversation->last_seq);
  if (!moves) return forward(moves);
  if (!*moves) return std::optional<UserUpdate>();
  {
    auto stmt =
        db.prepare("UPDATE members SET read_seq = ? WHERE conversation_id = ? AND user_id = ?");
    if (!stmt) return forward(stmt);
    auto done = stmt->bind(1, seq).bind(2, id).bind(3, user).run();
    if (!done) return forward(done);
  }
  auto update = log_update(db, user, UserUpdateKind::read, id, now, seq);
  if (!update) return forward(update);
  auto committed = txn->commit();
  if (!committed) return forward(committed);
  return std::optional<UserUpdate>(std::move(*update));
}

Result<std::optional<UserUpdate>> SqliteStore::set_muted(UserId user, ConversationId id, bool muted,
                                                         TimeMs now) {
  return set_own_setting(*writer_, "muted", std::int64_t{muted ? 1 : 0}, user, id,
                         [&](Connection& db) {
                           return log_update(db, user, UserUpdateKind::muted, id, now, 0, muted);
                         });
}

Result<std::optional<UserUpdate>> SqliteStore::set_nickname(UserId user, ConversationId id,
                                                            std::string_view nickname, TimeMs now) {
  return set_own_setting(*writer_, "nickname", nickname, user, id, [&](Connection& db) {
    return log_update(db, user, UserUpdateKind::nickname, id, now, 0, false, std::string(nickname));
  });
}

Result<std::optional<UserUpdate>> SqliteStore::hide_message(UserId user, ConversationId id, Seq seq,
                                                            TimeMs now) {
  Connection& db = *writer_;
  auto txn = Transaction::begin(db, "BEGIN IMMEDIATE");
  if (!txn) return forward(txn);
  auto member = detail::current_member(db, id, user);
  if (!member) return forward(member);
  if (!*member) return fail(Errc::not_found, "no such conversation");
  {
    auto stmt = db.prepare("SELECT kind FROM messages WHERE conversation_id = ? AND seq = ?");
    if (!stmt) return forward(stmt);
    auto row = stmt->bind(1, id).bind(2, seq).step();
    if (!row) return forward(row);
    std::optional<MessageKind> target;
    if (*row) target = static_cast<MessageKind>(stmt->int64(0));
    auto allowed = check_hide(seq, (*member)->joined_seq, target);
    if (!allowed) return forward(allowed);
  }
  {
    auto stmt =
        db.prepare("INSERT OR IGNORE INTO hidden (user_id, conversation_id, seq) VALUES (?, ?, ?)");
    if (!stmt) return forward(stmt);
    auto done = stmt->bind(1, user).bind(2, id).bind(3, seq).run();
    if (!done) return forward(done);
    if (db.changes() == 0) return std::optional<UserUpdate>();  // already hidden
  }
  auto update = log_update(db, user, UserUpdateKind::hidden, id, now, seq);
  if (!update) return forward(update);
  auto committed = txn->commit();
  if (!committed) return forward(committed);
  return std::optional<UserUpdate>(std::move(*update));
}

Result<std::vector<UserUpdate>> SqliteStore::user_updates_after(UserId user, std::int64_t after,
                                                                std::size_t limit) {
  auto db = reader();
  if (!db) return forward(db);
  auto stmt = (*db)->prepare(
      "SELECT uu.user_seq, uu.kind, uu.conversation_id, uu.seq, uu.flag, uu.text, uu.peer_id, "
      "COALESCE(p.username, ''), uu.contact_state, uu.at FROM user_updates uu "
      "LEFT JOIN users p ON p.id = uu.peer_id "
      "WHERE uu.user_id = ? AND uu.user_seq > ? ORDER BY uu.user_seq LIMIT ?");
  if (!stmt) return forward(stmt);
  stmt->bind(1, user).bind(2, after).bind(3, detail::sql_limit(limit));
  std::vector<UserUpdate> updates;
  while (true) {
    auto row = stmt->step();
    if (!row) return forward(row);
    if (!*row) return updates;
    UserUpdate& u = updates.emplace_back();
    u.user_id = user;
    u.user_seq = stmt->int64(0);
    u.kind = static_cast<UserUpdateKind>(stmt->int64(1));
    u.conversation_id = stmt->int64(2);
    u.seq = stmt->int64(3);
    u.flag = stmt->int64(4) != 0;
    u.text = stmt->text(5);
    u.peer_id = stmt->int64(6);
    u.peer = stmt->text(7);
    u.contact_state = static_cast<ContactState>(stmt->int64(8));
    u.at = stmt->int64(9);
  }
}

Result<std::int64_t> SqliteStore::last_user_seq(UserId user) {
  auto db = reader();
  if (!db) return forward(db);
  auto stmt = (*db)->prepare("SELECT last_user_seq FROM users WHERE id = ?");
  if (!stmt) return forward(stmt);
  auto row = stmt->bind(1, user).step();
  if (!row) return forward(row);
  if (!*row) return fail(Errc::not_found, "no such user");
  return stmt->int64(0);
}

// ---- the conversation list

Result<std::vector<ConversationSummary>> SqliteStore::conversation_list(
    UserId user, std::size_t member_detail_limit) {
  auto db_or = reader();
  if (!db_or) return forward(db_or);
  Connection& db = **db_or;
  auto txn = Transaction::begin(db, "BEGIN");
  if (!txn) return forward(txn);
  std::vector<ConversationSummary> list;
  {
    auto stmt = db.prepare(
        "SELECT c.id, c.kind, c.title, c.last_seq, c.last_activity_at, c.shared_history, "
        "m.role, m.joined_seq, m.read_seq, m.muted, m.nickname "
        "FROM members m JOIN conversations c ON c.id = m.conversation_id "
        "WHERE m.user_id = ? AND m.left_at IS NULL ORDER BY c.last_activity_at DESC, c.id DESC");
    if (!stmt) return forward(stmt);
    stmt->bind(1, user);
    while (true) {
      auto row = stmt->step();
      if (!row) return forward(row);
      if (!*row) break;
      ConversationSummary& s = list.emplace_back();
      s.conversation.id = stmt->int64(0);
      s.conversation.kind = static_cast<ConversationKind>(stmt->int64(1));
      s.conversation.title = stmt->text(2);
      s.conversation.last_seq = stmt->int64(3);
      s.conversation.last_activity_at = stmt->int64(4);
      s.conversation.shared_history = stmt->int64(5) != 0;
      s.role = static_cast<MemberRole>(stmt->int64(6));
      s.joined_seq = stmt->int64(7);
      s.read_seq = stmt->int64(8);
      s.muted = stmt->int64(9) != 0;
      s.nickname = stmt->text(10);
      s.title = s.conversation.title;
    }
  }
  for (ConversationSummary& s : list) {
    const ConversationId id = s.conversation.id;
    if (s.conversation.kind == ConversationKind::direct) {
      auto stmt = db.prepare(
          "SELECT u.username FROM members m JOIN users u ON u.id = m.user_id "
          "WHERE m.conversation_id = ? AND m.user_id <> ? LIMIT 1");
      if (!stmt) return forward(stmt);
      auto row = stmt->bind(1, id).bind(2, user).step();
      if (!row) return forward(row);
      if (*row) s.title = stmt->text(0);
    }
    {
      // Walks only the entries above the read position (the (conversation_id, seq) index).
      auto stmt = db.prepare(
          "SELECT COUNT(*) FROM messages m WHERE m.conversation_id = ?1 AND m.seq > ?2 "
          "AND m.kind = ?3 AND m.sender_id <> ?4 AND m.deleted = 0 AND NOT EXISTS "
          "(SELECT 1 FROM hidden h WHERE h.user_id = ?4 AND h.conversation_id = ?1 "
          "AND h.seq = m.seq)");
      if (!stmt) return forward(stmt);
      stmt->bind(1, id)
          .bind(2, std::max(s.read_seq, s.joined_seq))
          .bind(3, static_cast<std::int64_t>(MessageKind::text))
          .bind(4, user);
      auto unread = single_int(*stmt);
      if (!unread) return forward(unread);
      s.unread = *unread;
    }
    {
      static const std::string kLast =
          std::string(kSelectMessage) +
          "WHERE m.conversation_id = ?1 AND m.seq > ?2 AND m.kind = ?3 AND m.deleted = 0 "
          "AND NOT EXISTS (SELECT 1 FROM hidden h WHERE h.user_id = ?4 "
          "AND h.conversation_id = ?1 AND h.seq = m.seq) ORDER BY m.seq DESC LIMIT 1";
      auto stmt = db.prepare(kLast);
      if (!stmt) return forward(stmt);
      stmt->bind(1, id)
          .bind(2, s.joined_seq)
          .bind(3, static_cast<std::int64_t>(MessageKind::text))
          .bind(4, user);
      auto last = detail::read_messages(*stmt);
      if (!last) return forward(last);
      if (!last->empty()) s.last_message = std::move(last->front());
    }
    {
      // Counts no further than the limit: a big group costs as little as a small one.
      auto stmt = db.prepare(
          "SELECT COUNT(*) FROM (SELECT 1 FROM members WHERE conversation_id = ? "
          "AND left_at IS NULL LIMIT ?)");
      if (!stmt) return forward(stmt);
      const std::size_t probe = std::min(member_detail_limit, std::size_t{1} << 40) + 1;
      stmt->bind(1, id).bind(2, detail::sql_limit(probe));
      auto count = single_int(*stmt);
      if (!count) return forward(count);
      if (static_cast<std::size_t>(*count) <= member_detail_limit) {
        auto members = detail::load_members(db, id);
        if (!members) return forward(members);
        s.conversation.members = std::move(*members);
      }
    }
  }
  return list;
}

}  // namespace parley::store::sqlite
