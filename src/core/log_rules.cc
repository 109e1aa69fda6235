#include "core/log_rules.h"

namespace parley {

Result<void> check_sender(const SenderStanding& standing) {
  // Not a member: as if the conversation did not exist, so its id cannot be probed.
  if (!standing.conversation_exists || !standing.joined_seq) {
    return fail(Errc::not_found, "no such conversation");
  }
  if (standing.kind == ConversationKind::direct && standing.blocked_by_peer) {
    return fail(Errc::user_not_found, "no such user");
  }
  return {};
}

Result<void> check_append_kind(MessageKind kind) {
  if (kind == MessageKind::text || kind == MessageKind::system || changes_target(kind)) return {};
  return fail(Errc::invalid_argument, "unknown message kind");
}

bool changes_target(MessageKind kind) {
  return kind == MessageKind::edit || kind == MessageKind::deletion ||
         kind == MessageKind::reaction || kind == MessageKind::reaction_removed;
}

bool moves_activity(MessageKind kind) {
  return kind != MessageKind::reaction && kind != MessageKind::reaction_removed;
}

bool moves_sender_read_seq(MessageKind kind) { return kind == MessageKind::text; }

bool target_in_view(Seq target_seq, Seq joined_seq, Seq last_seq) {
  // Entries at or below joined_seq are invisible to the sender: as if they did not exist.
  return target_seq > joined_seq && target_seq <= last_seq;
}

Result<TargetEffect> plan_target_change(const AppendRequest& request, Seq joined_seq, Seq last_seq,
                                        const std::optional<TargetRow>& target) {
  if (!target_in_view(request.target_seq, joined_seq, last_seq) || !target ||
      target->kind != MessageKind::text) {
    return fail(Errc::not_found, "no such message");
  }
  const bool authored_only =
      request.kind == MessageKind::edit || request.kind == MessageKind::deletion;
  if (authored_only && target->sender_id != request.sender_id) {
    return fail(Errc::forbidden, "not your message");
  }
  if (target->deleted) return fail(Errc::not_found, "message deleted");
  switch (request.kind) {
    case MessageKind::edit:
      return TargetEffect::edit;
    case MessageKind::deletion:
      return TargetEffect::erase;
    case MessageKind::reaction:
      if (request.text.empty()) return fail(Errc::invalid_argument, "empty reaction");
      return TargetEffect::add_reaction;
    case MessageKind::reaction_removed:
      return TargetEffect::remove_reaction;
    case MessageKind::text:
    case MessageKind::system:
      break;
  }
  return fail(Errc::invalid_argument, "not a change of another entry");
}

Result<void> check_reaction_applied(TargetEffect effect, bool reaction_existed) {
  if (effect == TargetEffect::add_reaction && reaction_existed) {
    return fail(Errc::invalid_argument, "reaction already there");
  }
  if (effect == TargetEffect::remove_reaction && !reaction_existed) {
    return fail(Errc::invalid_argument, "no such reaction");
  }
  return {};
}

Result<bool> read_marker_moves(Seq seq, Seq read_seq, Seq last_seq) {
  if (seq < 0) return fail(Errc::invalid_argument, "seq must not be negative");
  if (seq > last_seq) return fail(Errc::not_found, "no such message");
  return seq > read_seq;
}

Result<void> check_hide(Seq seq, Seq joined_seq, const std::optional<MessageKind>& target) {
  if (!target || *target != MessageKind::text || seq <= joined_seq) {
    return fail(Errc::not_found, "no such message");
  }
  return {};
}

}  // namespace parley
