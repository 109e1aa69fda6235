// The rules of the conversation log, as pure functions over the rows a store backend reads
// inside the append's (or the marker's) transaction: who may append, what an edit, deletion or
// reaction may target and what it does to it, and how read markers and delete-for-me move. A
// backend reads and writes rows; every decision is made here, so each backend decides alike.
#pragma once

#include <optional>

#include "common/errors.h"
#include "core/conversation_log.h"
#include "core/model.h"

namespace parley {

// The sender's standing in the conversation, read in the append's transaction.
struct SenderStanding {
  bool conversation_exists = false;
  ConversationKind kind = ConversationKind::direct;
  std::optional<Seq> joined_seq;  // set when the sender is a current member
  bool blocked_by_peer = false;   // direct only: the other member blocked the sender
};

// not_found unless the sender is a current member (a conversation one is not in cannot be told
// from one that does not exist); user_not_found when the direct peer blocked the sender (as if
// the peer did not exist: the sender must not learn of the block).
Result<void> check_sender(const SenderStanding& standing);

// invalid_argument for a kind a client may not append through this path.
Result<void> check_append_kind(MessageKind kind);

// edit, deletion, reaction, reaction_removed.
bool changes_target(MessageKind kind);
// Reactions come and go often and say little: they do not lift a chat to the top of the list.
bool moves_activity(MessageKind kind);
// What one writes one has read: a text entry moves its sender's read_seq to it.
bool moves_sender_read_seq(MessageKind kind);

// The entry a change targets, as stored; nullopt when there is no entry at that seq.
struct TargetRow {
  MessageKind kind = MessageKind::text;
  UserId sender_id = 0;
  bool deleted = false;
};

// Whether target_seq can name an entry the sender sees (joined_seq: the sender's; last_seq: the
// conversation's), before reading it.
bool target_in_view(Seq target_seq, Seq joined_seq, Seq last_seq);

enum class TargetEffect : std::uint8_t {
  edit,             // the target's body becomes the request's text, edited_at = now
  erase,            // the target is deleted: its body and every edit's body erased, reactions gone
  add_reaction,     // (target, sender, text) is added
  remove_reaction,  // (target, sender, text) is removed
};

// What a change does to its target, or its error: not_found when the target is out of the
// sender's view, not a text entry or deleted; forbidden when an edit or deletion targets someone
// else's entry; invalid_argument for an empty reaction.
Result<TargetEffect> plan_target_change(const AppendRequest& request, Seq joined_seq, Seq last_seq,
                                        const std::optional<TargetRow>& target);

// After applying add_reaction / remove_reaction: invalid_argument when the reaction was
// already there (add) or was not there (remove); the backend undoes the append then.
Result<void> check_reaction_applied(TargetEffect effect, bool reaction_existed);

// A read marker: invalid_argument for a negative seq, not_found past the conversation's end;
// false when it does not move the marker forward (never backwards: a late marker from a slow
// device must not resurrect unread messages; not moving is no change and tells nobody).
Result<bool> read_marker_moves(Seq seq, Seq read_seq, Seq last_seq);

// Delete-for-me: not_found unless `target` is a text entry the member sees.
Result<void> check_hide(Seq seq, Seq joined_seq, const std::optional<MessageKind>& target);

}  // namespace parley
