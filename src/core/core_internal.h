// Core's private state, split by the thread that owns it. Included only by core's .cc files.
#pragma once

#include <atomic>
#include <deque>
#include <list>
#include <map>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/utf8.h"
#include "core/accounts.h"
#include "core/chat.h"
#include "core/contacts.h"
#include "core/core.h"
#include "core/member_windows.h"
#include "core/messaging.h"
#include "core/rate_limit.h"

namespace parley {

// A text field's bounds: over `max` bytes is invalid_argument, bad UTF-8 invalid_utf8.
inline Result<void> check_text(std::string_view text, std::size_t max, std::string_view what) {
  if (text.size() > max) {
    return fail(Errc::invalid_argument,
                std::string(what) + " over " + std::to_string(max) + " bytes");
  }
  if (!is_valid_utf8(text)) return fail(Errc::invalid_utf8, std::string(what) + " is not UTF-8");
  return {};
}

// What the owner shard of a conversation keeps to fan out its events in seq order.
struct ConversationState {
  bool loaded = false;
  bool loading = false;
  // Current members (open windows) and former members whose window may still cover an entry on
  // its way here (member_windows.h).
  std::vector<MemberWindow> windows;
  // Work that needs the windows, queued in arrival order while they load (committed entries and
  // group changes among it keep their seq order; seq 0: work about no entry, e.g. typing).
  // Called with nullptr when the conversation is gone.
  struct Waiting {
    Seq seq = 0;
    std::move_only_function<void(ConversationState*)> work;
  };
  std::vector<Waiting> pending;
  // Typing: when each member last had a typing event relayed (rate limit).
  std::unordered_map<UserId, TimeMs> last_typing;
  std::list<ConversationId>::iterator lru_position;  // in ShardState::conversation_lru
};

// Presence of a user homed on this shard, as announced to their contacts.
struct PresenceState {
  std::string username;
  bool devices_online = false;  // the bus's count of the user's devices is above zero
  bool announced_online = false;
  bool flush_scheduled = false;  // a coalescing window is open
  // One announcement at a time per user, so contacts see them in the order they were decided
  // (an "offline" that stores last-seen first must not overtake the "online" after it).
  bool announcing = false;
  bool flush_again = false;  // the state changed while an announcement was on its way
};

// Everything one shard owns. Touched only on that shard's thread.
struct Core::ShardState {
  ShardId id = 0;

  // Authenticated sessions living on this shard (the bus holds their sinks).
  struct Attached {
    SessionIdentity who;
    TimeMs token_expires_at = 0;  // the session ends then (the expiry sweep)
    // Its own logout is revoking its token: checks that then find the token revoked or expired
    // leave it to the logout's answer instead of kicking it.
    bool logging_out = false;
  };
  std::unordered_map<std::uint64_t, Attached> attached;
  bool expiry_sweep_armed = false;

  // Delivery cursors acknowledged by this shard's sessions, not yet written, in the order they
  // came (a flush sorts them and keeps each (device, conversation)'s highest). A flat vector
  // that keeps its capacity: acks come at the fan-out rate, and nodes per device and flush
  // cost more than the acks themselves.
  std::vector<DeviceCursor> acked_cursors;
  bool cursor_flush_armed = false;

  // Home role: presence of the users homed on this shard, as the bus reports it.
  std::unordered_map<UserId, PresenceState> presence;

  // Owner role: conversations owned by this shard, cached and evicted least recently used first
  // (front = most recent).
  std::unordered_map<ConversationId, ConversationState> conversations;
  std::list<ConversationId> conversation_lru;

  // Sender-side cache: direct conversation of (this user, username key). Entries never go stale
  // (users are not renamed or deleted, direct conversations are permanent); bounded by clearing.
  std::map<std::pair<UserId, std::string>, ConversationId> direct_conversations;
};

// Failed-login counters by account and by address, kept on shard 0 only.
// Rate limits on what an attacker repeats: failed logins (by account and address),
// registrations (by address), contact requests (by pair and by sender). On shard 0 only.
struct Core::AbuseGuard {
  AbuseGuard(const LoginLimits& limits, const ChatLimits& chat)
      : failures_by_account(static_cast<std::size_t>(limits.max_failures_per_account),
                            limits.window_ms),
        failures_by_address(static_cast<std::size_t>(limits.max_failures_per_address),
                            limits.window_ms),
        registrations_by_address(limits.registrations_per_address, limits.registration_window_ms),
        contact_requests_by_pair(chat.contact_requests_per_peer, chat.contact_request_window_ms),
        contact_requests_by_user(chat.contact_requests_per_user, chat.contact_request_window_ms) {}
  SlidingWindowLimit failures_by_account;
  SlidingWindowLimit failures_by_address;
  SlidingWindowLimit registrations_by_address;
  SlidingWindowLimit contact_requests_by_pair;
  SlidingWindowLimit contact_requests_by_user;
};

}  // namespace parley

namespace parley {

template <class T, class Work>
void Core::blocking(Work work, Callback<T> done) {
  const ShardId origin = local().id;  // callers are on a shard (local() checks)
  // Bounded: past max_blocking_queue the work is refused at once instead of queueing without end.
  if (blocking_queued_.fetch_add(1) >= config_.max_blocking_queue) {
    blocking_queued_.fetch_sub(1);
    return done(fail(Errc::unavailable, "the server is busy; retry", kBusyRetryMs));
  }
  executor_.post_blocking([this, origin, work = std::move(work), done = std::move(done)]() mutable {
    blocking_queued_.fetch_sub(1);
    Result<T> result = work();
    executor_.post(origin, [result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  });
}

template <class T, class Work>
void Core::on_writer(Work work, Callback<T> done) {
  const ShardId origin = local().id;  // callers are on a shard (local() checks)
  store_.post_write([this, origin, work = std::move(work), done = std::move(done)]() mutable {
    Result<T> result = work();
    executor_.post(origin, [result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  });
}

}  // namespace parley
