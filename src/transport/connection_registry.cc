#include "transport/connection_registry.h"

#include <boost/asio/post.hpp>

#include "transport/connection_base.h"

namespace parley::transport {

ConnectionRegistry::ConnectionRegistry(runtime::ShardPool& pool)
    : pool_(pool), by_shard_(pool.shard_count()) {}

void ConnectionRegistry::add(ShardId shard, ConnectionBase* connection) {
  by_shard_[shard].insert(connection);
  std::lock_guard lock(mutex_);
  ++count_;
}

void ConnectionRegistry::remove(ShardId shard, ConnectionBase* connection) {
  if (by_shard_[shard].erase(connection) == 0) return;
  std::lock_guard lock(mutex_);
  if (--count_ == 0) emptied_.notify_all();
}

void ConnectionRegistry::close_all() {
  for (ShardId shard = 0; shard < pool_.shard_count(); ++shard) {
    boost::asio::post(pool_.io(shard), [this, shard] {
      // close() never finalizes synchronously, so iterating a copy is only for safety.
      const auto live = by_shard_[shard];
      for (ConnectionBase* c : live) c->close();
    });
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

}  // namespace parley::transport
