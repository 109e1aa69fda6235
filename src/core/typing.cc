// Chat family, typing: the owner shard checks membership from its member cache, rate-limits per
// member and relays to the others, never to someone who blocked the typist.
#include <algorithm>

#include "core/core_internal.h"

namespace parley {

void Core::Chat::typing(const SessionIdentity& who, ConversationId id, Callback<void> done) {
  if (id <= 0) return done(fail(Errc::invalid_argument, "conversation required"));
  const ShardId origin = core_.local().id;
  // Answered on the origin shard once membership is known; the relay itself is fire-and-forget.
  auto answer = std::make_shared<Callback<void>>(std::move(done));
  core_.executor_.post(core_.owner_shard(id), [this, who, id, origin, answer] {
    core_.messaging_->with_members(
        id, 0, [this, who, id, origin, answer](ConversationState* state) {
          const bool member = state && is_current_member(state->windows, who.user_id);
          if (member) {
            const TimeMs now = core_.executor_.now();
            const TimeMs interval = core_.config_.chat.typing_interval_ms;
            // Bounded: entries older than the interval limit nothing any more.
            if (state->last_typing.size() > 64) {
              std::erase_if(state->last_typing,
                            [&](const auto& entry) { return now - entry.second >= interval; });
            }
            TimeMs& last = state->last_typing[who.user_id];
            if (now - last >= interval) {
              last = now;
              std::vector<UserId> others = current_members(state->windows);
              std::erase(others, who.user_id);
              relay_to_members(
                  std::move(others), who.user_id,
                  std::make_shared<const Event>(TypingEvent{id, who.user_id, who.username}));
            }
          }
          core_.executor_.post(origin, [member, answer] {
            (*answer)(member ? Result<void>{}
                             : Result<void>(fail(Errc::not_found, "no such conversation")));
          });
        });
  });
}

void Core::Chat::relay_to_members(std::vector<UserId> members, UserId actor,
                                  std::shared_ptr<const Event> event) {
  core_.blocking<std::vector<UserId>>(
      [this, actor] { return core_.store_.blocked_by(actor); },
      [this, members = std::move(members), event](Result<std::vector<UserId>> blockers) mutable {
        // Unknown blockers: ephemeral events are dropped rather than risk reaching one.
        if (!blockers) return;
        std::erase_if(members, [&](UserId m) {
          return std::find(blockers->begin(), blockers->end(), m) != blockers->end();
        });
        core_.deliver(std::move(members), std::move(event), SessionHandle{});
      });
}

}  // namespace parley
