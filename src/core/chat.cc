// Chat family: entries that change earlier messages (edit, delete for everyone, reactions),
// per-user state (read position, mute, nickname, delete for me), groups, the conversation list
// and typing. Entries ride the same group commit and seq order as messages (messaging.cc);
// per-user state goes to the user's own log, which every device of the user follows.
#include <algorithm>

#include "common/utf8.h"
#include "core/core_internal.h"
#include "core/password.h"
#include "core/username.h"

namespace parley {
namespace {

constexpr std::string_view kDefaultReaction = "\xF0\x9F\x91\x8D";  // 👍

Result<void> check_text(std::string_view text, std::size_t max, std::string_view what) {
  if (text.size() > max) {
    return fail(Errc::invalid_argument,
                std::string(what) + " over " + std::to_string(max) + " bytes");
  }
  if (!is_valid_utf8(text)) return fail(Errc::invalid_utf8, std::string(what) + " is not UTF-8");
  return {};
}

}  // namespace

Core::Chat::Chat(Core& core) : core_(core) {}

Conversation Core::Chat::summary_of(const Conversation& conversation) const {
  if (conversation.members.size() <= core_.config_.chat.member_detail_limit) return conversation;
  // Big groups answer without their member list (read_positions has it); the owner shard still
  // gets the full list from the outcome.
  Conversation trimmed = conversation;
  trimmed.members.clear();
  return trimmed;
}

void Core::Chat::append_entry(const SessionIdentity& who, EntryCommand command,
                              Callback<SendAck> done) {
  const CoreConfig& config = core_.config_;
  if (command.conversation_id <= 0 || command.target_seq <= 0) {
    return done(fail(Errc::invalid_argument, "conversation_id and seq are required"));
  }
  switch (command.kind) {
    case MessageKind::edit:
      if (command.text.empty()) return done(fail(Errc::invalid_argument, "empty text"));
      if (command.text.size() > config.max_message_bytes) {
        return done(fail(Errc::message_too_large,
                         "text over " + std::to_string(config.max_message_bytes) + " bytes"));
      }
      if (!is_valid_utf8(command.text)) return done(fail(Errc::invalid_utf8, "text is not UTF-8"));
      break;
    case MessageKind::deletion:
      command.text.clear();
      break;
    case MessageKind::reaction:
    case MessageKind::reaction_removed:
      if (command.text.empty()) command.text = kDefaultReaction;
      if (auto ok = check_text(command.text, config.chat.max_emoji_bytes, "emoji"); !ok) {
        return done(std::unexpected(ok.error()));
      }
      break;
    default:
      return done(fail(Errc::invalid_argument, "not a changing entry"));
  }
  if (command.client_msg_id.size() > config.max_client_msg_id_bytes ||
      !is_valid_utf8(command.client_msg_id) || is_reserved_client_msg_id(command.client_msg_id)) {
    return done(fail(Errc::invalid_argument, "bad client_msg_id"));
  }
  // Without a client id the entry still needs a unique dedupe key; it just cannot be resent.
  if (command.client_msg_id.empty()) command.client_msg_id = "~" + new_device_token();
  AppendRequest request;
  request.conversation_id = command.conversation_id;
  request.sender_id = who.user_id;
  request.sender_device_id = who.device_id;
  request.client_msg_id = std::move(command.client_msg_id);
  request.kind = command.kind;
  request.text = std::move(command.text);
  request.target_seq = command.target_seq;
  core_.messaging_->append(who, std::move(request), std::move(done));
}

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

void Core::Chat::finish_group(Result<GroupOutcome> outcome, ShardId origin,
                              Callback<Conversation> done) {
  Result<Conversation> answer = outcome ? Result<Conversation>(summary_of(outcome->conversation))
                                        : std::unexpected(outcome.error());
  // Posted from the writer, like committed messages: the owner shard sees it in seq order.
  if (outcome) {
    core_.executor_.post(core_.owner_shard(outcome->conversation.id),
                         [this, outcome = std::move(*outcome)]() mutable {
                           core_.messaging_->on_group_changed(std::move(outcome));
                         });
  }
  core_.executor_.post(origin, [answer = std::move(answer), done = std::move(done)]() mutable {
    done(std::move(answer));
  });
}

Result<std::vector<UserId>> Core::Chat::resolve_users(const std::vector<std::string>& usernames) {
  std::vector<UserId> ids;
  ids.reserve(usernames.size());
  for (const std::string& name : usernames) {
    auto key = username_key(name);
    if (!key) return fail(Errc::user_not_found, "no such user: " + name);
    auto user = core_.store_.user_by_username(*key);
    if (!user) {
      if (user.error().code == Errc::not_found)
        return fail(Errc::user_not_found, "no such user: " + name);
      return std::unexpected(user.error());
    }
    ids.push_back(user->id);
  }
  return ids;
}

void Core::Chat::create_group(const SessionIdentity& who, std::string title,
                              std::vector<std::string> members, bool shared_history,
                              Callback<Conversation> done) {
  const ChatLimits& limits = core_.config_.chat;
  if (title.empty()) return done(fail(Errc::invalid_argument, "a group needs a title"));
  if (auto ok = check_text(title, limits.max_title_bytes, "title"); !ok) {
    return done(std::unexpected(ok.error()));
  }
  if (members.size() + 1 > limits.max_group_members) {
    return done(
        fail(Errc::invalid_argument,
             "a group has at most " + std::to_string(limits.max_group_members) + " members"));
  }
  NewGroup group{who.user_id,    std::move(title),         {},
                 shared_history, limits.max_group_members, core_.executor_.now()};
  const ShardId origin = core_.local().id;
  core_.executor_.post_writer([this, group = std::move(group), members = std::move(members), origin,
                               done = std::move(done)]() mutable {
    Result<GroupOutcome> outcome = [&]() -> Result<GroupOutcome> {
      auto ids = resolve_users(members);
      if (!ids) return std::unexpected(ids.error());
      group.members = std::move(*ids);
      return core_.store_.create_group(group);
    }();
    finish_group(std::move(outcome), origin, std::move(done));
  });
}

void Core::Chat::change_group(const SessionIdentity& who, GroupCommand command,
                              Callback<Conversation> done) {
  const ChatLimits& limits = core_.config_.chat;
  if (command.conversation_id <= 0)
    return done(fail(Errc::invalid_argument, "conversation required"));
  const bool needs_users = command.action == GroupAction::add ||
                           command.action == GroupAction::remove ||
                           command.action == GroupAction::set_role;
  if (needs_users && command.usernames.empty()) {
    return done(fail(Errc::invalid_argument, "name at least one user"));
  }
  if (command.usernames.size() > limits.max_group_members) {
    return done(fail(Errc::invalid_argument, "too many users"));
  }
  if (command.action == GroupAction::rename) {
    if (command.title.empty()) return done(fail(Errc::invalid_argument, "a group needs a title"));
    if (auto ok = check_text(command.title, limits.max_title_bytes, "title"); !ok) {
      return done(std::unexpected(ok.error()));
    }
  }
  if (command.action == GroupAction::set_role && command.role == MemberRole::owner) {
    return done(fail(Errc::invalid_argument, "the role is member or admin"));
  }
  GroupChange change{
      command.conversation_id,  who.user_id,  command.action,           {},
      std::move(command.title), command.role, limits.max_group_members, core_.executor_.now()};
  // Names matter to add, remove and set-role only: stray ones on a leave or rename are ignored.
  if (!needs_users) command.usernames.clear();
  const ShardId origin = core_.local().id;
  core_.executor_.post_writer([this, change = std::move(change),
                               usernames = std::move(command.usernames), origin,
                               done = std::move(done)]() mutable {
    Result<GroupOutcome> outcome = [&]() -> Result<GroupOutcome> {
      auto ids = resolve_users(usernames);
      if (!ids) return std::unexpected(ids.error());
      change.users = std::move(*ids);
      return core_.store_.change_group(change);
    }();
    finish_group(std::move(outcome), origin, std::move(done));
  });
}

}  // namespace parley
