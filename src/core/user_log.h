// The user log family of the store port (core/store.h has the thread contract): each user's
// own per-conversation state (read position, mute, nickname, delete-for-me) as gap-free log
// entries, and the conversation list.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/errors.h"
#include "core/model.h"

namespace parley {

class UserLog {
 public:
  virtual ~UserLog() = default;

  // [writer] Each writes one user-log entry and returns it; nullopt when
  // nothing changed (then nothing is written: a repeated request costs no log entry or event).
  // not_found when the user is not a current member.
  // mark_read: read_seq never moves back; not_found for a seq above the conversation's last.
  virtual Result<std::optional<UserUpdate>> mark_read(UserId user, ConversationId id, Seq seq,
                                                      TimeMs now) = 0;
  virtual Result<std::optional<UserUpdate>> set_muted(UserId user, ConversationId id, bool muted,
                                                      TimeMs now) = 0;
  virtual Result<std::optional<UserUpdate>> set_nickname(UserId user, ConversationId id,
                                                         std::string_view nickname, TimeMs now) = 0;
  // not_found unless seq is a visible text entry of the conversation.
  virtual Result<std::optional<UserUpdate>> hide_message(UserId user, ConversationId id, Seq seq,
                                                         TimeMs now) = 0;
  // Oldest first, user_seq > after, at most limit.
  virtual Result<std::vector<UserUpdate>> user_updates_after(UserId user, std::int64_t after,
                                                             std::size_t limit) = 0;
  virtual Result<std::int64_t> last_user_seq(UserId user) = 0;
  // The user's conversation list, most recent activity first. Members are filled for
  // conversations of at most member_detail_limit members.
  virtual Result<std::vector<ConversationSummary>> conversation_list(
      UserId user, std::size_t member_detail_limit) = 0;
};

}  // namespace parley
