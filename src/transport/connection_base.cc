#include "transport/connection_base.h"

#include <spdlog/spdlog.h>

namespace parley::transport {

ConnectionBase::ConnectionBase(boost::asio::io_context& io, ShardId shard,
                               ConnectionRegistry& registry, const TransportLimits& limits,
                               std::string remote_address)
    : shard_(shard),
      registry_(registry),
      limits_(limits),
      remote_address_(std::move(remote_address)),
      timer_(io),
      last_activity_(std::chrono::steady_clock::now()) {}

ConnectionBase::~ConnectionBase() = default;

void ConnectionBase::attach(const SessionFactory& factory) {
  registry_.add(shard_, this);
  registered_ = true;
  session_ = factory(*this);
}

void ConnectionBase::set_idle_timeout(std::chrono::milliseconds timeout) {
  idle_timeout_ = timeout;
  note_activity();
  if (closing_ || finalized_) return;
  if (timeout.count() == 0) {
    timer_.cancel();
    return;
  }
  arm_idle_timer(timeout);
}

// One timer per connection, re-armed only when it fires: a received byte just moves
// last_activity_, so busy connections cost no timer operations per read.
void ConnectionBase::arm_idle_timer(std::chrono::steady_clock::duration after) {
  timer_.expires_after(after);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || self->finalized_ || self->closing_ || self->idle_timeout_.count() == 0) return;
    const auto idle = std::chrono::steady_clock::now() - self->last_activity_;
    if (idle < self->idle_timeout_) {
      self->arm_idle_timer(self->idle_timeout_ - idle);
      return;
    }
    if (self->session_) self->session_->on_idle();
  });
}

bool ConnectionBase::reserve_outbound(std::size_t bytes) {
  if (aborted_ || finalized_) return false;
  if (queued_bytes_ + bytes > limits_.max_outbound_bytes) {
    spdlog::info("closing slow consumer {} ({} bytes queued)", remote_address_, queued_bytes_);
    abort();
    return false;
  }
  queued_bytes_ += bytes;
  return true;
}

void ConnectionBase::close() {
  if (closing_ || finalized_) return;
  closing_ = true;
  // Bound the drain: a peer that stops reading must not keep the connection forever.
  timer_.cancel();
  timer_.expires_after(limits_.close_grace);
  timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->finalized_) self->abort();
  });
  if (queued_bytes_ == 0) on_queue_drained();
}

void ConnectionBase::on_queue_drained() {
  if (!closing_ || shutdown_started_ || aborted_ || finalized_) return;
  shutdown_started_ = true;
  shutdown_transport();
}

void ConnectionBase::abort() {
  if (aborted_ || finalized_) return;
  aborted_ = true;
  closing_ = true;
  abort_transport();
}

void ConnectionBase::finalize() {
  if (finalized_) return;
  finalized_ = true;
  closing_ = true;
  timer_.cancel();
  abort_transport();
  if (registered_) registry_.remove(shard_, this);
  if (session_) {
    session_->on_closed();
    session_.reset();
  }
}

}  // namespace parley::transport
