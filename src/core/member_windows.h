// Pure rules over membership windows (model.h MemberWindow): who receives an entry live, and how
// a group change moves the windows. The owner shard of a conversation keeps the windows.
#pragma once

#include <vector>

#include "core/model.h"

namespace parley {

// The users whose window covers `seq`, each once.
std::vector<UserId> recipients_of(const std::vector<MemberWindow>& windows, Seq seq);

// The users with an open window: the current members.
std::vector<UserId> current_members(const std::vector<MemberWindow>& windows);

bool is_current_member(const std::vector<MemberWindow>& windows, UserId user);

// A group change recorded by the entry `seq`: `members_after` are the members once it applied,
// `former` left with it (they receive up to `seq`, the entry that records it). A member after it
// without an open window joined with it and receives from `seq` on. Idempotent: a change the
// windows already reflect (they came from a snapshot taken after it) changes nothing.
void apply_group_change(std::vector<MemberWindow>& windows, Seq seq,
                        const std::vector<UserId>& members_after,
                        const std::vector<UserId>& former);

// The windows known right after the change `seq`, for a conversation nothing was cached about:
// enough for every entry from `seq` on (`added` joined with it).
std::vector<MemberWindow> windows_after_change(Seq seq, const std::vector<UserId>& members_after,
                                               const std::vector<UserId>& added,
                                               const std::vector<UserId>& former);

// Drops closed windows that end before `seq`: entries reach the owner shard in seq order, so
// once `seq` is being delivered nothing older will be.
void prune_windows_before(std::vector<MemberWindow>& windows, Seq seq);

}  // namespace parley
