// What the SQLite writer has learned about the conversations it appends to, so that a text append
// costs one INSERT instead of five statements (the dedupe lookup, the conversation row, the
// membership row, the block check, then the insert), and what a batch of appends still has to
// write once at its end (each conversation's last_seq, each sender's read_seq).
//
// Thread: the writer's only. Why it can be trusted: only this process writes the file, and only
// through the writer connection (DESIGN §4), so the conversation's last_seq it holds is the row's,
// as of the open transaction. It holds only what a successful append proved (the conversation
// exists, of this kind; the sender is a current member and, in a direct conversation, not
// blocked), and the store forgets all of it whenever that could stop being true: a group change,
// a contact action, or a batch that did not commit.
#pragma once

#include <algorithm>
#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>

#include "core/log_rules.h"
#include "core/model.h"

namespace parley::store::sqlite {

class AppendFacts {
 public:
  struct Conversation {
    ConversationKind kind = ConversationKind::direct;
    Seq last_seq = 0;  // as of the writer's open transaction
  };

  // nullptr when nothing is known.
  Conversation* conversation(ConversationId id) {
    auto it = conversations_.find(id);
    return it == conversations_.end() ? nullptr : &it->second;
  }
  // The sender's joined_seq, when the sender is known to be allowed to append.
  std::optional<Seq> writer_joined_seq(ConversationId id, UserId sender) const {
    auto it = writers_.find({id, sender});
    if (it == writers_.end()) return std::nullopt;
    return it->second;
  }

  // Remembers that `sender` may append to `id`; the conversation's facts too unless already
  // known (then they are newer than its row, which this batch's appends have not written yet).
  Conversation& learn(ConversationId id, Conversation conversation, UserId sender, Seq joined_seq) {
    writers_[{id, sender}] = joined_seq;
    return conversations_.try_emplace(id, conversation).first->second;
  }
  // Bounded: a server with more active conversations than this reads their rows again. Only
  // between batches: inside one, the facts hold last_seqs not yet written to the rows.
  void trim() {
    if (writers_.size() >= kMaxEntries || conversations_.size() >= kMaxEntries) forget_all();
  }
  void forget_all() {
    conversations_.clear();
    writers_.clear();
  }

 private:
  static constexpr std::size_t kMaxEntries = std::size_t{1} << 16;

  struct PairHash {
    std::size_t operator()(const std::pair<ConversationId, UserId>& key) const {
      return std::hash<std::int64_t>()(key.first) * 31 + std::hash<std::int64_t>()(key.second);
    }
  };
  std::unordered_map<ConversationId, Conversation> conversations_;
  std::unordered_map<std::pair<ConversationId, UserId>, Seq, PairHash> writers_;
};

// What the appends of one batch leave to write at its end: one UPDATE per conversation and one
// per (conversation, sender) instead of one of each per message.
struct BatchEnd {
  struct ConversationEnd {
    Seq last_seq = 0;
    TimeMs last_activity_at = 0;
    bool touched = false;  // last_activity_at is to move (reactions do not move it)
  };
  std::unordered_map<ConversationId, ConversationEnd> conversations;
  std::map<std::pair<ConversationId, UserId>, Seq> read_seqs;  // the sender's highest own text

  void appended(const Message& message, bool touch_activity) {
    ConversationEnd& end = conversations[message.conversation_id];
    end.last_seq = std::max(end.last_seq, message.seq);
    if (touch_activity) {
      end.touched = true;
      end.last_activity_at = std::max(end.last_activity_at, message.sent_at);
    }
    if (moves_sender_read_seq(message.kind)) {
      Seq& read = read_seqs[{message.conversation_id, message.sender_id}];
      read = std::max(read, message.seq);
    }
  }
};

}  // namespace parley::store::sqlite
