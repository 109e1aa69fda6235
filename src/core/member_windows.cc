#include "core/member_windows.h"

#include <algorithm>

namespace parley {
namespace {

bool contains(const std::vector<UserId>& users, UserId user) {
  return std::find(users.begin(), users.end(), user) != users.end();
}

MemberWindow* open_window(std::vector<MemberWindow>& windows, UserId user) {
  for (MemberWindow& w : windows) {
    if (w.user_id == user && w.to_seq == kOpenWindow) return &w;
  }
  return nullptr;
}

}  // namespace

std::vector<UserId> recipients_of(const std::vector<MemberWindow>& windows, Seq seq) {
  std::vector<UserId> out;
  out.reserve(windows.size());
  // A user's windows never overlap (they leave before they come back), so each appears once.
  for (const MemberWindow& w : windows) {
    if (w.covers(seq)) out.push_back(w.user_id);
  }
  return out;
}

std::vector<UserId> current_members(const std::vector<MemberWindow>& windows) {
  std::vector<UserId> out;
  out.reserve(windows.size());
  for (const MemberWindow& w : windows) {
    if (w.to_seq == kOpenWindow) out.push_back(w.user_id);
  }
  return out;
}

bool is_current_member(const std::vector<MemberWindow>& windows, UserId user) {
  return std::any_of(windows.begin(), windows.end(), [&](const MemberWindow& w) {
    return w.user_id == user && w.to_seq == kOpenWindow;
  });
}

void apply_group_change(std::vector<MemberWindow>& windows, Seq seq,
                        const std::vector<UserId>& members_after,
                        const std::vector<UserId>& former) {
  for (UserId user : former) {
    MemberWindow* w = open_window(windows, user);
    // Opened before this change: it ends here. (Opened after it, the snapshot is newer: keep.)
    if (w != nullptr && w->from_seq <= seq) w->to_seq = seq;
  }
  for (UserId user : members_after) {
    if (open_window(windows, user) != nullptr) continue;
    // Missing although a member after the change: added by it. Nothing older may reach them.
    windows.push_back(MemberWindow{user, seq, kOpenWindow});
  }
}

std::vector<MemberWindow> windows_after_change(Seq seq, const std::vector<UserId>& members_after,
                                               const std::vector<UserId>& added,
                                               const std::vector<UserId>& former) {
  std::vector<MemberWindow> windows;
  windows.reserve(members_after.size() + former.size());
  for (UserId user : members_after) {
    windows.push_back(MemberWindow{user, contains(added, user) ? seq : 0, kOpenWindow});
  }
  for (UserId user : former) windows.push_back(MemberWindow{user, 0, seq});
  return windows;
}

void prune_windows_before(std::vector<MemberWindow>& windows, Seq seq) {
  std::erase_if(windows, [&](const MemberWindow& w) { return w.to_seq < seq; });
}

}  // namespace parley
