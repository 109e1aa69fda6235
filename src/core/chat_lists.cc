// Chat family, what a member reads about conversations: the paged list and one conversation's
// members with their read positions.
#include "core/core_internal.h"
#include "core/pages.h"

namespace parley {

Conversation Core::Chat::summary_of(const Conversation& conversation) const {
  if (conversation.members.size() <= core_.config_.chat.member_detail_limit) return conversation;
  // Big groups answer without their member list (read_positions has it); the owner shard still
  // gets the full list from the outcome.
  Conversation trimmed = conversation;
  trimmed.members.clear();
  return trimmed;
}

void Core::Chat::list_conversations(const SessionIdentity& who, ListCursor cursor,
                                    Callback<ConversationPage> done) {
  core_.blocking<ConversationPage>(
      [this, user = who.user_id, cursor]() -> Result<ConversationPage> {
        auto all = core_.store_.conversation_list(user, core_.config_.chat.member_detail_limit);
        if (!all) return std::unexpected(all.error());
        return page_by_activity(std::move(*all), cursor, core_.config_.pages);
      },
      std::move(done));
}

void Core::Chat::read_positions(const SessionIdentity& who, ConversationId id,
                                Callback<Conversation> done) {
  core_.blocking<Conversation>(
      [this, user = who.user_id, id]() -> Result<Conversation> {
        auto conversation = core_.store_.conversation(id);
        if (!conversation && conversation.error().code != Errc::not_found) return conversation;
        const bool member =
            conversation && std::any_of(conversation->members.begin(), conversation->members.end(),
                                        [&](const Member& m) { return m.user_id == user; });
        if (!member) return fail(Errc::not_found, "no such conversation");
        return conversation;
      },
      std::move(done));
}

}  // namespace parley
