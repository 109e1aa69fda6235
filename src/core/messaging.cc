// Messaging family: direct conversations, reliable send (admission, ack, fan-out), sync and
// history. Seq and dedupe are settled inside the store's append transaction (see store.h), so
// they hold across crashes; the owner shard of a conversation fans its messages out in seq order.
#include <algorithm>
#include <unordered_map>

#include "common/utf8.h"
#include "core/core_internal.h"
#include "core/username.h"

namespace parley {
namespace {

// The per-shard direct-conversation cache is dropped when it grows past this.
constexpr std::size_t kMaxDirectCacheEntries = 1 << 16;

bool is_member(const Conversation& conversation, UserId user) {
  return std::any_of(conversation.members.begin(), conversation.members.end(),
                     [&](const Member& m) { return m.user_id == user; });
}

}  // namespace

Core::Messaging::Messaging(Core& core) : core_(core) {}

void Core::Messaging::resolve_direct(const SessionIdentity& who, std::string username,
                                     Callback<Conversation> done) {
  auto key = username_key(username);
  if (!key) return done(fail(Errc::user_not_found, "no such user"));
  const TimeMs now = core_.executor_.now();
  const UserId me = who.user_id;
  core_.on_writer<Conversation>(
      [this, me, key = *key, now]() -> Result<Conversation> {
        auto peer = core_.store_.user_by_username(key);
        if (!peer) {
          if (peer.error().code == Errc::not_found)
            return fail(Errc::user_not_found, "no such user");
          return std::unexpected(peer.error());
        }
        if (peer->id == me) {
          return fail(Errc::invalid_argument, "a direct conversation needs another user");
        }
        // Someone who blocked you looks exactly like someone who does not exist.
        auto blocked = core_.store_.is_blocked(peer->id, me);
        if (!blocked) return std::unexpected(blocked.error());
        if (*blocked) return fail(Errc::user_not_found, "no such user");
        return core_.store_.find_or_create_direct(me, peer->id, now);
      },
      [this, me, key = *key, done = std::move(done)](Result<Conversation> result) mutable {
        if (result) {
          auto& cache = core_.local().direct_conversations;
          if (cache.size() >= kMaxDirectCacheEntries) cache.clear();
          cache[{me, key}] = result->id;
        }
        done(std::move(result));
      });
}

void Core::Messaging::open_direct(const SessionIdentity& who, std::string username,
                                  Callback<Conversation> done) {
  resolve_direct(who, std::move(username), std::move(done));
}

void Core::Messaging::send(const SessionIdentity& who, SendCommand command,
                           Callback<SendAck> done) {
  const CoreConfig& config = core_.config_;
  if (command.client_msg_id.empty() ||
      command.client_msg_id.size() > config.max_client_msg_id_bytes) {
    return done(fail(
        Errc::invalid_argument,
        "client_msg_id must have 1.." + std::to_string(config.max_client_msg_id_bytes) + " bytes"));
  }
  if (!is_valid_utf8(command.client_msg_id)) {
    return done(fail(Errc::invalid_utf8, "client_msg_id is not UTF-8"));
  }
  if (is_reserved_client_msg_id(command.client_msg_id)) {
    return done(fail(Errc::invalid_argument, "client_msg_id must not start with ~ or sys:"));
  }
  if (command.text.size() > config.max_message_bytes) {
    return done(fail(Errc::message_too_large,
                     "text over " + std::to_string(config.max_message_bytes) + " bytes"));
  }
  if (command.text.empty()) return done(fail(Errc::invalid_argument, "empty message"));
  if (!is_valid_utf8(command.text)) return done(fail(Errc::invalid_utf8, "text is not UTF-8"));
  const bool by_user = !command.to_user.empty();
  if (by_user == (command.conversation_id != 0)) {
    return done(fail(Errc::invalid_argument, "give exactly one of to_user and conversation_id"));
  }
  if (!by_user) {
    const ConversationId conversation = command.conversation_id;
    return append(who, conversation, std::move(command), std::move(done));
  }

  if (auto key = username_key(command.to_user)) {
    auto& cache = core_.local().direct_conversations;
    if (auto it = cache.find({who.user_id, *key}); it != cache.end()) {
      return append(who, it->second, std::move(command), std::move(done));
    }
  }
  std::string to_user = command.to_user;
  resolve_direct(who, std::move(to_user),
                 [this, who, command = std::move(command),
                  done = std::move(done)](Result<Conversation> conversation) mutable {
                   if (!conversation) return done(std::unexpected(conversation.error()));
                   append(who, conversation->id, std::move(command), std::move(done));
                 });
}

void Core::Messaging::append(const SessionIdentity& who, ConversationId conversation,
                             SendCommand command, Callback<SendAck> done) {
  AppendRequest request;
  request.conversation_id = conversation;
  request.sender_id = who.user_id;
  request.sender_device_id = who.device_id;
  request.client_msg_id = std::move(command.client_msg_id);
  request.kind = MessageKind::text;
  request.text = std::move(command.text);
  append(who, std::move(request), std::move(done));
}

void Core::Messaging::append(const SessionIdentity& who, AppendRequest request,
                             Callback<SendAck> done) {
  // The writer's queue is bounded by count and bytes: a sender past it is told to retry; what
  // is queued will be committed and acked.
  const std::size_t bytes = request.text.size() + request.client_msg_id.size() + 128;
  // Both counters move before either is judged: with `||` a refusal by count skipped the add of
  // the bytes it then took back, wrapping the byte count so that every later send was refused.
  const std::size_t appends_before = core_.appends_pending_.fetch_add(1);
  const std::size_t bytes_before = core_.append_bytes_pending_.fetch_add(bytes);
  if (appends_before >= core_.config_.max_pending_appends ||
      bytes_before >= core_.config_.max_pending_append_bytes) {
    core_.appends_pending_.fetch_sub(1);
    core_.append_bytes_pending_.fetch_sub(bytes);
    return done(fail(Errc::unavailable, "the server is busy; retry", kBusyRetryMs));
  }
  request.now = core_.executor_.now();
  // Group commit is the store's (DESIGN §2); what comes back runs on its write context.
  core_.store_.submit_append(
      std::move(request), [this, bytes, origin_shard = core_.local().id, origin = who.handle,
                           done = std::move(done)](Result<AppendOutcome> outcome) mutable {
        core_.appends_pending_.fetch_sub(1);
        core_.append_bytes_pending_.fetch_sub(bytes);
        if (!outcome) {
          core_.executor_.post(origin_shard,
                               [error = outcome.error(), done = std::move(done)]() mutable {
                                 done(std::unexpected(std::move(error)));
                               });
          return;
        }
        const Message& message = outcome->message;
        SendAck ack{message.conversation_id, message.seq, message.id, message.sent_at,
                    outcome->duplicate};
        // The ack goes out only now, after the commit returned: an acked message is durable.
        core_.executor_.post(origin_shard, [ack, done = std::move(done)]() mutable { done(ack); });
        if (outcome->duplicate) return;  // fanned out when it was first stored
        core_.executor_.post(core_.owner_shard(message.conversation_id),
                             [this, message = std::move(outcome->message), origin]() mutable {
                               on_committed(std::move(message), origin);
                             });
      });
}

void Core::Messaging::on_committed(Message message, SessionHandle origin) {
  const Seq seq = message.seq;
  with_members(message.conversation_id, seq,
               [this, message = std::move(message), origin](ConversationState* state) {
                 // Unknown members: the entry is stored and acked; devices get it by sync.
                 if (!state) return;
                 auto event = std::make_shared<const Event>(MessageEvent{message});
                 core_.deliver(recipients_of(state->windows, message.seq), std::move(event),
                               origin);
               });
}

ConversationState& Core::Messaging::touch_conversation(ConversationId id) {
  ShardState& shard = core_.local();
  auto [it, inserted] = shard.conversations.try_emplace(id);
  ConversationState& state = it->second;
  if (inserted) {
    shard.conversation_lru.push_front(id);
    state.lru_position = shard.conversation_lru.begin();
  } else {
    shard.conversation_lru.splice(shard.conversation_lru.begin(), shard.conversation_lru,
                                  state.lru_position);
  }
  // Bounded: the least recently used states that hold no work are dropped (and reloaded from the
  // store when needed again). A state in use is skipped, so the walk is short.
  const std::size_t bound = core_.config_.chat.max_cached_conversations;
  auto victim = shard.conversation_lru.end();
  while (shard.conversations.size() > bound && victim != shard.conversation_lru.begin()) {
    --victim;
    if (*victim == id) continue;
    auto found = shard.conversations.find(*victim);
    const ConversationState& old = found->second;
    if (old.loading || !old.pending.empty()) continue;
    victim = shard.conversation_lru.erase(victim);
    shard.conversations.erase(found);
  }
  return state;
}

void Core::Messaging::run_waiting(ConversationState& state) {
  auto waiting = std::move(state.pending);
  state.pending.clear();
  for (auto& item : waiting) {
    item.work(&state);
    if (item.seq != 0) prune_windows_before(state.windows, item.seq);
  }
}

void Core::Messaging::with_members(ConversationId id, Seq seq,
                                   std::move_only_function<void(ConversationState*)> fn) {
  ConversationState& state = touch_conversation(id);
  if (state.loaded && state.pending.empty()) {
    fn(&state);
    if (seq != 0) prune_windows_before(state.windows, seq);
    return;
  }
  state.pending.push_back({seq, std::move(fn)});
  if (state.loading || state.loaded) return;
  state.loading = true;
  // Former members whose window reaches this entry come with the snapshot; later entries arrive
  // after this one, so nothing older is needed.
  load_windows(id, seq == 0 ? kOpenWindow : seq, 0);
}

void Core::Messaging::load_windows(ConversationId id, Seq since, int attempt) {
  core_.blocking<std::vector<MemberWindow>>(
      [this, id, since] { return core_.store_.member_windows(id, since); },
      [this, id, since, attempt](Result<std::vector<MemberWindow>> windows) {
        auto& conversations = core_.local().conversations;
        auto it = conversations.find(id);  // a loading state is never evicted
        ConversationState& loaded = it->second;
        // A full queue is overload, not an answer: the waiting deliveries try again shortly
        // (for up to kMaxWindowLoadAttempts × the hint) rather than being skipped.
        if (!windows && windows.error().code == Errc::unavailable &&
            attempt + 1 < kMaxWindowLoadAttempts) {
          const TimeMs delay = std::max<TimeMs>(windows.error().retry_after_ms, kBusyRetryMs);
          core_.executor_.post_after(core_.local().id, delay, [this, id, since, attempt] {
            load_windows(id, since, attempt + 1);
          });
          return;
        }
        loaded.loading = false;
        if (!windows) {
          // Gone (or unreadable now): the waiting work learns it; entries reach devices by sync.
          auto waiting = std::move(loaded.pending);
          core_.local().conversation_lru.erase(loaded.lru_position);
          conversations.erase(it);
          for (auto& item : waiting) item.work(nullptr);
          return;
        }
        loaded.windows = std::move(*windows);
        loaded.loaded = true;
        run_waiting(loaded);
      });
}

void Core::Messaging::on_group_changed(GroupOutcome outcome) {
  const ConversationId id = outcome.conversation.id;
  const Seq seq = outcome.system_message.seq;
  std::vector<UserId> members_after;
  members_after.reserve(outcome.conversation.members.size());
  for (const Member& m : outcome.conversation.members) members_after.push_back(m.user_id);
  ConversationState& state = touch_conversation(id);
  if (!state.loaded && !state.loading && state.pending.empty()) {
    // Nothing cached and nothing waiting: the outcome alone covers every entry from here on.
    state.windows =
        windows_after_change(seq, members_after, outcome.added_members, outcome.former_members);
    state.loaded = true;
  }
  with_members(id, seq,
               [this, seq, members_after = std::move(members_after),
                former = std::move(outcome.former_members), updates = std::move(outcome.updates),
                message = std::move(outcome.system_message)](ConversationState* current) mutable {
                 // The entry first, then the user-log entries it caused (a member's LEFT): both
                 // leave this thread in that order, so every device sees them in that order.
                 if (!current) return core_.deliver_updates(updates);
                 apply_group_change(current->windows, seq, members_after, former);
                 // Those who just left see the entry that records it, then nothing more.
                 auto event = std::make_shared<const Event>(MessageEvent{std::move(message)});
                 core_.deliver(recipients_of(current->windows, seq), std::move(event),
                               SessionHandle{});
                 core_.deliver_updates(updates);
               });
}

void Core::Messaging::sync(const SessionIdentity& who, std::int64_t user_seq,
                           ConversationId after_conversation, Callback<SyncResult> done) {
  if (user_seq < 0 || after_conversation < 0) {
    return done(fail(Errc::invalid_argument, "user_seq and after_conversation_id must be >= 0"));
  }
  const ChatLimits& limits = core_.config_.chat;
  core_.blocking<SyncResult>(
      [this, user = who.user_id, user_seq, after_conversation, limits]() -> Result<SyncResult> {
        SyncResult result;
        // The reads are separate statements, so their order makes the answer consistent: the
        // user-log position first, then the conversations (at least as new as it), then the
        // updates (which may go past it; the answer's user_seq then follows them).
        auto last = core_.store_.last_user_seq(user);
        if (!last) return std::unexpected(last.error());
        result.user_seq = *last;
        auto list = core_.store_.conversation_list(user, limits.member_detail_limit);
        if (!list) return std::unexpected(list.error());
        result.conversations = page_by_id(std::move(*list), after_conversation, core_.config_.pages,
                                          result.has_more_conversations);
        if (after_conversation != 0) return result;  // updates come with the first page only
        auto updates =
            core_.store_.user_updates_after(user, user_seq, limits.max_user_updates_per_sync + 1);
        if (!updates) return std::unexpected(updates.error());
        result.updates_truncated = updates->size() > limits.max_user_updates_per_sync;
        if (result.updates_truncated) updates->pop_back();
        if (!updates->empty()) {
          const std::int64_t newest = updates->back().user_seq;
          // Truncated: the client syncs again from the last update it got.
          result.user_seq = result.updates_truncated ? newest : std::max(result.user_seq, newest);
        }
        result.updates = std::move(*updates);
        return result;
      },
      std::move(done));
}

void Core::Messaging::history(const SessionIdentity& who, HistoryQuery query,
                              Callback<HistoryPage> done) {
  if (query.before_seq < 0 || (query.after_seq && *query.after_seq < 0)) {
    return done(fail(Errc::invalid_argument, "seq must not be negative"));
  }
  if (query.limit > core_.config_.max_history_limit) {
    return done(fail(Errc::invalid_argument,
                     "limit must be 1.." + std::to_string(core_.config_.max_history_limit)));
  }
  const std::size_t limit = query.limit == 0 ? 50 : query.limit;
  core_.blocking<HistoryPage>(
      [this, user = who.user_id, query, limit]() -> Result<HistoryPage> {
        auto conversation = core_.store_.conversation(query.conversation_id);
        // Not a member (or no longer one) reads as not found: others' conversations stay hidden.
        if (!conversation || !is_member(*conversation, user)) {
          if (!conversation && conversation.error().code != Errc::not_found) {
            return std::unexpected(conversation.error());
          }
          return fail(Errc::not_found, "no such conversation");
        }
        Viewer viewer{user, 0};
        for (const Member& m : conversation->members) {
          if (m.user_id == user) viewer.joined_seq = m.joined_seq;
        }
        auto messages = query.after_seq ? core_.store_.view_after(viewer, query.conversation_id,
                                                                  *query.after_seq, limit + 1)
                                        : core_.store_.view_before(viewer, query.conversation_id,
                                                                   query.before_seq, limit + 1);
        if (!messages) return std::unexpected(messages.error());
        HistoryPage page;
        page.has_more = messages->size() > limit;
        if (page.has_more) {
          // One extra row was read only to learn whether more exist in the asked direction.
          if (query.after_seq) {
            messages->pop_back();
          } else {
            messages->erase(messages->begin());
          }
        }
        // Bounded by bytes too: a page of big messages stops early and says more follow.
        if (trim_history(*messages, query.after_seq.has_value(), core_.config_.pages.max_bytes)) {
          page.has_more = true;
        }
        page.messages = std::move(*messages);
        return page;
      },
      std::move(done));
}

}  // namespace parley
