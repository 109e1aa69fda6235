// Store on SQLite, the append path: a batch of requests in one transaction (one commit, one
// fsync: the group commit), a text append as one INSERT, and the conversation rows written once
// per batch (append_facts.h).
#include <chrono>
#include <utility>

#include "core/log_rules.h"
#include "store/sqlite/connection.h"
#include "store/sqlite/sqlite_internal.h"
#include "store/sqlite/sqlite_store.h"

namespace parley::store::sqlite {
namespace {

using detail::forward;
using detail::kSelectMessage;
using detail::read_message;

std::uint64_t micros_between(std::chrono::steady_clock::time_point from,
                             std::chrono::steady_clock::time_point to) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(to - from).count());
}

// The stored entry with the sender's client_msg_id, if any.
Result<std::optional<Message>> find_duplicate(Connection& db, const AppendRequest& request) {
  static const std::string kDuplicate =
      std::string(kSelectMessage) + "WHERE m.sender_id = ? AND m.client_msg_id = ?";
  auto stmt = db.prepare(kDuplicate);
  if (!stmt) return forward(stmt);
  auto row = stmt->bind(1, request.sender_id).bind(2, request.client_msg_id).step();
  if (!row) return forward(row);
  if (!*row) return std::optional<Message>();
  return std::optional<Message>(read_message(*stmt));
}

// The stored entry at target_seq, for the rules to judge.
Result<std::optional<TargetRow>> target_row(Connection& db, ConversationId id, Seq seq) {
  auto stmt = db.prepare(
      "SELECT kind, sender_id, deleted FROM messages WHERE conversation_id = ? AND seq = ?");
  if (!stmt) return forward(stmt);
  auto row = stmt->bind(1, id).bind(2, seq).step();
  if (!row) return forward(row);
  if (!*row) return std::optional<TargetRow>();
  return TargetRow{.kind = static_cast<MessageKind>(stmt->int64(0)),
                   .sender_id = stmt->int64(1),
                   .deleted = stmt->int64(2) != 0};
}

// Applies what the rules decided an edit, deletion or reaction does to its target.
Result<void> apply_target_effect(Connection& db, const AppendRequest& request,
                                 TargetEffect effect) {
  const ConversationId id = request.conversation_id;
  const Seq target = request.target_seq;
  switch (effect) {
    case TargetEffect::edit: {
      auto stmt = db.prepare(
          "UPDATE messages SET body = ?, edited_at = ? WHERE conversation_id = ? AND seq = ?");
      if (!stmt) return forward(stmt);
      return stmt->bind(1, request.text).bind(2, request.now).bind(3, id).bind(4, target).run();
    }
    case TargetEffect::erase: {
      auto erase = db.prepare(
          "UPDATE messages SET deleted = 1, body = '' WHERE conversation_id = ? AND seq = ?");
      if (!erase) return forward(erase);
      auto erased = erase->bind(1, id).bind(2, target).run();
      if (!erased) return erased;
      // Edits carry earlier versions of the text: erase them too.
      auto edits = db.prepare(
          "UPDATE messages SET body = '' WHERE conversation_id = ? AND target_seq = ? "
          "AND kind = ?");
      if (!edits) return forward(edits);
      auto cleared = edits->bind(1, id)
                         .bind(2, target)
                         .bind(3, static_cast<std::int64_t>(MessageKind::edit))
                         .run();
      if (!cleared) return cleared;
      auto reactions = db.prepare("DELETE FROM reactions WHERE conversation_id = ? AND seq = ?");
      if (!reactions) return forward(reactions);
      return reactions->bind(1, id).bind(2, target).run();
    }
    case TargetEffect::add_reaction: {
      auto stmt = db.prepare(
          "INSERT OR IGNORE INTO reactions (conversation_id, seq, user_id, emoji, created_at) "
          "VALUES (?, ?, ?, ?, ?)");
      if (!stmt) return forward(stmt);
      auto done = stmt->bind(1, id)
                      .bind(2, target)
                      .bind(3, request.sender_id)
                      .bind(4, request.text)
                      .bind(5, request.now)
                      .run();
      if (!done) return done;
      return check_reaction_applied(effect, /*reaction_existed=*/db.changes() == 0);
    }
    case TargetEffect::remove_reaction: {
      auto stmt = db.prepare(
          "DELETE FROM reactions WHERE conversation_id = ? AND seq = ? AND user_id = ? "
          "AND emoji = ?");
      if (!stmt) return forward(stmt);
      auto done =
          stmt->bind(1, id).bind(2, target).bind(3, request.sender_id).bind(4, request.text).run();
      if (!done) return done;
      return check_reaction_applied(effect, /*reaction_existed=*/db.changes() != 0);
    }
  }
  return {};
}

// Writes what the batch's appends left to its end: each conversation's last_seq and activity
// time, each sender's read_seq ("what one writes one has read").
Result<void> write_batch_end(Connection& db, const BatchEnd& end) {
  for (const auto& [id, conversation] : end.conversations) {
    auto done = detail::advance_conversation(db, id, conversation.last_seq, conversation.touched,
                                             conversation.last_activity_at);
    if (!done) return done;
  }
  for (const auto& [key, seq] : end.read_seqs) {
    auto stmt = db.prepare(
        "UPDATE members SET read_seq = MAX(read_seq, ?) WHERE conversation_id = ? AND user_id = ?");
    if (!stmt) return forward(stmt);
    auto done = stmt->bind(1, seq).bind(2, key.first).bind(3, key.second).run();
    if (!done) return done;
  }
  return {};
}

}  // namespace

std::vector<Result<AppendOutcome>> SqliteStore::append(std::span<const AppendRequest> requests) {
  std::vector<Result<AppendOutcome>> outcomes;
  if (requests.empty()) return outcomes;
  auto fail_all = [&](const Error& error) {
    // What the facts learned in this transaction is gone with it.
    append_facts_.forget_all();
    return std::vector<Result<AppendOutcome>>(requests.size(), std::unexpected(error));
  };

  append_facts_.trim();
  const auto started = std::chrono::steady_clock::now();
  // The whole batch shares one commit, hence one fsync: this is the group commit.
  auto txn = Transaction::begin(*writer_, "BEGIN IMMEDIATE");
  if (!txn) return fail_all(txn.error());
  outcomes.reserve(requests.size());
  BatchEnd end;
  for (const AppendRequest& request : requests) {
    // A text append writes one statement, which SQLite applies whole or not at all. The other
    // kinds write several: a savepoint undoes a half-applied one without losing its neighbours.
    const bool single_statement = request.kind == MessageKind::text;
    if (!single_statement) {
      auto savepoint = writer_->exec("SAVEPOINT append_one");
      if (!savepoint) return fail_all(savepoint.error());
    }
    auto outcome = append_one(request, end);
    Result<void> released;
    if (!single_statement) {
      if (!outcome) (void)writer_->exec("ROLLBACK TO append_one");
      released = writer_->exec("RELEASE append_one");
    }
    // Some errors (disk full, I/O) make sqlite roll back the whole transaction by itself; the
    // earlier requests are then gone too, and later ones must not run in autocommit mode.
    if (writer_->autocommit()) {
      return fail_all(outcome ? Error{Errc::internal, "append transaction aborted"}
                              : outcome.error());
    }
    if (!released) return fail_all(released.error());
    outcomes.push_back(std::move(outcome));
  }
  auto ended = write_batch_end(*writer_, end);
  if (!ended) return fail_all(ended.error());
  const auto committing = std::chrono::steady_clock::now();
  auto committed = txn->commit();
  if (!committed) return fail_all(committed.error());
  statements_us_.record(micros_between(started, committing));
  commit_us_.record(micros_between(committing, std::chrono::steady_clock::now()));
  return outcomes;
}

Result<std::optional<std::string>> SqliteStore::sender_name(UserId user) {
  constexpr std::size_t kMaxCachedNames = 1 << 16;
  if (auto it = sender_names_.find(user); it != sender_names_.end()) return it->second;
  auto name = detail::username_of(*writer_, user);
  if (!name || !*name) return name;
  if (sender_names_.size() >= kMaxCachedNames) sender_names_.clear();
  sender_names_.emplace(user, **name);
  return name;
}

Result<SqliteStore::AppendRights> SqliteStore::append_rights(ConversationId id, UserId sender) {
  AppendFacts::Conversation* known = append_facts_.conversation(id);
  if (known) {
    if (auto joined = append_facts_.writer_joined_seq(id, sender))
      return AppendRights{known, *joined};
  }
  Connection& db = *writer_;
  AppendFacts::Conversation conversation;
  if (known) {
    conversation = *known;  // newer than the row while this batch has appended to it
  } else {
    auto stmt = db.prepare("SELECT kind, last_seq FROM conversations WHERE id = ?");
    if (!stmt) return forward(stmt);
    auto row = stmt->bind(1, id).step();
    if (!row) return forward(row);
    if (!*row) return fail(Errc::not_found, "no conversation " + std::to_string(id));
    conversation.kind = static_cast<ConversationKind>(stmt->int64(0));
    conversation.last_seq = stmt->int64(1);
  }
  // Checked inside the append transaction, so a member who has just left cannot slip in.
  auto member = detail::current_member(db, id, sender);
  if (!member) return forward(member);
  SenderStanding standing{.conversation_exists = true, .kind = conversation.kind};
  if (*member) standing.joined_seq = (*member)->joined_seq;
  if (*member && conversation.kind == ConversationKind::direct) {
    auto stmt = db.prepare(
        "SELECT 1 FROM members m JOIN blocks b ON b.user_id = m.user_id AND b.peer_id = ?1 "
        "WHERE m.conversation_id = ?2 AND m.user_id <> ?1");
    if (!stmt) return forward(stmt);
    auto row = stmt->bind(1, sender).bind(2, id).step();
    if (!row) return forward(row);
    standing.blocked_by_peer = *row;
  }
  auto allowed = check_sender(standing);
  if (!allowed) return forward(allowed);
  const Seq joined_seq = (*member)->joined_seq;
  return AppendRights{&append_facts_.learn(id, conversation, sender, joined_seq), joined_seq};
}

Result<AppendOutcome> SqliteStore::append_one(const AppendRequest& request, BatchEnd& end) {
  Connection& db = *writer_;
  const bool is_text = request.kind == MessageKind::text;
  auto kind = check_append_kind(request.kind);
  if (!kind) return forward(kind);
  // The dedupe key lives in the same database as the log, so a resend after a crash still finds
  // the original, and a resend is answered even if the sender has since been blocked or has
  // left. A text resend is found by the INSERT itself; the other kinds look first, since their
  // target may have changed since.
  if (!is_text) {
    auto original = find_duplicate(db, request);
    if (!original) return forward(original);
    if (*original) return AppendOutcome{std::move(**original), true};
  }
  auto rights = append_rights(request.conversation_id, request.sender_id);
  if (!rights) {
    if (is_text) {
      auto original = find_duplicate(db, request);
      if (!original) return forward(original);
      if (*original) return AppendOutcome{std::move(**original), true};
    }
    return forward(rights);
  }
  AppendFacts::Conversation& conversation = *rights->conversation;

  Message message;
  message.conversation_id = request.conversation_id;
  message.sender_id = request.sender_id;
  message.sender_device_id = request.sender_device_id;
  message.client_msg_id = request.client_msg_id;
  message.kind = request.kind;
  message.text = request.text;
  message.sent_at = request.now;
  {
    auto name = sender_name(request.sender_id);
    if (!name) return forward(name);
    if (!*name) return fail(Errc::internal, "no sender " + std::to_string(request.sender_id));
    message.sender_username = std::move(**name);
  }
  if (changes_target(request.kind)) {
    message.target_seq = request.target_seq;
    std::optional<TargetRow> target;
    if (target_in_view(request.target_seq, rights->joined_seq, conversation.last_seq)) {
      auto row = target_row(db, request.conversation_id, request.target_seq);
      if (!row) return forward(row);
      target = *row;
    }
    // The rules are core's (core/log_rules.h); this reads their rows and writes their effect.
    auto effect = plan_target_change(request, rights->joined_seq, conversation.last_seq, target);
    if (!effect) return forward(effect);
    auto changed = apply_target_effect(db, request, *effect);
    if (!changed) return forward(changed);
    if (request.kind == MessageKind::deletion) message.text.clear();
  }

  // Only the single writer assigns seqs, inside its transaction, so last_seq + 1 is gap-free.
  message.seq = conversation.last_seq + 1;
  auto inserted = detail::insert_row(db, message);
  if (!inserted) return forward(inserted);
  if (!*inserted) {
    auto original = find_duplicate(db, request);
    if (!original) return forward(original);
    if (!*original) return fail(Errc::internal, "a duplicate vanished");
    return AppendOutcome{std::move(**original), true};
  }
  conversation.last_seq = message.seq;
  end.appended(message, /*touch_activity=*/moves_activity(request.kind));
  return AppendOutcome{std::move(message), false};
}

}  // namespace parley::store::sqlite
