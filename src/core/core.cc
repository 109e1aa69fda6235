// Core's wiring: shard state, session registration through the bus, the token-expiry sweep.
// Command families are declared in accounts.h, messaging.h, chat.h and contacts.h.
#include "core/core.h"

#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "core/core_internal.h"
#include "core/password.h"

namespace parley {

Core::Core(Executor& executor, Store& store, Bus& bus, CoreConfig config)
    : executor_(executor), store_(store), bus_(bus), config_(std::move(config)) {
  init_crypto();
  for (ShardId i = 0; i < executor_.shard_count(); ++i) {
    auto shard = std::make_unique<ShardState>();
    shard->id = i;
    shards_.push_back(std::move(shard));
  }
  abuse_guard_ = std::make_unique<AbuseGuard>(config_.login_limits, config_.chat);
  accounts_ = std::make_unique<Accounts>(*this);
  messaging_ = std::make_unique<Messaging>(*this);
  chat_ = std::make_unique<Chat>(*this);
  contacts_ = std::make_unique<Contacts>(*this);
  bus_.set_presence_listener(contacts_.get());
}

Core::~Core() { bus_.set_presence_listener(nullptr); }

Core::ShardState& Core::local() {
  const auto shard = executor_.current_shard();
  // Shard state is only ever touched by its own thread; reaching here from another thread is a
  // bug that would corrupt it silently, so it stops the server instead.
  if (!shard) {
    std::fprintf(stderr, "parleyd: core shard state used off the shard threads\n");
    std::abort();
  }
  return *shards_[*shard];
}

ShardId Core::home_shard(UserId user) const {
  return static_cast<ShardId>(static_cast<std::uint64_t>(user) % shards_.size());
}

ShardId Core::owner_shard(ConversationId conversation) const {
  // A different mix than home_shard so a user's direct conversations spread over shards.
  const auto h = static_cast<std::uint64_t>(conversation) * 0x9E3779B97F4A7C15ull;
  return static_cast<ShardId>((h >> 32) % shards_.size());
}

SessionHandle Core::open_session(SessionSink& sink) {
  (void)local();  // on a shard (checked)
  return bus_.open_session(sink);
}

void Core::close_session(SessionHandle handle) {
  ShardState& shard = local();
  bus_.close_session(handle);
  auto it = shard.attached.find(handle.id);
  if (it == shard.attached.end()) return;
  const SessionIdentity who = std::move(it->second.who);
  shard.attached.erase(it);
  bus_.detach(who);
  messaging_->flush_cursors(who.device_id);  // a resume right after sees what this one acked
  const TimeMs now = executor_.now();
  store_.post_write([this, device = who.device_id, now] {
    (void)store_.touch_device(device, now);  // last seen is best effort
  });
}

SessionIdentity Core::attach(SessionHandle handle, const AuthGrant& grant) {
  SessionIdentity who{grant.user_id, grant.username, grant.device_id, handle};
  ShardState& shard = local();
  shard.attached[handle.id] = ShardState::Attached{who, grant.token_expires_at};
  arm_expiry_sweep(shard);
  bus_.attach(who);
  // Registered first (the bus posts to the user's home shard), checked second (posted after it):
  // a revocation committed before this check is seen by it, and one committed after it finds
  // the session registered and kicks it.
  executor_.post(home_shard(who.user_id), [this, handle, token_hash = grant.token_hash]() mutable {
    accounts_->recheck_token(handle, std::move(token_hash));
  });
  return who;
}

void Core::kick_unless_logging_out(SessionHandle session) {
  executor_.post(session.shard, [this, session] {
    const ShardState& here = local();
    auto it = here.attached.find(session.id);
    if (it == here.attached.end() || it->second.logging_out) return;  // gone, or ending itself
    bus_.kick_session(session, Errc::token_invalid);
  });
}

Core::ShardFootprint Core::footprint() {
  const ShardState& shard = local();
  ShardFootprint out{shard.conversations.size(), 0};
  for (const auto& [id, state] : shard.conversations)
    out.typing_entries += state.last_typing.size();
  return out;
}

void Core::arm_expiry_sweep(ShardState& shard) {
  if (shard.expiry_sweep_armed) return;
  shard.expiry_sweep_armed = true;
  executor_.post_after(shard.id, config_.session_sweep_ms, [this] {
    ShardState& here = local();
    here.expiry_sweep_armed = false;
    const TimeMs now = executor_.now();
    // Chosen first, kicked second: a kicked session closes inline and leaves `attached`.
    std::vector<SessionHandle> expired;
    for (const auto& [id, attached] : here.attached) {
      if (attached.token_expires_at != 0 && attached.token_expires_at <= now &&
          !attached.logging_out) {
        expired.push_back(attached.who.handle);
      }
    }
    for (SessionHandle handle : expired) bus_.kick_session(handle, Errc::token_invalid);
    if (!here.attached.empty()) arm_expiry_sweep(here);
  });
}

void Core::deliver(std::vector<UserId> users, std::shared_ptr<const Event> event,
                   SessionHandle except) {
  bus_.deliver(std::move(users), std::move(event), except);
}

void Core::deliver_updates(const std::vector<UserUpdate>& updates) {
  for (const UserUpdate& update : updates) {
    // Every device of the user, the one that caused it included: the user log is applied by
    // user_seq, so a device that already applied the change ignores it.
    bus_.deliver({update.user_id}, std::make_shared<const Event>(UserUpdateEvent{update}),
                 SessionHandle{});
  }
}

}  // namespace parley
