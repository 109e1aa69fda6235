// The conversations and members family of the store port (core/store.h has the thread
// contract): direct conversations, groups and their changes, and who receives which entries.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/errors.h"
#include "core/model.h"

namespace parley {

// A group created with its first members; the creator becomes owner. The store appends the
// "created" system entry (seq 1) in the same transaction.
struct NewGroup {
  UserId creator = 0;
  std::string title;
  std::vector<UserId> members;  // besides the creator
  bool shared_history = false;
  std::size_t max_members = 10'000;
  TimeMs now = 0;
};

enum class GroupAction : std::uint8_t { add, remove, leave, rename, set_role };

struct GroupChange {
  ConversationId conversation_id = 0;
  UserId actor = 0;
  GroupAction action = GroupAction::add;
  std::vector<UserId> users;             // add, remove, set_role
  std::string title;                     // rename
  MemberRole role = MemberRole::member;  // set_role (member or admin)
  std::size_t max_members = 10'000;
  TimeMs now = 0;
};

struct GroupOutcome {
  Conversation conversation;           // after the change, with current members
  Message system_message;              // the system entry that records the change
  std::vector<UserId> added_members;   // added by this change (creation: none)
  std::vector<UserId> former_members;  // removed or left by this change
  std::vector<UserUpdate> updates;     // user-log entries written (e.g. left)
};

class ConversationStore {
 public:
  virtual ~ConversationStore() = default;

  // [writer] The unique direct conversation of two users, created on first use.
  virtual Result<Conversation> find_or_create_direct(UserId a, UserId b, TimeMs now) = 0;
  // Errc::not_found when it does not exist.
  virtual Result<Conversation> conversation(ConversationId id) = 0;
  // Who receives which entries live, from one snapshot: every current member, and every former
  // member whose window ends at or after `since` (their leaving entry has seq >= since).
  // Errc::not_found when the conversation does not exist.
  virtual Result<std::vector<MemberWindow>> member_windows(ConversationId id, Seq since) = 0;

  // Groups. [writer] Authorization is checked inside the transaction:
  // forbidden when the actor is not a member or lacks the role, user_not_found for a user who
  // blocked the actor, invalid_argument for a member added twice or a size over max_members.
  virtual Result<GroupOutcome> create_group(const NewGroup& group) = 0;
  virtual Result<GroupOutcome> change_group(const GroupChange& change) = 0;
};

}  // namespace parley
