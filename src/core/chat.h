// Core's chat family: entries that change messages, per-user state, the conversation list,
// typing and groups. Reached as Core::chat(); implemented in chat*.cc and groups.cc.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/core.h"
#include "core/store.h"

namespace parley {

class Core::Chat {
 public:
  explicit Chat(Core& core);

  // Thread contract for the public methods: those of Core (call on a shard thread; `done` runs
  // on that shard, possibly before the call returns).
  void append_entry(const SessionIdentity& who, EntryCommand command, Callback<SendAck> done);
  void hide_message(const SessionIdentity& who, ConversationId id, Seq seq, Callback<void> done);
  void mark_read(const SessionIdentity& who, ConversationId id, Seq seq, Callback<void> done);
  void chat_settings(const SessionIdentity& who, ConversationId id, ChatSettings settings,
                     Callback<void> done);
  void list_conversations(const SessionIdentity& who, ListCursor cursor,
                          Callback<ConversationPage> done);
  void read_positions(const SessionIdentity& who, ConversationId id, Callback<Conversation> done);
  void typing(const SessionIdentity& who, ConversationId id, Callback<void> done);
  void create_group(const SessionIdentity& who, std::string title, std::vector<std::string> members,
                    bool shared_history, Callback<Conversation> done);
  void change_group(const SessionIdentity& who, GroupCommand command, Callback<Conversation> done);

 private:
  // Runs a user-state change on the writer, then pushes the user-log entry to the user's devices.
  // Nothing is delivered when the store reports no change.
  void user_change(std::move_only_function<Result<std::optional<UserUpdate>>()> work,
                   Callback<void> done, std::move_only_function<void(const UserUpdate&)> also = {});
  // Delivers an ephemeral event of `actor` (typing, read) to `members`, leaving out those who
  // blocked the actor: a block must look exactly like the blocked user not existing.
  void relay_to_members(std::vector<UserId> members, UserId actor,
                        std::shared_ptr<const Event> event);
  // Writer thread, after a group change: fans it out (owner shard) and answers (origin shard).
  void finish_group(Result<GroupOutcome> outcome, ShardId origin, Callback<Conversation> done);
  // The conversation as answered to a client: without members past member_detail_limit.
  Conversation summary_of(const Conversation& conversation) const;
  // Resolves usernames to ids on the calling (blocking) thread; user_not_found for any unknown.
  Result<std::vector<UserId>> resolve_users(const std::vector<std::string>& usernames);
  Core& core_;
};

}  // namespace parley
