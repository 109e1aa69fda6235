#include "transport/connection_base.h"

#include <spdlog/spdlog.h>

namespace parley::transport {

ConnectionBase::ConnectionBase(boost::asio::io_context& io, ShardId shard,
                               ConnectionRegistry& registry, const TransportLimits& limits,
                               std::string remote_address, UnauthenticatedSlot slot)
    : io_(io),
      registry_(registry),
      limits_(limits),
      remote_address_(std::move(remote_address)),
      last_activity_(Clock::now()),
      shard_(shard),
      counts_unauthenticated_(slot.held()) {
  slot.hand_over();  // kept as a flag: the address is remote_address_'s
  registry_.add(shard_, this);
  registered_ = true;
}

// Normally finalize() has run. A connection whose handshake failed never had a session and ends
// here; so do those still pending when the shards stopped (then on the stopping thread).
ConnectionBase::~ConnectionBase() {
  if (registered_) registry_.remove(shard_, this);
  release_unauthenticated();
}

void ConnectionBase::attach(const SessionFactory& factory) { session_ = factory(*this); }

// No timer of its own: the registry's per-shard sweep asks time_limit_due() (a received byte
// only moves last_activity_), so a limit is noticed up to one sweep interval late.
void ConnectionBase::set_idle_timeout(std::chrono::milliseconds timeout) {
  idle_timeout_ = timeout;
  note_activity();
}

void ConnectionBase::set_partial_frame(bool pending) {
  if (!pending) {
    partial_since_ = kNever;
  } else if (partial_since_ == kNever) {
    partial_since_ = Clock::now();
  }
}

bool ConnectionBase::time_limit_due(Clock::time_point now) const {
  if (finalized_ || aborted_) return false;
  if (congested_since_ != kNever && now - congested_since_ >= limits_.slow_consumer_grace) {
    return true;
  }
  if (closing_) return false;
  if (deadline_ <= now) return true;
  // While the transport does not read, an unfinished frame is not the peer's delay.
  if (!read_stopped_ && partial_since_ != kNever &&
      now - partial_since_ >= limits_.partial_frame_timeout) {
    return true;
  }
  return idle_timeout_.count() != 0 && now - last_activity_ >= idle_timeout_;
}

void ConnectionBase::enforce_time_limits(Clock::time_point now) {
  if (finalized_ || aborted_) return;
  if (congested_since_ != kNever && now - congested_since_ >= limits_.slow_consumer_grace) {
    return cut_slow_consumer("its queue stayed above the soft mark");
  }
  // Each fires once, as a timer would; the session's answer may close the connection.
  if (!closing_ && session_ && deadline_ <= now) {
    deadline_ = kNever;
    session_->on_timeout(Timeout::deadline);
  }
  if (!closing_ && session_ && !read_stopped_ && partial_since_ != kNever &&
      now - partial_since_ >= limits_.partial_frame_timeout) {
    partial_since_ = kNever;
    session_->on_timeout(Timeout::partial_frame);
  }
  if (!closing_ && session_ && idle_timeout_.count() != 0 &&
      now - last_activity_ >= idle_timeout_) {
    idle_timeout_ = std::chrono::milliseconds(0);
    session_->on_timeout(Timeout::idle);
  }
}

void ConnectionBase::begin_shutdown() {
  if (closing_ || finalized_) return;
  if (!session_) return abort();
  session_->on_shutdown();
  close(CloseReason::going_away);  // no-op when the session closed already
}

bool ConnectionBase::reserve_outbound(std::size_t bytes) {
  if (aborted_ || finalized_) return false;
  // The hard cap bounds memory outright once the queue is above the soft mark; below the mark a
  // frame is always taken, so one large answer never cuts a reader that reads.
  if (output_congested() && queued_bytes_ + bytes > limits_.max_outbound_hard_bytes) {
    cut_slow_consumer("its queue reached the hard cap");
    return false;
  }
  queued_bytes_ += bytes;
  if (output_congested() && congested_since_ == kNever) congested_since_ = Clock::now();
  return true;
}

void ConnectionBase::release_outbound(std::size_t bytes) {
  queued_bytes_ -= bytes;
  if (!output_congested()) {
    congested_since_ = kNever;
    maybe_restart_reading();
  }
}

bool ConnectionBase::may_read() {
  if (closing_ || aborted_ || finalized_) return true;
  if (input_stopped()) {
    read_stopped_ = true;
    // No operation is pending on its behalf now: this keeps it alive until reading resumes.
    stopped_self_ = shared_from_this();
    return false;
  }
  return true;
}

void ConnectionBase::hold_input(bool held) {
  input_held_ = held;
  if (!held) maybe_restart_reading();
}

void ConnectionBase::resume_input() {
  input_paused_ = false;
  maybe_restart_reading();
}

void ConnectionBase::maybe_restart_reading() {
  if (!read_stopped_ || finalized_) return;
  if (!closing_ && !aborted_ && input_stopped()) return;
  read_stopped_ = false;
  if (partial_since_ != kNever) partial_since_ = Clock::now();  // its clock ran while unread
  const auto self = std::move(stopped_self_);
  start_reading();
}

void ConnectionBase::mark_authenticated() { release_unauthenticated(); }

void ConnectionBase::mark_unauthenticated() {
  if (counts_unauthenticated_ || finalized_) return;
  registry_.add_unauthenticated(address_of(remote_address_));
  counts_unauthenticated_ = true;
}

void ConnectionBase::release_unauthenticated() {
  if (!counts_unauthenticated_) return;
  counts_unauthenticated_ = false;
  registry_.remove_unauthenticated(address_of(remote_address_));
}

void ConnectionBase::close(CloseReason reason) {
  if (closing_ || finalized_) return;
  closing_ = true;
  close_reason_ = reason;
  // Bound the drain: a peer that stops reading must not keep the connection forever.
  close_timer_ = std::make_unique<boost::asio::steady_timer>(io_, limits_.close_grace);
  close_timer_->async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (!ec && !self->finalized_) self->abort();
  });
  maybe_restart_reading();  // to see the peer's close
  if (queued_bytes_ == 0) on_queue_drained();
}

void ConnectionBase::on_queue_drained() {
  if (!closing_ || shutdown_started_ || aborted_ || finalized_) return;
  shutdown_started_ = true;
  shutdown_transport();
}

void ConnectionBase::cut_slow_consumer(const char* why) {
  spdlog::info("closing slow consumer {}: {} ({} bytes queued)", remote_address_, why,
               queued_bytes_);
  abort(/*reset=*/true);
}

void ConnectionBase::abort(bool reset) {
  if (aborted_ || finalized_) return;
  aborted_ = true;
  closing_ = true;
  abort_transport(reset);
  // With no read pending nothing would complete to finalize: a read on the closed socket does.
  maybe_restart_reading();
}

void ConnectionBase::finalize() {
  if (finalized_) return;
  finalized_ = true;
  closing_ = true;
  if (close_timer_) close_timer_->cancel();
  abort_transport(false);
  release_unauthenticated();
  if (session_) {
    session_->on_closed();
    session_.reset();
  }
  // Last: an empty registry means every session is gone (shutdown waits for that).
  if (registered_) {
    registry_.remove(shard_, this);
    registered_ = false;
  }
  read_stopped_ = false;
  stopped_self_.reset();  // the completion handler calling this still holds the connection
}

}  // namespace parley::transport
