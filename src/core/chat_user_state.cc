// Chat family, per-user state: read position, mute, nickname, delete for me. Each goes to the
// user's own log, which every device of the user follows; a change that changes nothing sends
// nothing.
#include "core/core_internal.h"

namespace parley {

void Core::Chat::user_change(std::move_only_function<Result<std::optional<UserUpdate>>()> work,
                             Callback<void> done,
                             std::move_only_function<void(const UserUpdate&)> also) {
  core_.on_writer<std::optional<UserUpdate>>(
      std::move(work), [this, done = std::move(done),
                        also = std::move(also)](Result<std::optional<UserUpdate>> update) mutable {
        if (!update) return done(std::unexpected(update.error()));
        // Nothing changed (a repeated request): nothing to tell anyone.
        if (*update) {
          core_.deliver_updates({**update});
          if (also) also(**update);
        }
        done({});
      });
}

void Core::Chat::hide_message(const SessionIdentity& who, ConversationId id, Seq seq,
                              Callback<void> done) {
  if (id <= 0 || seq <= 0)
    return done(fail(Errc::invalid_argument, "conversation and seq required"));
  const TimeMs now = core_.executor_.now();
  user_change([this, user = who.user_id, id, seq,
               now] { return core_.store_.hide_message(user, id, seq, now); },
              std::move(done));
}

void Core::Chat::mark_read(const SessionIdentity& who, ConversationId id, Seq seq,
                           Callback<void> done) {
  if (id <= 0 || seq < 0)
    return done(fail(Errc::invalid_argument, "conversation and seq required"));
  const TimeMs now = core_.executor_.now();
  user_change(
      [this, user = who.user_id, id, seq, now] {
        return core_.store_.mark_read(user, id, seq, now);
      },
      std::move(done),
      [this, who, id](const UserUpdate& update) {
        // Every member sees where this member has read to (avatars after the last read
        // message), except those who blocked them.
        auto event =
            std::make_shared<const Event>(ReadEvent{id, who.user_id, who.username, update.seq});
        core_.executor_.post(core_.owner_shard(id), [this, id, who, event] {
          core_.messaging_->with_members(id, 0, [this, who, event](ConversationState* state) {
            if (state) {
              relay_to_members(current_members(state->windows), who.user_id, event);
            }
          });
        });
      });
}

void Core::Chat::chat_settings(const SessionIdentity& who, ConversationId id, ChatSettings settings,
                               Callback<void> done) {
  if (id <= 0) return done(fail(Errc::invalid_argument, "conversation required"));
  if (!settings.muted && !settings.nickname) {
    return done(fail(Errc::invalid_argument, "nothing to change"));
  }
  if (settings.nickname) {
    if (auto ok = check_text(*settings.nickname, core_.config_.chat.max_nickname_bytes, "nickname");
        !ok) {
      return done(std::unexpected(ok.error()));
    }
  }
  const TimeMs now = core_.executor_.now();
  core_.on_writer<std::vector<UserUpdate>>(
      [this, user = who.user_id, id, settings = std::move(settings),
       now]() -> Result<std::vector<UserUpdate>> {
        std::vector<UserUpdate> updates;
        if (settings.muted) {
          auto u = core_.store_.set_muted(user, id, *settings.muted, now);
          if (!u) return std::unexpected(u.error());
          if (*u) updates.push_back(std::move(**u));
        }
        if (settings.nickname) {
          auto u = core_.store_.set_nickname(user, id, *settings.nickname, now);
          if (!u) return std::unexpected(u.error());
          if (*u) updates.push_back(std::move(**u));
        }
        return updates;
      },
      [this, done = std::move(done)](Result<std::vector<UserUpdate>> updates) mutable {
        if (!updates) return done(std::unexpected(updates.error()));
        core_.deliver_updates(*updates);
        done({});
      });
}

}  // namespace parley
