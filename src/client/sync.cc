// Catching up: sync (user log and conversation list), gap fill from history, and the worker
// thread that reconnects with backoff and runs both.
#include <algorithm>

#include "client/client_impl.h"

namespace parley::client {

std::int64_t Client::Impl::user_seq() const {
  std::lock_guard lock(mu_);
  return user_seq_;
}

ClientResult<void> Client::Impl::run_sync() {
  v1::ClientFrame frame;
  {
    std::lock_guard lock(mu_);
    for (const auto& [conversation, seq] : sequencer_.cursors()) {
      auto* cursor = frame.mutable_sync()->add_known();
      cursor->set_conversation_id(conversation);
      cursor->set_seq(seq);
    }
  }
  ClientResult<v1::ServerFrame> reply;
  for (int round = 0; round < kMaxSyncRounds; ++round) {
    {
      std::lock_guard lock(mu_);
      frame.mutable_sync()->set_user_seq(user_seq_);
    }
    reply = call(frame, deadline(), true);
    if (!reply) return std::unexpected(reply.error());
    if (!reply->has_sync()) return fail(v1::INTERNAL, "unexpected answer to sync");
    const auto& page = reply->sync();
    // The user log's entries are state the application reads from the server (conversation
    // list, contacts); remembering the position keeps the next sync short.
    std::lock_guard lock(mu_);
    std::int64_t applied = user_seq_;
    for (const auto& u : page.updates()) applied = std::max(applied, u.user_seq());
    const bool more = page.updates_truncated() && applied > user_seq_;
    user_seq_ = more ? applied : std::max(applied, page.user_seq());
    state_changed_locked();
    if (!more) break;
  }
  // Conversations come in pages by id; the ones after the first come without updates.
  std::vector<v1::ConversationInfo> conversations(reply->sync().conversations().begin(),
                                                  reply->sync().conversations().end());
  bool more_conversations = reply->sync().has_more_conversations();
  for (int page = 0; more_conversations && !conversations.empty() && page < 100'000; ++page) {
    frame.mutable_sync()->set_after_conversation_id(conversations.back().conversation_id());
    auto next = call(frame, deadline(), true);
    if (!next) return std::unexpected(next.error());
    if (!next->has_sync()) return fail(v1::INTERNAL, "unexpected answer to sync");
    conversations.insert(conversations.end(), next->sync().conversations().begin(),
                         next->sync().conversations().end());
    more_conversations = next->sync().has_more_conversations();
  }
  for (const auto& info : conversations) {
    {
      // A conversation never seen starts at the point the user joined it.
      std::lock_guard lock(mu_);
      sequencer_.start_at(info.conversation_id(), info.joined_seq());
    }
    if (auto r = fill(info.conversation_id(), info.last_seq()); !r) return r;
  }
  return {};
}

// Fetches everything above the conversation's contiguous seq (up to `target` when known).
ClientResult<void> Client::Impl::fill(std::int64_t conversation, std::int64_t target) {
  for (int page = 0; page < 100'000; ++page) {
    std::int64_t after = 0;
    std::uint32_t limit = 0;
    {
      std::lock_guard lock(mu_);
      after = sequencer_.contiguous(conversation);
      if (target != 0 && after >= target) return {};
      // Never fetch more than the inbox can take (delivery.cc): the rest waits in the log.
      const std::size_t room = inbox_room_locked(conversation);
      if (room == 0) {
        stalled_.insert(conversation);
        return {};
      }
      limit = static_cast<std::uint32_t>(std::min<std::size_t>(kFillPage, room));
    }
    auto h = history(conversation, 0, after, limit, deadline());
    if (!h) {
      if (h.error().code == v1::NOT_FOUND) return {};
      return std::unexpected(h.error());
    }
    bool delivered = false;
    std::int64_t now_at = 0;
    {
      std::lock_guard lock(mu_);
      for (const auto& m : h->messages) delivered = ingest_locked(m, false) || delivered;
      now_at = sequencer_.contiguous(conversation);
      state_changed_locked();
      cv_.notify_all();
    }
    if (delivered) drain_to_callback();
    if (!h->has_more || now_at == after) return {};
  }
  return {};
}

std::chrono::milliseconds Client::Impl::jitter(std::chrono::milliseconds base) {
  std::uniform_int_distribution<std::int64_t> d(base.count() / 2, base.count());
  return std::chrono::milliseconds(d(rng_));
}

void Client::Impl::request_reconnect_locked(std::chrono::milliseconds delay) {
  reconnect_requested_ = true;
  reconnect_at_ = Clock::now() + delay;
  cv_.notify_all();
}

void Client::Impl::work() {
  std::unique_lock lock(mu_);
  while (!stop_) {
    auto wake = Clock::time_point::max();
    if (reconnect_requested_) wake = std::min(wake, reconnect_at_);
    for (const auto& [conversation, when] : gap_fills_) wake = std::min(wake, when);
    const auto now = Clock::now();
    if (need_sync_ && authenticated_) {
      need_sync_ = false;
      const auto gen = generation_;
      lock.unlock();
      auto r = run_sync();
      lock.lock();
      if (gen == generation_ && authenticated_) {
        if (r) {
          synced_ = true;
          cv_.notify_all();
        } else if (!stop_) {
          need_sync_ = true;  // the connection is up but sync failed: try again shortly
          cv_.wait_for(lock, 1s, [&] { return stop_; });
        }
      }
      continue;
    }
    if (reconnect_requested_ && reconnect_at_ <= now) {
      reconnect_requested_ = false;
      if (want_session_ && !authenticated_) {
        lock.unlock();
        auto r = establish(AuthKind::resume, {}, {});
        lock.lock();
        if (!r && want_session_ && options_.auto_reconnect && !authenticated_ && !stop_) {
          backoff_ = std::min<std::chrono::milliseconds>(backoff_ * 2, kMaxBackoff);
          request_reconnect_locked(jitter(backoff_));
        }
      }
      continue;
    }
    if (!gap_fills_.empty() && authenticated_) {
      auto due = std::find_if(gap_fills_.begin(), gap_fills_.end(),
                              [&](const auto& g) { return g.second <= now; });
      if (due != gap_fills_.end()) {
        const auto conversation = due->first;
        gap_fills_.erase(due);
        lock.unlock();
        (void)fill(conversation, 0);
        lock.lock();
        continue;
      }
    } else if (!gap_fills_.empty()) {
      gap_fills_.clear();  // the next sync fills them
    }
    if (wake == Clock::time_point::max()) {
      cv_.wait(lock);
    } else {
      cv_.wait_until(lock, wake);
    }
  }
}

}  // namespace parley::client
