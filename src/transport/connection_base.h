// What every transport connection shares: its shard, the protocol session it feeds, the time
// limits the registry's sweep checks, the outbound accounting and input flow control, the
// unauthenticated-connection accounting, and the once-only close path. Subclasses own the socket,
// the read loop and the write queue.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <string>

#include "transport/connection.h"
#include "transport/connection_registry.h"
#include "transport/limits.h"

namespace parley::transport {

class ConnectionBase : public Connection, public std::enable_shared_from_this<ConnectionBase> {
 public:
  using Clock = std::chrono::steady_clock;

  // Registers the connection (so shutdown finds it even before its session exists) and takes
  // over `slot`. Thread contract: construct on the connection's shard thread.
  ConnectionBase(boost::asio::io_context& io, ShardId shard, ConnectionRegistry& registry,
                 const TransportLimits& limits, std::string remote_address,
                 UnauthenticatedSlot slot);
  ~ConnectionBase() override;

  const std::string& remote_address() const override { return remote_address_; }
  void close(CloseReason reason) override;
  void set_idle_timeout(std::chrono::milliseconds timeout) override;
  void set_deadline(Clock::time_point when) override { deadline_ = when; }
  void set_partial_frame(bool pending) override;
  void pause_input() override { input_paused_ = true; }
  void resume_input() override;
  void mark_authenticated() override;
  void mark_unauthenticated() override;
  std::size_t queued_bytes() const override { return queued_bytes_; }

  // For the registry's sweep, on the connection's shard: whether some time limit has passed at
  // `now` (cheap), and acting on them (telling the session, or cutting a slow consumer).
  bool time_limit_due(Clock::time_point now) const;
  void enforce_time_limits(Clock::time_point now);
  // For the registry at shutdown, on the connection's shard: the session says goodbye and the
  // connection closes; without a session (a handshake in progress) it is cut.
  void begin_shutdown();
  // Cuts the connection now.
  void cut() { abort(); }

 protected:
  static constexpr Clock::time_point kNever = Clock::time_point::max();
  // Beyond sizeof(Outbound): an owner allocated for the frame alone (a reply's string).
  static constexpr std::size_t kFrameOverhead = 48;

  // Creates the protocol session. Call once the transport is ready.
  void attach(const SessionFactory& factory);
  // Restarts the idle clock; call on every received byte.
  void note_activity() { last_activity_ = Clock::now(); }
  // Called when the write queue is empty and close() was asked for: end the transport cleanly.
  virtual void shutdown_transport() = 0;
  // Cuts the socket at once; pending operations complete with an error. `reset`: discard what
  // the kernel still holds to send (a slow consumer's backlog) instead of lingering over it.
  virtual void abort_transport(bool reset) = 0;
  // Issues the next read. Called only when the read loop had stopped (see may_read).
  virtual void start_reading() = 0;
  // Transport-side pause (a TLS upgrade in progress), apart from the session's pause_input: the
  // session resuming its input must not restart a read the transport holds.
  void hold_input(bool held);
  // Read loops ask before each read: false while input is paused (by the session or by a queue
  // above the soft mark); the loop then stops and start_reading() resumes it later. A closing
  // connection always reads, to see the peer's close.
  bool may_read();
  // Slow consumer or fatal error: cut now; the pending read's completion finalizes.
  void abort(bool reset = false);
  // Last step, from a completion handler only (never from inside a session call): tells the
  // session, unregisters, releases the session.
  void finalize();
  // Whether received data should still go to the session.
  bool accepting_input() const { return session_ && !closing_ && !aborted_; }
  // What a queued frame counts against the marks: its bytes plus the memory of its queue entry,
  // so that a queue of many tiny frames (pongs) is bounded by what it really holds.
  static std::size_t queued_cost(const Outbound& out) {
    return out.prefix.size() + out.bytes.size() + sizeof(Outbound) + kFrameOverhead;
  }
  // Bookkeeping for subclasses' write queues; false (and a cut) when the hard cap is exceeded.
  bool reserve_outbound(std::size_t bytes);
  void release_outbound(std::size_t bytes);
  // A subclass calls this when its queue drained; closes if close() was asked for.
  void on_queue_drained();

  ProtocolSession* session() { return session_.get(); }
  bool closing() const { return closing_; }
  bool aborted() const { return aborted_; }
  bool finalized() const { return finalized_; }
  CloseReason close_reason() const { return close_reason_; }
  const TransportLimits& limits() const { return limits_; }

 private:
  bool output_congested() const { return queued_bytes_ > limits_.max_outbound_bytes; }
  bool input_stopped() const { return input_paused_ || input_held_ || output_congested(); }
  void maybe_restart_reading();
  void cut_slow_consumer(const char* why);
  void release_unauthenticated();

  boost::asio::io_context& io_;
  ConnectionRegistry& registry_;
  const TransportLimits& limits_;
  std::string remote_address_;
  std::unique_ptr<ProtocolSession> session_;
  std::shared_ptr<ConnectionBase> stopped_self_;  // only while the read loop is stopped
  // Only while closing: bounds the drain. Created then, so open connections do not carry it.
  std::unique_ptr<boost::asio::steady_timer> close_timer_;
  std::chrono::milliseconds idle_timeout_{0};
  Clock::time_point last_activity_;
  Clock::time_point deadline_ = kNever;
  Clock::time_point partial_since_ = kNever;    // a frame begun and not complete since then
  Clock::time_point congested_since_ = kNever;  // the queue above the soft mark since then
  std::size_t queued_bytes_ = 0;
  ShardId shard_;
  CloseReason close_reason_ = CloseReason::normal;
  bool registered_ = false;
  bool counts_unauthenticated_ = false;
  bool input_paused_ = false;
  bool input_held_ = false;
  bool read_stopped_ = false;
  bool closing_ = false;
  bool aborted_ = false;
  bool finalized_ = false;
  bool shutdown_started_ = false;
};

}  // namespace parley::transport
