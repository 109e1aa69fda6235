#include "transport/connection_base.h"

#include <spdlog/spdlog.h>

namespace parley::transport {

ConnectionBase::ConnectionBase(boost::asio::io_context& io, ShardId shard,
                               ConnectionRegistry& registry, const TransportLimits& limits,
                               std::string remote_address)
    : io_(io),
      shard_(shard),
      registry_(registry),
      limits_(limits),
      remote_address_(std::move(remote_address)),
      last_activity_(std::chrono::steady_clock::now()) {}

ConnectionBase::~ConnectionBase() = default;

void ConnectionBase::attach(const SessionFactory& factory) {
  registry_.add(shard_, this);
  registered_ = true;
  session_ = factory(*this);
}

// No timer of its own: the registry's per-shard sweep asks idle_at() (a received byte only moves
// last_activity_), so the timeout is noticed up to one sweep interval late.
void ConnectionBase::set_idle_timeout(std::chrono::milliseconds timeout) {
  idle_timeout_ = timeout;
  note_activity();
}

bool ConnectionBase::idle_at(std::chrono::steady_clock::time_point now) const {
  return idle_timeout_.count() != 0 && !closing_ && !finalized_ &&
         now - last_activity_ >= idle_timeout_;
}

void ConnectionBase::report_idle() {
  idle_timeout_ = std::chrono::milliseconds(0);  // once, as a timer that fired
  if (session_) session_->on_idle();
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
  close_timer_ = std::make_unique<boost::asio::steady_timer>(io_, limits_.close_grace);
  close_timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
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
  if (close_timer_) close_timer_->cancel();
  abort_transport();
  if (registered_) registry_.remove(shard_, this);
  if (session_) {
    session_->on_closed();
    session_.reset();
  }
}

}  // namespace parley::transport
