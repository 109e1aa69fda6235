#include "transport/connection_registry.h"

#include <boost/asio/post.hpp>

#include "transport/connection_base.h"

namespace parley::transport {

std::string_view address_of(std::string_view remote_address) {
  const auto colon = remote_address.rfind(':');
  return colon == std::string_view::npos ? remote_address : remote_address.substr(0, colon);
}

UnauthenticatedSlot& UnauthenticatedSlot::operator=(UnauthenticatedSlot&& other) noexcept {
  if (this != &other) {
    release();
    registry_ = std::exchange(other.registry_, nullptr);
    address_ = std::move(other.address_);
  }
  return *this;
}

void UnauthenticatedSlot::release() {
  if (registry_) std::exchange(registry_, nullptr)->remove_unauthenticated(address_);
}

ConnectionRegistry::ConnectionRegistry(runtime::ShardPool& pool,
                                       std::chrono::milliseconds sweep_interval)
    : pool_(pool),
      sweep_interval_(sweep_interval),
      by_shard_(pool.shard_count()),
      sweep_timers_(pool.shard_count()) {}

void ConnectionRegistry::add(ShardId shard, ConnectionBase* connection) {
  by_shard_[shard].insert(connection);
  if (!sweep_timers_[shard] && !sweeps_stopped_) {
    sweep_timers_[shard] = std::make_unique<boost::asio::steady_timer>(pool_.io(shard));
    schedule_sweep(shard);
  }
  std::lock_guard lock(mutex_);
  ++count_;
}

void ConnectionRegistry::remove(ShardId shard, ConnectionBase* connection) {
  if (by_shard_[shard].erase(connection) == 0) return;
  std::lock_guard lock(mutex_);
  if (--count_ == 0) emptied_.notify_all();
}

template <class F>
void ConnectionRegistry::for_each_on_every_shard(F f) {
  for (ShardId shard = 0; shard < pool_.shard_count(); ++shard) {
    boost::asio::post(pool_.io(shard), [this, shard, f] {
      // The calls never finalize a connection synchronously (only completion handlers do), so
      // the set does not change meanwhile; the copy is only for safety.
      const std::vector<ConnectionBase*> live(by_shard_[shard].begin(), by_shard_[shard].end());
      for (ConnectionBase* c : live) {
        if (by_shard_[shard].contains(c)) f(*c);
      }
    });
  }
}

void ConnectionRegistry::close_all() {
  for_each_on_every_shard([](ConnectionBase& c) { c.begin_shutdown(); });
}

void ConnectionRegistry::abort_all() {
  for_each_on_every_shard([](ConnectionBase& c) { c.cut(); });
}

void ConnectionRegistry::schedule_sweep(ShardId shard) {
  auto& timer = *sweep_timers_[shard];
  timer.expires_after(sweep_interval_);
  timer.async_wait([this, shard](const boost::system::error_code& ec) {
    if (ec || sweeps_stopped_) return;
    sweep(shard);
    schedule_sweep(shard);
  });
}

void ConnectionRegistry::stop_sweeps() {
  sweeps_stopped_ = true;
  for (ShardId shard = 0; shard < pool_.shard_count(); ++shard) {
    boost::asio::post(pool_.io(shard), [this, shard] { sweep_timers_[shard].reset(); });
  }
}

void ConnectionRegistry::sweep(ShardId shard) {
  const auto now = std::chrono::steady_clock::now();
  // What a session does about a time limit may close connections, never finalize them (that
  // happens only in completion handlers), so the set is not changed while it is walked; the
  // copy of the due ones is only for safety.
  std::vector<ConnectionBase*> due;
  for (ConnectionBase* c : by_shard_[shard]) {
    if (c->time_limit_due(now)) due.push_back(c);
  }
  for (ConnectionBase* c : due) {
    if (by_shard_[shard].contains(c)) c->enforce_time_limits(now);
  }
}

bool ConnectionRegistry::wait_empty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return emptied_.wait_for(lock, timeout, [this] { return count_ == 0; });
}

std::size_t ConnectionRegistry::size() const {
  std::lock_guard lock(mutex_);
  return count_;
}

bool ConnectionRegistry::try_add_unauthenticated(std::string_view address,
                                                 const TransportLimits& limits) {
  std::lock_guard lock(unauthenticated_mutex_);
  if (unauthenticated_ >= limits.max_unauthenticated) return false;
  auto [it, inserted] = unauthenticated_by_address_.try_emplace(std::string(address), 0);
  if (it->second >= limits.max_unauthenticated_per_address) return false;
  ++it->second;
  ++unauthenticated_;
  return true;
}

void ConnectionRegistry::add_unauthenticated(std::string_view address) {
  std::lock_guard lock(unauthenticated_mutex_);
  ++unauthenticated_by_address_[std::string(address)];
  ++unauthenticated_;
}

void ConnectionRegistry::remove_unauthenticated(std::string_view address) {
  std::lock_guard lock(unauthenticated_mutex_);
  auto it = unauthenticated_by_address_.find(std::string(address));
  if (it == unauthenticated_by_address_.end()) return;
  if (--it->second == 0) unauthenticated_by_address_.erase(it);
  --unauthenticated_;
}

std::size_t ConnectionRegistry::unauthenticated() const {
  std::lock_guard lock(unauthenticated_mutex_);
  return unauthenticated_;
}

}  // namespace parley::transport
